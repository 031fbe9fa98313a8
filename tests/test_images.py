"""images.py: every Pillow mode read by its meaning (16-bit, float, 1-bit, alpha, other colour spaces),
phone photos turned upright, crops, and broken or huge files as one line that --skip_bad_images skips."""
import os

import numpy as np
import pytest
from PIL import Image

import images
from errors import LabError
from test_image_folders import load, make_folder


def test_transform_crops_a_rectangle_when_input_width_differs():
    from PIL import Image
    pixels = np.zeros((40, 60, 3), np.uint8)
    pixels[10:30, 10:50] = 255  # a white 20 x 40 box in the centre
    image = Image.fromarray(pixels)
    box = images.transform(image, 3, 8, input_size=[20, 40], crop=True)
    square = images.transform(image, 3, 8, input_size=20, crop=True)
    assert box.shape == square.shape == (8, 8, 3)
    assert (box == 255).all() and (square == 255).all()
    whole = images.transform(image, 3, 8, crop=True)  # the 40 x 40 centre: black rows above and below
    assert whole[0].max() < 255 and whole[4].min() == 255


def saved(tmp_path, image, name, **kwargs):
    path = str(tmp_path / name)
    image.save(path, **kwargs)
    return path


def pixels(image):
    return np.asarray(image).tolist()


@pytest.mark.parametrize("name,dtype", [("g16.png", np.uint16), ("g16b.tif", ">u2"), ("g16.tif", np.uint16)])
def test_16_bit_grayscale_is_scaled_by_its_range_not_clipped(tmp_path, name, dtype):
    values = np.array([[0, 257, 32896, 65535]], dtype=dtype)
    image = images.imread(saved(tmp_path, Image.fromarray(values), name))
    assert image.mode == "L" and pixels(image) == [[0, 1, 128, 255]]


def test_32_bit_integer_images_in_16_bit_range_or_refused(tmp_path):
    ok = saved(tmp_path, Image.fromarray(np.array([[0, 65535]], np.int32)), "i.tif")
    assert Image.open(ok).mode == "I" and pixels(images.imread(ok)) == [[0, 255]]
    bad = saved(tmp_path, Image.fromarray(np.array([[0, 70000]], np.int32)), "big.tif")
    with pytest.raises(LabError, match="values from 0 to 70000, outside 16 bits.*--skip_bad_images"):
        images.imread(bad)


def test_float_images_in_0_1_or_0_255_or_refused(tmp_path):
    unit = saved(tmp_path, Image.fromarray(np.array([[0, 0.5, 1.0]], np.float32)), "u.tif")
    assert pixels(images.imread(unit)) == [[0, 128, 255]]
    byte = saved(tmp_path, Image.fromarray(np.array([[0, 100.4, 200]], np.float32)), "b.tif")
    assert pixels(images.imread(byte)) == [[0, 100, 200]]
    negative = saved(tmp_path, Image.fromarray(np.array([[-1, 0.5]], np.float32)), "n.tif")
    with pytest.raises(LabError, match="float values outside .*range is unknown"):
        images.imread(negative)


def test_one_bit_images_are_black_and_white(tmp_path):
    image = Image.fromarray(np.array([[0, 255]], np.uint8)).convert("1")
    decoded = images.imread(saved(tmp_path, image, "bw.png"))
    assert decoded.mode == "L" and pixels(decoded) == [[0, 255]]


def test_transparency_is_composited_on_white(tmp_path):
    la = Image.fromarray(np.array([[[50, 0], [50, 255], [50, 128]]], np.uint8), "LA")
    decoded = images.imread(saved(tmp_path, la, "la.png"))
    assert decoded.mode == "L" and pixels(decoded) == [[255, 50, 152]]
    rgba = Image.fromarray(np.array([[[200, 0, 0, 0], [200, 0, 0, 255]]], np.uint8), "RGBA")
    assert pixels(images.imread(saved(tmp_path, rgba, "rgba.png"))) == [[[255, 255, 255], [200, 0, 0]]]
    palette = Image.new("P", (2, 1))
    palette.putpalette([10, 20, 30, 40, 50, 60])
    palette.putpixel((1, 0), 1)
    decoded = images.imread(saved(tmp_path, palette, "p.png", transparency=0))
    assert decoded.mode == "RGB" and pixels(decoded) == [[[255, 255, 255], [40, 50, 60]]]
    gray_key = saved(tmp_path, Image.fromarray(np.array([[7, 8]], np.uint8)), "lt.png", transparency=7)
    assert pixels(images.imread(gray_key)) == [[255, 8]]
    pa = palette.convert("PA")  # no file format keeps PA: convert in memory
    pa.putpixel((0, 0), (1, 0))
    assert pixels(images.to_8bit(pa, "pa")) == [[[255, 255, 255], [40, 50, 60]]]


def test_other_colour_spaces_become_rgb(tmp_path):
    colour = Image.new("RGB", (4, 4), (200, 30, 60))
    cmyk = images.imread(saved(tmp_path, colour.convert("CMYK"), "c.tif"))
    lab = images.imread(saved(tmp_path, colour.convert("LAB"), "lab.tif"))
    for image in (cmyk, lab, images.to_8bit(colour.convert("YCbCr"), "y"),
                  images.to_8bit(colour.convert("HSV"), "h")):
        assert image.mode == "RGB"
        assert np.abs(np.asarray(image, np.int16) - [200, 30, 60]).max() <= 2


def test_exif_orientation_turns_phone_photos_upright(tmp_path):
    stored = np.zeros((20, 40, 3), np.uint8)  # stored sideways: 40 wide, 20 high
    stored[:, :20] = 255                      # left half white
    exif = Image.Exif()
    exif[0x0112] = 6                          # "rotate 90 degrees clockwise to view"
    path = saved(tmp_path, Image.fromarray(stored), "phone.jpg", exif=exif, quality=95)
    upright = np.asarray(images.imread(path))
    assert upright.shape == (40, 20, 3)
    assert upright[:15].mean() > 240 and upright[-15:].mean() < 15  # white on top after turning


def test_a_truncated_jpeg_is_a_clear_error(tmp_path):
    path = saved(tmp_path, Image.fromarray(np.random.RandomState(0).randint(
        0, 256, (64, 64, 3)).astype(np.uint8)), "cut.jpg")
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(LabError, match=r"cannot read image .*cut.jpg \(OSError\).*--skip_bad_images"):
        images.imread(path)


@pytest.mark.parametrize("side", [12, 20])  # 144 pixels: Pillow's warning; 400: its error
def test_an_image_too_large_to_decode_is_one_line_and_can_be_skipped(tmp_path, monkeypatch, side):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    make_folder(tmp_path / "toys", n=1, size=4)
    big = saved(tmp_path, Image.new("RGB", (side, side)), "toys/cars/big.png")
    with pytest.raises(LabError) as error:
        images.imread(big)
    assert str(error.value).startswith(f"image {big} is too large to decode safely (Image size "
                                       f"({side * side} pixels) exceeds limit of")
    data, log = load(tmp_path / "toys", "*.png", 8, skip_bad_images=True)
    assert len(data.images) == 2 and "warning: skipped 1 unreadable image(s): cars/big.png" in log
