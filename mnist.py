"""MNIST, the handout's data (五.2 download_mnist, 五.6 load_mnist): 70,000 handwritten digits of
28x28 pixels in four idx files (train 60,000, t10k 10,000), read as they are or gzipped.

An idx file is a big-endian header (a magic number, the item count, the item shape) followed by
the raw uint8 values. Every field is checked against the real files' before a byte is used, and
nothing is read past their size, so a truncated or foreign file is a one-line error.
"""
import gzip
import os
import zlib

import numpy as np

from errors import LabError

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60000),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000),
}


def open_maybe_gz(path, max_bytes):
    """Read `path`, or `path.gz` decompressed, whichever exists (the handout unzips, we need
    not); never more than max_bytes + 1 bytes, so a gzip bomb costs no memory. Only a regular
    file is read: a folder or a pipe under the name would fail or wait for ever."""
    for candidate in (path, path + ".gz"):
        if os.path.exists(candidate) and not os.path.isfile(candidate):
            raise LabError(f"{candidate} is not a file (a folder or a pipe?); delete it and run: "
                           "python download.py mnist")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read(max_bytes + 1)
    if os.path.exists(path + ".gz"):
        try:
            with gzip.open(path + ".gz", "rb") as f:
                return f.read(max_bytes + 1)
        except (OSError, EOFError, zlib.error) as e:  # zlib.error: damaged compressed data
            raise LabError(f"{path}.gz is not a valid gzip file ({e}); "
                           "delete it and run: python download.py mnist")
    raise LabError(f"MNIST file {path}[.gz] not found; run: python download.py mnist")


def read_idx(path, expected_magic, expected_count, item_shape):
    """Parse one idx file (big-endian header: magic, count, dims) into a uint8 array."""
    header_len = 4 * (1 + 1 + len(item_shape))
    size = expected_count * int(np.prod(item_shape))
    raw = open_maybe_gz(path, header_len + size)
    if len(raw) < header_len:
        raise LabError(f"{path} is truncated ({len(raw)} bytes); run: python download.py mnist")
    header = np.frombuffer(raw[:header_len], dtype=">u4")
    magic, count = int(header[0]), int(header[1])
    if magic != expected_magic:
        raise LabError(f"{path} has magic number {magic}, expected {expected_magic}: "
                       "not an MNIST idx file; run: python download.py mnist")
    if count != expected_count or tuple(header[2:]) != tuple(item_shape):
        raise LabError(f"{path} holds {count} items of {tuple(header[2:])}, expected "
                       f"{expected_count} of {tuple(item_shape)}; run: python download.py mnist")
    if len(raw) - header_len < size:
        raise LabError(f"{path} has {len(raw) - header_len} data bytes, expected {size} "
                       "(truncated download?); run: python download.py mnist")
    if len(raw) - header_len > size:
        raise LabError(f"{path} is longer than the {header_len + size:,} bytes of the real file "
                       "(not read further); run: python download.py mnist")
    return np.frombuffer(raw[header_len:], dtype=np.uint8).reshape((count,) + tuple(item_shape))


def read_mnist_split(mnist_dir, split="train"):
    """One official split: images uint8 [N, 28, 28] and labels uint8 [N] (train 60k, test 10k)."""
    image_name, label_name, count = MNIST_FILES[split]
    images = read_idx(os.path.join(mnist_dir, image_name), 2051, count, (28, 28))
    labels = read_idx(os.path.join(mnist_dir, label_name), 2049, count, ())
    if labels.max() > 9:
        raise LabError(f"{os.path.join(mnist_dir, label_name)} has labels above 9; "
                       "run: python download.py mnist")
    return images, labels


def load_mnist(mnist_dir, split="all", seed=547):
    """The handout's load_mnist: split "all", train + t10k (70,000 digits), shuffled with seed 547.

    "train": the 60,000 train digits alone, shuffled the same way (--mnist_split train, so that
    t10k stays a truly held-out reference for the comparison); "test": the 10,000 t10k digits, in
    the file's order. Returns (images uint8 [N, 28, 28, 1], labels int64 [N]); datasets.load_mnist
    makes them a Dataset."""
    parts = [read_mnist_split(mnist_dir, part) for part in (("train", "test") if split == "all" else (split,))]
    images = np.concatenate([x for x, _ in parts])[..., None]
    labels = np.concatenate([y for _, y in parts]).astype(np.int64)
    if split != "test":
        order = np.random.RandomState(seed).permutation(len(images))  # one shuffle for both
        images, labels = images[order], labels[order]
    return images, labels
