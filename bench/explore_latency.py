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
import argparse
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
import tfstart  # noqa: E402

tf = tfstart.import_tensorflow()  # start-up chatter hidden
tf.compat.v1.disable_eager_execution()
tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)  # as explore.py (tfstart.start_tensorflow)
from explorer import catalog  # noqa: E402
from explorer.pool import Pool  # noqa: E402
from explorer.server import Explorer, make_server  # noqa: E402


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint_dir", default="checkpoint")
    parser.add_argument("--runs", default="", help="comma-separated run names [all]")
    parser.add_argument("--threads", type=int, default=2, help="threads per generator (explore.py --threads)")
    parser.add_argument("--requests", type=int, default=21, help="requests per measurement")
    parser.add_argument("--with_training", action="store_true", help="measure beside a DCGAN training run")
    args = parser.parse_args()
    found = catalog.find_runs(args.checkpoint_dir)
    names = [n for n in args.runs.split(",") if n] or list(found)
    pool = Pool(args.threads, capacity=len(names) or 1)
    server = make_server(Explorer(args.checkpoint_dir, pool), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as scratch:
        training = Training(scratch) if args.with_training else None
        try:
            bench(server.server_address[1], found, names, args, training)
        finally:
            if training:
                training.stop()
    server.shutdown()
    pool.close()


if __name__ == "__main__":
    main()
