"""Data loaders shared by the DCGAN (model.py) and BigGAN (biggan/): MNIST, CIFAR-10, image
folders (your own photos, CelebA). Handout 五.6 (load_mnist) and 六.1, the extension (your own images).

Every loader returns a `Dataset`: images as uint8 [N, H, W, C] and integer labels (or None for
an unconditional folder). MNIST and CIFAR-10 are small arrays in memory; an image folder is a
read-only memory map of its decoded-image cache on disk (folder_cache.py), so a folder larger
than the memory works. Training converts one batch at a time with `to_float`:

    images = datasets.to_float(data.images[batch_indices])   # float32 [B, H, W, C] in [0, 1]

Models rescale to their own range (the DCGAN's tanh generator works in [-1, 1]). Bad files
raise errors.LabError with a one-line message that names the file and the fix.
"""
import fnmatch
import gzip
import hashlib
import os
import pickle
import re
import tarfile
from stat import S_ISREG
from typing import List, NamedTuple, Optional

import numpy as np

import folder_cache
from checksums import (CELEBA_ATTRIBUTES, CIFAR10_ARCHIVE, MAX_CIFAR_BATCH_BYTES, TooLarge,
                       file_problem, tar_members)
from errors import LabError
from folder_cache import ImageFile

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60000),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000),
}
CIFAR10_BATCH_DIR = "cifar-10-batches-py"  # the folder in the CIFAR-10 archive
IMAGE_SIZES = {"mnist": 28, "cifar10": 32}  # datasets of one image size (folders: any, 64 by default)
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]


CELEBA = "celebA"                          # python download.py celebA: a flat folder of JPEGs
HOLDOUT_EVERY, MIN_SPLIT = 10, 20           # a folder's test split: 1 image in 10 (folders of >= 20)
# Which images of a folder are held out is decided per image, from its own path, so that adding or
# removing images never moves another image across the split (with "every 10th file in sorted
# order", one new image moved the whole test split into images a run had trained on).
HOLDOUT_RULE = "sha1(path in the folder) % 10 == 0"
# celebA's folder also holds CELEBA_ATTRIBUTES (checksums.py): 40 attributes of +1/-1 per image


class Dataset(NamedTuple):
    images: np.ndarray            # [N, H, W, C] uint8 (a read-only memory map for folders)
    labels: Optional[np.ndarray]  # [N] int64 class indices, or None
    class_names: List[str]        # names of the label indices ([] when unlabelled)
    digest: str = ""              # what these images are (data_digest): a run records it
    source: str = ""              # where they come from, for messages (a folder's real path)
    split: str = "all"            # which part: "train", "test" (held out) or "all" of the dataset


def data_digest(parts):
    """A short sha1 of `parts` (strings or arrays): the identity of a set of images. A folder's is
    made of its files' paths and sizes (cheap for 200,000 files), MNIST's and CIFAR-10's of their
    pixels and labels. A run records it, so that resuming it on other images is refused and a
    comparison knows exactly what the run trained on."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else np.ascontiguousarray(part).tobytes())
    return digest.hexdigest()[:16]


def to_float(images):
    """uint8 images (any shape) -> float32 in [0, 1], what the networks take. Call it per batch
    (to_float(data.images[batch])): a whole folder as floats would not fit in memory."""
    return images.astype(np.float32) / 255.0


# ----------------------------------------------------------------------------- MNIST

def open_maybe_gz(path, max_bytes):
    """Read `path`, or `path.gz` decompressed, whichever exists (the handout unzips, we need
    not); never more than max_bytes + 1 bytes, so a gzip bomb costs no memory."""
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read(max_bytes + 1)
    if os.path.exists(path + ".gz"):
        try:
            with gzip.open(path + ".gz", "rb") as f:
                return f.read(max_bytes + 1)
        except (OSError, EOFError) as e:
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


def parse_classes(text):
    """'airplane, automobile' -> ['airplane', 'automobile']: the --classes list of every script.

    Spaces around names are dropped, empty entries ignored; a class named twice would be trained
    as two classes with the same images, so it is a LabError.
    """
    classes = [c.strip() for c in (text or "").split(",") if c.strip()]
    twice = sorted({c for c in classes if classes.count(c) > 1})
    if twice:
        raise LabError(f"--classes names {', '.join(twice)} more than once; name each class once "
                       f"(e.g. --classes {','.join(dict.fromkeys(classes))})")
    return classes


def class_filter(labels, class_names, classes, source):
    """Which items to keep for `classes` (names) and their new labels 0..len(classes)-1 in that
    order: (indices [M], labels [M]). An unknown name is a LabError listing the valid ones."""
    unknown = [c for c in classes if c not in class_names]
    if unknown:
        raise LabError(f"unknown {source} class(es) {', '.join(unknown)}; valid: "
                       f"{', '.join(class_names)}")
    wanted = [class_names.index(c) for c in classes]
    keep = np.flatnonzero(np.isin(labels, wanted))
    new_label = np.zeros(len(class_names), np.int64)
    new_label[wanted] = np.arange(len(wanted))
    return keep, new_label[labels[keep]]


def select_classes(data, classes, source="dataset"):
    """Keep only the images of `classes` (names), relabelled 0..len(classes)-1 in that order."""
    if not classes:
        return data
    keep, labels = class_filter(data.labels, data.class_names, classes, source)
    return Dataset(data.images[keep], labels, list(classes))


def load_mnist(mnist_dir, split="all", seed=547):
    """The handout's load_mnist: split "all", train + t10k (70,000 digits), shuffled with seed 547.

    "train": the 60,000 train digits alone, shuffled the same way (--mnist_split train, so that
    t10k stays a truly held-out reference for the comparison); "test": the 10,000 t10k digits, in
    the file's order. Returns a Dataset with images uint8 [N, 28, 28, 1] and labels [N]."""
    parts = [read_mnist_split(mnist_dir, part) for part in (("train", "test") if split == "all" else (split,))]
    images = np.concatenate([x for x, _ in parts])[..., None]
    labels = np.concatenate([y for _, y in parts]).astype(np.int64)
    if split != "test":
        order = np.random.RandomState(seed).permutation(len(images))  # one shuffle for both
        images, labels = images[order], labels[order]
    return Dataset(images, labels, [str(d) for d in range(10)])


# ----------------------------------------------------------------------------- image folders

def name_matcher(pattern):
    """A test (rel, name) -> bool for the glob `pattern`, as glob.glob(folder/**/pattern) matches:
    on the file's name ('*.jpg'), or on its path at any depth when the pattern has a '/'
    ('cars/*.jpg')."""
    regex = re.compile(fnmatch.translate(pattern)).match
    if "/" not in pattern:
        return lambda rel, name: regex(name) is not None
    anywhere = re.compile(fnmatch.translate("*/" + pattern)).match
    return lambda rel, name: regex(rel) is not None or anywhere(rel) is not None


def scan_images(folder, pattern):
    """ImageFiles under `folder` (recursively, following symbolic links) whose name matches the
    glob `pattern`, sorted by path. Hidden files and folders ('.cache', ...) are skipped, as glob
    skips them. A link back to a folder above is not followed (no loop), and a file reached
    twice (a link to an image or to its folder, a hard link) counts once, under its first path."""
    if not os.path.isdir(folder):
        raise LabError(f"dataset folder {folder} does not exist; put your images in it "
                       "(one sub-folder per class for a conditional model)")
    matches, found = name_matcher(pattern), []

    def walk(path, prefix, parents):
        """Add the matching files under one folder to `found`; parents: (device, inode) of the
        folders above it, so that a link back to one of them is not followed (a loop)."""
        stat = os.stat(path)
        if (stat.st_dev, stat.st_ino) in parents:
            return
        parents = parents | {(stat.st_dev, stat.st_ino)}
        with os.scandir(path) as entries:
            for entry in entries:
                rel = prefix + entry.name
                try:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir():  # follows links
                        walk(entry.path, rel + "/", parents)
                    elif matches(rel, entry.name):
                        stat = entry.stat()  # follows links; a broken link or a link loop fails
                        if S_ISREG(stat.st_mode):
                            found.append((rel, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns))
                except OSError:
                    continue

    try:
        walk(folder, "", frozenset())
    except OSError as e:
        raise LabError(f"cannot read the dataset folder {folder} ({e.strerror}); check its permissions")
    found.sort()
    files, seen_files = [], set()
    for rel, device, inode, size, mtime_ns in found:
        if (device, inode) not in seen_files:  # the same file by another path (a link)
            seen_files.add((device, inode))
            files.append(ImageFile(rel, size, mtime_ns))
    if not files:
        raise LabError(f"no file in {folder} matches --input_fname_pattern '{pattern}'; "
                       "check the pattern (e.g. '*.jpg' or '*.png')")
    return files


def find_images(folder, pattern):
    """Paths of the files under `folder` (recursively) whose name matches the glob `pattern`,
    sorted, each image once (see scan_images)."""
    return [os.path.join(folder, f.rel) for f in scan_images(folder, pattern)]


def top_folder(rel):
    """'cars/a.jpg' -> 'cars'; 'a.jpg' -> '' (an image at the top has no class folder)."""
    parts = rel.split("/")
    return parts[0] if len(parts) > 1 else ""


def class_of(path, folder):
    """The class of an image is its top-level sub-folder under `folder` ('' when at the top)."""
    return top_folder(os.path.relpath(path, folder).replace(os.sep, "/"))


def folder_labels(folder, files, classes):
    """(labels [N] int64, sorted class names) from the class sub-folders, or (None, []) when
    some image is not in one (an unconditional folder)."""
    names = [top_folder(f.rel) for f in files]
    if not all(names):
        if classes:
            raise LabError(f"--classes needs one sub-folder per class in {folder}")
        return None, []
    class_names = sorted(set(names))
    index = {n: i for i, n in enumerate(class_names)}
    return np.array([index[n] for n in names], dtype=np.int64), class_names


def read_celeba_attribute(path, attribute):
    """{image file name: 1 with `attribute`, 0 without} from CelebA's list_attr_celeba.txt
    (line 1: the image count; line 2: the 40 attribute names; then 'name  v1 ... v40', v = +-1)."""
    fix = "run: python download.py celebA"
    try:
        with open(path) as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
    except FileNotFoundError:
        raise LabError(f"CelebA attributes file {path} not found; {fix}")
    except (OSError, UnicodeDecodeError) as e:
        raise LabError(f"cannot read the CelebA attributes file {path} ({type(e).__name__}); {fix}")
    names = lines[1].split() if len(lines) > 1 else []
    if len(names) != 40 or not lines[0].strip().isdigit():
        raise LabError(f"CelebA attributes file {path} is malformed (lines 1-2 must be the image "
                       f"count and the 40 attribute names); {fix}")
    if attribute not in names:
        raise LabError(f"unknown CelebA attribute '{attribute}'; valid: {', '.join(names)}")
    column, values = names.index(attribute) + 1, {}
    for number, line in enumerate(lines[2:], start=3):
        parts = line.split()
        if len(parts) != 41 or parts[column] not in ("1", "-1"):
            raise LabError(f"CelebA attributes file {path} is malformed (line {number}: expected "
                           f"an image name and 40 values of 1 or -1); {fix}")
        values[parts[0]] = int(parts[column] == "1")
    if len(values) != int(lines[0]):
        raise LabError(f"CelebA attributes file {path} lists {len(values)} images but says "
                       f"{int(lines[0])} (truncated?); {fix}")
    return values


def celeba_labels(folder, files, attribute):
    """(labels [N]: 1 with `attribute`, 0 without; class names ['not_<attribute>', '<attribute>'])
    for the CelebA images `files`, from the attributes file in `folder`."""
    values = read_celeba_attribute(os.path.join(folder, CELEBA_ATTRIBUTES), attribute)
    names = [f.rel.rsplit("/", 1)[-1] for f in files]
    missing = [n for n in names if n not in values]
    if missing:
        raise LabError(f"{len(missing)} image(s) in {folder} are not in {CELEBA_ATTRIBUTES} "
                       f"(first: {missing[0]}); remove them, or run: python download.py celebA")
    return np.array([values[n] for n in names], dtype=np.int64), [f"not_{attribute}", attribute]


def is_held_out(rel):
    """Whether the image at `rel` (its path in the folder) is in the test split (HOLDOUT_RULE)."""
    return int(hashlib.sha1(rel.encode("utf-8")).hexdigest(), 16) % HOLDOUT_EVERY == 0


def holdout_order(files):
    """(row order, number of train rows) of a folder's files: the train images first, then the
    held-out ones (is_held_out), so that each split is one slice of the cache's memory map (a
    slice costs no memory; picking rows would copy them). Folders under MIN_SPLIT images are
    not split (both splits are the whole folder)."""
    index = np.arange(len(files))
    if len(files) < MIN_SPLIT:
        return index, len(files)
    test = np.array([is_held_out(f.rel) for f in files], dtype=bool)
    return np.concatenate([index[~test], index[test]]), int(np.sum(~test))


def check_class_split(class_names, labels, train_rows, split, folder, log):
    """With classes, both sides of the split need every class: a class without a training image
    cannot be learnt (a LabError when training), one without a held-out image cannot be measured
    by compare.py (a warning). labels: in cache order, the train rows first."""
    if labels is None or split == "test":
        return
    empty = [name for k, name in enumerate(class_names) if not np.any(labels == k)]
    if empty:
        raise LabError(f"class(es) {', '.join(empty)} of {folder} have no image at all: a model cannot "
                       "learn them; add images, or leave them out with --classes")
    if split == "all" or train_rows == len(labels):
        return
    train = np.bincount(labels[:train_rows], minlength=len(class_names))
    test = np.bincount(labels[train_rows:], minlength=len(class_names))
    if split == "train" and not train.all():
        empty = [f"{name} ({test[k]} image(s), all held out)" for k, name in enumerate(class_names) if not train[k]]
        raise LabError(f"class(es) {', '.join(empty)} in {folder} have no training image: about 1 image "
                       "in 10 is held out for the comparison, and these fell all there; add images to them "
                       "(a class needs several) or leave them out with --classes")
    if not test.all():
        missing = [name for k, name in enumerate(class_names) if not test[k]]
        log(f"note: class(es) {', '.join(missing[:5])}{' and more' if len(missing) > 5 else ''} of "
            f"{folder} have no held-out image (1 in 10 is held out): compare.py cannot measure them")


def report_bad(files, bad, skip_bad_images, log):
    """Images that could not be decoded (bad: [(file index, message)]): with skip_bad_images
    one warning line naming them, else a LabError with the first one's message."""
    if not bad:
        return
    if not skip_bad_images:
        more = f"{len(bad)} images cannot be used, the first: " if len(bad) > 1 else ""
        raise LabError(more + bad[0][1])
    names = [files[i].rel for i, _ in bad]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    log(f"warning: skipped {len(bad)} unreadable image(s): {shown}")


def split_rows(split, train_rows, small):
    """The rows of a split in the cache (train rows first, then test rows) as a slice."""
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be train, test or all, not {split!r}")
    if split == "all" or small:
        return slice(None)
    return slice(0, train_rows) if split == "train" else slice(train_rows, None)


def load_image_folder(folder, pattern="*.jpg", output_size=64, input_size=None, crop=False,
                      channels=None, classes=None, skip_bad_images=False, attribute=None,
                      split="all", cache_dir=None, workers=None, log=print):
    """The images of a folder, decoded once into a cache on disk (folder_cache.py) and returned
    as a read-only uint8 memory map [N, output_size, output_size, C]: start-up after the first
    run is a look at the files' sizes and dates, and memory holds a batch, not the dataset.

    Labels come from the class sub-folders `folder/<class>/...` when every image is in one, or
    with `attribute` from CelebA's attributes file (classes not_<attribute>, <attribute>);
    `classes` keeps only those (in the given order). `channels` forces 1 or 3 channels; by
    default grayscale folders stay 1-channel and anything with colour becomes RGB. `split`:
    'train' (all but every 10th image), 'test' (every 10th) or 'all'. `cache_dir`: where the
    cache goes [data/.cache, or ~/.cache/gan-lab when the data folder cannot be written];
    `workers`: decoding processes [all cores].
    """
    files = scan_images(folder, pattern)
    if attribute:
        labels, class_names = celeba_labels(folder, files, attribute)
    else:
        labels, class_names = folder_labels(folder, files, classes)
    if classes:
        keep, labels = class_filter(labels, class_names, classes, os.path.basename(folder))
        files, class_names = [files[i] for i in keep], list(classes)
    order, train_files = holdout_order(files)
    files = [files[i] for i in order]
    labels = labels[order] if labels is not None else None
    settings = dict(folder=os.path.realpath(folder), pattern=pattern, classes=list(classes or []),
                    output_size=output_size, crop=bool(crop), input_size=input_size if crop else None,
                    channels=channels)
    images, bad, path = folder_cache.cached_images(folder, files, settings, cache_dir, workers, log)
    report_bad(files, bad, skip_bad_images, log)
    rows = np.delete(np.arange(len(files)), [i for i, _ in bad])  # file index of each cache row
    if not len(rows):
        raise LabError(f"no readable image in {folder}")
    train_rows = int(np.searchsorted(rows, train_files))
    part = split_rows(split, train_rows, len(files) < MIN_SPLIT)
    if labels is not None:
        labels = labels[rows]
        check_class_split(class_names, labels, train_rows, split, folder, log)
    images, labels = images[part], (labels[part] if labels is not None else None)
    log(f"Loaded {len(images)} images from {folder} ({'x'.join(map(str, images.shape[1:]))}"
        f"{', classes: ' + ', '.join(class_names) if class_names else ''}) from the cache {path}: "
        "decoded once, read per batch")
    used = [files[i] for i in rows[part]]  # the files behind the rows of this split
    return Dataset(images, labels, class_names, data_digest(f"{f.rel}\t{f.size}\n" for f in used),
                   os.path.realpath(folder), "all" if len(files) < MIN_SPLIT else split)


# ----------------------------------------------------------------------------- CIFAR-10

def load_cifar10(cifar_dir, classes=None, split="train"):
    """The python-version CIFAR-10 batches (32x32 RGB) of a split ("train": data_batch_1..5,
    "test": test_batch, "all": both), optionally only some classes.

    Labels are re-indexed 0..len(classes)-1 in the order of `classes`. When only the archive is
    there, it is checked against its official md5 and unpacked first.
    """
    base = os.path.join(cifar_dir, CIFAR10_BATCH_DIR)
    names = ([f"data_batch_{i}" for i in range(1, 6)] if split != "test" else []) + \
        (["test_batch"] if split != "train" else [])
    if not os.path.isdir(base):
        archive = os.path.join(cifar_dir, CIFAR10_ARCHIVE)
        if not os.path.exists(archive):
            raise LabError(f"CIFAR-10 not found in {cifar_dir}; run: python download.py cifar10")
        problem = file_problem(archive, CIFAR10_ARCHIVE)
        if problem:
            raise LabError(f"{archive} is not the official CIFAR-10 archive ({problem}); "
                           "delete it and run: python download.py cifar10")
        extract_cifar10(archive, cifar_dir)
    batches = [read_cifar10_batch(os.path.join(base, name)) for name in names]
    images = np.concatenate([x for x, _ in batches]).transpose(0, 2, 3, 1)  # NCHW -> NHWC, uint8
    labels = np.concatenate([y for _, y in batches])
    data = Dataset(np.ascontiguousarray(images), labels, list(CIFAR10_CLASSES))
    return select_classes(data, classes, "CIFAR-10")


class UnsafePickle(pickle.UnpicklingError):
    """A pickle asked for a Python object that a CIFAR-10 batch never holds."""


# The only Python objects a CIFAR-10 batch pickle names (besides dict, list, bytes and int,
# which need no name): numpy's array and dtype, and the function numpy rebuilds an array with.
# The real batches were written by numpy 1 (numpy.core.*); numpy 2 writes numpy._core.*.
REBUILD_ARRAY = np.zeros(1).__reduce_ex__(2)[0]
CIFAR10_PICKLE_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): REBUILD_ARRAY,
    ("numpy._core.multiarray", "_reconstruct"): REBUILD_ARRAY,
}


class CifarUnpickler(pickle.Unpickler):
    """Reads a CIFAR-10 batch and nothing else. A pickle can name any Python function to be
    called while it loads (os.system, say): that is how a crafted batch runs code. So every
    name it asks for must be one of CIFAR10_PICKLE_GLOBALS; anything else stops the loading
    before it is called."""

    def find_class(self, module, name):
        if (module, name) not in CIFAR10_PICKLE_GLOBALS:
            raise UnsafePickle(f"{module}.{name}")
        return CIFAR10_PICKLE_GLOBALS[module, name]


def read_cifar10_batch(path):
    """(images uint8 [N, 3, 32, 32], labels int64 [N]) of one python-version CIFAR-10 batch:
    a Python 2 pickle of {b'data': uint8 [N, 3072], b'labels': [N ints], ...}, read with
    CifarUnpickler, and only when it is no larger than a batch can be."""
    fix = f"delete {os.path.dirname(path)} and run: python download.py cifar10"
    try:
        size = os.path.getsize(path)
        if size > MAX_CIFAR_BATCH_BYTES:
            raise LabError(f"CIFAR-10 batch {path} is {size:,} bytes, more than a batch can be "
                           f"({MAX_CIFAR_BATCH_BYTES:,}): not read; {fix}")
        with open(path, "rb") as f:
            batch = CifarUnpickler(f, encoding="bytes").load()
        images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        return images, np.asarray(batch[b"labels"], dtype=np.int64)
    except UnsafePickle as e:
        raise LabError(f"CIFAR-10 batch {path} asks for the Python object {e}, which a CIFAR-10 "
                       f"batch never holds (a pickle can run code): refused, nothing of it ran; "
                       f"{fix}")
    except (OSError, pickle.UnpicklingError, KeyError, IndexError, TypeError, ValueError,
            EOFError) as e:
        raise LabError(f"CIFAR-10 batch {path} is missing or corrupt ({type(e).__name__}); "
                       "run: python download.py cifar10")


def extract_cifar10(archive, cifar_dir):
    """Unpack cifar-10-python.tar.gz into cifar_dir: only its regular files under
    cifar-10-batches-py/, no odd paths, and none larger than a batch can be (refused from its
    header, before anything is written)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = [m for m in tar_members(tar, MAX_CIFAR_BATCH_BYTES)
                       if m.isfile() and m.name.startswith(CIFAR10_BATCH_DIR + "/")
                       and ".." not in m.name]
            if hasattr(tarfile, "data_filter"):  # Python 3.12+: refuse links and odd permissions
                tar.extractall(cifar_dir, members=members, filter="data")
            else:
                tar.extractall(cifar_dir, members=members)
    except (tarfile.TarError, OSError, EOFError, TooLarge) as e:
        raise LabError(f"{archive} is not a valid CIFAR-10 archive ({e}); "
                       "delete it and run: python download.py cifar10")


# ----------------------------------------------------------------------------- one entry point

def check_dataset_name(name, data_dir="./data"):
    """--dataset names a dataset (mnist, cifar10) or a folder directly inside --data_dir. A path
    would put the run's folders where os.path.join puts them (an absolute path replaces
    checkpoint/, samples/ and logs/ altogether), so a name is a plain name."""
    if name and name not in (".", "..") and not name.startswith(".") and "/" not in name \
            and os.sep not in name and "\0" not in name:
        return
    parent, base = os.path.split(os.path.normpath(os.path.join(data_dir, name))) if name else ("", "")
    if base and base not in (".", "..") and not base.startswith("."):
        fix = f"for the folder {os.path.join(parent, base)} use --dataset {base} --data_dir {parent}"
    else:
        fix = "give a folder's name inside --data_dir (e.g. --dataset planes), or mnist or cifar10"
    raise LabError(f"--dataset '{name}' is not a dataset name; {fix}")


def check_attribute(name, attribute):
    """--attribute needs CelebA's attributes file: refuse it for any other dataset."""
    if attribute and name != CELEBA:
        raise LabError(f"--attribute works only with --dataset {CELEBA} (its attributes file), not "
                       f"with '{name}'; for classes of your own, use one sub-folder per class")


def identified(data, folder, split):
    """An array dataset (MNIST, CIFAR-10) with its digest (of its pixels and labels), source and split."""
    return data._replace(digest=data_digest([data.images, data.labels]), source=os.path.realpath(folder),
                         split=split)


def load_dataset(name, data_dir="./data", pattern="*.jpg", output_size=64, input_size=None,
                 crop=False, classes=None, skip_bad_images=False, split="train", attribute=None,
                 cache_dir=None, log=print):
    """The images of --dataset (mnist, cifar10, or an image folder data_dir/name; 'celebA' is
    one, and `attribute` makes it two classes): the one answer to "which images are train, which
    are held out", for every dataset and every script.

    split: "train", "test" (held out: never trained on when the run trained on "train") or "all".
      MNIST       train: the 60,000 train digits; test: t10k; all: both (the handout's 70,000)
      CIFAR-10    train: data_batch_1..5; test: test_batch
      a folder    test: 1 image in 10, chosen per image (HOLDOUT_RULE); train: the others;
                  folders of fewer than MIN_SPLIT images are not split (every split is all)
    The Dataset says which split it is, what its images are (digest) and where they come from."""
    folder = os.path.join(data_dir, name)
    check_attribute(name, attribute)
    if name == "mnist":
        return identified(select_classes(load_mnist(folder, split), classes, "MNIST"), folder, split)
    if name == "cifar10":
        return identified(load_cifar10(folder, classes, split), folder, split)
    if not os.path.isdir(folder):
        if name == CELEBA:
            raise LabError(f"CelebA not found in {folder}; run: python download.py celebA")
        raise LabError(f"unknown dataset '{name}': no folder {folder}; use mnist, cifar10, "
                       f"or put images in {folder}/")
    return load_image_folder(folder, pattern, output_size, input_size, crop, classes=classes,
                             skip_bad_images=skip_bad_images, attribute=attribute, split=split,
                             cache_dir=cache_dir, log=log)
