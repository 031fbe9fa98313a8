"""The bookkeeping around the handout's training loop (step 6.2), shared by DCGAN and BigGAN.

The loop itself is in model.py (and biggan/model.py), as in the handout. It calls these small
helpers for what is not the lesson: the values it needs (TrainConfig), which images each epoch
sees (epoch_order), the progress line, losses.csv and TensorBoard (RunLog), and Ctrl-C
(StopOnSigint: finish the step, save, exit).
"""
import csv
import os
import signal
import time
from typing import NamedTuple

import numpy as np

from utils import atomic_write


class TrainConfig(NamedTuple):
    """What train() needs, taken from the flags by the entry script (the handout's `config`).

    The batch size is the model's own (model.batch_size), not repeated here.
    """
    epoch: int = 25
    train_size: float = np.inf    # use at most this many images
    seed: int = 0
    reshuffle: bool = True        # a new order every epoch (MNIST: shuffled once when loaded)
    sample_freq: int = 100        # a sample grid every this many iterations
    ckpt_freq: int = 500          # a checkpoint every this many iterations
    print_freq: int = 1           # the progress line every this many iterations
    log_freq: int = 10            # TensorBoard summaries every this many iterations
    checkpoint_dir: str = "checkpoint"   # each of these gets a sub-folder named after the run
    sample_dir: str = "samples"
    logs_dir: str = "logs"


def batches_per_epoch(num_images, train_size, images_per_iteration):
    """The handout's batch_idxs: whole batches in the (possibly limited) training set."""
    return int(min(num_images, train_size)) // images_per_iteration


def epoch_order(num_images, epoch, config):
    """The order of the image indices in this epoch.

    --train_size picks ONE fixed subset (the same images every epoch); with reshuffle the
    subset is visited in a new order each epoch, otherwise in the stored order (the handout
    shuffles MNIST once when loading it and never again).
    """
    used = int(min(num_images, config.train_size))
    if not config.reshuffle:
        return np.arange(used)
    subset = np.sort(np.random.RandomState(config.seed).permutation(num_images)[:used])
    return np.random.RandomState(config.seed + 1 + epoch).permutation(subset)


def resume(model, checkpoint_dir):
    """Initialise the model's variables, then restore the run's newest checkpoint if there is
    one. Returns (iteration counter, the checkpoint's training record: seconds and speed)."""
    import tensorflow as tf
    import checkpoints
    model.sess.run(tf.compat.v1.global_variables_initializer())
    found, counter = model.load(checkpoint_dir)
    print(" [*] Load SUCCESS, resuming at iteration %d" % counter if found
          else " [!] No checkpoint yet: training from scratch", flush=True)
    return counter, checkpoints.training_record(checkpoints.run_folder(checkpoint_dir, model.model_dir))


def format_seconds(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# ----------------------------------------------------------------------------- Ctrl-C

class StopOnSigint(object):
    """Context manager: Ctrl-C sets .requested instead of killing the loop mid-step,
    so the training loop can save a checkpoint and exit cleanly."""

    def __enter__(self):
        self.requested = False
        self.previous = signal.signal(signal.SIGINT, self.handle)
        return self

    def handle(self, signum, frame):
        if self.requested:  # a second Ctrl-C: stop at once
            raise KeyboardInterrupt
        self.requested = True
        print("\nCtrl-C: finishing this iteration, saving a checkpoint, then exiting "
              "(press again to abort without saving)", flush=True)

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self.previous)
        return False


# ----------------------------------------------------------------------------- losses.csv

LOSS_FIELDS = ["step", "epoch", "d_loss", "g_loss", "seconds"]


def read_loss_log(path):
    """losses.csv as a dict of numpy arrays (one entry per column)."""
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in LOSS_FIELDS}


def rewind_loss_log(path, step):
    """Keep only the rows up to `step` (the resumed checkpoint), so that the steps a killed run
    made after its last save are not in the curve twice."""
    if not os.path.exists(path):
        return
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if rows[:1] != [LOSS_FIELDS]:  # not a log of ours: start it anew
        rows = [LOSS_FIELDS]
    keep = [LOSS_FIELDS] + [r for r in rows[1:] if r and r[0].isdigit() and int(r[0]) <= step]

    def write(tmp):
        with open(tmp, "w", newline="") as f:
            csv.writer(f).writerows(keep)
    atomic_write(path, write)


class RunLog(object):
    """Everything a training run reports: the handout's progress line (with % done and ETA),
    losses.csv (one row per iteration, for loss curves) and the TensorBoard writer."""

    def __init__(self, folder, graph, counter, batch_idxs, config, images_per_iteration, previous=None):
        """previous: the "training" record of the resumed checkpoint (seconds and speed so far)."""
        import tensorflow as tf
        os.makedirs(folder, exist_ok=True)
        self.config, self.batch_idxs = config, batch_idxs
        self.total, self.images_per_iteration = config.epoch * batch_idxs, images_per_iteration
        self.start_counter, self.start_time = counter, time.time()
        self.previous = previous or {}
        path = os.path.join(folder, "losses.csv")
        rewind_loss_log(path, counter)
        self.loss_file = open(path, "a", newline="")
        self.losses = csv.writer(self.loss_file)
        if self.loss_file.tell() == 0:
            self.losses.writerow(LOSS_FIELDS)
        self.writer = tf.compat.v1.summary.FileWriter(folder, graph if counter == 0 else None)

    def summary_due(self, counter):
        """TensorBoard summaries every log_freq iterations (they cost a little time)."""
        return counter % self.config.log_freq == 0

    def iteration(self, counter, epoch, idx, d_loss, g_loss, summaries=()):
        """After an iteration: TensorBoard summaries, a row in losses.csv, and the progress
        line every print_freq iterations."""
        for summary in summaries:
            self.writer.add_summary(summary, counter)
        elapsed = time.time() - self.start_time
        self.losses.writerow([counter, epoch, f"{d_loss:.6f}", f"{g_loss:.6f}", f"{elapsed:.3f}"])
        self.loss_file.flush()  # a killed run keeps its curve
        if counter % self.config.print_freq == 0 or counter == self.total:
            eta = elapsed / max(1, counter - self.start_counter) * max(0, self.total - counter)
            print(f"Epoch: [{epoch:2d}/{self.config.epoch:2d}] [{idx:4d}/{self.batch_idxs:4d}] "
                  f"time: {elapsed:4.1f}, d_loss: {d_loss:.8f}, g_loss: {g_loss:.8f}  "
                  f"({100.0 * counter / max(1, self.total):5.1f}%, ETA {format_seconds(eta)})", flush=True)

    def images_per_second(self, counter):
        elapsed = max(time.time() - self.start_time, 1e-9)
        return (counter - self.start_counter) * self.images_per_iteration / elapsed

    def training_record(self, counter):
        """Iterations, total seconds and images/s over every run so far (saved in config.json)."""
        seconds = self.previous.get("seconds", 0.0) + time.time() - self.start_time
        images = self.previous.get("images_per_second", 0.0) * self.previous.get("seconds", 0.0) \
            + (counter - self.start_counter) * self.images_per_iteration
        return {"iterations": int(counter), "seconds": round(seconds, 2),
                "images_per_second": round(images / max(seconds, 1e-9), 2)}

    def close(self, counter, stopped):
        self.loss_file.close()
        self.writer.close()
        if stopped:
            print(" [*] Stopped at iteration %d; run the same command to resume" % counter)
        print(" [*] %.1f images/s over this run" % self.images_per_second(counter))
