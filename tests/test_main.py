"""main.py end to end, as a student runs it: train, resume, test mode, export, bad input.
(Stops and restarts: test_main_stops.py; image folders and CIFAR-10: test_main_data.py.)

Tiny settings (batch 16, a few iterations) keep each run to seconds on a 2-core CPU.
"""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "data")
TINY = ["--batch_size=16", "--train_size=64", "--print_freq=1"]


def our_stderr_lines(stderr):
    """The non-empty lines of stderr (TensorFlow's start-up chatter must not be among them)."""
    return [line for line in stderr.strip().splitlines() if line.strip()]


def quiet_env():
    """The environment a student has: no TF_CPP_MIN_LOG_LEVEL set by hand."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return env


def assert_one_line_error(result, message=None):
    """Bad input: exit code 2 and exactly one line `error: ...` (no traceback)."""
    lines = our_stderr_lines(result.stderr)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    if message:
        assert re.search(message, lines[0]), lines[0]


def run_main(args, cwd, script="main.py"):
    env = quiet_env()
    return subprocess.run([sys.executable, os.path.join(REPO, script)] + args, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def train_mnist(cwd, *extra):
    result = run_main(["--dataset=mnist", "--train", f"--data_dir={DATA}"] + TINY + list(extra), cwd)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One tiny MNIST run shared by the tests that only read its outputs."""
    cwd = tmp_path_factory.mktemp("run")
    first = train_mnist(cwd, "--epoch=1", "--sample_freq=2", "--ckpt_freq=3")
    return cwd, first


def test_start_shows_our_lines_first_and_no_tensorflow_chatter(trained):
    _, result = trained
    lines = [line for line in result.stdout.splitlines() if not line.startswith("--train_size 64: ")]  # its own
    assert lines[0].startswith("GAN lab DCGAN: training on mnist, 28x28, conditional"), lines[:3]
    assert re.match(r"device: (CPU \(no GPU found\), \d+ cores|GPU 0 \()", lines[1]), lines[:3]
    assert our_stderr_lines(result.stderr) == [], result.stderr  # no E0000/W0000/I0000 line


def test_tensorboard_reads_the_handouts_summaries(trained):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    cwd, _ = trained
    events = EventAccumulator(str(cwd / "logs" / "mnist_28_28"), size_guidance={"images": 0})
    tags = events.Reload().Tags()
    assert {"d_loss", "g_loss", "d_loss_real", "d_loss_fake"} <= set(tags["scalars"])
    # "z_1": TensorFlow names the histogram after its op, and the placeholder is already "z"
    assert {"z_1", "d", "d_"} <= set(tags["histograms"])
    assert any(tag.startswith("G") for tag in tags["images"])
    d_loss = events.Scalars("d_loss")
    assert d_loss and all(np.isfinite(e.value) and e.value > 0 for e in d_loss)
    image = events.Images(next(t for t in tags["images"] if t.startswith("G")))[0]
    assert (image.width, image.height) == (28, 28)


def test_training_writes_grids_checkpoints_logs(trained):
    cwd, result = trained
    assert "Epoch: [ 0/ 1] [   3/   4]" in result.stdout and "ETA" in result.stdout
    assert "--train_size 64: training on 64 of the 70,000 images (the same ones every epoch)" in result.stdout
    config = json.loads((cwd / "checkpoint" / "mnist_28_28" / "config.json").read_text())
    assert config["training"]["images_seen"] == 4 * 16  # 4 iterations of 16: counted, not estimated
    # grids belong to their run: samples/<run name>/, as checkpoints and logs
    # a grid every --sample_freq 2 iterations, and the last iteration's (the run ends with a grid)
    assert sorted(os.listdir(cwd / "samples" / "mnist_28_28")) == ["train_00_0000.png", "train_00_0002.png",
                                                                   "train_00_0003.png"]
    grid = np.asarray(Image.open(cwd / "samples" / "mnist_28_28" / "train_00_0000.png"))
    assert grid.shape == (4 * 28, 4 * 28)  # sample_num = batch_size = 16: a 4x4 grayscale grid
    ckpt = os.listdir(cwd / "checkpoint" / "mnist_28_28")
    assert "DCGAN.model-3.index" in ckpt and "DCGAN.model-4.index" in ckpt  # every 3 + final
    assert "config.json" in ckpt
    assert os.listdir(cwd / "logs" / "mnist_28_28")


def test_resume_continues_from_the_saved_iteration(tmp_path):
    train_mnist(tmp_path, "--epoch=1", "--sample_freq=100")
    second = train_mnist(tmp_path, "--epoch=2", "--sample_freq=100")
    assert "resuming at iteration 4" in second.stdout
    assert "Epoch: [ 1/ 2] [   0/   4]" in second.stdout and "[ 0/ 2]" not in second.stdout
    assert "DCGAN.model-8.index" in os.listdir(tmp_path / "checkpoint" / "mnist_28_28")
    # grids follow the global counter (handout: counter % 100 == 1), so no new one at iteration 5;
    # each run ends with its last iteration's grid (4: epoch 0, batch 3; 8: epoch 1, batch 3)
    assert sorted(os.listdir(tmp_path / "samples" / "mnist_28_28")) == ["train_00_0000.png", "train_00_0003.png",
                                                                        "train_01_0003.png"]


@pytest.fixture(scope="module")
def tested(trained):
    """Test mode once on the tiny run, with an export: (folder, result)."""
    cwd, _ = trained
    result = run_main(["--dataset=mnist", "--data_dir=/nonexistent", "--sample_dir=test0", "--batch_size=25",
                       "--export_samples=30"], cwd)
    assert result.returncode == 0, result.stderr
    return cwd, result


def test_test_mode_writes_grids(tested):
    cwd, result = tested
    assert "Loaded mnist_28_28 at iteration 4" in result.stdout
    files = sorted(os.listdir(cwd / "test0" / "mnist_28_28"))
    assert files == ["generated_30.npz", "test_classes.png", "test_interpolation.gif", "test_random.png"]
    classes = np.asarray(Image.open(cwd / "test0" / "mnist_28_28" / "test_classes.png"))
    assert 10 * 28 < classes.shape[0] <= 10 * 28 + 40 and classes.shape[1] > 10 * 28  # digits, names, title
    assert (classes[:, :3] == 255).all()  # the white margin where the class names are written
    assert Image.open(cwd / "test0" / "mnist_28_28" / "test_interpolation.gif").n_frames > 1


def test_export_samples_writes_images_and_labels(tested):
    cwd, result = tested
    path = os.path.join("test0", "mnist_28_28", "generated_30.npz")
    assert path in result.stdout
    data = np.load(cwd / path)
    assert data["images"].dtype == np.uint8 and data["images"].shape == (30, 28, 28, 1)
    assert data["labels"].tolist() == [i % 10 for i in range(30)]


def test_an_absurd_export_is_refused_before_generating(trained):
    cwd, _ = trained
    result = run_main(["--dataset=mnist", "--export_samples=1000000000"], cwd)
    assert_one_line_error(result, r"--export_samples 1000000000 needs .* GiB of memory")


@pytest.mark.parametrize("option,count", [(0, 1)])  # every option (4 writes 101 GIFs): tests/test_utils.py
def test_visualize_options_and_a_second_test_mode_repeats_the_first(tested, option, count):
    cwd, _ = tested
    out = f"vis{option}"
    result = run_main(["--dataset=mnist", f"--visualize={option}", f"--sample_dir={out}",
                       "--batch_size=25"], cwd)
    assert result.returncode == 0, result.stderr
    assert len(os.listdir(cwd / out / "mnist_28_28")) == 3 + count
    for name in ("test_random.png", "test_classes.png", "test_interpolation.gif"):  # another process:
        assert (cwd / out / "mnist_28_28" / name).read_bytes() == (cwd / "test0" / "mnist_28_28" / name).read_bytes()


def folder_with_images(root, bad=False):
    os.makedirs(root / "data" / "cars", exist_ok=True)
    for i in range(4):
        Image.fromarray(np.full((40, 40, 3), 40 * i, np.uint8)).save(root / "data" / "cars" / f"{i}.jpg")
    if bad:
        (root / "data" / "cars" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")


def truncated_mnist(root):
    import shutil
    folder = root / "data" / "mnist"
    shutil.copytree(os.path.join(DATA, "mnist"), folder)
    with open(folder / "t10k-labels-idx1-ubyte", "wb") as f:
        f.write(b"\x00\x00\x08\x01\x00\x00\x27\x10" + bytes(100))  # header says 10000, 100 given
    os.remove(folder / "t10k-labels-idx1-ubyte.gz")


BAD_INPUTS = [
    (["--epoch=0", "--train"], None, r"flag --epoch=0: 0 is not an integer in the range \[1, 100000\]"),
    (["--train", "--batch_size=100", "--train_size=50", f"--data_dir={DATA}"], None,
     "--batch_size 100 is larger than the 50 training images"),
    (["--dataset=nosuch", "--train"], None, "unknown dataset 'nosuch'"),
    (["--dataset=mnist"], None, "no checkpoint in checkpoint/mnist_28_28.*train first: python main.py"),
    (["--train", "False"], None, "unexpected argument"),
    (["--dataset=mnist", "--output_height=64", "--train"], None, "MNIST digits are 28x28"),
    (["--visualize=7"], None, r"flag --visualize=7: 7 is not an integer in the range \[-1, 4\]"),
    (["--train", "--checkpoint_dir=blocker/ckpt"], "blocker", "cannot write to checkpoint dir"),
    (["--train", "--data_dir=data"], "truncated", "t10k-labels-idx1-ubyte has 100 data bytes"),
    (["--dataset=cars", "--train", "--data_dir=data", "--input_fname_pattern=*.png"], "folder",
     "no file in data/cars matches"),
    (["--dataset=cars", "--train", "--data_dir=data", "--batch_size=2"], "bad", "cannot read image .*broken.jpg"),
    (["--dataset=cars", "--train", "--data_dir=data", "--output_height=8"], "folder",
     "needs an output size of at least 16"),
    (["--dataset=cars", "--train", "--data_dir=data", "--conditional", "--batch_size=2"], "flat",
     "--conditional needs labels"),
]


@pytest.mark.parametrize("args,setup,message", BAD_INPUTS)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, setup, message):
    if setup == "blocker":
        (tmp_path / "blocker").write_text("a file where a folder should be")
    elif setup == "truncated":
        truncated_mnist(tmp_path)
    elif setup in ("folder", "bad"):
        folder_with_images(tmp_path, bad=setup == "bad")
    elif setup == "flat":
        os.makedirs(tmp_path / "data" / "cars")
        for i in range(3):
            Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(tmp_path / "data" / "cars" / f"{i}.jpg")
    assert_one_line_error(run_main(args, tmp_path), message)
    assert not os.path.exists(tmp_path / "checkpoint" / "mnist_28_28")


def test_resuming_with_another_architecture_is_refused(trained, tmp_path):
    import shutil
    shutil.copytree(trained[0] / "checkpoint", tmp_path / "checkpoint")
    result = run_main(["--dataset=mnist", "--train", f"--data_dir={DATA}", "--z_dim=50"] + TINY, tmp_path)
    assert result.returncode == 2
    assert "trained with z_dim=100 (asked 50)" in result.stderr


@pytest.mark.parametrize("args,message", [
    (["--epoch=abc"], "error: flag --epoch=abc: invalid literal"),
    (["--mnist_split=test"], "error: flag --mnist_split=test: value should be one of"),
])
def test_invalid_flag_values_are_one_line(tmp_path, args, message):
    assert_one_line_error(run_main(["--dataset=mnist", "--train"] + args, tmp_path), re.escape(message))


@pytest.mark.parametrize("args,message", [
    (["--z_dim=0"], r"flag --z_dim=0: 0 is not an integer in the range \[1, 10000\]"),
    (["--z_dim=-3"], r"flag --z_dim=-3: -3 is not an integer in the range \[1, 10000\]"),
    (["--seed=-1"], r"flag --seed=-1: -1 is not an integer in the range \[0, 2147483647\]"),
    (["--seed=4294967296"], r"flag --seed=4294967296: .* not an integer in the range \[0, 2147483647\]"),
    (["--learning_rate=nan"], r"flag --learning_rate=nan: --learning_rate must be a finite number"),
    (["--learning_rate=inf"], r"flag --learning_rate=inf: inf is not a number in the range"),
    (["--train_size=nan"], r"flag --train_size=nan: --train_size must be a number \(inf: no limit\)"),
    (["--flagfile=/dev/zero"], r"--flagfile /dev/zero: not a regular file; give the flags on the command line"),
    (["--classes=3,3"], r"--classes names 3 more than once; name each class once \(e.g. --classes 3\)"),
    (["--dataset=/abs/path"], r"--dataset '/abs/path' is not a dataset name; for the folder /abs/path use "
                              r"--dataset path --data_dir /abs"),
    (["--dataset="], r"--dataset '' is not a dataset name"),
    (["--dataset=pc/"], r"--dataset 'pc/' is not a dataset name; for the folder data/pc use --dataset pc"),
    (["--dataset=..", "--data_dir=data"], r"--dataset '..' is not a dataset name"),
])
def test_every_value_is_checked_before_tensorflow_starts(tmp_path, args, message):
    result = run_main(["--train"] + args, tmp_path)
    assert_one_line_error(result, message)
    assert "device:" not in result.stdout  # refused before TensorFlow started
    assert os.listdir(tmp_path) == []  # and before anything was written


def test_a_folders_path_as_dataset_is_answered_with_the_command_that_works(tmp_path):
    """`--dataset data/planes_cars` (the path from here): the advice names that folder's name and
    the folder it is in, and the advised command then runs."""
    os.makedirs(tmp_path / "data" / "planes_cars" / "cars")
    result = run_main(["--dataset=data/planes_cars", "--train"], tmp_path)
    assert_one_line_error(result, r"--dataset 'data/planes_cars' is not a dataset name; for the folder "
                                  r"data/planes_cars use --dataset planes_cars --data_dir data$")
    advised = run_main(["--dataset=planes_cars", "--data_dir=data", "--train"], tmp_path)
    assert "is not a dataset name" not in advised.stderr and "no file in data/planes_cars" in advised.stderr


def test_biggan_values_are_checked_too(tmp_path):
    script = os.path.join("biggan", "main.py")
    for args, message in [(["--ema_decay=2"], r"flag --ema_decay=2: 2.0 is not a number in the range \[0.0, 0.99999\]"),
                          (["--truncation=nan"], r"--truncation must be a finite number"),
                          (["--ch=0"], r"flag --ch=0: 0 is not an integer in the range \[1, 1024\]")]:
        assert_one_line_error(run_main(["--dataset=mnist", "--train"] + args, tmp_path, script), message)


def test_a_config_json_that_disagrees_with_its_checkpoint_is_one_line(trained, tmp_path):
    import json
    import shutil
    shutil.copytree(trained[0] / "checkpoint", tmp_path / "checkpoint")
    path = tmp_path / "checkpoint" / "mnist_28_28" / "config.json"
    config = json.loads(path.read_text())
    for z_dim, message in [(10 ** 9, r"config.json is damaged \(z_dim is 1000000000, not a whole number "
                                     r"from 1 to 10000\)"),
                           (50, r"does not fit this network \(generator/g_h0_lin/Matrix is \[110, 1024\] there, "
                                r"\[60, 1024\] in the network\)")]:
        path.write_text(json.dumps(dict(config, z_dim=z_dim)))
        assert_one_line_error(run_main(["--dataset=mnist"], tmp_path), message)
