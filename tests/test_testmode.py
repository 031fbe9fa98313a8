"""testmode.py: test mode (handout 五.7.4). from_run, the one way a model is rebuilt from a run:
checkpoints written before the code was reshaped (tests/data/old_runs, made by the code that landed
before issue 18) still load and sample; what test mode writes (with the stand-in model of
test_utils.py); and that a training run never loads this file."""
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import testmode
from errors import LabError

tf1 = tf.compat.v1
OLD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "old_runs")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def test_test_mode_outputs_and_export(tmp_path):
    written = testmode.test_mode_outputs(FakeModel(), str(tmp_path), 16, seed=0)
    assert [os.path.basename(p) for p in written] == ["test_random.png", "test_classes.png",
                                                     "test_interpolation.gif"]
    classes = np.asarray(Image.open(tmp_path / "test_classes.png").convert("L"))
    cell = 6 * testmode.readable_scale(10 * 6)  # 6-pixel images scaled up to be seen
    assert cell > 6 and classes.shape[0] > 10 * cell  # a title strip on top of the rows
    grid = classes[-10 * cell:, -10 * cell:]
    # each row holds its class: brightness label/10 (+-0.05 from z) in the grid's image columns
    row_means = [grid[cell * i:cell * (i + 1)].mean() / 255 for i in range(10)]
    assert np.all(np.diff(row_means) > 0)
    assert (classes[:cell // 2, :] == 255).mean() > 0.8  # the title strip: white, with some text
    path = testmode.export_samples(FakeModel(num_classes=3), 7, str(tmp_path / "generated_7.npz"))
    data = np.load(path)
    assert data["images"].dtype == np.uint8 and data["images"].shape == (7, 6, 6, 1)
    assert data["labels"].tolist() == [0, 1, 2, 0, 1, 2, 0]


def test_test_random_says_what_it_shows_above_the_training_grids_pixels(tmp_path):
    """test_random.png: a title strip in words, and below it the handout's save_images grid of the
    same images, pixel for pixel (no scaling), so it compares with the training grids."""
    from utils import save_images
    model = FakeModel(num_classes=10)
    testmode.test_mode_outputs(model, str(tmp_path), 16, seed=0)
    images = model.generate(model.sample_noise(np.random.RandomState(0), 16), np.arange(16) % 10)
    save_images(images, (4, 4), str(tmp_path / "plain.png"))
    plain = np.asarray(Image.open(tmp_path / "plain.png"))
    titled = np.asarray(Image.open(tmp_path / "test_random.png"))
    assert titled.shape[1] == plain.shape[1] and titled.shape[0] > plain.shape[0]
    np.testing.assert_array_equal(titled[-plain.shape[0]:], plain)
    assert titled[:-plain.shape[0]].min() < 128 and (titled[:-plain.shape[0]] == 255).mean() > 0.5  # words on white
    assert testmode.random_grid_title(64, [str(i) for i in range(10)]) == \
        "64 samples with the training grids' noise and classes: 0, 1, 2, ... left to right, row by row"
    assert testmode.random_grid_title(64, ["airplane", "automobile"]) == ("64 samples with the training grids' "
                                                                          "noise and classes: airplane, automobile, "
                                                                          "airplane, automobile, ... left to right, "
                                                                          "row by row")
    assert testmode.random_grid_title(64, []) == "64 samples with the training grids' noise"


# ---------------------------------------------------------------- checkpoints from before the reshaping

@pytest.mark.parametrize("name", ["mnist_28_28", "toys_16_16", "biggan_mnist_28_28"])
def test_a_run_saved_by_the_old_code_loads_and_samples_as_it_did(name):
    """from_run rebuilds the network from the old config.json and restores the old checkpoint;
    with the batch norm statistics it saved (no standing statistics), the sampler draws exactly
    what the old code drew."""
    expected = np.load(os.path.join(OLD, "expected_samples.npz"))
    with tf.Graph().as_default(), tf1.Session() as sess:
        model, iteration = testmode.from_run(sess, os.path.join(OLD, "checkpoint", name), "main.py", "mnist",
                                         batch_size=8)
        assert iteration == 2
        labels = np.arange(10) % max(1, model.num_classes) if model.num_classes else None
        np.testing.assert_allclose(model.generate(expected[name + "_z"], labels), expected[name], atol=1e-5)


def test_the_old_runs_load_in_test_mode(tmp_path):
    shutil.copytree(os.path.join(OLD, "checkpoint"), tmp_path / "checkpoint")
    result = subprocess.run([sys.executable, os.path.join(REPO, "biggan", "main.py"), "--dataset=mnist",
                             "--batch_size=8"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Loaded biggan_mnist_28_28 at iteration 2 (EMA generator)" in result.stdout
    assert "test_truncation.png" in os.listdir(tmp_path / "samples" / "biggan_mnist_28_28")


# ---------------------------------------------------------------- runs saved before issue 25's reshaping

BEFORE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "runs_before_issue25")


@pytest.mark.parametrize("script,args,name", [
    ("main.py", ["--dataset=mnist"], "mnist_28_28"),
    ("main.py", ["--dataset=toys", "--output_height=32", "--conditional"], "toys_32_32_cond"),
    ("biggan/main.py", ["--dataset=mnist"], "biggan_mnist_28_28")])
def test_runs_saved_before_the_reshaping_draw_the_pictures_they_drew(tmp_path, script, args, name):
    """Tiny runs (MNIST's network, the colour network at 32 px, BigGAN) trained and tested by the
    code before issue 25: test mode now draws the same pictures. The same bytes on the machine that
    made them; elsewhere another CPU's kernels may round a pixel the other way, hence one level."""
    shutil.copytree(os.path.join(BEFORE, "checkpoint", name), tmp_path / "checkpoint" / name)
    result = subprocess.run([sys.executable, os.path.join(REPO, script)] + args + ["--batch_size=16"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    expected = os.path.join(BEFORE, "expected", name)
    for picture in sorted(os.listdir(expected)):
        old = np.asarray(Image.open(os.path.join(expected, picture))).astype(int)
        new = np.asarray(Image.open(tmp_path / "samples" / name / picture)).astype(int)
        if picture == "test_random.png":  # it has since gained a title strip above the same grid
            new = new[-old.shape[0]:]
        assert new.shape == old.shape, picture
        assert np.abs(new - old).max() <= 1 and (new == old).mean() > 0.999, picture


# ---------------------------------------------------------------- each main tests its own model's runs

@pytest.mark.parametrize("script,folder,run,words", [
    ("biggan/main.py", "biggan_mnist_28_28", "mnist_28_28",
     r"holds a DCGAN run, not a BigGAN: biggan/main.py tests BigGAN runs only; test a DCGAN run with "
     r"python main.py \(it looks in checkpoint/mnist_28_28\)"),
    ("main.py", "mnist_28_28", "biggan_mnist_28_28",
     r"holds a BigGAN run, not a DCGAN: main.py tests DCGAN runs only; test a BigGAN run with "
     r"python biggan/main.py \(it looks in checkpoint/biggan_mnist_28_28\)")])
def test_a_main_refuses_the_other_models_run_with_a_pointer(tmp_path, script, folder, run, words):
    shutil.copytree(os.path.join(OLD, "checkpoint", run), tmp_path / "checkpoint" / folder)
    result = subprocess.run([sys.executable, os.path.join(REPO, script), "--dataset=mnist"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and result.stderr.startswith("error: checkpoint/" + folder + " " + words[:10])
    assert len(result.stderr.strip().splitlines()) == 1 and re.search(words, result.stderr), result.stderr
    assert not (tmp_path / "samples").exists()


def test_a_batch_test_mode_cannot_hold_is_one_line_before_it_is_drawn(monkeypatch, tmp_path):
    """--batch_size 65,536 made the standing statistics' batches (and the grid) larger than the
    memory, and test mode ended in a segmentation fault; now it is measured first."""
    with tf.Graph().as_default(), tf1.Session() as sess:
        model, _ = testmode.from_run(sess, os.path.join(OLD, "checkpoint", "mnist_28_28"), "main.py", "mnist",
                                     batch_size=8)
        per_image = 4 * testmode.floats_per_image([model.samples])
        assert 28 * 28 < per_image < 4 * 10 ** 6  # every tensor of the sampler, one image's share
        testmode.check_memory(model, 64)  # fits
        monkeypatch.setattr(testmode.os, "sysconf", lambda name: {"SC_PAGE_SIZE": 4096}.get(name, 25_000))
        with pytest.raises(LabError, match=r"--batch_size 65536 makes test mode's pictures need about .* GiB of "
                                           r"memory, more than half of the 0\.1 GiB available; use --batch_size \d+ "
                                           r"or less"):
            testmode.test_mode(model, 2, str(tmp_path), batch_size=65536)
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- visualize (the handout's)

@pytest.mark.parametrize("num_classes", [10, 0])
@pytest.mark.parametrize("option,count", [(0, 1), (1, 5), (2, 5), (3, 5), (4, 6)])
def test_visualize_options_for_conditional_and_unconditional_models(tmp_path, option, count, num_classes):
    written = testmode.visualize(FakeModel(num_classes), option, str(tmp_path), 12, seed=0)
    assert len(written) == count and sorted(os.listdir(tmp_path)) == sorted(os.path.basename(p) for p in written)


def test_visualize_1_sweeps_one_dimension_across_each_row(tmp_path):
    """The FakeModel's brightness grows with z[0]: in test_arange_0.png it must grow left to right
    in every row (the same z but for the swept coordinate), and with the class down the rows."""
    written = testmode.visualize(FakeModel(num_classes=3, z_dim=12), 1, str(tmp_path), 8, seed=0)
    assert [os.path.basename(p) for p in written[:3]] == ["test_arange_00.png", "test_arange_01.png",
                                                          "test_arange_02.png"]  # names sort
    picture = np.asarray(Image.open(written[0]).convert("L")).astype(float)
    cell = 6 * testmode.readable_scale(10 * 6)
    grid = picture[-3 * cell:, -10 * cell:]
    columns = grid.reshape(3, cell, 10, cell).mean(axis=(1, 3))  # [row, column] brightness
    assert np.all(np.diff(columns, axis=1) >= 0) and np.all(columns[:, -1] > columns[:, 0])
    assert np.all(np.diff(columns, axis=0) > 0)


def test_visualize_rejects_an_unknown_option(tmp_path):
    with pytest.raises(LabError, match="--visualize 9 is not an option"):
        testmode.visualize(FakeModel(), 9, str(tmp_path), 4, seed=0)
