"""Kill a tiny training run at random moments, again and again, and check it always resumes.

    python bench/kill_resume.py              # 20 SIGKILLs, then a final run to the end
    python bench/kill_resume.py --kills 5

Each round starts `main.py --train` on MNIST (batch 16, a checkpoint every iteration so that
many kills land inside a save), waits until training is under way, sleeps a random 0-2 s
and sends SIGKILL. After every round it checks what issue 10 asks: losses.csv holds every
step once and in order, at most --max_to_keep checkpoints, no temporary files. It prints one
line per round and a summary; the exit code is 1 if any check failed.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402

import cli  # noqa: E402
import runs  # noqa: E402
from errors import stop_if_only_checking  # noqa: E402

FLAGS = flags.FLAGS
HELP = dict(program="bench/kill_resume.py", common=False, groups=[("Kills", ["kills", "seed"])],
            usage=["Kills a tiny training run again and again and checks it always resumes."])
RUN = "mnist_28_28"


def run_folders(cwd):
    """The folders main.py's run writes, started in cwd with the default --checkpoint_dir etc."""
    return runs.folders(RUN, *(os.path.join(cwd, base) for base in ("checkpoint", "samples", "logs")))


def start(cwd, epochs):
    args = [sys.executable, os.path.join(REPO, "main.py"), "--dataset=mnist", "--train",
            f"--data_dir={os.path.join(REPO, 'data')}", "--batch_size=16", "--train_size=160",
            f"--epoch={epochs}", "--ckpt_freq=1", "--max_to_keep=2", "--sample_freq=1000"]
    return subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def problems(cwd):
    """What is wrong with the run's files now (empty list: nothing)."""
    found = []
    log = os.path.join(run_folders(cwd).logs, "losses.csv")
    steps = np.loadtxt(log, delimiter=",", skiprows=1, usecols=0, ndmin=1).astype(int).tolist() \
        if os.path.exists(log) else []
    if steps != list(range(1, len(steps) + 1)):
        found.append(f"losses.csv steps not continuous: {steps[-5:]}")
    folder = run_folders(cwd).checkpoint
    files = os.listdir(folder) if os.path.isdir(folder) else []
    if len([f for f in files if f.endswith(".index")]) > 2:
        found.append(f"{len([f for f in files if f.endswith('.index')])} checkpoints (max 2)")
    return found, steps


def define_flags(flags):
    flags.DEFINE_integer("kills", 20, "SIGKILLs, each at a random moment", lower_bound=1, upper_bound=10_000)
    flags.DEFINE_integer("seed", 0, "Seed of the random moments", lower_bound=0, upper_bound=cli.MAX_SEED)


def main(argv):
    cli.reject_arguments(argv)
    stop_if_only_checking()
    args = FLAGS
    rng = np.random.RandomState(args.seed)
    cwd = tempfile.mkdtemp(prefix="kill-resume-")
    failures = 0
    for round_ in range(1, args.kills + 1):
        proc = start(cwd, epochs=1000)
        for line in proc.stdout:  # wait until training is under way
            if line.startswith("Epoch: "):
                break
        time.sleep(rng.uniform(0.0, 2.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        # the next start cleans what the kill left; check the state a resume then sees
        found, steps = problems(cwd)
        failures += bool(found)
        print(f"kill {round_:2d}: {len(steps)} steps logged, " + ("; ".join(found) or "ok"), flush=True)
    final = start(cwd, epochs=len(problems(cwd)[1]) // 10 + 2)  # 10 iterations an epoch: past the kills
    out, err = final.communicate()
    found, steps = problems(cwd)
    leftovers = [f for f in os.listdir(run_folders(cwd).checkpoint)
                 if f.startswith(".saving-") or "tempstate" in f]
    if final.returncode != 0 or found or leftovers:
        failures += 1
        print(f"final run: exit {final.returncode}, {found}, leftovers {leftovers}\n{err[-2000:]}")
    print(f"{args.kills} kills, final run to step {steps[-1] if steps else 0}: "
          f"{'all checks passed' if not failures else f'{failures} round(s) failed'} ({cwd})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
