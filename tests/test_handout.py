"""The handout's own commands, run as printed (handout 五.7.3 and 五.7.4), and what a student sees
first: --help, the speed line. A flag check that refuses the handout's command is a bug.

Each command runs verbatim in a folder that looks like the lab's root (main.py and data/ are
links to this repository's), so checkpoints and grids land in the test's temporary folder. A
training run is stopped the way a student stops it (SIGTERM, or Ctrl-C) after its first
iterations: it saves a checkpoint, which the test-mode command then loads.
"""
import os
import shlex
import signal
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from test_main import assert_one_line_error, quiet_env

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HANDOUT_TRAIN = "python main.py --dataset mnist --input_height=28 --output_height=28 --train"  # 五.7.3
HANDOUT_TEST = "python main.py --dataset mnist --input_height=28 --output_height=28"  # 五.7.4


def lab_folder(path):
    """A folder that looks like the lab's root: links to the scripts, the modules and data/."""
    for name in os.listdir(REPO):
        if not name.startswith(".") and name not in ("checkpoint", "samples", "logs", "report", "tests"):
            os.symlink(os.path.join(REPO, name), os.path.join(path, name))
    return path


def argv(command):
    """A command as printed (`python main.py ...`), with this test's Python."""
    words = shlex.split(command)
    assert words[0] == "python", command
    return [sys.executable] + words[1:]


def run(command, cwd, timeout=300):
    return subprocess.run(argv(command), cwd=cwd, env=quiet_env(), capture_output=True, text=True,
                          timeout=timeout)


def train_then_stop(command, cwd, sig=signal.SIGTERM, after="Epoch: "):
    """Start a training command and stop it with `sig` once a line starting with `after` was
    printed; returns (exit code, stdout, stderr)."""
    proc = subprocess.Popen(argv(command), cwd=cwd, env=quiet_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith(after):
            proc.send_signal(sig)
            break
    out, err = proc.communicate(timeout=300)
    return proc.returncode, "".join(lines) + out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The handout's training command, stopped by SIGTERM after a few iterations."""
    cwd = lab_folder(tmp_path_factory.mktemp("lab"))
    code, out, err = train_then_stop(HANDOUT_TRAIN, cwd, after="Speed here:")
    return cwd, code, out, err


def test_the_handouts_training_command_runs_as_printed(trained):
    cwd, code, out, err = trained
    assert code == 143, err  # stopped by SIGTERM, after saving: not an error, not "finished"
    assert out.startswith("GAN lab DCGAN: training on mnist, 28x28, conditional"), out[:300]
    assert "Epoch: [ 0/25] [   0/1093]" in out and "SIGTERM: finishing this iteration" in out
    saved = [f for f in os.listdir(cwd / "checkpoint" / "mnist_28_28") if f.endswith(".index")]
    assert len(saved) == 1 and int(saved[0].split("-")[1].split(".")[0]) >= 11
    assert err.strip() == ""  # no error line, no TensorFlow chatter


def test_the_handouts_test_command_loads_that_checkpoint(trained):
    cwd = trained[0]
    result = run(HANDOUT_TEST, cwd)
    assert result.returncode == 0, result.stderr
    assert "Loaded mnist_28_28 at iteration" in result.stdout
    files = sorted(os.listdir(cwd / "samples" / "mnist_28_28"))
    assert {"test_random.png", "test_classes.png", "test_interpolation.gif"} <= set(files)


def test_tensorflows_own_readers_find_the_runs_newest_checkpoint(trained, monkeypatch):
    """The handout's load reads TensorFlow's `checkpoint` list (tf.train.get_checkpoint_state);
    so do TensorFlow's tools and a student's notebook: from the run's folder, however named."""
    import tensorflow as tf
    cwd = trained[0]
    saved = [f[:-len(".index")] for f in os.listdir(cwd / "checkpoint" / "mnist_28_28") if f.endswith(".index")]
    monkeypatch.chdir(cwd)
    for folder in ("checkpoint/mnist_28_28", str(cwd / "checkpoint" / "mnist_28_28")):
        assert tf.train.latest_checkpoint(folder) == os.path.join(folder, saved[-1])
        state = tf.compat.v1.train.get_checkpoint_state(folder)
        assert state.model_checkpoint_path == os.path.join(folder, saved[-1])


def test_a_test_mode_batch_larger_than_the_memory_is_one_line(trained):
    """--batch_size 65536 (in range) made test mode's batches larger than the memory: a
    segmentation fault on a 24 GB machine. (A machine with far more memory may draw them.)"""
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    if available > 64 * 2 ** 30:
        pytest.skip(f"{available / 2**30:.0f} GiB available: 65,536 images may fit")
    result = run(HANDOUT_TEST + " --batch_size=65536", trained[0])
    assert_one_line_error(result, r"--batch_size 65536 makes test mode's pictures need about [\d.]+ GiB of memory, "
                                  r"more than half of the [\d.]+ GiB available; use --batch_size \d+ or less")


def test_test_mode_repeats_the_last_training_grid(tmp_path):
    """Test mode samples the same noise and classes as the training grids, with batch norm
    statistics measured from the generator both times: from the checkpoint saved with a grid,
    test_random.png is that grid under its title strip, pixel for pixel (never worse), and the lab's MNIST classifier
    reads the same digits in both. (One iteration: the grid and the final checkpoint.)"""
    lab_folder(tmp_path)
    result = run(HANDOUT_TRAIN + " --train_size=64 --epoch=1", tmp_path)
    assert result.returncode == 0, result.stderr
    result = run(HANDOUT_TEST + " --sample_dir=again", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Loaded mnist_28_28 at iteration 1," in result.stdout
    grid = np.asarray(Image.open(tmp_path / "samples" / "mnist_28_28" / "train_00_0000.png"))
    titled = np.asarray(Image.open(tmp_path / "again" / "mnist_28_28" / "test_random.png"))
    again = titled[-8 * 28:]  # the grid below the title strip that says what it shows
    assert grid.shape == again.shape == (8 * 28, 8 * 28) and titled.shape[0] > 8 * 28
    assert titled[:titled.shape[0] - 8 * 28].min() < 100  # the strip holds (black) words
    assert np.abs(grid.astype(int) - again.astype(int)).max() <= 1
    from evaluation.classifier import Classifier, default_path
    classifier = Classifier.from_file(default_path("mnist"))
    cells = lambda g: g.reshape(8, 28, 8, 28).transpose(0, 2, 1, 3).reshape(64, 28, 28, 1)  # noqa: E731
    np.testing.assert_array_equal(classifier.predict(cells(grid)), classifier.predict(cells(again)))


def test_a_size_other_than_the_images_is_one_line_saying_why(tmp_path):
    lab_folder(tmp_path)
    result = run("python main.py --dataset mnist --input_height=64 --train", tmp_path)
    assert_one_line_error(result, r"MNIST digits are 28x28 and are used whole: --input_height=64 would crop nothing")
    result = run("python main.py --dataset mnist --output_height=64 --train", tmp_path)
    assert_one_line_error(result, r"MNIST digits are 28x28 .* use --output_height=28")


@pytest.mark.parametrize("script,own", [("main.py", ["--learning_rate", "--z_dim"]),
                                        ("biggan/main.py", ["--ch", "--num_D_steps", "--ema_decay"])])
def test_help_lists_every_lab_flag_grouped_with_defaults(tmp_path, script, own):
    result = run(f"python {script} --help", lab_folder(tmp_path))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for group in ("Data:", "Training:", "Output:", "Test mode:", "BigGAN:" if "biggan" in script else "DCGAN:"):
        assert f"\n{group}\n" in text, group
    for flag in ["--dataset", "--train", "--epoch", "--batch_size", "--checkpoint_dir", "--visualize"] + own:
        assert f"\n  {flag} " in text, flag
    assert "--epoch                Epochs to train (1 to 100,000) [25]" in text
    assert "--verbosity" not in text and "--logtostderr" not in text  # absl's own: --helpfull


def test_the_first_lines_say_what_the_run_costs_here(trained):
    out = trained[2]
    line = next(line for line in out.splitlines() if line.startswith("Speed here:"))
    # e.g. "Speed here: 0.38 s per iteration (168 images/s); the 27,313 iterations left take about
    # 2:53:05. A shorter run: --epoch 1 takes about 0:06:55 and gives recognisable digits of every class."
    assert "iterations left take about" in line and "A shorter run: --epoch 1 takes about" in line
    assert "recognisable digits" in line
