"""Data loaders: the real MNIST files, synthetic idx files, image folders, every Pillow mode,
bad input (each as a real file)."""
import gzip
import hashlib
import os

import numpy as np
import pytest
from PIL import Image

import datasets
import utils
from errors import LabError

MNIST_DIR = "data/mnist"


def test_real_mnist_files_are_the_official_ones():
    official = {"train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
                "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
                "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
                "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637"}
    for name, md5 in official.items():
        with gzip.open(os.path.join(MNIST_DIR, name + ".gz")) as f:
            assert hashlib.md5(f.read()).hexdigest() == md5


def test_load_mnist_is_the_handouts_70000_shuffled_digits():
    data = datasets.load_mnist(MNIST_DIR)
    assert data.images.shape == (70000, 28, 28, 1) and data.images.dtype == np.float32
    assert data.images.min() == 0.0 and data.images.max() == 1.0
    assert data.labels.shape == (70000,) and set(np.unique(data.labels)) == set(range(10))
    train_x, train_y = datasets.read_mnist_split(MNIST_DIR, "train")
    order = np.random.RandomState(547).permutation(70000)
    first = order[0]  # the first shuffled image is original image number `first`
    original = train_x[first] if first < 60000 else datasets.read_mnist_split(MNIST_DIR, "test")[0][first - 60000]
    np.testing.assert_allclose(data.images[0, ..., 0], original / 255.0, atol=1e-7)


def write_idx(path, magic, count, shape, data=None, gz=False):
    header = np.array([magic, count] + list(shape), dtype=">u4").tobytes()
    body = data if data is not None else bytes(count * int(np.prod(shape)))
    opener = gzip.open if gz else open
    with opener(path, "wb") as f:
        f.write(header + body)


def synthetic_mnist(folder, gz=False, image_magic=2051, truncate=0):
    os.makedirs(folder, exist_ok=True)
    for split, (images, labels, count) in datasets.MNIST_FILES.items():
        pixels = np.random.RandomState(0).randint(0, 256, (count, 28, 28)).astype(np.uint8).tobytes()
        write_idx(os.path.join(folder, images + (".gz" if gz else "")), image_magic, count, (28, 28),
                  pixels[:len(pixels) - truncate], gz)
        write_idx(os.path.join(folder, labels + (".gz" if gz else "")), 2049, count, (),
                  (np.arange(count) % 10).astype(np.uint8).tobytes(), gz)


@pytest.fixture
def small_counts(monkeypatch):
    monkeypatch.setattr(datasets, "MNIST_FILES", {
        "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 6),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 4)})


@pytest.mark.parametrize("gz", [False, True])
def test_synthetic_idx_files_load_gz_or_not(tmp_path, small_counts, gz):
    synthetic_mnist(tmp_path, gz=gz)
    data = datasets.load_mnist(str(tmp_path))
    assert data.images.shape == (10, 28, 28, 1)
    assert sorted(data.labels.tolist()) == sorted([i % 10 for i in range(6)] + [i % 10 for i in range(4)])


def test_wrong_magic_number_is_a_clear_error(tmp_path, small_counts):
    synthetic_mnist(tmp_path, image_magic=1234)
    with pytest.raises(LabError, match="magic number 1234.*download.py mnist"):
        datasets.load_mnist(str(tmp_path))


def test_truncated_file_is_a_clear_error(tmp_path, small_counts):
    synthetic_mnist(tmp_path, truncate=100)
    with pytest.raises(LabError, match="truncated"):
        datasets.load_mnist(str(tmp_path))


def test_missing_file_says_how_to_download(tmp_path):
    with pytest.raises(LabError, match="not found; run: python download.py mnist"):
        datasets.load_mnist(str(tmp_path))


def make_folder(root, classes=("cars", "planes"), n=3, size=40, modes=("RGB", "L", "RGBA"), ext="png"):
    rng = np.random.RandomState(0)
    for c in classes:
        folder = os.path.join(root, c) if c else root
        os.makedirs(folder, exist_ok=True)
        for i in range(n):
            mode = modes[i % len(modes)]
            channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
            pixels = rng.randint(0, 256, (size, size, channels)).astype(np.uint8)
            Image.fromarray(pixels.squeeze(), mode).save(os.path.join(folder, f"{i}.{ext}"))


@pytest.mark.parametrize("size", [32, 64])
def test_class_folders_give_labels_and_mixed_modes_become_rgb(tmp_path, size):
    make_folder(tmp_path)
    data = datasets.load_image_folder(str(tmp_path), "*.png", output_size=size, log=lambda m: None)
    assert data.images.shape == (6, size, size, 3)
    assert data.class_names == ["cars", "planes"] and data.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert 0.0 <= data.images.min() and data.images.max() <= 1.0


def test_grayscale_folder_stays_one_channel_without_labels(tmp_path):
    make_folder(tmp_path, classes=("",), modes=("L",), n=4)
    data = datasets.load_image_folder(str(tmp_path), "*.png", output_size=32, log=lambda m: None)
    assert data.images.shape == (4, 32, 32, 1) and data.labels is None


def test_crop_takes_the_centre(tmp_path):
    pixels = np.zeros((40, 40), np.uint8)
    pixels[10:30, 10:30] = 255
    Image.fromarray(pixels).save(tmp_path / "a.png")
    data = datasets.load_image_folder(str(tmp_path), "*.png", output_size=20, input_size=20,
                                      crop=True, log=lambda m: None)
    assert data.images.min() == 1.0  # only the white centre survives the crop


def test_classes_filter_and_unknown_class(tmp_path):
    make_folder(tmp_path, classes=("cars", "planes", "ships"))
    data = datasets.load_image_folder(str(tmp_path), "*.png", 32, classes=["ships", "cars"],
                                      log=lambda m: None)
    assert data.class_names == ["ships", "cars"] and data.labels.tolist() == [1, 1, 1, 0, 0, 0]
    with pytest.raises(LabError, match="unknown class.*boats.*valid classes.*cars, planes, ships"):
        datasets.load_image_folder(str(tmp_path), "*.png", 32, classes=["boats"])


def test_pattern_matching_nothing_and_corrupt_image(tmp_path):
    make_folder(tmp_path)
    with pytest.raises(LabError, match="no file .* matches --input_fname_pattern"):
        datasets.load_image_folder(str(tmp_path), "*.jpg", 32)
    (tmp_path / "cars" / "bad.png").write_bytes(b"not an image")
    with pytest.raises(LabError, match="cannot read image .*bad.png.*--skip_bad_images"):
        datasets.load_image_folder(str(tmp_path), "*.png", 32)
    messages = []
    data = datasets.load_image_folder(str(tmp_path), "*.png", 32, skip_bad_images=True,
                                      log=messages.append)
    assert len(data.images) == 6 and "skipped 1 unreadable" in messages[0]


def test_holdout_split_is_every_tenth_image(tmp_path):
    make_folder(tmp_path, classes=("a", "b"), n=15, size=8)
    train = datasets.load_dataset(tmp_path.name, str(tmp_path.parent), "*.png", 8, log=lambda m: None)
    test = datasets.load_dataset(tmp_path.name, str(tmp_path.parent), "*.png", 8, split="test",
                                 log=lambda m: None)
    assert len(train.images) == 27 and len(test.images) == 3


# ----------------------------------------------------------------------------- every Pillow mode (utils.imread)

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
def test_an_image_too_large_to_decode_is_one_line(tmp_path, monkeypatch, side):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    big = saved(tmp_path, Image.new("RGB", (side, side)), "big.png")
    with pytest.raises(LabError) as error:
        utils.imread(big)
    assert str(error.value).startswith(f"image {big} is too large to decode safely (Image size "
                                       f"({side * side} pixels) exceeds limit of")
