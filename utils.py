"""The handout's helpers (五.4): grids (save_images, merge, imsave), GIFs, visualize, test-mode pictures.

The handout's utils.py used scipy.misc.imread/imsave/imresize, removed from SciPy; Pillow
and imageio do the same work here. Convention: every image handed to the grid and GIF
writers is a float array in [0, 1] (true intensities; nothing is min-max rescaled, so a
washed-out grid really is washed out). Every file is written atomically (atomic_write).
Reading image files (the handout's imread, center_crop, transform) is images.py's: only a
folder of your own photos needs it. Training bookkeeping lives in training.py, checkpoints in
checkpoints.py, errors in errors.py.
"""
import math
import os
import time

import imageio
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from errors import LabError
from files import atomic_write


# ----------------------------------------------------------------------------- grids and GIFs

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


# A picture a student opens must say what it shows (a title strip, labels on its rows) at a size
# they can see (28-pixel digits are scaled up, pixels kept sharp). Training grids stay the
# handout's plain save_images, so they can be compared with test mode's test_random.png.
READABLE_WIDTH = 360   # small grids are scaled up (nearest neighbour) to about this width
FONT_SIZE = 13


def readable_scale(width):
    """The whole-number factor that brings a grid `width` pixels wide to about READABLE_WIDTH."""
    return max(1, min(8, round(READABLE_WIDTH / max(1, width))))


def wrap(text, font, width, draw):
    """`text` broken into lines no wider than `width` pixels in `font`."""
    lines = [""]
    for word in text.split():
        candidate = f"{lines[-1]} {word}".strip()
        if lines[-1] and draw.textlength(candidate, font=font) > width:
            lines.append(word)
        else:
            lines[-1] = candidate
    return lines


def labelled_picture(images, size, title, row_labels=(), scale=None):
    """images [N, H, W, C] in [0, 1] as a grid of `size` (rows, columns), scaled up to be seen,
    with `title` in a white strip on top and each row's label on its left. Returns a Pillow image,
    grayscale ("L") for grayscale images (a GIF of them needs no colour palette: 10x faster to
    write), RGB otherwise; every frame of a GIF made with the same arguments has the same size."""
    grid = to_uint8(merge(images, size))
    picture = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    scale = scale or readable_scale(picture.width)
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    font = ImageFont.load_default(size=FONT_SIZE)
    draw = ImageDraw.Draw(picture)
    margin = int(max([draw.textlength(str(label), font=font) for label in row_labels] or [-8])) + 8
    lines = wrap(title, font, max(picture.width + margin - 8, 200), draw)
    strip = 6 + (FONT_SIZE + 3) * len(lines)
    canvas = Image.new(picture.mode, (picture.width + margin, picture.height + strip), "white")
    canvas.paste(picture, (margin, strip))
    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(lines):
        draw.text((4, 3 + i * (FONT_SIZE + 3)), line, fill="black", font=font)
    row_height = picture.height / size[0]
    for i, label in enumerate(row_labels):
        draw.text((4, strip + (i + 0.5) * row_height - FONT_SIZE / 2), str(label), fill="black", font=font)
    return canvas


def save_picture(picture, path):
    """Save a Pillow image as PNG atomically; returns path."""
    atomic_write(path, lambda tmp: picture.save(tmp, format="PNG"))
    return path


def save_class_grid(images, class_names, per_class, path, title=None):
    """Save a grid with one row per class and the class name written left of its row."""
    title = title or f"{per_class} samples of each class, one class per row"
    return save_picture(labelled_picture(images, (len(class_names), per_class), title, class_names), path)


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


MAX_ROWS = 10  # rows of a sweep or interpolation picture: the first 10 classes, or 10 random z


def sweep_rows(model, rng, base):
    """What each row of a sweep or an interpolation shows: (labels or None, row names, row noise
    [R, z_dim]). Conditional models: one class per row, all with the same noise (`base` [1, z_dim]),
    so the rows differ by the class alone; unconditional ones: a different random z per row."""
    if model.num_classes:
        rows = min(model.num_classes, MAX_ROWS)
        return np.arange(rows), model.class_names[:rows], np.repeat(base, rows, axis=0)
    return None, [f"z {i + 1}" for i in range(MAX_ROWS)], model.sample_noise(rng, MAX_ROWS)


def sweep_values(model, steps):
    """`steps` values of one z coordinate, over the prior's usual range: DCGAN U(-1, 1) all of
    it, BigGAN N(0, 1) two standard deviations either side."""
    low, high = getattr(model, "z_sweep", (-1.0, 1.0))
    return np.linspace(low, high, steps, dtype=np.float32)


def sweep_picture(model, rows_z, labels, names, dim, steps=10):
    """One picture: each row its noise with z[dim] swept left to right over sweep_values."""
    values = sweep_values(model, steps)
    z = np.repeat(rows_z, steps, axis=0)                       # [R * steps, z_dim], row by row
    z[:, dim] = np.tile(values, len(rows_z))
    images = model.generate(z, None if labels is None else np.repeat(labels, steps))
    title = (f"z[{dim}] from {values[0]:+g} (left) to {values[-1]:+g} (right), every other z "
             f"fixed; one {'class' if labels is not None else 'random z'} per row")
    return labelled_picture(images, (len(rows_z), steps), title, names)


def cells_picture(images, title, names):
    """A GIF frame: images in a near-square grid (image_manifold_size), the title saying what the
    cells are, in reading order (one class per cell, or one random z per cell)."""
    return labelled_picture(images, image_manifold_size(len(images)),
                            f"{title}. Cells, left to right, top to bottom: {', '.join(map(str, names))}")


def sweep_frames(model, rows_z, labels, names, dims, steps=16):
    """GIF frames: frame t shows every cell at z[d] = value t, for each d in dims at once."""
    frames = []
    for value in sweep_values(model, steps):
        z = rows_z.copy()
        z[:, dims] = value
        shown = ", ".join(map(str, dims)) if len(dims) <= 8 else f"{len(dims)} coordinates"
        frames.append(cells_picture(model.generate(z, labels), f"z[{shown}] = {value:+.2f}, every other z fixed",
                                    names))
    return frames


def interpolation_frames(model, rng, steps=16):
    """GIF frames of a straight walk between two latent codes: one class per cell (conditional,
    the same two codes for every class) or 10 independent walks. Pillow images, one size."""
    labels, names, z0 = sweep_rows(model, rng, model.sample_noise(rng, 1))
    _, _, z1 = sweep_rows(model, rng, model.sample_noise(rng, 1))
    return [cells_picture(model.generate((1 - t) * z0 + t * z1, labels),
                          f"From one z to another, step {i + 1} of {steps}", names)
            for i, t in enumerate(np.linspace(0.0, 1.0, steps))]


def visualize(model, option, out, n, seed=0):
    """Test-mode pictures (handout utils.visualize), written to out; returns the written paths.

    0: one grid of n random images. 1: one picture per z dimension, test_arange_<dim>.png, that
    dimension swept left to right (one class per row). 2: GIFs of 8 random dimensions swept the
    same way, from a random z. 3: GIFs of every dimension from z = 0. 4: as 3, plus one GIF of
    all dimensions at once. Conditional models show one class per row, unconditional ones 10 z.
    """
    rng = np.random.RandomState(seed)
    width = len(str(model.z_dim - 1))  # file names that sort: test_arange_007.png
    if option == 0:
        labels = cycle_labels(n, model.num_classes) if model.num_classes else None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return [save_images(model.generate(model.sample_noise(rng, n), labels), image_manifold_size(n),
                            os.path.join(out, f"test_{stamp}.png"))]
    if option not in (1, 2, 3, 4):
        raise LabError(f"--visualize {option} is not an option; use 0 (random grid), 1 (sweep "
                       "each z dimension), 2 (random-dimension GIFs), 3 (GIFs from z=0), 4 (3 + merged GIF)")
    base = model.sample_noise(rng, 1) if option in (1, 2) else np.zeros((1, model.z_dim), np.float32)
    labels, names, rows_z = sweep_rows(model, rng, base)
    if option == 1:
        return [save_picture(sweep_picture(model, rows_z, labels, names, d),
                             os.path.join(out, f"test_arange_{d:0{width}d}.png")) for d in range(model.z_dim)]
    dims = sorted(rng.choice(model.z_dim, size=min(8, model.z_dim), replace=False)) \
        if option == 2 else range(model.z_dim)
    written = [make_gif(sweep_frames(model, rows_z, labels, names, [d]),
                        os.path.join(out, f"test_gif_{d:0{width}d}.gif")) for d in dims]
    if option == 4:
        written.append(make_gif(sweep_frames(model, rows_z, labels, names, list(dims)[:100]),
                                os.path.join(out, "test_gif_merged.gif"), duration=4))
    return written


