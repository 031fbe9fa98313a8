"""biggan/compare.py end to end on two tiny MNIST runs: the report and its numbers, bad input.

The two models train for 4 iterations each, so their samples are noise: the tests check that
every number is computed and sane (finite, accuracies in [0, 1], real data beating both
models), not that a model is good.
"""
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from biggan import compare
from test_main import our_stderr_lines, quiet_env
from errors import LabError
from training import read_loss_log

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "data")
DCGAN_TINY = ["--batch_size=16", "--train_size=64", "--epoch=1"]
BIGGAN_TINY = ["--ch=4", "--shared_dim=8", "--z_dim=12", "--batch_size=8", "--train_size=64", "--epoch=1"]


def environment(cwd):
    """No Keras cache in cwd (so no Inception FID), and one BLAS thread: on two busy cores
    OpenBLAS's spinning threads make KID's small matrix products many times slower."""
    return dict(quiet_env(),
                KERAS_HOME=str(cwd / "keras"), OPENBLAS_NUM_THREADS="1")


def start(script, args, cwd):
    return subprocess.Popen([sys.executable, os.path.join(REPO, script)] + args, cwd=cwd,
                            env=environment(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def run_compare(cwd, *args):
    process = start(os.path.join("biggan", "compare.py"), ["--dataset=mnist", f"--data_dir={DATA}"]
                    + list(args), cwd)
    stdout, stderr = process.communicate(timeout=300)
    return process.returncode, stdout, stderr


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny DCGAN and a tiny BigGAN on MNIST, trained side by side (their set-up is mostly
    single-threaded, so two processes overlap well)."""
    cwd = tmp_path_factory.mktemp("compare")
    common = ["--dataset=mnist", "--train", f"--data_dir={DATA}", "--sample_freq=100"]
    runs = [start("main.py", common + DCGAN_TINY, cwd),
            start(os.path.join("biggan", "main.py"), common + BIGGAN_TINY, cwd)]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr
    return cwd


@pytest.fixture(scope="module")
def report(trained):
    rc, stdout, stderr = run_compare(trained, "--num_samples=200")
    assert rc == 0, stderr
    return trained / "report", stdout


def test_compare_writes_the_whole_report(report):
    folder, stdout = report
    assert sorted(os.listdir(folder)) == ["classes.png", "losses.png", "metrics.json", "report.md"]
    assert "| DCGAN |" in stdout and "Report: report/report.md" in stdout
    skipped = "Inception FID skipped: no InceptionV3 weights (pass --inception_weights PATH)"
    assert skipped in stdout
    text = (folder / "report.md").read_text()
    for part in ("# DCGAN vs BigGAN on mnist", "| DCGAN |", "| BigGAN |", "| real train (floor) |",
                 "test accuracy 99.33%", skipped, "## Who wins", "](classes.png)", "](losses.png)"):
        assert part in text
    classes = np.asarray(Image.open(folder / "classes.png"))
    assert classes.shape[0] > 11 * 28 and classes.shape[1] > 20 * 28  # 1 real + 10 class rows, 2 x 10 columns


def test_metrics_are_finite_and_real_data_beats_both_models(report):
    metrics = json.loads((report[0] / "metrics.json").read_text())
    for row in ("dcgan", "biggan", "real"):
        for key in ("fid", "kid_mean", "kid_std", "score"):
            assert math.isfinite(metrics[row][key]), (row, key)
        assert 0 <= metrics[row]["class_accuracy"] <= 1 and 0 <= metrics[row]["worst_class_accuracy"] <= 1
        assert metrics[row]["inception_fid"] is None
    assert metrics["real"]["fid"] < min(metrics["dcgan"]["fid"], metrics["biggan"]["fid"])
    assert metrics["real"]["class_accuracy"] > 0.9  # the shipped classifier on real train digits
    for row in ("dcgan", "biggan"):
        assert metrics[row]["iterations"] == 4 and metrics[row]["sample_seconds_per_1000"] > 0
        assert metrics[row]["params_G"] > 0 and metrics[row]["params_D"] > 0
    assert metrics["setup"]["num_samples"] == 200 and metrics["setup"]["reference_images"] == 10000


def one_line_error(rc, stderr):
    lines = our_stderr_lines(stderr)
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def test_missing_checkpoint_is_a_one_line_error(trained):
    line = one_line_error(*run_compare(trained, "--dcgan_dir=nowhere")[::2])
    assert "no trained DCGAN in nowhere" in line and "python main.py --dataset mnist --train" in line


def test_models_of_different_datasets_are_refused(trained, tmp_path):
    copy = tmp_path / "mnist_28_28"
    shutil.copytree(trained / "checkpoint" / "mnist_28_28", copy)
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps(dict(config, dataset="cifar10")))
    line = one_line_error(*run_compare(trained, f"--dcgan_dir={copy}")[::2])
    assert "different tasks: dataset cifar10 vs mnist" in line


def test_fewer_samples_than_features_is_a_one_line_error(trained):
    line = one_line_error(*run_compare(trained, "--num_samples=50", "--report_dir=small")[::2])
    assert "N=50 samples of d=128 features" in line
    assert not os.path.exists(trained / "small")


def test_unknown_dataset(tmp_path):
    with pytest.raises(LabError, match="unknown dataset 'planes'"):
        compare.resolve_defaults(compare.parse_args(["--dataset=planes", f"--data_dir={tmp_path}"]))


def test_default_folders_follow_the_training_scripts():
    args = compare.resolve_defaults(compare.parse_args(
        ["--dataset=cifar10", "--classes=airplane,automobile", "--conditional"]))
    assert args.dcgan_dir == os.path.join("checkpoint", "cifar10-airplane-automobile_32_32_cond")
    assert args.biggan_dir == os.path.join("checkpoint", "biggan_cifar10-airplane-automobile_32_32_cond")
    assert args.classifier.endswith(os.path.join("evaluation", "classifiers", "cifar10.npz"))


def test_a_missing_loss_log_skips_its_curve(trained, tmp_path):
    log = read_loss_log(trained / "logs" / "biggan_mnist_28_28" / "losses.csv")
    compare.save_loss_curves(str(tmp_path / "losses.png"), {"DCGAN": None, "BigGAN": log})
    assert Image.open(tmp_path / "losses.png").size[0] > 500


def test_the_report_says_when_a_loss_log_is_missing(report, tmp_path):
    metrics = json.loads((report[0] / "metrics.json").read_text())
    setup = dict(metrics.pop("setup"), missing_loss_logs={"DCGAN": "logs/mnist_28_28/losses.csv"})
    compare.write_report(str(tmp_path / "report.md"), setup, metrics)
    assert "no loss log for the DCGAN (`logs/mnist_28_28/losses.csv` is missing)" in \
        (tmp_path / "report.md").read_text()
