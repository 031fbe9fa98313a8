"""Training throughput of the lab's GANs on whatever device TensorFlow sees, per --precision.

    python bench/train_speed.py                    # DCGAN (MNIST cDCGAN, batch 64) and BigGAN
    python bench/train_speed.py --model dcgan --iters 50
    python bench/train_speed.py --model biggan --ch 32
    python bench/train_speed.py --images colour32 --ch 16 --precision fp32,bf16   # cars and planes
    python bench/train_speed.py --images colour32 --xla                           # XLA auto-clustering
    python bench/train_speed.py --num_gpus 4       # 1, 2 and 4 replicas (distribute.py)

Times each model's own training loop (model.train, as main.py runs it: the batch read and
converted, the noise drawn, DCGAN: one D and two G updates per batch as the handout; BigGAN:
num_D_steps D updates and one G update; the progress line and losses.csv) after a few warm-up
iterations, and prints images/s and seconds/iteration for every --precision asked (precision.py:
fp32, bf16 on CPUs with AVX512_BF16 or AMX, mixed on a GPU). The runs go to a temporary folder. "Images" are the real images D sees:
batch_size per DCGAN iteration, batch_size x num_D_steps per BigGAN one. --images mnist: the
MNIST networks on MNIST batches; colour32: the colour conditional DCGAN and the 32x32 BigGAN with
2 classes, on random colour batches (the arithmetic does not depend on what the pixels show).
Besides wall-clock images/s it prints images per CPU-second (all threads): on a machine that
other jobs share, the fairer figure.
--num_gpus N times every replica count from 1 to N that splits the batch evenly (as the mains'
--num_gpus): on a GPU server, how training scales. On a machine without GPUs the replicas are
logical CPU devices sharing the same cores: that shows the step runs, not that it is faster.
"""
import contextlib
import io
import math
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402

import cli  # noqa: E402
import datasets  # noqa: E402
import distribute  # noqa: E402
import memory  # noqa: E402
import precision as arithmetic  # noqa: E402
import runs  # noqa: E402
import tfstart  # noqa: E402
import training  # noqa: E402
from errors import LabError  # noqa: E402

FLAGS = flags.FLAGS
HELP = dict(program="bench/train_speed.py", common=False, groups=[("Benchmark", [
    "model", "images", "precision", "xla", "num_gpus", "batch_size", "iters", "warmup", "ch", "num_D_steps",
    "data_dir"])],
    usage=["Training images/s of the DCGAN and BigGAN per --precision (and with --xla), on 1 to "
           "--num_gpus replicas."])


def define_flags(flags):
    flags.DEFINE_enum("model", "both", ["dcgan", "biggan", "both"], "Which model to time")
    flags.DEFINE_enum("images", "mnist", ["mnist", "colour32"], "MNIST networks and digits, or the "
                      "32x32 colour networks of 2 classes on random colour batches")
    flags.DEFINE_list("precision", ["fp32"], "Each one timed: fp32, bf16 (CPU with AVX512_BF16 or AMX), "
                      "mixed (GPU)")
    flags.DEFINE_boolean("xla", False, "XLA auto-clustering (global_jit_level ON_1)")
    flags.DEFINE_integer("num_gpus", 1, "Time 1 to N replicas (GPUs; logical CPU devices on a machine "
                         "without GPU)", lower_bound=1, upper_bound=64)
    flags.DEFINE_integer("batch_size", 64, "The (global) batch", lower_bound=1, upper_bound=4096)
    flags.DEFINE_integer("iters", 30, "Timed iterations", lower_bound=1, upper_bound=cli.BIG)
    flags.DEFINE_integer("warmup", 5, "Untimed iterations first", lower_bound=0, upper_bound=cli.BIG)
    flags.DEFINE_integer("ch", 32, "BigGAN width", lower_bound=1, upper_bound=1024)
    flags.DEFINE_integer("num_D_steps", 2, "BigGAN's D updates per G update", lower_bound=1, upper_bound=100)
    flags.DEFINE_string("data_dir", "./data", "Folder that holds the datasets (MNIST for --images mnist)")


class Timer(object):
    """A TrainConfig.stop_when that times the iterations after `warmup` untimed ones (the first
    includes TensorFlow's set-up of the graph) and ends the run after `iters` more."""

    def __init__(self, warmup, iters):
        self.warmup, self.iters, self.start = warmup, iters, None

    def __call__(self, counter):
        if counter == self.warmup:
            self.start = (time.perf_counter(), time.process_time())
        if counter < self.warmup + self.iters:
            return False
        self.seconds = (time.perf_counter() - self.start[0]) / self.iters
        self.cpu_seconds = (time.process_time() - self.start[1]) / self.iters
        return True


def time_training(model, data):
    """(wall seconds, CPU seconds) per iteration of model.train after --warmup untimed ones, the run
    in a temporary folder and its lines hidden (only the timing is printed)."""
    timer = Timer(FLAGS.warmup, FLAGS.iters)
    if FLAGS.warmup == 0:  # no untimed iteration: from the start of the run
        timer.start = (time.perf_counter(), time.process_time())
    per_epoch = training.batches_per_epoch(len(data.images), np.inf, model.images_per_iteration)
    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(io.StringIO()):
        folders = runs.folders("bench", *(os.path.join(folder, part) for part in ("checkpoint", "samples", "logs")))
        config = training.TrainConfig(epoch=math.ceil((FLAGS.warmup + FLAGS.iters) / per_epoch) + 1, seed=0,
                                      folders=folders, sample_freq=cli.BIG, ckpt_freq=cli.BIG, print_freq=cli.BIG,
                                      log_freq=cli.BIG, stop_when=timer)  # no TensorBoard in the timing
        model.train(config, data)
    return timer.seconds, timer.cpu_seconds


def replicas_and_config(tf, count, mode):
    """The replicas for `count` devices (tfstart.OneDevice for one: the mains' --num_gpus 1) and the
    session config, the mains' for this precision (plus XLA auto-clustering with --xla): `count`
    GPUs, or `count` logical CPU devices on a machine without a GPU."""
    tf1 = tf.compat.v1
    config = tfstart.session_config(tf1)
    if mode != "fp32":
        arithmetic.configure(config, mode)
    if FLAGS.xla:
        config.graph_options.optimizer_options.global_jit_level = tf1.OptimizerOptions.ON_1
    if count == 1:
        return tfstart.OneDevice(), config
    if tf.config.list_physical_devices("GPU"):
        return distribute.start(count, None, 0), config
    return distribute.logical_cpus(count, config), config


def make_data(images, data_dir):
    """MNIST's digits, or random 32x32 colour images of 2 classes (--images colour32)."""
    if images == "mnist":
        return datasets.load_mnist(os.path.join(data_dir, "mnist"))
    rng = np.random.RandomState(0)
    return datasets.Dataset(rng.randint(0, 256, (512, 32, 32, 3), dtype=np.uint8), rng.randint(0, 2, 512),
                            ["airplane", "automobile"])


def bench_dcgan(tf, data, mode, count):
    from model import DCGAN
    tf1 = tf.compat.v1
    replicas, config = replicas_and_config(tf, count, mode)
    with tf1.Graph().as_default(), tf1.Session(replicas.target, config=replicas.session_config(config)) as sess:
        tf1.set_random_seed(0)
        size, channels = data.images.shape[1], data.images.shape[-1]
        with replicas.scope():  # as main.py builds it
            model = DCGAN(sess, output_height=size, output_width=size, y_dim=len(data.class_names), c_dim=channels,
                          batch_size=FLAGS.batch_size, sample_num=FLAGS.batch_size, dataset_name="bench",
                          model_dir="bench", replicas=replicas, wrap_optimizer=cli.optimizer_wrapper(mode, replicas))
        return time_training(model, data), FLAGS.batch_size


def bench_biggan(tf, data, mode, count):
    from biggan.model import BigGAN
    tf1 = tf.compat.v1
    replicas, config = replicas_and_config(tf, count, mode)
    with tf1.Graph().as_default(), tf1.Session(replicas.target, config=replicas.session_config(config)) as sess:
        tf1.set_random_seed(0)
        with replicas.scope():  # as biggan/main.py builds it
            model = BigGAN(sess, output_size=data.images.shape[1], c_dim=data.images.shape[-1],
                           num_classes=len(data.class_names), ch=FLAGS.ch, batch_size=FLAGS.batch_size,
                           num_D_steps=FLAGS.num_D_steps, model_dir="bench", replicas=replicas,
                           wrap_optimizer=cli.optimizer_wrapper(mode, replicas))
        return time_training(model, data), model.images_per_iteration


def check_precisions(modes, gpu):
    """Each --precision a known one this machine can run; else a one-line LabError."""
    if not modes:
        raise LabError("--precision names none: use fp32, bf16 or mixed (comma-separated)")
    for mode in modes:
        if mode not in cli.PRECISIONS:
            raise LabError(f"--precision {mode}: use fp32, bf16 or mixed (comma-separated)")
        problem = arithmetic.problem(mode, gpu)
        if problem:
            raise LabError(problem)


def main(argv):
    cli.reject_arguments(argv)
    check_precisions(FLAGS.precision, memory.gpu_may_be_used())
    data = make_data(FLAGS.images, FLAGS.data_dir)
    tfstart.start_tensorflow(0)  # quiet, graph mode, the device line (GAN_LAB_CHECK_ONLY: stops here)
    import tensorflow as tf
    found = tf.config.list_physical_devices("GPU")
    if found:
        distribute.check_gpu_count(FLAGS.num_gpus, tf)  # more GPUs than present: one line
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPU cores, batch {FLAGS.batch_size}, "
          f"{FLAGS.images}{', XLA' if FLAGS.xla else ''}")
    benches = {"dcgan": bench_dcgan, "biggan": bench_biggan}
    kind = "GPU" if found else "logical CPU device"
    counts = [c for c in range(1, FLAGS.num_gpus + 1) if FLAGS.batch_size % c == 0]  # even splits
    for name in (["dcgan", "biggan"] if FLAGS.model == "both" else [FLAGS.model]):
        detail = f"ch {FLAGS.ch}, {FLAGS.num_D_steps} D steps" if name == "biggan" else "1 D + 2 G steps"
        for mode in FLAGS.precision:
            for count in counts:
                (seconds, cpu), images = benches[name](tf, data, mode, count)
                replicas = f", {count} {kind}{'s' if count > 1 else ''}" if FLAGS.num_gpus > 1 else ""
                print(f"{name:6s} ({detail}) {mode:5s}{replicas}: {images / seconds:7.1f} images/s, "
                      f"{seconds:.3f} s/iteration, {images / cpu:7.1f} images per CPU-second", flush=True)


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
