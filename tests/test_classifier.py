"""evaluation/classifier.py: the shipped MNIST evaluation classifier, training one on tiny synthetic
data, and evaluation/train_classifier.py as a student runs it."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from evaluation import classifier as classifiers
from evaluation.classifier import Classifier, TrainingSettings, default_path
import datasets
import image_folders
from datasets import Dataset, real_splits
from mnist import read_mnist_split
from errors import LabError

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_DIR = os.path.join(REPO_ROOT, "data", "mnist")


@pytest.fixture(scope="module")
def mnist_classifier():
    classifier = Classifier.from_file(default_path("mnist"))
    yield classifier
    classifier.close()


@pytest.fixture(scope="module")
def mnist_test_subset():
    """The first 2000 digits of the official t10k test split, never seen in training."""
    images, labels = read_mnist_split(MNIST_DIR, "test")
    return images[:2000, :, :, None] / np.float32(255.0), labels[:2000].astype(np.int64)


def test_shipped_mnist_classifier_is_accurate_on_the_test_split(mnist_classifier, mnist_test_subset):
    images, labels = mnist_test_subset
    assert np.mean(mnist_classifier.predict(images) == labels) >= 0.99


def test_shipped_mnist_classifier_metadata(mnist_classifier):
    assert mnist_classifier.input_shape == (28, 28, 1)
    assert mnist_classifier.class_names == [str(d) for d in range(10)]
    assert mnist_classifier.dataset == "mnist" and mnist_classifier.test_accuracy >= 0.99


def test_features_and_probs_shapes(mnist_classifier, mnist_test_subset):
    images = mnist_test_subset[0][:300]
    features = mnist_classifier.features(images, batch=128)  # several batches, one partial
    probs = mnist_classifier.probs(images)
    assert features.shape == (300, 128) and features.dtype == np.float64
    assert probs.shape == (300, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # uint8 images (as export_samples writes them) give the same answer as floats in [0, 1]
    as_uint8 = np.round(images[:20] * 255).astype(np.uint8)
    np.testing.assert_allclose(mnist_classifier.probs(as_uint8), probs[:20], atol=1e-5)


def test_wrong_image_shape_is_a_lab_error(mnist_classifier):
    with pytest.raises(LabError, match="28, 28, 1"):
        mnist_classifier.features(np.zeros((4, 32, 32, 3), np.float32))


def test_missing_weights_is_a_lab_error_naming_the_fix(tmp_path):
    with pytest.raises(LabError, match=r"mnist\.npz not found.*train_classifier\.py --dataset mnist"):
        Classifier.from_file(str(tmp_path / "mnist.npz"))


def test_corrupt_weights_is_a_lab_error(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"not a zip file")
    (tmp_path / "mnist.json").write_text(open(default_path("mnist")[:-4] + ".json").read())
    with pytest.raises(LabError, match="corrupt"):
        Classifier.from_file(str(path))


@pytest.mark.parametrize("meta", ["[1, 2]", '"text"', "null", '{"input_shape": 5, "class_names": "ab"}'])
def test_classifier_metadata_that_is_not_an_object_is_a_lab_error(tmp_path, meta):
    shutil.copy(default_path("mnist"), tmp_path / "mnist.npz")
    (tmp_path / "mnist.json").write_text(meta)
    with pytest.raises(LabError, match=r"classifier file .*mnist.npz or .*mnist.json is corrupt"):
        Classifier.from_file(str(tmp_path / "mnist.npz"))


def test_tiny_training_run_saves_and_loads_identically(tmp_path):
    rng = np.random.RandomState(0)
    images = rng.rand(16, 16, 16, 3).astype(np.float32)  # [N, H, W, C]
    labels = np.arange(16) % 2
    classifier = Classifier(images.shape[1:], ["cat", "dog"], "toy", seed=0)
    before = classifier.get_weights()
    classifiers.train(classifier, images, labels, epochs=1, batch_size=8, log=lambda *a: None)
    after = classifier.get_weights()
    assert any(not np.array_equal(before[k], after[k]) for k in before)  # 2 Adam steps moved it
    path = classifier.save(str(tmp_path / "toy.npz"))
    loaded = Classifier.from_file(path)
    np.testing.assert_array_equal(loaded.probs(images), classifier.probs(images))
    assert loaded.class_names == ["cat", "dog"] and loaded.input_shape == (16, 16, 3)
    classifier.close()
    loaded.close()


def test_select_classes_relabels_in_the_given_order():
    data = Dataset(np.zeros((6, 1, 1, 1)), np.array([0, 1, 2, 0, 1, 2]), ["0", "1", "2"])
    picked = datasets.select_classes(data, ["2", "0"])
    assert picked.labels.tolist() == [1, 0, 1, 0] and picked.class_names == ["2", "0"]


def write_class_folder(root, name, value, count):
    os.makedirs(os.path.join(root, name))
    for i in range(count):
        pixels = np.full((16, 16), value, np.uint8)
        Image.fromarray(pixels).save(os.path.join(root, name, f"{i}.png"))


def test_a_classifier_is_trained_on_the_train_split_of_an_image_folder(tmp_path):
    data_dir = str(tmp_path / "data")
    write_class_folder(os.path.join(data_dir, "shades"), "dark", 30, 12)
    write_class_folder(os.path.join(data_dir, "shades"), "light", 220, 12)
    out = str(tmp_path / "shades.npz")
    classifiers.train_classifier(TrainingSettings("shades", data_dir, output_size=16, input_fname_pattern="*.png",
                                                  epochs=1, batch_size=8, out=out), log=lambda line: None)
    held = sum(image_folders.is_held_out(f"{c}/{i}.png") for c in ("dark", "light") for i in range(12))
    loaded = Classifier.from_file(out)
    assert loaded.class_names == ["dark", "light"] and loaded.input_shape == (16, 16, 1)
    assert loaded.info["train_images"] == 24 - held and loaded.info["test_images"] == held
    loaded.close()


def test_classes_with_spaces_are_read_as_main_py_reads_them(tmp_path):
    data_dir = str(tmp_path / "data")
    for name, shade in (("dark", 30), ("light", 220), ("grey", 128)):
        write_class_folder(os.path.join(data_dir, "shades"), name, shade, 10)
    train, test = real_splits("shades", data_dir, "*.png", 16, "light, dark")
    assert train.class_names == test.class_names == ["light", "dark"]
    with pytest.raises(LabError, match="--classes names dark more than once"):
        real_splits("shades", data_dir, "*.png", 16, "dark, dark")


def test_script_runs_from_the_repo_root_and_reports_one_line_errors(tmp_path):
    result = subprocess.run([sys.executable, "evaluation/train_classifier.py", "--dataset", "nosuch",
                             "--data_dir", str(tmp_path), "--out", str(tmp_path / "x.npz")],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: unknown dataset 'nosuch'")
