"""Shared test set-up: the repository root on sys.path, TensorFlow in graph mode, quiet logs, and
the `sess` fixture (a fresh graph and session, graph seed 0) of the graph tests."""
import os
import signal
import sys

# A suite started in the background (`bash .ci/run &`, nohup) inherits Ctrl-C as *ignored*, and so
# would every program a test starts, so a test that presses Ctrl-C would wait for nothing. Catching
# it here makes the programs start as from a terminal (a caught signal is reset on exec).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import pytest  # noqa: E402

import tfstart  # noqa: E402

tf = tfstart.import_tensorflow(filter_stderr=False)  # start-up chatter hidden, as in the programs

tf.compat.v1.disable_eager_execution()
tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


@pytest.fixture
def sess():
    """A session on a graph of its own, graph-level seed 0: every graph test starts clean."""
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        tf.compat.v1.set_random_seed(0)
        yield session
