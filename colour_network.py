"""The lab's third DCGAN network, for colour photos with classes: class folders (planes and cars,
handout 六.1) and CIFAR-10 classes. model.DCGAN builds it when its images have colour and
classes; this file is loaded only then.

G is the handout's unconditional generator (deconv layers of 512..64 filters, batch norm, tanh)
with the label shown to every layer the handout's conditional way (conv_cond_concat). The
handout's conditional network, sized for 28x28 digits (11- and 74-filter D, 1024-unit layers),
makes checkerboard texture on photos. The layers are the model's own (model.d_bn1, ...), so the
variable names are the unconditional network's: generator/g_h1/w, discriminator/d_bn1/gamma, ...

D is where the two versions differ (config.json's "network"):
- colour_classifying (now): the unconditional D, blind to the label, with a second output that
  names the class (AC-GAN); G is rewarded when D names the class G was asked for.
- colour_conditional (runs saved before): D shown the label at every layer too. Nothing in its
  loss asked it to look at the label, and on planes and cars it often did not: after 5 epochs,
  on 3 seeds, the lab's classifier took 21 to 34 % of one class's samples for the other.
"""
import numpy as np
import tensorflow.compat.v1 as tf  # the handout's TensorFlow 1 names

from ops import concat, conv2d, conv_cond_concat, conv_out_size_same, deconv2d, linear, lrelu


def with_label(model, h, y):
    """Show the label y [B, y_dim] to the next layer, the handout's way: concat on a vector
    [B, N] -> [B, N + y_dim], conv_cond_concat on feature maps [B, H, W, C] -> [B, H, W, C + y_dim]."""
    if len(h.get_shape()) == 2:
        return concat([h, y], 1)
    return conv_cond_concat(h, tf.reshape(y, [-1, 1, 1, model.y_dim]))


def discriminator(model, image, y):
    """The unconditional D with the label appended to the image, to every conv's input and to
    the flattened features (+ y_dim channels/units). Shapes at 64 px, df_dim 64."""
    h0 = lrelu(conv2d(with_label(model, image, y), model.df_dim, name="d_h0_conv"))     # [B, 32, 32, 64]
    h1 = lrelu(model.d_bn1(conv2d(with_label(model, h0, y), model.df_dim * 2, name="d_h1_conv")))  # [B,16,16,128]
    h2 = lrelu(model.d_bn2(conv2d(with_label(model, h1, y), model.df_dim * 4, name="d_h2_conv")))  # [B, 8, 8, 256]
    h3 = lrelu(model.d_bn3(conv2d(with_label(model, h2, y), model.df_dim * 8, name="d_h3_conv")))  # [B, 4, 4, 512]
    flat = with_label(model, tf.reshape(h3, [-1, int(np.prod(h3.get_shape()[1:]))]), y)  # [B, 8192 + y]
    h4 = linear(flat, 1, "d_h4_lin")                                                 # [B, 1]
    return tf.nn.sigmoid(h4), h4


def classifying_discriminator(model, image):
    """The handout's unconditional D with a second output, which class the image shows (AC-GAN,
    Odena et al. 2017): (probability real [B, 1], logits [B, 1], class logits [B, y_dim]). D never
    sees the label, so its class output must come from the picture."""
    h0 = lrelu(conv2d(image, model.df_dim, name="d_h0_conv"))                          # [B, 32, 32, 64]
    h1 = lrelu(model.d_bn1(conv2d(h0, model.df_dim * 2, name="d_h1_conv")))            # [B, 16, 16, 128]
    h2 = lrelu(model.d_bn2(conv2d(h1, model.df_dim * 4, name="d_h2_conv")))            # [B, 8, 8, 256]
    h3 = lrelu(model.d_bn3(conv2d(h2, model.df_dim * 8, name="d_h3_conv")))            # [B, 4, 4, 512]
    flat = tf.reshape(h3, [-1, int(np.prod(h3.get_shape()[1:]))])                     # [B, 8192]
    h4 = linear(flat, 1, "d_h4_lin")                                                  # [B, 1]
    return tf.nn.sigmoid(h4), h4, linear(flat, model.y_dim, "d_h4_class")             # [B, y_dim]


def classifying_losses(model, inputs, G, y):
    """The handout's losses, and a class loss: D learns to name the class of real photos, and G
    is rewarded when D names the class it was asked for in its images. With the label only
    concatenated, nothing in the losses asked for the label, and on planes and cars G often made
    one class for both. Returns (D, D_logits, D_, D_logits_, d_loss_real, d_loss_fake, g_loss, d_loss)."""
    with tf.variable_scope("discriminator"):
        D, D_logits, real_class = classifying_discriminator(model, model.augment(inputs, model.value_range))
    with tf.variable_scope("discriminator", reuse=True):
        D_, D_logits_, fake_class = classifying_discriminator(model, model.augment(G, model.value_range))
    xent = tf.nn.sigmoid_cross_entropy_with_logits
    d_loss_real = tf.reduce_mean(xent(logits=D_logits, labels=tf.ones_like(D)))
    d_loss_fake = tf.reduce_mean(xent(logits=D_logits_, labels=tf.zeros_like(D_)))
    g_loss = tf.reduce_mean(xent(logits=D_logits_, labels=tf.ones_like(D_)))
    classes = tf.nn.softmax_cross_entropy_with_logits_v2
    d_loss = d_loss_real + d_loss_fake + tf.reduce_mean(classes(labels=y, logits=real_class))
    g_loss_class = tf.reduce_mean(classes(labels=y, logits=fake_class))
    return D, D_logits, D_, D_logits_, d_loss_real, d_loss_fake, g_loss + g_loss_class, d_loss


def generator(model, z, y, train=True):
    """The unconditional G (tanh) with the label appended to z and to the input of every
    deconv. Sizes halve four times with conv_out_size_same (64 -> 4, 48 -> 3, 32 -> 2)."""
    s_h, s_w = model.output_height, model.output_width
    s_h2, s_w2 = conv_out_size_same(s_h, 2), conv_out_size_same(s_w, 2)
    s_h4, s_w4 = conv_out_size_same(s_h2, 2), conv_out_size_same(s_w2, 2)
    s_h8, s_w8 = conv_out_size_same(s_h4, 2), conv_out_size_same(s_w4, 2)
    s_h16, s_w16 = conv_out_size_same(s_h8, 2), conv_out_size_same(s_w8, 2)
    z_ = linear(with_label(model, z, y), model.gf_dim * 8 * s_h16 * s_w16, "g_h0_lin")  # [B, 8192]
    h0 = tf.nn.relu(model.g_bn0(tf.reshape(z_, [-1, s_h16, s_w16, model.gf_dim * 8]), train=train))
    h1 = deconv2d(with_label(model, h0, y), [None, s_h8, s_w8, model.gf_dim * 4], name="g_h1")  # [B, 8, 8, 256]
    h1 = tf.nn.relu(model.g_bn1(h1, train=train))
    h2 = deconv2d(with_label(model, h1, y), [None, s_h4, s_w4, model.gf_dim * 2], name="g_h2")  # [B, 16, 16, 128]
    h2 = tf.nn.relu(model.g_bn2(h2, train=train))
    h3 = deconv2d(with_label(model, h2, y), [None, s_h2, s_w2, model.gf_dim * 1], name="g_h3")  # [B, 32, 32, 64]
    h3 = tf.nn.relu(model.g_bn3(h3, train=train))
    h4 = deconv2d(with_label(model, h3, y), [None, s_h, s_w, model.c_dim], name="g_h4")  # [B, 64, 64, c]
    return tf.nn.tanh(h4)
