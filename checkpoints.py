"""Checkpoints of both GANs (the handout's save/load, 五.6), made so that nothing is lost.

A run's checkpoint folder (checkpoint/<run name>/) holds:
  <Model>.model-<step>.index / .data-*   what tf.train.Saver writes, for the newest few steps
  checkpoint                             TensorFlow's list of them (newest first)
  config.json                            the run's records (runs.py): architecture, data, training, so test
                                         mode rebuilds the network without the dataset (testmode.py)
  .lock                                  held while a training run writes here

Why not a plain saver.save(): it writes into the folder directly, so a full disk or a killed
process leaves a half-written `.tempstate` file of tens of MB; after a resume it forgets older
checkpoints, so they pile up past max_to_keep. Here a save goes to a temporary sub-folder
first and is moved into place only when complete; the list is rebuilt from the files on disk.
save_model and load_model are the models' save and load (DCGAN and BigGAN alike).
"""
import fcntl
import glob
import os
import shutil
import socket

import runs
from errors import LabError
from files import remove_stale_temporary, write_json

TEMP_PREFIX = ".saving-"


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
    a half-written config.json (files.remove_stale_temporary)."""
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


def load(sess, saver, folder, model_name):
    """Restore the newest readable checkpoint in folder; returns (found, step).

    Every variable's shape is checked first (shape_problem). A damaged newest checkpoint
    (truncated, corrupt) is reported and the one before it is tried, so a bad file costs the
    steps since the previous save, not the whole run.
    """
    import tensorflow as tf
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


# ----------------------------------------------------------------------------- a model's save and load

def save_model(model, folder, step, training_record=None):
    """A model's save (handout 五.6): <Model>.model-<step> and config.json (runs.config_json) in
    the run's checkpoint folder, all or nothing (save). model: a DCGAN or a BigGAN. On several
    machines every machine prints a digest of its weights, and only the chief saves (model.replicas)."""
    model.replicas.at_checkpoint(model.sess, step)
    if not model.replicas.writes_files:
        return
    config = runs.config_json(model.architecture, model.data_record, training_record, model.batch_size)
    save(model.sess, model.saver, folder, model.checkpoint_name, step, config, model.max_to_keep)


def load_model(model, folder):
    """A model's load (handout 五.6): restore the newest checkpoint in the run's checkpoint folder;
    returns (found, iteration). A run saved with another architecture is refused."""
    runs.check_same_architecture(folder, model.architecture)
    return load(model.sess, model.saver, folder, model.checkpoint_name)
