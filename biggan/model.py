"""BigGAN (Brock et al. 2018) in the same tf.compat.v1 style as the DCGAN of model.py.

What BigGAN changes compared with the DCGAN, in the order you meet it below:
- G is a stack of residual blocks (biggan/ops.g_block); every batch norm is *conditional*:
  its gain and bias come from [a chunk of z, a shared class embedding] ("hierarchical latent":
  z is split into one chunk for the first linear layer and one per block);
- every conv/linear weight of G and D is spectrally normalised (one power iteration a step);
- optional self-attention at one resolution (--attention_res);
- D is residual too, ends in ReLU + global *sum* pooling + linear, plus the *projection*
  term <embed(y), h> that tells D which class the image should be;
- hinge loss, Adam(beta1=0, beta2=0.999), several D steps per G step;
- an exponential moving average (EMA) of G's weights is what sampling and test mode use;
- optional orthogonal regularisation of G (--G_ortho) and the truncation trick at sampling.

As model.DCGAN, it takes what the lab adds to training from outside (cli.py builds them from the
flags): replicas (several GPUs: distribute.py), augment (--diffaug) and wrap_optimizer
(--precision mixed; several GPUs). Left out: one device, no augmentation, Adam as it is.

Sizes (G: bottom -> blocks; D: blocks), ch = --ch:
    28x28 (MNIST):  7 -> 14 -> 28        channels 4ch, 2ch, 1ch
    32x32:          4 -> 8 -> 16 -> 32   channels 4ch, 4ch, 4ch, 4ch
    64x64:          4 -> 8 -> ... -> 64  channels 16ch, 8ch, 4ch, 2ch, 1ch
    128x128:        4 -> 8 -> ... -> 128 channels 16ch, 16ch, 8ch, 4ch, 2ch, 1ch (BigGAN-PyTorch's; GPU)
"""
import numpy as np
import tensorflow.compat.v1 as tf  # the handout's TensorFlow 1 names: tf.placeholder, tf.variable_scope, ...

import checkpoints
import ops
import runs
import tfstart
from biggan import ops as bops
from biggan.architecture import ARCHITECTURES, attention_problem, block_resolutions
from sampling import generate_images, save_training_grid
from utils import cycle_labels, to_float


class BigGAN(object):
    checkpoint_name = "BigGAN"  # checkpoint files are BigGAN.model-<iteration>
    sampler_note = " (EMA generator)"  # test mode samples from the moving average of G's weights
    z_sweep = (-2.0, 2.0)  # test mode's z sweeps: two standard deviations of N(0, 1) either side

    def __init__(self, sess, output_size=32, c_dim=3, num_classes=0, class_names=None,
                 z_dim=120, ch=32, shared_dim=128, attention_res=0, batch_size=64,
                 G_lr=2e-4, D_lr=2e-4, beta1=0.0, beta2=0.999, num_D_steps=2, ema_decay=0.999,
                 ema_start=1000, G_ortho=0.0, truncation=None, dataset_name="default",
                 max_to_keep=5, model_dir=None, data_record=None, replicas=None, augment=None,
                 wrap_optimizer=None):
        """Hyper-parameters (defaults of the BigGAN paper / BigGAN-PyTorch's CIFAR recipe,
        with a narrower ch and a faster EMA for lab-sized runs), then build the graph.
        replicas: where the training step runs [tfstart.OneDevice(); distribute.Replicas];
        augment(images): what D sees of real and fake images [the images themselves];
        wrap_optimizer(optimizer): what each Adam is wrapped in [nothing]."""
        if output_size not in ARCHITECTURES:
            raise ValueError(f"BigGAN supports output sizes {sorted(ARCHITECTURES)}")
        self.sess = sess
        self.output_size, self.c_dim = output_size, c_dim
        self.num_classes = num_classes
        self.class_names = list(class_names or [str(i) for i in range(num_classes)])
        self.ch, self.shared_dim, self.attention_res = ch, shared_dim, attention_res
        self.bottom, self.g_mults, self.d_blocks = ARCHITECTURES[output_size]
        self.num_chunks = len(self.g_mults)  # one z chunk for the linear layer + one per block
        if z_dim % self.num_chunks:
            raise ValueError(f"z_dim must be divisible by {self.num_chunks} at {output_size}x{output_size}")
        problem = attention_problem(output_size, ch, attention_res)
        if problem:
            raise ValueError(problem)
        self.z_dim = z_dim
        self.batch_size = self.sample_num = batch_size
        self.G_lr, self.D_lr, self.beta1, self.beta2 = G_lr, D_lr, beta1, beta2
        self.num_D_steps, self.G_ortho = num_D_steps, G_ortho
        self.ema_decay, self.ema_start, self.truncation = ema_decay, ema_start, truncation
        self.dataset_name, self.max_to_keep = dataset_name, max_to_keep
        self.architecture = runs.BigGANArchitecture(dataset_name, output_size, c_dim, num_classes,
                                                    self.class_names, z_dim, ch, shared_dim, attention_res)
        self.model_dir = model_dir or runs.run_name("BigGAN", dataset_name, output_size, bool(num_classes))
        self.data_record = data_record or {}
        self.replicas = replicas or tfstart.OneDevice()
        self.augment = augment or (lambda images, value_range=None: images)
        self.wrap_optimizer = wrap_optimizer or (lambda optimizer: optimizer)
        self.build_model()

    def build_model(self):
        """Placeholders, the training step (build_training: G, D on [real; fake], hinge losses,
        optimisers), then after each G update the EMA of G's weights and the step count, the EMA
        sampler and TensorBoard's summaries.

        self.replicas.per_replica runs build_training once, for the whole batch; on several GPUs
        (distribute.py) once per GPU on its share, with synchronised batch norm (the statistics of
        the whole batch, as the paper); the EMA and the step are updated once, after the G update."""
        self.inputs = tf.placeholder(tf.float32, [None, self.output_size, self.output_size,
                                                   self.c_dim], name="real_images")  # in [-1, 1]
        self.z = tf.placeholder(tf.float32, [None, self.z_dim], name="z")
        self.y = tf.placeholder(tf.int64, [None], name="y") if self.num_classes else None
        self.step = tf.Variable(0, trainable=False, dtype=tf.int64, name="step")  # G steps done

        (self.G, self.D_logits, self.d_loss, self.d_loss_real, self.d_loss_fake, self.g_loss,
         self.d_optim, g_optim) = self.replicas.per_replica(self.build_training, self.inputs, self.z, self.y)
        # EMA of G's weights: decay 0 (a plain copy) until ema_start, then ema_decay.
        decay = tf.where(self.step < self.ema_start, 0.0, self.ema_decay)
        ema_op, _, ema_getter = bops.ema_update(self.g_vars, decay, after=g_optim)
        with tf.control_dependencies([ema_op]):  # after the G update: EMA, then count the step
            self.g_optim = tf.assign_add(self.step, 1)
        self.samples = self.sampler(self.z, self.y, ema_getter)
        # The EMA sampler's batch norm statistics, measured from the EMA weights themselves
        # (ops.standing_statistics_ops): the moving averages follow the live G, not its average.
        self.standing = ops.standing_statistics_ops(lambda: self.generator(
            self.z, self.y, train=True, reuse=True, custom_getter=ema_getter, update_sn=False))

        # TensorBoard: D's numbers come with a D step, G's with a G step, as in the DCGAN. (Fetching
        # g_loss in a D step also made TensorFlow's grappler "remapper" fail on that graph, with an
        # E0000 line, and computed D on the fakes once more for nothing.)
        self.d_summaries = tf.summary.merge([
            tf.summary.scalar("d_loss", self.d_loss), tf.summary.scalar("d_loss_real", self.d_loss_real),
            tf.summary.scalar("d_loss_fake", self.d_loss_fake),
            tf.summary.histogram("d_logits_real", self.D_logits), tf.summary.image("G", self.G, 4)])
        self.g_summaries = tf.summary.scalar("g_loss", self.g_loss)
        self.saver = tf.train.Saver()  # checkpoints.save keeps the newest max_to_keep

    def build_training(self, inputs, z, y):
        """G, D on real and fake images in one batch, the hinge losses (G's with the orthogonal
        penalty) and the Adam updates of D and G; on one device for the whole batch. Returns
        (G, D_logits real, d_loss, d_loss_real, d_loss_fake, g_loss, d_optim, g_optim)."""
        G = self.generator(z, y)
        # D sees real and fake in one batch, so each spectral norm makes one power iteration a step.
        batch = tf.shape(inputs)[0]
        both_y = tf.concat([y, y], 0) if self.num_classes else None
        # ... through DiffAugment's T with --diffaug (self.augment): T([real; fake]), as the authors
        logits = self.discriminator(self.augment(tf.concat([inputs, G], 0)), both_y)
        D_logits, D_logits_ = logits[:batch], logits[batch:]
        d_loss, d_loss_real, d_loss_fake = bops.hinge_d_loss(D_logits, D_logits_)
        # The G step needs D only on fakes (D's u vectors are then left alone: update_sn=False).
        g_loss = bops.hinge_g_loss(self.discriminator(self.augment(G), y, reuse=True, update_sn=False))

        self.d_vars = tf.trainable_variables("discriminator")
        self.g_vars = tf.trainable_variables("generator")
        if self.G_ortho > 0:  # the shared class embedding is not regularised (as the reference)
            g_loss += bops.ortho_reg([v for v in self.g_vars if "shared" not in v.name], self.G_ortho)

        # self.wrap_optimizer: Adam as it is; --precision mixed adds loss scaling, several GPUs each
        # one's share of the loss (each replica adds the whole orthogonal penalty, so the shares
        # add up to it once)
        d_adam = self.wrap_optimizer(tf.train.AdamOptimizer(self.D_lr, beta1=self.beta1, beta2=self.beta2,
                                                            epsilon=1e-6))
        g_adam = self.wrap_optimizer(tf.train.AdamOptimizer(self.G_lr, beta1=self.beta1, beta2=self.beta2,
                                                            epsilon=1e-6))
        d_optim = d_adam.minimize(d_loss, var_list=self.d_vars)
        g_optim = g_adam.minimize(g_loss, var_list=self.g_vars)
        return G, D_logits, d_loss, d_loss_real, d_loss_fake, g_loss, d_optim, g_optim

    def train(self, config, data):
        """The handout's loop with BigGAN's step: for every epoch, for every iteration,
        num_D_steps D updates (each on a fresh real batch), then one G update and the EMA; a
        sample grid every config.sample_freq iterations, a checkpoint every config.ckpt_freq.
        Returns (iterations done, the training.StopOnSignal that says whether and why it stopped).
        config: training.TrainConfig (config.folders: the run's folders); data: datasets.Dataset."""
        import training  # the loop's bookkeeping (progress, losses.csv, stops): test mode does not load it
        folders = config.folders
        per_iteration = self.batch_size * self.num_D_steps  # real images per iteration
        batch_idxs = training.batches_per_epoch(len(data.images), config.train_size, per_iteration)
        counter, previous = training.resume(self, folders.checkpoint)  # or start at 0
        log = training.RunLog(self, config, counter, batch_idxs, previous)  # progress, losses.csv, TensorBoard
        sample_z = self.sample_noise(np.random.RandomState(config.seed), self.sample_num)
        sample_labels = cycle_labels(self.sample_num, self.num_classes) if self.num_classes else None
        rng = np.random.RandomState(training.derived_seed(config.seed, counter))  # new noise after a resume
        start_epoch, start_idx = divmod(counter, batch_idxs)

        with training.StopOnSignal() as stop:  # Ctrl-C, SIGTERM, a full disk
            for epoch in range(start_epoch, config.epoch):
                order = training.epoch_order(len(data.images), epoch, config)
                for idx in range(start_idx if epoch == start_epoch else 0, batch_idxs):
                    batches = order[idx * per_iteration:(idx + 1) * per_iteration] \
                        .reshape(self.num_D_steps, self.batch_size)  # one real batch per D step
                    errD, d_summaries = self.train_discriminator(data, batches, rng, log.summary_due(counter))
                    errG, g_summaries = self.train_generator(rng, log.summary_due(counter))
                    counter += 1
                    log.iteration(counter, epoch, idx, errD, errG, d_summaries + g_summaries)

                    if np.mod(counter - 1, config.sample_freq) == 0:  # handout: counter % 100 == 1
                        save_training_grid(self, sample_z, sample_labels, folders.samples, epoch, idx, errD, errG)
                    if np.mod(counter, config.ckpt_freq) == 0:
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

    def train_discriminator(self, data, batches, rng, with_summaries):
        """num_D_steps D updates, one per row of `batches` (image indices); returns the last
        D loss and the TensorBoard summaries of the last step."""
        for k, batch in enumerate(batches):
            feed = {self.inputs: to_float(data.images[batch]) * 2.0 - 1.0,  # tanh's [-1, 1]
                    self.z: self.training_noise(rng, self.batch_size)}
            if self.num_classes:
                feed[self.y] = data.labels[batch]
            summarise = with_summaries and k == len(batches) - 1
            out = self.sess.run([self.d_optim, self.d_loss] + ([self.d_summaries] if summarise else []), feed)
        return float(out[1]), out[2:]

    def train_generator(self, rng, with_summaries=False):
        """One G update (then the EMA of G's weights); G practises on uniformly drawn classes.
        Returns the G loss and its TensorBoard summary (a list, empty unless with_summaries)."""
        feed = {self.z: self.training_noise(rng, self.batch_size)}
        if self.num_classes:
            feed[self.y] = rng.randint(0, self.num_classes, self.batch_size)
        out = self.sess.run([self.g_optim, self.g_loss] + ([self.g_summaries] if with_summaries else []), feed)
        return float(out[1]), out[2:]

    def discriminator(self, image, y=None, reuse=False, update_sn=True):
        """D(x, y) -> logits [B]: residual blocks, ReLU, global sum pooling, linear + projection."""
        with tf.variable_scope("discriminator", reuse=reuse):
            h = image
            for i, (mult, down) in enumerate(self.d_blocks):
                h = bops.d_block(h, mult * self.ch, f"block{i}", update_sn, downsample=down,
                                 preactivation=i > 0)
                if h.get_shape().as_list()[1] == self.attention_res and i < len(self.d_blocks) - 1:
                    h = bops.self_attention(h, f"attention{i}", update_sn)
            h = tf.reduce_sum(tf.nn.relu(h), axis=[1, 2])                  # [B, C] global sum pool
            out = tf.squeeze(bops.snlinear(h, 1, "linear", update_sn), 1)  # [B]
            if self.num_classes:  # projection: how well h matches the class embedding
                embed = bops.snembedding(y, self.num_classes, h.get_shape().as_list()[-1],
                                         "embedding", update_sn)           # [B, C]
                out += tf.reduce_sum(embed * h, axis=1)
            return out

    def generator(self, z, y=None, train=True, reuse=False, custom_getter=None, update_sn=None):
        """G(z, y) -> images [B, S, S, c_dim] in [-1, 1] (tanh). update_sn: move the spectral-norm
        vectors u [train]; the sampler and the standing-statistics tower leave them alone."""
        update_sn = train if update_sn is None else update_sn
        with tf.variable_scope("generator", reuse=reuse, custom_getter=custom_getter):
            chunks = tf.split(z, self.num_chunks, axis=1)                  # num_chunks x [B, z_dim/n]
            if self.num_classes:
                with tf.variable_scope("shared"):  # the class embedding every block shares
                    # N(0, 1) entries: the class part of each block's condition is as loud as
                    # the z chunk beside it, so the zero-initialised CBN gains learn to depend on
                    # the class as fast as on z (with small entries G ignored the class for long)
                    table = tf.get_variable("embedding", [self.num_classes, self.shared_dim],
                                             initializer=tf.random_normal_initializer(stddev=1.0))
                shared = tf.gather(table, y)                               # [B, shared_dim]
                conds = [tf.concat([c, shared], 1) for c in chunks[1:]]
            else:
                conds = chunks[1:]
            channels = [m * self.ch for m in self.g_mults]
            h = bops.snlinear(chunks[0], self.bottom * self.bottom * channels[0], "linear", update_sn)
            h = tf.reshape(h, [-1, self.bottom, self.bottom, channels[0]])  # [B, 7, 7, 4ch] at 28
            for i, (cond, out_ch) in enumerate(zip(conds, channels[1:])):
                h = bops.g_block(h, cond, out_ch, f"block{i}", train, update_sn)  # doubles H and W
                if h.get_shape().as_list()[1] == self.attention_res:
                    h = bops.self_attention(h, f"attention{i}", update_sn)
            h = tf.nn.relu(ops.batch_norm(name="bn_out")(h, train=train))
            h = bops.snconv2d(h, self.c_dim, k=3, name="conv_out", update=update_sn)  # [B, S, S, c]
            return tf.nn.tanh(h)

    def sampler(self, z, y, ema_getter):
        """G with the EMA weights (through the custom getter), BN in inference mode, u untouched."""
        return self.generator(z, y, train=False, reuse=True, custom_getter=ema_getter)

    def save(self, checkpoint_dir, step, training_record=None):
        """Save BigGAN.model-<step> (EMA weights included) and config.json in the run's checkpoint
        folder, all or nothing (checkpoints.save_model)."""
        checkpoints.save_model(self, checkpoint_dir, step, training_record)

    def load(self, checkpoint_dir):
        """Restore the newest checkpoint in the run's checkpoint folder; returns (found, iteration)."""
        return checkpoints.load_model(self, checkpoint_dir)

    # ================================================================== beyond the handout
    # ------------------------------------------------------------------ facts, sampling (numpy in/out)

    @property
    def images_per_iteration(self):
        return self.batch_size * self.num_D_steps  # real images D sees per G step

    def from_model_range(self, images):
        """The generator's tanh range [-1, 1] -> [0, 1]."""
        return (images + 1.0) / 2.0

    def resolutions(self):
        """Spatial size after each G block, e.g. [14, 28] for MNIST."""
        return block_resolutions(self.output_size)

    def sample_noise(self, rng, n):
        """z ~ N(0, 1), truncated to |z| <= truncation when --truncation is set."""
        return bops.truncated_noise(rng, n, self.z_dim, self.truncation)

    def label_feed(self, labels):
        """Class indices, as the placeholder y takes them (BigGAN embeds them; no one-hot)."""
        return np.asarray(labels, dtype=np.int64)

    def generate(self, z, labels=None):
        """Images in [0, 1], [N, S, S, c_dim], from the EMA generator."""
        return generate_images(self, z, labels)

    def training_noise(self, rng, n):
        """Training always uses untruncated z ~ N(0, 1)."""
        return bops.truncated_noise(rng, n, self.z_dim)
