"""files.py: atomic writes, temporary files a killed process left, writable folders."""
import os
import subprocess
import sys
import time

import pytest

import files


def test_atomic_write_leaves_nothing_when_writing_fails(tmp_path):
    def fail(tmp):
        open(tmp, "w").write("half")
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError):
        files.atomic_write(str(tmp_path / "out.json"), fail)
    assert os.listdir(tmp_path) == []


def test_stale_temporary_files_are_removed_and_a_running_processes_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = os.getpid()
    names = {f".tmp-{dead.pid}-abc.gz": True,        # its process is gone
             ".tmp-k1lled.gz": True,                   # no pid: made by an older lab
             f".tmp-{alive}-old.gz": True,             # a day old: the pid may be reused
             f".tmp-{alive}-fresh.gz": False,          # still being written
             "keep.gz": False}
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / f".tmp-{dead.pid}-celebA-x1").mkdir()   # a folder being unpacked, killed
    (tmp_path / f".tmp-{dead.pid}-celebA-x1" / "000001.jpg").write_bytes(b"x")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(tmp_path / f".tmp-{alive}-old.gz", (two_days_ago, two_days_ago))
    log = []
    files.remove_stale_temporary(str(tmp_path), log.append)
    assert sorted(os.listdir(tmp_path)) == sorted(n for n, stale in names.items() if not stale)
    assert len(log) == 4 and all(line.endswith(", left by an interrupted run") for line in log)
    files.remove_stale_temporary(str(tmp_path / "no such folder"), log.append)  # nothing to do
