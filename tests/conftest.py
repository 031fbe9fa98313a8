"""Shared test set-up: the repository root on sys.path, TensorFlow in graph mode, quiet logs."""
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import tfstart  # noqa: E402

tf = tfstart.import_tensorflow(filter_stderr=False)  # start-up chatter hidden, as in the programs

tf.compat.v1.disable_eager_execution()
tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
