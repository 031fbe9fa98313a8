"""The DCGAN class of the handout (step 6), in tf.compat.v1 graph mode.

Three networks live here (`network` in config.json says which one a checkpoint holds):
- "mnist_conditional" (y_dim set, grayscale: MNIST with y_dim=10, c_dim=1): the handout's
  conditional network, the label y concatenated to the input of every layer, fully connected
  layers of 1024; the generator ends in a sigmoid, so images are in [0, 1];
- "unconditional" (y_dim None; image folders): linear+reshape -> 3x(deconv+BN+ReLU) ->
  deconv+tanh, images in [-1, 1]; the discriminator is conv+lrelu -> 3x(conv+BN+lrelu) -> linear;
- "colour_conditional" (y_dim set, colour: CIFAR-10 classes, class folders): the unconditional
  layers with the label shown to every layer the handout's way (concat on vectors,
  conv_cond_concat on feature maps); tanh. The MNIST network's 11- and 74-filter D and its
  1024-unit layers are sized for 28x28 digits and make checkerboard texture on photos.

Differences from the handout's code, each fixing a known trap (see README):
- the batch size is dynamic, so test mode can sample any number of images;
- `sampler` is the generator in inference mode sharing its weights (no copied code);
- checkpoints store the epoch/iteration, a final save happens, and a `config.json` next
  to them records the architecture so test mode needs no dataset.
"""
import numpy as np
import tensorflow as tf

import checkpoints
import datasets
import ops
import training
from ops import batch_norm, concat, conv2d, conv_cond_concat, conv_out_size_same, deconv2d, lrelu, linear
from utils import cycle_labels, generate_images, save_training_grid

tf1 = tf.compat.v1


class DCGAN(object):
    checkpoint_name = "DCGAN"  # checkpoint files are DCGAN.model-<iteration>
    sampler_note = ""  # test mode samples from G itself
    def __init__(self, sess, batch_size=64, sample_num=64, output_height=64, output_width=64,
                 y_dim=None, z_dim=100, gf_dim=64, df_dim=64, gfc_dim=1024, dfc_dim=1024, c_dim=3,
                 dataset_name="default", class_names=None, learning_rate=0.0002, beta1=0.5,
                 max_to_keep=5, model_dir=None, data_record=None, network=None):
        """Store the hyper-parameters and build the graph (handout step 6).

        y_dim: number of classes for the conditional network (10 for MNIST), None otherwise.
        c_dim: image channels (1 for MNIST's grayscale, 3 for colour).
        model_dir: the run's name, the sub-folder of checkpoint/, samples/ and logs/.
        data_record: what the run trains on (dataset, split, classes, images), for config.json.
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
        self.model_dir = model_dir or f"{dataset_name}_{output_height}_{output_width}"
        self.data_record = data_record or {}

        # Which network (see choose_network), then its batch norm layers (handout: d_bn1..,
        # g_bn0..): the MNIST conditional D has two, the others three; its G three, the others four.
        self.network = network or self.choose_network(y_dim, c_dim)
        self.d_bn1, self.d_bn2 = batch_norm(name="d_bn1"), batch_norm(name="d_bn2")
        self.g_bn0, self.g_bn1, self.g_bn2 = (batch_norm(name="g_bn0"), batch_norm(name="g_bn1"),
                                              batch_norm(name="g_bn2"))
        if self.network != self.MNIST_CONDITIONAL:
            self.d_bn3, self.g_bn3 = batch_norm(name="d_bn3"), batch_norm(name="g_bn3")
        self.build_model()

    # ------------------------------------------------------------------ facts about the model

    @property
    def num_classes(self):
        return self.y_dim or 0

    @property
    def images_per_iteration(self):
        return self.batch_size  # real images D sees per iteration

    def run_config(self, training_record=None):
        """config.json next to the checkpoints: architecture, training data, training time."""
        return dict(self.architecture, data=self.data_record, training=training_record or {},
                    batch_size=self.batch_size)

    @property
    def architecture(self):
        """Everything needed to rebuild this network without the dataset (saved in config.json)."""
        return {"model": "DCGAN", "dataset": self.dataset_name, "y_dim": self.y_dim,
                "z_dim": self.z_dim, "c_dim": self.c_dim, "output_height": self.output_height,
                "output_width": self.output_width, "gf_dim": self.gf_dim, "df_dim": self.df_dim,
                "gfc_dim": self.gfc_dim, "dfc_dim": self.dfc_dim, "class_names": self.class_names,
                "network": self.network, "output_activation": self.output_activation}

    @property
    def output_activation(self):
        """The generator's last activation: sigmoid ([0, 1]) for MNIST's network, tanh ([-1, 1]) else."""
        return "sigmoid" if self.network == self.MNIST_CONDITIONAL else "tanh"

    def to_model_range(self, images):
        """[0, 1] data -> the generator's output range ([0, 1] sigmoid or [-1, 1] tanh)."""
        return images if self.output_activation == "sigmoid" else images * 2.0 - 1.0

    def from_model_range(self, images):
        return images if self.output_activation == "sigmoid" else (images + 1.0) / 2.0

    # ------------------------------------------------------------------ the graph

    def build_model(self):
        """Placeholders, G, D (twice: real and fake, shared weights), sampler, losses, optimisers."""
        if self.y_dim:
            self.y = tf1.placeholder(tf.float32, [None, self.y_dim], name="y")
        else:
            self.y = None
        image_dims = [self.output_height, self.output_width, self.c_dim]
        self.inputs = tf1.placeholder(tf.float32, [None] + image_dims, name="real_images")
        self.z = tf1.placeholder(tf.float32, [None, self.z_dim], name="z")
        self.z_sum = tf1.summary.histogram("z", self.z)

        self.G = self.generator(self.z, self.y)
        self.D, self.D_logits = self.discriminator(self.inputs, self.y, reuse=False)
        # The handout writes `self.sampler = self.sampler(...)`, hiding the method; we keep both.
        self.samples = self.sampler(self.z, self.y)
        # The sampler's batch norm statistics, measured from G (ops.standing_statistics_ops).
        self.standing = ops.standing_statistics_ops(
            lambda: self.generator(self.z, self.y, train=True, reuse=True))
        self.D_, self.D_logits_ = self.discriminator(self.G, self.y, reuse=True)

        self.d_sum = tf1.summary.histogram("d", self.D)
        self.d__sum = tf1.summary.histogram("d_", self.D_)
        self.G_sum = tf1.summary.image("G", self.G, max_outputs=4)

        xent = tf.nn.sigmoid_cross_entropy_with_logits
        self.d_loss_real = tf.reduce_mean(xent(logits=self.D_logits, labels=tf.ones_like(self.D)))
        self.d_loss_fake = tf.reduce_mean(xent(logits=self.D_logits_, labels=tf.zeros_like(self.D_)))
        # Non-saturating generator loss: G wants D to call its images real.
        self.g_loss = tf.reduce_mean(xent(logits=self.D_logits_, labels=tf.ones_like(self.D_)))
        self.d_loss = self.d_loss_real + self.d_loss_fake

        self.d_loss_real_sum = tf1.summary.scalar("d_loss_real", self.d_loss_real)
        self.d_loss_fake_sum = tf1.summary.scalar("d_loss_fake", self.d_loss_fake)
        self.g_loss_sum = tf1.summary.scalar("g_loss", self.g_loss)
        self.d_loss_sum = tf1.summary.scalar("d_loss", self.d_loss)

        t_vars = tf1.trainable_variables()
        self.d_vars = [var for var in t_vars if "d_" in var.name]
        self.g_vars = [var for var in t_vars if "g_" in var.name]

        # The optimisers are built here (the handout builds them in train) so the Saver also
        # stores Adam's moment estimates and a resumed run continues exactly.
        self.d_optim = tf1.train.AdamOptimizer(self.learning_rate, beta1=self.beta1) \
            .minimize(self.d_loss, var_list=self.d_vars)
        self.g_optim = tf1.train.AdamOptimizer(self.learning_rate, beta1=self.beta1) \
            .minimize(self.g_loss, var_list=self.g_vars)
        self.g_sum = tf1.summary.merge([self.z_sum, self.d__sum, self.G_sum,
                                        self.d_loss_fake_sum, self.g_loss_sum])
        self.d_sum = tf1.summary.merge([self.z_sum, self.d_sum, self.d_loss_real_sum, self.d_loss_sum])
        self.saver = tf1.train.Saver(max_to_keep=self.max_to_keep)

    # The networks a DCGAN can be: choose_network picks one, config.json records it as "network".
    MNIST_CONDITIONAL = "mnist_conditional"    # the handout's conditional network (MNIST)
    COLOUR_CONDITIONAL = "colour_conditional"  # the unconditional layers + the label everywhere
    UNCONDITIONAL = "unconditional"            # the handout's unconditional network

    @classmethod
    def choose_network(cls, y_dim, c_dim, saved=None):
        """Which network to build: one of the three names above.

        Unconditional without classes; with classes, grayscale images (MNIST's c_dim 1) get the
        handout's conditional network and colour images the colour one. saved: the config.json
        of a checkpoint, to rebuild its network; one saved before colour_conditional existed
        has no "network" key and holds the handout's networks (conditional = the MNIST one).
        """
        if saved is not None:
            return saved.get("network", cls.MNIST_CONDITIONAL if y_dim else cls.UNCONDITIONAL)
        if not y_dim:
            return cls.UNCONDITIONAL
        return cls.MNIST_CONDITIONAL if c_dim == 1 else cls.COLOUR_CONDITIONAL

    def with_label(self, h, y):
        """Show the label y [B, y_dim] to the next layer, the handout's way: concat on a vector
        [B, N] -> [B, N + y_dim], conv_cond_concat on feature maps [B, H, W, C] -> [B, H, W, C + y_dim].
        Without a label (the unconditional network) h is returned unchanged."""
        if y is None:
            return h
        if len(h.get_shape()) == 2:
            return concat([h, y], 1)
        return conv_cond_concat(h, tf.reshape(y, [-1, 1, 1, self.y_dim]))

    def discriminator(self, image, y=None, reuse=False):
        """D(x[, y]) -> (probability real [B, 1], logits [B, 1])."""
        logits = self.discriminator_layers(image, y, reuse)[-1]
        return tf.nn.sigmoid(logits), logits

    def discriminator_layers(self, image, y=None, reuse=False):
        """Every layer of D in order, as the next layer sees it (label appended); the last is
        the logits [B, 1]. discriminator() uses the last; tests check every shape."""
        with tf1.variable_scope("discriminator") as scope:
            if reuse:
                scope.reuse_variables()
            if self.network == self.MNIST_CONDITIONAL:
                return self.mnist_conditional_discriminator(image, y)
            return self.dcgan_discriminator(image, y)

    def dcgan_discriminator(self, image, y=None):
        """The handout's unconditional D; with y (colour_conditional) the label is appended to
        the image, to every conv's input and to the flattened features.
        Shapes at 64 px, df_dim 64 (+ y_dim channels/units when conditional)."""
        h0 = lrelu(conv2d(self.with_label(image, y), self.df_dim, name="d_h0_conv"))  # [B, 32, 32, 64]
        h0 = self.with_label(h0, y)
        h1 = lrelu(self.d_bn1(conv2d(h0, self.df_dim * 2, name="d_h1_conv")))  # [B, 16, 16, 128]
        h1 = self.with_label(h1, y)
        h2 = lrelu(self.d_bn2(conv2d(h1, self.df_dim * 4, name="d_h2_conv")))  # [B, 8, 8, 256]
        h2 = self.with_label(h2, y)
        h3 = lrelu(self.d_bn3(conv2d(h2, self.df_dim * 8, name="d_h3_conv")))  # [B, 4, 4, 512]
        flat = int(np.prod(h3.get_shape().as_list()[1:]))
        h3 = self.with_label(tf.reshape(h3, [-1, flat]), y)                 # [B, 8192]
        h4 = linear(h3, 1, "d_h4_lin")                                      # [B, 1]
        return [h0, h1, h2, h3, h4]

    def mnist_conditional_discriminator(self, image, y):
        """The handout's conditional D (MNIST), unchanged: few filters, fully connected 1024."""
        yb = tf.reshape(y, [-1, 1, 1, self.y_dim])                    # [B, 1, 1, y_dim]
        x = conv_cond_concat(image, yb)                               # [B, 28, 28, c+y]
        h0 = lrelu(conv2d(x, self.c_dim + self.y_dim, name="d_h0_conv"))  # [B, 14, 14, 11]
        h0 = conv_cond_concat(h0, yb)                                 # [B, 14, 14, 21]
        h1 = lrelu(self.d_bn1(conv2d(h0, self.df_dim + self.y_dim, name="d_h1_conv")))  # [B, 7, 7, 74]
        flat = int(np.prod(h1.get_shape().as_list()[1:]))
        h1 = tf.reshape(h1, [-1, flat])                               # [B, 3626]
        h1 = concat([h1, y], 1)                                       # [B, 3636]
        h2 = lrelu(self.d_bn2(linear(h1, self.dfc_dim, "d_h2_lin")))  # [B, 1024]
        h2 = concat([h2, y], 1)                                       # [B, 1034]
        h3 = linear(h2, 1, "d_h3_lin")                                # [B, 1]
        return [h0, h1, h2, h3]

    def generator(self, z, y=None, train=True, reuse=False):
        """G(z[, y]) -> images [B, H, W, c_dim]; train=False uses the BN moving averages."""
        return self.generator_layers(z, y, train, reuse)[-1]

    def generator_layers(self, z, y=None, train=True, reuse=False):
        """Every layer of G in order, as the next layer sees it (label appended); the last is
        the image. generator() uses the last; tests check every shape."""
        with tf1.variable_scope("generator", reuse=reuse):
            if self.network == self.MNIST_CONDITIONAL:
                return self.mnist_conditional_generator(z, y, train)
            return self.dcgan_generator(z, y, train)

    def dcgan_generator(self, z, y=None, train=True):
        """The handout's unconditional G (tanh); with y (colour_conditional) the label is
        appended to z and to the input of every deconv. Sizes halve four times with
        conv_out_size_same (64 -> 4, 48 -> 3, 32 -> 2). Shapes at 64 px, gf_dim 64."""
        s_h, s_w = self.output_height, self.output_width
        s_h2, s_w2 = conv_out_size_same(s_h, 2), conv_out_size_same(s_w, 2)
        s_h4, s_w4 = conv_out_size_same(s_h2, 2), conv_out_size_same(s_w2, 2)
        s_h8, s_w8 = conv_out_size_same(s_h4, 2), conv_out_size_same(s_w4, 2)
        s_h16, s_w16 = conv_out_size_same(s_h8, 2), conv_out_size_same(s_w8, 2)
        z_ = linear(self.with_label(z, y), self.gf_dim * 8 * s_h16 * s_w16, "g_h0_lin")  # [B, 8192]
        h0 = tf.reshape(z_, [-1, s_h16, s_w16, self.gf_dim * 8])            # [B, 4, 4, 512]
        h0 = self.with_label(tf.nn.relu(self.g_bn0(h0, train=train)), y)
        h1 = deconv2d(h0, [None, s_h8, s_w8, self.gf_dim * 4], name="g_h1")  # [B, 8, 8, 256]
        h1 = self.with_label(tf.nn.relu(self.g_bn1(h1, train=train)), y)
        h2 = deconv2d(h1, [None, s_h4, s_w4, self.gf_dim * 2], name="g_h2")  # [B, 16, 16, 128]
        h2 = self.with_label(tf.nn.relu(self.g_bn2(h2, train=train)), y)
        h3 = deconv2d(h2, [None, s_h2, s_w2, self.gf_dim * 1], name="g_h3")  # [B, 32, 32, 64]
        h3 = self.with_label(tf.nn.relu(self.g_bn3(h3, train=train)), y)
        h4 = deconv2d(h3, [None, s_h, s_w, self.c_dim], name="g_h4")        # [B, 64, 64, c]
        return [h0, h1, h2, h3, tf.nn.tanh(h4)]

    def mnist_conditional_generator(self, z, y, train=True):
        """The handout's conditional G (MNIST), unchanged: sizes halve twice (28 -> 7), sigmoid."""
        s_h, s_w = self.output_height, self.output_width
        s_h2, s_h4 = int(s_h / 2), int(s_h / 4)
        s_w2, s_w4 = int(s_w / 2), int(s_w / 4)
        yb = tf.reshape(y, [-1, 1, 1, self.y_dim])                    # [B, 1, 1, 10]
        z = concat([z, y], 1)                                         # [B, 110]
        h0 = tf.nn.relu(self.g_bn0(linear(z, self.gfc_dim, "g_h0_lin"), train=train))  # [B, 1024]
        h0 = concat([h0, y], 1)                                       # [B, 1034]
        h1 = tf.nn.relu(self.g_bn1(linear(h0, self.gf_dim * 2 * s_h4 * s_w4, "g_h1_lin"),
                                   train=train))                      # [B, 6272]
        h1 = tf.reshape(h1, [-1, s_h4, s_w4, self.gf_dim * 2])        # [B, 7, 7, 128]
        h1 = conv_cond_concat(h1, yb)                                 # [B, 7, 7, 138]
        h2 = deconv2d(h1, [None, s_h2, s_w2, self.gf_dim * 2], name="g_h2")  # [B, 14, 14, 128]
        h2 = tf.nn.relu(self.g_bn2(h2, train=train))
        h2 = conv_cond_concat(h2, yb)                                 # [B, 14, 14, 138]
        h3 = tf.nn.sigmoid(deconv2d(h2, [None, s_h, s_w, self.c_dim], name="g_h3"))  # [B, 28, 28, 1]
        return [h0, h1, h2, h3]

    def sampler(self, z, y=None):
        """The generator with shared weights and BN in inference mode: for grids and test mode."""
        return self.generator(z, y, train=False, reuse=True)

    # ------------------------------------------------------------------ sampling (numpy in/out)

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

    # ------------------------------------------------------------------ training

    def train(self, config, data):
        """The handout's training loop (step 6.2): for every epoch, for every batch, one D
        update and two G updates; a sample grid every config.sample_freq iterations and a
        checkpoint every config.ckpt_freq. Returns (iterations done, the training.StopOnSignal that
        says whether and why the run stopped early).

        config: training.TrainConfig; data: datasets.Dataset (uint8 images, labels).
        """
        batch_idxs = training.batches_per_epoch(len(data.images), config.train_size, self.batch_size)
        counter, previous = training.resume(self, config.checkpoint_dir)  # or start at 0
        log = training.RunLog(checkpoints.run_folder(config.logs_dir, self.model_dir), self.sess.graph,
                              counter, batch_idxs, config, self.images_per_iteration, previous)
        sample_dir = checkpoints.run_folder(config.sample_dir, self.model_dir)
        # Fixed noise and labels: the grids show the same samples getting better over time.
        sample_z = self.sample_noise(np.random.RandomState(config.seed), self.sample_num)
        sample_labels = cycle_labels(self.sample_num, self.y_dim) if self.y_dim else None
        batch_rng = np.random.RandomState(training.derived_seed(config.seed, counter))  # new noise after a resume
        start_epoch, start_idx = divmod(counter, batch_idxs)

        with training.StopOnSignal() as stop:  # Ctrl-C, SIGTERM, a full disk
            for epoch in range(start_epoch, config.epoch):
                order = training.epoch_order(len(data.images), epoch, config)
                for idx in range(start_idx if epoch == start_epoch else 0, batch_idxs):
                    batch = order[idx * self.batch_size:(idx + 1) * self.batch_size]
                    batch_images = self.to_model_range(datasets.to_float(data.images[batch]))  # [B, H, W, c]
                    batch_labels = self.label_feed(data.labels[batch]) if self.y_dim else None
                    batch_z = self.sample_noise(batch_rng, self.batch_size)       # [B, z_dim]

                    errD, errG, summaries = self.train_step(batch_images, batch_z, batch_labels,
                                                            log.summary_due(counter))
                    counter += 1
                    log.iteration(counter, epoch, idx, errD, errG, summaries)

                    if np.mod(counter - 1, config.sample_freq) == 0:  # handout: counter % 100 == 1
                        save_training_grid(self, sample_z, sample_labels, sample_dir, epoch, idx, errD, errG)
                    if np.mod(counter, config.ckpt_freq) == 0:  # handout: counter % 500 == 2
                        self.save(config.checkpoint_dir, counter, log.training_record(counter))
                    if stop.requested:
                        break
                if stop.requested:
                    break
        self.save(config.checkpoint_dir, counter, log.training_record(counter))  # the end, always
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

    # ------------------------------------------------------------------ checkpoints

    def save(self, checkpoint_dir, step, training_record=None):
        """Save DCGAN.model-<step> and config.json in checkpoint_dir/model_dir (all or nothing)."""
        checkpoints.save(self.sess, self.saver, checkpoints.run_folder(checkpoint_dir, self.model_dir),
                         self.checkpoint_name, step, self.run_config(training_record), self.max_to_keep)

    def load(self, checkpoint_dir):
        """Restore the newest checkpoint of this run; returns (found, iteration counter)."""
        return checkpoints.load(self.sess, self.saver, checkpoints.run_folder(checkpoint_dir, self.model_dir),
                                self.checkpoint_name, self.architecture)
