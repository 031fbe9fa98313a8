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
from files import remove_stale_temporary, signals_deferred, write_json

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
    """TensorFlow's `checkpoint` file, what tf.train.get_checkpoint_state and latest_checkpoint read
    (the handout's load too): the newest checkpoint, and every one kept, by its name in the folder.
    (The folder goes in absolute: given a relative one, TensorFlow stores each name relative to
    the folder the program ran in, "../../DCGAN.model-4", which no reader finds.)"""
    import tensorflow as tf
    paths = [f"{model_name}.model-{s}" for s in steps]
    tf.compat.v1.train.update_checkpoint_state(os.path.abspath(folder), paths[-1], all_model_checkpoint_paths=paths)


def listed_step(folder, model_name):
    """The step of the checkpoint TensorFlow's `checkpoint` file names as the newest (the handout's
    load: tf.train.get_checkpoint_state), or None: no file, a damaged one, or another name."""
    import tensorflow as tf
    try:
        state = tf.compat.v1.train.get_checkpoint_state(folder)
    except Exception:  # noqa: BLE001 - a damaged file makes protobuf's parser raise its own errors
        return None
    name = os.path.basename(state.model_checkpoint_path) if state else ""
    step = name[len(f"{model_name}.model-"):] if name.startswith(f"{model_name}.model-") else ""
    return int(step) if step.isdigit() else None


def save(sess, saver, folder, model_name, step, run_config, max_to_keep):
    """Save <model_name>.model-<step> and config.json into folder, all or nothing.

    The Saver writes into a temporary sub-folder; the files are then renamed into place (data
    first, index last: a checkpoint counts only once its .index exists), config.json is written
    atomically, and checkpoints beyond the newest max_to_keep are deleted. On a failure (a full
    disk, say) the temporary files are removed and the previous checkpoint is left as it was.
    Ctrl-C and SIGTERM may cut the long write short, never the renames or the clean-up
    (files.signals_deferred): what an interrupted save leaves is the previous checkpoint alone.
    """
    os.makedirs(folder, exist_ok=True)
    temp = os.path.join(folder, f"{TEMP_PREFIX}{step}")
    prefix = f"{model_name}.model-{step}"
    try:
        os.makedirs(temp, exist_ok=True)
        saver.save(sess, os.path.join(temp, prefix), write_meta_graph=False, write_state=False)
        with signals_deferred():
            saved = sorted(os.listdir(temp), key=lambda name: name.endswith(".index"))  # index last
            for name in saved:
                os.replace(os.path.join(temp, name), os.path.join(folder, name))
            write_json(os.path.join(folder, "config.json"), run_config)
            steps = checkpoint_steps(folder, model_name)
            for old in steps[:-max_to_keep]:
                remove_checkpoint(folder, model_name, old)
            write_checkpoint_list(folder, model_name, steps[-max_to_keep:])
    except Exception as e:
        # TensorFlow's errors carry a trace ("defined at ..."): the first line says what happened
        reason = getattr(e, "strerror", None) or getattr(e, "message", None) or type(e).__name__
        raise LabError(f"could not save checkpoint {os.path.join(folder, prefix)} ({str(reason).splitlines()[0]}); "
                       "the previous checkpoint is intact: free disk space and run the same "
                       "command to resume")
    finally:
        with signals_deferred():
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
    """Restore a run's checkpoint; returns (found, step). First choice, as the handout's load: the
    one tf.train.get_checkpoint_state names; then the others on disk, newest first.

    Every variable's shape is checked first (shape_problem). A damaged checkpoint (truncated,
    corrupt) is reported and the one before it is tried, so a bad file costs the steps since the
    previous save, not the whole run.
    """
    import tensorflow as tf
    steps = checkpoint_steps(folder, model_name)
    listed = listed_step(folder, model_name)
    order = ([listed] if listed in steps else []) + [step for step in reversed(steps) if step != listed]
    for step in order:
        path = os.path.join(folder, f"{model_name}.model-{step}")
        try:
            problem = shape_problem(path, sess.graph.get_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES))
            if problem:
                raise LabError(f"checkpoint {path} does not fit this network ({problem}): it was "
                               "made with other settings, or its config.json was changed; use the "
                               "training flags or another --checkpoint_dir")
            saver.restore(sess, path)
            return True, step
        except tf.errors.InvalidArgumentError as e:
            raise LabError(f"checkpoint {path} does not fit this network ({type(e).__name__}): it "
                           "was made with other settings; use those flags or another --checkpoint_dir")
        except tf.errors.OpError as e:  # truncated, corrupt, a weights file missing (NotFoundError: the
            # index named every variable, shape_problem saw), or no checkpoint at all ("not an sstable")
            print(f"warning: checkpoint {path} is damaged ({type(e).__name__}: {e.message.splitlines()[0]}); "
                  "trying the one before", flush=True)
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
