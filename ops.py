"""Layers of the DCGAN, written with tf.compat.v1 ops (handout 五.5).

The handout's ops.py used tf.contrib.layers.batch_norm, which is gone from TensorFlow 2;
`batch_norm` below is the same computation written out by hand, so students can see what
batch normalisation does. Every layer creates its variables with tf.compat.v1.get_variable
inside a variable_scope, exactly as the handout, so variable names in checkpoints read
like `generator/g_h0_lin/Matrix` and `discriminator/d_bn1/moving_mean`.

All layers accept a dynamic batch dimension (None), so the same graph can train with
batch 64 and sample 100 images at once in test mode. This file imports no other file of the lab.
"""
import contextlib
import math

import tensorflow.compat.v1 as tf  # the handout's TensorFlow 1 names: tf.placeholder, tf.variable_scope, ...

# A graph collection of every batch norm in training mode: (moving mean, moving variance, batch
# mean, batch variance), for the sampler's standing statistics (standing_statistics_ops).
BN_BATCH_STATISTICS = "bn_batch_statistics"
# A variable every device computes the same value of (batch norm's moving averages): on several
# GPUs (distribute.py) written from the first one. One device: no effect.
FIRST_REPLICA = tf.VariableAggregation.ONLY_FIRST_REPLICA
# How batch norm measures a batch in training mode: tf.nn.moments of the batch in hand, the last
# entry here. A training step built on several GPUs measures the whole batch across them instead
# (synchronised batch norm): distribute.py builds the model inside batch_moments(its function).
MOMENTS = [tf.nn.moments]


@contextlib.contextmanager
def batch_moments(moments):
    """Inside this block, batch norm in training mode takes (mean, variance) = moments(x, axes)."""
    MOMENTS.append(moments)
    try:
        yield
    finally:
        MOMENTS.pop()


def normalize(x, train=True, momentum=0.9, epsilon=1e-5):
    """The heart of batch norm, without gain and bias: (x - mean) / sqrt(var + eps) per channel.

    train=True: mean/var of this batch, and the moving averages (variables `moving_mean`,
    `moving_variance` in the current scope) move 10% towards them whenever the output is
    computed (the handout's `updates_collections=None`). train=False: the moving averages.
    Shared by batch_norm below and BigGAN's conditional batch norm.
    """
    channels = x.get_shape()[-1]
    moving_mean = tf.get_variable("moving_mean", [channels], trainable=False,
                                   initializer=tf.zeros_initializer(), aggregation=FIRST_REPLICA)
    moving_variance = tf.get_variable("moving_variance", [channels], trainable=False,
                                       initializer=tf.ones_initializer(), aggregation=FIRST_REPLICA)
    if not train:
        return tf.nn.batch_normalization(x, moving_mean, moving_variance, None, None, epsilon)
    # the batch's mean and variance over every axis but channels: tf.nn.moments (several GPUs: MOMENTS)
    mean, variance = MOMENTS[-1](x, list(range(len(x.get_shape()) - 1)))
    tf.add_to_collection(BN_BATCH_STATISTICS, (moving_mean, moving_variance, mean, variance))
    update_mean = tf.assign(moving_mean, momentum * moving_mean + (1.0 - momentum) * mean)
    update_variance = tf.assign(moving_variance,
                                 momentum * moving_variance + (1.0 - momentum) * variance)
    with tf.control_dependencies([update_mean, update_variance]):
        return tf.nn.batch_normalization(x, mean, variance, None, None, epsilon)


def standing_statistics_ops(build_tower):
    """Graph pieces for "standing statistics" (BigGAN-PyTorch's name): the batch-norm statistics a
    sampler in inference mode uses, measured from the generator itself instead of the moving
    averages kept during training.

    Why: the moving averages lag behind the weights (momentum 0.9), and BigGAN samples with the
    EMA of G's weights, whose activations differ from the live G's that the moving averages
    followed; test-mode pictures then looked worse than the training grids. build_tower() must
    build the generator once more in training mode (batch statistics), sharing its weights.
    Returns (batch statistics to fetch: [mean, variance] per BN layer in order, placeholders for
    their averages, the op that assigns those to the moving averages); sampling.set_standing_statistics
    runs them."""
    before = len(tf.get_collection(BN_BATCH_STATISTICS))
    build_tower()
    layers = tf.get_collection(BN_BATCH_STATISTICS)[before:]
    fetches, placeholders, assigns = [], [], []
    for moving_mean, moving_variance, mean, variance in layers:
        for moving, batch in ((moving_mean, mean), (moving_variance, variance)):
            value = tf.placeholder(tf.float32, moving.shape)
            fetches.append(batch)
            placeholders.append(value)
            assigns.append(tf.assign(moving, value))
    return fetches, placeholders, tf.group(*assigns)


class batch_norm(object):
    """Batch normalisation with moving averages (decay 0.9, eps 1e-5), as tf.contrib's.

    train=True normalises with the batch's statistics and updates the moving averages;
    train=False (sampling) uses the moving averages. Then a learned gain (gamma) and bias (beta).
    """

    def __init__(self, epsilon=1e-5, momentum=0.9, name="batch_norm"):
        self.epsilon = epsilon
        self.momentum = momentum
        self.name = name

    def __call__(self, x, train=True):
        channels = x.get_shape()[-1]
        with tf.variable_scope(self.name, reuse=tf.AUTO_REUSE):
            beta = tf.get_variable("beta", [channels], initializer=tf.zeros_initializer())
            gamma = tf.get_variable("gamma", [channels], initializer=tf.ones_initializer())
            return normalize(x, train, self.momentum, self.epsilon) * gamma + beta


def concat(tensors, axis):
    """tf.concat with the handout's argument order."""
    return tf.concat(tensors, axis)


def conv_cond_concat(x, y):
    """Append the label map y [B, 1, 1, y_dim] to every pixel of x [B, H, W, C].

    Returns [B, H, W, C + y_dim]: the conditional GAN's way to show the label to a conv layer.
    """
    x_shape = tf.shape(x)
    ones = tf.ones(tf.stack([x_shape[0], x_shape[1], x_shape[2], tf.shape(y)[3]]))
    out = tf.concat([x, y * ones], 3)
    out.set_shape(x.get_shape()[:3].concatenate([x.get_shape()[3] + y.get_shape()[3]]))
    return out


def conv_out_size_same(size, stride):
    """Spatial size after a 'SAME' convolution with this stride: ceil(size / stride)."""
    return int(math.ceil(float(size) / float(stride)))


def conv2d(input_, output_dim, k_h=5, k_w=5, d_h=2, d_w=2, stddev=0.02, name="conv2d"):
    """5x5 stride-2 convolution (halves H and W) with N(0, 0.02) weights and a bias."""
    with tf.variable_scope(name):
        w = tf.get_variable("w", [k_h, k_w, input_.get_shape()[-1], output_dim],
                             initializer=tf.truncated_normal_initializer(stddev=stddev))
        conv = tf.nn.conv2d(input_, w, strides=[1, d_h, d_w, 1], padding="SAME")
        biases = tf.get_variable("biases", [output_dim], initializer=tf.constant_initializer(0.0))
        return tf.nn.bias_add(conv, biases)


def deconv2d(input_, output_shape, k_h=5, k_w=5, d_h=2, d_w=2, stddev=0.02,
             name="deconv2d", with_w=False):
    """Transposed ("fractionally strided") convolution to output_shape [B, H, W, C].

    output_shape[0] may be None or a tensor: the batch size is taken from the input.
    """
    with tf.variable_scope(name):
        # The kernel is [k_h, k_w, out_channels, in_channels] for a transposed conv.
        w = tf.get_variable("w", [k_h, k_w, output_shape[-1], input_.get_shape()[-1]],
                             initializer=tf.random_normal_initializer(stddev=stddev))
        dynamic_shape = tf.stack([tf.shape(input_)[0]] + list(output_shape[1:]))
        deconv = tf.nn.conv2d_transpose(input_, w, output_shape=dynamic_shape,
                                        strides=[1, d_h, d_w, 1])
        biases = tf.get_variable("biases", [output_shape[-1]],
                                  initializer=tf.constant_initializer(0.0))
        deconv = tf.nn.bias_add(deconv, biases)
        deconv.set_shape([None] + list(output_shape[1:]))
        if with_w:
            return deconv, w, biases
        return deconv


def lrelu(x, leak=0.2, name="lrelu"):
    """Leaky ReLU: max(x, 0.2 x), the discriminator's activation."""
    return tf.maximum(x, leak * x, name=name)


def linear(input_, output_size, scope=None, stddev=0.02, bias_start=0.0, with_w=False):
    """Fully connected layer x @ Matrix + bias, on a [B, features] input."""
    shape = input_.get_shape().as_list()
    with tf.variable_scope(scope or "Linear"):
        matrix = tf.get_variable("Matrix", [shape[1], output_size], tf.float32,
                                  tf.random_normal_initializer(stddev=stddev))
        bias = tf.get_variable("bias", [output_size],
                                initializer=tf.constant_initializer(bias_start))
        out = tf.matmul(input_, matrix) + bias
        if with_w:
            return out, matrix, bias
        return out
