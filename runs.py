"""A training run, the one thing every script of the lab talks about (handout 五.6: model_dir,
save, load).

A run is named after what it learns (run_name: mnist_28_28, biggan_cifar10-airplane-automobile_32_32_cond),
and that name is its folder under checkpoint/, samples/ and logs/ (folders). Next to its
checkpoints, config.json holds three records:

    the architecture  everything that rebuilds the network without the data: one small dataclass
                      per model (DCGANArchitecture, BigGANArchitecture), whose fields are the
                      model's constructor arguments, saved flat as config.json always held them
    "data"            what it trained on (cli.data_record): dataset, split, digest, ...
    "training"        iterations, seconds and images/s so far; --diffaug and --precision

from_run(sess, folder) rebuilds the model a run trained and restores its newest checkpoint: test
mode (both mains) and the comparison use it, and nothing else builds a model from a file. This
module does not import TensorFlow (the scripts check runs before it starts); from_run imports the
models when it is called.
"""
import dataclasses
import json
import os
from typing import List, NamedTuple, Optional

from errors import LabError

CONFIG = "config.json"


# ----------------------------------------------------------------------------- name and folders

def run_name(model, dataset, size, conditional=False, classes=(), attribute="", mnist_split="all"):
    """A run's name: [biggan_]dataset[-attribute][-classes]_H_W[_cond][_train60k], e.g. mnist_28_28
    or biggan_cifar10-airplane-automobile_32_32_cond. (MNIST's network is always conditional: no _cond.)"""
    name = "-".join([dataset] + ([attribute] if attribute else []) + list(classes))
    cond = "_cond" if conditional and dataset != "mnist" else ""
    split = "_train60k" if mnist_split == "train" else ""
    prefix = "biggan_" if model == "BigGAN" else ""
    return f"{prefix}{name}_{size}_{size}{cond}{split}"


class Folders(NamedTuple):
    checkpoint: str   # checkpoints and config.json
    samples: str      # training grids, test-mode pictures, exports
    logs: str         # TensorBoard events and losses.csv


def folders(name, checkpoint_dir="checkpoint", sample_dir="samples", logs_dir="logs"):
    """The run's three folders: <base>/<run name> under each base folder."""
    return Folders(*(os.path.join(base, name) for base in (checkpoint_dir, sample_dir, logs_dir)))


def train_first(program, dataset):
    """The hint every 'nothing to load' error ends with."""
    return f"train first: python {program} --dataset {dataset} --train"


# ----------------------------------------------------------------------------- the architecture

@dataclasses.dataclass(frozen=True)
class DCGANArchitecture:
    """What builds a DCGAN (model.DCGAN's constructor arguments). network: "mnist_conditional"
    (the handout's conditional network), "unconditional" (its other one) or "colour_conditional"."""
    dataset_name: str
    output_height: int
    output_width: int
    c_dim: int
    z_dim: int
    y_dim: Optional[int]
    class_names: List[str]
    network: str
    gf_dim: int = 64
    df_dim: int = 64
    gfc_dim: int = 1024
    dfc_dim: int = 1024


@dataclasses.dataclass(frozen=True)
class BigGANArchitecture:
    """What builds a BigGAN (biggan.model.BigGAN's constructor arguments)."""
    dataset_name: str
    output_size: int
    c_dim: int
    num_classes: int
    class_names: List[str]
    z_dim: int
    ch: int
    shared_dim: int
    attention_res: int


ARCHITECTURES = {"DCGAN": DCGANArchitecture, "BigGAN": BigGANArchitecture}
PROGRAMS = {"DCGAN": "main.py", "BigGAN": "biggan/main.py"}

# The sizes an architecture may have, as the training flags allow them: a config.json is data
# from a file, and z_dim = 10^9 would build a 477 GiB network.
SIZE_RANGES = {"z_dim": (1, 10_000), "c_dim": (1, 4), "y_dim": (1, 100_000), "num_classes": (0, 100_000),
               "output_height": (1, 4096), "output_width": (1, 4096), "output_size": (1, 4096),
               "gf_dim": (1, 4096), "df_dim": (1, 4096), "gfc_dim": (1, 65_536), "dfc_dim": (1, 65_536),
               "ch": (1, 1024), "shared_dim": (1, 4096), "attention_res": (0, 128)}


def architecture_record(architecture):
    """The architecture as config.json keeps it: its fields, flat, with "model" and "dataset"
    (the key older config.json files use for dataset_name)."""
    record = dataclasses.asdict(architecture)
    record["dataset"] = record.pop("dataset_name")
    model = next(name for name, kind in ARCHITECTURES.items() if isinstance(architecture, kind))
    if model == "DCGAN":  # not needed to rebuild, but what a reader of config.json wants to know
        record["output_activation"] = "sigmoid" if architecture.network == "mnist_conditional" else "tanh"
    return dict(record, model=model)


def architecture_problem(config):
    """Why the architecture in a config.json cannot be a network of this lab (a phrase), or None."""
    kind = ARCHITECTURES.get(config.get("model"))
    if kind is None:
        return f"its model is {config.get('model')!r}, not DCGAN or BigGAN"
    names = [f.name for f in dataclasses.fields(kind)]
    required = [f.name for f in dataclasses.fields(kind) if f.default is dataclasses.MISSING
                and f.name not in ("dataset_name", "network", "y_dim")] + ["dataset"]
    missing = [name for name in required if name not in config]
    if missing:
        return f"it lacks {', '.join(missing)}"
    for key, (low, high) in SIZE_RANGES.items():
        value = config.get(key)
        if key in names and value is not None and not (
                isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            return f"{key} is {value!r}, not a whole number from {low} to {high}"
    if not isinstance(config.get("class_names"), list) or not all(isinstance(n, str) for n in config["class_names"]):
        return "class_names is not a list of names"
    return None


def architecture_from_record(config):
    """The architecture dataclass of a checked config.json (architecture_problem is None). A DCGAN
    saved before its networks were named holds the handout's: conditional means MNIST's."""
    kind = ARCHITECTURES[config["model"]]
    values = {f.name: config[f.name] for f in dataclasses.fields(kind) if f.name in config}
    values["dataset_name"] = config["dataset"]
    if kind is DCGANArchitecture:
        values.setdefault("y_dim", None)
        values.setdefault("network", "mnist_conditional" if values["y_dim"] else "unconditional")
    return kind(**values)


# ----------------------------------------------------------------------------- config.json

def config_json(architecture, data, training, batch_size):
    """What a run's config.json holds (checkpoints.save writes it with each checkpoint): the
    architecture's fields, "data", "training" and the batch size."""
    return dict(architecture_record(architecture), data=data or {}, training=training or {},
                batch_size=batch_size)


def read_config_json(path, fix):
    """A config.json as a dict; one line (naming `fix`) when it is not valid JSON or no dict."""
    try:
        with open(path) as f:
            config = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise LabError(f"{path} is not valid JSON ({e}); {fix}")
    if not isinstance(config, dict):
        raise LabError(f"{path} is not a GAN lab run config (no 'model' key); {fix}")
    return config


def read_config(folder, program, dataset):
    """A run's config.json (a dict) after checking it describes a network of this lab, or a
    one-line error saying what is wrong and what to do (the runs that do exist, when none is there)."""
    path = os.path.join(folder, CONFIG)
    if not os.path.exists(path):
        parent = os.path.dirname(os.path.normpath(folder)) or "."
        found = sorted(d for d in os.listdir(parent) if not d.startswith(".")) if os.path.isdir(parent) else []
        hint = f" (found there: {', '.join(found)}; pass the flags used for training)" if found else ""
        raise LabError(f"no checkpoint in {folder}{hint}; {train_first(program, dataset)}")
    config = read_config_json(path, f"restore it from a backup or {train_first(program, dataset)} "
                                    "with a new --checkpoint_dir")
    if "model" not in config:
        raise LabError(f"{path} is not a GAN lab run config (no 'model' key); "
                       f"{train_first(program, dataset)} with a new --checkpoint_dir")
    problem = architecture_problem(config)
    if problem:
        raise LabError(f"{path} is damaged ({problem}); restore it from a backup or "
                       f"{train_first(program, dataset)} with a new --checkpoint_dir")
    return config


def read_record(folder, block="training"):
    """A block of a run's config.json as a dict, or {} (no run, or an unreadable file): "training"
    (iterations, seconds, images/s) or "data" (what it trained on)."""
    try:
        with open(os.path.join(folder, CONFIG)) as f:
            return dict(json.load(f).get(block) or {})
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def check_same_architecture(folder, architecture):
    """Refuse to resume a run with another architecture than the one it was saved with."""
    path = os.path.join(folder, CONFIG)
    if not os.path.exists(path):
        return
    saved = read_config_json(path, "restore it from a backup or use another --checkpoint_dir")
    diffs = [f"{key}={saved.get(key)} (asked {value})" for key, value in architecture_record(architecture).items()
             if key in saved and saved[key] != value]
    if diffs:
        raise LabError(f"checkpoint in {folder} was trained with {', '.join(diffs)}; "
                       "use the same flags or another --checkpoint_dir")


# ----------------------------------------------------------------------------- a model's checkpoints

def save_checkpoint(model, checkpoint_dir, step, training_record=None):
    """A model's save (handout 五.6): <Model>.model-<step> and config.json in
    checkpoint_dir/<run name>, all or nothing (checkpoints.save). model: a DCGAN or a BigGAN.
    On several machines every machine prints a digest of its weights (the same on all of them)
    and only the chief saves (distribute.writes_files)."""
    import checkpoints
    import distribute
    if distribute.on_several_machines(model.replicas):
        print(distribute.fingerprint_line(model.sess, step), flush=True)
    if not distribute.writes_files(model.replicas):
        return
    # how it trains beyond the architecture (not needed to rebuild it; older runs lack them)
    training = dict(training_record or {}, diffaug=model.diffaug, precision=model.precision)
    config = config_json(model.architecture, model.data_record, training, model.batch_size)
    checkpoints.save(model.sess, model.saver, os.path.join(checkpoint_dir, model.model_dir),
                     model.checkpoint_name, step, config, model.max_to_keep)


def load_checkpoint(model, checkpoint_dir):
    """A model's load (handout 五.6): restore the run's newest checkpoint; (found, iteration).
    A run saved with another architecture is refused (check_same_architecture)."""
    import checkpoints
    folder = os.path.join(checkpoint_dir, model.model_dir)
    check_same_architecture(folder, model.architecture)
    return checkpoints.load(model.sess, model.saver, folder, model.checkpoint_name)


# ----------------------------------------------------------------------------- rebuilding a model

def from_run(sess, folder, program, dataset, batch_size=64, truncation=None):
    """Rebuild the model the run in `folder` trained (from its config.json) in sess's graph and
    restore its newest checkpoint; returns (model, iteration). A LabError when there is no run,
    its config.json is damaged or its checkpoint does not fit (program and dataset: for the
    message's fix). batch_size: images per grid; truncation: BigGAN's sampling threshold."""
    config = read_config(folder, program, dataset)
    architecture = architecture_from_record(config)
    base, name = os.path.split(os.path.abspath(folder))
    if isinstance(architecture, DCGANArchitecture):
        from model import DCGAN
        model = DCGAN(sess, batch_size=batch_size, sample_num=batch_size, model_dir=name,
                      **dataclasses.asdict(architecture))
    else:
        from biggan.model import BigGAN
        model = BigGAN(sess, batch_size=batch_size, truncation=truncation, model_dir=name,
                       **dataclasses.asdict(architecture))
    found, iteration = model.load(base)
    if not found:
        raise LabError(f"{folder} has a config.json but no checkpoint; "
                       f"{train_first(PROGRAMS[config['model']], architecture.dataset_name)}")
    return model, iteration
