"""Who wins, in sentences with the numbers: the analysis half of the comparison's report.

The handout asks for an analysis of the two algorithms ("对两个算法结果进行对比分析"), not a
table alone. FID mixes image quality and variety into one number, so the measures are grouped:
    quality    precision, density, class accuracy (are the images realistic / the right class?)
    diversity  recall, coverage (is the real variety reproduced?)
    overall    FID, KID, the score, intra-class FID (both at once)
and for each group the report says which model wins how many measures, then each measure with
both values, the margin and the real-data row's value. Then per class, the distance of each
model from the real-data row, and the cost. Rows are dicts as in metrics.json; a measure a row
lacks (a feature space that was not used) is skipped. Each point is (headline, [details]) or a
sentence; the report lists the details under their headline.
"""
from files import format_seconds

MODELS = {"dcgan": "DCGAN", "biggan": "BigGAN"}
# Every measure the analysis compares: row key -> (name, which way is better).
MEASURES = {
    "fid": ("FID (classifier)", "lower"), "kid_mean": ("KID (classifier)", "lower"),
    "score": ("Score (classifier)", "higher"), "intra_class_fid": ("Intra-class FID", "lower"),
    "class_accuracy": ("Class accuracy", "higher"),
    "worst_class_accuracy": ("Worst-class accuracy", "higher"),
    "precision": ("Precision (classifier)", "higher"), "density": ("Density (classifier)", "higher"),
    "recall": ("Recall (classifier)", "higher"), "coverage": ("Coverage (classifier)", "higher"),
    "inception_fid": ("Inception FID", "lower"), "inception_kid_mean": ("Inception KID", "lower"),
    "inception_is_mean": ("Inception Score", "higher"),
    "inception_precision": ("Precision (Inception)", "higher"),
    "inception_density": ("Density (Inception)", "higher"),
    "inception_recall": ("Recall (Inception)", "higher"),
    "inception_coverage": ("Coverage (Inception)", "higher"),
}
SECTIONS = [
    ("Quality", "are the images realistic?",
     ["precision", "density", "class_accuracy", "worst_class_accuracy", "inception_precision",
      "inception_density"]),
    ("Diversity", "is the real variety reproduced?",
     ["recall", "coverage", "inception_recall", "inception_coverage"]),
    ("Overall distance", "FID, KID and the score mix quality and diversity",
     ["fid", "kid_mean", "score", "intra_class_fid", "inception_fid", "inception_kid_mean",
      "inception_is_mean"]),
]


# ----------------------------------------------------------------------------- one measure

SHARES = ("precision", "recall", "density", "coverage")  # and their inception_ versions


def show(key, value):
    """A measure's value as the analysis prints it (no 1.2e+03: large values in full)."""
    if key.endswith("accuracy"):
        return f"{value:.1%}"
    if key.endswith(SHARES):
        return f"{value:.3f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def margin(key, winner, loser):
    """How much better the winner is: a ratio for the FIDs, percentage points for accuracies,
    a difference otherwise (KID can be negative, so no ratio there)."""
    if key.endswith("fid") and winner > 0:
        ratio = loser / winner
        return f"{ratio:.1f}x lower" if ratio >= 1.5 else f"{100 * (1 - winner / loser):.0f}% lower"
    if key.endswith("accuracy"):
        return f"{100 * abs(winner - loser):.1f} percentage points"
    return f"by {abs(winner - loser):.3g}"


def winner(key, a, b):
    """'DCGAN', 'BigGAN' or None (a tie) for the DCGAN's value a and the BigGAN's b."""
    if a == b:
        return None
    biggan_wins = (b < a) if MEASURES[key][1] == "lower" else (b > a)
    return "BigGAN" if biggan_wins else "DCGAN"


def verdict(key, results):
    """(winner or None, sentence) for one measure, or None when a model lacks it."""
    dcgan, biggan, real = results["dcgan"], results["biggan"], results.get("real", {})
    a, b = dcgan.get(key), biggan.get(key)
    if a is None or b is None:
        return None
    name, floor = MEASURES[key][0], "" if real.get(key) is None else f"; real data: {show(key, real[key])}"
    win = winner(key, a, b)
    if win is None:
        return None, f"{name}: a tie ({show(key, a)}{floor})."
    w, l = (b, a) if win == "BigGAN" else (a, b)
    text = f"{name}: the {win} wins ({show(key, w)} vs {show(key, l)}, {margin(key, w, l)}{floor})"
    std = key.replace("_mean", "_std")
    if key.endswith("kid_mean") and abs(a - b) < max(dcgan[std], biggan[std]):
        return None, text + ", but the gap is smaller than the KID's std: not a clear win."
    return win, text + "."


def section(title, question, keys, results):
    """('**Quality** (are the images realistic?): the BigGAN wins 3 of 4 measures.', [sentences])"""
    found = [v for v in (verdict(key, results) for key in keys) if v is not None]
    if not found:
        return None
    wins = {kind: sum(1 for w, _ in found if w == kind) for kind in MODELS.values()}
    leader = max(wins, key=wins.get)
    head = (f"a draw ({wins['DCGAN']} to {wins['BigGAN']})" if wins["DCGAN"] == wins["BigGAN"] else
            f"the {leader} wins {wins[leader]} of {len(found)} measures")
    return f"**{title}** ({question}): {head}.", [sentence for _, sentence in found]


def distance_from_real(results, held_out):
    """How far each model is from the real-data row, on the main measures."""
    real, keys = results.get("real", {}), ["fid", "inception_fid", "precision", "recall",
                                           "inception_recall", "class_accuracy"]
    sentences = []
    for key, kind in MODELS.items():
        parts = [f"{MEASURES[k][0]} {show(k, results[key][k])} vs {show(k, real[k])}"
                 + (f" ({results[key][k] / real[k]:,.0f}x)" if k.endswith("fid") and real[k] > 0 else "")
                 for k in keys if results[key].get(k) is not None and real.get(k) is not None]
        if parts:
            sentences.append(f"The {kind}: {', '.join(parts)}.")
    if not sentences:
        return None
    caveat = "" if held_out is True else " (the real row is no floor here: see the line at the top)"
    return f"**Distance from real data**{caveat}: model vs real-data row.", sentences


def cost_sentence(results):
    """Sampling speed and the training budgets (a fair comparison gives both the same time)."""
    dcgan, biggan = results["dcgan"], results["biggan"]
    speeds = {"DCGAN": dcgan["sample_seconds_per_1000"], "BigGAN": biggan["sample_seconds_per_1000"]}
    faster, slower = sorted(speeds, key=speeds.get)
    return (f"**Cost**: the {faster} samples faster ({speeds[faster]:.3f} vs {speeds[slower]:.3f} s "
            f"per 1,000 images). Training budgets: DCGAN {dcgan['iterations']:,} iterations in "
            f"{format_seconds(dcgan['train_seconds'] or 0)}, BigGAN {biggan['iterations']:,} "
            f"in {format_seconds(biggan['train_seconds'] or 0)}; a fair comparison gives both "
            "about the same time.")


def sample_size_warning(results, num_samples):
    """Why N = 10,000 matters, with the real row's own FID as the proof."""
    real = results.get("real", {})
    fid = real.get("fid", real.get("inception_fid"))
    if num_samples >= 10000 or fid is None:
        return None
    return (f"With N = {num_samples:,} the FID is biased upwards (even real images score "
            f"{fid:.3g}); use N = 10,000 for the numbers you hand in.")


# ----------------------------------------------------------------------------- per class

def class_values(row, metric):
    """{class name: value} of a per-class metric ('accuracy' or a key of row['per_class'])."""
    if metric == "accuracy":
        return row.get("per_class_accuracy") or {}
    return {name: v[metric] for name, v in (row.get("per_class") or {}).items() if metric in v}


PER_CLASS_METRICS = [("Accuracy", "accuracy", "class_accuracy", ".1%"),
                     ("Intra-class FID", "fid", "intra_class_fid", ",.1f"),
                     ("Precision", "precision", "precision", ".3f"),
                     ("Recall", "recall", "recall", ".3f")]


def per_class_summary(results):
    """(headline, [sentences]): in how many classes each model wins each per-class metric, and
    its hardest class."""
    sentences = []
    for title, metric, measure, spec in PER_CLASS_METRICS:
        d, b = class_values(results["dcgan"], metric), class_values(results["biggan"], metric)
        names = [n for n in d if n in b]
        if not names:
            continue
        wins = [winner(measure, d[n], b[n]) for n in names]
        worst = {kind: (min if MEASURES[measure][1] == "higher" else max)(v, key=v.get)
                 for kind, v in (("DCGAN", d), ("BigGAN", b))}
        ties = f" ({wins.count(None)} ties)" if None in wins else ""
        sentences.append(f"{title}: the BigGAN is ahead in {wins.count('BigGAN')} of {len(names)} "
                         f"classes, the DCGAN in {wins.count('DCGAN')}{ties}; hardest class: "
                         f"{worst['DCGAN']} for the DCGAN ({format(d[worst['DCGAN']], spec)}), "
                         f"{worst['BigGAN']} for the BigGAN ({format(b[worst['BigGAN']], spec)}).")
    return ("**Per class** (the table below): who is ahead in how many classes.", sentences) \
        if sentences else None
