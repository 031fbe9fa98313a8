"""Training throughput of the lab's GANs on whatever device TensorFlow sees, per --precision.

    python bench/train_speed.py                    # DCGAN (MNIST cDCGAN, batch 64) and BigGAN
    python bench/train_speed.py --model dcgan --iters 50
    python bench/train_speed.py --model biggan --ch 32
    python bench/train_speed.py --images colour32 --ch 16 --precision fp32,bf16   # cars and planes
    python bench/train_speed.py --images colour32 --xla                           # XLA auto-clustering
    python bench/train_speed.py --num_gpus 4       # 1, 2 and 4 replicas (distribute.py)

Times the real training step of each model (DCGAN: one D and two G updates per batch, as
the handout; BigGAN: num_D_steps D updates and one G update) after a few warm-up iterations,
and prints images/s and seconds/iteration for every --precision asked (precision.py: fp32,
bf16 on CPUs with AVX512_BF16 or AMX, mixed on a GPU). "Images" are the real images D sees:
batch_size per DCGAN iteration, batch_size x num_D_steps per BigGAN one. --images mnist: the
MNIST networks on MNIST batches; colour32: the colour conditional DCGAN and the 32x32 BigGAN with
2 classes, on random colour batches (the arithmetic does not depend on what the pixels show).
Besides wall-clock images/s it prints images per CPU-second (all threads): on a machine that
other jobs share, the fairer figure.
--num_gpus N times every replica count from 1 to N that splits the batch evenly (as the mains'
--num_gpus): on a GPU server, how training scales. On a machine without GPUs the replicas are
logical CPU devices sharing the same cores: that shows the step runs, not that it is faster.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402

import cli  # noqa: E402
import datasets  # noqa: E402
import distribute  # noqa: E402
import memory  # noqa: E402
import precision as arithmetic  # noqa: E402
import tfstart  # noqa: E402
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


def time_iterations(step, warmup, iters):
    """(wall seconds, CPU seconds) per call of step() after `warmup` untimed calls."""
    for _ in range(warmup):
        step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(iters):
        step()
    return (time.perf_counter() - start) / iters, (time.process_time() - cpu) / iters


def session_config(tf1, mode, xla):
    """The mains' session config for this precision, plus XLA auto-clustering with xla."""
    config = tfstart.session_config(tf1, mode)
    if xla:
        config.graph_options.optimizer_options.global_jit_level = tf1.OptimizerOptions.ON_1
    return config


def replicas_and_config(tf, count, mode):
    """The replicas for `count` devices (None for one: the mains' --num_gpus 1) and the session
    config: `count` GPUs, or `count` logical CPU devices on a machine without a GPU."""
    config = session_config(tf.compat.v1, mode, FLAGS.xla)
    if count == 1:
        return None, config
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
    with tf1.Graph().as_default(), tf1.Session(config=config) as sess:
        tf1.set_random_seed(0)
        size, channels = data.images.shape[1], data.images.shape[-1]
        model = DCGAN(sess, output_height=size, output_width=size, y_dim=len(data.class_names), c_dim=channels,
                      batch_size=FLAGS.batch_size, sample_num=FLAGS.batch_size, dataset_name="bench",
                      replicas=replicas, precision=mode)
        sess.run(tf1.global_variables_initializer())
        rng = np.random.RandomState(0)
        labels = model.label_feed(data.labels)

        def step():  # as DCGAN.train: the batch converted to float, then D once and G twice
            batch = rng.randint(0, len(data.images), FLAGS.batch_size)
            model.train_step(model.to_model_range(datasets.to_float(data.images[batch])),
                             model.sample_noise(rng, FLAGS.batch_size), labels[batch],
                             with_summaries=False)  # no TensorBoard in the timing

        return time_iterations(step, FLAGS.warmup, FLAGS.iters), FLAGS.batch_size


def bench_biggan(tf, data, mode, count):
    from biggan.model import BigGAN
    tf1 = tf.compat.v1
    replicas, config = replicas_and_config(tf, count, mode)
    with tf1.Graph().as_default(), tf1.Session(config=config) as sess:
        tf1.set_random_seed(0)
        model = BigGAN(sess, output_size=data.images.shape[1], c_dim=data.images.shape[-1],
                       num_classes=len(data.class_names), ch=FLAGS.ch, batch_size=FLAGS.batch_size,
                       num_D_steps=FLAGS.num_D_steps, replicas=replicas, precision=mode)
        sess.run(tf1.global_variables_initializer())
        rng = np.random.RandomState(0)

        def step():  # as BigGAN.train: num_D_steps D updates, then one G update
            batches = rng.randint(0, len(data.images), (model.num_D_steps, FLAGS.batch_size))
            model.train_discriminator(data, batches, rng, with_summaries=False)
            model.train_generator(rng)

        return time_iterations(step, FLAGS.warmup, FLAGS.iters), model.images_per_iteration


def check_precisions(modes, gpu):
    """Each --precision a known one this machine can run; else a one-line LabError."""
    if not modes:
        raise LabError("--precision names none: use fp32, bf16 or mixed (comma-separated)")
    for mode in modes:
        if mode not in arithmetic.CHOICES:
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
