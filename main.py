"""Entry point of the GAN lab's DCGAN (handout 五.3): flags, then train or test.

    python main.py --dataset mnist --train        # train the conditional DCGAN on MNIST
    python main.py --dataset mnist                # test mode: grids + GIF from the checkpoint
    python main.py --dataset mnist --visualize 1  # test mode plus a handout visualize option
    python main.py --dataset mnist --export_samples 10000   # images + labels for evaluation
    python main.py --dataset planes --train       # your own images in data/planes/ (64x64)
    python main.py --dataset cifar10 --classes airplane,automobile --conditional --train

The handout's command `python main.py --dataset mnist --input_height=28 --output_height=28
--train` works unchanged; for MNIST those sizes are the defaults.

Reading order: main() below, then model.py (DCGAN.train -> train_step: the handout's loop), ops.py
(its layers), utils.py (grids, GIFs). README: "Reading order".
"""
import os

from absl import flags  # the handout's tf.app.flags: TensorFlow re-exports absl's flags

import cli
import tfstart
from errors import LabError

cli.define_common_flags(flags)
flags.DEFINE_float("learning_rate", 0.0002, "Adam learning rate", lower_bound=1e-8, upper_bound=1.0)
flags.DEFINE_float("beta1", 0.5, "Adam momentum term beta1", lower_bound=0.0, upper_bound=0.999)
flags.DEFINE_integer("z_dim", 100, "Size of the noise vector z (the handout wrongly passed "
                     "generate_test_images)", lower_bound=1, upper_bound=10_000)
FLAGS = flags.FLAGS
HELP = dict(program="main.py", groups=[("DCGAN", ["learning_rate", "beta1", "z_dim"])], usage=[
    "Trains the handout's DCGAN (--train) or, without --train, tests it: grids from the checkpoint.",
    "  python main.py --dataset mnist --train          # the handout's MNIST run (25 epochs)",
    "  python main.py --dataset mnist --train --epoch 1   # a laptop CPU: digits of every class after one",
    "                                                     # epoch (its first lines say how long it takes here)",
    "  python main.py --dataset mnist                  # test mode",
    "The handout's own command works as printed: python main.py --dataset mnist --input_height=28 "
    "--output_height=28 --train"])


def make_dcgan(sess, FLAGS, data, folders, replicas):
    """The handout's DCGAN(...) call for training; y_dim is the number of classes of a conditional
    model (10 for MNIST), c_dim the images' channels (1 for MNIST). replicas: where it trains
    (cli.start_replicas: one device, or --num_gpus and TF_CONFIG); with --diffaug and --precision
    mixed, what cli.py builds from them goes in too (None: the handout's run)."""
    from model import DCGAN  # imported once TensorFlow has started (model.py builds on it)
    with replicas.scope():  # several GPUs: every variable on each of them (distribute.py); one: nothing
        return DCGAN(sess,
                     output_width=FLAGS.output_width, output_height=FLAGS.output_height,
                     batch_size=FLAGS.batch_size, sample_num=FLAGS.batch_size,
                     y_dim=len(data.class_names) if FLAGS.conditional else None,
                     z_dim=FLAGS.z_dim, c_dim=data.images.shape[-1], dataset_name=FLAGS.dataset,
                     class_names=data.class_names, learning_rate=FLAGS.learning_rate, beta1=FLAGS.beta1,
                     max_to_keep=FLAGS.max_to_keep, model_dir=os.path.basename(folders.checkpoint),
                     data_record=cli.data_record(FLAGS, data), replicas=replicas,
                     augment=cli.augmentation(FLAGS.diffaug),
                     wrap_optimizer=cli.optimizer_wrapper(FLAGS.precision, replicas))


def check_network_size(FLAGS):
    """Sizes each DCGAN network can make (model.DCGAN.choose_network picks the network).

    Conditional MNIST (and any grayscale class folder): the handout's conditional network halves
    the size twice (28 -> 14 -> 7), so a multiple of 4. The unconditional and the colour
    conditional networks halve it four times with conv_out_size_same (64 -> 4, 48 -> 3,
    32 -> 2, 16 -> 1), so at least 16. A class folder's channels are known only once it is
    loaded, so conditional folders need both.
    """
    size = FLAGS.output_height
    sizes = ("Sizes that work: DCGAN 28 for MNIST, any from 16 for the rest (conditional: multiples "
             "of 4); BigGAN 28, 32, 64, 128")
    if FLAGS.dataset != "mnist" and size < 16:
        kind = "conditional" if FLAGS.conditional else "unconditional"
        raise LabError(f"the {kind} DCGAN needs an output size of at least 16 (got {size}); "
                       f"try 32, 48 or 64. {sizes}")
    if FLAGS.conditional and size % 4:
        raise LabError(f"the conditional DCGAN needs an output size divisible by 4 (got {size}); "
                       f"try 28, 32, 48 or 64. {sizes}")


def check_memory(FLAGS):
    """Refuse, before the data is decoded at that size or the network built, a DCGAN whose training
    would not fit in this machine's memory (e.g. --output_height 1000: 6 GB and 2.5 GB per
    checkpoint); CPU runs only (see memory.py). Colour images assumed: the data is not read yet."""
    if FLAGS.dataset == "mnist":  # MNIST's network has a fixed size
        return
    import memory
    if tfstart.gpu_may_be_used():
        return
    classes = len(cli.class_list(FLAGS)) if FLAGS.conditional else 0
    problem = memory.dcgan_problem(FLAGS.output_height, 3, FLAGS.z_dim, classes,
                                   FLAGS.batch_size, memory.available_memory_bytes())
    if problem:
        raise LabError(problem)
    params, _ = memory.dcgan_counts(FLAGS.output_height, 3, FLAGS.z_dim, classes)
    problem, note = memory.checkpoint_problem(params, FLAGS.max_to_keep, FLAGS.checkpoint_dir)
    if problem:
        raise LabError(problem)
    if note:
        print(note, flush=True)


def main(argv):
    cli.resolve_defaults(FLAGS)
    cli.validate(FLAGS, argv, "the DCGAN")  # bad flags fail here, before TensorFlow starts
    check_network_size(FLAGS)
    if FLAGS.train:
        check_memory(FLAGS)
    cluster = cli.check_replicas(FLAGS)  # --num_gpus, TF_CONFIG's machines
    folders, data = cli.prepare(FLAGS, "DCGAN", "main.py", FLAGS.batch_size, cluster)  # the data too
    tf1 = tfstart.start_tensorflow(FLAGS.seed)  # quiet import, graph mode, "device: ..." line
    replicas = cli.start_replicas(FLAGS, cluster)  # tfstart.OneDevice() unless several GPUs

    with cli.session(tf1, replicas, FLAGS.precision) as sess:
        if FLAGS.train:
            dcgan = make_dcgan(sess, FLAGS, data, folders, replicas)
            # MNIST keeps the order the handout's load_mnist shuffled it into; folders reshuffle.
            config = cli.train_config(FLAGS, folders, reshuffle=FLAGS.dataset != "mnist")
            with cli.training_run(dcgan, folders):  # one run per folder; NaN losses: one line
                counter, stop = dcgan.train(config, data)  # the handout's loop (model.py)
            cli.exit_as(stop, counter)  # finished: 0; Ctrl-C: 130 (saved); a full disk: one line
        else:  # the handout's test: the network config.json describes, from its checkpoint
            import testmode  # test mode's own file: a training run does not load it
            dcgan, counter = testmode.from_run(sess, folders.checkpoint, "main.py", FLAGS.dataset, FLAGS.batch_size,
                                               model="DCGAN")
            testmode.test_mode(dcgan, counter, folders.samples, FLAGS.batch_size, FLAGS.seed, FLAGS.visualize,
                               FLAGS.export_samples)


if __name__ == "__main__":
    cli.run_script(main, HELP)
