"""CIFAR-10 (python version), read safely: the 10 classes of 32x32 photos, airplane and
automobile among them (handout 六.1: planes and cars). datasets.load_cifar10 makes a Dataset of it.

The batches are Python pickles, and a pickle can run any code while it loads: CifarUnpickler
accepts only the numpy pieces a real batch is made of. The archive is checked against its
official md5 before it is unpacked, and nothing is read past the size a real file has.
"""
import io
import os
import pickle
import tarfile

import numpy as np

from checksums import CIFAR10_ARCHIVE, MAX_CIFAR_BATCH_BYTES, TooLarge, file_problem, tar_members
from errors import LabError
from files import replace_folder

CIFAR10_BATCH_DIR = "cifar-10-batches-py"  # the folder in the CIFAR-10 archive
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]


def read_cifar10(cifar_dir, split="train"):
    """(images uint8 [N, 32, 32, 3], labels int64 [N]) of the python-version CIFAR-10 batches of a
    split ("train": data_batch_1..5, "test": test_batch, "all": both); the labels index
    CIFAR10_CLASSES. When only the archive is there, it is checked against its official md5 and
    unpacked first."""
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
    return np.ascontiguousarray(images), np.concatenate([y for _, y in batches])


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


BATCH_IMAGES = 10000  # images in one real batch


def batch_problem(batch):
    """Why an unpickled batch is not one (a phrase), or None. A real one is {b'data': a uint8
    array [N, 3072] (N at most 10,000), b'labels': N whole numbers from 0 to 9, ...}: checked
    before its arrays are used, since the labels pick and name the images."""
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        return "no data and labels"
    data, labels = batch[b"data"], batch[b"labels"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 \
            or not 0 < len(data) <= BATCH_IMAGES:
        return "its data is not 1 to 10,000 images of 3,072 bytes"
    if not isinstance(labels, (list, np.ndarray)) or len(labels) != len(data):
        return f"{len(data):,} images but {len(labels) if isinstance(labels, (list, np.ndarray)) else 'no'} labels"
    labels = np.asarray(labels)
    if labels.ndim != 1:  # [[0], [1], ...] would feed [N, 1, classes] one-hot labels to the model
        return "labels that are not one whole number per image"
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= len(CIFAR10_CLASSES):
        return f"labels that are not classes 0 to {len(CIFAR10_CLASSES) - 1}"
    return None


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
            data = f.read(MAX_CIFAR_BATCH_BYTES + 1)
        # From memory: a pickle that claims a 2**62-byte string is then "truncated", where a
        # file object would be asked to read (and allocate) all of it.
        batch = CifarUnpickler(io.BytesIO(data), encoding="bytes").load()
        problem = batch_problem(batch)
        if problem:
            raise LabError(f"CIFAR-10 batch {path} does not hold what a batch holds ({problem}); {fix}")
        return batch[b"data"].reshape(-1, 3, 32, 32), np.asarray(batch[b"labels"], dtype=np.int64)
    except UnsafePickle as e:
        raise LabError(f"CIFAR-10 batch {path} asks for the Python object {e}, which a CIFAR-10 "
                       f"batch never holds (a pickle can run code): refused, nothing of it ran; "
                       f"{fix}")
    except (OSError, pickle.UnpicklingError, KeyError, IndexError, TypeError, ValueError,
            EOFError, MemoryError, RecursionError) as e:
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


def folder_names(labels, classes):
    """{path in the folder: row of the training batches} of write_class_folders: airplane/0000.jpg
    is the first airplane of data_batch_1, each class numbered in the batches' order."""
    return {f"{name}/{i:04d}.jpg": row for name in classes
            for i, row in enumerate(np.flatnonzero(labels == CIFAR10_CLASSES.index(name)))}


def write_class_folders(cifar_dir, classes, folder):
    """Save the CIFAR-10 training photos of `classes` as JPEGs (quality 95) in one sub-folder per
    class, the form a student's own photos take (image_folders.py reads it, holding out its own
    tenth). Written as one set: the folder holds every photo or does not exist. Returns
    {class: photos written}."""
    from PIL import Image  # only this export writes images

    images, labels = read_cifar10(cifar_dir, "train")  # [N, 32, 32, 3] uint8, [N]
    names = folder_names(labels, classes)

    def write(new):
        for name in classes:
            os.makedirs(os.path.join(new, name))
        for rel, row in names.items():
            Image.fromarray(images[row]).save(os.path.join(new, rel), quality=95)

    replace_folder(folder, write)
    return {name: int(np.sum(labels == CIFAR10_CLASSES.index(name))) for name in classes}
