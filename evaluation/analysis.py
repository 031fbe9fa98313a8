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
from evaluation.words import join, say
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
NEGATIVE_KID = "an unbiased estimate of a quantity near 0 can come out negative: read it as 0 ± its std"
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


def margin(key, winner, loser, lang="en"):
    """How much better the winner is: a ratio for the FIDs, percentage points for accuracies,
    a difference otherwise (KID can be negative, so no ratio there)."""
    if key.endswith("fid") and winner > 0:
        ratio = loser / winner
        return say(lang, "{ratio:.1f}x lower", ratio=ratio) if ratio >= 1.5 else \
            say(lang, "{share:.0f}% lower", share=100 * (1 - winner / loser))
    if key.endswith("accuracy"):
        return say(lang, "{points:.1f} percentage points", points=100 * abs(winner - loser))
    return say(lang, "by {gap:.3g}", gap=abs(winner - loser))


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


def verdict(key, results, blocking, lang="en"):
    """(winner, NOISE or NOT_CALLED, sentence) for one measure, or None when a model lacks it."""
    dcgan, biggan, real = results["dcgan"], results["biggan"], results.get("real", {})
    a, b = dcgan.get(key), biggan.get(key)
    if a is None or b is None:
        return None
    name, sa, sb = say(lang, MEASURES[key][0]), dcgan.get(std_key(key)), biggan.get(std_key(key))
    floor = "" if real.get(key) is None else \
        say(lang, "; real data: {value}", value=show_error(key, real[key], real.get(std_key(key))))
    negative = say(lang, "; " + NEGATIVE_KID) if key.endswith("kid_mean") and min(a, b, real.get(key, 0)) < 0 else ""
    both = say(lang, "DCGAN {a}, BigGAN {b}", a=show_error(key, a, sa), b=show_error(key, b, sb)) + floor + negative
    reason = blocked_reason(key, blocking)
    outcome, win = judge(key, a, sa, b, sb, reason)
    if outcome == NOT_CALLED:
        why = reason or say(lang, "it has no uncertainty to judge the gap by")
        return NOT_CALLED, say(lang, "{name}: no winner ({both}): {why}.", name=name, both=both, why=why)
    if outcome == NOISE:
        return NOISE, say(lang, "{name}: within noise ({both}): the gap {gap:.3g} is not above {times:g} × their "
                                "combined uncertainty.", name=name, both=both, gap=abs(a - b), times=SEPARATION)
    (w, sw), (l, sl) = ((b, sb), (a, sa)) if win == "BigGAN" else ((a, sa), (b, sb))
    return win, say(lang, "{name}: the {win} wins ({w} vs {l}, {margin}{floor}{negative}).", name=name, win=win,
                    w=show_error(key, w, sw), l=show_error(key, l, sl), margin=margin(key, w, l, lang),
                    floor=floor, negative=negative)


def section(title, question, keys, results, blocking, lang="en"):
    """('**Quality** (are the images realistic?): the BigGAN wins 3 of 4 measures.', [sentences])"""
    found = [v for v in (verdict(key, results, blocking, lang) for key in keys) if v is not None]
    if not found:
        return None
    return (say(lang, "**{title}** ({question}): {tally}.", title=say(lang, title), question=say(lang, question),
                tally=tally([w for w, _ in found], lang)), [text for _, text in found])


def tally(outcomes, lang="en"):
    """What a list of outcomes (a winner, NOISE or NOT_CALLED each) adds up to, in words."""
    wins = {kind: outcomes.count(kind) for kind in MODELS.values()}
    noise, blocked = outcomes.count(NOISE), outcomes.count(NOT_CALLED)
    rest = join(lang, [part for part in (say(lang, "{n} within noise", n=noise) if noise else "",
                                         say(lang, "{n} not called", n=blocked) if blocked else "") if part])
    if not any(wins.values()):
        if not noise:
            return say(lang, "no winner declared (see the warning at the top)")
        return say(lang, "no measure separates the models beyond its uncertainty") + \
            (say(lang, " ({rest})", rest=rest) if blocked else "")
    (first, n1), (second, n2) = sorted(wins.items(), key=lambda item: -item[1])
    if n1 == n2:
        head = say(lang, "a draw: each model wins {n} of {total} measures", n=n1, total=len(outcomes))
    else:
        head = say(lang, "the {first} wins {n} of {total} measures", first=first, n=n1, total=len(outcomes)) + \
            (say(lang, ", the {second} {n}", second=second, n=n2) if n2 else "")
    return head + (say(lang, "; {rest}", rest=rest) if rest else "")


def distance_from_real(results, held_out, lang="en"):
    """How far each model is from the real-data row, on the main measures."""
    real, keys = results.get("real", {}), ["fid", "inception_fid", "precision", "recall",
                                           "inception_recall", "class_accuracy"]
    sentences = []
    for key, kind in MODELS.items():
        parts = [say(lang, "{name} {value} vs {real}", name=say(lang, MEASURES[k][0]), value=show(k, results[key][k]),
                     real=show(k, real[k]))
                 + (say(lang, " ({times:,.0f}x)", times=results[key][k] / real[k]) if k.endswith("fid") and real[k] > 0
                    else "")
                 for k in keys if results[key].get(k) is not None and real.get(k) is not None]
        if parts:
            sentences.append(say(lang, "The {kind}: {parts}.", kind=kind, parts=join(lang, parts)))
    if not sentences:
        return None
    caveat = "" if held_out is True else say(lang, " (the real row is no floor here: see the line at the top)")
    return say(lang, "**Distance from real data**{caveat}: model vs real-data row.", caveat=caveat), sentences


def seen_phrase(row, lang="en"):
    """'59,968 images (1.0 epochs)': the real images the run's D saw, or '' when unknown."""
    if row.get("images_seen") is None:
        return ""
    passes = say(lang, " ({epochs} epochs)", epochs=format(epochs(row), ".2g" if epochs(row) < 0.1 else ".1f")) \
        if row.get("train_images") else ""
    return say(lang, "{images:,} images{passes}", images=row["images_seen"], passes=passes)


def budget_phrase(row, lang="en"):
    """'937 iterations, 59,968 images (1.0 epochs) in 0:08:54', as far as the row knows it."""
    parts = [say(lang, "{n:,} iterations", n=row["iterations"]) if row.get("iterations") is not None else
             say(lang, "an unknown number of iterations"), seen_phrase(row, lang)]
    seconds = row.get("train_seconds")
    return join(lang, [p for p in parts if p]) + \
        (say(lang, " in {time}", time=format_seconds(seconds)) if seconds is not None else "")


def cost_sentence(results, lang="en"):
    """Sampling speed, faster only when the gap is beyond its uncertainty (timings vary from run to
    run too), and the training budgets (a fair comparison gives both the same time)."""
    dcgan, biggan = results["dcgan"], results["biggan"]
    speeds = {"DCGAN": dcgan["sample_seconds_per_1000"], "BigGAN": biggan["sample_seconds_per_1000"]}
    errors = {"DCGAN": dcgan.get("sample_seconds_per_1000_std"), "BigGAN": biggan.get("sample_seconds_per_1000_std")}
    faster, slower = sorted(speeds, key=speeds.get)
    apart = None not in errors.values() and separated(speeds[faster], errors[faster], speeds[slower], errors[slower])
    values = dict(faster=faster, slower=slower, a=show_seconds(speeds[faster], errors[faster]),
                  b=show_seconds(speeds[slower], errors[slower]))
    if apart:
        speed = say(lang, "**Cost**: the {faster} samples faster ({a} vs {b} s per 1,000 images).", **values)
    elif None in errors.values():
        speed = say(lang, "**Cost**: sampling takes {faster} {a}, {slower} {b} s per 1,000 images.", **values)
    else:
        speed = say(lang, "**Cost**: the two sample about as fast ({faster} {a}, {slower} {b} s per 1,000 images: "
                          "the gap is within its uncertainty).", **values)
    return speed + say(lang, " Training budgets: DCGAN {dcgan}; BigGAN {biggan}; a fair comparison gives both about "
                             "the same time.", dcgan=budget_phrase(dcgan, lang), biggan=budget_phrase(biggan, lang))


def show_seconds(value, std):
    """'3.306 ± 0.05', or '3.306' without an uncertainty (a run compared before it was measured)."""
    return f"{value:.3f}" if std is None else f"{value:.3f} ± {show_std(std)}"


def sample_size_warning(results, num_samples, lang="en"):
    """Why N = 10,000 matters, with the real row's own FID as the proof."""
    real = results.get("real", {})
    fid = real["fid"] if real.get("fid") is not None else real.get("inception_fid")
    if num_samples >= 10000 or fid is None:
        return None
    return say(lang, "With N = {n:,} the FID is biased upwards (even real images score {fid:.3g}); use N = 10,000 "
                     "for the numbers you hand in.", n=num_samples, fid=fid)


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


def per_class_summary(results, blocking, lang="en"):
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
        sentences.append(say(lang, "{title}: {tally}; hardest class: {d} for the DCGAN ({d_value}), {b} for the "
                                   "BigGAN ({b_value}).", title=say(lang, title), tally=class_tally(outcomes, lang),
                             d=worst["DCGAN"], d_value=format(d[worst["DCGAN"]], spec),
                             b=worst["BigGAN"], b_value=format(b[worst["BigGAN"]], spec)))
    return (say(lang, "**Per class** (the table below): in how many classes each model is ahead beyond the "
                      "uncertainty."), sentences) if sentences else None


def class_tally(outcomes, lang="en"):
    """'the BigGAN is ahead in 3 of 10 classes, the DCGAN in 1 (6 within noise)'."""
    rest = join(lang, [say(lang, "{n} " + o, n=outcomes.count(o)) for o in (NOISE, NOT_CALLED) if o in outcomes])
    return say(lang, "the BigGAN is ahead in {b} of {total} classes, the DCGAN in {d}", b=outcomes.count("BigGAN"),
               total=len(outcomes), d=outcomes.count("DCGAN")) + (say(lang, " ({rest})", rest=rest) if rest else "")


# ----------------------------------------------------------------------------- sanity checks
# Each check: {"kind", "model" (or None for both), "blocks": measures left without a winner
# ("all", measure keys, "metric@class" for a per-class cell, "metric@*" for every class),
# "text": what is wrong and what to do, "reason": the short form the measures' sentences quote}.

def check(kind, model, blocks, text, reason):
    return {"kind": kind, "model": model, "blocks": list(blocks), "text": text, "reason": reason}


def run_checks(results, lang="en"):
    """Runs too short to compare, or too unequal to compare fairly: no winner on any measure."""
    checks, rows = [], {kind: results[key] for key, kind in MODELS.items()}
    for kind, row in rows.items():
        if row.get("iterations") is None:
            checks.append(check("unknown budget", kind, [], say(lang, "the {kind}'s config.json has no training "
                                                                      "record: how long it trained is unknown",
                                                                kind=kind), ""))
        elif row["iterations"] < MIN_ITERATIONS or epochs(row) < MIN_EPOCHS:
            checks.append(check(
                "short run", kind, ["all"],
                say(lang, "the {kind} trained only {budget}: under {least:,} iterations or one epoch a GAN still "
                          "draws something close to noise, and no measure can rank noise. Train both for longer "
                          "(a larger --epoch continues from the checkpoint), then compare again",
                    kind=kind, budget=budget_phrase(row, lang), least=MIN_ITERATIONS),
                say(lang, "the runs are too short to compare (see the warning at the top)")))
    ratios = unequal_budgets(rows["DCGAN"], rows["BigGAN"], lang)
    if ratios:
        checks.append(check(
            "unequal runs", None, ["all"],
            say(lang, "the training budgets differ by more than {times:g}x ({ratios}): DCGAN {dcgan}; BigGAN "
                      "{biggan}. Give both about the same training time or images (--epoch), then compare again",
                times=UNEQUAL, ratios=ratios, dcgan=budget_phrase(rows["DCGAN"], lang),
                biggan=budget_phrase(rows["BigGAN"], lang)),
            say(lang, "the training budgets are too unequal (see the warning at the top)")))
    return checks


def epochs(row):
    """Passes over the training images (images_seen / train_images); inf when unknown."""
    if row.get("images_seen") is None or not row.get("train_images"):
        return float("inf")
    return row["images_seen"] / row["train_images"]


def unequal_budgets(a, b, lang="en"):
    """'3.4x the time, 4.0x the images' for the budgets that differ more than UNEQUAL x, or ''."""
    parts = []
    for key, what in (("train_seconds", "{times:.1f}x the time"), ("images_seen", "{times:.1f}x the images")):
        x, y = a.get(key), b.get(key)
        if x and y and max(x, y) / min(x, y) > UNEQUAL:
            parts.append(say(lang, what, times=max(x, y) / min(x, y)))
    return join(lang, parts)


QUALITY_BLOCKS = list(QUALITY) + [f"{metric}@*" for metric in PER_CLASS_QUALITY]
COLLAPSE_REASON = "precision, density and class accuracy cannot judge such samples"


def sample_checks(results, lang="en"):
    """Samples no quality measure can judge: near-identical, a blank class, one class seen in
    nearly every image. Each leaves the quality measures without a winner."""
    real, checks = results.get("real", {}), []
    for key, kind in MODELS.items():
        row = results[key]
        for kind_of_check, found in (("collapse", near_identical(row, real, lang)),
                                     ("blank class", blank_classes(row, real, lang)),
                                     ("one class", one_class(row, lang))):
            if found:
                short, details = found
                text = say(lang, "the {kind}'s {short}: {details}: " + COLLAPSE_REASON, kind=kind, short=short,
                           details=details) if details else \
                    say(lang, "the {kind}'s {short}: " + COLLAPSE_REASON, kind=kind, short=short)
                checks.append(check(kind_of_check, kind, QUALITY_BLOCKS, text,
                                    say(lang, "the {kind}'s {short} (see the warning at the top)", kind=kind,
                                        short=short)))
    return checks


def near_identical(row, real, lang="en"):
    """('samples are nearly identical', 'they differ ...') when they differ from each other less
    than COLLAPSED times as much as real images do (in pixels, or in the features of the tables),
    else None."""
    ratios = {}
    for key, where in (("pixel_spread", "pixels"), ("feature_spread", "classifier features"),
                       ("inception_feature_spread", "Inception features")):
        if row.get(key) is not None and real.get(key):
            ratios[where] = row[key] / real[key]
    if not ratios or min(ratios.values()) >= COLLAPSED:
        return None
    shares = join(lang, [say(lang, "{ratio:.0%} in " + where, ratio=ratio) for where, ratio in ratios.items()])
    return (say(lang, "samples are nearly identical"),
            say(lang, "they differ from each other only {shares} of how much real images do", shares=shares))


def blank_classes(row, real, lang="en"):
    """('class 4 images are blank', 'contrast ...') for the classes (or, unconditional, the whole
    set) whose images vary within themselves less than BLANK times as much as the real ones, else None."""
    made, truth = row.get("class_contrast") or {}, real.get("class_contrast") or {}
    pairs = {name: (made[name], truth[name]) for name in made if truth.get(name)}
    if not pairs and row.get("image_contrast") is not None and real.get("image_contrast"):
        pairs = {None: (row["image_contrast"], real["image_contrast"])}
    blank = {name: pair for name, pair in pairs.items() if pair[0] < BLANK * pair[1]}
    if not blank:
        return None
    made, truth = [[pair[i] for pair in blank.values()] for i in (0, 1)]
    spans = [f"{min(v):.3f}" if min(v) == max(v) else say(lang, "{low:.3f} to {high:.3f}", low=min(v), high=max(v))
             for v in (made, truth)]
    if None in blank:
        return (say(lang, "images are blank"),
                say(lang, "contrast within an image {made} vs {real} for the real images", made=spans[0], real=spans[1]))
    which = say(lang, "images of all {n} classes are blank", n=len(pairs)) if len(blank) == len(pairs) else \
        say(lang, "class {names} images are blank", names=join(lang, blank))
    return which, say(lang, "contrast within an image {made} vs {real} for the real images of the class",
                      made=spans[0], real=spans[1])


def one_class(row, lang="en"):
    """('images are nearly all recognised as ... whatever class was asked for', None) when
    ONE_CLASS of them show one class whatever class was asked for (the confusion matrix), else None."""
    confusion = row.get("confusion")
    if not confusion or len(confusion["rows"]) < 2:
        return None
    totals = [sum(column) for column in zip(*confusion["counts"])]
    top = max(range(len(totals)), key=totals.__getitem__)
    share = totals[top] / max(1, sum(totals))
    if share < ONE_CLASS:
        return None
    return say(lang, "images are nearly all recognised as {name} ({share:.0%}), whatever class was asked for",
               name=confusion["columns"][top], share=share), None


CROWDED = ("samples crowded into a few dense real regions score above real data, so this is "
           "collapse, not quality")
ABOVE_REAL_WHY = {"precision": CROWDED, "density": CROWDED,
                  "accuracy": "images the classifier recognises more surely than real ones are "
                              "caricatures or one easy class, not better images"}


def above_real_checks(results, lang="en"):
    """A model significantly above the real images' own value on a quality measure (or on one
    class's accuracy): no winner on that measure."""
    real, checks = results.get("real", {}), []
    for key, kind in MODELS.items():
        row = results[key]
        for measure in QUALITY:
            if above(row.get(measure), row.get(std_key(measure)), real.get(measure),
                     real.get(std_key(measure))):
                checks.append(above_real(kind, measure, lower_first(say(lang, MEASURES[measure][0])), measure,
                                         row[measure], real[measure], lang))
        made, truth = class_values(row, "accuracy"), class_values(real, "accuracy")
        for name in made:
            if above(made[name], class_errors(row, "accuracy").get(name), truth.get(name),
                     class_errors(real, "accuracy").get(name)):
                checks.append(above_real(kind, f"accuracy@{name}", say(lang, "class {name}'s accuracy", name=name),
                                         "class_accuracy", made[name], truth[name], lang))
    return checks


def above(value, std, real, real_std):
    """Whether value is above the real one beyond the uncertainty (or at all, without one)."""
    if value is None or real is None or value <= real:
        return False
    return std is None or real_std is None or separated(value, std, real, real_std)


def lower_first(name):
    """'Precision (classifier)' -> 'precision (classifier)' for the middle of a sentence; names in
    capitals ('FID (classifier)') and Chinese ones stay as they are."""
    return name[:1].lower() + name[1:] if name[1:2].islower() and name[1:2].isascii() else name


def above_real(kind, block, name, measure, value, real, lang="en"):
    why = next(text for word, text in ABOVE_REAL_WHY.items() if word in measure)
    return check("above real", kind, [block],
                 say(lang, "the {kind}'s {name} ({value}) is above the real images' own ({real}); " + why, kind=kind,
                     name=name, value=show(measure, value), real=show(measure, real)),
                 say(lang, "the {kind} scores above the real images (see the warning at the top)", kind=kind))


def sanity_checks(results, lang="en"):
    """Every check of the comparison, in the order the report lists them."""
    return run_checks(results, lang) + sample_checks(results, lang) + above_real_checks(results, lang)


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


def warning_lines(checks, lang="en"):
    """(headline, [one line per check], whether it is a warning) for the report's first lines, or
    None. A warning when a check leaves some measure without a winner, a note otherwise."""
    if not checks:
        return None
    blocked = blocking(checks)
    end = say(lang, ".")
    if not blocked:
        return say(lang, "Note: {text}.", text=checks[0]["text"]), [item["text"] + end for item in checks[1:]], False
    return say(lang, "Warning: no winner is declared on {names}, because:", names=blocked_names(blocked, lang)), \
        [item["text"] + end for item in checks], True


def blocked_names(blocked, lang="en"):
    """'any measure', or 'the quality measures, Precision (classifier), class 4's accuracy'."""
    if "all" in blocked:
        return say(lang, "any measure")
    names, tokens = [], list(blocked)
    if all(token in blocked for token in QUALITY_BLOCKS):
        names.append(say(lang, "the quality measures (precision, density, class accuracy)"))
        tokens = [token for token in tokens if token not in QUALITY_BLOCKS]
    for token in tokens:
        metric, _, name = token.partition("@")
        names.append(lower_first(say(lang, MEASURES[token][0])) if token in MEASURES else
                     say(lang, "every class's " + metric) if name == "*" else
                     say(lang, "class {name}'s " + metric, name=name))
    return join(lang, names)


def conclusion(results, blocked, lang="en"):
    """The report's last words (结论): which model is ahead in each group of measures, from the
    same calls as the sections above, and what one comparison cannot say."""
    if "all" in blocked:
        return [say(lang, "No model can be called better from these runs: {reason}.", reason=blocked["all"])]
    leads = []
    for title, _, keys in SECTIONS:
        outcomes = [found[0] for found in (verdict(key, results, blocked) for key in keys) if found]
        wins = {kind: outcomes.count(kind) for kind in MODELS.values()}
        if not outcomes:
            continue
        ahead = max(wins, key=wins.get)
        if wins[ahead] == 0 or wins["DCGAN"] == wins["BigGAN"]:
            leads.append(say(lang, "{group}: neither model is ahead", group=say(lang, title)))
        else:
            leads.append(say(lang, "{group}: the {kind} ({n} of {total} measures)", group=say(lang, title),
                             kind=ahead, n=wins[ahead], total=len(outcomes)))
    sentences = [say(lang, "Ahead beyond the uncertainty, on these runs: {leads}.", leads=say(lang, "; ").join(leads))]
    if results.get("reference_held_out") is not True:
        sentences.append(say(lang, "The reference was not shown to be held out (see the top): the distances may "
                                   "flatter the models."))
    sentences.append(say(lang, "This compares one training run of each model: GAN results vary from seed to seed, "
                               "so train both again with another --seed before concluding in general."))
    return sentences


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
