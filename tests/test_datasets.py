"""datasets.py: one Dataset record and one entry point for every dataset: the real MNIST files,
the same meaning of train/test everywhere, class selection. Each source: test_mnist.py,
test_cifar10.py, test_image_folders.py."""
import gzip
import hashlib
import os

import numpy as np
import pytest

import datasets
import mnist
from errors import LabError

MNIST_DIR = "data/mnist"


class Log(list):
    """A `log` that keeps the lines, so tests can look for one."""

    def __call__(self, line):
        self.append(line)

    def has(self, text):
        return any(text in line for line in self)



# ----------------------------------------------------------------------------- every dataset

def test_real_mnist_files_are_the_official_ones():
    official = {"train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
                "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
                "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
                "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637"}
    for name, md5 in official.items():
        with gzip.open(os.path.join(MNIST_DIR, name + ".gz")) as f:
            assert hashlib.md5(f.read()).hexdigest() == md5


def test_train_means_the_same_thing_for_every_dataset_and_script():
    """One function answers which images are train and which are held out: MNIST's train is its
    60,000 train digits (t10k held out), "all" the handout's 70,000; the Dataset says which."""
    train = datasets.load_dataset("mnist", os.path.dirname(MNIST_DIR), split="train")
    test = datasets.load_dataset("mnist", os.path.dirname(MNIST_DIR), split="test")
    everything = datasets.load_dataset("mnist", os.path.dirname(MNIST_DIR), split="all")
    assert (len(train.images), len(test.images), len(everything.images)) == (60000, 10000, 70000)
    assert (train.split, test.split, everything.split) == ("train", "test", "all")
    assert len({train.digest, test.digest, everything.digest}) == 3
    t10k, _ = mnist.read_mnist_split(MNIST_DIR, "test")
    np.testing.assert_array_equal(test.images[..., 0], t10k)  # the held-out digits, as in the file



def test_select_classes_relabels_in_the_given_order():
    data = datasets.Dataset(np.arange(6, dtype=np.uint8).reshape(6, 1, 1, 1),
                            np.array([0, 1, 2, 0, 1, 2]), ["0", "1", "2"])
    picked = datasets.select_classes(data, ["2", "0"], "MNIST")
    assert picked.labels.tolist() == [1, 0, 1, 0] and picked.images.ravel().tolist() == [0, 2, 3, 5]
    with pytest.raises(LabError, match="unknown MNIST class.*7; valid: 0, 1, 2"):
        datasets.select_classes(data, ["7"], "MNIST")
