"""One home for the lab's user-facing errors (every entry script uses it; handout 五.3, main.py).

A LabError is a problem with the user's input or files that the user can fix: wrong flag,
missing data, a folder that cannot be written. Entry scripts run their main() through
run_or_exit, which prints it as ONE line `error: ...` and exits with code 2, never a traceback.
Stopping a program is not an error either: Ctrl-C (SIGINT) and SIGTERM (kill, timeout, Slurm,
docker stop) end it with one line and the exit code a shell expects (130, 143); code that is
writing a file removes its temporary file on the way out (atomic writes). The training loop
handles both signals itself, to save a checkpoint first (training.StopOnSignal).
"""
import os
import signal
import sys

CHECK_ONLY_VARIABLE = "GAN_LAB_CHECK_ONLY"


class LabError(Exception):
    """A problem the user can fix; the message names the problem and the fix."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so that clean-up code (finally, with)
    runs; Python's default for SIGTERM is to die on the spot, leaving temporary files behind."""


def raise_terminated(signum, frame):
    raise Terminated()


def stop_if_only_checking(what="the flags, the data and the folders check out"):
    """With GAN_LAB_CHECK_ONLY=1 set, end the program here with exit code 0: every check a
    command makes before its real work has passed (the tests run every README command this way;
    a student can use it to check a long command before starting it)."""
    if os.environ.get(CHECK_ONLY_VARIABLE, "") not in ("", "0"):
        print(f"{CHECK_ONLY_VARIABLE}: {what}; stopping before the real work", flush=True)
        sys.exit(0)


def one_line(text):
    """text with its line breaks and other control characters written as escapes (\\n, \\x00):
    a value from the command line or a file, echoed in a message, never breaks it into lines."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def print_error(message):
    """The one way an error reaches the user: `error: ...`, one line, on stderr."""
    print(f"error: {one_line(message)}", file=sys.stderr)


def run_or_exit(main_function, *args):
    """Call main_function(*args); a LabError becomes `error: ...` on stderr and exit code 2,
    Ctrl-C and SIGTERM one line and exit code 130 / 143."""
    signal.signal(signal.SIGTERM, raise_terminated)
    try:
        return main_function(*args)
    except LabError as e:
        print_error(e)
        sys.exit(2)
    except KeyboardInterrupt as e:
        name, code = ("SIGTERM", 143) if isinstance(e, Terminated) else ("Ctrl-C", 130)
        kept = str(e) or "no half-written file was kept"  # code that keeps a file says which
        print(f"stopped ({name}) before the end; {kept}: run the same command again to go on",
              file=sys.stderr)
        sys.exit(code)
