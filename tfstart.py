"""Start TensorFlow quietly in the handout's graph mode and say which device the lab runs on
(handout step 3: main.py's `with tf.Session(config=run_config)`).

Every entry script calls start_tensorflow() once its flags are checked. Importing TensorFlow
prints a screen of its own C++ log lines before any setting can stop them: the oneDNN notice,
"Could not find cuda drivers", "failed call to cuInit" (an *error* line on every machine
without a GPU), the CPU-feature notice. They are harmless, but a student reads them as a
failure. So the import and the device search run with the process's stderr captured; the
known start-up chatter is dropped and everything else (real errors and warnings) is written
back. Our own line "device: ..." then says what TensorFlow found.

See everything TensorFlow prints:   GAN_LAB_VERBOSE=1 python main.py ...
"""
import os
import re
import sys
import tempfile

VERBOSE_VARIABLE = "GAN_LAB_VERBOSE"

# TensorFlow's start-up lines that say nothing is wrong (matched anywhere in a line).
CHATTER = re.compile("|".join([
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    r"oneDNN custom operations are on",
    r"Could not find cuda drivers on your machine",
    r"failed call to cuInit",
    r"This TensorFlow binary is optimized to use available CPU instructions",
    r"^To enable the following instructions: .*rebuild TensorFlow",
    r"Unable to register cu(DNN|FFT|BLAS) factory",
    r"TF-TRT Warning: Could not find TensorRT",
    r"computation placer already registered",
]))


def without_chatter(text):
    """The lines of `text` that are not known start-up chatter, joined again."""
    return "".join(line for line in text.splitlines(keepends=True) if not CHATTER.search(line))


class CapturedStderr(object):
    """Context manager: file descriptor 2 goes to a temporary file (C++ writes there too,
    so sys.stderr alone is not enough); `.text` holds what was written."""

    def __enter__(self):
        sys.stderr.flush()
        self.file = tempfile.TemporaryFile(mode="w+b")
        self.saved_fd = os.dup(2)
        os.dup2(self.file.fileno(), 2)
        return self

    def __exit__(self, *exc):
        sys.stderr.flush()
        os.dup2(self.saved_fd, 2)
        os.close(self.saved_fd)
        self.file.seek(0)
        self.text = self.file.read().decode("utf-8", "replace")
        self.file.close()
        return False


def import_tensorflow():
    """Import TensorFlow and find its devices with the start-up chatter hidden; returns tf."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's INFO and WARNING log off
    if os.environ.get(VERBOSE_VARIABLE, "") not in ("", "0"):
        import tensorflow as tf
        tf.config.list_physical_devices()
        return tf
    captured = CapturedStderr()
    try:
        with captured:
            import tensorflow as tf
            tf.config.list_physical_devices()  # CUDA start-up (and its cuInit line) happens here
    except BaseException:
        sys.stderr.write(getattr(captured, "text", ""))  # a failed import shows everything
        raise
    sys.stderr.write(without_chatter(captured.text))
    return tf


def device_line(tf):
    """'device: GPU 0 (NVIDIA H200)' or 'device: CPU (no GPU found), 2 cores'."""
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return f"device: CPU (no GPU found), {os.cpu_count()} cores"
    names = []
    for i, gpu in enumerate(gpus):
        details = tf.config.experimental.get_device_details(gpu)
        names.append(f"GPU {i} ({details.get('device_name', 'unknown')})")
    return "device: " + ", ".join(names)


def start_tensorflow(seed):
    """Quiet import, the handout's graph mode (tf.compat.v1), a fixed graph seed, the device
    line printed; returns tf.compat.v1."""
    tf = import_tensorflow()
    print(device_line(tf), flush=True)
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    tf1.logging.set_verbosity(tf1.logging.ERROR)  # our own lines say what was loaded and saved
    tf1.set_random_seed(seed)
    return tf1


def session_config(tf1):
    """Session settings: take GPU memory as needed, so students can share the lab's GPU server."""
    config = tf1.ConfigProto()
    config.gpu_options.allow_growth = True
    return config
