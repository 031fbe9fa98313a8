"""Compare the trained DCGAN and BigGAN with real metrics, and write a report you can hand in.

MNIST (each line runs in the repository root; the first two train the models on the 60k train
split, so that the t10k digits the comparison measures against stay unseen):

    python main.py --dataset mnist --train --mnist_split train
    python biggan/main.py --dataset mnist --train --mnist_split train
    python download.py inception             # optional: adds the standard Inception FID/KID/IS
    python biggan/compare.py --dataset mnist

Two CIFAR-10 classes (airplane, automobile), class-conditional; the evaluation classifier
is trained on the same two classes first:

    python download.py cifar10
    python main.py --dataset cifar10 --classes airplane,automobile --conditional --train
    python biggan/main.py --dataset cifar10 --classes airplane,automobile --conditional --train --ch 32
    python evaluation/train_classifier.py --dataset cifar10 --classes airplane,automobile --output_size 32
    python biggan/compare.py --dataset cifar10 --classes airplane,automobile --conditional

Unconditional runs on a folder of faces (data/faces/*.jpg; needs the Inception graph):

    python biggan/compare.py --dataset faces

What it does: loads the latest checkpoint of each model, draws --num_samples images from each
(the same class mix, a fixed seed, saved as uint8), and scores them against the real TEST split
(evaluation/scoring.py): with the shipped classifier (evaluation/classifier.py) when the data
have classes, with the standard Inception graph when `python download.py inception` has put it
in data/inception/. A "real" row scores real TRAIN images the same way. Each run's config.json
says what it trained on; the report's first line says whether the test split was held out.
Everything goes to the comparison's own folder, report/<the runs' name>/ (e.g.
report/mnist_28_28_train60k/; --report_dir to choose, --overwrite to replace a report there):
report.md and report.html (what the sanity checks found, tables with ± standard errors, who wins
and why, pictures; --lang zh writes them in Chinese), metrics.json (every number and check), classes.png, losses.png and, for
conditional models, per_class.png. The folder is written as one set.
"""
import os
import sys

# Running `python biggan/compare.py` puts biggan/ on sys.path, not the repo root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import flags  # noqa: E402

import cli  # noqa: E402
import tfstart  # noqa: E402

FLAGS = flags.FLAGS
HELP = dict(program="biggan/compare.py", common=False, groups=[
    ("The runs", ["dataset", "classes", "conditional", "output_size", "mnist_split", "dcgan_dir", "biggan_dir",
                  "logs_dir"]),
    ("The real images", ["data_dir", "input_fname_pattern"]),
    ("Measuring", ["num_samples", "seed", "resamples", "classifier", "inception_graph"]),
    ("The report", ["report_dir", "overwrite", "lang"])], usage=[
    "Compares the trained DCGAN and BigGAN of a dataset and writes a report you can hand in.",
    "  python biggan/compare.py --dataset mnist",
    "  python biggan/compare.py --dataset cifar10 --classes airplane,automobile --conditional",
    "  python biggan/compare.py --dataset mnist --lang zh      # the report in Chinese"])


def define_flags(flags):
    """The script's flags (on absl's flags, or on any FlagValues: the tests parse commands)."""
    flags.DEFINE_string("dataset", "mnist", "mnist, cifar10, or a folder's name under --data_dir")
    flags.DEFINE_string("classes", "", "Comma-separated classes the models were trained on")
    flags.DEFINE_boolean("conditional", False, "The models are class-conditional (always true for mnist)")
    flags.DEFINE_integer("output_size", None, "Image size [mnist 28, cifar10 32, else 64]",
                         lower_bound=16, upper_bound=4096)
    flags.DEFINE_enum("mnist_split", None, ["all", "train"], "MNIST: the --mnist_split the runs were "
                      "trained with [train when such runs exist, else all]")
    flags.DEFINE_string("dcgan_dir", None, "The DCGAN's checkpoint folder [checkpoint/<run name>]")
    flags.DEFINE_string("biggan_dir", None, "The BigGAN's checkpoint folder [checkpoint/biggan_<run name>]")
    flags.DEFINE_string("logs_dir", "logs", "Where the runs' losses.csv files are")
    flags.DEFINE_string("data_dir", "./data", "Folder that holds the datasets")
    flags.DEFINE_string("input_fname_pattern", "*.jpg", "Glob for the images of a folder dataset")
    flags.DEFINE_integer("num_samples", 10000, "Images per model (N)", lower_bound=2, upper_bound=10 ** 6)
    flags.DEFINE_integer("seed", 0, "Random seed", lower_bound=0, upper_bound=cli.MAX_SEED)
    flags.DEFINE_integer("resamples", 10, "Bootstrap resamples behind each ± (more: steadier, slower)",
                         lower_bound=2, upper_bound=1000)
    flags.DEFINE_string("classifier", None, "The evaluation classifier [evaluation/classifiers/<dataset>.npz]")
    flags.DEFINE_string("inception_graph", None, "The 2015-12-05 Inception graph: adds the standard FID, "
                        "KID and IS [data/inception/classify_image_graph_def.pb, if there; get it with "
                        "python download.py inception]")
    flags.DEFINE_string("report_dir", None, "The comparison's own folder [report/<run name>]")
    flags.DEFINE_boolean("overwrite", False, "Replace the report already in --report_dir (refused otherwise)")
    flags.DEFINE_enum("lang", "en", ["en", "zh"], "The report's language: en (English) or zh (简体中文, the "
                      "handout's: 实验设置, 实验结果, 对比分析, 结论)")


def main(argv):
    cli.reject_arguments(argv)
    tfstart.import_tensorflow()  # start-up chatter hidden
    from evaluation import comparison  # builds on TensorFlow
    comparison.run(comparison.Settings(**{f.name: FLAGS[f.name].value for f in comparison.fields()}))


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
