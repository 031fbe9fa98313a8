"""A training run as data, the one thing every script of the lab talks about (handout 五.6: model_dir).

A run is named after what it learns (run_name: mnist_28_28, biggan_cifar10-airplane-automobile_32_32_cond),
and that name is its folder under checkpoint/, samples/ and logs/ (folders: computed once, by the entry
script, and handed down). Next to its checkpoints, config.json holds three records:

    the architecture  everything that rebuilds the network without the data: one small dataclass
                      per model (DCGANArchitecture, BigGANArchitecture), whose fields are the
                      model's constructor arguments, saved flat as config.json always held them
    "data"            what it trained on (cli.data_record): dataset, split, digest, ...
    "training"        iterations, seconds and images/s so far; --diffaug and --precision

read_config reads it, checked, as a RunConfig: every script that looks at a run (test mode, the
comparison, the explorer) reads it this way. Only data here: no TensorFlow, no model. Saving and
loading a model's checkpoint is checkpoints.py's; rebuilding a model from a run is testmode.py's.
"""
import dataclasses
import json
import os
from typing import List, NamedTuple, Optional, Union

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


PROGRAMS = {"DCGAN": "main.py", "BigGAN": "biggan/main.py"}  # the script that trains each model


def train_first(program, dataset):
    """The hint every 'nothing to load' error ends with."""
    return f"train first: python {program} --dataset {dataset} --train"


# ----------------------------------------------------------------------------- the dataset a run is named after

IMAGE_SIZES = {"mnist": 28, "cifar10": 32}  # datasets of one image size (folders: any, 64 by default)
CELEBA = "celebA"                          # python download.py celebA: a flat folder of JPEGs


def check_dataset_name(name, data_dir="./data"):
    """--dataset names a dataset (mnist, cifar10) or a folder directly inside --data_dir. A path
    would put the run's folders where os.path.join puts them (an absolute path replaces
    checkpoint/, samples/ and logs/ altogether), so a name is a plain name."""
    if name and name not in (".", "..") and not name.startswith(".") and "/" not in name \
            and os.sep not in name and "\0" not in name:
        return
    # the folder meant: the path as typed (from here) when it is one, else inside --data_dir
    typed = os.path.normpath(name) if name else ""
    meant = typed if typed and os.path.isdir(typed) else os.path.normpath(os.path.join(data_dir, name or "."))
    parent, base = os.path.split(meant) if name else ("", "")
    if base and base not in (".", "..") and not base.startswith("."):
        fix = f"for the folder {meant} use --dataset {base} --data_dir {parent or '.'}"
    else:
        fix = "give a folder's name inside --data_dir (e.g. --dataset planes), or mnist or cifar10"
    raise LabError(f"--dataset '{name}' is not a dataset name; {fix}")


def check_attribute(name, attribute):
    """--attribute needs CelebA's attributes file: refuse it for any other dataset."""
    if attribute and name != CELEBA:
        raise LabError(f"--attribute works only with --dataset {CELEBA} (its attributes file), not "
                       f"with '{name}'; for classes of your own, use one sub-folder per class")


def parse_classes(text):
    """'airplane, automobile' -> ['airplane', 'automobile']: the --classes list of every script.

    Spaces around names are dropped, empty entries ignored; a class named twice would be trained
    as two classes with the same images, so it is a LabError.
    """
    classes = [c.strip() for c in (text or "").split(",") if c.strip()]
    twice = sorted({c for c in classes if classes.count(c) > 1})
    if twice:
        raise LabError(f"--classes names {', '.join(twice)} more than once; name each class once "
                       f"(e.g. --classes {','.join(dict.fromkeys(classes))})")
    return classes


# ----------------------------------------------------------------------------- the architecture

# The networks a DCGAN can be (model.DCGAN's constants): the handout's two, and the lab's for colour
# photos with classes, then and now (a run saved with colour_conditional still loads as it was).
DCGAN_NETWORKS = ("mnist_conditional", "unconditional", "colour_conditional", "colour_classifying")


@dataclasses.dataclass(frozen=True)
class DCGANArchitecture:
    """What builds a DCGAN (model.DCGAN's constructor arguments). network: one of DCGAN_NETWORKS."""
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
    model = config.get("model")
    kind = ARCHITECTURES.get(model) if isinstance(model, str) else None
    if kind is None:
        return f"its model is {str(model)[:40]!r}, not DCGAN or BigGAN"
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
    if model == "DCGAN" and config.get("network", DCGAN_NETWORKS[0]) not in DCGAN_NETWORKS:
        return f"its network is {str(config['network'])[:40]!r}, not one of {', '.join(DCGAN_NETWORKS)}"
    if model == "BigGAN":
        from biggan.architecture import ARCHITECTURES as BIGGAN_SIZES  # a BigGAN run's only
        if config["output_size"] not in BIGGAN_SIZES:
            return f"output_size is {config['output_size']}, not one of BigGAN's {', '.join(map(str, BIGGAN_SIZES))}"
    names = config.get("class_names")
    if not isinstance(names, list) or not all(isinstance(n, str) and len(n) <= 1000 and n.isprintable()
                                              for n in names):
        return "class_names is not a list of names (one line each)"
    classes = config.get("y_dim") or config.get("num_classes")
    if len(names) > SIZE_RANGES["y_dim"][1] or (classes and len(names) != classes):
        return f"it names {len(names):,} classes for a network of {classes or 0}"
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


MAX_CONFIG_BYTES = 4 * 2 ** 20  # a config.json is a few kB (100,000 class names: 2 MB)


def read_config_json(path, fix):
    """A config.json as a dict; one line (naming `fix`) when it is not valid JSON or no dict. A
    file from outside is data: never larger than a config can be, nor nested without end."""
    try:
        with open(path, "rb") as f:
            text = f.read(MAX_CONFIG_BYTES + 1)
        if len(text) > MAX_CONFIG_BYTES:
            raise LabError(f"{path} is larger than a run's config.json can be ({MAX_CONFIG_BYTES // 2**20} MiB): "
                           f"not read; {fix}")
        config = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise LabError(f"{path} is not valid JSON ({e}); {fix}")
    except OSError as e:  # a folder named config.json, no permission
        raise LabError(f"{path} cannot be read ({e.strerror or e}); {fix}")
    except RecursionError:
        raise LabError(f"{path} is not a run's config.json (nested too deep); {fix}")
    if not isinstance(config, dict):
        raise LabError(f"{path} is not a GAN lab run config (no 'model' key); {fix}")
    return config


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """A run's config.json, checked (read_config): the one way the lab reads it."""
    model: str                     # "DCGAN" or "BigGAN" (PROGRAMS[model] trains it)
    architecture: Union[DCGANArchitecture, BigGANArchitecture]  # rebuilds the network
    data: dict                     # what it trained on (cli.data_record); {} in runs older than it
    training: dict                 # iterations, seconds, images_per_second, diffaug, precision; {} likewise
    batch_size: Optional[int]      # the training batch (None in old runs)

    @property
    def dataset(self):
        return self.architecture.dataset_name

    @property
    def image_size(self):
        return getattr(self.architecture, "output_size", None) or self.architecture.output_height

    @property
    def conditional(self):
        """Whether the network takes class labels (DCGAN: y_dim; BigGAN: num_classes). An
        unconditional DCGAN still records its folder's class names: they do not count."""
        return bool(getattr(self.architecture, "y_dim", None) or getattr(self.architecture, "num_classes", 0))

    @property
    def class_names(self):
        return list(self.architecture.class_names)


def read_config(folder, program, dataset):
    """A run's config.json as a RunConfig after checking it describes a network of this lab, or a
    one-line error saying what is wrong and what to do (the runs that do exist, when none is there;
    program and dataset: for the fix it names)."""
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
    blocks = {block: config.get(block) if isinstance(config.get(block), dict) else {}
              for block in ("data", "training")}
    batch_size = config.get("batch_size")
    return RunConfig(config["model"], architecture_from_record(config), blocks["data"], blocks["training"],
                     batch_size if isinstance(batch_size, int) and not isinstance(batch_size, bool) else None)


def read_record(folder, block="training"):
    """A block of a run's config.json as a dict, or {} (no run, or an unreadable file): "training"
    (iterations, seconds, images/s) or "data" (what it trained on). For checks that go on without
    it (a resume's speed so far, the images a run trained on); read_config is the strict reader."""
    try:
        record = read_config_json(os.path.join(folder, CONFIG), "").get(block)
    except (OSError, LabError):
        return {}
    return dict(record) if isinstance(record, dict) else {}


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
