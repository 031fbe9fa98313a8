"""Layers that BigGAN adds on top of the DCGAN's ops.py (Brock et al. 2018, "Large Scale GAN
Training for High Fidelity Natural Image Synthesis"; design follows ajbrock/BigGAN-PyTorch).

Same style as the root ops.py: tf.compat.v1 graph mode, every variable made with
tf.get_variable inside a variable_scope, dynamic batch size (None) everywhere. The caller's
scope decides reuse: build the training graph first, then the sampler under
`tf.variable_scope(..., reuse=True)`.

What is new compared with the DCGAN:
  spectral_norm            divide a weight by its largest singular value (both G and D)
  snconv2d / snlinear /    the usual layers with spectrally normalised weights
  snembedding
  conditional_batch_norm   BN whose gain and bias are computed from the class (and z chunk)
  self_attention           the SAGAN non-local block
  g_block / d_block        residual blocks of the generator and the discriminator
  hinge_d_loss / _g_loss   the hinge version of the adversarial loss
  ortho_reg                BigGAN's "off-diagonal" orthogonal regularisation
  ema_update               exponential moving average of the generator's weights
  truncated_noise          the truncation trick (numpy)

Weights are initialised orthogonally (tf.orthogonal_initializer), as in the paper and
BigGAN-PyTorch; biases start at zero. Variable names: `w` (weights), `b` (biases), `u`
(spectral-norm vector), so e.g. `generator/g_block0/conv1/w`.

`update_sn`: True while training (each run does one power iteration and stores the new u);
False for the sampler (u is read, never changed).
"""
import numpy as np
import scipy.special
import tensorflow.compat.v1 as tf  # the handout's TensorFlow 1 names: tf.placeholder, tf.variable_scope, ...

import ops


WEIGHT_INIT = tf.orthogonal_initializer()  # the paper's init; SN removes the scale anyway
BN_EPSILON = 1e-5
BN_MOMENTUM = 0.9  # moving averages, as ops.batch_norm


# ----------------------------------------------------------------------------- spectral norm

def spectral_norm(w, name="u", update=True, with_sigma=False):
    """Return w / sigma, sigma = largest singular value of w seen as a [-1, out] matrix.

    sigma is estimated by ONE power iteration per run, started from a stored vector
    u [1, out] (non-trainable, N(0, 1) init) that keeps improving from run to run
    (Miyato et al. 2018). As in BigGAN-PyTorch, u and v are constants for the gradient
    (stop_gradient); the gradient still flows through w in sigma = v W u^T.
    update=True: the new u is assigned, and the returned weight waits for that assignment.
    update=False (sampling): u is only read.
    with_sigma=True returns (w / sigma, sigma), e.g. for tests or logging.
    """
    out_channels = w.get_shape().as_list()[-1]
    u = tf.get_variable(name, [1, out_channels], trainable=False,  # the same on every replica
                         initializer=tf.random_normal_initializer(stddev=1.0), aggregation=ops.FIRST_REPLICA)
    with tf.name_scope("spectral_norm"):
        # The products with u and v are written as multiply-and-sum, not tf.matmul: --precision
        # bf16 runs every matmul in bfloat16 and keeps sums in float32 (precision.py), and this
        # estimate must stay float32. w_mat is small (a matrix-vector product costs nothing here).
        w_mat = tf.reshape(w, [-1, out_channels])  # [fan_in, out]; a conv kernel [k, k, in, out]
        v_new = tf.stop_gradient(tf.math.l2_normalize(
            tf.reduce_sum(w_mat * u, axis=1)[None, :]))                         # u W^T: [1, fan_in]
        u_new = tf.stop_gradient(tf.math.l2_normalize(
            tf.reduce_sum(w_mat * tf.transpose(v_new), axis=0)[None, :]))       # v W: [1, out]
        sigma = tf.reduce_sum(tf.transpose(v_new) * w_mat * u_new)              # v W u^T: scalar
    if update:
        with tf.control_dependencies([tf.assign(u, u_new)]):
            sigma = tf.identity(sigma)  # every use of sigma (and w / sigma) now updates u first
    w_sn = w / sigma
    if with_sigma:
        return w_sn, sigma
    return w_sn


def snconv2d(x, out_ch, k=3, stride=1, name="snconv2d", update=True, use_bias=True):
    """k x k 'SAME' convolution with a spectrally normalised kernel [k, k, C_in, out_ch].

    [B, H, W, C_in] -> [B, H/stride, W/stride, out_ch].
    """
    with tf.variable_scope(name):
        w = tf.get_variable("w", [k, k, x.get_shape()[-1], out_ch], initializer=WEIGHT_INIT)
        out = tf.nn.conv2d(x, spectral_norm(w, update=update), strides=[1, stride, stride, 1],
                           padding="SAME")
        if use_bias:
            b = tf.get_variable("b", [out_ch], initializer=tf.zeros_initializer())
            out = tf.nn.bias_add(out, b)
        return out


def snlinear(x, out, name="snlinear", update=True, use_bias=True):
    """Fully connected layer with a spectrally normalised matrix: [B, in] -> [B, out]."""
    with tf.variable_scope(name):
        w = tf.get_variable("w", [x.get_shape()[-1], out], initializer=WEIGHT_INIT)
        out_ = tf.matmul(x, spectral_norm(w, update=update))
        if use_bias:
            b = tf.get_variable("b", [out], initializer=tf.zeros_initializer())
            out_ = out_ + b
        return out_


def snembedding(y_int, num_classes, dim, name="snembedding", update=True):
    """Look up rows of a spectrally normalised table [num_classes, dim]: y_int [B] -> [B, dim].

    The discriminator's projection embedding in BigGAN (D's output adds <embed(y), features>).
    """
    with tf.variable_scope(name):
        w = tf.get_variable("w", [num_classes, dim], initializer=WEIGHT_INIT)
        return tf.gather(spectral_norm(w, update=update), y_int)


# ----------------------------------------------------------------------------- normalisation

def conditional_batch_norm(x, cond, name="cbn", train=True):
    """Batch norm whose per-channel gain and bias come from a conditioning vector.

    x [B, H, W, C] (or [B, C]), cond [B, c] (in BigGAN: shared class embedding ++ z chunk).
    out = BN(x) * (1 + gamma(cond)) + beta(cond), with gamma, beta linear maps c -> C.
    BN itself has no affine parameters; like ops.batch_norm it uses batch statistics and
    updates the moving mean/variance (decay 0.9) when train=True, and uses the moving
    averages when train=False.

    gamma and beta are plain linears (ops.linear) whose weights and biases start at ZERO, so at
    initialisation CBN == plain BN (gain 1, bias 0). They cannot be spectrally normalised: SN of
    a zero matrix is 0 / 0. (BigGAN-PyTorch's are SN linears without bias, orthogonal init, so
    its gain starts near 1 + O(|cond|), not exactly 1.)
    """
    channels = x.get_shape().as_list()[-1]
    with tf.variable_scope(name):
        gain = 1.0 + ops.linear(cond, channels, scope="gain", stddev=0.0)  # [B, C], zero init
        bias = ops.linear(cond, channels, scope="bias", stddev=0.0)
        if len(x.get_shape()) == 4:  # [B, C] -> [B, 1, 1, C], to broadcast over the pixels
            gain = gain[:, None, None, :]
            bias = bias[:, None, None, :]
        return ops.normalize(x, train, BN_MOMENTUM, BN_EPSILON) * gain + bias


# ----------------------------------------------------------------------------- attention

def self_attention(x, name="attention", update_sn=True):
    """SAGAN / BigGAN self-attention: every pixel looks at every (pooled) pixel.

    x [B, H, W, C], C divisible by 8. theta = 1x1 SN conv to C/8 (queries, H*W of them);
    phi (keys, C/8) and g (values, C/2) are 1x1 SN convs followed by a 2x2 max-pool
    (4x fewer positions, 'SAME' so odd sizes work: 7x7 -> 4x4). attention = softmax over the
    pooled positions of theta phi^T; o = 1x1 SN conv C/2 -> C of attention . g.
    Returns x + gamma * o, gamma a learnable scalar starting at 0: the block starts as the
    identity and the network learns how much attention to use. Convs have no bias (reference).
    """
    channels = x.get_shape().as_list()[-1]
    batch, height, width = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    with tf.variable_scope(name):
        theta = snconv2d(x, channels // 8, k=1, name="theta", update=update_sn, use_bias=False)
        phi = snconv2d(x, channels // 8, k=1, name="phi", update=update_sn, use_bias=False)
        g = snconv2d(x, channels // 2, k=1, name="g", update=update_sn, use_bias=False)
        phi = tf.nn.max_pool2d(phi, 2, 2, "SAME")  # [B, H/2, W/2, C/8]
        g = tf.nn.max_pool2d(g, 2, 2, "SAME")  # [B, H/2, W/2, C/2]

        theta = tf.reshape(theta, [batch, -1, channels // 8])  # [B, HW, C/8]
        phi = tf.reshape(phi, [batch, -1, channels // 8])  # [B, HW/4, C/8]
        g = tf.reshape(g, [batch, -1, channels // 2])  # [B, HW/4, C/2]
        attention = tf.nn.softmax(tf.matmul(theta, phi, transpose_b=True), axis=-1)  # [B, HW, HW/4]
        attended = tf.matmul(attention, g)  # [B, HW, C/2]
        attended = tf.reshape(attended, [batch, height, width, channels // 2])
        o = snconv2d(attended, channels, k=1, name="o", update=update_sn, use_bias=False)

        gamma = tf.get_variable("gamma", [], initializer=tf.zeros_initializer())
        return x + gamma * o


# ----------------------------------------------------------------------------- residual blocks

def upsample_nearest(x):
    """Nearest-neighbour 2x upsampling (every pixel becomes a 2x2 square): [B,H,W,C] -> [B,2H,2W,C].
    (tf.repeat does the same, but its gradient runs int32 arithmetic that oneDNN refuses with an
    E0000 line on every machine.)"""
    height, width = x.get_shape().as_list()[1:3]
    return tf.image.resize_nearest_neighbor(x, [2 * height, 2 * width])


def avg_pool(x):
    """2x2 average pooling: [B, H, W, C] -> [B, H/2, W/2, C] ('SAME': odd sizes round up, 7 -> 4)."""
    return tf.nn.avg_pool2d(x, 2, 2, "SAME")


def g_block(x, cond, out_ch, name="g_block", train=True, update_sn=True, upsample=True):
    """Generator residual block: [B, H, W, C_in] -> [B, 2H, 2W, out_ch] (2x only if upsample).

    main: CBN(cond) -> ReLU -> upsample -> 3x3 SN conv -> CBN(cond) -> ReLU -> 3x3 SN conv
    skip: upsample -> 1x1 SN conv (only when channels change or it upsamples)
    """
    with tf.variable_scope(name):
        h = tf.nn.relu(conditional_batch_norm(x, cond, "bn1", train))
        skip = x
        if upsample:
            h, skip = upsample_nearest(h), upsample_nearest(skip)
        h = snconv2d(h, out_ch, k=3, name="conv1", update=update_sn)
        h = tf.nn.relu(conditional_batch_norm(h, cond, "bn2", train))
        h = snconv2d(h, out_ch, k=3, name="conv2", update=update_sn)
        if upsample or x.get_shape()[-1] != out_ch:
            skip = snconv2d(skip, out_ch, k=1, name="conv_sc", update=update_sn)
        return h + skip


def d_block(x, out_ch, name="d_block", update_sn=True, downsample=True, preactivation=True):
    """Discriminator residual block: [B, H, W, C_in] -> [B, H/2, W/2, out_ch] (if downsample).

    main: (ReLU if preactivation) -> 3x3 SN conv -> ReLU -> 3x3 SN conv -> avg-pool
    skip (1x1 SN conv only when channels change or it downsamples):
      preactivation=True:  conv -> avg-pool
      preactivation=False: avg-pool -> conv (the first block, which sees the image: no ReLU)
    """
    learnable_skip = downsample or x.get_shape()[-1] != out_ch
    with tf.variable_scope(name):
        h = tf.nn.relu(x) if preactivation else x
        h = snconv2d(h, out_ch, k=3, name="conv1", update=update_sn)
        h = snconv2d(tf.nn.relu(h), out_ch, k=3, name="conv2", update=update_sn)
        if downsample:
            h = avg_pool(h)

        skip = x
        if preactivation:
            if learnable_skip:
                skip = snconv2d(skip, out_ch, k=1, name="conv_sc", update=update_sn)
            if downsample:
                skip = avg_pool(skip)
        else:
            if downsample:
                skip = avg_pool(skip)
            if learnable_skip:
                skip = snconv2d(skip, out_ch, k=1, name="conv_sc", update=update_sn)
        return h + skip


# ----------------------------------------------------------------------------- losses

def hinge_d_loss(logits_real, logits_fake):
    """Discriminator hinge loss: mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))).

    Returns (total, real part, fake part). D stops being pushed once real logits are > 1
    and fake logits < -1.
    """
    loss_real = tf.reduce_mean(tf.nn.relu(1.0 - logits_real))
    loss_fake = tf.reduce_mean(tf.nn.relu(1.0 + logits_fake))
    return loss_real + loss_fake, loss_real, loss_fake


def hinge_g_loss(logits_fake):
    """Generator hinge loss: -mean(D(G(z)))."""
    return -tf.reduce_mean(logits_fake)


def ortho_reg(weights, strength=1e-4):
    """BigGAN's orthogonal regularisation, to add to the generator's loss.

    strength * sum over W of ||W^T W * (1 - I)||_F^2, W reshaped to [-1, out]: it pushes
    different filters (columns) to be orthogonal but leaves their norms free (the paper's
    "off-diagonal" variant, which makes truncated sampling work). Variables with fewer than
    2 dimensions (biases, gamma) are skipped, so a whole trainable-variable list can be given.
    Note: BigGAN-PyTorch adds 2*strength*(W W^T * (1-I)) W straight to the gradient; the
    gradient of this loss is twice that, so strength here ~ half the reference's G_ortho.
    """
    total = tf.constant(0.0)
    for w in weights:
        if len(w.get_shape()) < 2:
            continue
        out_channels = w.get_shape().as_list()[-1]
        w_mat = tf.reshape(w, [-1, out_channels])  # [fan_in, out]
        gram = tf.matmul(w_mat, w_mat, transpose_a=True)  # [out, out]
        off_diagonal = gram * (1.0 - tf.eye(out_channels))
        total += tf.reduce_sum(tf.square(off_diagonal))
    return strength * total


# ----------------------------------------------------------------------------- EMA of weights

def ema_update(var_list, decay=0.9999, scope="ema", after=None):
    """Exponential moving average of weights, used by BigGAN to sample from a smoother G.

    For every variable `net/x/w` a non-trainable shadow `ema/net/x/w` is created (call this
    at the top level, outside any variable_scope), starting at the variable's initial value
    (initialise both in the same global_variables_initializer run).
    decay: a float or a scalar tensor (e.g. 0.0 before the EMA should start: then ema = var).
    after: an op (the G update) the update reads the variables after; None: whenever it runs.
    Returns (update_op, shadows, ema_getter):
      update_op  sets ema = decay * ema + (1 - decay) * var for every variable; run it after
                 each generator step.
      shadows    dict {variable name: shadow variable}.
      ema_getter a custom getter: variables built under
                 tf.variable_scope(..., reuse=True, custom_getter=ema_getter) read the shadow
                 instead of the live weight (variables not in var_list are left alone).
    """
    shadows = {}
    with tf.variable_scope(scope):
        for var in var_list:
            shadows[var.op.name] = tf.get_variable(var.op.name, initializer=var.initial_value,
                                                    trainable=False)
    with tf.control_dependencies([after] if after is not None else []):
        updates = [tf.assign(shadows[var.op.name],
                              decay * shadows[var.op.name] + (1.0 - decay) * var)
                   for var in var_list]
        update_op = tf.group(*updates, name="ema_update")

    def ema_getter(getter, name, *args, **kwargs):
        var = getter(name, *args, **kwargs)  # the live variable, made or reused as usual
        return shadows.get(var.op.name, var)

    return update_op, shadows, ema_getter


# ----------------------------------------------------------------------------- truncation trick

def truncated_noise(rng, n, z_dim, truncation=None):
    """Noise z [n, z_dim] float32 ~ N(0, 1); with truncation t > 0, N(0, 1) truncated to |z| <= t.

    The truncation trick: smaller t trades variety for quality. Drawn by the inverse CDF (a
    uniform number between Phi(-t) and Phi(t), mapped back through Phi^-1), so any t > 0 costs
    the same: redrawing values until they fall inside never ends for a tiny t.
    rng: a np.random.RandomState or np.random.Generator.
    """
    if truncation is None:
        return rng.standard_normal(size=(n, z_dim)).astype(np.float32)
    if not truncation > 0:
        raise ValueError("truncation must be > 0, got %r" % (truncation,))
    low = scipy.special.ndtr(-truncation)                      # Phi(-t)
    z = scipy.special.ndtri(rng.uniform(low, 1.0 - low, size=(n, z_dim)))
    return np.clip(z, -truncation, truncation).astype(np.float32)  # rounding stays inside
