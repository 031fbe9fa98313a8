"""bench/train_speed.py: every --precision asked is timed for both models, and one the machine
cannot run (or does not know) is a one-line error before anything is timed."""
import os
import subprocess
import sys

import pytest

import precision
from errors import LabError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))
import train_speed  # noqa: E402


def test_each_precision_is_timed_for_both_models():
    modes = ["fp32"] + (["bf16"] if precision.problem("bf16", gpu=False) is None else [])
    result = subprocess.run([sys.executable, os.path.join(REPO, "bench", "train_speed.py"), "--images=colour32",
                             "--ch=4", "--batch_size=4", "--iters=1", "--warmup=0", f"--precision={','.join(modes)}"],
                            capture_output=True, text=True, timeout=600, cwd=REPO)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "images per CPU-second" in line]
    assert [(line.split()[0], line.split(")")[1].split(":")[0].strip()) for line in lines] == \
        [(model, mode) for model in ("dcgan", "biggan") for mode in modes]


def test_num_gpus_times_every_replica_count_that_splits_the_batch():
    """Without a GPU the replicas are logical CPU devices (distribute.logical_cpus): 3 does not
    split a batch of 4, so 1 and 2 are timed."""
    result = subprocess.run([sys.executable, os.path.join(REPO, "bench", "train_speed.py"), "--images=colour32",
                             "--model=dcgan", "--batch_size=4", "--iters=1", "--warmup=0", "--num_gpus=3"],
                            capture_output=True, text=True, timeout=600, cwd=REPO)
    assert result.returncode == 0, result.stderr
    counts = [line.split(", ")[1].split(":")[0] for line in result.stdout.splitlines() if "images/s" in line]
    assert counts == ["1 logical CPU device", "2 logical CPU devices"]


@pytest.mark.parametrize("modes,gpu,message", [
    (["mixed"], False, "no GPU is used here"),
    (["fp32", "fp16"], False, "--precision fp16: use fp32, bf16 or mixed"),
    (["bf16"], True, "on a GPU use --precision mixed"),
    ([], False, "--precision names none")])
def test_a_precision_this_machine_cannot_run_is_one_line(modes, gpu, message):
    with pytest.raises(LabError, match=message) as error:
        train_speed.check_precisions(modes, gpu)
    assert "\n" not in str(error.value)
