"""Every command README.md and README.zh-CN.md print, run as printed.

The commands are read from the READMEs themselves (the ```bash blocks, one command a line, and
the inline `python ...` commands of the prose), so a command added to a README is a command
tested. Each runs verbatim in a folder that looks like the lab's root, with
GAN_LAB_CHECK_ONLY=1: every check the command makes before its real work (its flags, its data,
its folders, a run's config.json, the classifier and the Inception graph it will measure with)
runs for real, then it stops. (Training them for real takes hours: tests/test_handout.py and
test_main.py run the same code to the end on tiny settings.) The data the commands name is there
in small: the real MNIST, fake CIFAR-10 batches, a fake CelebA and planes_cars folder, the
runs test mode and compare.py read (their config.json), a tiny classifier and Inception graph.
Commands that need the internet (downloads) run their checks too and stop before downloading.
The install and test commands are what .ci/run runs, verbatim.
"""
import os
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import runs
import tiny_inception
from test_main import quiet_env

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READMES = ("README.md", "README.zh-CN.md")
RUN_BY_CI = ("python3 -m venv", ". .venv/bin/activate", "pip install", "python -m pytest",
             "TF_ENABLE_ONEDNN_OPTS=0 python -m pytest")


def readme_commands(text):
    """The commands a README prints: each line of a ```bash block (a trailing `# comment` and
    blank lines dropped), and inline `...` code in the prose that starts a command."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                found.append(line)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for code in re.findall(r"`([^`]+)`", prose):  # a span may wrap onto the next line
        code = " ".join(code.split())
        if re.match(r"(python |GAN_LAB_\w+=1 python |tensorboard )", code):
            found.append(code)
    return found


def all_commands():
    commands = []
    for name in READMES:
        with open(os.path.join(REPO, name), encoding="utf-8") as f:
            commands += readme_commands(f.read())
    return list(dict.fromkeys(commands))  # each command once, in the order printed


def test_both_readmes_print_the_same_commands():
    english, chinese = (set(readme_commands(open(os.path.join(REPO, n), encoding="utf-8").read()))
                        for n in READMES)
    assert english == chinese, (english ^ chinese)


def test_the_install_and_test_commands_are_what_ci_runs():
    ci = open(os.path.join(REPO, ".ci", "run")).read()
    for command in all_commands():
        if command.startswith(RUN_BY_CI):
            assert command in ci, f"{command!r} is printed in a README but .ci/run does not run it"


def github_anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped (CJK kept), spaces -> -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("name", READMES)
def test_every_link_in_a_readme_leads_somewhere(name):
    """#anchors name a heading of the same file; file links name a file of the repository."""
    with open(os.path.join(REPO, name), encoding="utf-8") as f:
        text = f.read()
    anchors = {github_anchor(h) for h in re.findall(r"^#+ (.*)$", re.sub(r"```.*?```", "", text, flags=re.S), re.M)}
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith("#"):
            assert target[1:] in anchors, f"{name}: no heading for the link {target}"
        elif not target.startswith(("http://", "https://")):
            assert os.path.exists(os.path.join(REPO, target)), f"{name}: the link {target} names no file"


# ----------------------------------------------------------------------------- the lab folder

def lab_folder(root):
    """A folder that looks like the lab's root: links to the repository's scripts and modules
    (evaluation/ as a folder of links, so a classifier written there stays in the test folder),
    and a data/ folder of its own."""
    for name in os.listdir(REPO):
        if name.startswith(".") or name in ("checkpoint", "samples", "logs", "report", "tests", "data",
                                            "evaluation"):
            continue
        os.symlink(os.path.join(REPO, name), root / name)
    os.makedirs(root / "evaluation" / "classifiers")
    for name in os.listdir(os.path.join(REPO, "evaluation")):
        if name not in ("classifiers", "__pycache__"):
            os.symlink(os.path.join(REPO, "evaluation", name), root / "evaluation" / name)
    for name in os.listdir(os.path.join(REPO, "evaluation", "classifiers")):
        os.symlink(os.path.join(REPO, "evaluation", "classifiers", name), root / "evaluation" / "classifiers" / name)
    os.makedirs(root / "data")
    os.symlink(os.path.join(REPO, "data", "mnist"), root / "data" / "mnist")
    os.makedirs(root / "old_runs")  # explore.py --checkpoint_dir old_runs


def fake_cifar10(data):
    """data/cifar10/cifar-10-batches-py: 20 images per class in each batch."""
    import pickle
    folder = data / "cifar10" / "cifar-10-batches-py"
    os.makedirs(folder)
    rng = np.random.RandomState(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.randint(0, 255, (200, 3072)).astype(np.uint8), b"labels": list(range(10)) * 20}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)


def fake_folders(data):
    """data/planes_cars (two classes, 32 px JPEGs: enough for one BigGAN iteration of 128) and
    data/celebA (faces of 178x218 and the attributes file)."""
    rng = np.random.RandomState(0)
    for cls in ("airplane", "automobile"):
        os.makedirs(data / "planes_cars" / cls)
        for i in range(80):
            Image.fromarray(rng.randint(0, 255, (32, 32, 3)).astype(np.uint8)).save(
                data / "planes_cars" / cls / f"{i}.jpg")
    os.makedirs(data / "celebA")
    from test_image_folders import ATTRIBUTES
    rows = []
    for i in range(1, 201):
        Image.fromarray(rng.randint(0, 255, (218, 178, 3)).astype(np.uint8)).save(data / "celebA" / f"{i:06d}.jpg")
        rows.append(f"{i:06d}.jpg  " + " ".join("1" if (i + k) % 2 else "-1" for k in range(40)))
    (data / "celebA" / "list_attr_celeba.txt").write_text("\n".join(["200", " ".join(ATTRIBUTES)] + rows) + "\n")


def run_record(root, name, architecture, data):
    """A run as test mode and compare.py read it before loading anything: its config.json."""
    folder = root / "checkpoint" / name
    os.makedirs(folder)
    training = {"iterations": 1000, "seconds": 600.0, "images_per_second": 100.0}
    import json
    (folder / "config.json").write_text(json.dumps(runs.config_json(architecture, data, training, 64)))


def the_runs(root):
    """The runs the READMEs' test-mode and comparison commands read."""
    digits = [str(d) for d in range(10)]
    mnist = dict(dataset_name="mnist", c_dim=1, class_names=digits)
    dcgan = lambda size, c, y, names, network, dataset: runs.DCGANArchitecture(  # noqa: E731
        dataset, size, size, c, 100, y, names, network)
    biggan = lambda size, c, n, names, dataset: runs.BigGANArchitecture(dataset, size, c, n, names, 120, 16, 128, 0)  # noqa: E731
    pc = ["airplane", "automobile"]
    record = lambda dataset, split, **kw: dict({"dataset": dataset, "split": split, "num_images": 60000}, **kw)  # noqa: E731
    for suffix, split in (("", "all"), ("_train60k", "train")):
        run_record(root, f"mnist_28_28{suffix}", dcgan(28, 1, 10, digits, "mnist_conditional", "mnist"),
                   record("mnist", split))
        run_record(root, f"biggan_mnist_28_28{suffix}", biggan(28, 1, 10, mnist["class_names"], "mnist"),
                   record("mnist", split))
    folder = record("planes_cars", "train", holdout_rule="sha1(path in the folder) % 10 == 0")
    run_record(root, "planes_cars_32_32_cond", dcgan(32, 3, 2, pc, "colour_conditional", "planes_cars"), folder)
    run_record(root, "biggan_planes_cars_32_32_cond", biggan(32, 3, 2, pc, "planes_cars"), folder)
    for prefix, arch in (("", dcgan(32, 3, 2, pc, "colour_conditional", "cifar10")),
                         ("biggan_", biggan(32, 3, 2, pc, "cifar10"))):
        run_record(root, f"{prefix}cifar10-airplane-automobile_32_32_cond", arch, record("cifar10", "train"))
    faces = record("celebA", "train", crop=True, input_size=108, holdout_rule="sha1(path in the folder) % 10 == 0")
    run_record(root, "celebA_64_64", dcgan(64, 3, None, [], "unconditional", "celebA"), faces)
    run_record(root, "biggan_celebA_64_64", biggan(64, 3, 0, [], "celebA"), faces)


def classifiers_and_inception(root):
    """(Untrained) classifiers of planes and cars at 32 px, for the comparison of CIFAR-10's and
    for bench/recipes.py's scores on the folder, and the tiny stand-in for the Inception graph
    where download.py puts the real one."""
    from evaluation.classifier import Classifier
    for dataset in ("cifar10", "planes_cars"):
        classifier = Classifier((32, 32, 3), ["airplane", "automobile"], dataset)
        classifier.test_accuracy = 0.5
        classifier.save(str(root / "evaluation" / "classifiers" / f"{dataset}.npz"))
        classifier.close()
    os.makedirs(root / "data" / "inception")
    tiny_inception.write_tiny_graph(str(root / "data" / "inception" / "classify_image_graph_def.pb"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    lab_folder(root)
    fake_cifar10(root / "data")
    fake_folders(root / "data")
    the_runs(root)
    classifiers_and_inception(root)
    return root


# ----------------------------------------------------------------------------- the commands

def lab_commands():
    return [c for c in all_commands() if not c.startswith(RUN_BY_CI)]


def argv(command):
    """(environment additions, argv) of a command as printed: VAR=value words in front, then
    `python SCRIPT ...` with this test's Python."""
    words, env = shlex.split(command), {}
    while "=" in words[0] and not words[0].startswith("-"):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    if words[0] == "python":
        words[0] = sys.executable
    return env, words


@pytest.mark.parametrize("command", lab_commands(), ids=lambda command: command)
def test_a_readme_command_runs_as_printed(lab, command):
    env, words = argv(command)
    if words[0] == "tensorboard":
        return check_tensorboard(lab, words)
    environment = dict(quiet_env(), GAN_LAB_CHECK_ONLY="1", **env)
    result = subprocess.run(words, cwd=lab, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    if "--help" in words:  # help is the whole work of a help command
        assert "--helpfull" in result.stdout and "--dataset" in result.stdout, result.stdout
    else:
        assert "GAN_LAB_CHECK_ONLY: " in result.stdout, result.stdout
    assert "Traceback" not in result.stderr


def check_tensorboard(lab, words):
    """`tensorboard --logdir logs` starts and says where it serves (then it is stopped)."""
    import shutil
    executable = shutil.which("tensorboard") or os.path.join(os.path.dirname(sys.executable), "tensorboard")
    process = subprocess.Popen([executable] + words[1:] + ["--port", "0"], cwd=lab, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        for line in process.stdout:
            if "TensorBoard" in line and "http://" in line:
                break
        else:
            raise AssertionError("tensorboard ended without serving")
    finally:
        process.kill()
        process.wait()
