"""DiffAugment: differentiable augmentation for data-efficient GAN training (Zhao et al., NeurIPS
2020, "Differentiable Augmentation for Data-Efficient GAN Training"), for both GANs (--diffaug).

With a few hundred photos, D soon remembers every training image and tells them from G's by
heart; its gradients then stop teaching G and training collapses. DiffAugment shows D only
randomly changed images, real AND generated alike: D(T(x)) and D(T(G(z))), in D's step and in
G's. Because every transform T is made of differentiable TensorFlow ops, G's gradient flows
back through T, so G still learns to make un-augmented images (augmenting only the real images
would teach G to make augmented ones).

The three transforms of the paper, each random per image (one draw per image, per step):
    color        brightness + U(-0.5, 0.5), then saturation x U(0, 2) (distance to the pixel's
                 grey), then contrast x U(0.5, 1.5) (distance to the image's mean)
    translation  shift by up to 1/8 of the size in x and y, the uncovered border filled with 0
    cutout       a square of half the size set to 0, at a random place (it may stick out)
They work in [-1, 1] (the tanh generators' range; 0 = mid-grey); images in another range
(MNIST's sigmoid [0, 1]) are mapped there and back. Colour changes may leave [-1, 1], as in
the paper: clipping would stop the gradient where it clips.

Real and fake images get the same policy (the same T, the same distributions), each image its
own random draw, as the authors' code. TensorFlow is imported inside the functions (as in
training.py), so that the flag check (parse_policy) runs before TensorFlow starts.
"""
from errors import LabError

TRANSLATION_RATIO = 1 / 8  # largest shift, as a fraction of the image size
CUTOUT_RATIO = 1 / 2       # side of the cut-out square, as a fraction of the image size


def parse_policy(text):
    """'color,translation,cutout' (any subset, any order, spaces allowed) -> a tuple of names in
    the paper's order (color, translation, cutout); '' -> (). Unknown names: a LabError."""
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    unknown = [name for name in names if name not in TRANSFORMS]
    if unknown:
        raise LabError(f"unknown DiffAugment transform {', '.join(map(repr, unknown))}; use any of "
                       f"{', '.join(TRANSFORMS)}, comma-separated (e.g. --diffaug color,translation,cutout)")
    return tuple(name for name in TRANSFORMS if name in names)


def augment(images, policy, value_range=(-1.0, 1.0)):
    """T(images): the policy's transforms, in the paper's order, each with a fresh random draw per
    image. images [B, H, W, C] in value_range -> [B, H, W, C]; an empty policy returns images."""
    import tensorflow.compat.v1 as tf
    names = parse_policy(policy) if isinstance(policy, str) else tuple(policy)
    if not names:
        return images
    low, high = value_range
    centre, half = (low + high) / 2.0, (high - low) / 2.0
    with tf.name_scope("diffaug"):
        x = (images - centre) / half if (centre, half) != (0.0, 1.0) else images  # -> [-1, 1]
        for name in names:
            for transform in TRANSFORMS[name]:
                x = transform(x)
        x = x * half + centre if (centre, half) != (0.0, 1.0) else x
        return tf.identity(x, name="augmented")


def per_image(x, low, high):
    """A random number per image, uniform in [low, high): [B, 1, 1, 1], broadcast over pixels."""
    import tensorflow.compat.v1 as tf
    return tf.random.uniform([tf.shape(x)[0], 1, 1, 1], low, high)


def brightness(x):
    """Add U(-0.5, 0.5) to every pixel of an image."""
    return x + per_image(x, -0.5, 0.5)


def saturation(x):
    """Scale each pixel's distance to its grey (the mean of its channels) by U(0, 2): 0 makes a
    grey image, 2 doubles the colours. Grayscale images stay as they are."""
    import tensorflow.compat.v1 as tf
    grey = tf.reduce_mean(x, axis=3, keepdims=True)             # [B, H, W, 1]
    return (x - grey) * per_image(x, 0.0, 2.0) + grey


def contrast(x):
    """Scale each pixel's distance to the image's mean by U(0.5, 1.5)."""
    import tensorflow.compat.v1 as tf
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)     # [B, 1, 1, 1]
    return (x - mean) * per_image(x, 0.5, 1.5) + mean


def translation(x, ratio=TRANSLATION_RATIO):
    """Shift each image by whole pixels, dy and dx uniform in [-s, s] with s = ratio x size,
    filling the uncovered border with 0. Done by padding with s zeros on every side and
    picking, per image, the rows and columns that the shifted image shows (tf.gather, whose
    gradient flows back to the pixels it picked)."""
    import tensorflow.compat.v1 as tf
    height, width = x.get_shape().as_list()[1:3]
    s = int(max(height, width) * ratio + 0.5)
    if s == 0:
        return x
    padded = tf.pad(x, [[0, 0], [s, s], [s, s], [0, 0]])        # [B, H + 2s, W + 2s, C]
    batch = tf.shape(x)[0]
    dy = tf.random.uniform([batch, 1], -s, s + 1, dtype=tf.int32)
    dx = tf.random.uniform([batch, 1], -s, s + 1, dtype=tf.int32)
    rows = tf.range(height)[None, :] + s - dy                   # [B, H]: padded row shown in row i
    cols = tf.range(width)[None, :] + s - dx                    # [B, W]
    x = tf.gather(padded, rows, axis=1, batch_dims=1)           # [B, H, W + 2s, C]
    return tf.gather(x, cols, axis=2, batch_dims=1)             # [B, H, W, C]


def cutout(x, ratio=CUTOUT_RATIO):
    """Set a square of ratio x size pixels per side to 0 in each image, centred anywhere in the
    image (as the paper: near the border part of it falls outside)."""
    import tensorflow.compat.v1 as tf
    height, width = x.get_shape().as_list()[1:3]
    size = int(max(height, width) * ratio + 0.5)
    batch = tf.shape(x)[0]

    def inside(length):
        """[B, length] True where each image's square covers that row (or column)."""
        centre = tf.random.uniform([batch, 1], 0, length + (1 - size % 2), dtype=tf.int32)
        start = centre - size // 2
        position = tf.range(length)[None, :]
        return tf.logical_and(position >= start, position < start + size)

    square = tf.logical_and(inside(height)[:, :, None], inside(width)[:, None, :])  # [B, H, W]
    keep = 1.0 - tf.cast(square, x.dtype)[:, :, :, None]                               # [B, H, W, 1]
    return x * keep


# The paper's policies: each name stands for these transforms, applied in this order.
TRANSFORMS = {"color": (brightness, saturation, contrast), "translation": (translation,),
              "cutout": (cutout,)}
