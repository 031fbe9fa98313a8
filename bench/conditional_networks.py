"""The DCGAN's two conditional networks on the same colour classes: speed and class accuracy.

    python bench/conditional_networks.py --dataset planes-cars --data_dir /tmp/data \\
        --classifier /tmp/planes-cars.npz --iterations 150
    python bench/conditional_networks.py --dataset planes-cars --data_dir /tmp/data \\
        --networks colour_conditional --output_size 64 --iterations 5     # seconds/iteration only

Trains, one after the other, the handout's MNIST conditional network (what colour classes got
before issue 12) and the colour conditional network (what main.py builds for them now), with
the same data order, noise, batch size and number of iterations (one D step then two G steps,
as main.py), on the folder's train split (every 10th image is held out, datasets.holdout_split).
Then each makes --per_class images of every class, and the classifier of
evaluation/train_classifier.py (trained on the same folder) says how many show the class asked for.
Prints seconds per iteration (the first, which sets TensorFlow up, not counted) and writes a
grid per network (one row per class) to --out_dir. With --checkpoint_dir a run continues where
the previous one stopped, so a long comparison can run in parts.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402

import cli  # noqa: E402
from errors import stop_if_only_checking  # noqa: E402
import tfstart  # noqa: E402

tf = tfstart.import_tensorflow()  # start-up chatter hidden
import datasets  # noqa: E402
from evaluation.classifier import Classifier  # noqa: E402
from evaluation.metrics import class_accuracy  # noqa: E402
from model import DCGAN  # noqa: E402
from utils import class_rows, save_class_grid  # noqa: E402

tf1 = tf.compat.v1
NETWORKS = (DCGAN.MNIST_CONDITIONAL, DCGAN.COLOUR_CONDITIONAL)


def dcgan_with_network(network):
    """DCGAN whose choose_network always answers `network` (to build MNIST's on colour images)."""
    class Forced(DCGAN):
        @classmethod
        def choose_network(cls, y_dim, c_dim, saved=None):
            return network
    return Forced


def train(model, sess, data, args, start=0, every=None):
    """args.iterations handout iterations after `start` done; returns the seconds of each.
    every(iteration) is called after each (accuracy along the way; its time is not counted)."""
    images, labels = model.to_model_range(data.images), model.one_hot(data.labels)
    per_epoch = len(images) // args.batch_size
    rng = np.random.RandomState(args.seed + start)
    seconds = []
    for it in range(start, start + args.iterations):
        epoch, idx = divmod(it, per_epoch)
        order = np.random.RandomState(args.seed + epoch).permutation(len(images))  # as DCGAN.train
        batch = order[idx * args.batch_size:(idx + 1) * args.batch_size]
        feed_g = {model.z: model.sample_noise(rng, args.batch_size), model.y: labels[batch]}
        start = time.perf_counter()
        sess.run(model.d_optim, {**feed_g, model.inputs: images[batch]})
        sess.run(model.g_optim, feed_g)
        sess.run(model.g_optim, feed_g)
        seconds.append(time.perf_counter() - start)
        if every:
            every(it + 1)
    return seconds


def samples(model, num_classes, per_class, seed):
    """(labels, images in [0, 1]): per_class samples of every class, from a fixed noise seed."""
    labels = class_rows(num_classes, per_class)
    return labels, model.generate(model.sample_noise(np.random.RandomState(seed), len(labels)), labels)


def accuracy(model, classifier, num_classes, per_class, seed):
    """class_accuracy of per_class samples of every class (see evaluation/metrics.py)."""
    labels, fakes = samples(model, num_classes, per_class, seed)
    return class_accuracy(classifier.probs(fakes), labels, num_classes)


def run(network, data, classifier, args):
    """Train one network; print its speed and (with a classifier) its class accuracy, at the end
    and every --eval_every iterations (100 images per class): early on it swings a lot."""
    num_classes, curve = len(data.class_names), []

    def every(it):
        if classifier is not None and args.eval_every and it % args.eval_every == 0:
            overall = accuracy(model, classifier, num_classes, 100, args.seed + 1)["overall"]
            curve.append(f"{it}: {overall:.1%}")

    with tf.Graph().as_default(), tf1.Session() as sess:
        tf1.set_random_seed(args.seed)
        model = dcgan_with_network(network)(
            sess, output_height=args.output_size, output_width=args.output_size, y_dim=num_classes,
            c_dim=data.images.shape[-1], batch_size=args.batch_size, sample_num=args.batch_size,
            dataset_name=args.dataset, class_names=data.class_names)
        sess.run(tf1.global_variables_initializer())
        folder = args.checkpoint_dir and os.path.join(args.checkpoint_dir, f"{network}_{args.output_size}")
        saved = folder and tf1.train.latest_checkpoint(folder)
        if saved:  # continue a run made in parts
            model.saver.restore(sess, saved)
        start = int(saved.rsplit("-", 1)[-1]) if saved else 0
        seconds = train(model, sess, data, args, start, every)
        done = start + args.iterations
        if folder:
            os.makedirs(folder, exist_ok=True)
            model.saver.save(sess, os.path.join(folder, "bench"), global_step=done, write_meta_graph=False)
        epochs = done * args.batch_size / len(data.images)
        count = lambda vs: sum(int(np.prod(v.get_shape())) for v in vs)  # noqa: E731
        line = (f"{network}: {done} iterations ({epochs:.2f} epochs of {len(data.images)} "
                f"images) at {args.output_size}x{args.output_size}, batch {args.batch_size}: "
                f"{np.mean(seconds[1:] or seconds):.2f} s/iteration; G {count(model.g_vars) / 1e6:.2f} M, "
                f"D {count(model.d_vars) / 1e6:.2f} M parameters")
        if classifier is not None:
            final = accuracy(model, classifier, num_classes, args.per_class, args.seed + 1)
            per_class = ", ".join(f"{n} {a:.1%}" for n, a in zip(data.class_names, final["per_class"]))
            line += (f"; class accuracy {final['overall']:.1%} ({per_class}) on "
                     f"{args.per_class * num_classes} images; along the way: {', '.join(curve)}")
        _, grid = samples(model, num_classes, 10, args.seed + 1)
    path = os.path.join(args.out_dir, f"{network}_{args.output_size}.png")
    os.makedirs(args.out_dir, exist_ok=True)
    print(f"{line}; grid {save_class_grid(grid, data.class_names, 10, path)}", flush=True)


FLAGS = flags.FLAGS
HELP = dict(program="bench/conditional_networks.py", common=False, groups=[("Benchmark", [
    "dataset", "data_dir", "input_fname_pattern", "output_size", "networks", "iterations", "batch_size",
    "classifier", "per_class", "eval_every", "checkpoint_dir", "out_dir", "seed"])],
    usage=["Trains the DCGAN's two conditional networks on the same colour classes; speed and accuracy."])


def define_flags(flags):
    flags.DEFINE_string("dataset", None, "A folder of class sub-folders under --data_dir")
    flags.mark_flag_as_required("dataset")
    flags.DEFINE_string("data_dir", "./data", "Folder that holds the datasets")
    flags.DEFINE_string("input_fname_pattern", "*.jpg", "Glob for the images")
    flags.DEFINE_integer("output_size", 32, "Image size", lower_bound=16, upper_bound=1024)
    flags.DEFINE_list("networks", list(NETWORKS), "Networks to train, in this order")
    flags.DEFINE_integer("iterations", 100, "Iterations per network", lower_bound=1, upper_bound=10 ** 7)
    flags.DEFINE_integer("batch_size", 64, "Images per batch", lower_bound=1, upper_bound=4096)
    flags.DEFINE_string("classifier", None, "evaluation/train_classifier.py's .npz (none: speed only)")
    flags.DEFINE_integer("per_class", 500, "Images per class for the accuracy", lower_bound=1, upper_bound=10 ** 6)
    flags.DEFINE_integer("eval_every", 30, "Class accuracy every N iterations (0: off)", lower_bound=0)
    flags.DEFINE_string("checkpoint_dir", None, "Continue from and save to DIR/<network>_<size>: a long run in parts")
    flags.DEFINE_string("out_dir", os.path.join("samples", "bench"), "Where the grids go")
    flags.DEFINE_integer("seed", 0, "Random seed", lower_bound=0, upper_bound=cli.MAX_SEED)


def main(argv):
    cli.reject_arguments(argv)
    stop_if_only_checking()
    args = FLAGS
    data = datasets.load_dataset(args.dataset, args.data_dir, args.input_fname_pattern, args.output_size,
                                 split="train")
    classifier = Classifier.from_file(args.classifier) if args.classifier else None
    for network in args.networks:
        run(network, data, classifier, args)


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
