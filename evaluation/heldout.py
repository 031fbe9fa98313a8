"""Was the reference really held out? Read what each run trained on (handout extension 2).

compare.py measures every model against a REAL reference split: MNIST's t10k digits, CIFAR-10's
test batch, or the held-out tenth of a folder (image_folders.HOLDOUT_RULE: decided per image from its
path, so images added later never move an image a run trained on into the reference). A distance to images the
model was trained on is flattering, and then the "real-data floor" row is no floor at all. The
handout's load_mnist trains on train + t10k (70,000 digits), so with the default flags the MNIST
reference IS in the training data.

Since the training scripts record their data in config.json under "data" (runs.RunConfig.data):
    {"dataset": "mnist", "split": "all" | "train", "classes": [...], "attribute": null,
     "num_images": 70000}
("all" = MNIST train + t10k; "train" = the train split only, which never holds the reference)
this module turns the two records into one verdict: held out (True), seen (False) or unknown
(None: a run made before the record existed). It never says "held out" unless both records say so.
No TensorFlow here: it only reads the runs' records.
"""

from evaluation.words import say
from image_folders import HOLDOUT_RULE

HELD_OUT, SEEN, UNKNOWN = True, False, None
MNIST_FIX = "--mnist_split train"
FIXED_SPLITS = ("mnist", "cifar10")  # their splits are files of their own; a folder's is HOLDOUT_RULE


def run_verdict(config, lang="en"):
    """(True / False / None, a phrase with a {who} slot) for one run (its runs.RunConfig): did it
    train on the train split only (True), on data that includes the reference (False), or can we
    not tell (None)?"""
    data = config.data
    if not data:
        return UNKNOWN, say(lang, "the config.json of {{who}} has no \"data\" record (made before runs recorded their "
                                  "data)")
    split, count, dataset = data.get("split"), data.get("num_images"), data.get("dataset")
    images = say(lang, ", {count:,} images", count=count) if isinstance(count, int) else ""
    if split == "train" and dataset not in FIXED_SPLITS and data.get("holdout_rule") != HOLDOUT_RULE:
        return UNKNOWN, say(lang, "{{who}} was trained before a folder's held-out images were chosen per image (then: "
                                  "every 10th file in sorted order, which an added or removed image shifts)")
    if split == "train":
        return HELD_OUT, say(lang, "{{who}} trained on the {dataset} train split only (split \"train\"{images})",
                             dataset=dataset, images=images)
    if split == "all":
        everything = "MNIST train + t10k" if dataset == "mnist" else say(lang, "all of {dataset}", dataset=dataset)
        return SEEN, say(lang, "{{who}} trained on {everything} (split \"all\"{images}), the reference included",
                         everything=everything, images=images)
    return UNKNOWN, say(lang, "the config.json of {{who}} records an unknown split {split!r}", split=split)


def combine(verdicts):
    """One verdict for several runs: seen if any saw the reference, held out only if all held
    it out, unknown otherwise."""
    if SEEN in verdicts:
        return SEEN
    return HELD_OUT if all(v is HELD_OUT for v in verdicts) else UNKNOWN


def phrases(verdicts, which, lang="en"):
    """The phrases of the runs whose verdict is `which`, runs with the same phrase named
    together: 'the DCGAN and the BigGAN trained on ...'."""
    groups = {}
    for kind, (verdict, phrase) in verdicts.items():
        if verdict is which:
            groups.setdefault(phrase, []).append(kind)
    return say(lang, "; ").join(phrase.replace("{who}", both(kinds, lang)) for phrase, kinds in groups.items())


def both(kinds, lang="en"):
    """'the DCGAN', 'the DCGAN and the BigGAN' (in Chinese: 'DCGAN 和 BigGAN')."""
    return say(lang, " and ").join(say(lang, "the {kind}", kind=kind) for kind in kinds)


def fix_for(dataset, lang="en"):
    """What to retrain with so the reference is held out."""
    if dataset == "mnist":
        return say(lang, "retrain both with {fix} (60,000 digits; t10k stays unseen)", fix=MNIST_FIX)
    return say(lang, "retrain both with the current training scripts, which train on the train split")


def folder_changes(configs, dataset, train_digest, lang="en"):
    """A sentence when a folder's train split today is not the images a run recorded (its
    digest), else ''. The held-out images stay held out (the rule is per image); the reader should
    still know that the models saw a different set than the folder holds now."""
    if dataset in FIXED_SPLITS or not train_digest:
        return ""
    changed = [say(lang, "the {kind} ({n} images then)", kind=kind, n=config.data.get("num_images", "?"))
               for kind, config in configs.items() if config.data.get("digest") not in (None, train_digest)]
    if not changed:
        return ""
    return say(lang, " The folder's images changed since {runs} trained; images added since were split by the same "
                     "rule, so the reference is still held out.", runs=say(lang, " and ").join(changed))


def reference_status(configs, dataset, reference, train_digest=None, lang="en"):
    """The verdict for both runs ({kind: runs.RunConfig}) and the one line the report opens
    with. `reference` names the reference images, e.g. "the 10,000 MNIST t10k digits";
    train_digest: the digest of the dataset's train split today (datasets.data_digest).

    Returns {"held_out": True/False/None, "note": the line, "runs": {kind: phrase}}.
    """
    verdicts = {kind: run_verdict(config, lang) for kind, config in configs.items()}
    held_out = combine([v for v, _ in verdicts.values()])
    if held_out is HELD_OUT:
        note = say(lang, "Reference held out: {runs}; {reference} were never used in training.",
                   runs=phrases(verdicts, HELD_OUT, lang), reference=reference) + \
            folder_changes(configs, dataset, train_digest, lang)
    elif held_out is SEEN:
        note = say(lang, "Warning: the reference was seen in training: {runs}. Distances to {reference} flatter the "
                         "models and the real-data row is not a floor; {fix}.", runs=phrases(verdicts, SEEN, lang),
                   reference=reference, fix=fix_for(dataset, lang))
    else:
        note = say(lang, "Warning: unknown whether the reference was held out: {runs}. If a model saw {reference}, "
                         "its distances flatter it; {fix}.", runs=phrases(verdicts, UNKNOWN, lang),
                   reference=reference, fix=fix_for(dataset, lang))
    runs = {kind: phrase.replace("{who}", both([kind], lang)) for kind, (_, phrase) in verdicts.items()}
    return {"held_out": held_out, "note": note, "runs": runs}


def floor_label(held_out):
    """The real-data row's name (in English: the report says it in its language), a floor only
    when the models never saw the reference."""
    if held_out is HELD_OUT:
        return "real train (floor)"
    if held_out is SEEN:
        return "real train (no floor: reference seen)"
    return "real train (floor only if held out)"


def reference_name(dataset, count, lang="en"):
    """How the report names the reference images."""
    if dataset == "mnist":
        return say(lang, "the {count:,} MNIST t10k digits", count=count)
    if dataset == "cifar10":
        return say(lang, "the {count:,} CIFAR-10 test images", count=count)
    return say(lang, "the {count:,} held-out images of {dataset} (1 in 10, chosen per image)", count=count,
               dataset=dataset)
