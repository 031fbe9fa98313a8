"""The trained runs under a checkpoint folder, as the explorer's page lists them (no TensorFlow).

Every sub-folder of the checkpoint folder that holds a config.json or a checkpoint is a run.
Its config.json is data from a file, checked by runs.read_config; a run whose config.json is
damaged is listed with the problem, so the page says what is wrong instead of hiding it.
A request names a run by its name; only a name found here ever becomes a folder, so no text
from a request reaches the file system.
"""
import dataclasses
import os
from typing import List, Optional

import checkpoints
import runs
from errors import LabError


@dataclasses.dataclass(frozen=True)
class Run:
    """One run as the page shows it. stamp: when its config.json was last written (a newer
    checkpoint rewrites it), which also tells the pool that a loaded run is out of date."""
    name: str
    folder: str
    model: str = "?"
    dataset: str = "?"
    size: int = 0
    channels: int = 0
    classes: List[str] = dataclasses.field(default_factory=list)
    z_dim: int = 0
    iterations: Optional[int] = None
    stamp: float = 0.0
    problem: Optional[str] = None

    @property
    def conditional(self):
        return bool(self.classes)

    def describe(self):
        """What /api/runs says about the run (JSON)."""
        return {"name": self.name, "model": self.model, "dataset": self.dataset, "size": self.size,
                "channels": self.channels, "conditional": self.conditional, "classes": self.classes,
                "z_dim": self.z_dim, "iterations": self.iterations, "problem": self.problem,
                "z_range": list(Z_RANGES.get(self.model, (-1.0, 1.0)))}


# The prior's usual range of one z number, as test mode sweeps it (testmode.sweep_values uses the
# models' z_sweep): the DCGAN draws z ~ U(-1, 1), BigGAN z ~ N(0, 1) (two standard deviations).
Z_RANGES = {"DCGAN": (-1.0, 1.0), "BigGAN": (-2.0, 2.0)}


def guess_command(name):
    """The training script and dataset a run's name points to (for the fix in a message)."""
    program = runs.PROGRAMS["BigGAN"] if name.startswith("biggan_") else runs.PROGRAMS["DCGAN"]
    dataset = name[len("biggan_"):] if name.startswith("biggan_") else name
    return program, dataset.split("_")[0].split("-")[0]


def read_run(folder):
    """The Run in `folder` (its problem set when its config.json cannot be used)."""
    name = os.path.basename(folder)
    try:
        stamp = os.path.getmtime(os.path.join(folder, runs.CONFIG))
    except OSError:
        stamp = 0.0
    try:
        config = runs.read_config(folder, *guess_command(name))
    except (LabError, OSError) as e:
        return Run(name, folder, stamp=stamp, problem=str(e))
    if not checkpoints.checkpoint_steps(folder, config.model):  # found now, not after building the network
        program = runs.PROGRAMS[config.model]
        return Run(name, folder, config.model, config.dataset, stamp=stamp,
                   problem=f"{folder} has a config.json but no checkpoint; {runs.train_first(program, config.dataset)}")
    iterations = config.training.get("iterations")
    return Run(name, folder, config.model, config.dataset, config.image_size, config.architecture.c_dim,
               config.class_names if config.conditional else [], config.architecture.z_dim,
               iterations if isinstance(iterations, int) else None, stamp)


def is_run_folder(path):
    """A folder a training run wrote: it has a config.json or a checkpoint list."""
    return os.path.isdir(path) and any(os.path.exists(os.path.join(path, f)) for f in (runs.CONFIG, "checkpoint"))


def find_runs(checkpoint_dir):
    """The runs under checkpoint_dir, newest first (by their last checkpoint), as {name: Run}."""
    try:
        names = sorted(n for n in os.listdir(checkpoint_dir) if not n.startswith("."))
    except OSError:
        return {}
    found = [read_run(os.path.join(checkpoint_dir, n)) for n in names
             if is_run_folder(os.path.join(checkpoint_dir, n))]
    return {run.name: run for run in sorted(found, key=lambda r: -r.stamp)}


def newest(found):
    """The name of the newest usable run, or None."""
    return next((name for name, run in found.items() if run.problem is None), None)
