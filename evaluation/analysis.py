"""Who wins, in sentences with the numbers: the analysis half of the comparison's report.

The handout asks for an analysis of the two algorithms ("对两个算法结果进行对比分析"), not a
table alone. FID mixes image quality and variety into one number, so the measures are grouped:
    quality    precision, density, class accuracy (are the images realistic / the right class?)
    diversity  recall, coverage (is the real variety reproduced?)
    overall    FID, KID, the score, intra-class FID (both at once)
and for each group the report says which model wins how many measures, then each measure with
both values ± their standard errors, the margin and the real-data row's value. A gap counts as a
win only when it is larger than its uncertainty (metrics.separated); otherwise it is "within
noise". Then per class, the distance of each model from the real-data row, and the cost.

Before any of that, sanity_checks looks for results no metric can judge: runs too short or too
unequal to compare (no winner on any measure), near-identical or blank samples or one class
everywhere (no winner on the quality measures), a model above the real images' own value on a
quality measure (no winner on it). The report names them in its first lines. Rows are dicts as
in metrics.json; a measure a row lacks (a feature space that was not used) is skipped. Each
point is (headline, [details]) or a sentence; the report lists the details under their headline.
"""
from evaluation.metrics import SEPARATION, separated
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


QUALITY = SECTIONS[0][2]
PER_CLASS_QUALITY = ("accuracy", "precision")  # per-class metrics that collapse can inflate
MIN_ITERATIONS = 500    # fewer: a GAN still draws something close to noise
MIN_EPOCHS = 0.9        # under one pass over the training images (the last part-batch is dropped)
UNEQUAL = 2.0           # training seconds or images seen differing more than this: unfair
COLLAPSED = 0.25        # samples differing less than this share of how much real images differ
BLANK = 0.2             # a class whose images vary within themselves less than this share of real ones
ONE_CLASS = 0.9         # this share of all images recognised as one class, whatever was asked
NEGATIVE_KID = ("an unbiased estimate of a quantity near 0 can come out negative: read it as "
                "0 ± its std")
WON, NOISE, NOT_CALLED = "won", "within noise", "not called"  # NOISE, NOT_CALLED: no winner


# ----------------------------------------------------------------------------- one measure

SHARES = ("precision", "recall", "density", "coverage")  # and their inception_ versions


def show(key, value):
    """A measure's value as the analysis prints it (no 1.2e+03: large values in full)."""
    if key.endswith("accuracy"):
        return f"{value:.1%}"
    if key.endswith(SHARES):
        return f"{value:.3f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def show_std(std, percent=False):
    """A standard error in two significant digits ('0.0042'; an accuracy's in percentage points
    '0.4'); a rounding-level one as '< 0.0001' rather than '1.1e-19'."""
    if percent:
        return f"{100 * std:.1f}"
    return "0" if std == 0 else "< 0.0001" if std < 1e-4 else f"{std:.2g}"


def show_error(key, value, std):
    """'0.781 ± 0.004', '81.8% ± 0.4' (accuracy errors in percentage points), or the value alone."""
    if std is None:
        return show(key, value)
    return f"{show(key, value)} ± {show_std(std, key.endswith('accuracy'))}"


def std_key(key):
    """Where a row keeps a measure's uncertainty: kid_mean -> kid_std, fid -> fid_std."""
    return key[:-len("_mean")] + "_std" if key.endswith("_mean") else key + "_std"


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
    """'DCGAN', 'BigGAN' or None (a tie) for the DCGAN's value a and the BigGAN's b, on the
    values alone (judge(...) also weighs the uncertainty)."""
    if a == b:
        return None
    biggan_wins = (b < a) if MEASURES[key][1] == "lower" else (b > a)
    return "BigGAN" if biggan_wins else "DCGAN"


def judge(key, a, std_a, b, std_b, reason=None):
    """(outcome, winner or None): NOT_CALLED when a check blocks the measure (reason) or an
    uncertainty is missing, NOISE when the gap is within it, else WON and the winner."""
    if reason or std_a is None or std_b is None:
        return NOT_CALLED, None
    if not separated(a, std_a, b, std_b):
        return NOISE, None
    return WON, winner(key, a, b)


def verdict(key, results, blocking):
    """(winner, NOISE or NOT_CALLED, sentence) for one measure, or None when a model lacks it."""
    dcgan, biggan, real = results["dcgan"], results["biggan"], results.get("real", {})
    a, b = dcgan.get(key), biggan.get(key)
    if a is None or b is None:
        return None
    name, sa, sb = MEASURES[key][0], dcgan.get(std_key(key)), biggan.get(std_key(key))
    floor = "" if real.get(key) is None else f"; real data: {show_error(key, real[key], real.get(std_key(key)))}"
    negative = f"; {NEGATIVE_KID}" if key.endswith("kid_mean") and min(a, b, real.get(key, 0)) < 0 else ""
    both = f"DCGAN {show_error(key, a, sa)}, BigGAN {show_error(key, b, sb)}{floor}{negative}"
    reason = blocked_reason(key, blocking)
    outcome, win = judge(key, a, sa, b, sb, reason)
    if outcome == NOT_CALLED:
        why = reason or "it has no uncertainty to judge the gap by"
        return NOT_CALLED, f"{name}: no winner ({both}): {why}."
    if outcome == NOISE:
        return NOISE, (f"{name}: within noise ({both}): the gap {abs(a - b):.3g} is not above "
                       f"{SEPARATION:g} × their combined uncertainty.")
    (w, sw), (l, sl) = ((b, sb), (a, sa)) if win == "BigGAN" else ((a, sa), (b, sb))
    return win, (f"{name}: the {win} wins ({show_error(key, w, sw)} vs {show_error(key, l, sl)}, "
                 f"{margin(key, w, l)}{floor}{negative}).")


def section(title, question, keys, results, blocking):
    """('**Quality** (are the images realistic?): the BigGAN wins 3 of 4 measures.', [sentences])"""
    found = [v for v in (verdict(key, results, blocking) for key in keys) if v is not None]
    if not found:
        return None
    return f"**{title}** ({question}): {tally([w for w, _ in found])}.", [text for _, text in found]


def tally(outcomes):
    """What a list of outcomes (a winner, NOISE or NOT_CALLED each) adds up to, in words."""
    wins = {kind: outcomes.count(kind) for kind in MODELS.values()}
    noise, blocked = outcomes.count(NOISE), outcomes.count(NOT_CALLED)
    rest = ", ".join(part for part in (f"{noise} within noise" if noise else "",
                                       f"{blocked} not called" if blocked else "") if part)
    if not any(wins.values()):
        if not noise:
            return "no winner declared (see the warning at the top)"
        return "no measure separates the models beyond its uncertainty" + (f" ({rest})" if blocked else "")
    (first, n1), (second, n2) = sorted(wins.items(), key=lambda item: -item[1])
    head = (f"a draw: each model wins {n1} of {len(outcomes)} measures" if n1 == n2 else
            f"the {first} wins {n1} of {len(outcomes)} measures" + (f", the {second} {n2}" if n2 else ""))
    return head + (f"; {rest}" if rest else "")


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


def seen_phrase(row):
    """'59,968 images (1.0 epochs)': the real images the run's D saw, or '' when unknown."""
    if row.get("images_seen") is None:
        return ""
    passes = f" ({format(epochs(row), '.2g' if epochs(row) < 0.1 else '.1f')} epochs)" \
        if row.get("train_images") else ""
    return f"{row['images_seen']:,} images{passes}"


def budget_phrase(row):
    """'937 iterations, 59,968 images (1.0 epochs) in 0:08:54', as far as the row knows it."""
    parts = [f"{row['iterations']:,} iterations" if row.get("iterations") is not None else
             "an unknown number of iterations", seen_phrase(row)]
    seconds = row.get("train_seconds")
    return ", ".join(p for p in parts if p) + (f" in {format_seconds(seconds)}" if seconds is not None else "")


def cost_sentence(results):
    """Sampling speed and the training budgets (a fair comparison gives both the same time)."""
    dcgan, biggan = results["dcgan"], results["biggan"]
    speeds = {"DCGAN": dcgan["sample_seconds_per_1000"], "BigGAN": biggan["sample_seconds_per_1000"]}
    faster, slower = sorted(speeds, key=speeds.get)
    return (f"**Cost**: the {faster} samples faster ({speeds[faster]:.3f} vs {speeds[slower]:.3f} s "
            f"per 1,000 images). Training budgets: DCGAN {budget_phrase(dcgan)}; BigGAN "
            f"{budget_phrase(biggan)}; a fair comparison gives both about the same time.")


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


def class_errors(row, metric):
    """{class name: standard error} of a per-class metric (empty when the row has none)."""
    if metric == "accuracy":
        return row.get("per_class_accuracy_std") or {}
    return class_values(row, metric + "_std")


PER_CLASS_METRICS = [("Accuracy", "accuracy", "class_accuracy", ".1%"),
                     ("Intra-class FID", "fid", "intra_class_fid", ",.1f"),
                     ("Precision", "precision", "precision", ".3f"),
                     ("Recall", "recall", "recall", ".3f")]


def class_outcome(results, metric, measure, name, blocking):
    """(outcome, winner or None) of one class on one per-class metric (see judge)."""
    d, b = results["dcgan"], results["biggan"]
    return judge(measure, class_values(d, metric)[name], class_errors(d, metric).get(name),
                 class_values(b, metric)[name], class_errors(b, metric).get(name),
                 blocked_reason(f"{metric}@{name}", blocking))


def per_class_summary(results, blocking):
    """(headline, [sentences]): in how many classes each model is ahead beyond the uncertainty
    on each per-class metric, and its hardest class."""
    sentences = []
    for title, metric, measure, spec in PER_CLASS_METRICS:
        d, b = class_values(results["dcgan"], metric), class_values(results["biggan"], metric)
        names = [n for n in d if n in b]
        if not names:
            continue
        outcomes = [win or outcome for outcome, win in
                    (class_outcome(results, metric, measure, n, blocking) for n in names)]
        worst = {kind: (min if MEASURES[measure][1] == "higher" else max)(v, key=v.get)
                 for kind, v in (("DCGAN", d), ("BigGAN", b))}
        sentences.append(f"{title}: {class_tally(outcomes)}; hardest class: "
                         f"{worst['DCGAN']} for the DCGAN ({format(d[worst['DCGAN']], spec)}), "
                         f"{worst['BigGAN']} for the BigGAN ({format(b[worst['BigGAN']], spec)}).")
    return ("**Per class** (the table below): in how many classes each model is ahead beyond "
            "the uncertainty.", sentences) if sentences else None


def class_tally(outcomes):
    """'the BigGAN is ahead in 3 of 10 classes, the DCGAN in 1 (6 within noise)'."""
    rest = ", ".join(f"{outcomes.count(o)} {o}" for o in (NOISE, NOT_CALLED) if o in outcomes)
    return (f"the BigGAN is ahead in {outcomes.count('BigGAN')} of {len(outcomes)} classes, the "
            f"DCGAN in {outcomes.count('DCGAN')}" + (f" ({rest})" if rest else ""))


# ----------------------------------------------------------------------------- sanity checks
# Each check: {"kind", "model" (or None for both), "blocks": measures left without a winner
# ("all", measure keys, "metric@class" for a per-class cell, "metric@*" for every class),
# "text": what is wrong and what to do, "reason": the short form the measures' sentences quote}.

def check(kind, model, blocks, text, reason):
    return {"kind": kind, "model": model, "blocks": list(blocks), "text": text, "reason": reason}


def run_checks(results):
    """Runs too short to compare, or too unequal to compare fairly: no winner on any measure."""
    checks, rows = [], {kind: results[key] for key, kind in MODELS.items()}
    for kind, row in rows.items():
        if row.get("iterations") is None:
            checks.append(check("unknown budget", kind, [], f"the {kind}'s config.json has no training "
                                "record: how long it trained is unknown", ""))
        elif row["iterations"] < MIN_ITERATIONS or epochs(row) < MIN_EPOCHS:
            checks.append(check(
                "short run", kind, ["all"],
                f"the {kind} trained only {budget_phrase(row)}: under {MIN_ITERATIONS:,} iterations "
                "or one epoch a GAN still draws something close to noise, and no measure can rank "
                "noise. Train both for longer (a larger --epoch continues from the checkpoint), "
                "then compare again", "the runs are too short to compare (see the warning at the top)"))
    ratios = unequal_budgets(rows["DCGAN"], rows["BigGAN"])
    if ratios:
        checks.append(check(
            "unequal runs", None, ["all"],
            f"the training budgets differ by more than {UNEQUAL:g}x ({ratios}): DCGAN "
            f"{budget_phrase(rows['DCGAN'])}; BigGAN {budget_phrase(rows['BigGAN'])}. Give both about "
            "the same training time or images (--epoch), then compare again",
            "the training budgets are too unequal (see the warning at the top)"))
    return checks


def epochs(row):
    """Passes over the training images (images_seen / train_images); inf when unknown."""
    if row.get("images_seen") is None or not row.get("train_images"):
        return float("inf")
    return row["images_seen"] / row["train_images"]


def unequal_budgets(a, b):
    """'3.4x the time, 4.0x the images' for the budgets that differ more than UNEQUAL x, or ''."""
    parts = []
    for key, what in (("train_seconds", "time"), ("images_seen", "images")):
        x, y = a.get(key), b.get(key)
        if x and y and max(x, y) / min(x, y) > UNEQUAL:
            parts.append(f"{max(x, y) / min(x, y):.1f}x the {what}")
    return ", ".join(parts)


QUALITY_BLOCKS = list(QUALITY) + [f"{metric}@*" for metric in PER_CLASS_QUALITY]
COLLAPSE_REASON = "precision, density and class accuracy cannot judge such samples"


def sample_checks(results):
    """Samples no quality measure can judge: near-identical, a blank class, one class seen in
    nearly every image. Each leaves the quality measures without a winner."""
    real, checks = results.get("real", {}), []
    for key, kind in MODELS.items():
        row = results[key]
        for kind_of_check, finding in (("collapse", near_identical(row, real)),
                                       ("blank class", blank_classes(row, real)),
                                       ("one class", one_class(row))):
            if finding:
                checks.append(check(kind_of_check, kind, QUALITY_BLOCKS,
                                    f"the {kind}'s {finding}: {COLLAPSE_REASON}",
                                    f"the {kind}'s {finding.split(':')[0]} (see the warning at the top)"))
    return checks


def near_identical(row, real):
    """'samples are nearly identical: ...' when they differ from each other less than COLLAPSED
    times as much as real images do (in pixels, or in the features of the tables), else ''."""
    ratios = {}
    for key, where in (("pixel_spread", "pixels"), ("feature_spread", "classifier features"),
                       ("inception_feature_spread", "Inception features")):
        if row.get(key) is not None and real.get(key):
            ratios[where] = row[key] / real[key]
    if not ratios or min(ratios.values()) >= COLLAPSED:
        return ""
    shares = ", ".join(f"{ratio:.0%} in {where}" for where, ratio in ratios.items())
    return (f"samples are nearly identical: they differ from each other only {shares} of "
            "how much real images do")


def blank_classes(row, real):
    """'class 4 images are blank: ...' for the classes (or, unconditional, the whole set) whose
    images vary within themselves less than BLANK times as much as the real ones, else ''."""
    made, truth = row.get("class_contrast") or {}, real.get("class_contrast") or {}
    pairs = {name: (made[name], truth[name]) for name in made if truth.get(name)}
    if not pairs and row.get("image_contrast") is not None and real.get("image_contrast"):
        pairs = {None: (row["image_contrast"], real["image_contrast"])}
    blank = {name: pair for name, pair in pairs.items() if pair[0] < BLANK * pair[1]}
    if not blank:
        return ""
    made, truth = [[pair[i] for pair in blank.values()] for i in (0, 1)]
    spans = [f"{min(v):.3f}" if min(v) == max(v) else f"{min(v):.3f} to {max(v):.3f}" for v in (made, truth)]
    which = ("images" if None in blank else f"images of all {len(pairs)} classes" if len(blank) == len(pairs)
             else f"class {', '.join(blank)} images")
    return (f"{which} are blank: contrast within an image {spans[0]} vs {spans[1]} for the real "
            "images" + ("" if None in blank else " of the class"))


def one_class(row):
    """'images are nearly all recognised as ...' when ONE_CLASS of them show one class whatever
    class was asked for (from the confusion matrix), else ''."""
    confusion = row.get("confusion")
    if not confusion or len(confusion["rows"]) < 2:
        return ""
    totals = [sum(column) for column in zip(*confusion["counts"])]
    top = max(range(len(totals)), key=totals.__getitem__)
    share = totals[top] / max(1, sum(totals))
    if share < ONE_CLASS:
        return ""
    return (f"images are nearly all recognised as {confusion['columns'][top]} ({share:.0%}), "
            "whatever class was asked for")


CROWDED = ("samples crowded into a few dense real regions score above real data, so this is "
           "collapse, not quality")
ABOVE_REAL_WHY = {"precision": CROWDED, "density": CROWDED,
                  "accuracy": "images the classifier recognises more surely than real ones are "
                              "caricatures or one easy class, not better images"}


def above_real_checks(results):
    """A model significantly above the real images' own value on a quality measure (or on one
    class's accuracy): no winner on that measure."""
    real, checks = results.get("real", {}), []
    for key, kind in MODELS.items():
        row = results[key]
        for measure in QUALITY:
            if above(row.get(measure), row.get(std_key(measure)), real.get(measure),
                     real.get(std_key(measure))):
                checks.append(above_real(kind, measure, MEASURES[measure][0], measure,
                                         row[measure], real[measure]))
        made, truth = class_values(row, "accuracy"), class_values(real, "accuracy")
        for name in made:
            if above(made[name], class_errors(row, "accuracy").get(name), truth.get(name),
                     class_errors(real, "accuracy").get(name)):
                checks.append(above_real(kind, f"accuracy@{name}", f"class {name}'s accuracy",
                                         "class_accuracy", made[name], truth[name]))
    return checks


def above(value, std, real, real_std):
    """Whether value is above the real one beyond the uncertainty (or at all, without one)."""
    if value is None or real is None or value <= real:
        return False
    return std is None or real_std is None or separated(value, std, real, real_std)


def lower_first(name):
    """'Precision (classifier)' -> 'precision (classifier)' for the middle of a sentence."""
    return name[:1].lower() + name[1:]


def above_real(kind, block, name, measure, value, real):
    why = next(text for word, text in ABOVE_REAL_WHY.items() if word in measure)
    return check("above real", kind, [block],
                 f"the {kind}'s {lower_first(name)} ({show(measure, value)}) is above the real "
                 f"images' own ({show(measure, real)}); {why}",
                 f"the {kind} scores above the real images (see the warning at the top)")


def sanity_checks(results):
    """Every check of the comparison, in the order the report lists them."""
    return run_checks(results) + sample_checks(results) + above_real_checks(results)


def blocking(checks):
    """{blocked measure: the reason its sentence quotes} (the first check that blocks it)."""
    blocked = {}
    for item in checks:
        for measure in item["blocks"]:
            blocked.setdefault(measure, item["reason"])
    return blocked


def blocked_reason(key, blocked):
    """Why a measure (or 'metric@class' cell) gets no winner, or None."""
    for token in ("all", key, key.split("@")[0] + "@*" if "@" in key else None):
        if token in blocked:
            return blocked[token]
    return None


def warning_lines(checks):
    """(headline, [one line per check]) for the report's first lines, or None."""
    if not checks:
        return None
    blocked = blocking(checks)
    if not blocked:
        return "Note: " + checks[0]["text"] + ".", [item["text"] + "." for item in checks[1:]]
    return f"Warning: no winner is declared on {blocked_names(blocked)}, because:", \
        [item["text"] + "." for item in checks]


def blocked_names(blocked):
    """'any measure', or 'the quality measures, Precision (classifier), class 4's accuracy'."""
    if "all" in blocked:
        return "any measure"
    names, tokens = [], list(blocked)
    if all(token in blocked for token in QUALITY_BLOCKS):
        names.append("the quality measures (precision, density, class accuracy)")
        tokens = [token for token in tokens if token not in QUALITY_BLOCKS]
    for token in tokens:
        names.append(lower_first(MEASURES[token][0]) if token in MEASURES else
                     f"every class's {token[:-2]}" if token.endswith("@*") else
                     "class {1}'s {0}".format(*token.split("@", 1)))
    return ", ".join(names)


def winners(results):
    """{measure or 'metric@class': 'DCGAN', 'BigGAN', NOISE or NOT_CALLED}: every call the
    analysis makes, for a reader (or a test) that wants the verdicts without the sentences."""
    blocked = blocking(sanity_checks(results))
    calls = {}
    for _, _, keys in SECTIONS:
        for key in keys:
            found = verdict(key, results, blocked)
            if found:
                calls[key] = found[0]
    for _, metric, measure, _ in PER_CLASS_METRICS:
        d, b = class_values(results["dcgan"], metric), class_values(results["biggan"], metric)
        for name in (n for n in d if n in b):
            outcome, win = class_outcome(results, metric, measure, name, blocked)
            calls[f"{metric}@{name}"] = win or outcome
    return calls
