"""Train the evaluation classifier that the comparison's metrics (FID, KID, IS, class accuracy) rely
on (handout 六.2, the comparison):

    python evaluation/train_classifier.py --dataset mnist
    python evaluation/train_classifier.py --dataset cifar10 --classes airplane,automobile --output_size 32
    python evaluation/train_classifier.py --dataset flowers --output_size 32 --classes rose,tulip

It trains on the dataset's TRAIN split only and reports accuracy on its TEST split
(datasets.load_dataset: MNIST 60k / t10k, CIFAR-10 data_batch_* / test_batch, a folder's
held-out tenth), so the classifier has never seen the images it is judged on. The result goes
to evaluation/classifiers/<dataset>.npz + .json, or to --out PATH. A folder needs one
sub-folder per class: the classifier learns labels. The work is evaluation/classifier.py's.
"""
import os
import sys

# Running `python evaluation/train_classifier.py` puts evaluation/ on sys.path, not the repo root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import flags  # noqa: E402

import cli  # noqa: E402
import tfstart  # noqa: E402

tfstart.import_tensorflow()  # evaluation/classifier.py builds on TensorFlow: started quietly, before it
from evaluation.classifier import DEFAULT_SIZE, TrainingSettings  # noqa: E402

FLAGS = flags.FLAGS
HELP = dict(program="evaluation/train_classifier.py", common=False, groups=[("Classifier", [
    "dataset", "data_dir", "classes", "output_size", "input_fname_pattern", "epochs", "batch_size",
    "learning_rate", "seed", "out"])], usage=[
    "Trains the classifier biggan/compare.py measures with, on the train split; reports its test accuracy.",
    "  python evaluation/train_classifier.py --dataset mnist"])


def define_flags(flags):
    """The script's flags (on absl's flags, or on any FlagValues: the tests parse suggested commands)."""
    flags.DEFINE_string("dataset", None, "mnist, cifar10, or a folder's name under --data_dir")
    flags.DEFINE_string("data_dir", "./data", "Folder that holds the datasets")
    flags.DEFINE_string("classes", "", "Comma-separated classes to learn (e.g. 3,7 or '3, 7') [all]")
    flags.DEFINE_integer("output_size", DEFAULT_SIZE, "Image folders are resized to this: the size the "
                         "GANs make (MNIST and CIFAR-10 keep their own)", lower_bound=16, upper_bound=4096)
    flags.DEFINE_string("input_fname_pattern", "*.jpg", "Glob for the images of a folder dataset")
    flags.DEFINE_integer("epochs", None, "Passes over the training images [5 for grey digits, 15 for colour "
                         "photos]", lower_bound=1, upper_bound=1000)
    flags.DEFINE_integer("batch_size", 128, "Images per step", lower_bound=1, upper_bound=65_536)
    flags.DEFINE_float("learning_rate", 1e-3, "Adam's learning rate in the first epoch",
                       lower_bound=1e-8, upper_bound=1.0)
    flags.DEFINE_integer("seed", 0, "Random seed", lower_bound=0, upper_bound=cli.MAX_SEED)
    flags.DEFINE_string("out", None, "Where the weights go [evaluation/classifiers/<dataset>.npz]")
    flags.mark_flag_as_required("dataset")


def main(argv):
    cli.reject_arguments(argv)
    settings = TrainingSettings(**{name: FLAGS[name].value for name in TrainingSettings._fields})
    from evaluation.classifier import train_classifier
    train_classifier(settings)


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
