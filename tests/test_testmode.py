"""testmode.py: test mode (handout 五.7.4). from_run, the one way a model is rebuilt from a run:
checkpoints written before the code was reshaped (tests/data/old_runs, made by the code that landed
before issue 18) still load and sample; what test mode writes (with the stand-in model of
test_utils.py); and that a training run never loads this file."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import testmode
import utils
from test_utils import FakeModel

tf1 = tf.compat.v1
OLD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "old_runs")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_test_mode_outputs_and_export(tmp_path):
    written = testmode.test_mode_outputs(FakeModel(), str(tmp_path), 16, seed=0)
    assert [os.path.basename(p) for p in written] == ["test_random.png", "test_classes.png",
                                                     "test_interpolation.gif"]
    classes = np.asarray(Image.open(tmp_path / "test_classes.png").convert("L"))
    cell = 6 * utils.readable_scale(10 * 6)  # 6-pixel images scaled up to be seen
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
        assert new.shape == old.shape, picture
        assert np.abs(new - old).max() <= 1 and (new == old).mean() > 0.999, picture
