"""Shared test set-up: the repository root on sys.path, TensorFlow in graph mode, quiet logs, and
the `sess` fixture (a fresh graph and session, graph seed 0) of the graph tests."""
import os
import sys

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
