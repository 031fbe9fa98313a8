"""files.py: atomic writes, temporary files a killed process left, writable folders."""
import os
import signal
import subprocess
import sys
import time

import pytest

import files
from errors import LabError


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


def folder_files(folder):
    return {name: (folder / name).read_text() for name in sorted(os.listdir(folder))}


def test_replace_folder_swaps_in_the_whole_new_set(tmp_path):
    target = tmp_path / "report"
    target.mkdir()
    (target / "per_class.png").write_text("stale figure")
    (target / "report.md").write_text("old")
    files.replace_folder(str(target), lambda folder: open(os.path.join(folder, "report.md"), "w").write("new"))
    assert folder_files(target) == {"report.md": "new"}
    assert os.listdir(tmp_path) == ["report"]  # no temporary folder left
    assert os.stat(target).st_mode & 0o777 == 0o777 & ~files.current_umask()


def test_a_failed_build_leaves_the_previous_folder_as_it_was(tmp_path):
    target = tmp_path / "report"
    target.mkdir()
    (target / "report.md").write_text("old")

    def half_a_build(folder):
        open(os.path.join(folder, "report.md"), "w").write("half")
        raise LabError("stopped halfway")
    with pytest.raises(LabError):
        files.replace_folder(str(target), half_a_build)
    assert folder_files(target) == {"report.md": "old"} and os.listdir(tmp_path) == ["report"]


def test_a_killed_build_leaves_the_previous_folder_as_it_was(tmp_path):
    import signal
    import subprocess
    import sys
    target = tmp_path / "report"
    target.mkdir()
    (target / "report.md").write_text("old")
    script = ("import os, sys, time, files\n"
              "def build(folder):\n"
              "    open(os.path.join(folder, 'report.md'), 'w').write('half')\n"
              "    print('building', flush=True)\n"
              "    time.sleep(60)\n"
              f"files.replace_folder({str(target)!r}, build)\n")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                               cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert process.stdout.readline() == "building\n"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert folder_files(target) == {"report.md": "old"}
    left = [name for name in os.listdir(tmp_path) if name != "report"]
    assert len(left) == 1 and files.is_stale(str(tmp_path / left[0]))  # the next build removes it
    files.replace_folder(str(target), lambda folder: open(os.path.join(folder, "report.md"), "w").write("new"))
    assert os.listdir(tmp_path) == ["report"] and folder_files(target) == {"report.md": "new"}


def test_ctrl_c_and_sigterm_wait_for_the_end_of_a_deferred_block():
    caught = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: caught.append("late"))
    try:
        with files.signals_deferred():
            signal.raise_signal(signal.SIGTERM)
            caught.append("inside")  # the block ran on
        assert caught == ["inside", "late"]  # then the signal reached its own handler
        with pytest.raises(KeyboardInterrupt):
            with files.signals_deferred():
                signal.raise_signal(signal.SIGINT)
                caught.append("still inside")
        assert caught[-1] == "still inside"
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.parametrize("text,problem", [("[" * 100_000 + "]" * 100_000, "nested too deep"),
                                          ("{}" + " " * (2 * files.MAX_JSON_BYTES), "larger than")])
def test_a_json_file_nested_without_end_or_too_large_is_refused_as_invalid(tmp_path, text, problem):
    path = tmp_path / "key.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=problem):
        files.read_json(str(path))
