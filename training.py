"""The bookkeeping around the handout's training loop (五.6.2), shared by DCGAN and BigGAN.

The loop itself is in model.py (and biggan/model.py), as in the handout. It calls these small
helpers for what is not the lesson: the values it needs (TrainConfig), which images each epoch
sees (epoch_order), the progress line, losses.csv and TensorBoard (RunLog), and every way a run
can be stopped (StopOnSignal): Ctrl-C, SIGTERM, a disk filling up. Each of them finishes the step
and saves a checkpoint; losses that turn NaN stop at once without saving (RunLog raises Diverged),
so no broken checkpoint is ever written. (Where the run trains, one device: tfstart.OneDevice.)
"""
import csv
import errno
import math
import os
import shutil
import signal
import time
from typing import Callable, NamedTuple, Optional

import numpy as np

import runs
from errors import LabError
from files import atomic_write, format_seconds


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
    folders: Optional[runs.Folders] = None  # the run's checkpoint, samples and logs folders (runs.folders)
    dataset: str = ""             # only for the speed line's advice (MNIST: digits after 1 epoch)
    diffaug: str = ""             # --diffaug and --precision, recorded in config.json ("training")
    precision: str = "fp32"
    stop_when: Optional[Callable[[int], bool]] = None  # a script's own end (bench: a CPU budget)


def derived_seed(seed, offset):
    """A seed made from --seed for one purpose (an epoch's order, the noise after a resume):
    seed + offset, wrapped into numpy's range 0 .. 2**32 - 1, so any --seed works at any step."""
    return (int(seed) + int(offset)) % 2 ** 32


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
    return np.random.RandomState(derived_seed(config.seed, 1 + epoch)).permutation(subset)


def resume(model, folder):
    """Initialise the model's variables, then restore the newest checkpoint in the run's checkpoint
    folder if there is one. Returns (iteration counter, the checkpoint's training record: seconds and
    speed). Several machines (model.replicas, distribute.py): the chief restores its checkpoint and
    the others take its weights and iteration, so that every machine starts at the same point."""
    replicas = model.replicas
    replicas.initialize(model.sess)
    if not replicas.writes_files:  # another machine than the chief
        counter = replicas.take_chiefs_weights(model.sess, 0)
        print(f" [*] Took the chief's weights: starting at iteration {counter}", flush=True)
        return counter, {}
    found, counter = model.load(folder)
    counter = replicas.take_chiefs_weights(model.sess, counter)  # one machine: counter itself
    print(" [*] Load SUCCESS, resuming at iteration %d" % counter if found
          else " [!] No checkpoint yet: training from scratch", flush=True)
    return counter, runs.read_record(folder, "training")


# ----------------------------------------------------------------------------- stopping

MIN_FREE_BYTES = 64 * 2 ** 20  # stop (and save) before an output disk has less than this free
SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class StopOnSignal(object):
    """Context manager around the training loop: every way a run is stopped ends the loop
    cleanly, so the code after it saves a checkpoint.

    - Ctrl-C (SIGINT) and SIGTERM (what kill, timeout, Slurm, systemd and docker stop send) set
      .requested: the loop finishes its iteration and breaks. A second signal aborts at once.
    - An OSError raised inside (a full disk while writing a grid or a log line) is kept in
      .failure and ends the loop the same way, instead of a traceback that loses the run.
    - Finished, raised inside (TrainConfig.stop_when said so: a bench script's budget), ends the
      loop as if its epochs were done: nothing is requested, nothing failed.
    """

    def __enter__(self):
        self.requested, self.signal, self.failure = False, None, None
        self.previous = {s: signal.signal(s, self.handle) for s in SIGNAL_NAMES}
        return self

    def handle(self, signum, frame):
        if self.requested:  # a second signal: stop at once
            raise KeyboardInterrupt
        self.requested, self.signal = True, signum
        print(f"\n{SIGNAL_NAMES[signum]}: finishing this iteration, saving a checkpoint, then exiting "
              "(press Ctrl-C again to abort without saving)", flush=True)

    def fail(self, error):
        """Stop because an output cannot be written (error: the OSError, or a message)."""
        self.requested, self.failure = True, error

    def __exit__(self, exc_type, exc, tb):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        if exc_type is not None and issubclass(exc_type, OSError):
            self.fail(exc)
            return True  # swallowed: the caller saves a checkpoint, then reports it
        return exc_type is not None and issubclass(exc_type, Finished)

    def exit_code(self):
        """128 + the signal's number, as a shell reports a process stopped by it (Ctrl-C: 130)."""
        return 128 + int(self.signal or signal.SIGINT)


def failure_message(failure):
    """One phrase for the OSError that stopped the run (a full disk, a folder gone)."""
    if getattr(failure, "filename", None):
        return f"cannot write {failure.filename} ({failure.strerror or failure})"
    return failure.strerror or str(failure)


def low_disk(folders):
    """A message when one of the output folders' disks has less than MIN_FREE_BYTES free, else None."""
    for folder in folders:
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            continue
        if free < MIN_FREE_BYTES:
            return (f"the disk holding {folder} is almost full ({free / 2**20:.0f} MiB free, "
                    f"{MIN_FREE_BYTES / 2**20:.0f} MiB needed to go on)")
    return None


class Finished(Exception):
    """TrainConfig.stop_when ended the run (RunLog.iteration raises it; StopOnSignal ends the loop)."""


class Diverged(LabError):
    """The losses became NaN or infinite: training cannot recover, so it stops without saving."""

    def __init__(self, counter, name, value):
        super().__init__(f"training diverged at iteration {counter}: {name} is {value}")
        self.counter = counter


# ----------------------------------------------------------------------------- losses.csv

LOSS_FIELDS = ["step", "epoch", "d_loss", "g_loss", "seconds"]


def loss_rows(path):
    """(rows, skipped) of a losses.csv: the rows that are a log's (a whole step and epoch, three
    numbers), as [step, epoch, d_loss, g_loss, seconds], and how many other lines there were. A
    row cut short by a killed run or a full disk, a byte that is not UTF-8 or a foreign file
    costs those lines, never the reading. A file whose header is not LOSS_FIELDS has no rows."""
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8", "replace").splitlines()
    if not lines or lines[0].strip() != ",".join(LOSS_FIELDS):
        return [], max(0, len(lines) - 1)
    rows = []
    for line in lines[1:]:  # RunLog writes numbers only: no quoting, so a comma splits the fields
        try:
            step, epoch, *numbers = line.split(",")
            row = [int(step), int(epoch)] + [float(n) for n in numbers]
        except ValueError:
            continue
        if len(row) == len(LOSS_FIELDS) and all(math.isfinite(n) for n in row[2:]):
            rows.append(row)
    return rows, len(lines) - 1 - len(rows)


def read_loss_log(path):
    """losses.csv as a dict of numpy arrays (one entry per column); "skipped": how many lines were
    not a log's rows (loss_rows)."""
    rows, skipped = loss_rows(path)
    columns = np.array(rows, dtype=np.float64).reshape(len(rows), len(LOSS_FIELDS)).T
    return dict(zip(LOSS_FIELDS, columns), skipped=skipped)


def rewind_loss_log(path, step):
    """Keep only the rows up to `step` (the resumed checkpoint), so that the steps a killed run
    made after its last save are not in the curve twice; lines that are not a log's go too."""
    if not os.path.exists(path):
        return
    if not os.path.isfile(path):
        raise LabError(f"{path} is not a file (a folder?): move or delete it and run the same command again")
    keep = [row for row in loss_rows(path)[0] if row[0] <= step]

    def write(tmp):
        with open(tmp, "w", newline="") as f:
            csv.writer(f).writerows([LOSS_FIELDS] + [row[:2] + [f"{n:.6f}" for n in row[2:4]] + [f"{row[4]:.3f}"]
                                                     for row in keep])
    atomic_write(path, write)


class RunLog(object):
    """Everything a training run reports: the handout's progress line (with % done and ETA),
    once the speed is known a line on what the run will cost here, losses.csv (one row per
    iteration, for loss curves) and the TensorBoard writer. It also watches what must not go
    unnoticed: losses that turn NaN (Diverged) and output disks filling up (an OSError, which
    StopOnSignal turns into a clean stop with a checkpoint)."""

    SPEED_AFTER = 10  # iterations measured before the cost line (the first one is TensorFlow's set-up)

    def __init__(self, model, config, counter, batch_idxs, previous=None):
        """model: the DCGAN or BigGAN training (its graph, images per iteration, replicas: on the
        other machines of a multi-machine run the chief writes, they print lines only); config: the
        TrainConfig (its folders.logs gets losses.csv and TensorBoard's events); previous: the
        "training" record of the resumed checkpoint."""
        import tensorflow as tf
        self.config, self.batch_idxs = config, batch_idxs
        self.total, self.images_per_iteration = config.epoch * batch_idxs, model.images_per_iteration
        self.start_counter, self.start_time = counter, time.time()
        self.first_step_time = None  # when the first iteration (and TensorFlow's set-up) ended
        self.previous = previous or {}
        self.writes = model.replicas.writes_files
        if not self.writes:
            return
        folder = config.folders.logs
        os.makedirs(folder, exist_ok=True)
        self.outputs = list(config.folders)  # the disks watched for space
        path = os.path.join(folder, "losses.csv")
        rewind_loss_log(path, counter)
        self.loss_file = open(path, "a", newline="")
        self.losses = csv.writer(self.loss_file)
        if self.loss_file.tell() == 0:
            self.losses.writerow(LOSS_FIELDS)
        self.writer = tf.compat.v1.summary.FileWriter(folder, model.sess.graph if counter == 0 else None)

    def summary_due(self, counter):
        """TensorBoard summaries every log_freq iterations (they cost a little time)."""
        return counter % self.config.log_freq == 0

    def iteration(self, counter, epoch, idx, d_loss, g_loss, summaries=()):
        """After an iteration: check the losses, then TensorBoard summaries, a row in losses.csv,
        the progress line every print_freq iterations and, once, the cost line."""
        for name, value in (("d_loss", d_loss), ("g_loss", g_loss)):
            if not math.isfinite(value):
                raise Diverged(counter, name, value)
        elapsed = time.time() - self.start_time
        if self.writes:
            for summary in summaries:
                self.writer.add_summary(summary, counter)
            self.losses.writerow([counter, epoch, f"{d_loss:.6f}", f"{g_loss:.6f}", f"{elapsed:.3f}"])
            self.loss_file.flush()  # a killed run keeps its curve
        if self.first_step_time is None:
            self.first_step_time = time.time()
        if counter % self.config.print_freq == 0 or counter == self.total:
            print(f"Epoch: [{epoch:2d}/{self.config.epoch:2d}] [{idx:4d}/{self.batch_idxs:4d}] "
                  f"time: {elapsed:4.1f}, d_loss: {d_loss:.8f}, g_loss: {g_loss:.8f}  "
                  f"({100.0 * counter / max(1, self.total):5.1f}%, ETA {self.eta(counter)})", flush=True)
        if counter - self.start_counter == self.SPEED_AFTER + 1 and counter < self.total:
            print(self.cost_line(counter), flush=True)
        problem = self.writes and low_disk(self.outputs)
        if problem:
            raise OSError(errno.ENOSPC, problem)
        if self.config.stop_when is not None and self.config.stop_when(counter):
            raise Finished()

    def seconds_per_iteration(self, counter):
        """Measured after the first iteration, which includes TensorFlow's one-off set-up (timing
        from the start made the first ETA of a 5-hour run read 27 hours). None before that."""
        done = counter - self.start_counter - 1
        if self.first_step_time is None or done < 1:
            return None
        return (time.time() - self.first_step_time) / done

    def eta(self, counter):
        per_iteration = self.seconds_per_iteration(counter)
        return "?" if per_iteration is None else format_seconds(per_iteration * max(0, self.total - counter))

    def cost_line(self, counter):
        """What the run will cost on this machine, and a shorter route when it is long."""
        per_iteration = self.seconds_per_iteration(counter)
        left = per_iteration * (self.total - counter)
        line = (f"Speed here: {per_iteration:.2f} s per iteration "
                f"({self.images_per_iteration / per_iteration:,.0f} images/s); the {self.total - counter:,} "
                f"iterations left take about {format_seconds(left)}.")
        if left > 3600 and self.config.epoch > 1:
            what = " and gives recognisable digits of every class" if self.config.dataset == "mnist" else ""
            line += (f" A shorter run: --epoch 1 takes about {format_seconds(per_iteration * self.batch_idxs)}"
                     f"{what}. Ctrl-C stops and saves; the same command resumes.")
        return line

    def images_per_second(self, counter):
        elapsed = max(time.time() - self.start_time, 1e-9)
        return (counter - self.start_counter) * self.images_per_iteration / elapsed

    def training_record(self, counter):
        """Iterations, total seconds, the real images D saw and images/s over every run so far, and
        how it trained (--diffaug, --precision): config.json's "training" record. (A run saved
        before images_seen was recorded counts its earlier images from its speed and time.)"""
        seconds = self.previous.get("seconds", 0.0) + time.time() - self.start_time
        before = self.previous.get("images_seen")
        if not isinstance(before, int):
            before = round(self.previous.get("images_per_second", 0.0) * self.previous.get("seconds", 0.0))
        images = before + (counter - self.start_counter) * self.images_per_iteration
        return {"iterations": int(counter), "seconds": round(seconds, 2), "images_seen": int(images),
                "images_per_second": round(images / max(seconds, 1e-9), 2),
                "diffaug": self.config.diffaug, "precision": self.config.precision}

    def close(self, counter, stop):
        """Close the files and say how the run ended. After a disk failure closing may fail too
        (the last lines cannot be flushed): the checkpoint is what matters, so that is ignored."""
        try:
            if self.writes:
                self.loss_file.close()
                self.writer.close()
        except (OSError, RuntimeError):  # RuntimeError: TensorBoard's writer on a full disk
            pass
        if stop.requested and stop.failure is None and counter >= self.total:  # during the last save
            print(" [*] Stopped at iteration %d, the last: the run is complete and saved" % counter)
        elif stop.requested and stop.failure is None:
            print(" [*] Stopped at iteration %d; run the same command to resume" % counter)
        print(" [*] %.1f images/s over this run" % self.images_per_second(counter))
