"""The DCGAN class of the handout (五.6), in tf.compat.v1 graph mode, its methods in the handout's
order: __init__, build_model, train, discriminator, generator, sampler, model_dir, save, load.
What the lab adds comes after them: which network to build, and the sampling helpers.

The handout's discriminator and generator hold its two networks, as the handout writes them:
- conditional (y_dim set: MNIST, y_dim=10, c_dim=1): the label y concatenated to the input of
  every layer, fully connected layers of 1024; the generator ends in a sigmoid ([0, 1]);
- unconditional (y_dim None; image folders): linear+reshape -> 3x(deconv+BN+ReLU) -> deconv+tanh
  ([-1, 1]); the discriminator is conv+lrelu -> 3x(conv+BN+lrelu) -> linear.
A third network is the lab's own (colour_network.py, loaded only when it is built): for colour
class folders and CIFAR-10 classes, the unconditional layers, G shown the label at every layer
the handout's way, D naming the class it sees (AC-GAN). The conditional network's 11- and
74-filter D and its 1024-unit layers are sized for 28x28 digits and make checkerboard texture on
photos. config.json's "network" says which a checkpoint holds (runs.DCGAN_NETWORKS).

Differences from the handout's code, each fixing a known trap (see README):
- the batch size is dynamic, so test mode can sample any number of images;
- `sampler` is the generator in inference mode sharing its weights (no copied code);
- checkpoints store the epoch/iteration, a final save happens, and a `config.json` next
  to them records the architecture so test mode needs no dataset.

What the lab adds to training reaches the model from outside, built by cli.py from the flags:
`replicas` (several GPUs or machines: distribute.py), `augment` (--diffaug: diffaug.py) and
`wrap_optimizer` (--precision mixed: precision.py; several GPUs). Left out, the model trains as
the handout's: one device, D sees the images as they are, Adam as it is.
"""
import numpy as np
import tensorflow.compat.v1 as tf  # the handout's TensorFlow 1 names: tf.placeholder, tf.variable_scope, ...

import checkpoints
import ops
import runs
import tfstart
from ops import batch_norm, concat, conv2d, conv_cond_concat, conv_out_size_same, deconv2d, lrelu, linear
from sampling import generate_images, save_training_grid
from utils import cycle_labels, to_float


class DCGAN(object):
    # The networks a DCGAN can be (choose_network); config.json records which as "network".
    MNIST_CONDITIONAL = "mnist_conditional"    # the handout's conditional network (MNIST)
    UNCONDITIONAL = "unconditional"            # the handout's unconditional network
    COLOUR_CLASSIFYING = "colour_classifying"  # the lab's: G sees the label, D names the class (AC-GAN)
    COLOUR_CONDITIONAL = "colour_conditional"  # its first version: the label everywhere (runs saved before)
    checkpoint_name = "DCGAN"  # checkpoint files are DCGAN.model-<iteration>
    sampler_note = ""  # test mode samples from G itself

    def __init__(self, sess, batch_size=64, sample_num=64, output_height=64, output_width=64,
                 y_dim=None, z_dim=100, gf_dim=64, df_dim=64, gfc_dim=1024, dfc_dim=1024, c_dim=3,
                 dataset_name="default", class_names=None, learning_rate=0.0002, beta1=0.5,
                 max_to_keep=5, model_dir=None, data_record=None, network=None, replicas=None,
                 augment=None, wrap_optimizer=None):
        """Store the hyper-parameters and build the graph (handout 五.6).

        y_dim: number of classes for the conditional network (10 for MNIST), None otherwise.
        c_dim: image channels (1 for MNIST's grayscale, 3 for colour).
        model_dir: the run's name (runs.run_name), the sub-folder of checkpoint/, samples/, logs/.
        data_record: what the run trains on (dataset, split, classes, images), for config.json.
        network: which network to build [choose_network: from y_dim and c_dim].
        replicas: where the training step runs [tfstart.OneDevice(); distribute.Replicas].
        augment(images, value_range): what D sees of real and fake images [the images themselves].
        wrap_optimizer(optimizer): what each Adam is wrapped in [nothing].
        The handout's input_height/width, crop, data_dir, ... describe the data: datasets.py
        reads them, the network never does.
        """
        self.sess = sess
        self.batch_size, self.sample_num = batch_size, sample_num
        self.output_height, self.output_width = output_height, output_width
        self.y_dim, self.z_dim, self.c_dim = y_dim, z_dim, c_dim
        self.gf_dim, self.df_dim = gf_dim, df_dim      # conv filters of G / D
        self.gfc_dim, self.dfc_dim = gfc_dim, dfc_dim  # fully connected units (conditional net)
        self.dataset_name = dataset_name
        self.class_names = list(class_names or ([str(i) for i in range(y_dim)] if y_dim else []))
        self.learning_rate, self.beta1, self.max_to_keep = learning_rate, beta1, max_to_keep
        self.network = network or self.choose_network(y_dim, c_dim)
        self.architecture = runs.DCGANArchitecture(
            dataset_name, output_height, output_width, c_dim, z_dim, y_dim, self.class_names,
            self.network, gf_dim, df_dim, gfc_dim, dfc_dim)
        self.model_dir = model_dir or runs.run_name("DCGAN", dataset_name, output_height, bool(y_dim))
        self.data_record = data_record or {}

        # batch norm layers (handout: d_bn1.., g_bn0..): the conditional D has two, the
        # others three; the conditional G three, the others four.
        self.d_bn1, self.d_bn2 = batch_norm(name="d_bn1"), batch_norm(name="d_bn2")
        self.g_bn0, self.g_bn1, self.g_bn2 = (batch_norm(name="g_bn0"), batch_norm(name="g_bn1"),
                                              batch_norm(name="g_bn2"))
        if self.network != self.MNIST_CONDITIONAL:
            self.d_bn3, self.g_bn3 = batch_norm(name="d_bn3"), batch_norm(name="g_bn3")
        self.replicas = replicas or tfstart.OneDevice()
        self.augment = augment or (lambda images, value_range=None: images)
        self.wrap_optimizer = wrap_optimizer or (lambda optimizer: optimizer)
        self.build_model()

    def build_model(self):
        """The handout's build_model: placeholders, G, D (twice: real and fake, shared weights),
        losses and optimisers (build_training), then the sampler and TensorBoard's summaries.

        self.replicas.per_replica runs build_training once, for the whole batch; on several GPUs
        (distribute.py) once per GPU on its share, its values coming back as one (losses: the
        mean). Batch norm still normalises with the statistics of the whole batch (the handout's
        batch, as on one device): replicas change where the batch is computed, not what."""
        if self.y_dim:
            self.y = tf.placeholder(tf.float32, [None, self.y_dim], name="y")
        else:
            self.y = None
        image_dims = [self.output_height, self.output_width, self.c_dim]
        self.inputs = tf.placeholder(tf.float32, [None] + image_dims, name="real_images")
        self.z = tf.placeholder(tf.float32, [None, self.z_dim], name="z")
        self.z_sum = tf.summary.histogram("z", self.z)

        (self.G, self.D, self.D_logits, self.D_, self.D_logits_, self.d_loss_real, self.d_loss_fake,
         self.g_loss, self.d_loss, self.d_optim, self.g_optim) = self.replicas.per_replica(
            self.build_training, self.inputs, self.z, self.y)
        # The handout writes `self.sampler = self.sampler(...)`, hiding the method; we keep both.
        self.samples = self.sampler(self.z, self.y)
        # The sampler's batch norm statistics, measured from G (ops.standing_statistics_ops).
        self.standing = ops.standing_statistics_ops(
            lambda: self.generator(self.z, self.y, train=True, reuse=True))

        self.d_sum = tf.summary.histogram("d", self.D)
        self.d__sum = tf.summary.histogram("d_", self.D_)
        self.G_sum = tf.summary.image("G", self.G, max_outputs=4)
        self.d_loss_real_sum = tf.summary.scalar("d_loss_real", self.d_loss_real)
        self.d_loss_fake_sum = tf.summary.scalar("d_loss_fake", self.d_loss_fake)
        self.g_loss_sum = tf.summary.scalar("g_loss", self.g_loss)
        self.d_loss_sum = tf.summary.scalar("d_loss", self.d_loss)
        self.g_sum = tf.summary.merge([self.z_sum, self.d__sum, self.G_sum,
                                        self.d_loss_fake_sum, self.g_loss_sum])
        self.d_sum = tf.summary.merge([self.z_sum, self.d_sum, self.d_loss_real_sum, self.d_loss_sum])
        self.saver = tf.train.Saver(max_to_keep=self.max_to_keep)

    def build_training(self, inputs, z, y):
        """G, D on the real and on the fake images, the sigmoid cross-entropy losses and the
        Adam updates (the handout's build_model; on one device for the whole batch). Returns
        (G, D, D_logits, D_, D_logits_, d_loss_real, d_loss_fake, g_loss, d_loss, d_optim, g_optim)."""
        G = self.generator(z, y)
        if self.network == self.COLOUR_CLASSIFYING:  # the lab's photos network: D also names the class
            import colour_network
            D, D_logits, D_, D_logits_, d_loss_real, d_loss_fake, g_loss, d_loss = \
                colour_network.classifying_losses(self, inputs, G, y)
        else:
            # D sees the real and the fake images (through DiffAugment's T with --diffaug: self.augment)
            D, D_logits = self.discriminator(self.augment(inputs, self.value_range), y, reuse=False)
            D_, D_logits_ = self.discriminator(self.augment(G, self.value_range), y, reuse=True)

            xent = tf.nn.sigmoid_cross_entropy_with_logits
            d_loss_real = tf.reduce_mean(xent(logits=D_logits, labels=tf.ones_like(D)))
            d_loss_fake = tf.reduce_mean(xent(logits=D_logits_, labels=tf.zeros_like(D_)))
            # Non-saturating generator loss: G wants D to call its images real.
            g_loss = tf.reduce_mean(xent(logits=D_logits_, labels=tf.ones_like(D_)))
            d_loss = d_loss_real + d_loss_fake

        t_vars = tf.trainable_variables()
        self.d_vars = [var for var in t_vars if "d_" in var.name]
        self.g_vars = [var for var in t_vars if "g_" in var.name]

        # The optimisers are built here (the handout builds them in train) so the Saver also
        # stores Adam's moment estimates and a resumed run continues exactly. (self.wrap_optimizer:
        # Adam as it is; --precision mixed adds loss scaling, several GPUs each one's share)
        d_optim = self.wrap_optimizer(tf.train.AdamOptimizer(self.learning_rate, beta1=self.beta1)) \
            .minimize(d_loss, var_list=self.d_vars)
        g_optim = self.wrap_optimizer(tf.train.AdamOptimizer(self.learning_rate, beta1=self.beta1)) \
            .minimize(g_loss, var_list=self.g_vars)
        return G, D, D_logits, D_, D_logits_, d_loss_real, d_loss_fake, g_loss, d_loss, d_optim, g_optim

    def train(self, config, data):
        """The handout's training loop (五.6.2): for every epoch, for every batch, one D
        update and two G updates; a sample grid every config.sample_freq iterations and a
        checkpoint every config.ckpt_freq. Returns (iterations done, the training.StopOnSignal that
        says whether and why the run stopped early).

        config: training.TrainConfig (config.folders: the run's checkpoint, samples and logs
        folders); data: datasets.Dataset (uint8 images, labels).
        """
        import training  # the loop's bookkeeping (progress, losses.csv, stops): test mode does not load it
        folders = config.folders
        batch_idxs = training.batches_per_epoch(len(data.images), config.train_size, self.batch_size)
        counter, previous = training.resume(self, folders.checkpoint)  # or start at 0
        log = training.RunLog(self, config, counter, batch_idxs, previous)  # progress, losses.csv, TensorBoard
        # Fixed noise and labels: the grids show the same samples getting better over time.
        sample_z = self.sample_noise(np.random.RandomState(config.seed), self.sample_num)
        sample_labels = cycle_labels(self.sample_num, self.y_dim) if self.y_dim else None
        batch_rng = np.random.RandomState(training.derived_seed(config.seed, counter))  # new noise on resume
        start_epoch, start_idx = divmod(counter, batch_idxs)

        with training.StopOnSignal() as stop:  # Ctrl-C, SIGTERM, a full disk
            for epoch in range(start_epoch, config.epoch):
                order = training.epoch_order(len(data.images), epoch, config)
                for idx in range(start_idx if epoch == start_epoch else 0, batch_idxs):
                    batch = order[idx * self.batch_size:(idx + 1) * self.batch_size]
                    batch_images = self.to_model_range(to_float(data.images[batch]))  # [B, H, W, c]
                    batch_labels = self.label_feed(data.labels[batch]) if self.y_dim else None
                    batch_z = self.sample_noise(batch_rng, self.batch_size)       # [B, z_dim]

                    errD, errG, summaries = self.train_step(batch_images, batch_z, batch_labels,
                                                            log.summary_due(counter))
                    counter += 1
                    log.iteration(counter, epoch, idx, errD, errG, summaries)

                    if np.mod(counter - 1, config.sample_freq) == 0:  # handout: counter % 100 == 1
                        save_training_grid(self, sample_z, sample_labels, folders.samples, epoch, idx, errD, errG)
                    if np.mod(counter, config.ckpt_freq) == 0:  # handout: counter % 500 == 2
                        self.save(folders.checkpoint, counter, log.training_record(counter))
                    if stop.requested:
                        break
                if stop.requested:
                    break
        if counter > log.start_counter and np.mod(counter - 1, config.sample_freq) and stop.failure is None:
            # the last iteration's grid too (a run shorter than sample_freq had only its first)
            save_training_grid(self, sample_z, sample_labels, folders.samples, epoch, idx, errD, errG)
        self.save(folders.checkpoint, counter, log.training_record(counter))  # the end, always
        log.close(counter, stop)
        return counter, stop

    def train_step(self, batch_images, batch_z, batch_labels, with_summaries):
        """Update D once, then G twice (handout: "so that d_loss does not go to zero").

        Returns (d_loss, g_loss, TensorBoard summaries). The losses come from the same session
        runs as the updates (the forward pass before each update) instead of the handout's three
        extra evaluations: the same numbers within one step's change, a fifth less compute.
        """
        feed_g = {self.z: batch_z}
        if self.y_dim:
            feed_g[self.y] = batch_labels
        feed_d = {**feed_g, self.inputs: batch_images}
        d_out = self.sess.run([self.d_optim, self.d_loss] + ([self.d_sum] if with_summaries else []), feed_d)
        self.sess.run(self.g_optim, feed_dict=feed_g)
        g_out = self.sess.run([self.g_optim, self.g_loss] + ([self.g_sum] if with_summaries else []), feed_g)
        return float(d_out[1]), float(g_out[1]), d_out[2:] + g_out[2:]

    def discriminator(self, image, y=None, reuse=False):
        """D(x[, y]) -> (probability real [B, 1], logits [B, 1]): the handout's two networks.
        Shapes: unconditional at 64 px (df_dim 64), conditional at MNIST's 28 px."""
        with tf.variable_scope("discriminator") as scope:
            if reuse:
                scope.reuse_variables()
            if self.network == self.COLOUR_CLASSIFYING:  # the lab's third network (colour photos)
                import colour_network
                return colour_network.classifying_discriminator(self, image)[:2]
            if self.network == self.COLOUR_CONDITIONAL:  # its first version (runs saved before)
                import colour_network
                return colour_network.discriminator(self, image, y)
            if not self.y_dim:
                h0 = lrelu(conv2d(image, self.df_dim, name="d_h0_conv"))                       # [B, 32, 32, 64]
                h1 = lrelu(self.d_bn1(conv2d(h0, self.df_dim * 2, name="d_h1_conv")))          # [B, 16, 16, 128]
                h2 = lrelu(self.d_bn2(conv2d(h1, self.df_dim * 4, name="d_h2_conv")))          # [B, 8, 8, 256]
                h3 = lrelu(self.d_bn3(conv2d(h2, self.df_dim * 8, name="d_h3_conv")))          # [B, 4, 4, 512]
                h4 = linear(tf.reshape(h3, [-1, int(np.prod(h3.get_shape()[1:]))]), 1, "d_h4_lin")  # [B, 1]
                return tf.nn.sigmoid(h4), h4
            else:
                yb = tf.reshape(y, [-1, 1, 1, self.y_dim])                                    # [B, 1, 1, 10]
                x = conv_cond_concat(image, yb)                                               # [B, 28, 28, 11]
                h0 = lrelu(conv2d(x, self.c_dim + self.y_dim, name="d_h0_conv"))              # [B, 14, 14, 11]
                h0 = conv_cond_concat(h0, yb)                                                 # [B, 14, 14, 21]
                h1 = lrelu(self.d_bn1(conv2d(h0, self.df_dim + self.y_dim, name="d_h1_conv")))  # [B, 7, 7, 74]
                h1 = tf.reshape(h1, [-1, int(np.prod(h1.get_shape()[1:]))])                   # [B, 3626]
                h1 = concat([h1, y], 1)                                                       # [B, 3636]
                h2 = lrelu(self.d_bn2(linear(h1, self.dfc_dim, "d_h2_lin")))                  # [B, 1024]
                h2 = concat([h2, y], 1)                                                       # [B, 1034]
                h3 = linear(h2, 1, "d_h3_lin")                                                # [B, 1]
                return tf.nn.sigmoid(h3), h3

    def generator(self, z, y=None, train=True, reuse=False):
        """G(z[, y]) -> images [B, H, W, c_dim]: the handout's two networks. train=False (the
        sampler) uses the batch norm moving averages. Shapes as in discriminator."""
        with tf.variable_scope("generator", reuse=reuse):
            if self.network in (self.COLOUR_CLASSIFYING, self.COLOUR_CONDITIONAL):  # the lab's (photos)
                import colour_network
                return colour_network.generator(self, z, y, train)
            if not self.y_dim:
                s_h, s_w = self.output_height, self.output_width
                s_h2, s_w2 = conv_out_size_same(s_h, 2), conv_out_size_same(s_w, 2)
                s_h4, s_w4 = conv_out_size_same(s_h2, 2), conv_out_size_same(s_w2, 2)
                s_h8, s_w8 = conv_out_size_same(s_h4, 2), conv_out_size_same(s_w4, 2)
                s_h16, s_w16 = conv_out_size_same(s_h8, 2), conv_out_size_same(s_w8, 2)
                z_ = linear(z, self.gf_dim * 8 * s_h16 * s_w16, "g_h0_lin")                   # [B, 8192]
                h0 = tf.reshape(z_, [-1, s_h16, s_w16, self.gf_dim * 8])                     # [B, 4, 4, 512]
                h0 = tf.nn.relu(self.g_bn0(h0, train=train))
                h1 = deconv2d(h0, [None, s_h8, s_w8, self.gf_dim * 4], name="g_h1")           # [B, 8, 8, 256]
                h1 = tf.nn.relu(self.g_bn1(h1, train=train))
                h2 = deconv2d(h1, [None, s_h4, s_w4, self.gf_dim * 2], name="g_h2")           # [B, 16, 16, 128]
                h2 = tf.nn.relu(self.g_bn2(h2, train=train))
                h3 = deconv2d(h2, [None, s_h2, s_w2, self.gf_dim * 1], name="g_h3")           # [B, 32, 32, 64]
                h3 = tf.nn.relu(self.g_bn3(h3, train=train))
                h4 = deconv2d(h3, [None, s_h, s_w, self.c_dim], name="g_h4")                  # [B, 64, 64, c]
                return tf.nn.tanh(h4)
            else:
                s_h, s_w = self.output_height, self.output_width
                s_h2, s_h4 = int(s_h / 2), int(s_h / 4)
                s_w2, s_w4 = int(s_w / 2), int(s_w / 4)
                yb = tf.reshape(y, [-1, 1, 1, self.y_dim])                                    # [B, 1, 1, 10]
                z = concat([z, y], 1)                                                         # [B, 110]
                h0 = tf.nn.relu(self.g_bn0(linear(z, self.gfc_dim, "g_h0_lin"), train=train))  # [B, 1024]
                h0 = concat([h0, y], 1)                                                       # [B, 1034]
                h1 = tf.nn.relu(self.g_bn1(linear(h0, self.gf_dim * 2 * s_h4 * s_w4, "g_h1_lin"),
                                           train=train))                                      # [B, 6272]
                h1 = tf.reshape(h1, [-1, s_h4, s_w4, self.gf_dim * 2])                        # [B, 7, 7, 128]
                h1 = conv_cond_concat(h1, yb)                                                 # [B, 7, 7, 138]
                h2 = tf.nn.relu(self.g_bn2(deconv2d(h1, [None, s_h2, s_w2, self.gf_dim * 2], name="g_h2"),
                                           train=train))                                      # [B, 14, 14, 128]
                h2 = conv_cond_concat(h2, yb)                                                 # [B, 14, 14, 138]
                return tf.nn.sigmoid(deconv2d(h2, [None, s_h, s_w, self.c_dim], name="g_h3"))  # [B, 28, 28, 1]

    def sampler(self, z, y=None):
        """The generator with shared weights and BN in inference mode: for grids and test mode."""
        return self.generator(z, y, train=False, reuse=True)

    # model_dir: the handout's property is an attribute here, the run's name (runs.run_name); its
    # folders (checkpoint/<model_dir>, ...) are made once, by the entry script (runs.folders).

    def save(self, checkpoint_dir, step, training_record=None):
        """Save DCGAN.model-<step> and config.json in the run's checkpoint folder (checkpoint/
        <model_dir>), all or nothing (checkpoints.save_model)."""
        checkpoints.save_model(self, checkpoint_dir, step, training_record)

    def load(self, checkpoint_dir):
        """Restore the newest checkpoint in the run's checkpoint folder; returns (found, iteration)."""
        return checkpoints.load_model(self, checkpoint_dir)

    # ================================================================== beyond the handout

    @classmethod
    def choose_network(cls, y_dim, c_dim):
        """Which network to build: unconditional without classes; with classes, grayscale images
        (MNIST's c_dim 1) get the handout's conditional network and colour images the lab's."""
        if not y_dim:
            return cls.UNCONDITIONAL
        return cls.MNIST_CONDITIONAL if c_dim == 1 else cls.COLOUR_CLASSIFYING

    # ------------------------------------------------------------------ facts, sampling (numpy in/out)

    @property
    def num_classes(self):
        return self.y_dim or 0

    @property
    def images_per_iteration(self):
        return self.batch_size  # real images D sees per iteration

    @property
    def output_activation(self):
        """The generator's last activation: sigmoid ([0, 1]) for MNIST's network, tanh ([-1, 1]) else."""
        return "sigmoid" if self.network == self.MNIST_CONDITIONAL else "tanh"

    @property
    def value_range(self):
        """What G makes and D sees: [0, 1] (sigmoid) or [-1, 1] (tanh)."""
        return (0.0, 1.0) if self.output_activation == "sigmoid" else (-1.0, 1.0)

    def to_model_range(self, images):
        """[0, 1] data -> the generator's output range ([0, 1] sigmoid or [-1, 1] tanh)."""
        return images if self.output_activation == "sigmoid" else images * 2.0 - 1.0

    def from_model_range(self, images):
        return images if self.output_activation == "sigmoid" else (images + 1.0) / 2.0

    def sample_noise(self, rng, n):
        """z ~ U(-1, 1), the handout's prior."""
        return rng.uniform(-1, 1, size=(n, self.z_dim)).astype(np.float32)

    training_noise = sample_noise  # the noise G trains on (BigGAN's sampling may truncate it)

    def label_feed(self, labels):
        """Class indices -> what the placeholder y takes: one-hot rows (the handout's y)."""
        return np.eye(self.y_dim, dtype=np.float32)[np.asarray(labels, dtype=np.int64)]

    def generate(self, z, labels=None):
        """Images in [0, 1], [N, H, W, c_dim], for noise z [N, z_dim] (and class indices)."""
        return generate_images(self, z, labels)
