"""One home for the lab's user-facing errors (every entry script uses it; handout step 3, main.py).

A LabError is a problem with the user's input or files that the user can fix: wrong flag,
missing data, a folder that cannot be written. Entry scripts run their main() through
run_or_exit, which prints it as ONE line `error: ...` and exits with code 2, never a traceback.
"""
import sys


class LabError(Exception):
    """A problem the user can fix; the message names the problem and the fix."""


def run_or_exit(main_function, *args):
    """Call main_function(*args); turn a LabError into `error: ...` on stderr and exit code 2."""
    try:
        return main_function(*args)
    except LabError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
