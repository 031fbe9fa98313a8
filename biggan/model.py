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

Sizes (G: bottom -> blocks; D: blocks), ch = --ch:
    28x28 (MNIST):  7 -> 14 -> 28        channels 4ch, 2ch, 1ch
    32x32:          4 -> 8 -> 16 -> 32   channels 4ch, 4ch, 4ch, 4ch
    64x64:          4 -> 8 -> ... -> 64  channels 16ch, 8ch, 4ch, 2ch, 1ch
"""

import numpy as np
import tensorflow as tf

import ops
from biggan import ops as bops
from biggan.architecture import ARCHITECTURES, attention_problem, block_resolutions
from utils import TrainingRun, load_checkpoint, save_checkpoint

tf1 = tf.compat.v1

class BigGAN(object):
    def __init__(self, sess, output_size=32, c_dim=3, num_classes=0, class_names=None,
                 z_dim=120, ch=32, shared_dim=128, attention_res=0, batch_size=64,
                 G_lr=2e-4, D_lr=2e-4, beta1=0.0, beta2=0.999, num_D_steps=2, ema_decay=0.999,
                 ema_start=1000, G_ortho=0.0, truncation=None, dataset_name="default",
                 checkpoint_dir="checkpoint", log_dir="logs", model_dir=None):
        """Hyper-parameters (defaults of the BigGAN paper / BigGAN-PyTorch's CIFAR recipe,
        with a narrower ch and a faster EMA for lab-sized runs), then build the graph."""
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
        self.dataset_name, self.checkpoint_dir, self.log_dir = dataset_name, checkpoint_dir, log_dir
        self.model_dir = model_dir or f"biggan_{dataset_name}_{output_size}_{output_size}"
        self.build_model()

    # ------------------------------------------------------------------ facts about the model

    @property
    def images_per_iteration(self):
        return self.batch_size * self.num_D_steps  # real images D sees per G step

    @property
    def architecture(self):
        """Everything needed to rebuild the network without the dataset (saved in config.json)."""
        return {"model": "BigGAN", "dataset": self.dataset_name, "output_size": self.output_size,
                "c_dim": self.c_dim, "num_classes": self.num_classes, "class_names": self.class_names,
                "z_dim": self.z_dim, "ch": self.ch, "shared_dim": self.shared_dim,
                "attention_res": self.attention_res}

    def resolutions(self):
        """Spatial size after each G block, e.g. [14, 28] for MNIST."""
        return block_resolutions(self.output_size)

    # ------------------------------------------------------------------ the graph

    def build_model(self):
        """Placeholders, G (training and EMA sampler), D on [real; fake], hinge losses, optimisers."""
        self.inputs = tf1.placeholder(tf.float32, [None, self.output_size, self.output_size,
                                                   self.c_dim], name="real_images")  # in [-1, 1]
        self.z = tf1.placeholder(tf.float32, [None, self.z_dim], name="z")
        self.y = tf1.placeholder(tf.int64, [None], name="y") if self.num_classes else None
        self.step = tf1.Variable(0, trainable=False, dtype=tf.int64, name="step")  # G steps done

        self.G = self.generator(self.z, self.y)
        # D sees real and fake in one batch, so each spectral norm makes one power iteration a step.
        batch = tf.shape(self.inputs)[0]
        both_y = tf.concat([self.y, self.y], 0) if self.num_classes else None
        logits = self.discriminator(tf.concat([self.inputs, self.G], 0), both_y)
        self.D_logits, self.D_logits_ = logits[:batch], logits[batch:]
        self.d_loss, self.d_loss_real, self.d_loss_fake = bops.hinge_d_loss(self.D_logits, self.D_logits_)
        # The G step needs D only on fakes (D's u vectors are then left alone: update_sn=False).
        self.g_loss = bops.hinge_g_loss(self.discriminator(self.G, self.y, reuse=True, update_sn=False))

        self.d_vars = tf1.trainable_variables("discriminator")
        self.g_vars = tf1.trainable_variables("generator")
        if self.G_ortho > 0:  # the shared class embedding is not regularised (as the reference)
            self.g_loss += bops.ortho_reg([v for v in self.g_vars if "shared" not in v.name], self.G_ortho)

        # EMA of G's weights: decay 0 (a plain copy) until ema_start, then ema_decay.
        decay = tf1.where(self.step < self.ema_start, 0.0, self.ema_decay)
        ema_op, _, ema_getter = bops.ema_update(self.g_vars, decay)
        self.samples = self.sampler(self.z, self.y, ema_getter)

        d_adam = tf1.train.AdamOptimizer(self.D_lr, beta1=self.beta1, beta2=self.beta2, epsilon=1e-6)
        g_adam = tf1.train.AdamOptimizer(self.G_lr, beta1=self.beta1, beta2=self.beta2, epsilon=1e-6)
        self.d_optim = d_adam.minimize(self.d_loss, var_list=self.d_vars)
        g_optim = g_adam.minimize(self.g_loss, var_list=self.g_vars)
        with tf.control_dependencies([g_optim]):  # after the G update: EMA, then count the step
            with tf.control_dependencies([ema_op]):
                self.g_optim = tf1.assign_add(self.step, 1)

        self.summaries = tf1.summary.merge([
            tf1.summary.scalar("d_loss", self.d_loss), tf1.summary.scalar("d_loss_real", self.d_loss_real),
            tf1.summary.scalar("d_loss_fake", self.d_loss_fake), tf1.summary.scalar("g_loss", self.g_loss),
            tf1.summary.histogram("d_logits_real", self.D_logits), tf1.summary.image("G", self.G, 4)])
        self.saver = tf1.train.Saver(max_to_keep=5)

    def generator(self, z, y=None, train=True, reuse=False, custom_getter=None):
        """G(z, y) -> images [B, S, S, c_dim] in [-1, 1] (tanh)."""
        update_sn = train  # the sampler must not move the power-iteration vectors
        with tf1.variable_scope("generator", reuse=reuse, custom_getter=custom_getter):
            chunks = tf.split(z, self.num_chunks, axis=1)                  # num_chunks x [B, z_dim/n]
            if self.num_classes:
                with tf1.variable_scope("shared"):  # the class embedding every block shares
                    # N(0, 1) entries: the class part of each block's condition is as loud as
                    # the z chunk beside it, so the zero-initialised CBN gains learn to depend on
                    # the class as fast as on z (with small entries G ignored the class for long)
                    table = tf1.get_variable("embedding", [self.num_classes, self.shared_dim],
                                             initializer=tf1.random_normal_initializer(stddev=1.0))
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

    def discriminator(self, image, y=None, reuse=False, update_sn=True):
        """D(x, y) -> logits [B]: residual blocks, ReLU, global sum pooling, linear + projection."""
        with tf1.variable_scope("discriminator", reuse=reuse):
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

    # ------------------------------------------------------------------ sampling (numpy in/out)

    def sample_noise(self, rng, n):
        """z ~ N(0, 1), truncated to |z| <= truncation when --truncation is set."""
        return bops.truncated_noise(rng, n, self.z_dim, self.truncation)

    def generate(self, z, labels=None, batch=500):
        """Images in [0, 1], [N, S, S, c_dim], from the EMA generator."""
        out = []
        for start in range(0, len(z), batch):
            feed = {self.z: z[start:start + batch]}
            if self.num_classes:
                feed[self.y] = np.asarray(labels[start:start + batch], dtype=np.int64)
            out.append(self.sess.run(self.samples, feed))
        return (np.concatenate(out) + 1.0) / 2.0

    # ------------------------------------------------------------------ training

    def train(self, config, data):
        """num_D_steps D updates (each on a fresh real batch), then one G update + EMA."""
        images = data.images * 2.0 - 1.0  # [0, 1] -> [-1, 1], tanh's range
        per_iteration = self.batch_size * self.num_D_steps
        batch_idxs = int(min(len(images), config.train_size)) // per_iteration
        run = TrainingRun(self, config, batch_idxs)
        rng = np.random.RandomState(config.seed + run.counter)
        for epoch, idx in run:
            order = np.random.RandomState(config.seed + epoch).permutation(len(images))
            for k in range(self.num_D_steps):
                start = idx * per_iteration + k * self.batch_size
                batch = order[start:start + self.batch_size]
                feed = {self.inputs: images[batch], self.z: self.sample_noise_train(rng)}
                if self.num_classes:
                    feed[self.y] = data.labels[batch]
                summarise = k == self.num_D_steps - 1 and run.write_summary_now()
                out = self.sess.run([self.d_optim, self.d_loss]
                                    + ([self.summaries] if summarise else []), feed)
                if summarise:
                    run.writer.add_summary(out[2], run.counter)
            feed = {self.z: self.sample_noise_train(rng)}
            if self.num_classes:  # G practises on uniformly drawn classes
                feed[self.y] = rng.randint(0, self.num_classes, self.batch_size)
            _, err_g = self.sess.run([self.g_optim, self.g_loss], feed)
            run.record(epoch, idx, float(out[1]), float(err_g))
        return run.finish()

    def sample_noise_train(self, rng):
        """Training always uses untruncated z ~ N(0, 1)."""
        return bops.truncated_noise(rng, self.batch_size, self.z_dim)

    # ------------------------------------------------------------------ checkpoints

    def save(self, step, seconds=0.0, iterations=0):
        save_checkpoint(self, step, seconds, iterations)

    def load(self):
        """Restore the latest checkpoint (EMA weights included); returns (found, iteration)."""
        return load_checkpoint(self)
