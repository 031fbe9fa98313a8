"""utils.py: grids, true intensities, GIFs, visualize options and export, with a stand-in model."""
import os

import numpy as np
import pytest
from PIL import Image

import errors
from errors import LabError
import utils
from test_datasets import load, make_folder


class FakeModel(object):
    """A 'generator' whose image brightness is its label / 10 plus z[0]: fast and predictable."""

    def __init__(self, num_classes=10, z_dim=5, size=6, channels=1):
        self.num_classes, self.z_dim, self.size, self.channels = num_classes, z_dim, size, channels
        self.class_names = [f"c{i}" for i in range(num_classes)]

    def sample_noise(self, rng, n):
        return rng.uniform(-1, 1, (n, self.z_dim)).astype(np.float32)

    def generate(self, z, labels=None):
        level = (np.asarray(labels) / 10.0 if labels is not None else np.zeros(len(z))) + 0.05 * z[:, 0]
        return np.clip(np.ones((len(z), self.size, self.size, self.channels)) * level[:, None, None, None], 0, 1)


@pytest.mark.parametrize("n,size", [(64, (8, 8)), (100, (10, 10)), (10, (3, 4)), (7, (2, 4)), (1, (1, 1))])
def test_image_manifold_size_fits_any_batch(n, size):
    assert utils.image_manifold_size(n) == size
    rows, cols = size
    assert rows * cols >= n and rows <= cols


def test_merge_places_images_row_by_row_and_leaves_empty_cells_black():
    images = np.stack([np.full((2, 3, 1), i + 1.0) for i in range(5)])
    grid = utils.merge(images, (2, 3))
    assert grid.shape == (4, 9, 1)
    assert grid[0, 3, 0] == 2 and grid[2, 0, 0] == 4 and grid[3, 8, 0] == 0


def test_saved_grid_keeps_true_intensities(tmp_path):
    images = np.full((4, 5, 5, 1), 0.2)  # a dim image must stay dim: no min-max rescaling
    path = utils.save_images(images, (2, 2), str(tmp_path / "g.png"))
    saved = np.asarray(Image.open(path))
    assert saved.shape == (10, 10) and (saved == 51).all()
    rgb = utils.save_images(np.full((1, 4, 4, 3), 1.5), (1, 1), str(tmp_path / "c.png"))
    assert (np.asarray(Image.open(rgb)) == 255).all()  # clipped, not rescaled


def test_make_gif_writes_all_frames(tmp_path):
    frames = np.linspace(0, 1, 6)[:, None, None, None] * np.ones((6, 4, 4, 1))
    path = utils.make_gif(frames, str(tmp_path / "a.gif"), duration=1.2)
    gif = Image.open(path)
    assert gif.n_frames == 6 and gif.info["duration"] == 200


@pytest.mark.parametrize("num_classes", [10, 0])
@pytest.mark.parametrize("option,count", [(0, 1), (1, 5), (2, 5), (3, 5), (4, 6)])
def test_visualize_options_for_conditional_and_unconditional_models(tmp_path, option, count, num_classes):
    written = utils.visualize(FakeModel(num_classes), option, str(tmp_path), 12, seed=0)
    assert len(written) == count and sorted(os.listdir(tmp_path)) == sorted(os.path.basename(p) for p in written)


def test_visualize_1_sweeps_one_dimension_across_each_row(tmp_path):
    """The FakeModel's brightness grows with z[0]: in test_arange_0.png it must grow left to right
    in every row (the same z but for the swept coordinate), and with the class down the rows."""
    written = utils.visualize(FakeModel(num_classes=3, z_dim=12), 1, str(tmp_path), 8, seed=0)
    assert [os.path.basename(p) for p in written[:3]] == ["test_arange_00.png", "test_arange_01.png",
                                                          "test_arange_02.png"]  # names sort
    picture = np.asarray(Image.open(written[0]).convert("L")).astype(float)
    cell = 6 * utils.readable_scale(10 * 6)
    grid = picture[-3 * cell:, -10 * cell:]
    columns = grid.reshape(3, cell, 10, cell).mean(axis=(1, 3))  # [row, column] brightness
    assert np.all(np.diff(columns, axis=1) >= 0) and np.all(columns[:, -1] > columns[:, 0])
    assert np.all(np.diff(columns, axis=0) > 0)


def test_visualize_rejects_an_unknown_option(tmp_path):
    with pytest.raises(errors.LabError, match="--visualize 9 is not an option"):
        utils.visualize(FakeModel(), 9, str(tmp_path), 4, seed=0)


def test_transform_crops_a_rectangle_when_input_width_differs():
    from PIL import Image
    pixels = np.zeros((40, 60, 3), np.uint8)
    pixels[10:30, 10:50] = 255  # a white 20 x 40 box in the centre
    image = Image.fromarray(pixels)
    box = utils.transform(image, 3, 8, input_size=[20, 40], crop=True)
    square = utils.transform(image, 3, 8, input_size=20, crop=True)
    assert box.shape == square.shape == (8, 8, 3)
    assert (box == 255).all() and (square == 255).all()
    whole = utils.transform(image, 3, 8, crop=True)  # the 40 x 40 centre: black rows above and below
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
    image = utils.imread(saved(tmp_path, Image.fromarray(values), name))
    assert image.mode == "L" and pixels(image) == [[0, 1, 128, 255]]


def test_32_bit_integer_images_in_16_bit_range_or_refused(tmp_path):
    ok = saved(tmp_path, Image.fromarray(np.array([[0, 65535]], np.int32)), "i.tif")
    assert Image.open(ok).mode == "I" and pixels(utils.imread(ok)) == [[0, 255]]
    bad = saved(tmp_path, Image.fromarray(np.array([[0, 70000]], np.int32)), "big.tif")
    with pytest.raises(LabError, match="values from 0 to 70000, outside 16 bits.*--skip_bad_images"):
        utils.imread(bad)


def test_float_images_in_0_1_or_0_255_or_refused(tmp_path):
    unit = saved(tmp_path, Image.fromarray(np.array([[0, 0.5, 1.0]], np.float32)), "u.tif")
    assert pixels(utils.imread(unit)) == [[0, 128, 255]]
    byte = saved(tmp_path, Image.fromarray(np.array([[0, 100.4, 200]], np.float32)), "b.tif")
    assert pixels(utils.imread(byte)) == [[0, 100, 200]]
    negative = saved(tmp_path, Image.fromarray(np.array([[-1, 0.5]], np.float32)), "n.tif")
    with pytest.raises(LabError, match="float values outside .*range is unknown"):
        utils.imread(negative)


def test_one_bit_images_are_black_and_white(tmp_path):
    image = Image.fromarray(np.array([[0, 255]], np.uint8)).convert("1")
    decoded = utils.imread(saved(tmp_path, image, "bw.png"))
    assert decoded.mode == "L" and pixels(decoded) == [[0, 255]]


def test_transparency_is_composited_on_white(tmp_path):
    la = Image.fromarray(np.array([[[50, 0], [50, 255], [50, 128]]], np.uint8), "LA")
    decoded = utils.imread(saved(tmp_path, la, "la.png"))
    assert decoded.mode == "L" and pixels(decoded) == [[255, 50, 152]]
    rgba = Image.fromarray(np.array([[[200, 0, 0, 0], [200, 0, 0, 255]]], np.uint8), "RGBA")
    assert pixels(utils.imread(saved(tmp_path, rgba, "rgba.png"))) == [[[255, 255, 255], [200, 0, 0]]]
    palette = Image.new("P", (2, 1))
    palette.putpalette([10, 20, 30, 40, 50, 60])
    palette.putpixel((1, 0), 1)
    decoded = utils.imread(saved(tmp_path, palette, "p.png", transparency=0))
    assert decoded.mode == "RGB" and pixels(decoded) == [[[255, 255, 255], [40, 50, 60]]]
    gray_key = saved(tmp_path, Image.fromarray(np.array([[7, 8]], np.uint8)), "lt.png", transparency=7)
    assert pixels(utils.imread(gray_key)) == [[255, 8]]
    pa = palette.convert("PA")  # no file format keeps PA: convert in memory
    pa.putpixel((0, 0), (1, 0))
    assert pixels(utils.to_8bit(pa, "pa")) == [[[255, 255, 255], [40, 50, 60]]]


def test_other_colour_spaces_become_rgb(tmp_path):
    colour = Image.new("RGB", (4, 4), (200, 30, 60))
    cmyk = utils.imread(saved(tmp_path, colour.convert("CMYK"), "c.tif"))
    lab = utils.imread(saved(tmp_path, colour.convert("LAB"), "lab.tif"))
    for image in (cmyk, lab, utils.to_8bit(colour.convert("YCbCr"), "y"),
                  utils.to_8bit(colour.convert("HSV"), "h")):
        assert image.mode == "RGB"
        assert np.abs(np.asarray(image, np.int16) - [200, 30, 60]).max() <= 2


def test_exif_orientation_turns_phone_photos_upright(tmp_path):
    stored = np.zeros((20, 40, 3), np.uint8)  # stored sideways: 40 wide, 20 high
    stored[:, :20] = 255                      # left half white
    exif = Image.Exif()
    exif[0x0112] = 6                          # "rotate 90 degrees clockwise to view"
    path = saved(tmp_path, Image.fromarray(stored), "phone.jpg", exif=exif, quality=95)
    upright = np.asarray(utils.imread(path))
    assert upright.shape == (40, 20, 3)
    assert upright[:15].mean() > 240 and upright[-15:].mean() < 15  # white on top after turning


def test_a_truncated_jpeg_is_a_clear_error(tmp_path):
    path = saved(tmp_path, Image.fromarray(np.random.RandomState(0).randint(
        0, 256, (64, 64, 3)).astype(np.uint8)), "cut.jpg")
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(LabError, match=r"cannot read image .*cut.jpg \(OSError\).*--skip_bad_images"):
        utils.imread(path)


@pytest.mark.parametrize("side", [12, 20])  # 144 pixels: Pillow's warning; 400: its error
def test_an_image_too_large_to_decode_is_one_line_and_can_be_skipped(tmp_path, monkeypatch, side):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    make_folder(tmp_path / "toys", n=1, size=4)
    big = saved(tmp_path, Image.new("RGB", (side, side)), "toys/cars/big.png")
    with pytest.raises(LabError) as error:
        utils.imread(big)
    assert str(error.value).startswith(f"image {big} is too large to decode safely (Image size "
                                       f"({side * side} pixels) exceeds limit of")
    data, log = load(tmp_path / "toys", "*.png", 8, skip_bad_images=True)
    assert len(data.images) == 2 and "warning: skipped 1 unreadable image(s): cars/big.png" in log


# ----------------------------------------------------------------------------- replace_folder
