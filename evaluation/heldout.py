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

from image_folders import HOLDOUT_RULE

HELD_OUT, SEEN, UNKNOWN = True, False, None
MNIST_FIX = "--mnist_split train"
FIXED_SPLITS = ("mnist", "cifar10")  # their splits are files of their own; a folder's is HOLDOUT_RULE


def run_verdict(config):
    """(True / False / None, a phrase with a {who} slot) for one run (its runs.RunConfig): did it
    train on the train split only (True), on data that includes the reference (False), or can we
    not tell (None)?"""
    data = config.data
    if not data:
        return UNKNOWN, ("the config.json of {who} has no \"data\" record (made before runs "
                         "recorded their data)")
    split, count, dataset = data.get("split"), data.get("num_images"), data.get("dataset")
    images = f", {count:,} images" if isinstance(count, int) else ""
    if split == "train" and dataset not in FIXED_SPLITS and data.get("holdout_rule") != HOLDOUT_RULE:
        return UNKNOWN, ("{who} was trained before a folder's held-out images were chosen per image "
                         "(then: every 10th file in sorted order, which an added or removed image shifts)")
    if split == "train":
        return HELD_OUT, f"{{who}} trained on the {dataset} train split only (split \"train\"{images})"
    if split == "all":
        everything = "MNIST train + t10k" if dataset == "mnist" else f"all of {dataset}"
        return SEEN, f"{{who}} trained on {everything} (split \"all\"{images}), the reference included"
    return UNKNOWN, f"the config.json of {{who}} records an unknown split {split!r}"


def combine(verdicts):
    """One verdict for several runs: seen if any saw the reference, held out only if all held
    it out, unknown otherwise."""
    if SEEN in verdicts:
        return SEEN
    return HELD_OUT if all(v is HELD_OUT for v in verdicts) else UNKNOWN


def phrases(verdicts, which):
    """The phrases of the runs whose verdict is `which`, runs with the same phrase named
    together: 'the DCGAN and the BigGAN trained on ...'."""
    groups = {}
    for kind, (verdict, phrase) in verdicts.items():
        if verdict is which:
            groups.setdefault(phrase, []).append(f"the {kind}")
    return "; ".join(phrase.format(who=" and ".join(kinds)) for phrase, kinds in groups.items())


def fix_for(dataset):
    """What to retrain with so the reference is held out."""
    if dataset == "mnist":
        return f"retrain both with {MNIST_FIX} (60,000 digits; t10k stays unseen)"
    return "retrain both with the current training scripts, which train on the train split"


def folder_changes(configs, dataset, train_digest):
    """A sentence when a folder's train split today is not the images a run recorded (its
    digest), else ''. The held-out images stay held out (the rule is per image); the reader should
    still know that the models saw a different set than the folder holds now."""
    if dataset in FIXED_SPLITS or not train_digest:
        return ""
    changed = [f"the {kind} ({config.data.get('num_images', '?')} images then)"
               for kind, config in configs.items() if config.data.get("digest") not in (None, train_digest)]
    if not changed:
        return ""
    return (f" The folder's images changed since {' and '.join(changed)} trained; images added since "
            "were split by the same rule, so the reference is still held out.")


def reference_status(configs, dataset, reference, train_digest=None):
    """The verdict for both runs ({kind: runs.RunConfig}) and the one line the report opens
    with. `reference` names the reference images, e.g. "the 10,000 MNIST t10k digits";
    train_digest: the digest of the dataset's train split today (datasets.data_digest).

    Returns {"held_out": True/False/None, "note": the line, "runs": {kind: phrase}}.
    """
    verdicts = {kind: run_verdict(config) for kind, config in configs.items()}
    held_out = combine([v for v, _ in verdicts.values()])
    if held_out is HELD_OUT:
        note = (f"Reference held out: {phrases(verdicts, HELD_OUT)}; {reference} were never used "
                "in training." + folder_changes(configs, dataset, train_digest))
    elif held_out is SEEN:
        note = (f"Warning: the reference was seen in training: {phrases(verdicts, SEEN)}. Distances "
                f"to {reference} flatter the models and the real-data row is not a floor; "
                f"{fix_for(dataset)}.")
    else:
        note = (f"Warning: unknown whether the reference was held out: {phrases(verdicts, UNKNOWN)}. "
                f"If a model saw {reference}, its distances flatter it; {fix_for(dataset)}.")
    runs = {kind: phrase.format(who=f"the {kind}") for kind, (_, phrase) in verdicts.items()}
    return {"held_out": held_out, "note": note, "runs": runs}


def floor_label(held_out):
    """The real-data row's name: a floor only when the models never saw the reference."""
    if held_out is HELD_OUT:
        return "real train (floor)"
    if held_out is SEEN:
        return "real train (no floor: reference seen)"
    return "real train (floor only if held out)"


def reference_name(dataset, count):
    """How the report names the reference images."""
    if dataset == "mnist":
        return f"the {count:,} MNIST t10k digits"
    if dataset == "cifar10":
        return f"the {count:,} CIFAR-10 test images"
    return f"the {count:,} held-out images of {dataset} (1 in 10, chosen per image)"
