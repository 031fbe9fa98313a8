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
import collections
import contextlib
import io
import math
import os
import sys
import tempfile
import time
from typing import NamedTuple, Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402

import cli  # noqa: E402
import datasets  # noqa: E402
import distribute  # noqa: E402
import files  # noqa: E402
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


class Setting(NamedTuple):
    """What one timing trains: the flags of this script (setting_from) or bench/gpu_check.py's."""
    batch_size: int = 64  # the global batch
    iters: int = 30       # timed iterations
    warmup: int = 5       # untimed ones first (the first includes TensorFlow's set-up of the graph)
    ch: int = 32          # BigGAN's width
    num_D_steps: int = 2  # BigGAN's D updates per G update
    xla: bool = False     # XLA auto-clustering


class Timing(NamedTuple):
    """One model's training speed: per iteration, wall and CPU seconds and real images; the shares
    of an iteration spent on the host (the batch read and converted, the noise drawn: numpy and
    Python) and copying the fed arrays to the device (feed_dict): the input path, which on a fast
    GPU can be the limit; the peak GPU memory in bytes (None without a GPU)."""
    seconds: float
    cpu_seconds: float
    images: int
    host_share: float
    copy_share: float
    peak_bytes: Optional[int]

    @property
    def images_per_second(self):
        return self.images / self.seconds


class Timer(object):
    """A TrainConfig.stop_when that times the iterations after `warmup` untimed ones and ends the
    run after `iters` more; `sess` (a timed_session) says how much of that time its runs took."""

    def __init__(self, warmup, iters, sess):
        self.warmup, self.iters, self.sess, self.start = warmup, iters, sess, None

    def __call__(self, counter):
        if counter == self.warmup:
            self.start = (time.perf_counter(), time.process_time(), self.sess.seconds, self.sess.runs)
        if counter < self.warmup + self.iters:
            return False
        self.seconds = (time.perf_counter() - self.start[0]) / self.iters
        self.cpu_seconds = (time.process_time() - self.start[1]) / self.iters
        self.run_seconds = (self.sess.seconds - self.start[2]) / self.iters  # in Session.run
        self.runs = (self.sess.runs - self.start[3]) // self.iters  # Session.run calls per iteration
        self.last_feeds = list(self.sess.feeds)[-self.runs:]  # the last iteration's (at most 8)
        return True


def timed_session(tf1, target, config):
    """A tf.Session whose run() counts its calls, adds up their seconds (the rest of an iteration's
    time is the host's) and keeps the last 8 feeds."""
    class TimedSession(tf1.Session):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.seconds, self.runs, self.feeds = 0.0, 0, collections.deque(maxlen=8)

        def run(self, fetches, feed_dict=None, **kwargs):
            start = time.perf_counter()
            try:
                return super().run(fetches, feed_dict, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.runs += 1
                self.feeds.append(feed_dict or {})
    return TimedSession(target, config=config)


def copy_seconds(tf, sess, feeds):
    """Seconds that handing `feeds` (one iteration's feed_dicts) to the device costs: runs that read
    every fed array on the first device (GPU 0 where there is one), less as many runs of nothing
    (a Session.run's own overhead, which any input path pays)."""
    with tf.device("/gpu:0" if tf.config.list_physical_devices("GPU") else "/cpu:0"):
        reads = {key: tf.reduce_sum(tf.cast(key, tf.float32)) for feed in feeds for key in feed}
        nothing = tf.constant(0.0)
    runs = [([reads[key] for key in feed], feed) for feed in feeds] + [([nothing], None)]
    for fetches, feed in runs:  # the first run of a new op sets it up: not timed
        sess.run(fetches, feed)
    seconds = {"fed": 0.0, "empty": 0.0}
    for _ in range(3):
        for kind, calls in (("fed", runs[:-1]), ("empty", runs[-1:] * len(feeds))):
            start = time.perf_counter()
            for fetches, feed in calls:
                tf.compat.v1.Session.run(sess, fetches, feed)
            seconds[kind] += time.perf_counter() - start
    return max(0.0, seconds["fed"] - seconds["empty"]) / 3


def peak_gpu_bytes(tf):
    """The most GPU memory TensorFlow's allocator held since reset_gpu_peaks (the largest over the
    GPUs), None without a GPU or where TensorFlow cannot tell."""
    try:
        return max(tf.config.experimental.get_memory_info(gpu.name.split("device:")[-1])["peak"]
                   for gpu in tf.config.list_logical_devices("GPU"))
    except (ValueError, RuntimeError, tf.errors.OpError):  # (max of nothing: no GPU)
        return None


def reset_gpu_peaks(tf):
    for gpu in tf.config.list_logical_devices("GPU"):
        try:
            tf.config.experimental.reset_memory_stats(gpu.name.split("device:")[-1])
        except (ValueError, RuntimeError, tf.errors.OpError):
            return


def time_training(tf, model, data, setting):
    """The Timing of model.train after setting.warmup untimed iterations, the run in a temporary
    folder and its lines hidden (only the timing is printed)."""
    timer = Timer(setting.warmup, setting.iters, model.sess)
    if setting.warmup == 0:  # no untimed iteration: from the start of the run
        timer.start = (time.perf_counter(), time.process_time(), 0.0, 0)  # (TimedSession: nothing run yet)
    per_epoch = training.batches_per_epoch(len(data.images), np.inf, model.images_per_iteration)
    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(io.StringIO()):
        folders = runs.folders("bench", *(os.path.join(folder, part) for part in ("checkpoint", "samples", "logs")))
        config = training.TrainConfig(epoch=math.ceil((setting.warmup + setting.iters) / per_epoch) + 1, seed=0,
                                      folders=folders, sample_freq=cli.BIG, ckpt_freq=cli.BIG, print_freq=cli.BIG,
                                      log_freq=cli.BIG, stop_when=timer)  # no TensorBoard in the timing
        model.train(config, data)
    peak = peak_gpu_bytes(tf)
    copy = copy_seconds(tf, model.sess, timer.last_feeds) * timer.runs / len(timer.last_feeds)
    return Timing(timer.seconds, timer.cpu_seconds, model.images_per_iteration,
                  max(0.0, 1 - timer.run_seconds / timer.seconds), min(1.0, copy / timer.seconds), peak)


def replicas_and_config(tf, count, mode, xla=False):
    """The replicas for `count` devices (tfstart.OneDevice for one: the mains' --num_gpus 1) and the
    session config, the mains' for this precision (plus XLA auto-clustering with xla): `count`
    GPUs, or `count` logical CPU devices on a machine without a GPU."""
    tf1 = tf.compat.v1
    config = tfstart.session_config(tf1)
    if mode != "fp32":
        arithmetic.configure(config, mode)
    if xla:
        config.graph_options.optimizer_options.global_jit_level = tf1.OptimizerOptions.ON_1
    if count == 1:
        return tfstart.OneDevice(), config
    if tf.config.list_physical_devices("GPU"):
        return distribute.start(count, None, 0), config
    return distribute.logical_cpus(count, config), config


def make_data(images, data_dir, size=32):
    """MNIST's digits, or random size x size colour images of 2 classes (--images colour32)."""
    if images == "mnist":
        return datasets.load_mnist(os.path.join(data_dir, "mnist"))
    rng = np.random.RandomState(0)
    return datasets.Dataset(rng.randint(0, 256, (512, size, size, 3), dtype=np.uint8), rng.randint(0, 2, 512),
                            ["airplane", "automobile"])


def bench_dcgan(tf, data, mode, count, setting):
    """The Timing of the DCGAN main.py builds for `data`, on `count` devices, at --precision mode."""
    from model import DCGAN
    tf1 = tf.compat.v1
    replicas, config = replicas_and_config(tf, count, mode, setting.xla)
    with tf1.Graph().as_default(), timed_session(tf1, replicas.target, replicas.session_config(config)) as sess:
        tf1.set_random_seed(0)
        reset_gpu_peaks(tf)
        size, channels = data.images.shape[1], data.images.shape[-1]
        with replicas.scope():  # as main.py builds it
            model = DCGAN(sess, output_height=size, output_width=size, y_dim=len(data.class_names), c_dim=channels,
                          batch_size=setting.batch_size, sample_num=setting.batch_size, dataset_name="bench",
                          model_dir="bench", replicas=replicas, wrap_optimizer=cli.optimizer_wrapper(mode, replicas))
        return time_training(tf, model, data, setting)


def bench_biggan(tf, data, mode, count, setting):
    """The Timing of the BigGAN biggan/main.py builds for `data` (setting.ch wide), on `count` devices."""
    from biggan.model import BigGAN
    tf1 = tf.compat.v1
    replicas, config = replicas_and_config(tf, count, mode, setting.xla)
    with tf1.Graph().as_default(), timed_session(tf1, replicas.target, replicas.session_config(config)) as sess:
        tf1.set_random_seed(0)
        reset_gpu_peaks(tf)
        with replicas.scope():  # as biggan/main.py builds it
            model = BigGAN(sess, output_size=data.images.shape[1], c_dim=data.images.shape[-1],
                           num_classes=len(data.class_names), ch=setting.ch, batch_size=setting.batch_size,
                           num_D_steps=setting.num_D_steps, model_dir="bench", replicas=replicas,
                           wrap_optimizer=cli.optimizer_wrapper(mode, replicas))
        return time_training(tf, model, data, setting)


BENCHES = {"dcgan": bench_dcgan, "biggan": bench_biggan}


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


def setting_from(FLAGS):
    return Setting(FLAGS.batch_size, FLAGS.iters, FLAGS.warmup, FLAGS.ch, FLAGS.num_D_steps, FLAGS.xla)


def main(argv):
    cli.reject_arguments(argv)
    check_precisions(FLAGS.precision, tfstart.gpu_may_be_used())
    data = make_data(FLAGS.images, FLAGS.data_dir)
    tfstart.start_tensorflow(0)  # quiet, graph mode, the device line (GAN_LAB_CHECK_ONLY: stops here)
    import tensorflow as tf
    found = tf.config.list_physical_devices("GPU")
    if found:
        distribute.check_gpu_count(FLAGS.num_gpus, tf)  # more GPUs than present: one line
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPU cores, batch {FLAGS.batch_size}, "
          f"{FLAGS.images}{', XLA' if FLAGS.xla else ''}")
    setting = setting_from(FLAGS)
    kind = "GPU" if found else "logical CPU device"
    counts = [c for c in range(1, FLAGS.num_gpus + 1) if FLAGS.batch_size % c == 0]  # even splits
    for name in (["dcgan", "biggan"] if FLAGS.model == "both" else [FLAGS.model]):
        detail = f"ch {FLAGS.ch}, {FLAGS.num_D_steps} D steps" if name == "biggan" else "1 D + 2 G steps"
        for mode in FLAGS.precision:
            for count in counts:
                timing = BENCHES[name](tf, data, mode, count, setting)
                replicas = f", {count} {kind}{'s' if count > 1 else ''}" if FLAGS.num_gpus > 1 else ""
                peak = "" if timing.peak_bytes is None else f", peak GPU memory {files.human_size(timing.peak_bytes)}"
                print(f"{name:6s} ({detail}) {mode:5s}{replicas}: {timing.images_per_second:7.1f} images/s, "
                      f"{timing.seconds:.3f} s/iteration, {timing.images / timing.cpu_seconds:7.1f} images per "
                      f"CPU-second; feeding {timing.host_share + timing.copy_share:.0%} of it{peak}", flush=True)


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
