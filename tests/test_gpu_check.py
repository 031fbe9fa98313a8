"""bench/gpu_check.py: on a machine without a GPU, the CPU-sized subset runs every check it can,
prints one table and writes the same table, names what needs a GPU, and exits 0; bad input is
one line before anything runs."""
import os
import re
import subprocess
import sys

import pytest
import tensorflow as tf

from test_main import DATA, REPO, assert_one_line_error, quiet_env

CHECK = os.path.join(REPO, "bench", "gpu_check.py")


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
    assert re.fullmatch(r"[\d,]+ images/s; 25 epochs: \d+:\d\d:\d\d; feeding \d+% \(numpy \d+%, copy \d+%\)", rows[1][1])
    assert re.fullmatch(r"[\d,]+ images/s; feeding \d+% \(numpy \d+%, copy \d+%\)", rows[2][1])
    assert rows[3][1] == rows[4][1].replace("5 grids", "4 grids") == \
        "10 iterations, then test mode: exit 0, a checkpoint, 4 grids"
    assert rows[5][1].startswith("5 of 5 checks passed; on a CPU, a CPU-sized subset")
    assert int(rows[5][2].strip(" |")) <= 300
    assert result.stdout.splitlines()[-1].startswith("needs a GPU (run this on the GPU server): --precision mixed")
    assert os.listdir(tmp_path) == ["logs"]  # the runs were in a temporary folder, now gone


@pytest.mark.parametrize("args,message", [
    (["--data_dir=nowhere"], r"MNIST file nowhere/mnist/train-images-idx3-ubyte\[\.gz\] not found; run: "
                              r"python download\.py mnist"),
    (["--out=/proc/gpu_check.md"], r"cannot write to out /proc .*; choose another with --out")])
def test_bad_input_is_one_line_before_anything_runs(tmp_path, args, message):
    result = subprocess.run([sys.executable, CHECK] + args, cwd=tmp_path, env=quiet_env(), capture_output=True,
                            text=True, timeout=120)
    assert_one_line_error(result, message)
    assert os.listdir(tmp_path) == []
