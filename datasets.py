"""The data of both GANs (model.py, biggan/), one entry point for every script (load_dataset):
MNIST (the handout's load_mnist, 五.6: mnist.py), CIFAR-10 (cifar10.py) and folders of your own
photos, CelebA among them (image_folders.py; handout 六.1, the extension). Each source's file is
loaded only when its data is asked for; test mode, which needs no data, loads none of them.

Every loader returns a `Dataset`: images as uint8 [N, H, W, C] and integer labels (or None for
an unconditional folder). MNIST and CIFAR-10 are small arrays in memory; an image folder is a
read-only memory map of its decoded-image cache on disk (folder_cache.py), so a folder larger
than the memory works. Training converts one batch at a time with `to_float`:

    images = utils.to_float(data.images[batch_indices])   # float32 [B, H, W, C] in [0, 1]

Models rescale to their own range (the DCGAN's tanh generator works in [-1, 1]). Bad files
raise errors.LabError with a one-line message that names the file and the fix.
"""
import hashlib
import os
from typing import List, NamedTuple, Optional

import numpy as np

from errors import LabError
from runs import CELEBA, check_attribute, parse_classes



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


# ----------------------------------------------------------------------------- classes

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
    """The handout's load_mnist (mnist.py) as a Dataset: split "all", train + t10k (70,000 digits),
    shuffled with seed 547; "train": the 60,000 train digits alone, shuffled the same way
    (--mnist_split train, so that t10k stays a truly held-out reference for the comparison);
    "test": the 10,000 t10k digits, in the file's order. Images uint8 [N, 28, 28, 1], labels [N]."""
    import mnist
    images, labels = mnist.load_mnist(mnist_dir, split, seed)
    return Dataset(images, labels, [str(d) for d in range(10)])


# ----------------------------------------------------------------------------- CIFAR-10, image folders

def load_cifar10(cifar_dir, classes=None, split="train"):
    """The python-version CIFAR-10 batches (32x32 RGB) of a split ("train": data_batch_1..5,
    "test": test_batch, "all": both), read safely (cifar10.py), optionally only some classes:
    labels re-indexed 0..len(classes)-1 in the order of `classes`."""
    import cifar10
    images, labels = cifar10.read_cifar10(cifar_dir, split)
    return select_classes(Dataset(images, labels, list(cifar10.CIFAR10_CLASSES)), classes, "CIFAR-10")


def load_image_folder(folder, pattern="*.jpg", output_size=64, input_size=None, crop=False,
                      channels=None, classes=None, skip_bad_images=False, attribute=None,
                      split="all", cache_dir=None, workers=None, log=print):
    """The images of a folder (image_folders.py), decoded once into a cache on disk
    (folder_cache.py) and returned as a read-only uint8 memory map [N, output_size, output_size, C]:
    start-up after the first run is a look at the files' sizes and dates, and memory holds a
    batch, not the dataset.

    Labels come from the class sub-folders `folder/<class>/...` when every image is in one, or
    with `attribute` from CelebA's attributes file (classes not_<attribute>, <attribute>);
    `classes` keeps only those (in the given order). `channels` forces 1 or 3 channels; by
    default grayscale folders stay 1-channel and anything with colour becomes RGB. `split`:
    'train' (all but 1 image in 10), 'test' (that 1 in 10) or 'all'. `cache_dir`: where the
    cache goes [data/.cache, or ~/.cache/gan-lab when the data folder cannot be written];
    `workers`: decoding processes [all cores].
    """
    import image_folders
    files, labels, class_names = image_folders.list_images(folder, pattern, classes, attribute)
    if classes:
        keep, labels = class_filter(labels, class_names, classes, os.path.basename(folder))
        files, class_names = [files[i] for i in keep], list(classes)
    settings = dict(folder=os.path.realpath(folder), pattern=pattern, classes=list(classes or []),
                    output_size=output_size, crop=bool(crop), input_size=input_size if crop else None,
                    channels=channels)
    images, labels, used, split = image_folders.load_images(folder, files, labels, class_names, settings,
                                                            skip_bad_images, split, cache_dir, workers, log)
    return Dataset(images, labels, class_names, data_digest(f"{f.rel}\t{f.size}\n" for f in used),
                   os.path.realpath(folder), split)


# ----------------------------------------------------------------------------- one entry point

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
      a folder    test: 1 image in 10, chosen per image (image_folders.HOLDOUT_RULE); train: the
                  others; folders of fewer than 20 images are not split (every split is all)
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


def real_splits(name, data_dir, pattern, image_size, classes="", record=None):
    """(train, test) Datasets of a dataset's real images (load_dataset): the splits the evaluation
    classifier is trained and judged on, and the comparison measures against. record: a run's
    "data" record; a folder is cropped as the run was (e.g. the handout's faces: --crop
    --input_height 108), so real and generated images show the same thing. classes: --classes."""
    record = record or {}
    return tuple(load_dataset(name, data_dir, pattern, image_size, record.get("input_size"), record.get("crop", False),
                              parse_classes(classes) or None, split=split, attribute=record.get("attribute"))
                 for split in ("train", "test"))
