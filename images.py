"""Reading image files (the handout's utils.imread, center_crop and transform, 五.4), for a folder
of your own photos (folder_cache.py decodes each image once with them). A run on MNIST or
CIFAR-10 never loads this file.

Photos come in every format Pillow opens: 16-bit and float grayscale, palettes and alpha, CMYK,
sideways phone pictures with an EXIF note. imread turns each into an upright 8-bit 'L' or 'RGB'
image by its meaning (not by dropping bits), or names the file in a one-line error.
"""
import contextlib
import warnings

import numpy as np
from PIL import Image, ImageOps

from errors import LabError


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
