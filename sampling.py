"""Sampling a trained generator: the pictures and files of test mode and of the comparison
(handout 五.7.4, testing with the trained model).

Both GANs (model.DCGAN, biggan.model.BigGAN) offer the same small interface, which is all this
module, utils.visualize and the comparison use:

    sess, z, y, samples     the session, the placeholders (y: None when unconditional) and the
                            sampler's output tensor (images in the generator's own range)
    num_classes, class_names, z_dim, batch_size, model_dir (the run's name)
    sample_noise(rng, n)    noise as sampling draws it (BigGAN: truncated when asked)
    training_noise(rng, n)  noise as training drew it
    label_feed(labels)      class indices -> what y takes (one-hot for the DCGAN)
    from_model_range(x)     the generator's range -> [0, 1]
    standing                the batch norm statistics the sampler uses (ops.standing_statistics_ops)
    generate(z, labels)     images in [0, 1] (generate_images below)
"""
import os

import numpy as np

import distribute
from errors import LabError
from files import atomic_write
from utils import (class_rows, cycle_labels, image_manifold_size, interpolation_frames, make_gif,
                   save_class_grid, save_images, to_uint8)


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
    On several machines only the chief makes it (distribute.writes_files)."""
    if not distribute.writes_files(model.replicas):
        return
    set_standing_statistics(model)
    path = os.path.join(folder, "train_{:02d}_{:04d}.png".format(epoch, idx))
    save_images(model.generate(z, labels), image_manifold_size(len(z)), path)
    print("[Sample] d_loss: %.8f, g_loss: %.8f -> %s" % (d_loss, g_loss, path), flush=True)


def test_mode_outputs(model, out, n, seed=0):
    """Test mode's default pictures in out: test_random.png (n images, the same noise and classes
    as the training grids, so the two compare), test_classes.png (conditional models: 10 images per
    class) and test_interpolation.gif. Returns the written paths."""
    rng = np.random.RandomState(seed)
    labels = cycle_labels(n, model.num_classes) if model.num_classes else None
    written = [save_images(model.generate(model.sample_noise(rng, n), labels),
                           image_manifold_size(n), os.path.join(out, "test_random.png"))]
    if model.num_classes:
        labels = class_rows(model.num_classes, 10)
        written.append(save_class_grid(model.generate(model.sample_noise(rng, len(labels)), labels),
                                       model.class_names, 10, os.path.join(out, "test_classes.png")))
    written.append(make_gif(interpolation_frames(model, rng),
                            os.path.join(out, "test_interpolation.gif"), duration=3))
    return written


def export_samples(model, n, path, seed=0, batch=500):
    """Write n generated images (uint8 [N, H, W, C]) and their requested labels to an .npz."""
    rng = np.random.RandomState(seed)
    labels = cycle_labels(n, model.num_classes)
    images = []
    for start in range(0, n, batch):
        part = labels[start:start + batch]
        z = model.sample_noise(rng, len(part))
        images.append(to_uint8(model.generate(z, part if model.num_classes else None)))
    images = np.concatenate(images)
    atomic_write(path, lambda tmp: np.savez_compressed(open(tmp, "wb"), images=images,
                                                       labels=labels.astype(np.int64)))
    return path
