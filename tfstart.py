"""Start TensorFlow quietly in the handout's graph mode and say which device the lab runs on
(handout 五.3: main.py's `with tf.Session(config=run_config)`); OneDevice: that one device, where
the handout's run trains and test mode samples (distribute.Replicas: several).

Every entry script calls start_tensorflow() once its flags are checked. Importing TensorFlow
prints a screen of its own C++ log lines before any setting can stop them: the oneDNN notice,
"Could not find cuda drivers", "failed call to cuInit" (an *error* line on every machine
without a GPU), the CPU-feature notice. They are harmless, but a student reads them as a
failure. So the import and the device search run with the process's stderr captured; the
known start-up chatter is dropped and everything else (real errors and warnings) is written
back. Our own line "device: ..." then says what TensorFlow found. While the program runs
afterwards, the lines TensorFlow writes are filtered the same way (FilteredStderr): a few are
known to be harmless on some CPUs (oneDNN falling back to its plain kernels for an int32 op,
an optional graph optimisation that gave up), and a student should not read them as failures.

See everything TensorFlow prints:   GAN_LAB_VERBOSE=1 python main.py ...
Check a command without running it: GAN_LAB_CHECK_ONLY=1 python main.py ... (the flags, the data
and the folders are checked as usual, then the program stops where TensorFlow would start; the
tests run every command of the READMEs this way)
"""
import atexit
import contextlib
import os
import re
import sys
import tempfile
import threading

from errors import LabError, stop_if_only_checking

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
    # while running: harmless on some CPUs (the graph still runs, on TensorFlow's own kernels)
    r"oneDNN supports DT_INT32 only on platforms with AVX-512",
    r"meta_optimizer\.cc:\d+\] \w+ failed: ",
    # several machines (distribute.py): the C++ details of an exchange another machine broke off or
    # has not joined yet (a retry); the program says what happened in one line of its own
    r"ring_alg\.cc:\d+\] Aborting RingReduce with ",
    r"base_collective_executor\.cc:\d+\] BaseCollectiveExecutor::StartAbort ",
    r"^Additional GRPC error information from remote target ",
    r"^:UNKNOWN:Error received from peer ",
    r"^The error could be from a previous operation\. Restart your program to reset\.",
    # --precision bf16 / mixed: the rewrite's notes on each graph it converts (an INFO line each)
    r"^I\d{4} .*auto_mixed_precision\.cc:\d+\] ",
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


class FilteredStderr(object):
    """File descriptor 2 through a pipe for the rest of the program: a thread copies every line
    to the real stderr except known chatter. (C++ code writes to fd 2 directly, so replacing
    sys.stderr would not catch TensorFlow's lines.) stop() at exit lets the last lines through."""

    def start(self):
        sys.stderr.flush()
        self.saved_fd = os.dup(2)
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self.thread = threading.Thread(target=self.pump, args=(read_fd,), daemon=True)
        self.thread.start()
        atexit.register(self.stop)
        return self

    def pump(self, read_fd):
        with os.fdopen(read_fd, "rb") as pipe:
            for line in pipe:
                if not CHATTER.search(line.decode("utf-8", "replace")):
                    os.write(self.saved_fd, line)

    def stop(self):
        sys.stderr.flush()
        os.dup2(self.saved_fd, 2)  # the pipe's last writer is gone: the thread reads to its end
        self.thread.join(timeout=5)


def import_tensorflow(filter_stderr=True):
    """Import TensorFlow and find its devices with the start-up chatter hidden; returns tf.
    filter_stderr: keep hiding known chatter for the rest of the program (FilteredStderr); the
    test suite, whose runner captures file descriptor 2 itself, turns it off. Once per program:
    when TensorFlow is imported already (a test, or a script that started it), it is returned."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
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
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM while importing: the stop line, not the chatter
        sys.stderr.write(without_chatter(getattr(captured, "text", "")))
        raise
    except BaseException:
        sys.stderr.write(getattr(captured, "text", ""))  # a failed import shows everything
        raise
    sys.stderr.write(without_chatter(captured.text))
    if filter_stderr:
        FilteredStderr().start()
    # TensorFlow's Python log: its INFO lines ("Restoring parameters from ...") and deprecation
    # notes on the graph style this lab teaches; our own lines say what was loaded and saved
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
    return tf


def gpu_may_be_used(folder="/proc/driver/nvidia/gpus"):
    """Whether TensorFlow may train on an NVIDIA GPU, judged without starting it: not when
    CUDA_VISIBLE_DEVICES hides every GPU ('' or -1), else when the driver lists a GPU."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", "x").strip() in ("", "-1"):
        return False
    return os.path.isdir(folder) and bool(os.listdir(folder))


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
    line printed (a GPU TensorFlow cannot use: one line instead); returns tf.compat.v1. With
    GAN_LAB_CHECK_ONLY set, stop here instead: every check that runs before TensorFlow has passed."""
    stop_if_only_checking("the flags, the data and the folders check out")
    tf = import_tensorflow()
    if gpu_may_be_used():  # the driver lists a GPU: one TensorFlow cannot use is one line (gpu_driver.py)
        from gpu_driver import unusable_gpu_problem
        problem = unusable_gpu_problem(tf, True)
        if problem:
            raise LabError(problem)
    print(device_line(tf), flush=True)
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    tf1.set_random_seed(seed)
    return tf1


def session_config(tf1):
    """Session settings: take GPU memory as needed, so students can share the lab's GPU server.
    (--precision bf16 or mixed adds its arithmetic: precision.configure.)"""
    config = tf1.ConfigProto()
    config.gpu_options.allow_growth = True
    return config


# ----------------------------------------------------------------------------- the one device

class OneDevice(object):
    """Where the handout's run trains (and test mode samples): one device, in this process, which
    writes every file.

    The models and the lab's helpers ask it (model.replicas) rather than know about several GPUs:
    distribute.Replicas answers the same questions for several GPUs or machines (--num_gpus,
    TF_CONFIG). Here every answer is "as the handout does"."""
    count = 1                  # replicas the batch is split over
    writes_files = True        # several machines: only the chief writes checkpoints, grids and logs
    target = ""                # the Session's target: this process
    lost_machine_errors = ()   # several machines: the errors that mean another machine stopped

    def scope(self):
        """Build the model in here (several GPUs: its variables mirrored on each of them)."""
        return contextlib.nullcontext()

    def per_replica(self, build, *batch):
        """The training step, build(*batch), once for the whole batch."""
        return build(*batch)

    def session_config(self, config):
        return config

    def initialize(self, sess):
        """Give every variable its initial value."""
        import tensorflow.compat.v1 as tf
        sess.run(tf.global_variables_initializer())

    def take_chiefs_weights(self, sess, counter):
        """Several machines: the chief's weights and iteration on every machine. Here: counter."""
        return counter

    def at_checkpoint(self, sess, step):
        """Several machines: each prints a digest of its weights. Here: nothing."""
