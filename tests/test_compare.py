"""biggan/compare.py (over evaluation/comparison.py) end to end on two tiny MNIST runs: the report
and its numbers, bad input.

The two models train for 4 iterations each, so their samples are noise: the tests check that
every number is computed and sane (finite, accuracies in [0, 1], real data beating both
models), not that a model is good.
"""
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from absl import flags as absl_flags

import cli
import runs
import tiny_inception
from biggan import compare
from evaluation import analysis, comparison, figures, report as report_writer, samples, train_classifier
from evaluation import classifier as classifier_module
from evaluation.classifier import default_path
from test_main import our_stderr_lines, quiet_env
from errors import LabError
from training import read_loss_log
from files import read_json, write_json

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "data")
DCGAN_TINY = ["--batch_size=16", "--train_size=64", "--epoch=1"]
BIGGAN_TINY = ["--ch=4", "--shared_dim=8", "--z_dim=12", "--batch_size=8", "--train_size=64", "--epoch=1"]


def parsed(define_flags, argv):
    """argv parsed by a script's own flag definitions (define_flags) into a fresh set of flags."""
    values = absl_flags.FlagValues()
    define_flags(FlagDefinitions(values))
    values(["script"] + list(argv))
    return values


def settings(argv):
    """compare.py's flags -> the comparison's Settings, as compare.py's main makes them."""
    values = parsed(compare.define_flags, argv)
    return comparison.Settings(**{f.name: values[f.name].value for f in comparison.fields()})


def environment(cwd):
    """One BLAS thread: on two busy cores OpenBLAS's spinning threads make KID's small matrix
    products many times slower. (cwd has no data/inception/, so no Inception numbers.)"""
    return dict(quiet_env(), OPENBLAS_NUM_THREADS="1")


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
    for run in ("mnist_28_28", "biggan_mnist_28_28"):
        record_handout_data(cwd / "checkpoint" / run)
    return cwd


def record_handout_data(folder):
    """What the tiny runs trained on, in the record main.py writes: the handout's default MNIST
    (train + t10k). Only added where the training script did not write it already."""
    config = read_json(folder / "config.json")
    config.setdefault("data", {"dataset": "mnist", "split": "all", "classes": [], "attribute": None,
                               "num_images": 70000})
    write_json(str(folder / "config.json"), config)


@pytest.fixture(scope="module")
def report(trained):
    rc, stdout, stderr = run_compare(trained, "--num_samples=200")
    assert rc == 0, stderr
    assert our_stderr_lines(stderr) == [], stderr  # no "Restoring parameters", no deprecation note
    return trained / "report" / "mnist_28_28", stdout


def test_compare_writes_the_whole_report(report):
    folder, stdout = report
    assert sorted(os.listdir(folder)) == ["classes.png", "losses.png", "metrics.json", "per_class.png",
                                          "report.html", "report.md"]
    assert "| DCGAN |" in stdout and "Report: report/mnist_28_28/report.md" in stdout
    assert os.listdir(folder.parent) == ["mnist_28_28"]  # nothing else: no temporary folder left
    skipped = ("Inception FID, KID and IS left out: no Inception graph at "
               "data/inception/classify_image_graph_def.pb; run `python download.py inception`")
    assert skipped in stdout
    text = (folder / "report.md").read_text()
    for part in ("# DCGAN vs BigGAN on mnist", "| DCGAN |", "| BigGAN |",
                 "| real train (no floor: reference seen) |",
                 "test accuracy 99.33%", skipped, "## Analysis: who wins", "## Conclusion", "](classes.png)", "](losses.png)"):
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


def test_a_report_from_two_short_runs_declares_no_winner(report):
    """The tiny runs (4 iterations each) draw noise: the report must say so first and crown nobody."""
    folder, stdout = report
    metrics = json.loads((folder / "metrics.json").read_text())
    short = [c for c in metrics["checks"] if c["kind"] == "short run"]
    assert [c["model"] for c in short] == ["DCGAN", "BigGAN"] and short[0]["blocks"] == ["all"]
    lines = (folder / "report.md").read_text().splitlines()
    assert lines[4] == "> Warning: no winner is declared on any measure, because:"
    assert lines[6].startswith("> - the DCGAN trained only 4 iterations")
    assert lines[7].startswith("> - the BigGAN trained only 4 iterations")
    calls = analysis.winners(metrics)
    assert calls and set(calls.values()) <= {analysis.NOISE, analysis.NOT_CALLED}, calls
    assert " wins (" not in "\n".join(lines) and " [!] Warning: no winner" in stdout
    for key in ("fid", "score", "class_accuracy", "precision", "recall"):
        assert metrics["dcgan"][key + "_std"] >= 0 and metrics["real"][key + "_std"] >= 0, key


def one_line_error(rc, stderr):
    lines = our_stderr_lines(stderr)
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def test_missing_checkpoint_is_a_one_line_error(trained):
    line = one_line_error(*run_compare(trained, "--dcgan_dir=nowhere", "--report_dir=unused")[::2])
    assert "no trained DCGAN in nowhere" in line
    assert f"train it first: {shlex.join(['python', 'main.py', '--dataset', 'mnist', '--data_dir', DATA])} " \
        "--train --mnist_split train, or pass --dcgan_dir" in line


def test_models_of_different_datasets_are_refused(trained, tmp_path):
    copy = tmp_path / "mnist_28_28"
    shutil.copytree(trained / "checkpoint" / "mnist_28_28", copy)
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps(dict(config, dataset="cifar10")))
    line = one_line_error(*run_compare(trained, f"--dcgan_dir={copy}", "--report_dir=unused")[::2])
    assert "different tasks: dataset cifar10 vs mnist" in line


def test_fewer_samples_than_features_is_a_one_line_error(trained):
    line = one_line_error(*run_compare(trained, "--num_samples=50", "--report_dir=small")[::2])
    assert "N=50 samples of d=128 features" in line
    assert not os.path.exists(trained / "small")


def test_unknown_dataset(tmp_path):
    with pytest.raises(LabError, match="unknown dataset 'planes'"):
        comparison.resolve_defaults(settings(["--dataset=planes", f"--data_dir={tmp_path}"]))


def test_default_folders_follow_the_training_scripts():
    args = comparison.resolve_defaults(settings(
        ["--dataset=cifar10", "--classes=airplane, automobile", "--conditional"]))
    assert args.dcgan_dir == os.path.join("checkpoint", "cifar10-airplane-automobile_32_32_cond")
    assert args.biggan_dir == os.path.join("checkpoint", "biggan_cifar10-airplane-automobile_32_32_cond")
    assert args.report_dir == os.path.join("report", "cifar10-airplane-automobile_32_32_cond")
    assert args.classes == "airplane,automobile"  # '--classes a, b' works as in main.py
    assert args.classifier.endswith(os.path.join("evaluation", "classifiers", "cifar10.npz"))


# ----------------------------------------------------------------------------- suggested commands

class FlagDefinitions(object):
    """absl's DEFINE_* functions writing into one FlagValues, so cli.define_common_flags can be
    run on a fresh set of flags (main.py runs it on absl's global one)."""

    def __init__(self, values):
        self.values = values

    def __getattr__(self, name):
        define = getattr(absl_flags, name)
        return lambda *args, **kwargs: define(*args, flag_values=self.values, **kwargs)


def parse_training_command(command, model_name):
    """A suggested `python main.py ...` command's flags, parsed by the real definitions and
    checked as main.py checks them (an unknown flag or a bad value raises)."""
    argv = shlex.split(command)
    assert argv[:2] == ["python", runs.PROGRAMS[model_name]], command
    values = absl_flags.FlagValues()
    cli.define_common_flags(FlagDefinitions(values))
    values(argv[1:])
    cli.resolve_defaults(values)
    cli.validate(values, argv[1:2], model_name)
    return values


COMMAND_CASES = {  # compare.py's flags -> the run folder its commands must train, the image size
    "mnist": (["--dataset=mnist"], "mnist_28_28_train60k", 28),
    "cifar10": (["--dataset=cifar10", "--classes=airplane, automobile", "--conditional"],
                "cifar10-airplane-automobile_32_32_cond", 32),
    "folder": (["--dataset=cars", "--data_dir=my data", "--input_fname_pattern=*.png",
                "--output_size=32", "--classifier=my cars.npz"], "cars_32_32", 32),
}


@pytest.mark.parametrize("case", sorted(COMMAND_CASES))
def test_every_suggested_command_is_complete(case, tmp_path, monkeypatch):
    """Each command compare.py suggests parses with the scripts' own flags and trains exactly
    the run (or the classifier) that compare.py then reads."""
    flags, run, size = COMMAND_CASES[case]
    monkeypatch.chdir(tmp_path)
    os.makedirs(os.path.join("my data", "cars"))
    args = comparison.resolve_defaults(settings(flags))
    for kind, prefix in (("DCGAN", ""), ("BigGAN", "biggan_")):
        values = parse_training_command(samples.train_command(kind, args), kind)
        assert values.train and os.path.basename(cli.run_folders(values, kind).checkpoint) == prefix + run
        assert (values.data_dir, values.input_fname_pattern) == (args.data_dir, args.input_fname_pattern)
    os.makedirs(os.path.join("checkpoint", run))  # once trained, compare.py reads that run
    assert os.path.basename(comparison.resolve_defaults(settings(flags)).dcgan_dir) == run
    argv = shlex.split(samples.classifier_command(args, size))
    assert argv[:2] == ["python", "evaluation/train_classifier.py"]
    made = parsed(train_classifier.define_flags, argv[2:])
    assert (made.dataset, made.output_size, made.data_dir) == (args.dataset, size, args.data_dir)
    assert runs.parse_classes(made.classes) == runs.parse_classes(args.classes)
    assert os.path.abspath(made.out or default_path(args.dataset)) == os.path.abspath(args.classifier)
    assert made.input_fname_pattern == args.input_fname_pattern


def test_the_classifier_compare_suggests_is_the_readmes(tmp_path, monkeypatch):
    """One truth for the evaluation classifier: the command compare.py suggests for the README's own
    route is the README's command, character for character (both languages), and it trains as many
    epochs as the README's accuracy figures assume (15 for colour photos, 5 for MNIST's digits)."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.chdir(tmp_path)
    os.makedirs(os.path.join("data", "planes_cars", "airplane"))
    os.makedirs(os.path.join("checkpoint", "planes_cars_32_32_cond"))
    args = comparison.resolve_defaults(settings(["--dataset=planes_cars", "--conditional"]))
    command = samples.classifier_command(args, 32)
    assert command == "python evaluation/train_classifier.py --dataset planes_cars --output_size 32"
    for readme in ("README.md", "README.zh-CN.md"):
        with open(os.path.join(repo, readme), encoding="utf-8") as f:
            assert command + "\n" in f.read()
    assert parsed(train_classifier.define_flags, shlex.split(command)[2:]).epochs is None
    assert classifier_module.default_epochs(np.zeros((2, 32, 32, 3))) == 15
    assert classifier_module.default_epochs(np.zeros((2, 28, 28, 1))) == 5


def test_a_missing_classifier_names_the_command_for_this_image_size(tmp_path):
    args = comparison.resolve_defaults(settings(
        ["--dataset=cifar10", "--classes=airplane,automobile", "--conditional",
         f"--classifier={tmp_path / 'planes.npz'}"]))
    train = SimpleNamespace(images=np.zeros((4, 32, 32, 3), np.uint8), labels=np.array([0, 1, 0, 1]),
                            class_names=["airplane", "automobile"])
    with pytest.raises(LabError, match=r"train it with: python evaluation/train_classifier.py --dataset "
                                       r"cifar10 --classes airplane,automobile --output_size 32 --out "):
        comparison.open_classifier(args, train, conditional=True)


def test_a_classifier_for_other_images_is_refused_with_the_right_command():
    args = comparison.resolve_defaults(settings(["--dataset=mnist", "--classes=3, 7"]))
    other_size = SimpleNamespace(images=np.zeros((4, 32, 32, 1), np.uint8), labels=np.array([0, 1, 0, 1]),
                                 class_names=["3", "7"])
    with pytest.raises(LabError, match=r"takes images of 28x28x1, not 32x32x1; train one for these "
                                       r"images with: python evaluation/train_classifier.py --dataset mnist "
                                       r"--classes 3,7 --output_size 32"):
        comparison.open_classifier(args, other_size, conditional=True)


def test_a_missing_loss_log_skips_its_curve(trained, tmp_path):
    log = read_loss_log(trained / "logs" / "biggan_mnist_28_28" / "losses.csv")
    figures.save_loss_curves(str(tmp_path / "losses.png"), {"DCGAN": None, "BigGAN": log})
    assert Image.open(tmp_path / "losses.png").size[0] > 500


def test_the_report_says_when_a_loss_log_is_missing(report, tmp_path):
    metrics = json.loads((report[0] / "metrics.json").read_text())
    setup = dict(metrics.pop("setup"), missing_loss_logs={"DCGAN": "logs/mnist_28_28/losses.csv"})
    report_writer.write_report(str(tmp_path / "report.md"), setup, metrics)
    assert "no loss log for the DCGAN (`logs/mnist_28_28/losses.csv` is missing)" in \
        (tmp_path / "report.md").read_text()


def test_a_broken_config_json_is_one_line_not_a_traceback(tmp_path):
    (tmp_path / "config.json").write_text("{half a json")
    args = SimpleNamespace(dataset="mnist", classes="", conditional=False, output_size=28)
    with pytest.raises(LabError, match=r"config.json is not valid JSON"):
        samples.read_run_config(str(tmp_path), "DCGAN", args)


def test_a_second_comparison_into_the_same_folder_is_refused_before_any_work(report, monkeypatch):
    monkeypatch.chdir(report[0].parent.parent)  # the tiny runs' folder: its report/mnist_28_28 exists
    with pytest.raises(LabError, match=r"^report/mnist_28_28 already holds a report; pass --overwrite "
                                       r"to replace it, or choose another --report_dir$"):
        comparison.run(settings(["--dataset=mnist", f"--data_dir={DATA}", "--num_samples=200"]))


def test_a_folder_with_other_files_is_never_replaced(tmp_path):
    (tmp_path / "report.md").write_text("an old report")
    (tmp_path / "notes.txt").write_text("a student's notes")
    with pytest.raises(LabError, match=r"holds files that are not part of a report \(notes.txt\)"):
        comparison.check_report_dir(str(tmp_path), overwrite=True)
    (tmp_path / "notes.txt").unlink()
    comparison.check_report_dir(str(tmp_path), overwrite=True)  # only a report's files: replaceable


def test_report_dir_is_checked_before_any_work_and_nothing_is_created(tmp_path):
    (tmp_path / "a_file").write_text("")
    with pytest.raises(LabError, match=r"cannot write the report to .*a_file/report .*--report_dir"):
        comparison.check_report_dir(str(tmp_path / "a_file" / "report"))
    comparison.check_report_dir(str(tmp_path / "new" / "report"))  # creatable: fine, and not made yet
    assert not os.path.exists(tmp_path / "new")
    with pytest.raises(LabError, match=r"cannot write the report to .*a_file \(.*is a file, not a folder\)"):
        comparison.check_report_dir(str(tmp_path / "a_file"), overwrite=True)


# ----------------------------------------------------------------------------- held out, Inception

@pytest.fixture(scope="module")
def tiny_graph(trained):
    return tiny_inception.write_tiny_graph(str(trained / "tiny_inception.pb"))


@pytest.fixture(scope="module")
def held_out_report(trained, tiny_graph):
    """The tiny runs with records that say "train split only" (what --mnist_split train writes),
    compared with the tiny Inception graph."""
    for run in ("mnist_28_28", "biggan_mnist_28_28"):
        copy = trained / "held_out" / run
        shutil.copytree(trained / "checkpoint" / run, copy)
        config = read_json(copy / "config.json")
        config["data"] = dict(config["data"], split="train", num_images=60000)
        write_json(str(copy / "config.json"), config)
    rc, stdout, stderr = run_compare(trained, "--num_samples=200", "--report_dir=report_held_out",
                                     "--dcgan_dir=held_out/mnist_28_28",
                                     "--biggan_dir=held_out/biggan_mnist_28_28",
                                     f"--inception_graph={tiny_graph}")
    assert rc == 0, stderr
    return trained / "report_held_out", stdout


def test_the_report_opens_with_the_held_out_verdict(report, held_out_report):
    seen = (report[0] / "report.md").read_text().splitlines()[2]
    assert seen.startswith("> Warning: the reference was seen in training: the DCGAN and the BigGAN "
                           "trained on MNIST train + t10k") and "--mnist_split train" in seen
    metrics = json.loads((report[0] / "metrics.json").read_text())
    assert metrics["reference_held_out"] is False and metrics["reference_note"] in seen
    held = (held_out_report[0] / "report.md").read_text()
    assert held.splitlines()[2].startswith("> Reference held out: the DCGAN and the BigGAN trained on "
                                           "the mnist train split only")
    assert "| real train (floor) |" in held
    assert json.loads((held_out_report[0] / "metrics.json").read_text())["reference_held_out"] is True


def test_inception_numbers_for_every_row_with_the_sample_count(held_out_report):
    folder, stdout = held_out_report
    metrics = json.loads((folder / "metrics.json").read_text())
    for row in ("dcgan", "biggan", "real"):
        for key in ("inception_fid", "inception_kid_mean", "inception_is_mean"):
            assert math.isfinite(metrics[row][key]), (row, key)
        for key in ("inception_precision", "inception_recall", "inception_coverage"):
            assert 0 <= metrics[row][key] <= 1
    assert metrics["real"]["inception_fid"] < min(metrics["dcgan"]["inception_fid"],
                                                  metrics["biggan"]["inception_fid"])
    text = (folder / "report.md").read_text()
    assert "### Inception features (standard)" in text and "### Classifier features: distance" in text
    assert "N = 200 images per row against 10,000 reference images; papers use N = 10,000 or 50,000" in text
    assert "Inception FID: no winner (DCGAN " in text and "Precision (Inception): " in text  # the analysis uses them
    assert "inception_fid_std" in metrics["dcgan"] and metrics["dcgan"]["inception_precision_std"] >= 0


# ----------------------------------------------------------------------------- unconditional faces

def write_faces(folder, n=200, size=32):
    """n small RGB images straight in folder/ (no class sub-folders, like a face folder)."""
    rng = np.random.RandomState(0)
    os.makedirs(folder)
    y, x = np.mgrid[:size, :size]
    for i in range(n):
        cy, cx, r = rng.randint(10, 22), rng.randint(10, 22), rng.randint(4, 9)
        face = ((y - cy) ** 2 + (x - cx) ** 2 < r * r)[..., None] * rng.randint(80, 255, 3)
        Image.fromarray(face.astype(np.uint8)).save(os.path.join(folder, f"{i:03d}.png"))


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    """Tiny unconditional DCGAN and BigGAN runs on a folder of 200 images without classes."""
    cwd = tmp_path_factory.mktemp("faces")
    write_faces(cwd / "data" / "faces")
    common = ["--dataset=faces", "--train", "--data_dir=data", "--input_fname_pattern=*.png",
              "--output_height=32", "--sample_freq=100"]
    runs = [start("main.py", common + DCGAN_TINY, cwd),
            start(os.path.join("biggan", "main.py"), common + BIGGAN_TINY, cwd)]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr
    return cwd


FACES = ["--dataset=faces", "--data_dir=data", "--input_fname_pattern=*.png", "--output_size=32",
         "--num_samples=60"]


def test_unconditional_faces_are_compared_with_inception_features_only(faces):
    graph = tiny_inception.write_tiny_graph(str(faces / "tiny_inception.pb"))
    folder = faces / "report" / "faces_32_32"
    os.makedirs(folder)  # an earlier, conditional report: its per_class.png must not survive
    for name in ("per_class.png", "report.md"):
        (folder / name).write_text("stale")
    rc, stdout, stderr = run_compare(faces, *FACES, f"--inception_graph={graph}", "--overwrite")
    assert rc == 0, stderr
    assert sorted(os.listdir(folder)) == ["classes.png", "losses.png", "metrics.json", "report.html",
                                          "report.md"]
    assert os.listdir(folder.parent) == ["faces_32_32"]
    metrics = json.loads((folder / "metrics.json").read_text())
    for row in ("dcgan", "biggan", "real"):
        assert "fid" not in metrics[row] and math.isfinite(metrics[row]["inception_kid_mean"])
    # the runs record that they trained on the folder's train part: every 10th image is held out
    assert metrics["setup"]["classifier"] is None and metrics["reference_held_out"] is True
    text = (folder / "report.md").read_text()
    assert "### Classifier features" not in text and "### Inception features (standard)" in text
    assert ("No classifier metrics: faces has no class sub-folders, so there is no class to "
            "recognise and no per-class metric.") in text
    assert "## Per class\n\nLeft out: faces has no class sub-folders" in text


def test_unconditional_faces_without_the_inception_graph_is_an_error_naming_the_download(
        faces, monkeypatch):
    monkeypatch.chdir(faces)  # no data/inception/ there (in-process: the error comes before any model)
    with pytest.raises(LabError) as error:
        comparison.run(settings(FACES + ["--report_dir=no_graph"]))
    assert str(error.value) == (
        "nothing to measure with: faces has no class sub-folders, so there is no class to "
        "recognise and no per-class metric, and there is no Inception graph at "
        "data/inception/classify_image_graph_def.pb; run: python download.py inception")
    assert not os.path.exists(faces / "no_graph")


def test_a_crafted_inception_graph_is_refused_before_anything_runs_it(faces, monkeypatch):
    monkeypatch.chdir(faces)  # in-process: the graph is read before any model
    marker = faces / "written_by_the_graph"
    graph = tiny_inception.file_writing_graph(str(faces / "crafted.pb"), marker)
    with pytest.raises(LabError, match=r"crafted.pb is refused, not imported: its node WriteFile "
                                       r"is a WriteFile op, which the Inception graph does not have"):
        comparison.run(settings(FACES + ["--report_dir=crafted_report", f"--inception_graph={graph}"]))
    assert not marker.exists() and not os.path.exists(faces / "crafted_report")


def test_loss_logs_are_read_before_scoring_and_bad_lines_only_left_out(tmp_path, capsys):
    """A damaged losses.csv (a byte that is not UTF-8, a row of words) costs its bad lines, said
    before anything is scored; a missing one is said too (compare.py used to fail after scoring)."""
    logs = tmp_path / "logs" / "mnist_28_28"
    logs.mkdir(parents=True)
    (logs / "losses.csv").write_bytes(b"step,epoch,d_loss,g_loss,seconds\n1,0,1.0,1.0,1.0\n2,0,\xff,x,2\n")
    args = comparison.Settings(logs_dir=str(tmp_path / "logs"), dcgan_dir="checkpoint/mnist_28_28",
                               biggan_dir="checkpoint/biggan_mnist_28_28")
    found = comparison.read_loss_logs(args)
    assert found["DCGAN"][0]["step"].tolist() == [1] and found["BigGAN"][0] is None
    out = capsys.readouterr().out
    assert "the DCGAN's loss log " + str(logs / "losses.csv") + " has 1 line(s) that are not numbers" in out
    assert "no loss log for the BigGAN" in out


def test_compare_takes_the_size_the_runs_were_trained_at(tmp_path, monkeypatch):
    """A route at 32 px needs no --output_size: compare finds the folder's one size; with runs at
    two sizes it names the flag that picks."""
    monkeypatch.chdir(tmp_path)
    for name in ("planes_cars_32_32_cond", "biggan_planes_cars_32_32_cond", "planes_cars_64_64"):
        os.makedirs(os.path.join("checkpoint", name))
    settings = comparison.Settings(dataset="planes_cars", conditional=True)
    assert comparison.trained_size(settings) == 32
    assert comparison.trained_size(comparison.Settings(dataset="other")) == 64  # none: the default
    os.makedirs(os.path.join("checkpoint", "planes_cars_48_48_cond"))
    with pytest.raises(LabError, match=r"planes_cars has DCGAN runs at 2 sizes \(32x32, 48x48\); pick one with "
                                       r"--output_size, e.g. --output_size 32"):
        comparison.trained_size(settings)
