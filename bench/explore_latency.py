"""How fast the explorer's page gets its pictures: load time and response times per run, over real HTTP.

    python bench/explore_latency.py                              # every run in checkpoint/
    python bench/explore_latency.py --runs mnist_28_28,biggan_mnist_28_28 --with_training
    python bench/explore_latency.py --threads 2                  # the explorer's --threads

Starts the explorer in this process on a free port (explore.py's server and generator pool) and,
for each run, loads it, then times what the page asks while a student drags a slider: grids of
64 and 16 pictures with the slider's value changing each time, and the walk's one picture. Prints the
median and the 90th percentile in milliseconds, from request sent to PNG received.
--with_training first starts a DCGAN training run on MNIST in a temporary folder (the handout's
main.py, all cores, as a student's would) and measures while it trains: the page should stay quick.
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402

import cli  # noqa: E402
import tfstart  # noqa: E402
from errors import LabError  # noqa: E402
from explorer import catalog  # noqa: E402

FLAGS = flags.FLAGS
HELP = dict(program="bench/explore_latency.py", common=False, groups=[("Benchmark", [
    "checkpoint_dir", "runs", "threads", "requests", "with_training"])],
    usage=["How fast the explorer's page gets its pictures, per run, over real HTTP."])


def define_flags(flags):
    flags.DEFINE_string("checkpoint_dir", "checkpoint", "The folder of the trained runs")
    flags.DEFINE_list("runs", [], "Run names to measure [every run in --checkpoint_dir]")
    flags.DEFINE_integer("threads", 2, "Threads per generator (explore.py --threads)", lower_bound=1, upper_bound=256)
    flags.DEFINE_integer("requests", 21, "Requests per measurement", lower_bound=1, upper_bound=10000)
    flags.DEFINE_boolean("with_training", False, "Measure beside a DCGAN training run")


def post(port, path, body):
    """(seconds, status, reply bytes) of one POST over a fresh connection, as the page makes it."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return time.perf_counter() - started, response.status, data


def times(port, scenes):
    """Milliseconds of each scene's /api/images request (each must succeed)."""
    out = []
    for scene in scenes:
        seconds, status, data = post(port, "/api/images", scene)
        if status != 200:
            raise SystemExit(f"error: {scene['run']}: {data.decode()[:300]}")
        out.append(1000 * seconds)
    return out


def measure(port, name, requests):
    """(median, p90) ms of a grid of 64 and one of 16 pictures with a moving slider, and of the
    walk's one picture."""
    values = np.linspace(-1, 1, requests)
    grids = [times(port, [{"run": name, "n": n, "sliders": [{"kind": "coordinate", "index": 0, "value": float(v)}]}
                          for v in values]) for n in (64, 16)]
    walk = times(port, [{"run": name, "n": 64, "walk": {"a": 0, "b": 1, "t": float(t)}} for t in values / 2 + 0.5])
    summary = lambda ms: (np.median(ms[1:]), np.percentile(ms[1:], 90))  # noqa: E731  (the first warms up)
    return [summary(ms) for ms in grids + [walk]]


class Training:
    """A DCGAN training run on MNIST in `folder` (a temporary one), started and watched: its
    iterations as they are printed, so the bench can tell how much the page slowed it."""

    def __init__(self, folder):
        self.process = subprocess.Popen([sys.executable, os.path.join(REPO, "main.py"), "--dataset", "mnist",
                                         "--train", "--epoch", "1", "--data_dir", os.path.join(REPO, "data")],
                                        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.seen = []  # (time, iterations printed so far)
        threading.Thread(target=self.watch, daemon=True).start()
        while len(self.seen) < 3 and self.process.poll() is None:
            time.sleep(0.2)
        if self.process.poll() is not None:
            raise SystemExit("error: the training run did not start")

    def watch(self):
        for line in self.process.stdout:
            if line.startswith("Epoch:"):
                self.seen.append((time.monotonic(), len(self.seen) + 1))

    def rate(self, seconds=None, since=None):
        """Iterations per second over the last `seconds` (waiting for them) or since a time."""
        if seconds:
            time.sleep(seconds)
            since = time.monotonic() - seconds
        window = [(t, i) for t, i in self.seen if t >= since]
        return (window[-1][1] - window[0][1]) / max(window[-1][0] - window[0][0], 1e-9) if len(window) > 1 else 0.0

    def stop(self):
        self.process.terminate()
        self.process.wait()


def bench(port, found, names, args, training):
    """Print one row per run and, beside a training run, how fast it trained meanwhile."""
    alone = training.rate(seconds=20) if training else None
    print(f"{os.cpu_count()} cores, --threads {args.threads}, {'beside a DCGAN training run' if training else 'no training run'}"
          f", load average {os.getloadavg()[0]:.1f} (ms: median / p90)")
    print(f"{'run':<34} {'model':<7} {'size':>5} {'load s':>7} {'grid of 64':>14} {'grid of 16':>14} {'walk (1)':>14}")
    slowed = []
    for name in names:
        run = found[name]
        load, status, data = post(port, "/api/load", {"run": name})
        if status != 200:
            print(f"{name}: {data.decode()[:200]}")
            continue
        started = time.monotonic()
        measured = measure(port, name, args.requests)
        if training:
            slowed.append(training.rate(since=started))
        show = lambda m: f"{m[0]:6.0f} / {m[1]:5.0f}"  # noqa: E731
        print(f"{name:<34} {run.model:<7} {run.size:>5} {load:7.1f} " + " ".join(f"{show(m):>14}" for m in measured),
              flush=True)
    if training:
        print(f"the training run: {alone:.2f} iterations/s alone, "
              f"{', '.join(f'{r:.2f}' for r in slowed)} while each run's pictures were asked for")


def main(argv):
    cli.reject_arguments(argv)
    found = catalog.find_runs(FLAGS.checkpoint_dir)
    names = FLAGS.runs or list(found)
    unknown = [name for name in names if name not in found]
    if unknown:
        raise LabError(f"no run {', '.join(unknown)} in {FLAGS.checkpoint_dir}; the runs there: "
                       f"{', '.join(found) or 'none (train one first)'}")
    tfstart.start_tensorflow(0)  # quiet import, graph mode, as explore.py; stops here when only checking
    from explorer.pool import Pool
    from explorer.server import Explorer, make_server
    pool = Pool(FLAGS.threads, capacity=len(names) or 1)
    server = make_server(Explorer(FLAGS.checkpoint_dir, pool), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as scratch:
        training = Training(scratch) if FLAGS.with_training else None
        try:
            bench(server.server_address[1], found, names, FLAGS, training)
        finally:
            if training:
                training.stop()
    server.shutdown()
    pool.close()


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
