"""main.py stopped and started again, as runs are on a shared machine: Ctrl-C, SIGTERM, SIGKILL at
any moment, a second run on the same folder, an unwritable folder, a disk that fills up.
Nothing is lost: each stop leaves a checkpoint the same command resumes from.
"""
import contextlib
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from test_main import DATA, REPO, TINY, assert_one_line_error, quiet_env, run_main


def test_ctrl_c_saves_a_checkpoint_and_exits_cleanly(tmp_path):
    env = quiet_env()
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "main.py"), "--dataset=mnist",
                             "--train", f"--data_dir={DATA}", "--batch_size=16", "--epoch=100"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    for line in proc.stdout:  # wait for training to run
        if line.startswith("Epoch: [ 0/100] [   2/"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err  # saved, but not finished: a script can tell
    assert "Stopped at iteration" in out
    saved = [f for f in os.listdir(tmp_path / "checkpoint" / "mnist_28_28") if f.endswith(".index")]
    assert len(saved) == 1 and int(saved[0].split("-")[1].split(".")[0]) >= 3


def start_training(cwd, *extra):
    return subprocess.Popen([sys.executable, os.path.join(REPO, "main.py"), "--dataset=mnist", "--train",
                             f"--data_dir={DATA}", "--batch_size=16", "--epoch=100"] + list(extra),
                            cwd=cwd, env=quiet_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for_training(proc):
    """Read the run's output until its first progress line (training is under way)."""
    for line in proc.stdout:
        if line.startswith("Epoch: "):
            return
    raise AssertionError(proc.stderr.read())


def test_a_second_run_on_the_same_folder_is_refused(tmp_path):
    first = start_training(tmp_path)
    try:
        wait_for_training(first)
        second = run_main(["--dataset=mnist", "--train", f"--data_dir={DATA}"] + TINY, tmp_path)
        assert_one_line_error(second, rf"another training run \(pid {first.pid} on .*\) is writing to "
                                      r"checkpoint/mnist_28_28")
    finally:
        first.kill()
        first.communicate()


def test_sigkill_at_random_moments_always_resumes_cleanly(tmp_path):
    """Killed twice at random moments (saving every iteration, so some kills land in a
    save), the run resumes each time: a continuous loss log, at most --max_to_keep
    checkpoints and no temporary files. bench/kill_resume.py repeats this 20 times."""
    rng = np.random.RandomState(0)
    extra = ["--ckpt_freq=1", "--max_to_keep=2", "--sample_freq=1000"]
    for _ in range(2):
        proc = start_training(tmp_path, *extra)
        wait_for_training(proc)
        time.sleep(rng.uniform(0.0, 1.5))
        proc.kill()
        proc.communicate()
    final = run_main(["--dataset=mnist", "--train", f"--data_dir={DATA}", "--batch_size=16",
                      "--train_size=64", "--epoch=3"] + extra, tmp_path)
    assert final.returncode == 0, final.stderr
    folder = tmp_path / "checkpoint" / "mnist_28_28"
    steps = [int(s) for s in np.loadtxt(tmp_path / "logs" / "mnist_28_28" / "losses.csv", delimiter=",",
                                        skiprows=1, usecols=0, ndmin=1)]
    assert steps == list(range(1, steps[-1] + 1))  # every step once, in order
    assert len([f for f in os.listdir(folder) if f.endswith(".index")]) <= 2
    assert not [f for f in os.listdir(folder) if f.startswith(".saving-") or "tempstate" in f]


def test_an_unwritable_run_folder_is_found_before_training(tmp_path):
    os.makedirs(tmp_path / "checkpoint")
    (tmp_path / "checkpoint" / "mnist_28_28").write_text("a file where the run's folder should be")
    result = run_main(["--dataset=mnist", "--train", f"--data_dir={DATA}"] + TINY, tmp_path)
    assert_one_line_error(result, "cannot write to checkpoint dir checkpoint/mnist_28_28")
    assert "Epoch" not in result.stdout


@contextlib.contextmanager
def tmpfs(mount, size, instead):
    """A real tmpfs of `size` at mount (needs root, as CI and the lab's machines run the suite);
    the test is skipped where it cannot be mounted (`instead`: the test that covers it then)."""
    os.makedirs(mount)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (not root); {instead}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    """A real 80 MiB tmpfs, filled until just above training.MIN_FREE_BYTES (64 MiB) is free: the
    first grids and log lines fill it."""
    import training
    with tmpfs(tmp_path / "small", "80m", "test_model.py injects ENOSPC instead") as mount:
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        with open(mount / "filler", "wb") as f:
            f.write(b"\0" * (free - training.MIN_FREE_BYTES - 200 * 1024))
        yield mount


def test_a_disk_filling_up_stops_training_with_a_checkpoint_and_one_line(tmp_path, small_disk):
    result = run_main(["--dataset=mnist", "--train", f"--data_dir={DATA}", "--batch_size=16", "--epoch=100",
                       f"--sample_dir={small_disk}/samples", f"--logs_dir={small_disk}/logs", "--sample_freq=1"],
                      tmp_path)
    assert_one_line_error(result, r"the disk holding .*small/.* is almost full \(\d+ MiB free, 64 MiB needed "
                                  r"to go on\): stopped after saving the checkpoint at iteration (\d+); "
                                  r"free some space")
    step = int(re.search(r"at iteration (\d+)", result.stderr).group(1))
    assert f"DCGAN.model-{step}.index" in os.listdir(tmp_path / "checkpoint" / "mnist_28_28")
    resumed = run_main(["--dataset=mnist", "--train", f"--data_dir={DATA}", "--batch_size=16",
                        "--train_size=64", f"--epoch={step // 4 + 1}"], tmp_path)
    assert resumed.returncode == 0 and f"resuming at iteration {step}" in resumed.stdout, resumed.stderr


def test_a_disk_too_small_for_the_checkpoint_is_one_line_and_leaves_nothing_half_written(tmp_path):
    """A real 20 MiB tmpfs as --checkpoint_dir, where the MNIST network's checkpoint (130 MB) cannot
    fit: one line (TensorFlow's own message carries the graph's "defined at" trace: 17 lines), and
    nothing of the save is left there."""
    with tmpfs(tmp_path / "tiny", "20m", "test_checkpoints.py gives TensorFlow's message instead") as mount:
        result = run_main(["--dataset=mnist", "--train", f"--data_dir={DATA}", "--train_size=64", "--epoch=1",
                           f"--checkpoint_dir={mount}"], tmp_path)
        assert_one_line_error(result, r"could not save checkpoint .*tiny/mnist_28_28/DCGAN.model-1 \(.*\); "
                                      r"the previous checkpoint is intact")
        assert sorted(os.listdir(mount / "mnist_28_28")) == [".lock"]
