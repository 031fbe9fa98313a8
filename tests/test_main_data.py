"""main.py on the extension's data: image folders (with and without classes), CIFAR-10's classes,
a folder that changed since the run started, a folder too large for the memory.
"""
import os
import signal
import subprocess
import sys
import time

import numpy as np
from PIL import Image

from test_main import REPO, assert_one_line_error, folder_with_images, our_stderr_lines, quiet_env, run_main


def colour_folder(root, classes=("cars", "planes"), n=6, size=40):
    """Class sub-folders with a mix of RGB, grayscale and RGBA images."""
    rng = np.random.RandomState(0)
    for c in classes:
        os.makedirs(root / c)
        for i in range(n):
            mode, channels = [("RGB", 3), ("L", 1), ("RGBA", 4)][i % 3]
            pixels = rng.randint(0, 255, (size, size, channels)).astype(np.uint8)
            Image.fromarray(pixels.squeeze(), mode).save(root / c / f"{i}.png")


def test_unconditional_dcgan_on_an_image_folder(tmp_path):
    colour_folder(tmp_path / "data" / "toys")
    args = ["--dataset=toys", "--data_dir=data", "--input_fname_pattern=*.png", "--output_height=32",
            "--batch_size=4"]
    result = run_main(args + ["--train", "--epoch=1"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Loaded 12 images" in result.stdout and "decoded once" in result.stdout
    assert "DCGAN.model-3.index" in os.listdir(tmp_path / "checkpoint" / "toys_32_32")
    assert np.asarray(Image.open(tmp_path / "samples" / "toys_32_32" / "train_00_0000.png")).shape == (64, 64, 3)
    test = run_main(args + ["--visualize=0"], tmp_path)
    assert test.returncode == 0, test.stderr
    files = os.listdir(tmp_path / "samples" / "toys_32_32")
    assert "test_random.png" in files and "test_interpolation.gif" in files
    assert "test_classes.png" not in files and any(f.startswith("test_2") for f in files)


def test_conditional_dcgan_on_class_folders_at_48(tmp_path):
    colour_folder(tmp_path / "data" / "toys")
    args = ["--dataset=toys", "--data_dir=data", "--input_fname_pattern=*.png", "--output_height=48",
            "--conditional", "--batch_size=4", "--crop"]
    result = run_main(args + ["--train", "--epoch=1"], tmp_path)
    assert result.returncode == 0, result.stderr
    config = open(tmp_path / "checkpoint" / "toys_48_48_cond" / "config.json").read()
    assert '"cars"' in config and '"planes"' in config
    test = run_main(args, tmp_path)
    assert test.returncode == 0, test.stderr
    classes = np.asarray(Image.open(tmp_path / "samples" / "toys_48_48_cond" / "test_classes.png"))
    assert 2 * 48 < classes.shape[0] <= 2 * 48 + 40  # two classes and a title strip


def test_conditional_on_a_folder_with_one_class_that_has_images_is_one_line(tmp_path):
    """A student's automobile/ folder is still empty (or holds .png where *.jpg is looked for): a
    "conditional" model of one class would learn nothing from its label, so it is refused."""
    colour_folder(tmp_path / "data" / "toys", classes=("planes",))
    os.makedirs(tmp_path / "data" / "toys" / "cars")
    result = run_main(["--dataset=toys", "--data_dir=data", "--input_fname_pattern=*.png", "--output_height=32",
                       "--conditional", "--batch_size=4", "--train"], tmp_path)
    assert_one_line_error(result, r"--conditional needs at least 2 classes; the training images are of one class "
                                  r"only \(planes; a class folder without \*.png images is none\)")
    assert not os.path.exists(tmp_path / "checkpoint")


def fake_cifar(root):
    """A CIFAR-10 python-version folder with 4 images per class in each batch."""
    import pickle
    folder = root / "data" / "cifar10" / "cifar-10-batches-py"
    os.makedirs(folder)
    rng = np.random.RandomState(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        labels = list(range(10)) * 4
        batch = {b"data": rng.randint(0, 255, (40, 3072)).astype(np.uint8), b"labels": labels}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)


def test_cifar10_classes_train_and_test(tmp_path):
    fake_cifar(tmp_path)
    args = ["--dataset=cifar10", "--data_dir=data", "--classes=airplane,automobile", "--conditional",
            "--batch_size=8"]
    result = run_main(args + ["--train", "--epoch=1", "--train_size=16"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "DCGAN.model-2.index" in os.listdir(tmp_path / "checkpoint" / "cifar10-airplane-automobile_32_32_cond")
    test = run_main(args + ["--export_samples=4"], tmp_path)
    assert test.returncode == 0, test.stderr
    data = np.load(tmp_path / "samples" / "cifar10-airplane-automobile_32_32_cond" / "generated_4.npz")
    assert data["images"].shape == (4, 32, 32, 3) and data["labels"].tolist() == [0, 1, 0, 1]
    bad = run_main(["--dataset=cifar10", "--data_dir=data", "--classes=airplane,boat", "--conditional",
                    "--train"], tmp_path)
    assert bad.returncode == 2 and "unknown CIFAR-10 class(es) boat; valid: airplane, automobile" in bad.stderr


def test_resuming_on_other_images_is_refused_naming_both(tmp_path):
    for root in ("a", "b"):
        colour_folder(tmp_path / root / "pc", n=4)
    args = ["--dataset=pc", "--input_fname_pattern=*.png", "--output_height=16", "--batch_size=4",
            "--conditional", "--train", "--epoch=1"]
    first = run_main(args + ["--data_dir=a"], tmp_path)
    assert first.returncode == 0, first.stderr
    os.remove(tmp_path / "b" / "pc" / "cars" / "0.png")  # the same class names, other images
    second = run_main(args + ["--data_dir=b", "--epoch=2"], tmp_path)
    assert_one_line_error(second, r"checkpoint/pc_16_16_cond was trained on other images \(8 from .*/a/pc\) "
                                  r"than this run would use \(7 from .*/b/pc\)")


def test_ctrl_c_while_a_folder_is_decoded_is_one_line_and_leaves_nothing(tmp_path):
    """Ctrl-C during the first start's decoding (in worker processes): one line, exit 130, no
    traceback from the program or its workers, no worker left running, no temporary cache file."""
    rng = np.random.RandomState(0)
    os.makedirs(tmp_path / "data" / "big")
    for i in range(1500):
        Image.fromarray(rng.randint(0, 255, (96, 96, 3)).astype(np.uint8)).save(tmp_path / "data" / "big" / f"{i}.png")
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "main.py"), "--dataset=big", "--data_dir=data",
                             "--input_fname_pattern=*.png", "--train"], cwd=tmp_path, env=quiet_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("Decoding the 1,500 images of big"):
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert our_stderr_lines(err) == ["stopped (Ctrl-C) before the end; no half-written file was kept: run "
                                     "the same command again to go on"], err
    time.sleep(0.5)
    workers = subprocess.run(["pgrep", "-f", "main.py --dataset=big"], capture_output=True, text=True).stdout
    assert workers.strip() == "", workers
    assert [f for f in os.listdir(tmp_path / "data" / ".cache") if f.startswith(".tmp-")] == []


def test_a_dcgan_too_large_for_the_memory_is_refused_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")  # a CPU run: the host memory is checked
    folder_with_images(tmp_path)
    result = run_main(["--dataset=cars", "--data_dir=data", "--output_height=4000", "--batch_size=64",
                       "--train"], tmp_path)
    assert_one_line_error(result, r"training a 4000x4000 DCGAN \(3,273 M parameters, --batch_size 64\) "
                                  r"needs about 2094.0 GB of memory .*even --batch_size 1 does not fit")
    assert not os.path.exists(tmp_path / "data" / ".cache")  # nothing decoded at that size
