"""Compare the trained DCGAN and BigGAN with real metrics, and write a report you can hand in.

MNIST (each line runs in the repository root; the first two train the models):

    python main.py --dataset mnist --train
    python biggan/main.py --dataset mnist --train
    python biggan/compare.py --dataset mnist

Two CIFAR-10 classes (airplane, automobile), class-conditional; the evaluation classifier
is trained on the same two classes first:

    python download.py cifar10
    python main.py --dataset cifar10 --classes airplane,automobile --conditional --train
    python biggan/main.py --dataset cifar10 --classes airplane,automobile --conditional --train --ch 32
    python biggan/train_classifier.py --dataset cifar10 --classes airplane,automobile --output_size 32
    python biggan/compare.py --dataset cifar10 --classes airplane,automobile --conditional

What it does: loads the latest checkpoint of each model, draws --num_samples images from each
(the same class mix, a fixed seed, saved as uint8 like --export_samples), and scores them
against the real TEST split with the shipped classifier (evaluation/classifier.py): FID and KID
on its features, an Inception-style score and class accuracy on its softmax. A "real" row
scores real TRAIN images the same way: the best a generator could hope for at this N.
With InceptionV3 weights (--inception_weights PATH, or Keras' cached download) it also
reports the usual Inception FID. Everything goes to report/: report.md (the table and
a paragraph saying who wins), metrics.json (every number), classes.png (per-class samples
side by side) and losses.png (both runs' loss curves).

The numbers are comparable between models scored by the same classifier and N only, not
with papers (those use InceptionV3 on ImageNet-like images and N = 50,000).
"""
import os
import sys

# Running `python biggan/compare.py` puts biggan/ on sys.path, not the repo root;
# add the root so the lab's top-level modules (cli, utils, datasets, model) and `biggan` import.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402  (after the sys.path line on purpose)
import time  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # draw into files; no window (works on a server without a display)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tfstart  # noqa: E402

tf = tfstart.import_tensorflow()  # before the modules below import it: start-up chatter hidden
import cli  # noqa: E402
from evaluation import metrics  # noqa: E402
from evaluation.classifier import FEATURE_DIM, Classifier, default_path  # noqa: E402
from biggan.model import BigGAN  # noqa: E402
from biggan.train_classifier import load_splits  # noqa: E402
from model import DCGAN  # noqa: E402
from errors import LabError, run_or_exit  # noqa: E402
from training import format_seconds, read_loss_log  # noqa: E402
from utils import atomic_write, class_rows, cycle_labels, merge, read_json, to_uint8, write_json  # noqa: E402

tf1 = tf.compat.v1

TRAIN_SCRIPTS = {"DCGAN": "main.py", "BigGAN": "biggan/main.py"}
# Which config.json keys are constructor arguments of each model (the rest is bookkeeping).
CONSTRUCTOR_KEYS = {
    "DCGAN": ["y_dim", "z_dim", "c_dim", "output_height", "output_width", "gf_dim", "df_dim",
              "gfc_dim", "dfc_dim", "class_names"],
    "BigGAN": ["output_size", "c_dim", "num_classes", "class_names", "z_dim", "ch", "shared_dim",
               "attention_res"],
}
INCEPTION_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_DIM = 2048  # InceptionV3's pooled features
PER_CLASS = 10        # images per class and model in classes.png


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Compare the DCGAN and the BigGAN; write report/.")
    parser.add_argument("--dataset", default="mnist", help="mnist, cifar10, or a folder under --data_dir")
    parser.add_argument("--classes", default="", help="comma-separated classes the models were trained on")
    parser.add_argument("--conditional", action="store_true", help="the models are class-conditional "
                        "(always true for mnist)")
    parser.add_argument("--output_size", type=int, default=None,
                        help="image size [mnist 28, cifar10 32, else 64]")
    parser.add_argument("--dcgan_dir", default=None, help="[checkpoint/<dataset>_<size>_<size>]")
    parser.add_argument("--biggan_dir", default=None, help="[checkpoint/biggan_<dataset>_<size>_<size>]")
    parser.add_argument("--logs_dir", default="logs", help="where the runs' losses.csv files are")
    parser.add_argument("--data_dir", default="./data")
    parser.add_argument("--input_fname_pattern", default="*.jpg", help="glob of a folder's images")
    parser.add_argument("--num_samples", type=int, default=10000, help="images per model (N)")
    parser.add_argument("--report_dir", default="report")
    parser.add_argument("--classifier", default=None, help="[evaluation/classifiers/<dataset>.npz]")
    parser.add_argument("--inception_weights", default=None,
                        help="InceptionV3 no-top .h5 weights: adds the usual Inception FID "
                        f"[$KERAS_HOME or ~/.keras, models/{INCEPTION_FILE}, if there]")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def resolve_defaults(args):
    """Fill the defaults that depend on --dataset, naming folders as the training scripts do
    (cli.run_name), so `--dataset mnist` alone finds both MNIST runs."""
    if args.dataset not in cli.DEFAULT_SIZES and not os.path.isdir(os.path.join(args.data_dir, args.dataset)):
        raise LabError(f"unknown dataset '{args.dataset}': use mnist, cifar10, or a folder of "
                       f"images in {os.path.join(args.data_dir, args.dataset)}/")
    if args.num_samples < 2:
        raise LabError(f"--num_samples must be at least 2 (got {args.num_samples})")
    args.output_size = args.output_size or cli.DEFAULT_SIZES.get(args.dataset, 64)
    flags = SimpleNamespace(dataset=args.dataset, classes=args.classes, conditional=args.conditional,
                            output_height=args.output_size, output_width=args.output_size,
                            mnist_split=getattr(args, "mnist_split", "all"))
    run_name = cli.run_name(flags)
    args.dcgan_dir = args.dcgan_dir or os.path.join("checkpoint", run_name)
    args.biggan_dir = args.biggan_dir or os.path.join("checkpoint", "biggan_" + run_name)
    args.classifier = args.classifier or default_path(args.dataset)
    return args


# ----------------------------------------------------------------------------- the two generators

def train_command(kind, args):
    """The command that trains the missing model, for error messages."""
    extra = (f" --classes {args.classes}" if args.classes else "") + \
        (" --conditional" if args.conditional else "") + \
        (f" --output_height {args.output_size}"
         if args.output_size != cli.DEFAULT_SIZES.get(args.dataset, 64) else "")
    return f"python {TRAIN_SCRIPTS[kind]} --dataset {args.dataset}{extra} --train"


def read_run_config(folder, kind, args):
    """config.json of a training run, or a LabError that says how to make it (and which runs
    there are, in case only the flags differ)."""
    path = os.path.join(folder, "config.json")
    if not os.path.exists(path):
        parent = os.path.dirname(os.path.normpath(folder)) or "."
        runs = sorted(os.listdir(parent)) if os.path.isdir(parent) else []
        found = f" (found in {parent}: {', '.join(runs)})" if runs else ""
        raise LabError(f"no trained {kind} in {folder}{found}; train it first: "
                       f"{train_command(kind, args)}, or pass --{kind.lower()}_dir")
    config = read_json(path)
    if config.get("model") != kind:
        raise LabError(f"{folder} holds a {config.get('model')} checkpoint, not a {kind}; "
                       f"check --dcgan_dir and --biggan_dir")
    return config


def model_is_conditional(config):
    """Whether a saved model takes class labels (DCGAN: y_dim; BigGAN: num_classes)."""
    return bool(config.get("y_dim") or config.get("num_classes"))


def task_of(config):
    """What a model was trained to make: the things both models must share to be compared.
    (An unconditional DCGAN still records the folder's class names; they do not count.)"""
    return {"dataset": config["dataset"],
            "image size": config.get("output_size") or config.get("output_height"),
            "channels": config["c_dim"],
            "classes": ",".join(config["class_names"]) if model_is_conditional(config)
            else "none (unconditional)"}


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


def load_generator(folder, kind, args):
    """Rebuild the network saved in folder/config.json in its own graph and session (so the two
    models' variables never mix) and restore its latest checkpoint.

    Checkpoints hold only weights; config.json holds the architecture that fits them.
    """
    config = read_run_config(folder, kind, args)
    graph = tf.Graph()
    with graph.as_default():
        sess = tf1.Session(graph=graph)
        settings = {key: config[key] for key in CONSTRUCTOR_KEYS[kind]}
        place = dict(dataset_name=config["dataset"], model_dir=os.path.basename(os.path.abspath(folder)))
        model = (DCGAN if kind == "DCGAN" else BigGAN)(sess, **settings, **place)
        sess.run(tf1.global_variables_initializer())
        found, iteration = model.load(os.path.dirname(os.path.abspath(folder)))
    if not found:
        raise LabError(f"{folder} has a config.json but no checkpoint; train it: {train_command(kind, args)}")
    print(f" [*] Loaded the {kind} of {folder} at iteration {iteration}")
    return model


def count_parameters(model):
    """Trainable weights of G and D (the variable scopes 'generator' and 'discriminator')."""
    with model.sess.graph.as_default():
        return {part: int(sum(np.prod(v.shape.as_list()) for v in tf1.trainable_variables(scope)))
                for part, scope in (("G", "generator"), ("D", "discriminator"))}


def generate_samples(model, n, seed):
    """n images as uint8 (what a student would save) for labels 0, 1, ..., K-1, 0, 1, ...

    Returns (images, labels or None, seconds per 1,000 images). A small warm-up batch runs
    first, so the timing leaves out TensorFlow's one-off set-up of the graph.
    """
    rng = np.random.RandomState(seed)
    labels = cycle_labels(n, model.num_classes) if model.num_classes else None
    model.generate(model.sample_noise(np.random.RandomState(seed + 1), 10),
                   None if labels is None else labels[:10])
    start = time.perf_counter()
    images = to_uint8(model.generate(model.sample_noise(rng, n), labels))
    return images, labels, 1000.0 * (time.perf_counter() - start) / n


# ----------------------------------------------------------------------------- real data and metrics

def load_real_data(args, image_size):
    """(train, test) splits as uint8 Datasets: MNIST's official 60k/10k, CIFAR-10's batches,
    or a folder's every-10th-image hold-out (biggan/train_classifier.load_splits: the same
    splits the classifier was judged on). The test split must be large enough for FID."""
    train, test = load_splits(SimpleNamespace(dataset=args.dataset, data_dir=args.data_dir,
                                              classes=args.classes, output_size=image_size,
                                              input_fname_pattern=args.input_fname_pattern))
    if len(test.images) < FEATURE_DIM:
        raise LabError(f"the real test split of {args.dataset} has {len(test.images)} images, fewer "
                       f"than the classifier's {FEATURE_DIM} features, too few for FID; add images "
                       "(a folder holds every 10th image out as its test split)")
    return train, test


def subsample(data, n, seed):
    """n images of a Dataset (all of them when it has fewer), chosen with the seed."""
    pick = np.sort(np.random.RandomState(seed).permutation(len(data.images))[:n])
    return data.images[pick], data.labels[pick]


def to_classifier_labels(classifier, class_names, labels):
    """Class indices of a model or dataset -> the classifier's indices for the same names
    (e.g. CIFAR airplane,automobile models against a 10-class classifier)."""
    missing = [name for name in class_names if name not in classifier.class_names]
    if missing:
        raise LabError(f"the classifier {classifier.dataset} knows the classes "
                       f"{', '.join(classifier.class_names)}, not {', '.join(missing)}; train one for "
                       "these classes with biggan/train_classifier.py --classes ...")
    index = np.array([classifier.class_names.index(name) for name in class_names])
    return index[np.asarray(labels)]


def describe(classifier, images, with_probs=True):
    """Classifier features, their mean/covariance, and (unless with_probs is False: the real
    test images need none) the softmax probabilities of an image set.

    Raises (metrics.feature_stats) LabError when there are fewer images than feature dimensions.
    """
    features = classifier.features(images)
    return {"features": features, "stats": metrics.feature_stats(features),
            "probs": classifier.probs(images) if with_probs else None}


def score(images_info, reference, classifier, labels, seed):
    """One table row: FID, KID, score, and class accuracy (when labels are given) of a described
    image set against the described real test images. labels are classifier indices."""
    kid_mean, kid_std = metrics.kid(images_info["features"], reference["features"], seed=seed)
    row = {"fid": metrics.frechet_from_stats(*images_info["stats"], *reference["stats"]),
           "kid_mean": kid_mean, "kid_std": kid_std,
           "score": metrics.inception_score(images_info["probs"])}
    if labels is not None:
        acc = metrics.class_accuracy(images_info["probs"], labels, classifier.num_classes)
        row.update(class_accuracy=acc["overall"], worst_class=classifier.class_names[acc["worst_class"]],
                   worst_class_accuracy=acc["worst"],
                   per_class_accuracy={classifier.class_names[k]: a for k, a in enumerate(acc["per_class"])
                                       if not np.isnan(a)})
    return row


# ----------------------------------------------------------------------------- Inception FID (optional)

def inception_weights_path(args):
    """--inception_weights, else Keras' cached download, else None. Never random weights:
    a FID from an untrained network would look like a number and mean nothing."""
    if args.inception_weights:
        if not os.path.isfile(args.inception_weights):
            raise LabError(f"--inception_weights {args.inception_weights} is not a file")
        return args.inception_weights
    keras_home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    cached = os.path.join(keras_home, "models", INCEPTION_FILE)
    return cached if os.path.isfile(cached) else None


def inception_features(network, images, batch=50):
    """Pooled InceptionV3 features [N, 2048] of uint8 images: resized to 299x299, made RGB,
    scaled to [-1, 1] as InceptionV3 expects. Batch by batch, so memory stays small."""
    out = []
    for start in range(0, len(images), batch):
        x = tf.image.resize(tf.cast(images[start:start + batch], tf.float32), (299, 299))
        if x.shape[-1] == 1:
            x = tf.image.grayscale_to_rgb(x)
        x = tf.keras.applications.inception_v3.preprocess_input(x)
        out.append(network(x, training=False).numpy())
    return np.concatenate(out).astype(np.float64)


def inception_fids(weights, image_sets, reference_images, num_samples):
    """{row: Inception FID against the real test images} and a note; rows skipped with a note
    when there are no weights or fewer images than InceptionV3's 2048 features."""
    if weights is None:
        return {}, "Inception FID skipped: no InceptionV3 weights (pass --inception_weights PATH)"
    if num_samples < INCEPTION_DIM:
        return {}, (f"Inception FID skipped: it needs at least {INCEPTION_DIM} samples "
                    f"(--num_samples {num_samples})")
    try:
        network = tf.keras.applications.InceptionV3(include_top=False, pooling="avg", weights=weights,
                                                    input_shape=(299, 299, 3))
    except (ValueError, OSError) as e:
        raise LabError(f"cannot load InceptionV3 weights {weights} ({type(e).__name__}: {e}); "
                       f"pass the no-top file {INCEPTION_FILE}")
    print(" [*] Inception FID: InceptionV3 features of the real test images (slow on a CPU)...")
    reference = metrics.feature_stats(inception_features(network, reference_images))
    fids = {}
    for row, images in image_sets.items():
        fids[row] = metrics.frechet_from_stats(
            *metrics.feature_stats(inception_features(network, images)), *reference)
    return fids, f"Inception FID: InceptionV3 pool features ({weights})"


# ----------------------------------------------------------------------------- pictures

def save_figure(fig, path):
    """Write a matplotlib figure as PNG atomically and free it."""
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight"))
    plt.close(fig)


def real_header(test, num_classes, columns, seed):
    """`columns` real test images for the top row: classes 0, 1, ..., cycling (random images
    of an unconditional dataset). Floats in [0, 1]."""
    rng = np.random.RandomState(seed)
    if not num_classes:
        return test.images[rng.choice(len(test.images), columns, replace=False)] / 255.0
    picks = [rng.choice(np.flatnonzero(test.labels == k)) for k in cycle_labels(columns, num_classes)]
    return test.images[picks] / 255.0


def save_side_by_side_grid(path, models, test, seed):
    """classes.png: per class a row of 10 DCGAN samples, a gap, 10 BigGAN samples; a row of
    real test images on top. Unconditional models get 5 rows of random samples."""
    num_classes = models["DCGAN"].num_classes
    rows = num_classes or 5
    labels = class_rows(num_classes, PER_CLASS) if num_classes else None
    h, w, c = test.images.shape[1:]
    line = np.ones((2, PER_CLASS * w, c))  # a white line under the real images
    blocks = []
    for i, model in enumerate(models.values()):
        images = model.generate(model.sample_noise(np.random.RandomState(seed), rows * PER_CLASS), labels)
        header = real_header(test, num_classes, PER_CLASS, seed + i)
        blocks.append(np.concatenate([merge(header, (1, PER_CLASS)), line,
                                      merge(images, (rows, PER_CLASS))]))
    gap = np.ones((blocks[0].shape[0], w // 2, c))
    canvas = np.concatenate([blocks[0], gap, blocks[1]], axis=1)
    fig, ax = plt.subplots(figsize=(canvas.shape[1] / 50, canvas.shape[0] / 50))
    ax.imshow(canvas[..., 0] if c == 1 else canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([PER_CLASS * w / 2, canvas.shape[1] - PER_CLASS * w / 2], list(models))
    ax.xaxis.tick_top()
    names = models["DCGAN"].class_names if num_classes else ["samples"] * rows
    ax.set_yticks([h / 2] + [h + 2 + h * (i + 0.5) for i in range(rows)], ["real (test)"] + list(names))
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    save_figure(fig, path)


def smooth(values, window):
    """Moving average (the raw GAN losses jump a lot from step to step)."""
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def save_loss_curves(path, logs):
    """losses.png: d_loss and g_loss against the step, one panel each, both runs in each.
    `logs` maps a model name to its read_loss_log dict, or None when its losses.csv is missing."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, key, title in zip(axes, ("d_loss", "g_loss"), ("discriminator loss", "generator loss")):
        for (kind, log), color in zip(logs.items(), ("tab:blue", "tab:orange")):
            if log is None or len(log["step"]) == 0:
                continue
            window = max(1, len(log["step"]) // 50)
            ax.plot(log["step"], log[key], color=color, alpha=0.25, linewidth=0.8)
            ax.plot(log["step"][window - 1:], smooth(log[key], window), color=color, label=kind)
        ax.set_title(title)
        ax.set_xlabel("iteration")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
        else:
            ax.text(0.5, 0.5, "no losses.csv found", ha="center", transform=ax.transAxes)
    save_figure(fig, path)


def read_losses(args, folder):
    """The run's losses.csv (logs/<checkpoint folder name>/losses.csv) and its path; None if missing."""
    path = os.path.join(args.logs_dir, os.path.basename(os.path.normpath(folder)), "losses.csv")
    return (read_loss_log(path) if os.path.exists(path) else None), path


# ----------------------------------------------------------------------------- the report

def fmt(value, spec):
    return "—" if value is None else format(value, spec)


def table(results):
    """The comparison as a Markdown table (also printed at the end)."""
    inception = any(r.get("inception_fid") is not None for r in results.values())
    header = ["", "FID ↓", "KID ↓", "score ↑", "class acc. ↑", "worst class ↑", "params G / D",
              "iterations", "train time", "images/s", "sample s/1000"]
    header += ["Inception FID ↓"] if inception else []
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results.values():
        worst = "—" if r.get("worst_class") is None else \
            f"{r['worst_class_accuracy']:.1%} ({r['worst_class']})"
        params = "—" if "params_G" not in r else f"{r['params_G'] / 1e6:.2f}M / {r['params_D'] / 1e6:.2f}M"
        train_time = "—" if r.get("train_seconds") is None else format_seconds(r["train_seconds"])
        cells = [r["label"], f"{r['fid']:.2f}", f"{r['kid_mean']:.3g} ± {r['kid_std']:.2g}",
                 f"{r['score']:.2f}", fmt(r.get("class_accuracy"), ".1%"), worst, params,
                 fmt(r.get("iterations"), ","), train_time, fmt(r.get("images_per_second"), ".1f"),
                 fmt(r.get("sample_seconds_per_1000"), ".3f")]
        if inception:
            cells.append(fmt(r.get("inception_fid"), ".2f"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def margin(key, winner, loser):
    """How much better the winner is: a ratio for the FIDs, percentage points for accuracies,
    a difference otherwise (KID can be negative, so no ratio there)."""
    if key in ("fid", "inception_fid") and winner > 0:
        ratio = loser / winner
        return f"{ratio:.1f}x lower" if ratio >= 1.5 else f"{100 * (1 - winner / loser):.0f}% lower"
    if key.endswith("accuracy"):
        return f"{100 * abs(winner - loser):.1f} percentage points"
    return f"by {abs(winner - loser):.3g}"


def verdicts(results, num_samples):
    """Sentences saying which model wins each metric, by how much, and the real-data floor."""
    dcgan, biggan, real = results["dcgan"], results["biggan"], results["real"]
    checks = [("FID", "fid", "lower"), ("KID", "kid_mean", "lower"), ("Score", "score", "higher"),
              ("Class accuracy", "class_accuracy", "higher"),
              ("Worst-class accuracy", "worst_class_accuracy", "higher"),
              ("Inception FID", "inception_fid", "lower")]
    sentences = []
    for name, key, better in checks:
        if dcgan.get(key) is None or biggan.get(key) is None:
            continue
        show = (lambda v: f"{v:.1%}") if key.endswith("accuracy") else (lambda v: f"{v:.3g}")
        a, b = dcgan[key], biggan[key]
        floor = "" if real.get(key) is None else f"; real data: {show(real[key])}"
        if a == b:
            sentences.append(f"{name}: a tie ({show(a)}{floor}).")
            continue
        biggan_wins = (b < a) if better == "lower" else (b > a)
        (win, w), (lose, l) = (("BigGAN", b), ("DCGAN", a)) if biggan_wins else (("DCGAN", a), ("BigGAN", b))
        text = f"{name}: the {win} wins ({show(w)} vs {show(l)}, {margin(key, w, l)}{floor})"
        if key == "kid_mean" and abs(a - b) < max(dcgan["kid_std"], biggan["kid_std"]):
            text += ", but the gap is smaller than the KID's std: not a clear win"
        sentences.append(text + ".")
    speeds = {"DCGAN": dcgan["sample_seconds_per_1000"], "BigGAN": biggan["sample_seconds_per_1000"]}
    faster, slower = sorted(speeds, key=speeds.get)
    sentences.append(f"Sampling: the {faster} is faster ({speeds[faster]:.3f} vs {speeds[slower]:.3f} s "
                     f"per 1,000 images). Training budgets: DCGAN {dcgan['iterations']:,} iterations in "
                     f"{format_seconds(dcgan['train_seconds'] or 0)}, BigGAN {biggan['iterations']:,} "
                     f"in {format_seconds(biggan['train_seconds'] or 0)}; a fair comparison gives both "
                     "about the same time.")
    if num_samples < 10000:
        sentences.append(f"With N = {num_samples:,} the FID is biased upwards (even real images score "
                         f"{real['fid']:.3g}); use N = 10,000 for the numbers you hand in.")
    return " ".join(sentences)


def write_report(path, setup, results):
    """report.md: what was compared and how, the table, who wins, the pictures."""
    accuracy = fmt(setup["classifier_test_accuracy"], ".2%")
    missing_logs = [f"no loss log for the {kind} (`{p}` is missing): its curve is skipped."
                    for kind, p in setup["missing_loss_logs"].items()]
    text = "\n".join([
        f"# DCGAN vs BigGAN on {setup['dataset']}{' (' + setup['classes'] + ')' if setup['classes'] else ''}",
        "",
        f"- Models: DCGAN `{setup['dcgan_dir']}`, BigGAN `{setup['biggan_dir']}`.",
        f"- Samples: N = {setup['num_samples']:,} per model, classes cycled evenly, seed {setup['seed']}, "
        "saved as 8-bit images before scoring.",
        f"- Reference: the real **test** split ({setup['reference_images']:,} images, never used "
        "in training).",
        f"- Real-data floor: {setup['floor_images']:,} real **train** images scored the same way: "
        "what a perfect generator would get at this N.",
        f"- Classifier: `{setup['classifier']}` (test accuracy {accuracy}). FID and KID use its "
        f"{setup['feature_dim']}-d penultimate features, the score (Inception-style, between 1 and "
        "the number of classes) and the class accuracy its softmax. Comparable between these "
        "models, not with published numbers.",
        f"- {setup['inception_note']}.",
        "",
        table(results),
        "",
        "FID, KID: lower is better (0 = the same distribution as the test images). Score, class "
        "accuracy: higher is better; class accuracy is how often the classifier recognises the class "
        "the model was asked for, the worst class shows a class the model gets wrong most.",
        "",
        "## Who wins",
        "",
        verdicts(results, setup["num_samples"]),
        "",
        "## Samples",
        "",
        ("One row per class" if setup["conditional"] else "Random samples in rows") +
        ": real test images on top, 10 DCGAN samples left, 10 BigGAN samples right.",
        "",
        "![samples per class](classes.png)",
        "",
        "## Training losses",
        "",
        "The DCGAN minimises cross-entropy (1 D step + 2 G steps an iteration), the BigGAN the "
        "hinge loss (several D steps per G step): compare the shapes of the curves, not the values.",
        *[f"\n{line}" for line in missing_logs],
        "",
        "![loss curves](losses.png)",
        "",
    ])
    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    atomic_write(path, write)


# ----------------------------------------------------------------------------- main

def read_both_runs(args):
    """Both config.json files, checked to be the same task before anything heavy is loaded."""
    configs = {"DCGAN": read_run_config(args.dcgan_dir, "DCGAN", args),
               "BigGAN": read_run_config(args.biggan_dir, "BigGAN", args)}
    check_same_task(configs["DCGAN"], configs["BigGAN"], args)
    return configs


def score_real_data(classifier, train, test, args):
    """The real-data floor row (N train images against the test split) and the described test
    split every row is compared with. The floor comes first: with too few samples for FID its
    LabError comes before any generating."""
    floor_images, floor_labels = subsample(train, args.num_samples, args.seed)
    floor = describe(classifier, floor_images)
    reference = describe(classifier, test.images, with_probs=False)
    labels = to_classifier_labels(classifier, train.class_names, floor_labels)
    row = dict(score(floor, reference, classifier, labels, args.seed), label="real train (floor)")
    return row, floor_images, reference


def score_model(kind, config, classifier, reference, args):
    """Load one generator, draw N images, score them; returns (model, its row, its images)."""
    model = load_generator(args.dcgan_dir if kind == "DCGAN" else args.biggan_dir, kind, args)
    images, labels, seconds = generate_samples(model, args.num_samples, args.seed)
    wanted = None if labels is None else to_classifier_labels(classifier, model.class_names, labels)
    row = score(describe(classifier, images), reference, classifier, wanted, args.seed)
    training = config.get("training", {})
    params = count_parameters(model)
    row.update(label=kind, params_G=params["G"], params_D=params["D"],
               iterations=training.get("iterations"), train_seconds=training.get("seconds"),
               images_per_second=training.get("images_per_second"),
               batch_size=training.get("batch_size"), sample_seconds_per_1000=seconds)
    return model, row, images


def short_path(path):
    """path relative to the current folder when it lies inside it (tidier in the report)."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def write_outputs(args, setup, results, models, test):
    """report_dir/: losses.png, classes.png, metrics.json and report.md."""
    os.makedirs(args.report_dir, exist_ok=True)
    logs = {kind: read_losses(args, folder) for kind, folder in
            (("DCGAN", args.dcgan_dir), ("BigGAN", args.biggan_dir))}
    setup["missing_loss_logs"] = {kind: path for kind, (log, path) in logs.items() if log is None}
    for kind, path in setup["missing_loss_logs"].items():
        print(f" [!] no loss log for the {kind}: {path} is missing; its curve is skipped")
    save_loss_curves(os.path.join(args.report_dir, "losses.png"), {k: log for k, (log, _) in logs.items()})
    save_side_by_side_grid(os.path.join(args.report_dir, "classes.png"), models, test, args.seed)
    write_json(os.path.join(args.report_dir, "metrics.json"), dict(results, setup=setup))
    report = os.path.join(args.report_dir, "report.md")
    write_report(report, setup, results)
    return report


def main(argv=None):
    args = resolve_defaults(parse_args(argv))
    configs = read_both_runs(args)
    inception_weights = inception_weights_path(args)
    classifier = Classifier.from_file(args.classifier)
    train, test = load_real_data(args, task_of(configs["DCGAN"])["image size"])
    real, real_images, reference = score_real_data(classifier, train, test, args)

    models, results, image_sets = {}, {}, {"real": real_images}
    for kind in ("DCGAN", "BigGAN"):
        models[kind], results[kind.lower()], image_sets[kind.lower()] = \
            score_model(kind, configs[kind], classifier, reference, args)
    results["real"] = real

    fids, inception_note = inception_fids(inception_weights, image_sets, test.images, args.num_samples)
    print(" [*] " + inception_note)
    for key, row in results.items():
        row["inception_fid"] = fids.get(key)

    setup = {"dataset": args.dataset, "classes": args.classes, "num_samples": args.num_samples,
             "conditional": bool(models["DCGAN"].num_classes), "seed": args.seed,
             "dcgan_dir": args.dcgan_dir, "biggan_dir": args.biggan_dir,
             "classifier": short_path(args.classifier),
             "classifier_test_accuracy": classifier.test_accuracy,
             "feature_dim": reference["features"].shape[1], "reference_images": len(test.images),
             "floor_images": len(real_images), "inception_note": inception_note}
    report = write_outputs(args, setup, results, models, test)
    print()
    print(table(results))
    print(f"\nReport: {report}")


if __name__ == "__main__":
    run_or_exit(main)
