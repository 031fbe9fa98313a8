"""runs.py: a run's name and folders, its config.json (written, read, checked), and from_run,
the one way a model is rebuilt from a run; checkpoints written before the code was reshaped
(tests/data/old_runs, made by the code that landed before issue 18) still load and sample."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import runs
from errors import LabError

tf1 = tf.compat.v1
OLD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "old_runs")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("args,name", [
    (("DCGAN", "mnist", 28), "mnist_28_28"),
    (("DCGAN", "mnist", 28, True, (), "", "train"), "mnist_28_28_train60k"),  # MNIST: always conditional
    (("BigGAN", "cifar10", 32, True, ["airplane", "automobile"]), "biggan_cifar10-airplane-automobile_32_32_cond"),
    (("DCGAN", "celebA", 64, True, (), "Smiling"), "celebA-Smiling_64_64_cond")])
def test_run_names(args, name):
    assert runs.run_name(*args) == name
    assert runs.folders(name, "ck", "sa", "lo") == (f"ck/{name}", f"sa/{name}", f"lo/{name}")


def test_an_architecture_goes_into_config_json_flat_and_comes_back():
    architecture = runs.DCGANArchitecture("toys", 32, 32, 3, 100, 2, ["a", "b"], "colour_conditional")
    config = json.loads(json.dumps(runs.config_json(architecture, {"split": "train"}, {"iterations": 3}, 64)))
    assert config["model"] == "DCGAN" and config["dataset"] == "toys" and config["output_activation"] == "tanh"
    assert config["data"] == {"split": "train"} and config["batch_size"] == 64
    assert runs.architecture_problem(config) is None
    assert runs.architecture_from_record(config) == architecture


@pytest.mark.parametrize("saved,network", [
    # saved before the colour network existed: a conditional DCGAN is MNIST's network
    ({"y_dim": 2, "c_dim": 3}, "mnist_conditional"), ({"c_dim": 3}, "unconditional"),
    ({"y_dim": 2, "c_dim": 3, "network": "colour_conditional"}, "colour_conditional")])
def test_an_old_config_json_names_the_handouts_networks(saved, network):
    config = dict({"model": "DCGAN", "dataset": "d", "output_height": 32, "output_width": 32, "z_dim": 100,
                   "class_names": []}, **saved)
    assert runs.architecture_from_record(config).network == network


@pytest.mark.parametrize("text,message", [("{not json", "is not valid JSON"),
                                          ('{"z_dim": 3}', "no 'model' key"),
                                          ('{"model": "DCGAN"}', r"is damaged \(it lacks output_height, "),
                                          ('{"model": "GPT"}', r"its model is 'GPT', not DCGAN or BigGAN")])
def test_a_broken_config_json_is_one_line(tmp_path, text, message):
    (tmp_path / "config.json").write_text(text)
    with pytest.raises(LabError, match=message):
        runs.read_config(str(tmp_path), "main.py", "mnist")


def test_resuming_over_a_broken_config_json_is_one_line(tmp_path):
    (tmp_path / "config.json").write_text("{half")
    architecture = runs.BigGANArchitecture("mnist", 28, 1, 10, [], 120, 8, 128, 0)
    with pytest.raises(LabError, match="config.json is not valid JSON.*another --checkpoint_dir"):
        runs.check_same_architecture(str(tmp_path), architecture)


def test_a_biggan_pointed_at_a_dcgan_checkpoint_is_refused(tmp_path):
    (tmp_path / "config.json").write_text('{"model": "DCGAN", "z_dim": 100}')
    architecture = runs.BigGANArchitecture("mnist", 28, 1, 10, [], 120, 8, 128, 0)
    with pytest.raises(LabError, match=r"trained with .*model=DCGAN \(asked BigGAN\)"):
        runs.check_same_architecture(str(tmp_path), architecture)


# ---------------------------------------------------------------- checkpoints from before the reshaping

@pytest.mark.parametrize("name", ["mnist_28_28", "toys_16_16", "biggan_mnist_28_28"])
def test_a_run_saved_by_the_old_code_loads_and_samples_as_it_did(name):
    """from_run rebuilds the network from the old config.json and restores the old checkpoint;
    with the batch norm statistics it saved (no standing statistics), the sampler draws exactly
    what the old code drew."""
    expected = np.load(os.path.join(OLD, "expected_samples.npz"))
    with tf.Graph().as_default(), tf1.Session() as sess:
        model, iteration = runs.from_run(sess, os.path.join(OLD, "checkpoint", name), "main.py", "mnist",
                                         batch_size=8)
        assert iteration == 2
        labels = np.arange(10) % max(1, model.num_classes) if model.num_classes else None
        np.testing.assert_allclose(model.generate(expected[name + "_z"], labels), expected[name], atol=1e-5)


def test_the_old_runs_load_in_test_mode(tmp_path):
    shutil.copytree(os.path.join(OLD, "checkpoint"), tmp_path / "checkpoint")
    result = subprocess.run([sys.executable, os.path.join(REPO, "biggan", "main.py"), "--dataset=mnist",
                             "--batch_size=8"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Loaded biggan_mnist_28_28 at iteration 2 (EMA generator)" in result.stdout
    assert "test_truncation.png" in os.listdir(tmp_path / "samples" / "biggan_mnist_28_28")
