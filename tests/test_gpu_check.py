"""bench/gpu_check.py: on a machine without a GPU, the CPU-sized subset runs every check it can,
prints one table and writes the same table, names what needs a GPU, and exits 0; bad input is
one line before anything runs."""
import os
import re
import subprocess
import sys

import pytest
import tensorflow as tf

import datasets
from test_main import DATA, REPO, assert_one_line_error, quiet_env

CHECK = os.path.join(REPO, "bench", "gpu_check.py")
FEEDING = r"feeding \d+% of [\d,]+ ms per iteration \(numpy and Python \d+\.\d ms, copy \d+\.\d ms\)"
sys.path.insert(0, os.path.join(REPO, "bench"))
import gpu_check  # noqa: E402
import train_speed  # noqa: E402


@pytest.mark.skipif(bool(tf.config.list_physical_devices("GPU")), reason="a GPU runs the GPU checks")
def test_without_a_gpu_the_cpu_subset_passes_and_names_what_needs_a_gpu(tmp_path):
    result = subprocess.run([sys.executable, CHECK, f"--data_dir={DATA}"], cwd=tmp_path, env=quiet_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    written = (tmp_path / "logs" / "gpu_check.md").read_text()
    assert written in result.stdout  # the table printed is the table written
    rows = [line.split(" | ") for line in written.splitlines()[2:]]
    assert [row[0].strip("| ") for row in rows] == [
        "environment", "DCGAN, MNIST, batch 64, fp32", "BigGAN 32 px --ch 16, batch 64, fp32",
        "main.py --dataset mnist", "biggan/main.py --dataset mnist", "**total**"]
    assert not [row for row in rows if "FAILED" in row[1]]
    assert rows[0][1].startswith(f"TensorFlow {tf.__version__} (") and rows[0][1].endswith("; no GPU")
    assert re.fullmatch(rf"[\d,]+ images/s; 25 epochs: \d+:\d\d:\d\d; {FEEDING}", rows[1][1])
    assert re.fullmatch(rf"[\d,]+ images/s; {FEEDING}", rows[2][1])
    assert rows[3][1] == rows[4][1].replace("5 grids", "4 grids") == \
        "10 iterations, then test mode: exit 0, a checkpoint, 4 grids"
    assert rows[5][1].startswith("5 of 5 checks passed; on a CPU, a CPU-sized subset")
    assert int(rows[5][2].strip(" |")) <= 300
    assert result.stdout.splitlines()[-1].startswith("needs a GPU (run this on the GPU server): --precision mixed")
    assert os.listdir(tmp_path) == ["logs"]  # the runs were in a temporary folder, now gone


@pytest.mark.parametrize("args,message", [
    (["--data_dir=nowhere"], r"MNIST file nowhere/mnist/train-images-idx3-ubyte\[\.gz\] not found; run: "
                              r"python download\.py mnist"),
    (["--out=/proc/gpu_check.md"], r"cannot write to out /proc .*; choose another with --out"),
    (["--out=."], r"--out '\.' is not a file name; give one, e.g. --out logs/gpu_check.md"),
    (["--out="], r"--out '' is not a file name")])
def test_bad_input_is_one_line_before_anything_runs(tmp_path, args, message):
    result = subprocess.run([sys.executable, CHECK] + args, cwd=tmp_path, env=quiet_env(), capture_output=True,
                            text=True, timeout=120)
    assert_one_line_error(result, message)
    assert os.listdir(tmp_path) == []


def test_the_several_gpus_check_runs_on_two_logical_cpus():
    """The check a server with 2+ GPUs runs, here on 2 logical CPU devices: one step agrees with one
    device's, and mixed is timed on both (tiny timings: this shows it runs; mixed is float32
    arithmetic on a CPU, with the loss scaling)."""
    plan = gpu_check.Plan([])
    plan.gpus, plan.dcgan = ["GPU 0", "GPU 1"], train_speed.Setting(batch_size=64, warmup=0, iters=1)
    plan.precisions = ["mixed"]  # a GPU's plan times fp32 too: the same path, without the loss scale
    result = gpu_check.several_gpus(tf, datasets.load_mnist(os.path.join(DATA, "mnist")), plan)
    assert re.fullmatch(r"2 GPUs: one step as on one GPU \(gradients at most 0\.\d\d x the tests' tolerance, "
                        r"weights \d\.\d\d x\); DCGAN mixed [\d,]+ images/s on 1 GPU, [\d,]+ on 2 \(\d\.\d\d x\)",
                        result), result
