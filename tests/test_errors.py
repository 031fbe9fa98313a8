"""errors.py: the one way a script ends badly: `error: ...` and exit 2 for a LabError, one line and
130 / 143 for Ctrl-C / SIGTERM, never a traceback."""
import os
import signal
import subprocess
import sys

import pytest

import errors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("problem,code,line", [
    (errors.LabError("the data folder is empty; add images"), 2, "error: the data folder is empty; add images"),
    (KeyboardInterrupt(), 130, "stopped (Ctrl-C) before the end; no half-written file was kept: run the same "
                               "command again to go on"),
    (errors.Terminated("the partial download is kept in x.part"), 143,
     "stopped (SIGTERM) before the end; the partial download is kept in x.part: run the same command again to go on"),
])
def test_run_or_exit_ends_in_one_line_and_the_exit_code(capsys, problem, code, line):
    def main():
        raise problem
    with pytest.raises(SystemExit) as stopped:
        errors.run_or_exit(main)
    assert stopped.value.code == code and capsys.readouterr().err == line + "\n"
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def test_sigterm_runs_the_clean_up_code_of_the_program_it_stops(tmp_path):
    """Python's default SIGTERM kills on the spot; run_or_exit turns it into Terminated, so
    `finally` blocks (atomic writes removing their temporary file) run first."""
    code = ("import os, signal, sys, time; sys.path.insert(0, %r); import errors\n"
            "def main():\n"
            "    try:\n"
            "        os.kill(os.getpid(), signal.SIGTERM); time.sleep(5)\n"
            "    finally:\n"
            "        open(%r, 'w').write('cleaned up')\n"
            "errors.run_or_exit(main)\n") % (REPO, str(tmp_path / "mark"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 143 and result.stderr.startswith("stopped (SIGTERM)")
    assert (tmp_path / "mark").read_text() == "cleaned up"
