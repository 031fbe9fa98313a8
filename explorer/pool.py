"""The generators behind the page: one loaded run is its own tf.Graph and Session.

A run is rebuilt by testmode.from_run (the network its config.json describes, its newest checkpoint;
BigGAN's EMA generator) and given standing statistics once, as test mode does (testmode.test_mode),
with test mode's batch size, so the page draws what test mode draws, pixel for pixel. Each
session runs on few threads (--threads), so a training run on the same cores keeps its speed and
the page stays quick. Requests for one run take turns (its lock: the model's truncation is set
per request); different runs draw at the same time. A run whose checkpoint changed (training
went on) is loaded again; one that cannot be loaded gives its one-line reason to the page.
"""
import collections
import threading
import time

import numpy as np
import tensorflow.compat.v1 as tf

import testmode
import runs
import tfstart
from errors import LabError
from explorer.scene import DIRECTIONS, ApiError
from sampling import set_standing_statistics
from utils import cycle_labels

TEST_MODE_BATCH = 64  # test mode's --batch_size default: the standing statistics' batch size


def session_config(threads):
    """The lab's session settings (tfstart.session_config) on `threads` threads for one op and
    one op at a time: the explorer should not take the cores from a training run."""
    config = tfstart.session_config(tf)
    config.intra_op_parallelism_threads = threads
    config.inter_op_parallelism_threads = 1
    return config


class Loaded:
    """One run, loaded: model (the sampling interface, see sampling.py), iteration, its lock."""

    def __init__(self, run, threads):
        self.run, self.stamp, self.lock = run, run.stamp, threading.Lock()
        self.graph = tf.Graph()
        started = time.perf_counter()
        with self.graph.as_default():
            self.sess = tf.Session(config=session_config(threads))
            try:
                self.model, self.iteration = testmode.from_run(self.sess, run.folder, *guess(run), TEST_MODE_BATCH)
                set_standing_statistics(self.model)  # as test mode: batch norm statistics from this G
            except BaseException:
                self.sess.close()
                raise
        self.load_seconds = time.perf_counter() - started
        self._directions, self.closed = None, False

    def draw(self, scene):
        """The scene's pictures, [N, H, W, C] in [0, 1] (one picture for a walk)."""
        with self.lock:
            self.check_open()
            if self.run.model == "BigGAN":
                self.model.truncation = scene.truncation
            directions = self.directions()[0] if any(s.kind == "direction" for s in scene.sliders) else None
            z, labels = scene_noise(self.model, scene, directions)
            return self.model.generate(z, labels)

    def shares(self):
        """How much of the change each strongest direction makes [DIRECTIONS]."""
        with self.lock:
            self.check_open()
            return self.directions()[1]

    def check_open(self):
        if self.closed:  # unloaded to make room for another run just now
            raise ApiError(409, f"{self.run.name} was unloaded to make room for another run; ask again")

    def directions(self):
        """The strongest directions (computed once; the caller holds the lock)."""
        if self._directions is None:
            self._directions = strongest_directions(self.model)
        return self._directions

    def close(self):
        with self.lock:
            self.closed = True
            self.sess.close()


def guess(run):
    """(program, dataset) for from_run's messages."""
    return runs.PROGRAMS.get(run.model, "main.py"), run.dataset


def scene_noise(model, scene, directions=None):
    """z [N, z_dim] and labels (None when unconditional) for a scene (explorer/scene.py):
    test mode's noise and classes, then each slider, then the walk."""
    z = model.sample_noise(np.random.RandomState(scene.seed), scene.n)   # [n, z_dim]
    labels = None
    if model.num_classes:
        labels = cycle_labels(scene.n, model.num_classes) if scene.label == "cycle" else np.full(scene.n, scene.label)
    for slider in scene.sliders:
        v = directions[slider.index] if slider.kind == "direction" else np.eye(model.z_dim)[slider.index]
        z = z + np.outer(slider.value - z @ v, v)  # z's position along v set to the value
    z = z.astype(np.float32)
    if scene.walk is not None:
        a, b, t = scene.walk.a, scene.walk.b, scene.walk.t
        z = ((1 - t) * z[a] + t * z[b])[None].astype(np.float32)           # [1, z_dim]
        labels = None if labels is None else labels[[a]]
    return z, labels


def strongest_directions(model, k=DIRECTIONS, bases=4, eps=1e-2, seed=0):
    """The k unit directions of z along which the pictures change most, strongest first, and the
    share of the change each one makes: the top eigenvectors of J^T J summed over a few random z
    (classes cycling), J = d picture / d z measured by finite differences. Returns
    (directions [k, z_dim], shares [k])."""
    z0 = model.training_noise(np.random.RandomState(seed), bases)                 # [B, D]
    d = model.z_dim
    z = np.repeat(z0, d + 1, axis=0)                                               # [B * (D + 1), D]
    z.reshape(bases, d + 1, d)[:, 1:] += eps * np.eye(d, dtype=np.float32)
    labels = np.repeat(cycle_labels(bases, model.num_classes), d + 1) if model.num_classes else None
    pictures = model.generate(z, labels).reshape(bases, d + 1, -1)                 # [B, D + 1, pixels]
    jacobians = (pictures[:, 1:] - pictures[:, :1]) / eps                          # [B, D, pixels]
    change = np.einsum("bip,bjp->ij", jacobians, jacobians)                        # [D, D]
    values, vectors = np.linalg.eigh(change)
    order = np.argsort(values)[::-1][:k]
    return vectors[:, order].T.copy(), values[order] / max(values.sum(), 1e-12)


class Pool:
    """Loaded runs by name, at most `capacity` at once (the least recently used is closed)."""

    def __init__(self, threads=2, capacity=4):
        self.threads, self.capacity = threads, capacity
        self.lock = threading.Lock()
        self.loaded = collections.OrderedDict()   # name -> Loaded
        self.failures = {}                        # name -> (stamp, message)
        self.loading = {}                         # name -> a lock, so a run is loaded once

    def cached(self, run):
        """The loaded run if it is up to date; ApiError if loading it failed before (same files)."""
        with self.lock:
            entry = self.loaded.get(run.name)
            if entry is not None and entry.stamp == run.stamp:
                self.loaded.move_to_end(run.name)
                return entry
            failure = self.failures.get(run.name)
            if failure is not None and failure[0] == run.stamp:
                raise ApiError(422, failure[1])
            return None

    def get(self, run):
        """The loaded run (a catalog.Run), loading it when needed; ApiError(422) with the reason
        when it cannot be used."""
        if run.problem:
            raise ApiError(422, run.problem)
        entry = self.cached(run)
        if entry is not None:
            return entry
        with self.lock:
            loading = self.loading.setdefault(run.name, threading.Lock())
        with loading:
            return self.cached(run) or self.load(run)

    def load(self, run):
        try:
            entry = Loaded(run, self.threads)
        except LabError as e:
            message = str(e)
        except Exception as e:  # a checkpoint TensorFlow cannot read: a message, not a dead server
            message = f"{run.name} could not be loaded ({type(e).__name__}: {str(e).splitlines()[0][:300]})"
        else:
            message = None
        with self.lock:
            if message is not None:
                self.failures[run.name] = (run.stamp, message)
                raise ApiError(422, message)
            self.failures.pop(run.name, None)
            gone = [self.loaded.pop(run.name)] if run.name in self.loaded else []
            self.loaded[run.name] = entry
            while len(self.loaded) > self.capacity:
                gone.append(self.loaded.popitem(last=False)[1])
        for old in gone:
            old.close()
        return entry

    def close(self):
        with self.lock:
            entries, self.loaded = list(self.loaded.values()), collections.OrderedDict()
        for entry in entries:
            entry.close()
