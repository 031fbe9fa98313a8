"""The handout's helpers (五.4): grids (save_images, merge, imsave, image_manifold_size) and GIFs.

The handout's utils.py used scipy.misc.imread/imsave/imresize, removed from SciPy; Pillow
and imageio do the same work here. Convention: every image handed to the grid and GIF
writers is a float array in [0, 1] (true intensities; nothing is min-max rescaled, so a
washed-out grid really is washed out). Every file is written atomically (atomic_write).
Reading image files (the handout's imread, center_crop, transform) is images.py's: only a
folder of your own photos needs it. The handout's visualize and the other pictures test mode
draws are testmode.py's. Training bookkeeping lives in training.py, checkpoints in
checkpoints.py, errors in errors.py.
"""
import math

import imageio
import numpy as np
from PIL import Image

from files import atomic_write


# ----------------------------------------------------------------------------- grids and GIFs

def to_float(images):
    """uint8 images (any shape) -> float32 in [0, 1], what the networks take. Call it per batch
    (to_float(data.images[batch])): a whole folder as floats would not fit in memory."""
    return images.astype(np.float32) / 255.0


def to_uint8(images):
    """[0, 1] floats -> uint8, clipped (never rescaled per image)."""
    return (np.clip(images, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def image_manifold_size(num_images):
    """Rows and columns of a grid for any number of images: near-square, rows <= columns."""
    rows = max(1, int(math.floor(math.sqrt(num_images))))
    cols = int(math.ceil(num_images / rows))
    return rows, cols


def merge(images, size):
    """Tile images [N, H, W, C] into one [rows*H, cols*W, C] array; empty cells stay black."""
    rows, cols = size
    n, h, w, c = images.shape
    if n > rows * cols:
        raise ValueError(f"{n} images do not fit a {rows}x{cols} grid")
    grid = np.zeros((rows * h, cols * w, c), dtype=images.dtype)
    for idx, image in enumerate(images):
        i, j = idx // cols, idx % cols
        grid[i * h:(i + 1) * h, j * w:(j + 1) * w] = image
    return grid


def imsave(images, size, path):
    """Save images [N, H, W, C] in [0, 1] as one grid PNG."""
    grid = to_uint8(merge(images, size))
    if grid.shape[-1] == 1:
        grid = grid[..., 0]
    atomic_write(path, lambda tmp: Image.fromarray(grid).save(tmp, format="PNG"))
    return path


def save_images(images, size, image_path):
    """The handout's save_images: one grid of a batch. `images` must already be in [0, 1]."""
    return imsave(images, size, image_path)


def make_gif(images, fname, duration=2):
    """Write frames [T, H, W, C] in [0, 1] (or Pillow images of one size) as a looping GIF
    lasting `duration` seconds."""
    if isinstance(images[0], Image.Image):
        frames = np.stack([np.asarray(picture) for picture in images])
    else:
        frames = to_uint8(np.asarray(images))
    if frames.shape[-1] == 1:
        frames = frames[..., 0]
    ms_per_frame = 1000.0 * duration / max(1, len(frames))
    atomic_write(fname, lambda tmp: imageio.v2.mimsave(tmp, list(frames), format="GIF",
                                                       duration=ms_per_frame, loop=0))
    return fname


def class_rows(num_classes, per_class=10):
    """Labels for a grid with one class per row: [0]*per_class + [1]*per_class + ..."""
    return np.repeat(np.arange(num_classes), per_class)


def cycle_labels(n, num_classes):
    """Labels 0, 1, ..., K-1, 0, 1, ... for n samples (the same class mix for every model)."""
    return np.arange(n) % max(1, num_classes)
