"""The image sets a comparison scores (handout 六.2): generated and real.

Generated: each trained run is a checkpoint folder holding config.json (the architecture,
what it trained on, how long: runs.read_config) and the TensorFlow checkpoint (the weights).
load_generator rebuilds the network with testmode.from_run in a graph of its own; generate_samples
draws N images with a fixed seed, the same class mix for every model.

Real: the dataset's train and test splits (datasets.real_splits: MNIST's official 60k / 10k,
CIFAR-10's batches, a folder's held-out tenth), the same splits the evaluation classifier was
trained and judged on. Every image set is handled as uint8 [N, H, W, C], what a student would
save to disk.
"""
import os
import shlex
import time

import numpy as np
import tensorflow as tf

import datasets
import testmode
import runs
from errors import LabError
from evaluation.classifier import DEFAULT_SIZE as DEFAULT_CLASSIFIER_SIZE, default_path, weight_paths
from evaluation.heldout import MNIST_FIX
from sampling import set_standing_statistics
from training import derived_seed
from utils import cycle_labels, to_uint8

tf1 = tf.compat.v1

DEFAULT_DATA_DIR, DEFAULT_PATTERN = "./data", "*.jpg"  # every script's --data_dir, --input_fname_pattern
MIN_REFERENCE = 10  # real test images at the least (k-NN metrics need more than k = 3)


# ----------------------------------------------------------------------------- the runs

def data_flags(args):
    """The flags that say which images: --dataset, and --data_dir, --input_fname_pattern and
    --classes where they are not the scripts' defaults (quoted for a shell)."""
    flags = ["--dataset", args.dataset]
    data_dir = getattr(args, "data_dir", DEFAULT_DATA_DIR)
    pattern = getattr(args, "input_fname_pattern", DEFAULT_PATTERN)
    if os.path.normpath(data_dir) != os.path.normpath(DEFAULT_DATA_DIR):
        flags += ["--data_dir", data_dir]
    if args.dataset not in runs.IMAGE_SIZES and pattern != DEFAULT_PATTERN:
        flags += ["--input_fname_pattern", pattern]
    if args.classes:
        flags += ["--classes", args.classes]
    return flags


def train_command(kind, args):
    """The complete command that trains the missing model with compare.py's flags (its size,
    classes, data; MNIST on its train split, so that t10k stays held out for the comparison)."""
    flags = data_flags(args) + (["--conditional"] if args.conditional and args.dataset != "mnist" else [])
    if args.output_size != runs.IMAGE_SIZES.get(args.dataset, 64):
        flags += ["--output_height", str(args.output_size)]
    flags.append("--train")
    if args.dataset == "mnist" and getattr(args, "mnist_split", None) != "all":
        flags += MNIST_FIX.split()
    return shlex.join(["python", runs.PROGRAMS[kind]] + flags)


def classifier_command(args, image_size):
    """The complete command that trains the evaluation classifier compare.py looks for: the
    same images, classes and size as the models (evaluation/train_classifier.py's default size is
    64, so a 32-pixel set needs --output_size 32), saved where --classifier points."""
    flags = data_flags(args)
    if image_size != DEFAULT_CLASSIFIER_SIZE:
        flags += ["--output_size", str(image_size)]
    if os.path.abspath(weight_paths(args.classifier)[0]) != os.path.abspath(default_path(args.dataset)):
        flags += ["--out", args.classifier]
    return shlex.join(["python", "evaluation/train_classifier.py"] + flags)


def read_run_config(folder, kind, args):
    """config.json of a training run (a runs.RunConfig), or a LabError that says how to make it
    (and which runs there are, in case only the flags differ)."""
    path = os.path.join(folder, "config.json")
    if not os.path.exists(path):
        parent = os.path.dirname(os.path.normpath(folder)) or "."
        there = sorted(os.listdir(parent)) if os.path.isdir(parent) else []
        found = f" (found in {parent}: {', '.join(there)})" if there else ""
        raise LabError(f"no trained {kind} in {folder}{found}; train it first: "
                       f"{train_command(kind, args)}, or pass --{kind.lower()}_dir")
    config = runs.read_config(folder, runs.PROGRAMS[kind], args.dataset)  # a lab run's, checked
    if config.model != kind:
        raise LabError(f"{folder} holds a {config.model} checkpoint, not a {kind}; "
                       f"check --dcgan_dir and --biggan_dir")
    return config


def task_of(config):
    """What a model was trained to make (a runs.RunConfig): the things both models must share to
    be compared. (An unconditional DCGAN still records the folder's class names; they do not count.)"""
    return {"dataset": config.dataset, "image size": config.image_size, "channels": config.architecture.c_dim,
            "classes": ",".join(config.class_names) if config.conditional else "none (unconditional)"}


def check_same_task(dcgan_config, biggan_config, args):
    """Refuse to compare models of different datasets, sizes or classes (their numbers would
    measure different things), or models of another dataset than --dataset."""
    dcgan, biggan = task_of(dcgan_config), task_of(biggan_config)
    diffs = [f"{key} {dcgan[key]} vs {biggan[key]}" for key in dcgan if dcgan[key] != biggan[key]]
    if diffs:
        raise LabError(f"the DCGAN ({args.dcgan_dir}) and the BigGAN ({args.biggan_dir}) were trained "
                       f"on different tasks: {'; '.join(diffs)}; compare two models of the same "
                       "dataset, size and classes")
    if dcgan["dataset"] != args.dataset:
        raise LabError(f"both models were trained on {dcgan['dataset']}, not --dataset {args.dataset}")


# ----------------------------------------------------------------------------- the generators

def load_generator(folder, kind, args):
    """Rebuild the run's network (testmode.from_run) in a graph and session of its own, so the two
    models' variables never mix, with batch norm statistics measured from the generator."""
    read_run_config(folder, kind, args)  # a missing run names the command that trains it
    with tf.Graph().as_default():
        sess = tf1.Session()
        model, iteration = testmode.from_run(sess, folder, runs.PROGRAMS[kind], args.dataset)
    set_standing_statistics(model)
    print(f" [*] Loaded the {kind} of {folder} at iteration {iteration}")
    return model


def count_parameters(model):
    """Trainable weights of G and D (the variable scopes 'generator' and 'discriminator')."""
    with model.sess.graph.as_default():
        return {part: int(sum(np.prod(v.shape.as_list()) for v in tf1.trainable_variables(scope)))
                for part, scope in (("G", "generator"), ("D", "discriminator"))}


TIMED_PARTS = 10  # the sampling time is measured on this many parts of the N images: a mean and its error


def generate_samples(model, n, seed):
    """n images as uint8 (what a student would save) for labels 0, 1, ..., K-1, 0, 1, ...

    Returns (images, labels or None, (seconds per 1,000 images, its standard error)). A small
    warm-up batch runs first, so the timing leaves out TensorFlow's one-off set-up of the graph;
    the images are made in TIMED_PARTS parts, each timed, since one timing varies from run to run
    (other programs, the CPU's clock) and "faster" must be beyond that.
    """
    rng = np.random.RandomState(seed)
    labels = cycle_labels(n, model.num_classes) if model.num_classes else None
    model.generate(model.sample_noise(np.random.RandomState(derived_seed(seed, 1)), 10),
                   None if labels is None else labels[:10])
    z = model.sample_noise(rng, n)  # [n, z_dim]: the same noise as one call would draw
    images, per_1000 = [], []
    for part in np.array_split(np.arange(n), min(TIMED_PARTS, n)):
        start = time.perf_counter()
        images.append(to_uint8(model.generate(z[part], None if labels is None else labels[part])))
        per_1000.append(1000.0 * (time.perf_counter() - start) / len(part))
    error = float(np.std(per_1000, ddof=1) / np.sqrt(len(per_1000))) if len(per_1000) > 1 else None
    return np.concatenate(images), labels, (float(np.mean(per_1000)), error)


# ----------------------------------------------------------------------------- real images

def load_real_data(args, image_size, record=None):
    """The comparison's real images, datasets.real_splits with compare.py's flags; a LabError when the
    test split is too small to measure against."""
    train, test = datasets.real_splits(args.dataset, args.data_dir, args.input_fname_pattern, image_size,
                                       args.classes, record)
    if len(test.images) < MIN_REFERENCE or test.split == "all":
        raise LabError(f"{args.dataset} has {len(train.images)} images, too few to hold a test split "
                       f"out to compare against (a folder gives 1 image in 10 to it: {MIN_REFERENCE} "
                       "or more need about 100 images; for meaningful numbers use thousands)")
    return train, test


def is_labelled(data):
    """Whether a Dataset has at least two classes, so a classifier can score it."""
    return data.labels is not None and len(data.class_names) >= 2


def subsample(data, n, seed):
    """(images, labels or None): n images of a Dataset (all of them when it has fewer), chosen
    with the seed."""
    pick = np.sort(np.random.RandomState(seed).permutation(len(data.images))[:n])
    return data.images[pick], None if data.labels is None else data.labels[pick]
