"""evaluation/heldout.py: the report never calls the reference held out unless both runs'
config.json records say they trained on the train split only."""
import image_folders
import runs
from evaluation import heldout

REFERENCE = heldout.reference_name("mnist", 10000)
ARCHITECTURE = runs.DCGANArchitecture("mnist", 28, 28, 1, 100, 10, [str(d) for d in range(10)], "mnist_conditional")


def run(data=None):
    """A run's config.json as runs.read_config gives it, with this "data" record (None: none)."""
    return runs.RunConfig("DCGAN", ARCHITECTURE, data or {}, {}, 64)


def config(split=None, count=None):
    """A run with (or, when split is None, without) the "data" record."""
    if split is None:
        return run()
    return run({"dataset": "mnist", "split": split, "classes": [], "attribute": None, "num_images": count})


def status(dcgan, biggan):
    return heldout.reference_status({"DCGAN": dcgan, "BigGAN": biggan}, "mnist", REFERENCE)


def test_the_handouts_70k_split_is_reported_as_seen_with_the_flag_that_fixes_it():
    result = status(config("all", 70000), config("all", 70000))
    assert result["held_out"] is False
    assert result["note"].startswith("Warning: the reference was seen in training: the DCGAN and "
                                     "the BigGAN trained on MNIST train + t10k (split \"all\", "
                                     "70,000 images)")
    assert "--mnist_split train" in result["note"] and "not a floor" in result["note"]
    assert heldout.floor_label(result["held_out"]) == "real train (no floor: reference seen)"


def test_the_train_split_is_held_out():
    result = status(config("train", 60000), config("train", 60000))
    assert result["held_out"] is True
    assert result["note"] == ("Reference held out: the DCGAN and the BigGAN trained on the mnist "
                              "train split only (split \"train\", 60,000 images); the 10,000 MNIST "
                              "t10k digits were never used in training.")
    assert heldout.floor_label(True) == "real train (floor)"


def test_one_run_that_saw_the_reference_is_enough_to_warn_and_is_named():
    result = status(config("train", 60000), config("all", 70000))
    assert result["held_out"] is False
    assert "the BigGAN trained on MNIST train + t10k" in result["note"]
    assert "the DCGAN" not in result["note"].split(". ")[0]  # the first sentence names the culprit only


def test_runs_without_a_record_are_unknown_never_held_out():
    for dcgan, biggan in [(config(), config()), (config("train", 60000), config()),
                          (config("train", 60000), config("everything"))]:
        result = status(dcgan, biggan)
        assert result["held_out"] is None
        assert result["note"].startswith("Warning: unknown whether the reference was held out")
        assert "never used" not in result["note"] and "--mnist_split train" in result["note"]
        assert heldout.floor_label(None) == "real train (floor only if held out)"
    assert 'has no "data" record' in status(config(), config())["note"]
    assert "unknown split 'everything'" in status(config("train"), config("everything"))["note"]


def test_each_run_keeps_its_own_phrase_for_metrics_json():
    runs = status(config("train", 60000), config())["runs"]
    assert runs["DCGAN"].startswith("the DCGAN trained on the mnist train split only")
    assert runs["BigGAN"].startswith('the config.json of the BigGAN has no "data" record')


def test_other_datasets_name_their_reference_and_fix():
    assert heldout.reference_name("cifar10", 2000) == "the 2,000 CIFAR-10 test images"
    assert "1 in 10, chosen per image" in heldout.reference_name("faces", 300)
    seen = run({"dataset": "faces", "split": "all", "num_images": 3000})
    result = heldout.reference_status({"DCGAN": seen, "BigGAN": seen}, "faces", "R")
    assert "all of faces" in result["note"] and "--mnist_split" not in result["note"]


def test_a_folder_run_is_held_out_only_under_the_per_image_rule():
    """Runs from before the per-image rule held out every 10th file, which adding an image shifts:
    unknown. Under the rule the reference is held out, and a folder changed since is said."""
    old = run({"dataset": "faces", "split": "train", "num_images": 900})
    assert heldout.run_verdict(old)[0] is heldout.UNKNOWN
    new = run({"dataset": "faces", "split": "train", "num_images": 900, "digest": "aaa",
               "holdout_rule": image_folders.HOLDOUT_RULE})
    same = heldout.reference_status({"DCGAN": new, "BigGAN": new}, "faces", "R", train_digest="aaa")
    assert same["held_out"] is True and "changed" not in same["note"]
    grown = heldout.reference_status({"DCGAN": new, "BigGAN": new}, "faces", "R", train_digest="bbb")
    assert grown["held_out"] is True and "images changed since the DCGAN (900 images then)" in grown["note"]
