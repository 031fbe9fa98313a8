"""The shape of the code a student reads (issue 25): what the handout's run loads, and which file may
import which.

- The handout's MNIST run, `python main.py --dataset mnist --train` and its test mode, loads at most
  14 of the lab's files and 3,000 lines; the extras (several GPUs, bf16, DiffAugment, image folders,
  memory checks, download checksums) only when a flag or the data asks for them.
- ops.py (the handout's layers) imports no file of the lab.
- Every import, those inside functions too, goes down the LAYERS below or sideways, never up, and
  no files import each other in a circle.
"""
import ast
import json
import os
import re
import subprocess
import sys

import pytest

from test_main import DATA, REPO, quiet_env

# Each file of the lab (not tests/) and its layer: a file imports files of its own layer or lower
# ones. A new file needs a place here, which is the point: where it sits says what it may use.
LAYERS = [
    ("nothing of the lab", ["errors", "ops", "checksums", "memory", "usage", "gpu_driver"]),
    ("bottom pieces", ["files", "runs", "precision", "tfstart", "diffaug", "mnist", "cifar10", "images",
                       "distribute", "biggan.architecture"]),
    ("helpers", ["transport", "folder_cache", "utils", "checkpoints", "training"]),
    ("helpers of helpers", ["image_folders", "sampling", "colour_network", "biggan.ops"]),
    ("the data", ["datasets"]),
    ("the models", ["model", "biggan.model"]),
    ("above the models", ["testmode"]),
    ("libraries of the scripts", ["cli", "evaluation.metrics", "evaluation.inception", "evaluation.heldout",
                                  "evaluation.analysis", "evaluation.report", "evaluation.figures",
                                  "evaluation.classifier", "evaluation.samples", "evaluation.scoring",
                                  "evaluation.comparison", "evaluation.words", "evaluation.words_zh",
                                  "explorer.scene", "explorer.catalog", "explorer.pool",
                                  "explorer.server", "bench.train_speed"]),  # (gpu_check's timings)
    ("entry scripts (nothing imports them)", ["main", "biggan.main", "biggan.compare", "explore", "download",
                                              "evaluation.train_classifier", "bench.explore_latency",
                                              "bench.folder_cache", "bench.kill_resume", "bench.recipes",
                                              "bench.gpu_check", "bench.uncertainty_cost"]),
]
LAYER = {name: level for level, (_, names) in enumerate(LAYERS) for name in names}
PACKAGES = {"biggan", "evaluation", "explorer"}  # their __init__.py files hold nothing


def lab_files():
    """{module name: path} of every Python file of the lab outside tests/."""
    found = {}
    for folder, subfolders, files in os.walk(REPO):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in ("tests", "__pycache__", "data")]
        for name in files:
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, name), REPO)[:-3]
                found[rel.replace(os.sep, ".").removesuffix(".__init__")] = os.path.join(folder, name)
    return found


def imports_of(path, modules):
    """The lab modules a file imports anywhere in it (inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            if name in modules:
                found.add(name)
            elif name.rsplit(".", 1)[0] in modules and name.rsplit(".", 1)[0] not in PACKAGES:
                found.add(name.rsplit(".", 1)[0])  # from runs import Folders
    return found - PACKAGES


@pytest.fixture(scope="module")
def graph():
    modules = lab_files()
    return {name: imports_of(path, modules) for name, path in modules.items() if name not in PACKAGES}


def test_every_file_has_a_layer(graph):
    assert sorted(set(graph) - set(LAYER)) == [], "give each new file its place in LAYERS"
    assert sorted(set(LAYER) - set(graph)) == [], "LAYERS names a file that is gone"


def test_ops_imports_no_file_of_the_lab(graph):
    assert graph["ops"] == set()


def test_no_file_imports_one_above_it(graph):
    upward = [f"{name} ({LAYERS[LAYER[name]][0]}) imports {other} ({LAYERS[LAYER[other]][0]})"
              for name, imported in sorted(graph.items()) for other in sorted(imported)
              if LAYER[other] > LAYER[name]]
    assert upward == []


def test_no_files_import_each_other_in_a_circle(graph):
    """Depth-first search for a path back to where it started (imports inside functions count)."""
    def cycle_from(start):
        stack = [(start, [start])]
        while stack:
            name, path = stack.pop()
            for other in graph[name]:
                if other == start:
                    return path + [start]
                if other not in path and len(path) < len(graph):
                    stack.append((other, path + [other]))
        return None
    cycles = [" -> ".join(cycle) for cycle in map(cycle_from, sorted(graph)) if cycle]
    assert cycles == []


# ----------------------------------------------------------------------------- what the handout's run loads

RECORDER = """
import atexit, json, os, runpy, sys
repo, out, script = sys.argv[1:4]
def record():
    found = {}
    for module in list(sys.modules.values()):
        path = os.path.abspath(getattr(module, "__file__", None) or "/")
        rel = os.path.relpath(path, repo)
        if path.startswith(repo + os.sep) and not rel.startswith(".") and path.endswith(".py") \
                and os.path.getsize(path):  # the lab's files (not its .venv), empty __init__.py left out
            found[rel] = sum(1 for _ in open(path, encoding="utf-8"))
    json.dump(found, open(out, "w"))
atexit.register(record)
sys.argv = [os.path.join(repo, script)] + sys.argv[4:]
sys.path[0] = os.path.dirname(sys.argv[0])
runpy.run_path(sys.argv[0], run_name="__main__")
"""
MAX_MODULES, MAX_LINES = 14, 3000
# What the handout's one-device fp32 run never needs: each is loaded by its flag or its data alone.
EXTRAS = {"distribute.py", "precision.py", "diffaug.py", "memory.py", "folder_cache.py", "image_folders.py",
          "images.py", "checksums.py", "cifar10.py", "colour_network.py", "usage.py"}


def loaded_by(tmp_path, label, *args):
    """{lab file: lines} that `python main.py args` loads (recorded at its exit), and its result."""
    out = tmp_path / f"{label}.json"
    result = subprocess.run([sys.executable, "-c", RECORDER, REPO, str(out), "main.py", *args], cwd=tmp_path,
                            env=quiet_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text()), result


def test_the_handouts_run_loads_at_most_14_files_and_3000_lines(tmp_path):
    trained, _ = loaded_by(tmp_path, "train", "--dataset=mnist", "--train", "--epoch=1", "--train_size=128",
                           f"--data_dir={DATA}")
    tested, result = loaded_by(tmp_path, "test", "--dataset=mnist", f"--data_dir={DATA}")
    assert "wrote samples/mnist_28_28/test_random.png" in result.stdout
    for run, files in (("train", trained), ("test mode", tested)):
        shown = f"{run}: {len(files)} files, {sum(files.values())} lines: {sorted(files.items(), key=lambda f: -f[1])}"
        assert len(files) <= MAX_MODULES and sum(files.values()) <= MAX_LINES, shown
        assert sorted(EXTRAS & set(files)) == [], shown
    assert {"main.py", "model.py", "ops.py", "utils.py"} <= set(trained) & set(tested)  # the handout's files
    assert "testmode.py" not in trained and "mnist.py" not in tested  # each mode loads its own part
    assert "training.py" not in tested  # test mode samples: the training loop's bookkeeping stays out


@pytest.mark.parametrize("readme,heading", [("README.md", "## Reading order"), ("README.zh-CN.md", "## 阅读顺序")])
def test_the_reading_order_names_real_files_with_their_lines(readme, heading):
    """Each file the README's reading order names exists, with about the lines it says (within
    10%: a line added here or there needs no README change, a reshaping does)."""
    text = open(os.path.join(REPO, readme), encoding="utf-8").read()
    section = text.split(heading + "\n", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`([\w/]+\.py)` \((\d+)\)", section)
    assert len(named) >= 15
    for path, lines in named:
        actual = sum(1 for _ in open(os.path.join(REPO, path), encoding="utf-8"))
        assert abs(actual - int(lines)) <= max(10, int(lines) // 10), f"{readme}: {path} has {actual} lines, not {lines}"
