"""Training throughput of the lab's GANs on whatever device TensorFlow sees.

    python bench/train_speed.py                    # DCGAN (MNIST cDCGAN, batch 64) and BigGAN
    python bench/train_speed.py --model dcgan --iters 50
    python bench/train_speed.py --model biggan --ch 32
    python bench/train_speed.py --num_gpus 4       # 1, 2 and 4 replicas (distribute.py)

Times the real training step of each model (DCGAN: one D and two G updates per batch, as
the handout; BigGAN: num_D_steps D updates and one G update) on MNIST batches, after a
few warm-up iterations, and prints images/s and seconds/iteration. "Images" are the real
images D sees: batch_size per DCGAN iteration, batch_size x num_D_steps per BigGAN one.
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
import tfstart  # noqa: E402

FLAGS = flags.FLAGS
HELP = dict(program="bench/train_speed.py", common=False, groups=[("Benchmark", [
    "model", "batch_size", "iters", "warmup", "ch", "num_D_steps", "data_dir", "num_gpus"])],
    usage=["Training throughput of the lab's GANs (images/s) on whatever device TensorFlow sees."])


def define_flags(flags):
    flags.DEFINE_enum("model", "both", ["dcgan", "biggan", "both"], "Which model to time")
    flags.DEFINE_integer("batch_size", 64, "The (global) batch", lower_bound=1, upper_bound=4096)
    flags.DEFINE_integer("iters", 30, "Timed iterations", lower_bound=1)
    flags.DEFINE_integer("warmup", 5, "Untimed iterations first", lower_bound=0)
    flags.DEFINE_integer("ch", 32, "BigGAN width", lower_bound=1, upper_bound=1024)
    flags.DEFINE_integer("num_D_steps", 2, "BigGAN's D updates per iteration", lower_bound=1, upper_bound=100)
    flags.DEFINE_string("data_dir", "./data", "Where mnist/ is")
    flags.DEFINE_integer("num_gpus", 1, "Time 1 to N replicas (GPUs; logical CPU devices on a machine "
                         "without GPU)", lower_bound=1, upper_bound=64)


def time_iterations(step, warmup, iters):
    """Seconds per call of step() after `warmup` untimed calls."""
    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(iters):
        step()
    return (time.perf_counter() - start) / iters


def replicas_and_config(count):
    """The replicas for `count` devices (None for one: the mains' --num_gpus 1) and the session
    config: `count` GPUs, or `count` logical CPU devices on a machine without a GPU."""
    import tensorflow as tf
    config = tfstart.session_config(tf.compat.v1)
    if count == 1:
        return None, config
    if tf.config.list_physical_devices("GPU"):
        return distribute.start(count, None, 0), config
    return distribute.logical_cpus(count, config), config


def bench_dcgan(data, count):
    import tensorflow as tf  # started by main
    from model import DCGAN
    tf1 = tf.compat.v1
    replicas, config = replicas_and_config(count)
    with tf.Graph().as_default(), tf1.Session(config=config) as sess:
        tf1.set_random_seed(0)
        model = DCGAN(sess, output_height=28, output_width=28, y_dim=10, c_dim=1,
                      batch_size=FLAGS.batch_size, sample_num=FLAGS.batch_size, dataset_name="mnist",
                      replicas=replicas)
        sess.run(tf1.global_variables_initializer())
        rng = np.random.RandomState(0)
        labels = model.label_feed(data.labels)

        def step():  # as DCGAN.train: the batch converted to float, then D once and G twice
            batch = rng.randint(0, len(data.images), FLAGS.batch_size)
            model.train_step(datasets.to_float(data.images[batch]), model.sample_noise(rng, FLAGS.batch_size),
                             labels[batch], with_summaries=False)  # no TensorBoard in the timing

        return time_iterations(step, FLAGS.warmup, FLAGS.iters), FLAGS.batch_size


def bench_biggan(data, count):
    import tensorflow as tf  # started by main
    from biggan.model import BigGAN
    tf1 = tf.compat.v1
    replicas, config = replicas_and_config(count)
    with tf.Graph().as_default(), tf1.Session(config=config) as sess:
        tf1.set_random_seed(0)
        model = BigGAN(sess, output_size=28, c_dim=1, num_classes=10, ch=FLAGS.ch,
                       batch_size=FLAGS.batch_size, num_D_steps=FLAGS.num_D_steps, replicas=replicas)
        sess.run(tf1.global_variables_initializer())
        rng = np.random.RandomState(0)

        def step():  # as BigGAN.train: num_D_steps D updates, then one G update
            batches = rng.randint(0, len(data.images), (model.num_D_steps, FLAGS.batch_size))
            model.train_discriminator(data, batches, rng, with_summaries=False)
            model.train_generator(rng)

        return time_iterations(step, FLAGS.warmup, FLAGS.iters), model.images_per_iteration


def main(argv):
    cli.reject_arguments(argv)
    data = datasets.load_mnist(os.path.join(FLAGS.data_dir, "mnist"))
    tfstart.start_tensorflow(0)  # quiet, graph mode, the device line (GAN_LAB_CHECK_ONLY: stops here)
    import tensorflow as tf
    found = len(tf.config.list_physical_devices("GPU"))
    if found:
        distribute.check_gpu_count(FLAGS.num_gpus, tf)  # more GPUs than present: one line
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPU cores, batch {FLAGS.batch_size}")
    benches = {"dcgan": bench_dcgan, "biggan": bench_biggan}
    kind = "GPU" if found else "logical CPU device"
    counts = [c for c in range(1, FLAGS.num_gpus + 1) if FLAGS.batch_size % c == 0]  # even splits
    for name in (["dcgan", "biggan"] if FLAGS.model == "both" else [FLAGS.model]):
        detail = f"ch {FLAGS.ch}, {FLAGS.num_D_steps} D steps" if name == "biggan" else "1 D + 2 G steps"
        for count in counts:
            seconds, images = benches[name](data, count)
            print(f"{name:6s} ({detail}), {count} {kind}{'s' if count > 1 else ''}: {images / seconds:7.1f} "
                  f"images/s, {seconds:.3f} s/iteration", flush=True)


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
