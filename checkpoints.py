"""Checkpoints of both GANs (the handout's save/load, step 6), made so that nothing is lost.

A run's checkpoint folder (checkpoint/<run name>/) holds:
  <Model>.model-<step>.index / .data-*   what tf.train.Saver writes, for the newest few steps
  checkpoint                             TensorFlow's list of them (newest first)
  config.json                            the architecture, the training data and time, so test
                                         mode rebuilds the network without the dataset
  .lock                                  held while a training run writes here

Why not a plain saver.save(): it writes into the folder directly, so a full disk or a killed
process leaves a half-written `.tempstate` file of tens of MB; after a resume it forgets older
checkpoints, so they pile up past max_to_keep. Here a save goes to a temporary sub-folder
first and is moved into place only when complete; the list is rebuilt from the files on disk.
"""
import fcntl
import glob
import json
import os
import shutil
import socket

from errors import LabError
from utils import remove_stale_temporary, write_json

TEMP_PREFIX = ".saving-"


def run_folder(base_dir, run_name):
    """The one place that names a run's folder: <base>/<run name> (checkpoint, samples, logs)."""
    return os.path.join(base_dir, run_name)


def train_first(program, dataset):
    """The hint every 'nothing to load' error ends with."""
    return f"train first: python {program} --dataset {dataset} --train"


# ----------------------------------------------------------------------------- one run at a time

class RunLock(object):
    """An exclusive lock on a run's checkpoint folder while a training run writes to it.

    fcntl.flock is released by the operating system when the process ends, however it ends,
    so a crashed or killed run never leaves the folder locked; the file only says who holds it.
    """

    def __init__(self, folder):
        self.path = os.path.join(folder, ".lock")
        self.file = None

    def __enter__(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.file = open(self.path, "a+")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.file.seek(0)
            holder = self.file.read().strip() or "another process"
            self.file.close()
            raise LabError(f"another training run ({holder}) is writing to {os.path.dirname(self.path)}; "
                           "wait for it to finish, stop it, or use another --checkpoint_dir")
        self.file.truncate(0)
        self.file.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        self.file.flush()
        return self

    def __exit__(self, *exc):
        self.file.close()  # closing releases the lock
        return False


# ----------------------------------------------------------------------------- save

def checkpoint_steps(folder, model_name):
    """Steps of the complete checkpoints in folder, oldest first (complete = .index present)."""
    steps = []
    for index in glob.glob(os.path.join(folder, f"{model_name}.model-*.index")):
        step = index[:-len(".index")].rsplit("-", 1)[-1]
        if step.isdigit():
            steps.append(int(step))
    return sorted(steps)


def remove_checkpoint(folder, model_name, step):
    for path in glob.glob(os.path.join(folder, f"{model_name}.model-{step}.*")):
        os.remove(path)


def clean_temporary_files(folder):
    """Remove what an interrupted save left: our temporary folders, Saver's .tempstate files and
    a half-written config.json (utils.remove_stale_temporary)."""
    remove_stale_temporary(folder)
    for path in glob.glob(os.path.join(folder, TEMP_PREFIX + "*")):
        shutil.rmtree(path, ignore_errors=True)
    for path in glob.glob(os.path.join(folder, "*.tempstate*")):
        os.remove(path)


def write_checkpoint_list(folder, model_name, steps):
    """TensorFlow's `checkpoint` file, newest last in the list and as the current one."""
    import tensorflow as tf
    paths = [f"{model_name}.model-{s}" for s in steps]
    tf.compat.v1.train.update_checkpoint_state(folder, paths[-1], all_model_checkpoint_paths=paths)


def save(sess, saver, folder, model_name, step, run_config, max_to_keep):
    """Save <model_name>.model-<step> and config.json into folder, all or nothing.

    The Saver writes into a temporary sub-folder; the files are then renamed into place (data
    first, index last: a checkpoint counts only once its .index exists), config.json is written
    atomically, and checkpoints beyond the newest max_to_keep are deleted. On a failure (a full
    disk, say) the temporary files are removed and the previous checkpoint is left as it was.
    """
    os.makedirs(folder, exist_ok=True)
    temp = os.path.join(folder, f"{TEMP_PREFIX}{step}")
    prefix = f"{model_name}.model-{step}"
    try:
        os.makedirs(temp, exist_ok=True)
        saver.save(sess, os.path.join(temp, prefix), write_meta_graph=False, write_state=False)
        saved = sorted(os.listdir(temp), key=lambda name: name.endswith(".index"))  # index last
        for name in saved:
            os.replace(os.path.join(temp, name), os.path.join(folder, name))
        write_json(os.path.join(folder, "config.json"), run_config)
        steps = checkpoint_steps(folder, model_name)
        for old in steps[:-max_to_keep]:
            remove_checkpoint(folder, model_name, old)
        write_checkpoint_list(folder, model_name, steps[-max_to_keep:])
    except Exception as e:
        reason = getattr(e, "strerror", None) or getattr(e, "message", None) or type(e).__name__
        raise LabError(f"could not save checkpoint {os.path.join(folder, prefix)} ({reason}); "
                       "the previous checkpoint is intact: free disk space and run the same "
                       "command to resume")
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    print(" [*] Saved checkpoint %s" % os.path.join(folder, prefix), flush=True)


# ----------------------------------------------------------------------------- load

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


def read_run_config(folder, program, dataset):
    """config.json of a run folder, or a one-line error saying what is wrong and what to do."""
    path = os.path.join(folder, "config.json")
    if not os.path.exists(path):
        parent = os.path.dirname(folder)
        found = sorted(d for d in os.listdir(parent) if not d.startswith(".")) if os.path.isdir(parent) else []
        hint = f" (found there: {', '.join(found)}; pass the flags used for training)" if found else ""
        raise LabError(f"no checkpoint in {folder}{hint}; {train_first(program, dataset)}")
    config = read_config_json(path, f"restore it from a backup or {train_first(program, dataset)} "
                                    "with a new --checkpoint_dir")
    if "model" not in config:
        raise LabError(f"{path} is not a GAN lab run config (no 'model' key); "
                       f"{train_first(program, dataset)} with a new --checkpoint_dir")
    return config


def training_record(folder, block="training"):
    """A block of a run's config.json as a dict, or {} (no run, or an unreadable file): "training"
    (iterations, seconds, images/s) or "data" (what it trained on)."""
    path = os.path.join(folder, "config.json")
    try:
        with open(path) as f:
            return dict(json.load(f).get(block) or {})
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


# The sizes a config.json may give the network it rebuilds, as the training flags allow them:
# a config.json is data from a file, and z_dim = 10^9 would build a 477 GiB network.
SIZE_RANGES = {"z_dim": (1, 10_000), "c_dim": (1, 4), "y_dim": (1, 100_000), "num_classes": (0, 100_000),
               "output_height": (1, 4096), "output_width": (1, 4096), "output_size": (1, 4096),
               "gf_dim": (1, 4096), "df_dim": (1, 4096), "gfc_dim": (1, 65_536), "dfc_dim": (1, 65_536),
               "ch": (1, 1024), "shared_dim": (1, 4096), "attention_res": (0, 128)}


def config_problem(config):
    """Why the sizes in a config.json cannot be a network of this lab (a phrase), or None."""
    for key, (low, high) in SIZE_RANGES.items():
        value = config.get(key)
        if value is None and key == "y_dim":
            continue  # an unconditional DCGAN
        if key in config and not (isinstance(value, int) and not isinstance(value, bool)
                                  and low <= value <= high):
            return f"{key} is {value!r}, not a whole number from {low} to {high}"
    names = config.get("class_names", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return "class_names is not a list of names"
    return None


def saved_architecture(folder, program, dataset, keys):
    """A run's config.json (as a dict), after checking it holds `keys` and sizes a network can
    have; one line naming what is wrong otherwise."""
    config = read_run_config(folder, program, dataset)
    path = os.path.join(folder, "config.json")
    missing = [k for k in keys if k not in config]
    if missing:
        raise LabError(f"{path} lacks {', '.join(missing)}; it was not written by this lab's "
                       f"{program}: {train_first(program, dataset)}")
    problem = config_problem(config)
    if problem:
        raise LabError(f"{path} is damaged ({problem}); restore it from a backup or "
                       f"{train_first(program, dataset)} with a new --checkpoint_dir")
    return config


def check_architecture(folder, architecture):
    """Refuse a checkpoint whose saved architecture differs from the requested one."""
    path = os.path.join(folder, "config.json")
    if not os.path.exists(path):
        return
    saved = read_config_json(path, "restore it from a backup or use another --checkpoint_dir")
    diffs = [f"{k}={saved.get(k)} (asked {v})" for k, v in architecture.items()
             if k in saved and saved[k] != v]
    if diffs:
        raise LabError(f"checkpoint in {folder} was trained with {', '.join(diffs)}; "
                       "use the same flags or another --checkpoint_dir")


def shape_problem(path, variables):
    """Why the checkpoint at path cannot fill these graph variables (a phrase), or None. Read from
    the checkpoint's index before anything is restored or initialised: a network built from a
    config.json that disagrees with its checkpoint is refused before it takes any memory."""
    import tensorflow as tf
    saved = dict(tf.train.list_variables(path))
    for var in variables:
        name, shape = var.op.name, var.shape.as_list()
        if name not in saved:
            return f"it has no variable {name}"
        if list(saved[name]) != shape:
            return f"{name} is {list(saved[name])} there, {shape} in the network"
    return None


def load(sess, saver, folder, model_name, architecture):
    """Restore the newest readable checkpoint in folder; returns (found, step).

    Every variable's shape is checked first (shape_problem). A damaged newest checkpoint
    (truncated, corrupt) is reported and the one before it is tried, so a bad file costs the
    steps since the previous save, not the whole run.
    """
    import tensorflow as tf
    check_architecture(folder, architecture)
    steps = checkpoint_steps(folder, model_name)
    for step in reversed(steps):
        path = os.path.join(folder, f"{model_name}.model-{step}")
        try:
            problem = shape_problem(path, sess.graph.get_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES))
            if problem:
                raise LabError(f"checkpoint {path} does not fit this network ({problem}): it was "
                               "made with other settings, or its config.json was changed; use the "
                               "training flags or another --checkpoint_dir")
            saver.restore(sess, path)
            return True, step
        except (tf.errors.DataLossError, tf.errors.OutOfRangeError) as e:
            print(f"warning: checkpoint {path} is damaged ({type(e).__name__}); trying the one before",
                  flush=True)
        except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError) as e:
            raise LabError(f"checkpoint {path} does not fit this network ({type(e).__name__}): it "
                           "was made with other settings; use those flags or another --checkpoint_dir")
    if steps:
        raise LabError(f"every checkpoint in {folder} is damaged; delete the folder to start over")
    return False, 0
