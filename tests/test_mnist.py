"""mnist.py: the handout's load_mnist (70,000 digits shuffled with seed 547) and idx files checked
before a byte is used: gzip or not, wrong magic, truncated, a gzip bomb, missing."""
import gzip
import os
import shutil
import tracemalloc

import numpy as np
import pytest

import datasets
import utils
import mnist
from errors import LabError

MNIST_DIR = "data/mnist"


def test_load_mnist_is_the_handouts_70000_shuffled_digits_as_uint8():
    data = datasets.load_mnist(MNIST_DIR)
    assert data.images.shape == (70000, 28, 28, 1) and data.images.dtype == np.uint8
    assert data.labels.shape == (70000,) and set(np.unique(data.labels)) == set(range(10))
    train_x, train_y = mnist.read_mnist_split(MNIST_DIR, "train")
    order = np.random.RandomState(547).permutation(70000)
    first = order[0]  # the first shuffled image is original image number `first`
    original = train_x[first] if first < 60000 else mnist.read_mnist_split(MNIST_DIR, "test")[0][first - 60000]
    np.testing.assert_array_equal(data.images[0, ..., 0], original)
    # to_float gives bit for bit the floats the loader used to return
    batch = data.images[:100]
    old = batch.astype(np.float32) / 255.0
    new = utils.to_float(batch)
    assert new.dtype == np.float32 and new.tobytes() == old.tobytes()
    assert new.min() == 0.0 and new.max() == 1.0


def write_idx(path, magic, count, shape, data=None, gz=False):
    header = np.array([magic, count] + list(shape), dtype=">u4").tobytes()
    body = data if data is not None else bytes(count * int(np.prod(shape)))
    opener = gzip.open if gz else open
    with opener(path, "wb") as f:
        f.write(header + body)


def synthetic_mnist(folder, gz=False, image_magic=2051, truncate=0):
    os.makedirs(folder, exist_ok=True)
    for split, (image_file, labels, count) in mnist.MNIST_FILES.items():
        pixels = np.random.RandomState(0).randint(0, 256, (count, 28, 28)).astype(np.uint8).tobytes()
        write_idx(os.path.join(folder, image_file + (".gz" if gz else "")), image_magic, count, (28, 28),
                  pixels[:len(pixels) - truncate], gz)
        write_idx(os.path.join(folder, labels + (".gz" if gz else "")), 2049, count, (),
                  (np.arange(count) % 10).astype(np.uint8).tobytes(), gz)


@pytest.fixture
def small_counts(monkeypatch):
    monkeypatch.setattr(mnist, "MNIST_FILES", {
        "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 6),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 4)})


@pytest.mark.parametrize("gz", [False, True])
def test_synthetic_idx_files_load_gz_or_not(tmp_path, small_counts, gz):
    synthetic_mnist(tmp_path, gz=gz)
    data = datasets.load_mnist(str(tmp_path))
    assert data.images.shape == (10, 28, 28, 1) and data.images.dtype == np.uint8
    assert sorted(data.labels.tolist()) == sorted([i % 10 for i in range(6)] + [i % 10 for i in range(4)])


def test_wrong_magic_number_is_a_clear_error(tmp_path, small_counts):
    synthetic_mnist(tmp_path, image_magic=1234)
    with pytest.raises(LabError, match="magic number 1234.*download.py mnist"):
        datasets.load_mnist(str(tmp_path))


def test_truncated_file_is_a_clear_error(tmp_path, small_counts):
    synthetic_mnist(tmp_path, truncate=100)
    with pytest.raises(LabError, match="truncated"):
        datasets.load_mnist(str(tmp_path))


def test_a_gzip_bomb_in_place_of_an_mnist_file_is_refused_unread(tmp_path, small_counts):
    synthetic_mnist(tmp_path, gz=True)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    header = np.array([2051, 6, 28, 28], dtype=">u4").tobytes()
    images.write_bytes(gzip.compress(header + bytes(64 << 20), compresslevel=1))  # 64 MiB inside
    tracemalloc.start()
    try:
        with pytest.raises(LabError, match=r"train-images-idx3-ubyte is longer than the 4,720 "
                                           r"bytes of the real file \(not read further\)"):
            datasets.load_mnist(str(tmp_path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # the 64 MiB were never in memory


def test_missing_file_says_how_to_download(tmp_path):
    with pytest.raises(LabError, match="not found; run: python download.py mnist"):
        datasets.load_mnist(str(tmp_path))


def test_damaged_compressed_data_in_a_gz_is_a_clear_error(tmp_path):
    """Bytes changed inside the real t10k labels' deflate stream (not a truncation): zlib's own
    error ("invalid distance too far back"), which is no OSError, as one line."""
    shutil.copytree(MNIST_DIR, tmp_path / "mnist")
    labels = tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(labels.read_bytes())
    data[1000:1200] = bytes(b ^ 0xFF for b in data[1000:1200])
    labels.write_bytes(bytes(data))
    with pytest.raises(LabError, match=r"t10k-labels-idx1-ubyte.gz is not a valid gzip file \(Error -3 .*\); "
                                       r"delete it and run: python download.py mnist"):
        datasets.load_mnist(str(tmp_path / "mnist"))


@pytest.mark.parametrize("kind", ["folder", "pipe"])
def test_a_folder_or_a_pipe_under_an_mnist_name_is_a_clear_error_not_a_wait(tmp_path, small_counts, kind):
    synthetic_mnist(tmp_path, gz=True)
    name = "train-labels-idx1-ubyte" + (".gz" if kind == "pipe" else "")
    if kind == "pipe":
        os.remove(tmp_path / name)
        os.mkfifo(tmp_path / name)  # opening it to read would wait for a writer for ever
    else:
        os.mkdir(tmp_path / name)
    with pytest.raises(LabError, match=rf"{name} is not a file \(a folder or a pipe\?\); delete it and run: "
                                       r"python download.py mnist"):
        datasets.load_mnist(str(tmp_path))
