"""Train the evaluation classifier that the metrics (FID, KID, IS, class accuracy) rely on
(handout extension 2, the comparison).

    python biggan/train_classifier.py --dataset mnist
    python biggan/train_classifier.py --dataset flowers --data_dir ./data --output_size 32 \\
        --input_fname_pattern '*.jpg' [--classes rose,tulip]

It trains on the dataset's TRAIN split only and reports accuracy on its TEST split, so the
classifier has never seen the images it is judged on (MNIST: the official 60k / 10k;
CIFAR-10: data_batch_* / test_batch; image folders: every 10th image is held out, see
datasets.holdout_order). The result goes to evaluation/classifiers/<dataset>.npz + .json,
or to --out PATH. The folder needs one sub-folder per class: the classifier learns labels.
"""
import os
import sys

# Running `python biggan/train_classifier.py` puts biggan/ on sys.path, not the repo root;
# add the root so the lab's top-level modules (datasets, utils, ops) and `biggan` import.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402  (after the sys.path line on purpose)
import time  # noqa: E402

import numpy as np  # noqa: E402

import tfstart  # noqa: E402

tfstart.import_tensorflow()  # before evaluation.classifier imports it: start-up chatter hidden
from evaluation.classifier import Classifier, default_path  # noqa: E402
from datasets import load_dataset, mnist_split, parse_classes, select_classes  # noqa: E402
from errors import LabError, run_or_exit  # noqa: E402
from utils import check_writable  # noqa: E402

SPLITS = ("train", "test")
DEFAULT_SIZE = 64  # --output_size of image folders (MNIST and CIFAR-10 keep their own size)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Train the classifier used by the GAN metrics.")
    parser.add_argument("--dataset", required=True, help="mnist, cifar10, or a folder under --data_dir")
    parser.add_argument("--data_dir", default="./data", help="where the datasets live")
    parser.add_argument("--classes", default=None, help="comma-separated subset, e.g. 3,7 or '3, 7'")
    parser.add_argument("--output_size", type=int, default=DEFAULT_SIZE,
                        help="image folders are resized to this: the size the GANs make")
    parser.add_argument("--input_fname_pattern", default="*.jpg", help="glob of a folder's images")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--learning_rate", type=float, default=1e-3, help="Adam's, first epoch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="weights path (default evaluation/classifiers/<dataset>.npz)")
    return parser.parse_args(argv)


# ----------------------------------------------------------------------------- data

def load_splits(args):
    """(train, test) Datasets for --dataset (labels None for a folder without class sub-folders)."""
    classes = parse_classes(args.classes) or None  # '3, 7' as main.py reads it
    if args.dataset == "mnist":
        folder = os.path.join(args.data_dir, "mnist")
        train_set, test_set = (select_classes(mnist_split(folder, s), classes, "MNIST") for s in SPLITS)
    elif args.dataset == "cifar10":
        train_set, test_set = (load_dataset("cifar10", args.data_dir, classes=classes, split=s)
                               for s in SPLITS)
    else:  # an image folder: every 10th image is held out (datasets.holdout_order)
        train_set, test_set = (load_dataset(args.dataset, args.data_dir, args.input_fname_pattern,
                                            args.output_size, getattr(args, "input_size", None),
                                            getattr(args, "crop", False), classes=classes, split=s,
                                            attribute=getattr(args, "attribute", None))
                               for s in SPLITS)
    return train_set, test_set


def require_labels(data, args):
    """The classifier learns classes: LabError for a folder without class sub-folders.
    (Not in load_splits: compare.py scores unlabelled folders, e.g. faces, with Inception.)"""
    if data.labels is None:
        raise LabError(f"the classifier needs labels: put the images of {args.data_dir}/"
                       f"{args.dataset} in one sub-folder per class")


def random_shift(images, rng, max_shift=2):
    """Move every image by up to max_shift pixels in x and y (zero fill): cheap augmentation
    that makes the classifier robust to slightly off-centre digits. [N, H, W, C] -> same."""
    n, h, w, _ = images.shape
    m = max_shift
    padded = np.pad(images, ((0, 0), (m, m), (m, m), (0, 0)))  # [N, H + 2m, W + 2m, C]
    dy, dx = rng.randint(0, 2 * m + 1, size=(2, n))
    return np.stack([padded[i, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


# ----------------------------------------------------------------------------- training

def train(classifier, images, labels, epochs, batch_size=128, learning_rate=1e-3, decay=0.6,
          seed=0, log=print):
    """Adam on shuffled, randomly shifted mini-batches; the learning rate shrinks by `decay`
    every epoch (big steps first, fine-tuning last). Returns the last epoch's mean loss."""
    rng = np.random.RandomState(seed)
    start = time.time()
    for epoch in range(epochs):
        rate = learning_rate * decay ** epoch
        order = rng.permutation(len(images))
        losses = [classifier.train_step(random_shift(images[batch], rng), labels[batch], rate)
                  for batch in np.array_split(order, max(1, int(np.ceil(len(order) / batch_size))))]
        log(f"epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.4f}, learning rate {rate:.2g}, "
            f"{time.time() - start:.0f} s")
    return float(np.mean(losses))


def accuracy(classifier, data):
    """Fraction of data.images whose predicted class is data.labels."""
    return float(np.mean(classifier.predict(data.images) == data.labels))


def main(argv=None):
    args = parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1:
        raise LabError("--epochs and --batch_size must be at least 1")
    out = args.out or default_path(args.dataset)
    check_writable(os.path.dirname(os.path.abspath(out)), "out")
    train_set, test_set = load_splits(args)
    require_labels(train_set, args)
    print(f"{args.dataset}: {len(train_set.images)} training and {len(test_set.images)} test images "
          f"of {'x'.join(map(str, train_set.images.shape[1:]))}, classes {', '.join(train_set.class_names)}")
    classifier = Classifier(train_set.images.shape[1:], train_set.class_names, args.dataset,
                            seed=args.seed)
    start = time.time()
    train(classifier, train_set.images, train_set.labels, args.epochs, args.batch_size,
          args.learning_rate, seed=args.seed)
    seconds = time.time() - start
    classifier.test_accuracy = accuracy(classifier, test_set)
    classifier.info.update(train_seconds=round(seconds, 1), epochs=args.epochs, seed=args.seed,
                           train_images=len(train_set.images), test_images=len(test_set.images))
    path = classifier.save(out)
    print(f"test accuracy {classifier.test_accuracy:.4f} on {len(test_set.images)} held-out images "
          f"(trained {seconds:.0f} s); saved {path} ({os.path.getsize(path) / 1e6:.1f} MB)")
    return classifier.test_accuracy


if __name__ == "__main__":
    run_or_exit(main)
