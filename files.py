"""Files the lab writes, made safe (the bottom layer every other module uses; no TensorFlow).

- atomic_write: a file appears whole or not at all (a temporary file in the same folder, then a
  rename), so a full disk, Ctrl-C or a kill never leaves a half-written grid, config or cache;
- temporary files carry their process id (.tmp-<pid>-...), so the next run of anything removes
  the ones a killed process left behind (remove_stale_temporary);
- writable_problem / check_writable: a folder is tried for writing before hours of work;
- JSON in and out, and the numbers in log lines (format_seconds, human_size).
"""
import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time

from errors import LabError


# ----------------------------------------------------------------------------- writing

TEMP_PREFIX = ".tmp-"          # temporary files and folders: .tmp-<pid>-..., see temporary_prefix
STALE_AFTER_S = 24 * 60 * 60   # older than a day: stale even if its pid runs (pids are reused)


def temporary_prefix(tag=""):
    """Name start of this process's temporary files: .tmp-<pid>-[tag-]. An interrupted run
    removes its own on the way out; the pid lets a later run remove those a killed one left."""
    return f"{TEMP_PREFIX}{os.getpid()}-" + (f"{tag}-" if tag else "")


def process_alive(pid):
    """True while a process with this id runs (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True


def is_stale(path):
    """True for a temporary file or folder (.tmp-*) that no running process will finish: its
    pid is gone, its name has no pid (an older version of the lab), or it is older than a day."""
    pid = os.path.basename(path)[len(TEMP_PREFIX):].split("-")[0]
    return (not pid.isdigit() or not process_alive(int(pid))
            or time.time() - os.path.getmtime(path) > STALE_AFTER_S)


def remove_stale_temporary(folder, log=print):
    """Delete the stale temporary files and folders (is_stale) in `folder`, if it is a folder."""
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if name.startswith(TEMP_PREFIX) and is_stale(path):
                log(f"Removing {name}, left by an interrupted run")
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.remove(path)


@contextlib.contextmanager
def signals_deferred():
    """Inside this block Ctrl-C and SIGTERM wait: they act when it ends, as they would have at its
    start. For the few steps that must not be cut in half (renaming a finished save into place,
    removing what an interrupted one left), so that "nothing half-written was kept" stays true
    however often Ctrl-C is pressed. (In the main thread, where Python's signal handlers run.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = {signum: signal.signal(signum, lambda signum, frame: received.append(signum))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            signal.raise_signal(received[0])  # now: to the handler that was there before


def current_umask():
    """The process's umask (reading it means setting it; it is set straight back)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def atomic_write(path, write_function, suffix=""):
    """Write via a temporary file in the same folder and rename it, so no half file is left."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=temporary_prefix(),
                               suffix=suffix or os.path.splitext(path)[1])
    os.close(fd)
    try:
        write_function(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with signals_deferred():
            if os.path.exists(tmp):
                os.remove(tmp)
        raise


def replace_folder(path, build_function):
    """Write a whole folder as one set (a comparison's report): build_function(folder) fills a new
    temporary sibling folder, which then takes path's place; the previous folder is removed only
    after that. So no file of the previous set survives next to the new one, and a build that
    fails or is killed leaves the previous folder as it was (what a killed build leaves, a
    .tmp-<pid>-... folder, goes at the next run: remove_stale_temporary)."""
    path = os.path.abspath(path)
    parent, name = os.path.split(path)
    os.makedirs(parent, exist_ok=True)
    remove_stale_temporary(parent, log=lambda line: None)
    new = tempfile.mkdtemp(dir=parent, prefix=temporary_prefix(f"{name}-new"))
    old = None
    try:
        build_function(new)
        with signals_deferred():  # the swap: all of it or none
            os.chmod(new, 0o777 & ~current_umask())  # mkdtemp makes 0700 folders
            if os.path.exists(path):
                old = tempfile.mkdtemp(dir=parent, prefix=temporary_prefix(f"{name}-old"))
                os.rename(path, old)  # replaces the empty folder mkdtemp made
            os.rename(new, path)
    except BaseException:
        with signals_deferred():
            if old and not os.path.exists(path):
                os.rename(old, path)  # the new set could not take its place: put the old one back
                old = None
            shutil.rmtree(new, ignore_errors=True)
        raise
    finally:
        if old:
            with signals_deferred():
                shutil.rmtree(old, ignore_errors=True)


def write_text(path, text):
    """Write a UTF-8 text file atomically (reports, tables)."""
    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    atomic_write(path, write)


def write_json(path, data):
    """Write a JSON file atomically (run configs and metrics)."""
    write_text(path, json.dumps(data, indent=2, sort_keys=True))


MAX_JSON_BYTES = 4 * 2 ** 20  # the lab's own small JSON files (a cache's key, a classifier's metadata)


def read_json(path, max_bytes=MAX_JSON_BYTES):
    """A small JSON file of the lab's, read as data: larger than max_bytes or nested without end
    is a ValueError, as invalid JSON is (callers treat all three as a damaged file)."""
    with open(path, "rb") as f:
        text = f.read(max_bytes + 1)
    if len(text) > max_bytes:
        raise ValueError(f"larger than {max_bytes:,} bytes")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deep")


def writable_problem(folder):
    """Why files cannot be written in folder (a phrase), or None when they can.

    Nothing is created: a probe file is written (and removed) in the folder or, where the folder
    does not exist yet, in its nearest existing parent, where it will be made. So a run that
    then stops on another bad input leaves nothing behind, and two runs starting side by side
    never remove each other's folders."""
    existing = os.path.abspath(folder)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    try:
        if not os.path.isdir(existing):
            raise NotADirectoryError(20, f"{existing} is a file, not a folder")
        probe = tempfile.NamedTemporaryFile(dir=existing, prefix=".write-test-")
        probe.close()
    except OSError as e:
        return e.strerror
    return None


def check_writable(folder, what):
    """Fail with a one-line error naming folder unless files can be written in it."""
    problem = writable_problem(folder)
    if problem:
        raise LabError(f"cannot write to {what} {folder} ({problem}); choose another "
                       f"with --{what.replace(' ', '_')}")


# ----------------------------------------------------------------------------- numbers in log lines

def format_seconds(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def human_size(nbytes):
    """1536 -> '1.5 KiB': sizes in log lines and errors."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if nbytes < 1024 or unit == "GiB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024.0
