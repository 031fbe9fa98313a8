"""Command-line plumbing shared by main.py (DCGAN) and biggan/main.py (BigGAN).

Both programs take the same flags for data, folders, seeds and test mode, check them the
same way and write test-mode outputs the same way, so this lives once, here.
"""
import os

import numpy as np

import datasets
from errors import LabError
from utils import check_writable, export_samples, read_json, test_mode_outputs, visualize

DEFAULT_SIZES = {"mnist": 28, "cifar10": 32}


def define_common_flags(flags):
    """Flags of the handout's main.py that both models share (absl flags, as tf.app.flags)."""
    flags.DEFINE_integer("epoch", 25, "Epochs to train")
    flags.DEFINE_integer("batch_size", 64, "Images per batch (also the size of sample grids)")
    flags.DEFINE_float("train_size", np.inf, "Use at most this many training images")
    flags.DEFINE_integer("input_height", None, "Crop size with --crop [shorter side of the image]")
    flags.DEFINE_integer("input_width", None, "Crop width [input_height]")
    flags.DEFINE_integer("output_height", None, "Image size the model makes [mnist 28, cifar10 32, else 64]")
    flags.DEFINE_integer("output_width", None, "Image width [output_height]")
    flags.DEFINE_string("dataset", "mnist", "mnist, cifar10, or a folder name under --data_dir")
    flags.DEFINE_string("input_fname_pattern", "*.jpg", "Glob for the images of a folder dataset")
    flags.DEFINE_string("data_dir", "./data", "Folder that holds the datasets")
    flags.DEFINE_string("checkpoint_dir", "checkpoint", "Where checkpoints are saved")
    flags.DEFINE_string("sample_dir", "samples", "Where sample grids are saved")
    flags.DEFINE_string("logs_dir", "logs", "TensorBoard summaries and the losses.csv log")
    flags.DEFINE_boolean("train", False, "Train (--train); without it: test mode")
    flags.DEFINE_boolean("crop", False, "Centre-crop images before resizing (--crop)")
    flags.DEFINE_integer("visualize", -1, "Test mode: also run visualize option 0-4 (see README)")
    flags.DEFINE_integer("seed", 0, "Random seed for weights, noise and grids")
    flags.DEFINE_integer("sample_freq", 100, "Save a sample grid every this many iterations")
    flags.DEFINE_integer("ckpt_freq", 500, "Save a checkpoint every this many iterations")
    flags.DEFINE_integer("print_freq", 1, "Print the loss line every this many iterations")
    flags.DEFINE_integer("log_freq", 10, "Write TensorBoard summaries every this many iterations")
    flags.DEFINE_integer("max_to_keep", 5, "Checkpoints kept")
    flags.DEFINE_integer("export_samples", 0, "Test mode: write N images + labels to samples/generated_N.npz")
    flags.DEFINE_boolean("conditional", False, "Folder/CIFAR datasets: train the class-conditional model")
    flags.DEFINE_string("classes", "", "Comma-separated classes to keep (e.g. airplane,automobile)")
    flags.DEFINE_boolean("skip_bad_images", False, "Skip unreadable images with a warning")
    flags.DEFINE_string("attribute", "", "celebA: two classes, without and with this attribute "
                        "(e.g. Smiling, Male, Eyeglasses), for --conditional")


def resolve_defaults(FLAGS):
    """Fill the size defaults that depend on the dataset (so MNIST needs no size flags)."""
    if FLAGS.output_height is None:
        FLAGS.output_height = DEFAULT_SIZES.get(FLAGS.dataset, 64)
    if FLAGS.output_width is None:
        FLAGS.output_width = FLAGS.output_height
    if FLAGS.input_width is None:
        FLAGS.input_width = FLAGS.input_height
    if FLAGS.dataset == "mnist":
        FLAGS.conditional = True  # the handout's MNIST network is always conditional (y_dim=10)


def class_list(FLAGS):
    return [c.strip() for c in FLAGS.classes.split(",") if c.strip()]


def validate(FLAGS, argv, model_name):
    """One-line errors for flags that cannot work, before anything is built or written."""
    if len(argv) > 1:
        raise LabError(f"unexpected argument(s) {' '.join(argv[1:])}: flags look like --train or "
                       f"--epoch=5 (booleans: --train / --notrain, not '--train False')")
    for name in ("epoch", "batch_size", "output_height", "output_width", "sample_freq",
                 "ckpt_freq", "print_freq", "log_freq", "max_to_keep"):
        if getattr(FLAGS, name) <= 0:
            raise LabError(f"--{name} must be positive (got {getattr(FLAGS, name)})")
    for name in ("input_height", "input_width"):
        if getattr(FLAGS, name) is not None and getattr(FLAGS, name) <= 0:
            raise LabError(f"--{name} must be positive (got {getattr(FLAGS, name)})")
    if not -1 <= FLAGS.visualize <= 4:
        raise LabError(f"--visualize {FLAGS.visualize} is not an option; use 0 (random grid), "
                       "1 (sweep each z dimension), 2 (random-dimension GIFs), 3 (GIFs from z=0), "
                       "4 (3 + one merged GIF)")
    if FLAGS.train_size <= 0 or FLAGS.export_samples < 0:
        raise LabError("--train_size must be positive and --export_samples not negative")
    if FLAGS.output_height != FLAGS.output_width:
        raise LabError(f"{model_name} makes square images: set --output_width equal to "
                       f"--output_height (got {FLAGS.output_height}x{FLAGS.output_width})")
    if FLAGS.dataset == "mnist" and FLAGS.output_height != 28:
        raise LabError("MNIST digits are 28x28: use --output_height=28 (the default for mnist)")
    if FLAGS.dataset not in DEFAULT_SIZES and FLAGS.train and \
            not os.path.isdir(os.path.join(FLAGS.data_dir, FLAGS.dataset)):
        if FLAGS.dataset == datasets.CELEBA:
            raise LabError(f"CelebA not found in {os.path.join(FLAGS.data_dir, FLAGS.dataset)}; "
                           "run: python download.py celebA")
        raise LabError(f"unknown dataset '{FLAGS.dataset}': use mnist, cifar10, or put images "
                       f"in {os.path.join(FLAGS.data_dir, FLAGS.dataset)}/")
    datasets.check_attribute(FLAGS.dataset, FLAGS.attribute)
    if FLAGS.conditional and FLAGS.dataset == datasets.CELEBA and not FLAGS.attribute:
        raise LabError("--conditional on celebA needs --attribute NAME (e.g. --attribute Smiling): "
                       "the two classes are faces without and with it")
    for what in ("checkpoint_dir", "sample_dir") + (("logs_dir",) if FLAGS.train else ()):
        check_writable(getattr(FLAGS, what), what.replace("_", " "))


def load_training_data(FLAGS, log=print):
    """The training images as a datasets.Dataset, checked against the batch size."""
    data = datasets.load_dataset(FLAGS.dataset, FLAGS.data_dir, FLAGS.input_fname_pattern,
                                 FLAGS.output_height, FLAGS.input_height, FLAGS.crop,
                                 class_list(FLAGS), FLAGS.skip_bad_images, split="train",
                                 attribute=FLAGS.attribute or None, log=log)
    usable = int(min(len(data.images), FLAGS.train_size))
    if FLAGS.batch_size > usable:
        raise LabError(f"--batch_size {FLAGS.batch_size} is larger than the {usable} training "
                       "images: lower --batch_size or add images")
    if FLAGS.conditional and data.labels is None:
        raise LabError(f"--conditional needs labels: put the images of "
                       f"{os.path.join(FLAGS.data_dir, FLAGS.dataset)} in one sub-folder per class")
    return data


def model_dir_name(FLAGS):
    """Checkpoint sub-folder of a run: dataset[-attribute][-classes]_H_W[_cond]."""
    attribute = getattr(FLAGS, "attribute", "")  # compare.py's flags have none
    name = "-".join([FLAGS.dataset] + ([attribute] if attribute else []) + class_list(FLAGS))
    cond = "_cond" if FLAGS.conditional and FLAGS.dataset != "mnist" else ""
    return f"{name}_{FLAGS.output_height}_{FLAGS.output_width}{cond}"


def read_run_config(FLAGS, model_dir, program):
    """Test mode: the architecture saved next to the checkpoint, or a clear error saying how to train."""
    folder = os.path.join(FLAGS.checkpoint_dir, model_dir)
    path = os.path.join(folder, "config.json")
    if not os.path.exists(path):
        found = sorted(os.listdir(FLAGS.checkpoint_dir)) if os.path.isdir(FLAGS.checkpoint_dir) else []
        hint = f" (found there: {', '.join(found)}; pass the flags used for training)" if found else ""
        raise LabError(f"no checkpoint in {folder}{hint}; train first: python {program} "
                       f"--dataset {FLAGS.dataset} --train")
    return read_json(path)


def run_test_mode(model, FLAGS):
    """Handout step 7.4: pictures from the trained model, optional visualize option and export."""
    for path in test_mode_outputs(model, FLAGS):
        print(" [*] wrote", path)
    if FLAGS.visualize >= 0:
        written = visualize(model, FLAGS, FLAGS.visualize)
        print(f" [*] visualize option {FLAGS.visualize}: wrote {len(written)} file(s), e.g. {written[0]}")
    if FLAGS.export_samples:
        path = os.path.join(FLAGS.sample_dir, f"generated_{FLAGS.export_samples}.npz")
        print(export_samples(model, FLAGS.export_samples, path, seed=FLAGS.seed))
