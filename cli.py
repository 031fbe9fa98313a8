"""Command-line plumbing shared by main.py (DCGAN) and biggan/main.py (BigGAN): handout 五.3.

Both programs take the same flags for data, folders, seeds and test mode, check them the
same way (before TensorFlow starts, so a typo costs no start-up time), turn them into the
plain values the library takes (training.TrainConfig, the run's folders) and run test mode the
same way, so this lives once, here. Only this file and the two mains read absl FLAGS.

What the lab adds to the handout's training is built here from its flags and handed to the
models (composition; each module is loaded only when its flag asks for it): the devices
(start_replicas: --num_gpus, TF_CONFIG, distribute.py), DiffAugment (augmentation: --diffaug,
diffaug.py) and the optimiser wrapper (optimizer_wrapper: --precision mixed, precision.py).
"""
import contextlib
import functools
import math
import os
import signal
import sys

import numpy as np
from absl import app
from absl import flags as absl_flags

import checkpoints
import runs
import tfstart
from errors import LabError, print_error, run_or_exit
from files import check_writable, remove_stale_temporary

MAX_SEED = 2 ** 31 - 1  # seeds derived from --seed wrap around (training.derived_seed)


# Every flag has a stated range: absl checks it while parsing (before TensorFlow starts) and
# refuses a value outside it in one line naming the flag and the range. Floats must also be
# finite: absl's range check lets NaN through (NaN < 1 is False), so finite() adds that.
BIG = 10 ** 9  # "no practical limit" for counts and frequencies
PRECISIONS = ("fp32", "bf16", "mixed")  # --precision (precision.py)


def known_transforms(value):
    """absl validator of --diffaug: unknown transform names are refused while parsing."""
    if not value or not value.strip(" ,"):
        return True  # off: diffaug.py is not even loaded
    import diffaug
    try:
        diffaug.parse_policy(value)
    except LabError as e:
        raise absl_flags.ValidationError(str(e))
    return True


def numbers_only(flag_values):
    """Refuse NaN for every float flag of the program, and infinity too unless it is the flag's own
    default (--train_size: all the images): a NaN learning rate trains to NaN, and `--train_size
    nan` used every image. absl's range checks let NaN through (NaN < 1 is False)."""
    for name in list(flag_values):
        flag = flag_values[name]
        if not isinstance(flag.parser, absl_flags.FloatParser):
            continue
        infinite = flag.default is not None and math.isinf(flag.default)
        absl_flags.register_validator(
            name, lambda v, infinite=infinite: v is None or math.isfinite(v) or (infinite and not math.isnan(v)),
            message=f"--{name} must be a {'number (inf: no limit)' if infinite else 'finite number'}",
            flag_values=flag_values)


MAX_FLAGFILE_BYTES = 64 * 1024  # absl's --flagfile: a file of flags, a few lines


def flagfile_problem(args, seen=()):
    """Why absl's --flagfile=F (in args, or in a flag file read so far) cannot be read, or None: F
    must be a regular text file of at most MAX_FLAGFILE_BYTES (/dev/zero or a huge file would be
    read without end); the --flagfile lines inside it are checked the same way, and none may
    include itself. seen: the flag files that led here."""
    for i, arg in enumerate(args):
        name, _, path = arg.lstrip("-").partition("=")
        if name != "flagfile" or not arg.startswith("-"):
            continue
        path = path or (args[i + 1] if i + 1 < len(args) else "")
        if os.path.realpath(path) in seen:  # absl would print a warning of its own and go on
            return f"--flagfile {path} includes itself (through {' -> '.join(map(os.path.basename, seen))})"
        try:
            if not os.path.isfile(path):
                return f"--flagfile {path}: {'not a regular file' if os.path.exists(path) else 'no such file'}"
            if os.path.getsize(path) > MAX_FLAGFILE_BYTES:
                return f"--flagfile {path} is larger than a flag file can be ({MAX_FLAGFILE_BYTES // 1024} KiB)"
            with open(path, encoding="utf-8") as f:
                lines = [line.strip() for line in f.read(MAX_FLAGFILE_BYTES).splitlines()]
        except (OSError, UnicodeDecodeError) as e:
            return f"--flagfile {path} cannot be read ({getattr(e, 'strerror', None) or type(e).__name__})"
        problem = flagfile_problem(lines, seen + (os.path.realpath(path),))
        if problem:
            return problem
    return None


def define_common_flags(flags):
    """Flags of the handout's main.py that both models share (absl flags, as tf.app.flags)."""
    # data
    flags.DEFINE_string("dataset", "mnist", "mnist, cifar10, or a folder's name under --data_dir")
    flags.DEFINE_string("data_dir", "./data", "Folder that holds the datasets")
    flags.DEFINE_string("input_fname_pattern", "*.jpg", "Glob for the images of a folder dataset")
    flags.DEFINE_boolean("conditional", False, "Folder/CIFAR datasets: train the class-conditional model")
    flags.DEFINE_string("classes", "", "Comma-separated classes to keep (e.g. airplane,automobile)")
    flags.DEFINE_string("attribute", "", "celebA: two classes, without and with this attribute "
                        "(e.g. Smiling, Male, Eyeglasses), for --conditional")
    flags.DEFINE_boolean("crop", False, "Centre-crop images before resizing (--crop)")
    flags.DEFINE_integer("input_height", None, "Crop size with --crop [the shorter side]",
                         lower_bound=1, upper_bound=100_000)
    flags.DEFINE_integer("input_width", None, "Crop width [input_height]", lower_bound=1, upper_bound=100_000)
    flags.DEFINE_float("train_size", np.inf, "Use at most this many training images", lower_bound=1)
    flags.DEFINE_boolean("skip_bad_images", False, "Skip unreadable images with a warning")
    flags.DEFINE_enum("mnist_split", "all", ["all", "train"],
                      "MNIST digits to train on: all (the handout's 70k: train + t10k) or train (the "
                      "60k train digits, so t10k stays held out for biggan/compare.py)")
    # training
    flags.DEFINE_boolean("train", False, "Train (--train); without it: test mode")
    flags.DEFINE_integer("epoch", 25, "Epochs to train", lower_bound=1, upper_bound=100_000)
    flags.DEFINE_integer("batch_size", 64, "Images per batch (also the size of sample grids)",
                         lower_bound=1, upper_bound=65_536)
    flags.DEFINE_integer("output_height", None, "Image size the model makes [mnist 28, cifar10 32, else 64]",
                         lower_bound=1, upper_bound=4096)
    flags.DEFINE_integer("output_width", None, "Image width [output_height]", lower_bound=1, upper_bound=4096)
    flags.DEFINE_integer("seed", 0, "Random seed for weights, noise and grids", lower_bound=0,
                         upper_bound=MAX_SEED)
    flags.DEFINE_string("diffaug", "", "DiffAugment: transform what D sees of real and generated "
                        "images alike, any of color,translation,cutout (small folders; '' = off)")
    flags.register_validator("diffaug", known_transforms)
    flags.DEFINE_enum("precision", "fp32", list(PRECISIONS), "Arithmetic: fp32; bf16 (CPUs with "
                      "AVX512_BF16 or AMX); mixed (GPU: float16 with loss scaling)")
    # several GPUs, several machines (distribute.py; README: more than one GPU / more than one server)
    flags.DEFINE_integer("num_gpus", 1, "Train on this many GPUs of this machine, data-parallel: "
                         "--batch_size is split across them (1: one device)", lower_bound=1, upper_bound=64)
    flags.DEFINE_integer("worker_timeout", 300, "Several machines (TF_CONFIG): seconds a machine waits "
                         "for the others (to start, and in each step) before the run stops",
                         lower_bound=1, upper_bound=86_400)
    # output
    flags.DEFINE_string("checkpoint_dir", "checkpoint", "Where checkpoints are saved (a sub-folder per run)")
    flags.DEFINE_string("sample_dir", "samples", "Where sample grids are saved (a sub-folder per run)")
    flags.DEFINE_string("logs_dir", "logs", "TensorBoard summaries and the losses.csv log")
    flags.DEFINE_integer("sample_freq", 100, "Save a sample grid every this many iterations",
                         lower_bound=1, upper_bound=BIG)
    flags.DEFINE_integer("ckpt_freq", 500, "Save a checkpoint every this many iterations",
                         lower_bound=1, upper_bound=BIG)
    flags.DEFINE_integer("print_freq", 1, "Print the loss line every this many iterations",
                         lower_bound=1, upper_bound=BIG)
    flags.DEFINE_integer("log_freq", 10, "Write TensorBoard summaries every this many iterations",
                         lower_bound=1, upper_bound=BIG)
    flags.DEFINE_integer("max_to_keep", 5, "Checkpoints kept", lower_bound=1, upper_bound=1000)
    # test mode
    flags.DEFINE_integer("visualize", -1, "Test mode: also run visualize option 0-4 (-1: none)",
                         lower_bound=-1, upper_bound=4)
    flags.DEFINE_integer("export_samples", 0, "Test mode: write N images + labels to "
                         "samples/<run>/generated_N.npz", lower_bound=0, upper_bound=BIG)


def parse_flags(argv, program=None, usage=(), groups=(), common=True):
    """absl's flag parsing with the lab's --help and a one-line error (e.g. --epoch abc) instead of
    its usage dump. Pass it to app.run as flags_parser (functools.partial with the help: the
    program, usage lines, its own flag groups, and whether it takes the common flags)."""
    if program and any(a in ("--help", "-h", "-?", "--helpshort") for a in argv[1:]):
        import usage as lab_usage  # the --help text: only --help loads it
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `--help | head` ends quietly
        print(lab_usage.help_text(program, list(usage), (lab_usage.FLAG_GROUPS if common else []) + list(groups)))
        sys.exit(0)
    problem = flagfile_problem(argv[1:])
    if problem:
        print_error(f"{problem}; give the flags on the command line, or a short file of them")
        sys.exit(2)
    numbers_only(absl_flags.FLAGS)
    try:
        return absl_flags.FLAGS(argv)
    except absl_flags.Error as e:
        print_error(f"{e}; see --help for the flags")
        sys.exit(2)


def resolve_defaults(FLAGS):
    """Fill the size defaults that depend on the dataset (so MNIST needs no size flags)."""
    if FLAGS.output_height is None:
        FLAGS.output_height = runs.IMAGE_SIZES.get(FLAGS.dataset, 64)
    if FLAGS.output_width is None:
        FLAGS.output_width = FLAGS.output_height
    if FLAGS.input_width is None:
        FLAGS.input_width = FLAGS.input_height
    if FLAGS.dataset == "mnist":
        FLAGS.conditional = True  # the handout's MNIST network is always conditional (y_dim=10)


def class_list(FLAGS):
    """--classes as a list of names (runs.parse_classes: spaces dropped, duplicates refused)."""
    return runs.parse_classes(FLAGS.classes)


def reject_arguments(argv):
    """A script of flags only: anything else on the command line is a one-line error."""
    if len(argv) > 1:
        raise LabError(f"unexpected argument(s) {' '.join(argv[1:])}: flags look like --train or "
                       f"--epoch=5 (booleans: --train / --notrain, not '--train False')")


def validate(FLAGS, argv, model_name):
    """One-line errors for flags that cannot work together, before anything is built or written.
    (Each flag's own range is checked by absl while parsing: see define_common_flags.)"""
    reject_arguments(argv)
    runs.check_dataset_name(FLAGS.dataset, FLAGS.data_dir)
    class_list(FLAGS)  # a class named twice is refused here
    if FLAGS.output_height != FLAGS.output_width:
        raise LabError(f"{model_name} makes square images: set --output_width equal to "
                       f"--output_height (got {FLAGS.output_height}x{FLAGS.output_width})")
    check_fixed_size(FLAGS)
    if FLAGS.dataset not in runs.IMAGE_SIZES and FLAGS.train and \
            not os.path.isdir(os.path.join(FLAGS.data_dir, FLAGS.dataset)):
        if FLAGS.dataset == runs.CELEBA:
            raise LabError(f"CelebA not found in {os.path.join(FLAGS.data_dir, FLAGS.dataset)}; "
                           "run: python download.py celebA")
        raise LabError(f"unknown dataset '{FLAGS.dataset}': use mnist, cifar10, or put images "
                       f"in {os.path.join(FLAGS.data_dir, FLAGS.dataset)}/")
    if FLAGS.mnist_split != "all" and FLAGS.dataset != "mnist":
        raise LabError("--mnist_split applies to --dataset mnist only")
    runs.check_attribute(FLAGS.dataset, FLAGS.attribute)
    if FLAGS.conditional and FLAGS.dataset == runs.CELEBA and not FLAGS.attribute:
        raise LabError("--conditional on celebA needs --attribute NAME (e.g. --attribute Smiling): "
                       "the two classes are faces without and with it")
    if FLAGS.precision != "fp32":
        import precision
        problem = precision.problem(FLAGS.precision, tfstart.gpu_may_be_used())
        if problem:
            raise LabError(problem)


def check_fixed_size(FLAGS):
    """MNIST (28x28) and CIFAR-10 (32x32) come in one size. The handout's own command names it
    (`--input_height=28 --output_height=28`): a size equal to the images' is accepted; another
    one cannot be honoured (nothing is cropped or resized) and is a one-line error saying so."""
    size = runs.IMAGE_SIZES.get(FLAGS.dataset)
    if size is None:
        return
    name = "MNIST digits" if FLAGS.dataset == "mnist" else "CIFAR-10 images"
    if FLAGS.output_height != size:
        raise LabError(f"{name} are {size}x{size} and the model makes them at that size: use "
                       f"--output_height={size} (the default for {FLAGS.dataset}) or leave it out")
    for flag in ("input_height", "input_width"):
        if getattr(FLAGS, flag) not in (None, size):
            raise LabError(f"{name} are {size}x{size} and are used whole: --{flag}={getattr(FLAGS, flag)} "
                           f"would crop nothing; use --{flag}={size} or leave it out")
    if FLAGS.crop:
        raise LabError(f"{name} are used whole at {size}x{size}: --crop applies to image folders; "
                       "leave it out")


def run_script(main, help):
    """The one way every script runs (the handout's tf.app.run): absl parses the flags (the lab's
    --help, one-line flag errors), then main(argv) runs through errors.run_or_exit (one line
    `error: ...` instead of a traceback). help: parse_flags' keywords (program, usage, groups)."""
    app.run(lambda argv: run_or_exit(main, argv), flags_parser=functools.partial(parse_flags, **help))


def run_folders(FLAGS, model):
    """The run these flags train or test with `model` ("DCGAN" or "BigGAN"): its folders
    (runs.Folders: checkpoint, samples, logs), each named after the run (runs.run_name). Made
    once, here, and handed down to everything that writes them."""
    name = runs.run_name(model, FLAGS.dataset, FLAGS.output_height, FLAGS.conditional, class_list(FLAGS),
                         FLAGS.attribute, FLAGS.mnist_split)
    return runs.folders(name, FLAGS.checkpoint_dir, FLAGS.sample_dir, FLAGS.logs_dir)


def check_run_folders(FLAGS, folders):
    """Every folder the run will write to, tested now, not after hours of training."""
    check_writable(folders.checkpoint, "checkpoint dir")
    check_writable(folders.samples, "sample dir")
    if FLAGS.train:
        check_writable(folders.logs, "logs dir")


def several_devices(FLAGS):
    """Whether this training run asks for several GPUs or machines (--num_gpus, TF_CONFIG)."""
    return FLAGS.train and (FLAGS.num_gpus > 1 or bool(os.environ.get("TF_CONFIG", "").strip()))


def check_replicas(FLAGS):
    """--num_gpus and TF_CONFIG (several machines), checked before TensorFlow starts: TF_CONFIG
    parses, the batch splits evenly over the replicas of every machine. Returns the cluster (None:
    one machine). Test mode samples on one device and ignores both."""
    if not several_devices(FLAGS):
        return None
    import distribute
    cluster = distribute.cluster_from_environment()
    distribute.check_batch(FLAGS.batch_size, FLAGS.num_gpus, cluster)
    return cluster


def prepare(FLAGS, model, program, images_per_iteration, cluster=None):
    """What both mains do before TensorFlow starts, so that every mistake costs a second: the run's
    folders (checked for writing; on a multi-machine run by the chief only, which alone writes), the
    first line, and then the training data (checked against what the run trained on before) or, in
    test mode, the run's config.json. Returns (folders, data or None)."""
    folders = run_folders(FLAGS, model)
    if cluster is None or cluster.is_chief:
        check_run_folders(FLAGS, folders)
    print(first_line(model, FLAGS), flush=True)
    if not FLAGS.train:
        runs.read_config(folders.checkpoint, program, FLAGS.dataset)
        return folders, None
    data = load_training_data(FLAGS, images_per_iteration)
    check_same_data(folders.checkpoint, data_record(FLAGS, data))
    return folders, data


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


def training_split(FLAGS):
    """What a run trains on: MNIST's --mnist_split (the handout's "all" 70,000 digits by default),
    the train split of every other dataset (datasets.load_dataset)."""
    return FLAGS.mnist_split if FLAGS.dataset == "mnist" else "train"


def load_training_data(FLAGS, images_per_iteration, log=print):
    """The training images as a datasets.Dataset, checked against what one iteration needs."""
    import datasets  # a training run's: test mode needs no data
    data = datasets.load_dataset(FLAGS.dataset, FLAGS.data_dir, FLAGS.input_fname_pattern,
                                 FLAGS.output_height, crop_size(FLAGS), FLAGS.crop,
                                 class_list(FLAGS), FLAGS.skip_bad_images, split=training_split(FLAGS),
                                 attribute=FLAGS.attribute or None, log=log)
    usable = int(min(len(data.images), FLAGS.train_size))
    if usable < len(data.images):
        log(f"--train_size {usable}: training on {usable:,} of the {len(data.images):,} images (the same ones "
            "every epoch)")
    if FLAGS.batch_size > usable:
        raise LabError(f"--batch_size {FLAGS.batch_size} is larger than the {usable} training "
                       "images: lower --batch_size or add images")
    if images_per_iteration > usable:  # BigGAN: a fresh real batch for each of its D steps
        raise LabError(f"one iteration needs batch_size x num_D_steps = {images_per_iteration} images, "
                       "more than the training set: lower --batch_size or --num_D_steps")
    if FLAGS.conditional and data.labels is None:
        raise LabError(f"--conditional needs labels: put the images of "
                       f"{os.path.join(FLAGS.data_dir, FLAGS.dataset)} in one sub-folder per class")
    if FLAGS.conditional and len(data.class_names) < 2:  # one class: a label that says nothing
        raise LabError(f"--conditional needs at least 2 classes; the training images are of one class only "
                       f"({', '.join(data.class_names)}; a class folder without {FLAGS.input_fname_pattern} "
                       "images is none): add another class's images, or train without --conditional")
    return data


def data_record(FLAGS, data):
    """What a run trains on, saved in its config.json: a comparison reads what was held out (the
    split and, for folders, the rule that made it), and a resume that the images are the same
    (their digest: datasets.data_digest)."""
    record = {"dataset": FLAGS.dataset, "split": data.split, "classes": class_list(FLAGS),
              "attribute": FLAGS.attribute or None, "crop": bool(FLAGS.crop), "input_size": crop_size(FLAGS),
              "pattern": FLAGS.input_fname_pattern, "source": data.source, "digest": data.digest,
              "num_images": int(min(len(data.images), FLAGS.train_size))}
    if FLAGS.dataset not in runs.IMAGE_SIZES:
        from image_folders import HOLDOUT_RULE  # a folder's held-out images (loaded with the folder)
        record["holdout_rule"] = HOLDOUT_RULE
    return record


def check_same_data(folder, record):
    """Resuming a run on other images than it was trained on would silently mix two datasets
    (e.g. the same class names from another --data_dir): refuse, naming both. Runs saved before
    the digest existed are not checked. folder: the run's checkpoint folder."""
    saved = runs.read_record(folder, "data")
    if saved.get("digest") and saved["digest"] != record["digest"]:
        raise LabError(f"{folder} was trained on other images ({saved.get('num_images', '?')} from "
                       f"{saved.get('source', '?')}) than this run would use ({record['num_images']} from "
                       f"{record['source']}); resume with the same images, or start a new run with "
                       "another --checkpoint_dir")


def train_config(FLAGS, folders, reshuffle):
    """The flags train() uses, as a plain record (the handout passes FLAGS as `config`), with the
    run's folders (run_folders)."""
    import training  # a training run's helpers (so are training_run's and exit_as'): test mode skips them
    return training.TrainConfig(
        epoch=FLAGS.epoch, train_size=FLAGS.train_size, seed=FLAGS.seed, reshuffle=reshuffle,
        sample_freq=FLAGS.sample_freq, ckpt_freq=FLAGS.ckpt_freq, print_freq=FLAGS.print_freq,
        log_freq=FLAGS.log_freq, folders=folders, dataset=FLAGS.dataset,
        diffaug=diffaug_policy(FLAGS.diffaug), precision=FLAGS.precision)


# ----------------------------------------------------------------------------- what the lab adds

def start_replicas(FLAGS, cluster):
    """Where a training run's step runs: tfstart.OneDevice() (the handout's run, and test mode),
    or distribute.Replicas for --num_gpus and TF_CONFIG's machines, with a line saying so. Once
    TensorFlow has started."""
    if not several_devices(FLAGS):
        return tfstart.OneDevice()
    import distribute
    replicas = distribute.start(FLAGS.num_gpus, cluster, FLAGS.worker_timeout)
    print(replicas.describe(FLAGS.batch_size), flush=True)
    return replicas


def diffaug_policy(text):
    """--diffaug as the names of its transforms in the paper's order, 'color,cutout' ('' = off)."""
    if not text or not text.strip(" ,"):
        return ""
    import diffaug
    return ",".join(diffaug.parse_policy(text))


def augmentation(policy):
    """What the models apply to every image D sees (their `augment`): DiffAugment's T with the
    transforms of --diffaug (diffaug.py); None when it is off (D sees the images themselves)."""
    if not diffaug_policy(policy):
        return None
    import diffaug

    def augment(images, value_range=(-1.0, 1.0)):  # the models' images: tanh's [-1, 1] or sigmoid's [0, 1]
        return diffaug.augment(images, policy, value_range)
    return augment


def optimizer_wrapper(precision, replicas):
    """What the models wrap each Adam in (their `wrap_optimizer`): float16's loss scaling
    (--precision mixed, precision.py), then each replica's share of the loss (several GPUs,
    distribute.py); None when neither applies (Adam as it is)."""
    wrappers = []
    if precision == "mixed":
        from precision import loss_scaled
        wrappers.append(loss_scaled)
    if replicas.count > 1:
        wrappers.append(replicas.share_loss)
    if not wrappers:
        return None
    return lambda optimizer: functools.reduce(lambda inner, wrap: wrap(inner), wrappers, optimizer)


def session(tf1, replicas, precision="fp32"):
    """The handout's tf.Session, on the replicas' target (several machines: this one's server),
    with --precision's arithmetic (precision.py)."""
    config = tfstart.session_config(tf1)
    if precision != "fp32":
        import precision as arithmetic
        config = arithmetic.configure(config, precision)
    return tf1.Session(replicas.target, config=replicas.session_config(config))


# ----------------------------------------------------------------------------- around training

@contextlib.contextmanager
def training_run(model, folders):
    """Around model.train: the run's checkpoint folder locked (one training run per folder), what
    a killed run left behind removed, and the ways a run fails as one line: losses that turned NaN
    (nothing saved) or, on several machines, another machine that stopped (the chief's last
    checkpoint resumes the run). Only the chief of several machines writes: the others take no lock."""
    import training
    writes = model.replicas.writes_files
    with checkpoints.RunLock(folders.checkpoint) if writes else contextlib.nullcontext():
        if writes:
            checkpoints.clean_temporary_files(folders.checkpoint)  # what a killed save left behind
            for folder in (folders.samples, folders.logs):  # and killed grid or log writes
                remove_stale_temporary(folder)
        try:
            yield
        except training.Diverged as e:
            raise LabError(f"{e}; {last_checkpoint(folders.checkpoint, model)}. Nothing was saved: try a "
                           "lower learning rate (or resume from that checkpoint with one)")
        except model.replicas.lost_machine_errors as e:  # one machine: none
            raise LabError(model.replicas.lost_machine_message(e, resume_point(folders.checkpoint, model, writes)))


def exit_as(stop, counter):
    """How a training run ended, as the exit code: 0 when finished; 130 after Ctrl-C and 143 after
    SIGTERM (a checkpoint was saved: a script can tell an interrupted run from a finished one); a
    one-line error when an output could not be written (the checkpoint saved if the disk allowed)."""
    import training
    if stop.failure is not None:
        raise LabError(f"{training.failure_message(stop.failure)}: stopped after saving the checkpoint "
                       f"at iteration {counter}; free some space (or fix the folder) and run the same "
                       "command to resume")
    if stop.requested:
        sys.exit(stop.exit_code())


def resume_point(folder, model, writes):
    """Where a multi-machine run resumes after losing a machine (a phrase): the chief's newest
    checkpoint. writes: whether this is the chief (the others do not see its folder)."""
    if not writes:
        return "the chief's last checkpoint"
    steps = checkpoints.checkpoint_steps(folder, model.checkpoint_name)
    return f"its checkpoint at iteration {steps[-1]} in {folder}" if steps else \
        "the start (no checkpoint was saved yet)"


def last_checkpoint(folder, model):
    """'the last good checkpoint is iteration N in folder' (or that there is none), for errors."""
    steps = checkpoints.checkpoint_steps(folder, model.checkpoint_name)
    return f"the last good checkpoint is iteration {steps[-1]} in {folder}" if steps else \
        "no checkpoint was saved before it"
