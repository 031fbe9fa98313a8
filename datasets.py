"""Data loaders shared by the DCGAN (model.py) and BigGAN (biggan/): MNIST, image folders, CIFAR-10.

Every loader returns a `Dataset`: images as float32 in [0, 1], shape [N, H, W, C], and
integer labels (or None for an unconditional folder). Models rescale to their own range
(the DCGAN's tanh generator works in [-1, 1]). Bad files raise errors.LabError with a
one-line message that names the file and the fix.
"""
import glob
import gzip
import os
import pickle
import tarfile
from typing import List, NamedTuple, Optional

import numpy as np

from errors import LabError
from utils import imread, transform

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60000),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000),
}
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]


class Dataset(NamedTuple):
    images: np.ndarray            # [N, H, W, C] float32 in [0, 1]
    labels: Optional[np.ndarray]  # [N] int64 class indices, or None
    class_names: List[str]        # names of the label indices ([] when unlabelled)


# ----------------------------------------------------------------------------- MNIST

def open_maybe_gz(path):
    """Read `path`, or `path.gz` decompressed, whichever exists (the handout unzips, we need not)."""
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read()
    if os.path.exists(path + ".gz"):
        try:
            with gzip.open(path + ".gz", "rb") as f:
                return f.read()
        except (OSError, EOFError) as e:
            raise LabError(f"{path}.gz is not a valid gzip file ({e}); "
                           "delete it and run: python download.py mnist")
    raise LabError(f"MNIST file {path}[.gz] not found; run: python download.py mnist")


def read_idx(path, expected_magic, expected_count, item_shape):
    """Parse one idx file (big-endian header: magic, count, dims) into a uint8 array."""
    raw = open_maybe_gz(path)
    header_len = 4 * (1 + 1 + len(item_shape))
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
    size = count * int(np.prod(item_shape))
    if len(raw) - header_len != size:
        raise LabError(f"{path} has {len(raw) - header_len} data bytes, expected {size} "
                       "(truncated download?); run: python download.py mnist")
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


def mnist_split(mnist_dir, split):
    """One official MNIST split as a Dataset ([N, 28, 28, 1] in [0, 1]): 'train' 60k, 'test' 10k."""
    images, labels = read_mnist_split(mnist_dir, split)
    return Dataset(images.astype(np.float32)[..., None] / 255.0, labels.astype(np.int64),
                   [str(d) for d in range(10)])


def select_classes(data, classes, source="dataset"):
    """Keep only the images of `classes` (names), relabelled 0..len(classes)-1 in that order."""
    if not classes:
        return data
    unknown = [c for c in classes if c not in data.class_names]
    if unknown:
        raise LabError(f"unknown {source} class(es) {', '.join(unknown)}; valid: "
                       f"{', '.join(data.class_names)}")
    wanted = [data.class_names.index(c) for c in classes]
    keep = np.isin(data.labels, wanted)
    new_label = {old: new for new, old in enumerate(wanted)}
    labels = np.array([new_label[l] for l in data.labels[keep]], dtype=np.int64)
    return Dataset(data.images[keep], labels, list(classes))


def load_mnist(mnist_dir, seed=547):
    """The handout's load_mnist: train + t10k (70,000 digits), shuffled with seed 547.

    Returns a Dataset with images [70000, 28, 28, 1] in [0, 1] and labels [70000].
    """
    train_x, train_y = read_mnist_split(mnist_dir, "train")
    test_x, test_y = read_mnist_split(mnist_dir, "test")
    images = np.concatenate([train_x, test_x]).astype(np.float32)[..., None] / 255.0
    labels = np.concatenate([train_y, test_y]).astype(np.int64)
    order = np.random.RandomState(seed).permutation(len(images))  # one shuffle for both
    return Dataset(images[order], labels[order], [str(d) for d in range(10)])


# ----------------------------------------------------------------------------- image folders

def find_images(folder, pattern):
    """Files under `folder` (recursively) whose name matches the glob `pattern`, sorted."""
    if not os.path.isdir(folder):
        raise LabError(f"dataset folder {folder} does not exist; put your images in it "
                       "(one sub-folder per class for a conditional model)")
    paths = sorted(glob.glob(os.path.join(folder, "**", pattern), recursive=True))
    paths = [p for p in paths if os.path.isfile(p)]
    if not paths:
        raise LabError(f"no file in {folder} matches --input_fname_pattern '{pattern}'; "
                       "check the pattern (e.g. '*.jpg' or '*.png')")
    return paths


def class_of(path, folder):
    """The class of an image is its top-level sub-folder under `folder` ('' when at the top)."""
    parts = os.path.relpath(path, folder).split(os.sep)
    return parts[0] if len(parts) > 1 else ""


def load_image_folder(folder, pattern="*.jpg", output_size=64, input_size=None, crop=False,
                      channels=None, classes=None, skip_bad_images=False, log=print):
    """Decode every matching image once into one array (epochs then never re-decode JPEGs).

    Labels come from the class sub-folders `folder/<class>/...` when every image is in one;
    `classes` keeps only those (in the given order). `channels` forces 1 or 3 channels;
    by default grayscale folders stay 1-channel and anything with colour becomes RGB.
    """
    paths = find_images(folder, pattern)
    names = [class_of(p, folder) for p in paths]
    labelled = all(names)
    class_names = sorted(set(names)) if labelled else []
    if classes:
        if not labelled:
            raise LabError(f"--classes needs one sub-folder per class in {folder}")
        unknown = [c for c in classes if c not in class_names]
        if unknown:
            raise LabError(f"unknown class(es) {', '.join(unknown)}; valid classes in "
                           f"{folder}: {', '.join(class_names)}")
        keep = [i for i, n in enumerate(names) if n in classes]
        paths, names, class_names = [paths[i] for i in keep], [names[i] for i in keep], list(classes)
    images, kept_names, bad = [], [], []
    for path, name in zip(paths, names):
        try:
            image = imread(path)
        except LabError:
            if not skip_bad_images:
                raise
            bad.append(path)
            continue
        images.append(image)
        kept_names.append(name)
    if bad:
        log(f"warning: skipped {len(bad)} unreadable image(s), first: {bad[0]}")
    if not images:
        raise LabError(f"no readable image in {folder}")
    if channels is None:
        channels = 1 if all(im.mode == "L" for im in images) else 3
    arrays = [transform(im, channels, output_size, input_size, crop) for im in images]
    data = np.stack(arrays).astype(np.float32) / 255.0
    labels = None
    if labelled:
        index = {n: i for i, n in enumerate(class_names)}
        labels = np.array([index[n] for n in kept_names], dtype=np.int64)
    log(f"Loaded {len(data)} images from {folder} into memory "
        f"({data.nbytes / 2**20:.0f} MiB, {data.shape[1]}x{data.shape[2]}x{data.shape[3]}"
        f"{', classes: ' + ', '.join(class_names) if class_names else ''}); "
        "they are decoded once, not every epoch")
    return Dataset(data, labels, class_names)


# ----------------------------------------------------------------------------- CIFAR-10

def load_cifar10(cifar_dir, classes=None, split="train"):
    """The python-version CIFAR-10 batches (32x32 RGB), optionally only some classes.

    Labels are re-indexed 0..len(classes)-1 in the order of `classes`.
    """
    base = os.path.join(cifar_dir, "cifar-10-batches-py")
    names = ([f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"])
    if not os.path.isdir(base):
        archive = os.path.join(cifar_dir, "cifar-10-python.tar.gz")
        if os.path.exists(archive):
            extract_cifar10(archive, cifar_dir)
        else:
            raise LabError(f"CIFAR-10 not found in {cifar_dir}; run: python download.py cifar10")
    xs, ys = [], []
    for name in names:
        path = os.path.join(base, name)
        try:
            with open(path, "rb") as f:
                batch = pickle.load(f, encoding="bytes")
            xs.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            ys.append(np.asarray(batch[b"labels"], dtype=np.int64))
        except (OSError, pickle.UnpicklingError, KeyError, ValueError, EOFError) as e:
            raise LabError(f"CIFAR-10 batch {path} is missing or corrupt ({type(e).__name__}); "
                           "run: python download.py cifar10")
    images = np.concatenate(xs).transpose(0, 2, 3, 1)  # NCHW -> NHWC
    data = Dataset(images.astype(np.float32) / 255.0, np.concatenate(ys), list(CIFAR10_CLASSES))
    return select_classes(data, classes, "CIFAR-10")


def extract_cifar10(archive, cifar_dir):
    """Unpack cifar-10-python.tar.gz into cifar_dir (only its regular files, no odd paths)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = [m for m in tar.getmembers()
                       if m.isfile() and m.name.startswith("cifar-10-batches-py/")
                       and ".." not in m.name]
            if hasattr(tarfile, "data_filter"):  # Python 3.12+: refuse links and odd permissions
                tar.extractall(cifar_dir, members=members, filter="data")
            else:
                tar.extractall(cifar_dir, members=members)
    except (tarfile.TarError, OSError, EOFError) as e:
        raise LabError(f"{archive} is not a valid CIFAR-10 archive ({e}); "
                       "delete it and run: python download.py cifar10")


# ----------------------------------------------------------------------------- one entry point

def holdout_split(data, split):
    """Every 10th image of a folder is held out as its 'test' split (for metrics), the rest is
    'train'; 'all' keeps everything. Folders under 20 images are too small to split."""
    if split == "all" or len(data.images) < 20:
        return data
    test = np.arange(len(data.images)) % 10 == 9
    keep = test if split == "test" else ~test
    labels = data.labels[keep] if data.labels is not None else None
    return Dataset(data.images[keep], labels, data.class_names)


def load_dataset(name, data_dir="./data", pattern="*.jpg", output_size=64, input_size=None,
                 crop=False, classes=None, skip_bad_images=False, split="train", log=print):
    """Pick the loader for --dataset: 'mnist', 'cifar10', or an image folder data_dir/name."""
    folder = os.path.join(data_dir, name)
    if name == "mnist":  # training uses the handout's 70k digits, the test split t10k alone
        data = mnist_split(folder, "test") if split == "test" else load_mnist(folder)
        return select_classes(data, classes, "MNIST")
    if name == "cifar10":
        return load_cifar10(folder, classes, split)
    if not os.path.isdir(folder):
        raise LabError(f"unknown dataset '{name}': no folder {folder}; use mnist, cifar10, "
                       f"or put images in {folder}/")
    data = load_image_folder(folder, pattern, output_size, input_size, crop,
                             classes=classes, skip_bad_images=skip_bad_images, log=log)
    return holdout_split(data, split)
