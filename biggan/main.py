"""Entry point of the BigGAN scripts (handout 六.2, the extension: BigGAN): the same flags as main.py.

    python biggan/main.py --dataset mnist --train                      # lab GPU defaults (ch 64)
    python biggan/main.py --dataset mnist --train --ch 16 --epoch 1    # CPU-friendly
    python biggan/main.py --dataset mnist                              # test mode (EMA weights)
    python biggan/main.py --dataset mnist --export_samples 10000       # for biggan/compare.py
    python biggan/main.py --dataset cifar10 --classes airplane,automobile --conditional --train

Outputs: grids in samples/biggan_<dataset>_<size>_<size>/, checkpoints in
checkpoint/biggan_<dataset>_<size>_<size>/, TensorBoard logs and losses.csv in logs/biggan_.../.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root


import numpy as np  # noqa: E402
from absl import flags  # noqa: E402  (the handout's tf.app.flags)

import cli  # noqa: E402
import memory  # noqa: E402
import tfstart  # noqa: E402
from biggan.architecture import ARCHITECTURES, attention_problem, block_resolutions, memory_problem  # noqa: E402
from errors import LabError  # noqa: E402

cli.define_common_flags(flags)
flags.DEFINE_integer("z_dim", 120, "Noise size; split into one chunk per G block + 1 (hierarchical z)",
                     lower_bound=1, upper_bound=10_000)
flags.DEFINE_integer("ch", 64, "Channel width (64 = the paper's CIFAR width; 16-32 on a CPU)",
                     lower_bound=1, upper_bound=1024)
flags.DEFINE_integer("shared_dim", 128, "Size of G's shared class embedding", lower_bound=1, upper_bound=4096)
flags.DEFINE_integer("attention_res", 0, "Self-attention at this resolution (0: none; BigGAN-PyTorch "
                     "uses 64 at 128 px)", lower_bound=0, upper_bound=128)
flags.DEFINE_float("G_lr", 2e-4, "Generator learning rate", lower_bound=1e-8, upper_bound=1.0)
flags.DEFINE_float("D_lr", 2e-4, "Discriminator learning rate", lower_bound=1e-8, upper_bound=1.0)
flags.DEFINE_integer("num_D_steps", 2, "D updates per G update", lower_bound=1, upper_bound=100)
flags.DEFINE_float("ema_decay", 0.999, "Decay of the EMA of G's weights used for sampling",
                   lower_bound=0.0, upper_bound=0.99999)
flags.DEFINE_integer("ema_start", 1000, "G step from which the EMA averages (before: a plain copy)",
                     lower_bound=0, upper_bound=cli.BIG)
flags.DEFINE_float("G_ortho", 0.0, "Orthogonal regularisation strength for G (0: off)",
                   lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_float("truncation", 0.0, "Sampling: |z| at most this (0: off; 0.5 = less variety, "
                   "cleaner images)", lower_bound=0.0, upper_bound=100.0)
FLAGS = flags.FLAGS
HELP = dict(program="biggan/main.py", groups=[("BigGAN", [
    "z_dim", "ch", "shared_dim", "attention_res", "G_lr", "D_lr", "num_D_steps", "ema_decay",
    "ema_start", "G_ortho", "truncation"])], usage=[
    "Trains BigGAN (--train) on the same data as main.py or, without --train, tests it.",
    "  python biggan/main.py --dataset mnist --train                 # a GPU server: --ch 64",
    "  python biggan/main.py --dataset mnist --train --ch 16 --epoch 1 --ema_start 200 --ema_decay 0.99",
    "  python biggan/main.py --dataset mnist                         # test mode (EMA generator)"])


def check_biggan_flags(FLAGS):
    """BigGAN-only settings that cannot work, as one-line errors."""
    size = FLAGS.output_height
    if size not in ARCHITECTURES:
        *smaller, largest = sorted(ARCHITECTURES)
        raise LabError(f"BigGAN has networks for {', '.join(map(str, smaller))} pixels (and {largest} "
                       f"for a GPU server), not {size}; set --output_height to one of them (the "
                       "DCGAN, main.py, makes any size from 16; MNIST 28)")
    g_mults = ARCHITECTURES[size][1]
    sizes = block_resolutions(size)
    if FLAGS.attention_res and FLAGS.attention_res not in sizes:
        raise LabError(f"--attention_res {FLAGS.attention_res} is not a resolution of the "
                       f"{size}x{size} network; use one of {', '.join(map(str, sizes))} (or 0)")
    if FLAGS.z_dim % len(g_mults):
        raise LabError(f"--z_dim must be divisible by {len(g_mults)} at {size}x{size} "
                       "(one chunk per G block + 1), e.g. 120")
    problem = attention_problem(size, FLAGS.ch, FLAGS.attention_res)
    if problem:
        raise LabError(problem)
    if FLAGS.train and not tfstart.gpu_may_be_used():  # a GPU's memory is known once TensorFlow runs
        problem = memory_problem(size, FLAGS.ch, FLAGS.batch_size, memory.available_memory_bytes(),
                                 FLAGS.attention_res)
        if problem:
            raise LabError(problem)


def make_biggan(sess, FLAGS, data, folders, replicas):
    """The BigGAN(...) call for training, as make_dcgan in main.py; num_classes 0 for an
    unconditional model. replicas: where it trains (cli.start_replicas)."""
    from biggan.model import BigGAN  # imported once TensorFlow has started (it builds on it)
    with replicas.scope():  # several GPUs: every variable on each of them (distribute.py); one: nothing
        return BigGAN(sess, output_size=FLAGS.output_height, c_dim=data.images.shape[-1],
                      num_classes=len(data.class_names) if FLAGS.conditional else 0,
                      class_names=data.class_names if FLAGS.conditional else [], z_dim=FLAGS.z_dim,
                      ch=FLAGS.ch, shared_dim=FLAGS.shared_dim, attention_res=FLAGS.attention_res,
                      batch_size=FLAGS.batch_size, G_lr=FLAGS.G_lr, D_lr=FLAGS.D_lr,
                      num_D_steps=FLAGS.num_D_steps, ema_decay=FLAGS.ema_decay,
                      ema_start=FLAGS.ema_start, G_ortho=FLAGS.G_ortho,
                      truncation=FLAGS.truncation or None, dataset_name=FLAGS.dataset,
                      max_to_keep=FLAGS.max_to_keep, model_dir=os.path.basename(folders.checkpoint),
                      data_record=cli.data_record(FLAGS, data), replicas=replicas,
                      augment=cli.augmentation(FLAGS.diffaug),
                      wrap_optimizer=cli.optimizer_wrapper(FLAGS.precision, replicas))


def truncation_sweep(model, FLAGS, out, thresholds=(0.25, 0.5, 1.0, 1.5, 2.0, None)):
    """test_truncation.png: one row per truncation threshold, the same noise direction and classes
    in every row, so the rows show what truncation does: less variety, cleaner images as it shrinks."""
    from testmode import labelled_picture, save_picture  # test mode's pictures
    columns = 10
    labels = np.arange(columns) % max(1, model.num_classes) if model.num_classes else None
    rows = []
    for t in thresholds:
        model.truncation = t
        rows.append(model.generate(model.sample_noise(np.random.RandomState(FLAGS.seed), columns), labels))
    model.truncation = FLAGS.truncation or None
    names = [f"|z| <= {t:g}" if t else "no truncation" for t in thresholds]
    title = ("The truncation trick (--truncation): each row draws z with |z| capped; smaller caps, "
             "less variety and cleaner images" + (". Columns cycle through the classes" if labels is not None else ""))
    path = os.path.join(out, "test_truncation.png")
    return save_picture(labelled_picture(np.concatenate(rows), (len(thresholds), columns), title, names), path)


def main(argv):
    cli.resolve_defaults(FLAGS)
    cli.validate(FLAGS, argv, "BigGAN")
    check_biggan_flags(FLAGS)  # bad flags fail here, before TensorFlow starts
    cluster = cli.check_replicas(FLAGS)  # --num_gpus, TF_CONFIG's machines
    folders, data = cli.prepare(FLAGS, "BigGAN", "biggan/main.py", FLAGS.batch_size * FLAGS.num_D_steps,
                                cluster)
    tf1 = tfstart.start_tensorflow(FLAGS.seed)  # quiet import, graph mode, "device: ..." line
    replicas = cli.start_replicas(FLAGS, cluster)  # tfstart.OneDevice() unless several GPUs

    with cli.session(tf1, replicas, FLAGS.precision) as sess:
        if FLAGS.train:
            biggan = make_biggan(sess, FLAGS, data, folders, replicas)
            config = cli.train_config(FLAGS, folders, reshuffle=True)
            with cli.training_run(biggan, folders):  # one run per folder; NaN losses: one line
                counter, stop = biggan.train(config, data)
            cli.exit_as(stop, counter)  # finished: 0; Ctrl-C: 130 (saved); a full disk: one line
        else:  # test mode with the EMA generator, as config.json describes it
            import testmode  # test mode's own file: a training run does not load it
            biggan, counter = testmode.from_run(sess, folders.checkpoint, "biggan/main.py", FLAGS.dataset,
                                                FLAGS.batch_size, FLAGS.truncation or None, model="BigGAN")
            testmode.test_mode(biggan, counter, folders.samples, FLAGS.batch_size, FLAGS.seed, FLAGS.visualize,
                               FLAGS.export_samples)
            print(" [*] wrote", truncation_sweep(biggan, FLAGS, folders.samples))


if __name__ == "__main__":
    cli.run_script(main, HELP)
