"""The decoded-image cache of an image folder: every image is decoded ONCE, at the training
size, into a uint8 .npy file that later runs memory-map and read one batch at a time
(handout 六.1, the extension: training on the photos you care about, at their real size).

Why: a photo folder does not fit in memory once decoded (CelebA's 202,599 faces take ~23 GB
at full size), and decoding every JPEG in every epoch is slow. At 64x64 the same faces are
2.3 GiB on disk; training touches one batch at a time and the OS page cache keeps what fits.

Where (data/ is the folder that holds the dataset folder, --data_dir):
    data/.cache/<name>-<size>px-<id>.npy    uint8 [N, size, size, C], rows in the files' order
    data/.cache/<name>-<size>px-<id>.json   the key: what the .npy was made from
<id> is a hash of the settings (folder, pattern, classes, size, crop, channels), so every
setting has its own cache and switching back and forth rebuilds nothing. When data/ cannot be
written (a shared, read-only dataset on a lab server), a cache found there is still used, and
a new one goes to $XDG_CACHE_HOME/gan-lab/ (~/.cache/gan-lab/); one log line says where.
Delete the .cache folder to free the space; it is rebuilt when needed.

Trust: the key holds a fingerprint of the files (relative paths, sizes, modification times),
the settings, the .npy's shape, byte size and modification time. It is removed FIRST when a
cache is rebuilt and written LAST, after the complete .npy was renamed into place, so a killed
build never leaves a key that vouches for a partial file. A key that does not match the files,
or an .npy of another shape or size (truncated, replaced), means: rebuild, never use.
"""
import contextlib
import ctypes
import gc
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import signal
import time
from typing import List, NamedTuple

import numpy as np

from errors import LabError
from files import format_seconds, human_size, read_json, remove_stale_temporary, temporary_prefix, write_json
from images import imread, open_image, output_mode, transform

FORMAT = 1   # bump when the layout or the decoding changes: every older cache is then rebuilt
CHUNK = 64   # images per job sent to a worker process (one job = one write)
SPARE_BYTES = 64 * 2**20  # free space left on the disk after the cache is written
PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies (Linux)


class ImageFile(NamedTuple):
    rel: str        # path relative to the dataset folder, '/'-separated on every system
    size: int       # bytes
    mtime_ns: int   # modification time


# ----------------------------------------------------------------------------- names and places

def slot_name(folder, settings):
    """'<name>-<size>px-<10 hex digits>': the file name (no extension) of one setting's cache."""
    digest = hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]
    return f"{os.path.basename(os.path.abspath(folder))}-{settings['output_size']}px-{digest}"


def fingerprint(files):
    """sha1 of every file's relative path, size and modification time, in order: it changes
    when a file is added, removed, renamed, replaced or touched."""
    digest = hashlib.sha1()
    for f in files:
        digest.update(f"{f.rel}\t{f.size}\t{f.mtime_ns}\n".encode())
    return digest.hexdigest()


def user_cache_dir():
    """$XDG_CACHE_HOME/gan-lab, else ~/.cache/gan-lab: the writable fallback."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "gan-lab")


def can_write(folder):
    """True when a file can be created in folder (made if missing). A real try, because
    os.access says yes to root even on a read-only mount."""
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f".write-test-{os.getpid()}"), "wb"):
            pass
        os.remove(os.path.join(folder, f".write-test-{os.getpid()}"))
        return True
    except OSError:
        return False


def candidate_dirs(folder, cache_dir):
    """Where a cache may be: cache_dir when given, else data/.cache then the user's cache."""
    if cache_dir:
        return [cache_dir]
    return [os.path.join(os.path.dirname(os.path.abspath(folder)), ".cache"), user_cache_dir()]


def build_dir(folder, cache_dir, log):
    """The first writable candidate folder for a new cache; one log line when it is not the
    usual data/.cache, a LabError when none can be written."""
    candidates = candidate_dirs(folder, cache_dir)
    for where in candidates:
        if can_write(where):
            if where != candidates[0]:
                log(f"{candidates[0]} cannot be written (a shared, read-only dataset?): the "
                    f"decoded-image cache goes to {where}")
            return where
    raise LabError(f"cannot write the decoded-image cache in {' or '.join(candidates)}; make one "
                   "of them writable (or set XDG_CACHE_HOME to a writable folder)")


# ----------------------------------------------------------------------------- reading a cache

def key_for(files, settings):
    """What a valid cache's key must say about its input."""
    return {"format": FORMAT, "settings": settings, "files": fingerprint(files), "count": len(files)}


def bad_list_is_valid(bad, count, shape):
    """Whether a key's "bad" list is what build_cache writes: [file index, one-line message] pairs,
    each index once and below `count` (the files), and the files without them are the rows."""
    if not isinstance(bad, list) or not isinstance(shape, list) or not shape:
        return False
    if not all(isinstance(b, list) and len(b) == 2 and isinstance(b[0], int) and not isinstance(b[0], bool)
               and 0 <= b[0] < count and isinstance(b[1], str) and len(b[1]) <= 1000 and b[1].isprintable()
               for b in bad):
        return False
    return len({b[0] for b in bad}) == len(bad) and shape[0] == count - len(bad)


def open_cache(base, wanted):
    """(memory-mapped images, key) of the cache at base.npy/base.json, or (None, reason) when
    there is none ('' as reason) or it must not be trusted."""
    try:
        key = read_json(base + ".json")
    except (FileNotFoundError, NotADirectoryError):
        return None, ""
    except (OSError, ValueError):
        return None, "its key file is unreadable"
    if not isinstance(key, dict) or any(key.get(k) != v for k, v in wanted.items()):
        return None, "the image files or the cache format changed"
    if not bad_list_is_valid(key.get("bad"), wanted["count"], key.get("shape")):
        return None, "its key file is damaged"
    try:
        stat = os.stat(base + ".npy")
        if (stat.st_size, stat.st_mtime_ns) != (key["npy_bytes"], key["npy_mtime_ns"]):
            return None, "its .npy file was truncated or replaced"
        images = np.load(base + ".npy", mmap_mode="r")  # reads the header, maps the rest
    except (OSError, ValueError, KeyError):
        return None, "its .npy file is damaged"
    if images.dtype != np.uint8 or list(images.shape) != key.get("shape"):
        return None, "its .npy header does not match its key"
    return images, key


def find_cache(folder, wanted, cache_dir, name):
    """(images, key, base path) of a valid cache in a candidate folder, else (None, why the
    first cache found there is not used ('' when there is none), its base path)."""
    reason, stale = "", None
    for where in candidate_dirs(folder, cache_dir):
        base = os.path.join(where, name)
        images, key = open_cache(base, wanted)
        if images is not None:
            return images, key, base
        if key and not reason:
            reason, stale = key, base
    return None, reason, stale


# ----------------------------------------------------------------------------- decoding (in worker processes)

def decode(path, settings, channels):
    """One image file -> uint8 [size, size, channels], exactly as the cache stores it."""
    return transform(imread(path), channels, settings["output_size"], settings["input_size"],
                     settings["crop"])


def decode_chunk(job):
    """Worker: (start index, paths, settings, channels) -> (start, good images uint8
    [k, S, S, C], [(index, error message)] of the files that could not be decoded)."""
    start, paths, settings, channels = job
    size = settings["output_size"]
    images, bad = np.empty((len(paths), size, size, channels), np.uint8), []
    good = 0
    for i, path in enumerate(paths):
        try:
            images[good] = decode(path, settings, channels)
            good += 1
        except LabError as e:
            bad.append((start + i, " ".join(str(e).split())[:1000]))  # one line, as the key's check wants
    return start, images[:good], bad


def header_modes(job):
    """Worker: (start, paths) -> (start, ['L' or 'RGB' per file, None when it cannot be opened]).
    Reads only the headers: decides a folder's channels without decoding it."""
    start, paths = job
    modes = []
    for path in paths:
        try:
            with open_image(path) as image:
                modes.append(output_mode(image))
        except Exception:  # noqa: BLE001 - a bad file is reported by the decoding pass
            modes.append(None)
    return start, modes


def worker_start():
    """Worker start-up: Ctrl-C and SIGTERM are the parent's to handle (it stops the pool), so a
    worker prints no traceback of its own; and a worker dies with its parent, even when the
    parent is killed outright (SIGKILL), instead of living on as an orphan whose next result
    hits a closed pipe (Linux's PR_SET_PDEATHSIG; elsewhere the pool's own clean-up)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@contextlib.contextmanager
def ordered_map(workers):
    """imap over `workers` processes (results in order), or the built-in map for one.

    'fork' starts the workers as copies of this process: nothing is imported again (a
    spawned worker would re-import the training script and TensorFlow). Their memory is
    shared with this process until written; gc.freeze keeps it that way."""
    if workers <= 1:
        yield map
        return
    gc.freeze()  # the workers' garbage collector leaves the inherited objects alone: no copies
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=worker_start) as pool:
            yield pool.imap
    finally:
        gc.unfreeze()


def chunk_jobs(paths, chunk, *extra):
    """[(start, paths[start:start + chunk], *extra), ...]: the work split for ordered_map."""
    return [(start, paths[start:start + chunk]) + extra for start in range(0, len(paths), chunk)]


class ProgressBar(object):
    """Log lines like 'decoding celebA [##########..........] 51% 103,424/202,599 images,
    3,210/s, ETA 0:00:31': one every `every` seconds, and a last one at 100% when any was
    shown (a job done within `every` seconds prints nothing)."""

    def __init__(self, what, total, log, every=2.0):
        self.what, self.total, self.log, self.every = what, total, log, every
        self.start = self.last = time.time()
        self.shown = False

    def update(self, done):
        now = time.time()
        if now - self.last < self.every and not (done >= self.total and self.shown):
            return
        self.last, self.shown = now, True
        rate = done / max(now - self.start, 1e-9)
        bar = "#" * int(20 * done / max(self.total, 1))
        self.log(f"{self.what} [{bar:.<20}] {100 * done / max(self.total, 1):3.0f}% "
                 f"{done:,}/{self.total:,} images, {rate:,.0f}/s, "
                 f"ETA {format_seconds((self.total - done) / max(rate, 1e-9))}")


def pick_channels(paths, workers, log, what):
    """1 when every readable image is grayscale, else 3 (colour wins, grayscale is repeated)."""
    progress = ProgressBar(f"checking the channels of {what}", len(paths), log)
    modes = set()
    with ordered_map(workers) as run:
        for start, found in run(header_modes, chunk_jobs(paths, 4 * CHUNK)):
            modes.update(found)
            progress.update(start + len(found))
    return 1 if modes - {None} == {"L"} else 3


# ----------------------------------------------------------------------------- writing a cache

def npy_header(shape):
    """The .npy header (format 1.0) of a C-ordered uint8 array of `shape`, as bytes. numpy pads
    it so that the first dimension can change without changing its length."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False,
                                                  "shape": tuple(int(s) for s in shape)})
    return header.getvalue()


def check_free_space(where, nbytes, what):
    """Refuse, before writing anything, a cache that would not fit on the disk."""
    free = shutil.disk_usage(where).free
    if free < nbytes + SPARE_BYTES:
        raise LabError(f"not enough disk space for the decoded-image cache of {what}: it needs "
                       f"{human_size(nbytes)} in {where} plus {human_size(SPARE_BYTES)} to spare, "
                       f"only {human_size(free)} is free; free some space there (old caches in "
                       "that folder may be deleted) or use a smaller --output_height")


def write_rows(f, paths, settings, channels, workers, what, log):
    """Decode paths in order and append the good ones to f; returns [(index, message)] of the
    bad ones. Only a chunk of images is in memory at a time."""
    bad = []
    progress = ProgressBar(f"decoding {what}", len(paths), log)
    with ordered_map(workers) as run:
        for start, images, failures in run(decode_chunk, chunk_jobs(paths, CHUNK, settings, channels)):
            f.write(images.tobytes())
            bad.extend(failures)
            progress.update(min(start + CHUNK, len(paths)))
    return bad


def build_cache(base, folder, files, settings, wanted, workers, what, log):
    """Decode `files` into base.npy and write base.json, never leaving a half-written cache."""
    where, name = os.path.split(base)
    for old in (base + ".json", base + ".npy"):  # key first: it must never vouch for a new .npy
        with contextlib.suppress(FileNotFoundError):
            os.remove(old)
    remove_stale_temporary(where, log)  # what killed builds (of any setting) left behind
    paths = [os.path.join(folder, f.rel) for f in files]
    channels = settings["channels"] or pick_channels(paths, workers, log, what)
    size = settings["output_size"]
    shape = [len(files), size, size, channels]
    check_free_space(where, int(np.prod(shape)) + 128, what)
    log(f"Decoding the {len(files):,} images of {what} once into the cache {base}.npy "
        f"({human_size(np.prod(shape))}, {size}x{size}x{channels}, {workers} process(es))")
    tmp = os.path.join(where, f"{temporary_prefix(name)}.npy")
    try:
        with open(tmp, "wb") as f:
            header = npy_header(shape)
            f.write(header)
            bad = write_rows(f, paths, settings, channels, workers, what, log)
            shape[0] = len(files) - len(bad)  # the bad files have no row: fix the header's count
            if len(npy_header(shape)) != len(header):
                raise RuntimeError("the .npy header changed length; the rows would shift")
            f.seek(0)
            f.write(npy_header(shape))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, base + ".npy")
    except OSError as e:
        raise LabError(f"cannot write the decoded-image cache {base}.npy ({e.strerror}); free some "
                       "space there or make the folder writable")
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
    stat = os.stat(base + ".npy")
    write_json(base + ".json", dict(wanted, shape=shape, channels=channels, bad=bad,
                                    npy_bytes=stat.st_size, npy_mtime_ns=stat.st_mtime_ns))


def default_workers():
    """The CPU cores this process may use (both cores of a small laptop)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def cached_images(folder, files: List[ImageFile], settings, cache_dir=None, workers=None, log=print):
    """The images of `files` decoded with `settings`, from their cache (built when missing or
    stale): (uint8 [rows, S, S, C] read-only memory map, [(file index, message)] of files that
    could not be decoded and have no row, cache path). Rows follow the order of `files`.

    settings: output_size, input_size, crop, channels (1, 3, or None = 1 when every image is
    grayscale) and anything else that tells caches apart (folder, pattern, classes).
    """
    what = os.path.basename(os.path.abspath(folder))
    name, wanted = slot_name(folder, settings), key_for(files, settings)
    images, key, base = find_cache(folder, wanted, cache_dir, name)
    if images is None:
        if key:
            log(f"The decoded-image cache {base}.npy is out of date ({key}): rebuilding it")
        workers = min(workers or default_workers(), max(1, len(files) // CHUNK))
        base = os.path.join(build_dir(folder, cache_dir, log), name)
        build_cache(base, folder, files, settings, wanted, workers, what, log)
        images, key = open_cache(base, wanted)
        if images is None:
            raise LabError(f"the decoded-image cache {base}.npy changed while it was written "
                           f"({key}; another run building it at the same time?); run again")
    return images, [tuple(b) for b in key["bad"]], base + ".npy"
