"""Entry point of the GAN lab's DCGAN (handout step 3): flags, then train or test.

    python main.py --dataset mnist --train        # train the conditional DCGAN on MNIST
    python main.py --dataset mnist                # test mode: grids + GIF from the checkpoint
    python main.py --dataset mnist --visualize 1  # test mode plus a handout visualize option
    python main.py --dataset mnist --export_samples 10000   # images + labels for evaluation
    python main.py --dataset planes --train       # your own images in data/planes/ (64x64)
    python main.py --dataset cifar10 --classes airplane,automobile --conditional --train

The handout's command `python main.py --dataset mnist --input_height=28 --output_height=28
--train` works unchanged; for MNIST those sizes are the defaults.
"""
import os
import sys

from absl import app, flags  # the handout's tf.app.flags: TensorFlow re-exports absl's flags

import cli
import tfstart
from errors import LabError, run_or_exit

cli.define_common_flags(flags)
flags.DEFINE_float("learning_rate", 0.0002, "Adam learning rate")
flags.DEFINE_float("beta1", 0.5, "Adam momentum term beta1")
flags.DEFINE_integer("z_dim", 100, "Size of the noise vector z (the handout wrongly passed generate_test_images)")
FLAGS = flags.FLAGS


def make_dcgan(sess, FLAGS, c_dim, class_names):
    """The handout's DCGAN(...) call; y_dim is the number of classes of a conditional model."""
    from model import DCGAN  # imported once TensorFlow has started (model.py builds on it)
    return DCGAN(sess,
                 input_width=FLAGS.input_width, input_height=FLAGS.input_height,
                 output_width=FLAGS.output_width, output_height=FLAGS.output_height,
                 batch_size=FLAGS.batch_size, sample_num=FLAGS.batch_size,
                 y_dim=len(class_names) if FLAGS.conditional else None,
                 z_dim=FLAGS.z_dim, c_dim=c_dim, dataset_name=FLAGS.dataset,
                 input_fname_pattern=FLAGS.input_fname_pattern, crop=FLAGS.crop,
                 checkpoint_dir=FLAGS.checkpoint_dir, sample_dir=FLAGS.sample_dir,
                 data_dir=FLAGS.data_dir, log_dir=FLAGS.logs_dir, class_names=class_names,
                 learning_rate=FLAGS.learning_rate, beta1=FLAGS.beta1,
                 max_to_keep=FLAGS.max_to_keep, model_dir=cli.model_dir_name(FLAGS))


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


def main(argv):
    cli.resolve_defaults(FLAGS)
    cli.validate(FLAGS, argv, "the DCGAN")  # bad flags fail here, before TensorFlow starts
    check_network_size(FLAGS)
    print(cli.first_line("DCGAN", FLAGS), flush=True)
    tf1 = tfstart.start_tensorflow(FLAGS.seed)  # quiet import, graph mode, "device: ..." line

    with tf1.Session(config=tfstart.session_config(tf1)) as sess:
        if FLAGS.train:
            data = cli.load_training_data(FLAGS)
            dcgan = make_dcgan(sess, FLAGS, data.images.shape[-1], data.class_names)
            dcgan.train(FLAGS, data)
        else:
            saved = cli.read_run_config(FLAGS, cli.model_dir_name(FLAGS), "main.py")
            FLAGS.z_dim = saved["z_dim"]
            dcgan = make_dcgan(sess, FLAGS, saved["c_dim"], saved["class_names"])
            sess.run(tf1.global_variables_initializer())
            found, counter = dcgan.load(FLAGS.checkpoint_dir)
            if not found:
                raise LabError(f"no checkpoint in {os.path.join(FLAGS.checkpoint_dir, dcgan.model_dir)}; "
                               f"train first: python main.py --dataset {FLAGS.dataset} --train")
            print(f" [*] Loaded {dcgan.model_dir} at iteration {counter}")
            cli.run_test_mode(dcgan, FLAGS)


if __name__ == "__main__":
    app.run(lambda argv: run_or_exit(main, argv), argv=sys.argv)
