"""Training throughput of the lab's GANs on whatever device TensorFlow sees.

    python bench/train_speed.py                    # DCGAN (MNIST cDCGAN, batch 64) and BigGAN
    python bench/train_speed.py --model dcgan --iters 50
    python bench/train_speed.py --model biggan --ch 32

Times the real training step of each model (DCGAN: one D and two G updates per batch, as
the handout; BigGAN: num_D_steps D updates and one G update) on MNIST batches, after a
few warm-up iterations, and prints images/s and seconds/iteration. "Images" are the real
images D sees: batch_size per DCGAN iteration, batch_size x num_D_steps per BigGAN one.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

import numpy as np  # noqa: E402
import tfstart  # noqa: E402

tf = tfstart.import_tensorflow()  # start-up chatter hidden
import datasets  # noqa: E402
from biggan.model import BigGAN  # noqa: E402
from errors import stop_if_only_checking  # noqa: E402
from model import DCGAN  # noqa: E402

tf1 = tf.compat.v1


def time_iterations(step, warmup, iters):
    """Seconds per call of step() after `warmup` untimed calls."""
    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(iters):
        step()
    return (time.perf_counter() - start) / iters


def bench_dcgan(data, args):
    with tf.Graph().as_default(), tf1.Session() as sess:
        tf1.set_random_seed(0)
        model = DCGAN(sess, output_height=28, output_width=28, y_dim=10, c_dim=1,
                      batch_size=args.batch_size, sample_num=args.batch_size, dataset_name="mnist")
        sess.run(tf1.global_variables_initializer())
        rng = np.random.RandomState(0)
        labels = model.label_feed(data.labels)

        def step():  # as DCGAN.train: the batch converted to float, then D once and G twice
            batch = rng.randint(0, len(data.images), args.batch_size)
            model.train_step(datasets.to_float(data.images[batch]), model.sample_noise(rng, args.batch_size),
                             labels[batch], with_summaries=False)  # no TensorBoard in the timing

        return time_iterations(step, args.warmup, args.iters), args.batch_size


def bench_biggan(data, args):
    with tf.Graph().as_default(), tf1.Session() as sess:
        tf1.set_random_seed(0)
        model = BigGAN(sess, output_size=28, c_dim=1, num_classes=10, ch=args.ch,
                       batch_size=args.batch_size, num_D_steps=args.num_D_steps)
        sess.run(tf1.global_variables_initializer())
        rng = np.random.RandomState(0)

        def step():  # as BigGAN.train: num_D_steps D updates, then one G update
            batches = rng.randint(0, len(data.images), (model.num_D_steps, args.batch_size))
            model.train_discriminator(data, batches, rng, with_summaries=False)
            model.train_generator(rng)

        return time_iterations(step, args.warmup, args.iters), model.images_per_iteration


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=["dcgan", "biggan", "both"], default="both")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--iters", type=int, default=30, help="timed iterations")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--ch", type=int, default=32, help="BigGAN width")
    parser.add_argument("--num_D_steps", type=int, default=2)
    parser.add_argument("--data_dir", default="./data")
    args = parser.parse_args()
    data = datasets.load_mnist(os.path.join(args.data_dir, "mnist"))
    stop_if_only_checking("the flags and the data check out")
    tf1.disable_eager_execution()
    device = tf.config.list_physical_devices("GPU") or ["CPU"]
    print(f"device: {device[0] if device == ['CPU'] else device[0].name}, TensorFlow {tf.__version__}, "
          f"{os.cpu_count()} CPU cores, batch {args.batch_size}")
    benches = {"dcgan": bench_dcgan, "biggan": bench_biggan}
    for name in (["dcgan", "biggan"] if args.model == "both" else [args.model]):
        seconds, images = benches[name](data, args)
        detail = f"ch {args.ch}, {args.num_D_steps} D steps" if name == "biggan" else "1 D + 2 G steps"
        print(f"{name:6s} ({detail}): {images / seconds:7.1f} images/s, {seconds:.3f} s/iteration")


if __name__ == "__main__":
    main()
