"""Training throughput of the lab's GANs on whatever device TensorFlow sees, per --precision.

    python bench/train_speed.py                    # DCGAN (MNIST cDCGAN, batch 64) and BigGAN
    python bench/train_speed.py --model dcgan --iters 50
    python bench/train_speed.py --model biggan --ch 32
    python bench/train_speed.py --images colour32 --ch 16 --precision fp32,bf16   # cars and planes
    python bench/train_speed.py --images colour32 --xla                           # XLA auto-clustering

Times the real training step of each model (DCGAN: one D and two G updates per batch, as
the handout; BigGAN: num_D_steps D updates and one G update) after a few warm-up iterations,
and prints images/s and seconds/iteration for every --precision asked (precision.py: fp32,
bf16 on CPUs with AVX512_BF16 or AMX, mixed on a GPU). "Images" are the real images D sees:
batch_size per DCGAN iteration, batch_size x num_D_steps per BigGAN one. --images mnist: the
MNIST networks on MNIST batches; colour32: the colour conditional DCGAN and the 32x32 BigGAN with
2 classes, on random colour batches (the arithmetic does not depend on what the pixels show).
Besides wall-clock images/s it prints images per CPU-second (all threads): on a machine that
other jobs share, the fairer figure.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

import numpy as np  # noqa: E402
import precision as arithmetic  # noqa: E402
import tfstart  # noqa: E402

tf = tfstart.import_tensorflow()  # start-up chatter hidden
import datasets  # noqa: E402
from biggan.model import BigGAN  # noqa: E402
from model import DCGAN  # noqa: E402

tf1 = tf.compat.v1


def time_iterations(step, warmup, iters):
    """(wall seconds, CPU seconds) per call of step() after `warmup` untimed calls."""
    for _ in range(warmup):
        step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(iters):
        step()
    return (time.perf_counter() - start) / iters, (time.process_time() - cpu) / iters


def session_config(args, mode):
    """The mains' session config for this precision, plus XLA auto-clustering with --xla."""
    config = tfstart.session_config(tf1, mode)
    if args.xla:
        config.graph_options.optimizer_options.global_jit_level = tf1.OptimizerOptions.ON_1
    return config


def make_data(args):
    """MNIST's digits, or random 32x32 colour images of 2 classes (--images colour32)."""
    if args.images == "mnist":
        return datasets.load_mnist(os.path.join(args.data_dir, "mnist"))
    rng = np.random.RandomState(0)
    return datasets.Dataset(rng.randint(0, 256, (512, 32, 32, 3), dtype=np.uint8), rng.randint(0, 2, 512),
                            ["airplane", "automobile"])


def bench_dcgan(data, args, mode):
    with tf.Graph().as_default(), tf1.Session(config=session_config(args, mode)) as sess:
        tf1.set_random_seed(0)
        size, channels = data.images.shape[1], data.images.shape[-1]
        model = DCGAN(sess, output_height=size, output_width=size, y_dim=len(data.class_names), c_dim=channels,
                      batch_size=args.batch_size, sample_num=args.batch_size, dataset_name="bench",
                      precision=mode)
        sess.run(tf1.global_variables_initializer())
        rng = np.random.RandomState(0)
        labels = model.label_feed(data.labels)

        def step():  # as DCGAN.train: the batch converted to float, then D once and G twice
            batch = rng.randint(0, len(data.images), args.batch_size)
            model.train_step(model.to_model_range(datasets.to_float(data.images[batch])),
                             model.sample_noise(rng, args.batch_size), labels[batch],
                             with_summaries=False)  # no TensorBoard in the timing

        return time_iterations(step, args.warmup, args.iters), args.batch_size


def bench_biggan(data, args, mode):
    with tf.Graph().as_default(), tf1.Session(config=session_config(args, mode)) as sess:
        tf1.set_random_seed(0)
        model = BigGAN(sess, output_size=data.images.shape[1], c_dim=data.images.shape[-1],
                       num_classes=len(data.class_names), ch=args.ch, batch_size=args.batch_size,
                       num_D_steps=args.num_D_steps, precision=mode)
        sess.run(tf1.global_variables_initializer())
        rng = np.random.RandomState(0)

        def step():  # as BigGAN.train: num_D_steps D updates, then one G update
            batches = rng.randint(0, len(data.images), (model.num_D_steps, args.batch_size))
            model.train_discriminator(data, batches, rng, with_summaries=False)
            model.train_generator(rng)

        return time_iterations(step, args.warmup, args.iters), model.images_per_iteration


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=["dcgan", "biggan", "both"], default="both")
    parser.add_argument("--images", choices=["mnist", "colour32"], default="mnist")
    parser.add_argument("--precision", default="fp32", help="comma-separated, each timed: fp32, bf16, mixed")
    parser.add_argument("--xla", action="store_true", help="XLA auto-clustering (global_jit_level ON_1)")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--iters", type=int, default=30, help="timed iterations")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--ch", type=int, default=32, help="BigGAN width")
    parser.add_argument("--num_D_steps", type=int, default=2)
    parser.add_argument("--data_dir", default="./data")
    args = parser.parse_args()
    modes = [m.strip() for m in args.precision.split(",") if m.strip()]
    gpu = bool(tf.config.list_physical_devices("GPU"))
    for mode in modes:
        problem = (f"--precision {mode}: use fp32, bf16 or mixed" if mode not in arithmetic.CHOICES
                   else arithmetic.problem(mode, gpu))
        if problem:
            parser.error(problem)
    return args, modes


def main():
    args, modes = parse_args()
    tf1.disable_eager_execution()
    tf1.logging.set_verbosity(tf1.logging.ERROR)
    data = make_data(args)
    device = tf.config.list_physical_devices("GPU") or ["CPU"]
    print(f"device: {device[0] if device == ['CPU'] else device[0].name}, TensorFlow {tf.__version__}, "
          f"{os.cpu_count()} CPU cores, batch {args.batch_size}, {args.images}{', XLA' if args.xla else ''}")
    benches = {"dcgan": bench_dcgan, "biggan": bench_biggan}
    for name in (["dcgan", "biggan"] if args.model == "both" else [args.model]):
        for mode in modes:
            (seconds, cpu), images = benches[name](data, args, mode)
            detail = f"ch {args.ch}, {args.num_D_steps} D steps" if name == "biggan" else "1 D + 2 G steps"
            print(f"{name:6s} ({detail}) {mode:5s}: {images / seconds:7.1f} images/s, {seconds:.3f} s/iteration, "
                  f"{images / cpu:7.1f} images per CPU-second", flush=True)

if __name__ == "__main__":
    main()
