"""Command-line plumbing shared by main.py (DCGAN) and biggan/main.py (BigGAN): handout step 3.

Both programs take the same flags for data, folders, seeds and test mode, check them the
same way (before TensorFlow starts, so a typo costs no start-up time), turn them into the
plain values the library takes (training.TrainConfig, a run name) and run test mode the same
way, so this lives once, here. Only this file and the two mains read absl FLAGS.
"""
import os
import sys

import numpy as np
from absl import flags as absl_flags

import checkpoints
import datasets
import training
from errors import LabError
from utils import check_writable, export_samples, test_mode_outputs, visualize

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
    flags.DEFINE_string("sample_dir", "samples", "Where sample grids are saved (a sub-folder per run)")
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
    flags.DEFINE_enum("mnist_split", "all", ["all", "train"],
                      "MNIST digits to train on: all (the handout's 70k: train + t10k) or train (the "
                      "60k train digits, so t10k stays held out for biggan/compare.py)")


def parse_flags(argv):
    """absl's flag parsing with a one-line error (e.g. --epoch abc) instead of its usage dump.
    Pass it to app.run as flags_parser."""
    try:
        return absl_flags.FLAGS(argv)
    except absl_flags.Error as e:
        print(f"error: {e}; see --help for the flags", file=sys.stderr)
        sys.exit(2)


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
    """--classes as a list of names (datasets.parse_classes: spaces dropped, duplicates refused)."""
    return datasets.parse_classes(FLAGS.classes)


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
    if FLAGS.dataset in DEFAULT_SIZES and (FLAGS.crop or FLAGS.input_height or FLAGS.input_width):
        raise LabError(f"--crop, --input_height and --input_width apply to image folders; {FLAGS.dataset} "
                       "images are used at their own size: leave them out")
    if FLAGS.mnist_split != "all" and FLAGS.dataset != "mnist":
        raise LabError("--mnist_split applies to --dataset mnist only")
    datasets.check_attribute(FLAGS.dataset, FLAGS.attribute)
    if FLAGS.conditional and FLAGS.dataset == datasets.CELEBA and not FLAGS.attribute:
        raise LabError("--conditional on celebA needs --attribute NAME (e.g. --attribute Smiling): "
                       "the two classes are faces without and with it")


def run_name(FLAGS, prefix=""):
    """A run's name, the sub-folder of checkpoint/, samples/ and logs/: [prefix]dataset[-attribute][-classes]
    _H_W[_cond][_train60k], e.g. mnist_28_28 or biggan_cifar10-airplane-automobile_32_32_cond."""
    attribute = getattr(FLAGS, "attribute", "")  # compare.py's flags may have none
    name = "-".join([FLAGS.dataset] + ([attribute] if attribute else []) + class_list(FLAGS))
    cond = "_cond" if FLAGS.conditional and FLAGS.dataset != "mnist" else ""
    split = "_train60k" if FLAGS.mnist_split == "train" else ""
    return f"{prefix}{name}_{FLAGS.output_height}_{FLAGS.output_width}{cond}{split}"


def check_run_folders(FLAGS, name):
    """Every folder the run will write to, made and tested now, not after hours of training."""
    folders = [("checkpoint_dir", FLAGS.checkpoint_dir), ("sample_dir", FLAGS.sample_dir)]
    if FLAGS.train:
        folders.append(("logs_dir", FLAGS.logs_dir))
    for flag, base in folders:
        check_writable(checkpoints.run_folder(base, name), flag.replace("_", " "))


def first_line(model_name, FLAGS):
    """The first line a run prints: what it is about to do (before TensorFlow starts)."""
    what = "training" if FLAGS.train else "test mode"
    kind = "conditional" if FLAGS.conditional else "unconditional"
    return (f"GAN lab {model_name}: {what} on {FLAGS.dataset}, {FLAGS.output_height}x"
            f"{FLAGS.output_width}, {kind} (--help lists the flags)")


def crop_size(FLAGS):
    """--input_height (and --input_width, which defaults to it) as the crop's side or [h, w]."""
    if FLAGS.input_height is None or FLAGS.input_width in (None, FLAGS.input_height):
        return FLAGS.input_height
    return [FLAGS.input_height, FLAGS.input_width]


def load_training_data(FLAGS, images_per_iteration, log=print):
    """The training images as a datasets.Dataset, checked against what one iteration needs."""
    data = datasets.load_dataset(FLAGS.dataset, FLAGS.data_dir, FLAGS.input_fname_pattern,
                                 FLAGS.output_height, crop_size(FLAGS), FLAGS.crop,
                                 class_list(FLAGS), FLAGS.skip_bad_images, split="train",
                                 attribute=FLAGS.attribute or None, log=log,
                                 mnist_with_test=FLAGS.mnist_split == "all")
    usable = int(min(len(data.images), FLAGS.train_size))
    if FLAGS.batch_size > usable:
        raise LabError(f"--batch_size {FLAGS.batch_size} is larger than the {usable} training "
                       "images: lower --batch_size or add images")
    if images_per_iteration > usable:  # BigGAN: a fresh real batch for each of its D steps
        raise LabError(f"one iteration needs batch_size x num_D_steps = {images_per_iteration} images, "
                       "more than the training set: lower --batch_size or --num_D_steps")
    if FLAGS.conditional and data.labels is None:
        raise LabError(f"--conditional needs labels: put the images of "
                       f"{os.path.join(FLAGS.data_dir, FLAGS.dataset)} in one sub-folder per class")
    return data


def data_record(FLAGS, data):
    """What a run trains on, saved in its config.json, so a comparison knows what is held out."""
    split = FLAGS.mnist_split if FLAGS.dataset == "mnist" else "train"
    return {"dataset": FLAGS.dataset, "split": split, "classes": class_list(FLAGS),
            "attribute": FLAGS.attribute or None, "crop": bool(FLAGS.crop), "input_size": crop_size(FLAGS),
            "pattern": FLAGS.input_fname_pattern,
            "num_images": int(min(len(data.images), FLAGS.train_size))}


def train_config(FLAGS, reshuffle):
    """The flags train() uses, as a plain record (the handout passes FLAGS as `config`)."""
    return training.TrainConfig(
        epoch=FLAGS.epoch, train_size=FLAGS.train_size, seed=FLAGS.seed, reshuffle=reshuffle,
        sample_freq=FLAGS.sample_freq, ckpt_freq=FLAGS.ckpt_freq, print_freq=FLAGS.print_freq,
        log_freq=FLAGS.log_freq, checkpoint_dir=FLAGS.checkpoint_dir, sample_dir=FLAGS.sample_dir,
        logs_dir=FLAGS.logs_dir)


def train(model, data, config):
    """model.train with the run's folder locked; exit code 130 when Ctrl-C stopped it, so a
    script can tell a finished run from an interrupted one (both saved a checkpoint)."""
    folder = checkpoints.run_folder(config.checkpoint_dir, model.model_dir)
    with checkpoints.RunLock(folder):
        checkpoints.clean_temporary_files(folder)  # what a killed save left behind
        _, stopped = model.train(config, data)
    if stopped:
        sys.exit(130)


def saved_architecture(FLAGS, name, program, keys):
    """Test mode: the architecture values saved next to the run's checkpoint."""
    return checkpoints.saved_architecture(checkpoints.run_folder(FLAGS.checkpoint_dir, name),
                                          program, FLAGS.dataset, keys)


def check_export_size(FLAGS, image_shape):
    """--export_samples N keeps N images in memory and in one file: refuse what cannot fit."""
    nbytes = FLAGS.export_samples * int(np.prod(image_shape))
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    if nbytes > available // 2:
        raise LabError(f"--export_samples {FLAGS.export_samples} needs {nbytes / 2**30:.1f} GiB of "
                       f"memory, more than half of the {available / 2**30:.1f} GiB available; "
                       "50,000 is the most papers use")


def test_mode(model, FLAGS, program):
    """Handout step 7.4: load the checkpoint (the handout's load), then the pictures, the
    optional visualize option and the optional export, all in samples/<run name>/."""
    found, counter = model.load(FLAGS.checkpoint_dir)
    if not found:
        raise LabError(f"no checkpoint in {checkpoints.run_folder(FLAGS.checkpoint_dir, model.model_dir)}; "
                       f"{checkpoints.train_first(program, FLAGS.dataset)}")
    print(f" [*] Loaded {model.model_dir} at iteration {counter}{model.sampler_note}")
    out = checkpoints.run_folder(FLAGS.sample_dir, model.model_dir)
    for path in test_mode_outputs(model, out, FLAGS.batch_size, FLAGS.seed):
        print(" [*] wrote", path)
    if FLAGS.visualize >= 0:
        written = visualize(model, FLAGS.visualize, out, FLAGS.batch_size, FLAGS.seed)
        print(f" [*] visualize option {FLAGS.visualize}: wrote {len(written)} file(s), e.g. {written[0]}")
    if FLAGS.export_samples:
        check_export_size(FLAGS, model.samples.get_shape().as_list()[1:])
        path = os.path.join(out, f"generated_{FLAGS.export_samples}.npz")
        print(export_samples(model, FLAGS.export_samples, path, seed=FLAGS.seed))
