"""runs.py: a run's name and folders, its config.json (written, read as a RunConfig, checked).
Rebuilding a model from a run, and the runs saved before the reshaping: tests/test_testmode.py."""
import json

import pytest

import runs
from errors import LabError


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


def config_text(classes, y_dim=10, **more):
    """A DCGAN's config.json naming `classes` class names."""
    return json.dumps(dict({"model": "DCGAN", "dataset": "d", "output_height": 28, "output_width": 28, "c_dim": 1,
                            "z_dim": 100, "y_dim": y_dim, "class_names": [str(i) for i in range(classes)]}, **more))


@pytest.mark.parametrize("text,message", [("{not json", "is not valid JSON"),
                                          ('{"z_dim": 3}', "no 'model' key"),
                                          ('{"model": "DCGAN"}', r"is damaged \(it lacks output_height, "),
                                          ('{"model": "GPT"}', r"its model is 'GPT', not DCGAN or BigGAN"),
                                          ("[" * 100_000 + "]" * 100_000, r"is not a run's config.json \(nested too deep\)"),
                                          (config_text(1_000_000), r"is larger than a run's config.json can be \(4 MiB\)"),
                                          (config_text(150_000, y_dim=None), r"it names 150,000 classes for a network of 0"),
                                          (config_text(12), r"is damaged \(it names 12 classes for a network of 10\)"),
                                          ('{"model": ["x"]}', r"its model is \"\['x'\]\", not DCGAN or BigGAN"),
                                          (config_text(2, y_dim=2).replace('"1"', '"a\\nb"'),
                                           r"class_names is not a list of names \(one line each\)"),
                                          (json.dumps({"model": "BigGAN", "dataset": "d", "output_size": 4096,
                                                       "c_dim": 3, "num_classes": 0, "class_names": [], "z_dim": 120,
                                                       "ch": 8, "shared_dim": 128, "attention_res": 0}),
                                           r"output_size is 4096, not one of BigGAN's 28, 32, 64, 128")])
def test_a_broken_config_json_is_one_line(tmp_path, text, message):
    (tmp_path / "config.json").write_text(text)
    with pytest.raises(LabError, match=message) as error:
        runs.read_config(str(tmp_path), "main.py", "mnist")
    assert "\n" not in str(error.value)


def test_a_config_json_that_is_a_folder_is_one_line(tmp_path):
    (tmp_path / "config.json").mkdir()
    with pytest.raises(LabError, match=r"config.json cannot be read \(Is a directory\); restore it from a backup"):
        runs.read_config(str(tmp_path), "main.py", "mnist")
    assert runs.read_record(str(tmp_path)) == {}


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


def test_a_config_json_naming_an_unknown_network_is_refused():
    config = {"model": "DCGAN", "dataset": "d", "output_height": 32, "output_width": 32, "z_dim": 100,
              "c_dim": 3, "y_dim": 2, "class_names": ["a", "b"], "network": "colour_magic"}
    assert runs.architecture_problem(config) == ("its network is 'colour_magic', not one of mnist_conditional, "
                                                 "unconditional, colour_conditional, colour_classifying")
    from model import DCGAN
    assert runs.DCGAN_NETWORKS == (DCGAN.MNIST_CONDITIONAL, DCGAN.UNCONDITIONAL, DCGAN.COLOUR_CONDITIONAL,
                                   DCGAN.COLOUR_CLASSIFYING)  # the model builds each of them
    for network in runs.DCGAN_NETWORKS:
        assert runs.architecture_problem(dict(config, network=network)) is None
