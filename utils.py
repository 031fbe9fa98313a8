"""The handout's helpers (step 4): image I/O, grids, GIFs, visualize, test-mode pictures.

The handout's utils.py used scipy.misc.imread/imsave/imresize, removed from SciPy; Pillow
and imageio do the same work here. Convention: every image handed to the grid and GIF
writers is a float array in [0, 1] (true intensities; nothing is min-max rescaled, so a
washed-out grid really is washed out). Every file is written atomically (atomic_write).
Training bookkeeping lives in training.py, checkpoints in checkpoints.py, errors in errors.py.
"""
import contextlib
import json
import math
import os
import shutil
import tempfile
import time
import warnings

import imageio
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from errors import LabError


# ----------------------------------------------------------------------------- image I/O

GRAY_MODES = ("1", "L", "LA", "I", "F")  # plus every 16-bit "I;16..." mode
ALPHA_MODES = ("LA", "PA", "RGBA")


def output_mode(image):
    """What imread makes of an opened (not yet decoded) Pillow image: 'L' or 'RGB'.

    Only the header is needed, so a folder's channels can be decided before decoding it.
    """
    return "L" if image.mode in GRAY_MODES or image.mode.startswith("I;16") else "RGB"


@contextlib.contextmanager
def open_image(path):
    """Image.open(path), but an image above Pillow's size limit (Image.MAX_IMAGE_PIXELS) raises:
    Pillow only warns between the limit and twice the limit, and raises above; refuse both."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as image:
            yield image


def imread(path, grayscale=False):
    """Read an image file as an upright 8-bit Pillow image: 'L' for grayscale files, 'RGB' otherwise.

    Every mode Pillow opens is converted by its meaning, not by dropping bits (see to_8bit);
    the EXIF orientation of phone photos is applied. Raises LabError naming the file when it
    cannot be decoded, is too large to decode safely, or has values whose range is unknown.
    """
    try:
        with open_image(path) as image:
            image.load()
            image = to_8bit(upright(image), path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise LabError(f"image {path} is too large to decode safely ({e.args[0].split(',')[0]}); "
                       "shrink it, remove it, or pass --skip_bad_images")
    except LabError:
        raise
    except Exception as e:  # noqa: BLE001 - a broken file makes Pillow raise almost anything
        raise LabError(f"cannot read image {path} ({type(e).__name__}); remove or replace it, "
                       "or pass --skip_bad_images")
    return image.convert("L") if grayscale else image


def upright(image):
    """Apply the EXIF orientation tag (phone photos are stored sideways with a note to rotate).

    Returns a new image (the opened file's image dies when the file is closed). An unreadable
    EXIF block is ignored: the pixels are then used as stored.
    """
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - Pillow raises many types on a broken EXIF block
        return image.copy()


def to_8bit(image, path):
    """Any Pillow mode -> 'L' (grayscale modes) or 'RGB' (the rest), 8 bits per channel.

    - transparency (LA, PA, RGBA, or P/L/RGB with a transparent colour): composited on WHITE,
      as a viewer shows it on a page (dropping alpha would show whatever colour hides there);
    - '1' (1 bit): 0 -> 0, 1 -> 255;
    - 16-bit 'I;16', 'I;16B', ... and 32-bit integer 'I': scaled by the 16-bit range,
      65535 -> 255 (values outside 0..65535 have no known range: refused);
    - 32-bit float 'F': values in [0, 1] scaled by 255, values in [0, 255] taken as they are,
      anything else (negative, NaN, above 255) refused;
    - CMYK, YCbCr, LAB, HSV: converted to RGB by Pillow (CMYK without its ICC profile).
    """
    mode = image.mode
    if mode in ALPHA_MODES or (mode in ("P", "L", "RGB") and "transparency" in image.info):
        return on_white(image, output_mode(image))
    if mode in ("L", "RGB"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode == "I" or mode.startswith("I;16"):
        return Image.fromarray(scale_16bit(np.asarray(image), path), "L")
    if mode == "F":
        return Image.fromarray(scale_float(np.asarray(image), path), "L")
    return image.convert("RGB")


def on_white(image, mode):
    """Composite an image with transparency onto a white background; returns `mode` ('L'/'RGB')."""
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert(mode)


def scale_16bit(values, path):
    """Integer gray values [H, W] of a 16-bit image -> uint8: round(v * 255 / 65535)."""
    low, high = int(values.min()), int(values.max())
    if low < 0 or high > 65535:
        raise LabError(f"image {path} has integer values from {low} to {high}, outside 16 bits, "
                       "so its brightness range is unknown; save it as an 8-bit PNG or JPEG, "
                       "or pass --skip_bad_images")
    return ((values.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def scale_float(values, path):
    """Float gray values [H, W] -> uint8: [0, 1] is scaled by 255, [0, 255] kept as it is."""
    if not np.isfinite(values).all() or values.min() < 0 or values.max() > 255:
        raise LabError(f"image {path} has float values outside [0, 1] and [0, 255] (or NaN), "
                       "so its brightness range is unknown; save it as an 8-bit PNG or JPEG, "
                       "or pass --skip_bad_images")
    scale = 255.0 if values.max() <= 1.0 else 1.0
    return np.round(values.astype(np.float64) * scale).astype(np.uint8)


def center_crop(image, crop_h, crop_w=None):
    """Cut the central crop_h x crop_w region out of a Pillow image."""
    crop_w = crop_w or crop_h
    w, h = image.size
    crop_h, crop_w = min(crop_h, h), min(crop_w, w)
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    return image.crop((left, top, left + crop_w, top + crop_h))


def transform(image, channels, output_size, input_size=None, crop=False):
    """Pillow image -> uint8 array [output_size, output_size, channels].

    With crop (the handout's --crop), first cut the central input_size region: a square side,
    or [height, width] (--input_height, --input_width); the whole shorter side when None. Then
    resize with Pillow's bicubic filter (a non-square crop is stretched to the square output).
    """
    image = image.convert("L" if channels == 1 else "RGB")
    if crop:
        crop_h, crop_w = input_size if isinstance(input_size, (list, tuple)) else (input_size, input_size)
        image = center_crop(image, crop_h or min(image.size), crop_w or crop_h or min(image.size))
    if image.size != (output_size, output_size):
        image = image.resize((output_size, output_size), Image.BICUBIC)
    array = np.asarray(image, dtype=np.uint8)
    return array.reshape(output_size, output_size, channels)


def to_uint8(images):
    """[0, 1] floats -> uint8, clipped (never rescaled per image)."""
    return (np.clip(images, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


# ----------------------------------------------------------------------------- grids and GIFs

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


def current_umask():
    """The process's umask (reading it means setting it; it is set straight back)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def atomic_write(path, write_function, suffix=""):
    """Write via a temporary file in the same folder and rename it, so no half file is left."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix or os.path.splitext(path)[1])
    os.close(fd)
    try:
        write_function(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def replace_folder(path, build_function):
    """Write a whole folder as one set: build_function(folder) fills a new hidden sibling folder,
    which then takes path's place; the previous folder is removed only after that. So no file of
    the previous set survives next to the new one, and a build that fails or is killed leaves
    the previous folder as it was (a killed build leaves its hidden .<name>-new-* folder)."""
    path = os.path.abspath(path)
    parent, name = os.path.split(path)
    os.makedirs(parent, exist_ok=True)
    new = tempfile.mkdtemp(dir=parent, prefix=f".{name}-new-")
    old = None
    try:
        build_function(new)
        os.chmod(new, 0o777 & ~current_umask())  # mkdtemp makes 0700 folders
        if os.path.exists(path):
            old = tempfile.mkdtemp(dir=parent, prefix=f".{name}-old-")
            os.rename(path, old)  # replaces the empty folder mkdtemp made
        os.rename(new, path)
    except BaseException:
        if old and not os.path.exists(path):
            os.rename(old, path)  # the new set could not take its place: put the old one back
            old = None
        shutil.rmtree(new, ignore_errors=True)
        raise
    finally:
        if old:
            shutil.rmtree(old, ignore_errors=True)


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


def save_class_grid(images, class_names, per_class, path):
    """Save a grid with one row per class and the class name written left of its row."""
    rows = to_uint8(merge(images, (len(class_names), per_class)))
    grid = Image.fromarray(rows[..., 0] if rows.shape[-1] == 1 else rows).convert("RGB")
    font = ImageFont.load_default()
    draw = ImageDraw.Draw(grid)
    margin = int(max(draw.textlength(str(name), font=font) for name in class_names)) + 8
    canvas = Image.new("RGB", (grid.width + margin, grid.height), "white")
    canvas.paste(grid, (margin, 0))
    draw = ImageDraw.Draw(canvas)
    row_height = images.shape[1]
    for i, name in enumerate(class_names):
        draw.text((4, i * row_height + row_height // 2 - 6), str(name), fill="black", font=font)
    atomic_write(path, lambda tmp: canvas.save(tmp, format="PNG"))
    return path


def make_gif(images, fname, duration=2):
    """Write frames [T, H, W, C] in [0, 1] as a looping GIF lasting `duration` seconds."""
    frames = to_uint8(np.asarray(images))
    if frames.shape[-1] == 1:
        frames = frames[..., 0]
    ms_per_frame = 1000.0 * duration / max(1, len(frames))
    atomic_write(fname, lambda tmp: imageio.v2.mimsave(tmp, list(frames), format="GIF",
                                                       duration=ms_per_frame, loop=0))
    return fname


# ----------------------------------------------------------------------------- sampling helpers

def generate_images(model, z, labels=None, batch=500):
    """Run the model's sampler (G in inference mode) on noise z [N, z_dim] (and class indices
    for a conditional model) in batches; returns images [N, H, W, C] in [0, 1]."""
    out = []
    for start in range(0, len(z), batch):
        feed = {model.z: z[start:start + batch]}
        if model.num_classes:
            feed[model.y] = model.label_feed(labels[start:start + batch])
        out.append(model.sess.run(model.samples, feed))
    return model.from_model_range(np.concatenate(out))


def save_training_grid(model, z, labels, folder, epoch, idx, d_loss, g_loss):
    """The handout's grid during training: the fixed noise's images as
    folder/train_<epoch>_<idx>.png, and the [Sample] line."""
    path = os.path.join(folder, "train_{:02d}_{:04d}.png".format(epoch, idx))
    save_images(model.generate(z, labels), image_manifold_size(len(z)), path)
    print("[Sample] d_loss: %.8f, g_loss: %.8f -> %s" % (d_loss, g_loss, path), flush=True)


def class_rows(num_classes, per_class=10):
    """Labels for a grid with one class per row: [0]*per_class + [1]*per_class + ..."""
    return np.repeat(np.arange(num_classes), per_class)


def cycle_labels(n, num_classes):
    """Labels 0, 1, ..., K-1, 0, 1, ... for n samples (the same class mix for every model)."""
    return np.arange(n) % max(1, num_classes)


def interpolation_frames(model, rng, steps=16):
    """Frames of a GIF that walks in a straight line between two latent codes, a grid per frame.

    Each grid holds one image per class for conditional models (so you see every class
    morph at once), or 16 independent walks for unconditional ones.
    """
    n = model.num_classes if model.num_classes else 16
    labels = np.arange(n) if model.num_classes else None
    z0, z1 = model.sample_noise(rng, n), model.sample_noise(rng, n)
    size = image_manifold_size(n)
    frames = []
    for t in np.linspace(0.0, 1.0, steps):
        images = model.generate((1 - t) * z0 + t * z1, labels)
        frames.append(merge(images, size))
    return np.stack(frames)


def visualize(model, option, out, n, seed=0):
    """Test-mode pictures (handout utils.visualize): n images per grid or GIF, written to out.

    option 0: one random grid. 1: one grid per z dimension, that dimension swept over
    [-1, 1] across the grid. 2: GIFs of random dimensions swept from a random z. 3: GIFs of
    every dimension swept from z = 0. 4: as 3, plus all of them merged into one grid GIF.
    Works for conditional models (labels cycle through the classes) and unconditional ones.
    Returns the written paths.
    """
    rng = np.random.RandomState(seed)
    labels = cycle_labels(n, model.num_classes) if model.num_classes else None
    values = np.linspace(-1, 1, n, dtype=np.float32)
    written = []
    if option == 0:
        images = model.generate(model.sample_noise(rng, n), labels)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        written.append(save_images(images, image_manifold_size(n),
                                   os.path.join(out, f"test_{stamp}.png")))
    elif option == 1:
        base = model.sample_noise(rng, n)
        for idx in range(model.z_dim):
            z = base.copy()
            z[:, idx] = values
            written.append(save_images(model.generate(z, labels), image_manifold_size(n),
                                       os.path.join(out, f"test_arange_{idx}.png")))
    elif option in (2, 3, 4):
        dims = rng.choice(model.z_dim, size=min(8, model.z_dim), replace=False) \
            if option == 2 else range(model.z_dim)
        base = model.sample_noise(rng, 1)
        gifs = []
        for idx in dims:
            z = np.repeat(base if option == 2 else np.zeros_like(base), n, axis=0)
            z[:, idx] = values
            images = model.generate(z, labels)
            gifs.append(images)
            written.append(make_gif(images, os.path.join(out, f"test_gif_{idx}.gif")))
        if option == 4:
            stack = np.stack(gifs[:100])  # [dims, frames, H, W, C]
            size = image_manifold_size(len(stack))
            merged = [merge(stack[:, t], size) for t in range(stack.shape[1])]
            written.append(make_gif(np.stack(merged), os.path.join(out, "test_gif_merged.gif"),
                                    duration=8))
    else:
        raise LabError(f"--visualize {option} is not an option; use 0 (random grid), 1 (sweep "
                       "each z dimension), 2 (random-dimension GIFs), 3 (GIFs from z=0), 4 (3 + merged GIF)")
    return written


def test_mode_outputs(model, out, n, seed=0):
    """Test mode's default pictures in out: a grid of n random images, a per-class grid, an
    interpolation GIF. Returns the written paths."""
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


# ----------------------------------------------------------------------------- files

def write_json(path, data):
    """Write a JSON file atomically (run configs and metrics)."""
    atomic_write(path, lambda tmp: open(tmp, "w").write(json.dumps(data, indent=2, sort_keys=True)))


def read_json(path):
    with open(path) as f:
        return json.load(f)


def writable_problem(folder):
    """Why files cannot be written in folder (a phrase), or None when they can.

    Nothing is created: a probe file is written (and removed) in the folder or, where the folder
    does not exist yet, in its nearest existing parent, where it will be made. So a run that
    then stops on another bad input leaves nothing behind, and two runs starting side by side
    never remove each other's folders."""
    existing = os.path.abspath(folder)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    try:
        if not os.path.isdir(existing):
            raise NotADirectoryError(20, f"{existing} is a file, not a folder")
        probe = tempfile.NamedTemporaryFile(dir=existing, prefix=".write-test-")
        probe.close()
    except OSError as e:
        return e.strerror
    return None


def check_writable(folder, what):
    """Fail with a one-line error naming folder unless files can be written in it."""
    problem = writable_problem(folder)
    if problem:
        raise LabError(f"cannot write to {what} {folder} ({problem}); choose another "
                       f"with --{what.replace(' ', '_')}")
