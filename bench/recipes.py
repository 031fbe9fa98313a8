"""Recipes measured per hour: which settings give the best images after a fixed budget of CPU time.

    python bench/recipes.py --dataset planes_cars --output_size 32 --budget_minutes 10 \\
        --classifier evaluation/classifiers/planes_cars.npz \\
        --recipe "biggan ch=16 precision=bf16" --recipe "dcgan learning_rate=2e-4"
    python bench/recipes.py --dataset my500 --reference_dataset planes_cars ...   # a small folder

Each --recipe ("dcgan" or "biggan", then key=value settings: the model's constructor arguments,
e.g. ch, G_lr, D_lr, num_D_steps, ema_start, ema_decay, learning_rate, beta1, batch_size, network,
and the training flags diffaug and precision) trains from scratch on the dataset's train split with
the model's own training loop (model.train: main.py's and biggan/main.py's), until --budget_minutes
of CPU time are spent. CPU time (time.process_time: every thread of this process) and not
wall-clock time, because a shared machine makes wall time unfair: on 2 free cores, 30 minutes of
wall time are 60 CPU minutes. "dcgan network=mnist_conditional" trains the handout's MNIST network
on colour classes, for a comparison with the colour network the DCGAN builds for them.
Then the generator (with its batch norm statistics measured, as in test mode) makes --samples
images, the classes evenly mixed, and the lab's evaluation classifier (evaluation/train_classifier.py)
scores them: class accuracy overall and per class, and FID in the classifier's features against the
held-out images of --reference_dataset (its test split: 1 image in 10 of a folder). The "real"
row is the floor: as many real training images, scored the same way.

Prints a table, appends every row to <out_dir>/results.jsonl and saves a grid per recipe (10
images of each class, one class per row) to <out_dir>/<name>.png. A recipe's run (checkpoints,
training grids, losses.csv) is in <out_dir>/runs/ and its lines in <out_dir>/<name>.log; it starts
anew each time. Scoring is not counted in the budget. One recipe at a time; run several scripts in
parallel only on a machine with the cores.
"""
import contextlib
import json
import math
import os
import shlex
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402

import cli  # noqa: E402
import datasets  # noqa: E402
import diffaug  # noqa: E402
import precision  # noqa: E402
import runs  # noqa: E402
import tfstart  # noqa: E402
import training  # noqa: E402
from errors import LabError, stop_if_only_checking  # noqa: E402

FLAGS = flags.FLAGS
HELP = dict(program="bench/recipes.py", common=False, groups=[("Recipes", [
    "dataset", "data_dir", "input_fname_pattern", "output_size", "reference_dataset", "classifier",
    "recipe", "budget_minutes", "score_every", "max_iterations", "samples", "seed", "out_dir"])], usage=[
    "Trains each --recipe for the same CPU-time budget and scores it with the evaluation classifier.",
    '  python bench/recipes.py --dataset planes_cars --output_size 32 --budget_minutes 10 '
    '--recipe "biggan ch=16 precision=bf16" --recipe "dcgan"'])
# What a recipe may set: arguments of the models' constructors (model.DCGAN, biggan.model.BigGAN),
# with their types, and the training flags --diffaug and --precision (TRAINING); what a recipe
# leaves out keeps the default.
TRAINING = {"diffaug": str, "precision": str}
COMMON = dict(TRAINING, batch_size=int, z_dim=int)
SETTINGS = {"dcgan": dict(COMMON, learning_rate=float, beta1=float, network=str),
            "biggan": dict(COMMON, ch=int, G_lr=float, D_lr=float, num_D_steps=int, ema_decay=float,
                           ema_start=int, shared_dim=int, attention_res=int, G_ortho=float)}


def define_flags(flags):
    """The script's flags (absl), as evaluation/train_classifier.py defines its own."""
    flags.DEFINE_string("dataset", None, "The images to train on: a class folder under --data_dir (or mnist, cifar10)")
    flags.DEFINE_string("data_dir", "./data", "Folder that holds the datasets")
    flags.DEFINE_string("input_fname_pattern", "*.jpg", "Glob for the images of a folder dataset")
    flags.DEFINE_integer("output_size", 32, "Image size the models make", lower_bound=16, upper_bound=128)
    flags.DEFINE_string("reference_dataset", None, "Whose held-out images FID measures against "
                        "[--dataset]; a small folder cut from a larger one: the larger one")
    flags.DEFINE_string("classifier", None, "evaluation/train_classifier.py's weights "
                        "[evaluation/classifiers/<reference_dataset>.npz]")
    flags.DEFINE_multi_string("recipe", [], 'A recipe: "dcgan|biggan key=value ...", e.g. "biggan ch=16 '
                              'diffaug=color,translation,cutout"; repeat the flag for more')
    flags.DEFINE_float("budget_minutes", 10.0, "CPU minutes each recipe trains (all threads; 2 free "
                       "cores give 2 CPU minutes a minute)", lower_bound=0.001, upper_bound=100_000)
    flags.DEFINE_float("score_every", 0.0, "Also score every this many CPU minutes along the way "
                       "(0: only at the end); the scoring's own time is not counted", lower_bound=0.0)
    flags.DEFINE_integer("max_iterations", 0, "Stop a recipe after this many iterations too (0: budget only)",
                         lower_bound=0, upper_bound=cli.BIG)
    flags.DEFINE_integer("samples", 2000, "Images each recipe makes for its scores (classes evenly mixed)",
                         lower_bound=128, upper_bound=100_000)
    flags.DEFINE_integer("seed", 0, "Seed of weights, data order, noise", lower_bound=0, upper_bound=cli.MAX_SEED)
    flags.DEFINE_string("out_dir", os.path.join("samples", "recipes"), "Where results.jsonl and the grids go")
    flags.mark_flag_as_required("dataset")


# ----------------------------------------------------------------------------- recipes

def parse_recipe(text):
    """'biggan ch=16 D_lr=2e-4' -> ("biggan", {"ch": 16, "D_lr": 0.0002}), each value of its
    setting's type; anything else is a one-line LabError naming it."""
    words = shlex.split(text)
    if not words or words[0] not in SETTINGS:
        raise LabError(f"--recipe {text!r} must start with dcgan or biggan")
    model, settings = words[0], {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or key not in SETTINGS[model]:
            raise LabError(f"--recipe {text!r}: {word!r} is not a {model} setting; use key=value with "
                           f"key one of {', '.join(SETTINGS[model])}")
        kind = SETTINGS[model][key]
        try:
            settings[key] = kind(value)
        except ValueError:
            raise LabError(f"--recipe {text!r}: {key}={value} is not a{'n' if kind is int else ''} {kind.__name__}")
    diffaug.parse_policy(settings.get("diffaug", ""))
    if settings.get("precision", "fp32") not in cli.PRECISIONS:
        raise LabError(f"--recipe {text!r}: precision must be one of {', '.join(cli.PRECISIONS)}")
    if settings.get("network", runs.DCGAN_NETWORKS[0]) not in runs.DCGAN_NETWORKS:
        raise LabError(f"--recipe {text!r}: network must be one of {', '.join(runs.DCGAN_NETWORKS)}")
    return model, settings


def recipe_name(model, settings):
    """A short name for files: biggan_ch16_D_lr0.0002 (diffaug names joined with +)."""
    parts = [model] + [f"{k}{str(v).replace(',', '+')}" for k, v in settings.items()]
    return "_".join(parts) or model


def build(model, settings, sess, data, size, name):
    """The recipe's model in sess's graph, for the data's classes (conditional when it has them),
    with --diffaug and --precision as the mains hand them to it (cli.augmentation, cli.optimizer_wrapper)."""
    from biggan.model import BigGAN
    from model import DCGAN
    classes = len(data.class_names) if data.labels is not None else 0
    c_dim = data.images.shape[-1]
    arguments = {key: value for key, value in settings.items() if key not in TRAINING}
    extras = dict(model_dir=name, augment=cli.augmentation(settings.get("diffaug", "")),
                  wrap_optimizer=cli.optimizer_wrapper(settings.get("precision", "fp32"), tfstart.OneDevice()))
    if model == "dcgan":
        return DCGAN(sess, output_height=size, output_width=size, y_dim=classes or None, c_dim=c_dim,
                     class_names=data.class_names, sample_num=settings.get("batch_size", 64), **arguments, **extras)
    return BigGAN(sess, output_size=size, c_dim=c_dim, num_classes=classes, class_names=data.class_names,
                  **arguments, **extras)


# ----------------------------------------------------------------------------- training for a budget

class Budget(object):
    """What a recipe's run has spent so far training: CPU seconds (time.process_time: every thread),
    wall seconds and iterations, added up over its stretches between scorings. It is the stretch's
    TrainConfig.stop_when: after every iteration it adds the CPU time since the last one and says
    whether the stretch's allowance (until_seconds, max_iterations) is spent."""

    def __init__(self):
        self.iterations, self.cpu_seconds, self.wall_seconds = 0, 0.0, 0.0
        self.until_seconds, self.max_iterations, self.clock = 0.0, 0, 0.0

    def spent(self):
        return self.cpu_seconds >= self.until_seconds or bool(self.max_iterations and
                                                               self.iterations >= self.max_iterations)

    def __call__(self, counter):
        now = time.process_time()
        self.iterations, self.cpu_seconds, self.clock = counter, self.cpu_seconds + now - self.clock, now
        return self.spent()


def train_for(model, data, budget, folders, until_seconds, seed, max_iterations=0, log=None):
    """Train with the model's own loop (model.train, as main.py trains: epochs shuffled, a checkpoint
    at the end; it goes on from the run's last checkpoint in `folders`) until the recipe has spent
    until_seconds of this process's CPU time training, loading its checkpoint included (or done
    max_iterations). log: a file for the run's progress lines [stdout]."""
    budget.until_seconds, budget.max_iterations = until_seconds, max_iterations
    if budget.spent():
        return budget
    budget.clock, wall = time.process_time(), time.time()
    per_epoch = training.batches_per_epoch(len(data.images), np.inf, model.images_per_iteration)
    epochs = math.ceil(max_iterations / per_epoch) if max_iterations else 10 ** 6  # the budget ends it
    config = training.TrainConfig(epoch=epochs, seed=seed, reshuffle=True, folders=folders, sample_freq=cli.BIG,
                                  ckpt_freq=cli.BIG, print_freq=50, log_freq=cli.BIG, stop_when=budget)
    with contextlib.redirect_stdout(log) if log else contextlib.nullcontext():
        budget.iterations, _ = model.train(config, data)
    budget.wall_seconds += time.time() - wall
    return budget


# ----------------------------------------------------------------------------- scores

def reference(classifier, test):
    """The held-out images described once: classifier features' statistics, labels in its indices."""
    from evaluation import scoring
    return scoring.classifier_reference(classifier, test)


def score_images(classifier, ref, images, labels, class_names):
    """Class accuracy (overall, per class, worst) and FID of uint8 images asked for `labels`."""
    from evaluation import metrics, scoring
    features = classifier.features(images)
    fid = metrics.frechet_from_stats(*metrics.feature_stats(features), *ref["stats"])
    wanted = scoring.to_classifier_labels(classifier, class_names, labels)
    accuracy = metrics.class_accuracy(classifier.probs(images), wanted, classifier.num_classes)
    index = scoring.to_classifier_labels(classifier, class_names, np.arange(len(class_names)))
    per_class = {name: accuracy["per_class"][k] for k, name in zip(index, class_names)}
    worst = min(per_class, key=per_class.get)
    return {"accuracy": accuracy["overall"], "per_class": per_class, "worst_class": worst,
            "worst": per_class[worst], "fid": fid}


def real_floor(classifier, ref, train, n, seed):
    """The real row: n training images (all, when fewer), scored as a generator's."""
    from evaluation.samples import subsample
    images, labels = subsample(train, n, seed)  # uint8, as generate_samples' images
    return dict(score_images(classifier, ref, images, labels, train.class_names), images=len(images))


def evaluate(model, classifier, ref, n, seed, grid_path):
    """Standing statistics, n samples (classes cycled) scored, and a grid of 10 per class."""
    from evaluation.samples import generate_samples
    from sampling import set_standing_statistics
    from testmode import save_class_grid
    from utils import class_rows
    set_standing_statistics(model)
    images, labels, _ = generate_samples(model, n, seed)
    scores = score_images(classifier, ref, images, labels, model.class_names)
    grid = model.generate(model.sample_noise(np.random.RandomState(seed), 10 * model.num_classes),
                          class_rows(model.num_classes, 10))
    save_class_grid(grid, model.class_names, 10, grid_path)
    return scores


# ----------------------------------------------------------------------------- the table

def row_line(row):
    """One table row in markdown."""
    per_class = ", ".join(f"{k} {v:.1%}" for k, v in row["per_class"].items())
    speed = f"{row['images_per_cpu_second']:.1f}" if "images_per_cpu_second" in row else ""
    return (f"| {row['recipe']} | {row.get('iterations', '')} | {row.get('cpu_seconds', 0) / 60:.1f} | {speed} | "
            f"{row['accuracy']:.1%} | {row['worst']:.1%} ({row['worst_class']}) | {per_class} | {row['fid']:.2f} |")


TABLE_HEAD = ("| recipe | iterations | CPU min | images/CPU-s | class acc. | worst class | per class | FID |\n"
              "|---|---|---|---|---|---|---|---|")


def check_points(budget, every):
    """CPU minutes at which a run is scored: every `every` minutes (0: none) and at the budget."""
    points = list(np.arange(every, budget, every)) if every else []
    return [float(p) for p in points] + [budget]


def recipe_folders(name):
    """A recipe's run folders under <out_dir>/runs/, emptied: every recipe trains from scratch."""
    folders = runs.folders(name, *(os.path.join(FLAGS.out_dir, "runs", part) for part in ("checkpoint", "samples",
                                                                                           "logs")))
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return folders


def run_recipe(text, data, classifier, ref, tf1):
    """Train one recipe in a graph of its own, scoring it at every check point; yields its rows."""
    model_name, settings = parse_recipe(text)
    name = recipe_name(model_name, settings)
    folders = recipe_folders(name)
    with tf1.Graph().as_default():
        tf1.set_random_seed(FLAGS.seed)
        with cli.session(tf1, tfstart.OneDevice(), settings.get("precision", "fp32")) as sess, \
                open(os.path.join(FLAGS.out_dir, f"{name}.log"), "w") as log:
            model = build(model_name, settings, sess, data, FLAGS.output_size, name)
            budget = Budget()
            for minutes in check_points(FLAGS.budget_minutes, FLAGS.score_every):
                try:
                    train_for(model, data, budget, folders, minutes * 60.0, FLAGS.seed, FLAGS.max_iterations, log)
                except training.Diverged as e:
                    print(f" [!] {text}: {e}; no more scores for it", flush=True)
                    return
                grid = os.path.join(FLAGS.out_dir, f"{name}_{minutes:g}min.png")
                scores = evaluate(model, classifier, ref, FLAGS.samples, FLAGS.seed, grid)
                images = budget.iterations * model.images_per_iteration
                yield dict(recipe=text, name=name, dataset=FLAGS.dataset, budget_minutes=minutes,
                           images_per_cpu_second=round(images / max(budget.cpu_seconds, 1e-9), 2), grid=grid,
                           cpu=precision.cpu_model(), iterations=budget.iterations, cpu_seconds=budget.cpu_seconds,
                           wall_seconds=budget.wall_seconds, **scores)


def check_flags():
    """Everything that can be checked before TensorFlow starts: recipes, precisions, folders."""
    if not FLAGS.recipe:
        raise LabError('give at least one --recipe, e.g. --recipe "biggan ch=16" --recipe "dcgan"')
    for text in FLAGS.recipe:
        problem = precision.problem(parse_recipe(text)[1].get("precision", "fp32"), tfstart.gpu_may_be_used())
        if problem:
            raise LabError(f"--recipe {text!r}: {problem}")
    runs.check_dataset_name(FLAGS.dataset, FLAGS.data_dir)
    os.makedirs(FLAGS.out_dir, exist_ok=True)
    from files import check_writable
    check_writable(FLAGS.out_dir, "out dir")


def main(argv):
    cli.reject_arguments(argv)
    check_flags()
    tf = tfstart.import_tensorflow()
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    from evaluation.classifier import Classifier, default_path
    reference_name = FLAGS.reference_dataset or FLAGS.dataset
    classifier = Classifier.from_file(FLAGS.classifier or default_path(reference_name))
    train, test = (datasets.load_dataset(name, FLAGS.data_dir, FLAGS.input_fname_pattern, FLAGS.output_size,
                                         split=split) for name, split in ((FLAGS.dataset, "train"),
                                                                          (reference_name, "test")))
    if train.labels is None:
        raise LabError(f"{FLAGS.dataset} has no classes: the recipes are scored by class, so put its "
                       "images in one sub-folder per class")
    stop_if_only_checking("the recipes, the data and the classifier check out")
    ref = reference(classifier, test)
    floor = real_floor(classifier, ref, train, FLAGS.samples, FLAGS.seed)
    print(f"{FLAGS.dataset}: {len(train.images)} training images; reference: {len(test.images)} held-out "
          f"images of {reference_name}; budget {FLAGS.budget_minutes:g} CPU minutes per recipe; "
          f"{FLAGS.samples} samples each; CPU: {precision.cpu_model()}", flush=True)
    print(TABLE_HEAD)
    print(row_line(dict(floor, recipe=f"real training images ({floor['images']})")), flush=True)
    with open(os.path.join(FLAGS.out_dir, "results.jsonl"), "a") as results:
        for text in FLAGS.recipe:
            for row in run_recipe(text, train, classifier, ref, tf1):
                row["real_fid"], row["real_accuracy"] = floor["fid"], floor["accuracy"]
                results.write(json.dumps(row) + "\n")
                results.flush()
                print(row_line(row), flush=True)


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
