"""bench/recipes.py: recipes are parsed strictly, training stops at a CPU-time budget and continues
from where it stopped, and a tiny budget on MNIST trains and scores both models end to end."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import checkpoints
import datasets
import runs
import training
from errors import LabError
from model import DCGAN

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))
import recipes  # noqa: E402

tf1 = tf.compat.v1


def test_a_recipe_is_a_model_and_typed_settings():
    assert recipes.parse_recipe("biggan ch=16 D_lr=2e-4 diffaug=color,cutout") == (
        "biggan", {"ch": 16, "D_lr": 2e-4, "diffaug": "color,cutout"})
    assert recipes.recipe_name("biggan", {"ch": 16, "diffaug": "color,cutout"}) == "biggan_ch16_diffaugcolor+cutout"
    assert recipes.parse_recipe("dcgan") == ("dcgan", {})


@pytest.mark.parametrize("text,message", [
    ("gan ch=1", "must start with dcgan or biggan"),
    ("dcgan ch=16", "'ch=16' is not a dcgan setting"),
    ("biggan ch", "'ch' is not a biggan setting; use key=value"),
    ("biggan ch=wide", "ch=wide is not an int"),
    ("biggan diffaug=blur", "unknown DiffAugment transform 'blur'"),
    ("dcgan precision=fp16", "precision must be one of fp32, bf16, mixed")])
def test_a_wrong_recipe_is_one_line_naming_it(text, message):
    with pytest.raises(LabError, match=message) as error:
        recipes.parse_recipe(text)
    assert "\n" not in str(error.value)


def test_check_points_end_at_the_budget():
    assert recipes.check_points(10.0, 4.0) == [4.0, 8.0, 10.0]
    assert recipes.check_points(10.0, 0.0) == [10.0]


def test_training_stops_at_the_cpu_budget_and_continues_from_there(sess, tmp_path):
    """The model's own loop (model.train) runs each stretch; the next one goes on from its checkpoint."""
    rng = np.random.RandomState(0)
    data = datasets.Dataset(rng.randint(0, 256, (16, 16, 16, 3), dtype=np.uint8), rng.randint(0, 2, 16), ["a", "b"])
    model = DCGAN(sess, output_height=16, output_width=16, y_dim=2, c_dim=3, batch_size=4, sample_num=4,
                  gf_dim=4, df_dim=4, model_dir="toys")
    folders = runs.folders("toys", *(str(tmp_path / part) for part in ("checkpoint", "samples", "logs")))
    budget = recipes.Budget()
    recipes.train_for(model, data, budget, folders, until_seconds=0.0, seed=0)
    assert budget.iterations == 0 and not os.path.exists(folders.checkpoint)  # a spent budget trains nothing
    recipes.train_for(model, data, budget, folders, 1e9, 0, max_iterations=5)  # 5 iterations: over an epoch
    assert budget.iterations == 5 and budget.cpu_seconds > 0
    assert checkpoints.checkpoint_steps(folders.checkpoint, "DCGAN") == [5]
    spent = budget.cpu_seconds
    recipes.train_for(model, data, budget, folders, until_seconds=spent + 0.05, seed=0)
    assert budget.iterations > 5 and budget.cpu_seconds >= spent + 0.05
    assert checkpoints.checkpoint_steps(folders.checkpoint, "DCGAN")[-1] == budget.iterations
    steps = training.read_loss_log(os.path.join(folders.logs, "losses.csv"))["step"]
    assert steps.tolist() == list(range(1, budget.iterations + 1))  # one curve, continued


def test_a_tiny_budget_trains_and_scores_both_models(tmp_path):
    """MNIST with the shipped classifier: each recipe trains 2 iterations, then 128 samples are
    scored against the held-out t10k digits; rows, results.jsonl and grids."""
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "bench", "recipes.py"), "--dataset=mnist",
         f"--data_dir={os.path.join(REPO, 'data')}", "--output_size=28", "--budget_minutes=10",
         "--max_iterations=2", "--samples=128", f"--out_dir={out}", "--recipe=dcgan batch_size=8",
         "--recipe=biggan ch=4 batch_size=8 num_D_steps=1 diffaug=translation"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "| real training images (128) |" in result.stdout
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [row["recipe"] for row in rows] == ["dcgan batch_size=8",
                                               "biggan ch=4 batch_size=8 num_D_steps=1 diffaug=translation"]
    for row in rows:
        assert row["iterations"] == 2 and 0 <= row["accuracy"] <= 1 and set(row["per_class"]) == set("0123456789")
        assert np.isfinite(row["fid"]) and row["fid"] > row["real_fid"] > 0
        assert os.path.exists(row["grid"])


def test_bad_flags_stop_before_tensorflow(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(REPO, "bench", "recipes.py"), "--dataset=mnist",
                             "--recipe=biggan lr=1"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.startswith("error: --recipe 'biggan lr=1'")
    assert "Traceback" not in result.stderr and "oneDNN" not in result.stderr
