"""Sampling a generator: its images (generate_images), the batch norm statistics its sampler uses
(set_standing_statistics) and the handout's grid during training (save_training_grid). Test mode's
pictures and files build on these (testmode.py), as do the comparison and the explorer.

Both GANs (model.DCGAN, biggan.model.BigGAN) offer the same small interface, which is all this
module, testmode.py (visualize too) and the comparison use:

    sess, z, y, samples     the session, the placeholders (y: None when unconditional) and the
                            sampler's output tensor (images in the generator's own range)
    num_classes, class_names, z_dim, batch_size, model_dir (the run's name), replicas
    sample_noise(rng, n)    noise as sampling draws it (BigGAN: truncated when asked)
    training_noise(rng, n)  noise as training drew it
    label_feed(labels)      class indices -> what y takes (one-hot for the DCGAN)
    from_model_range(x)     the generator's range -> [0, 1]
    standing                the batch norm statistics the sampler uses (ops.standing_statistics_ops)
    generate(z, labels)     images in [0, 1] (generate_images below)
"""
import os

import numpy as np

from errors import LabError
from utils import cycle_labels, image_manifold_size, save_images


def generate_images(model, z, labels=None, batch=500):
    """Run the model's sampler (G in inference mode) on noise z [N, z_dim] (and class indices
    for a conditional model) in batches; returns images [N, H, W, C] in [0, 1]."""
    out = []
    for start in range(0, len(z), batch):
        feed = {model.z: z[start:start + batch]}
        if model.num_classes:
            feed[model.y] = model.label_feed(labels[start:start + batch])
        out.append(model.sess.run(model.samples, feed))
    images = np.concatenate(out)
    if not np.isfinite(images).all():  # to_uint8 would write them as black images, silently
        raise LabError(f"the generator of {model.model_dir} makes NaN or infinite pixels: its weights are "
                       "broken (a run that diverged?); train again, with a lower learning rate")
    return model.from_model_range(images)


STANDING_BATCHES = 16  # batches the standing statistics average over (BigGAN-PyTorch's default)


def set_standing_statistics(model, batches=STANDING_BATCHES, seed=0):
    """Measure the generator's batch norm statistics on `batches` batches of its training noise
    (classes evenly mixed) and give them to the sampler (ops.standing_statistics_ops: why).

    Run once a checkpoint is loaded (test mode, compare.py) and before every training grid, so
    both show the generator as it is; with the same seed they are the same numbers, and test
    mode's test_random.png repeats the training grid of the same checkpoint."""
    fetches, placeholders, assign = model.standing
    rng = np.random.RandomState(seed)
    totals = [0.0] * len(fetches)
    for _ in range(batches):
        feed = {model.z: model.training_noise(rng, model.batch_size)}
        if model.num_classes:
            labels = rng.permutation(cycle_labels(model.batch_size, model.num_classes))
            feed[model.y] = model.label_feed(labels)
        totals = [total + value for total, value in zip(totals, model.sess.run(fetches, feed))]
    model.sess.run(assign, {p: total / batches for p, total in zip(placeholders, totals)})


def save_training_grid(model, z, labels, folder, epoch, idx, d_loss, g_loss):
    """The handout's grid during training: the fixed noise's images as
    folder/train_<epoch>_<idx>.png (with standing statistics, as test mode), and the [Sample] line.
    On several machines only the chief makes it (model.replicas.writes_files)."""
    if not model.replicas.writes_files:
        return
    set_standing_statistics(model)
    path = os.path.join(folder, "train_{:02d}_{:04d}.png".format(epoch, idx))
    save_images(model.generate(z, labels), image_manifold_size(len(z)), path)
    print("[Sample] d_loss: %.8f, g_loss: %.8f -> %s" % (d_loss, g_loss, path), flush=True)
