"""tfstart.py: TensorFlow's start-up chatter is hidden, real messages are kept."""
import os
import re
import subprocess
import sys

import pytest

import gpu_driver
import tfstart

CHATTER = """WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1795911106.915033    4603 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results.
I0000 00:00:1795911106.915319    4603 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
E0000 00:00:1795911109.189822    4603 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)
I0000 00:00:1795911127.785393    4666 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.
"""
REAL = ("E0000 00:00:1795911109.189822    4603 some_kernel.cc:12] Out of memory while allocating\n"
        "UserWarning: something a student should see\n")


def test_known_chatter_is_dropped_and_real_messages_kept():
    assert tfstart.without_chatter(CHATTER) == ""
    assert tfstart.without_chatter(CHATTER + REAL) == REAL


def test_captured_stderr_catches_what_cpp_code_writes_to_descriptor_2():
    code = ("import os, tfstart\n"
            "with tfstart.CapturedStderr() as c:\n"
            "    os.write(2, b'from C\\n')\n"
            "print(repr(c.text))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tfstart.__file__.rsplit("/", 1)[0])
    assert out.stdout.strip() == repr("from C\n") and out.stderr == ""


def test_device_line_names_the_device():
    import tensorflow as tf
    line = tfstart.device_line(tf)
    assert line.startswith("device: CPU (no GPU found)") or line.startswith("device: GPU 0 (")


def test_chatter_while_running_is_hidden_and_real_errors_are_not(tmp_path):
    """A child process starts TensorFlow as the programs do, then C++-level writes to fd 2
    (where TensorFlow logs): the known harmless line is dropped, anything else comes through,
    in order, also right before the process exits."""
    code = (
        "import os, sys; sys.path.insert(0, %r); import tfstart; tfstart.import_tensorflow(); "
        "os.write(2, b'E0000 util.cc:131] oneDNN supports DT_INT32 only on platforms with AVX-512.\\n'); "
        "os.write(2, b'E0000 something real went wrong\\n'); print('error: ours', file=sys.stderr)"
    ) % os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env.pop("GAN_LAB_VERBOSE", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["E0000 something real went wrong", "error: ours"], result.stderr


ENTRY_SCRIPTS = ["main.py", "biggan/main.py", "biggan/compare.py", "explore.py", "download.py",
                 "evaluation/train_classifier.py", "bench/train_speed.py", "bench/recipes.py", "bench/folder_cache.py",
                 "bench/kill_resume.py", "bench/uncertainty_cost.py", "bench/explore_latency.py"]


@pytest.mark.parametrize("script", ENTRY_SCRIPTS)
def test_every_scripts_help_is_quiet(script):
    """--help prints the help and nothing on stderr: no TensorFlow start-up line, whichever script
    (evaluation/train_classifier.py printed 8, as its classifier module imports TensorFlow)."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    result = subprocess.run([sys.executable, os.path.join(repo, script), "--help"], capture_output=True, text=True,
                            env=env, cwd=repo, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("usage: python "), result.stdout[:200]
    assert result.stderr == ""
    booleans = re.search(r"Booleans: --(\w+) ", result.stdout)  # the footer names one of its own flags
    assert booleans is None or f"\n  --{booleans.group(1)} " in result.stdout


@pytest.mark.parametrize("stop,code,name", [("KeyboardInterrupt", 130, "Ctrl-C"),
                                            ("errors.Terminated", 143, "SIGTERM")])
def test_a_stop_while_tensorflow_imports_is_the_stop_line_without_its_chatter(tmp_path, stop, code, name):
    """Ctrl-C (or SIGTERM) lands while TensorFlow is being imported, after its start-up lines were
    written to descriptor 2: the user sees the one stop line, not the chatter (a stand-in
    tensorflow module writes CHATTER, then is stopped)."""
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    chatter = (CHATTER + REAL).encode()
    (fake / "__init__.py").write_text(f"import os, errors\nos.write(2, {chatter!r})\nraise {stop}()\n")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = (f"import sys; sys.path[:0] = [{str(tmp_path)!r}, {repo!r}]\n"
              "import errors, tfstart\nerrors.run_or_exit(tfstart.import_tensorflow)\n")
    env = {k: v for k, v in os.environ.items() if k != tfstart.VERBOSE_VARIABLE}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == code
    assert result.stderr == REAL + f"stopped ({name}) before the end; no half-written file was kept: run the same " \
                                   "command again to go on\n"


def test_the_driver_lists_a_gpu_unless_cuda_visible_devices_hides_it(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert not tfstart.gpu_may_be_used(str(tmp_path / "no-driver"))
    assert not tfstart.gpu_may_be_used(str(tmp_path))  # the driver, no GPU
    (tmp_path / "0000:65:00.0").mkdir()
    assert tfstart.gpu_may_be_used(str(tmp_path))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert not tfstart.gpu_may_be_used(str(tmp_path))


def test_a_gpu_tensorflow_cannot_use_is_refused_in_one_line_naming_what_to_install(monkeypatch):
    import tensorflow as tf
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("TensorFlow uses this machine's GPU")
    assert gpu_driver.unusable_gpu_problem(tf, driver_lists_gpu=False) is None  # no GPU: the CPU, as always
    problem = gpu_driver.unusable_gpu_problem(tf, driver_lists_gpu=True)
    build = tf.sysconfig.get_build_info()
    assert problem.startswith(f"this machine has an NVIDIA GPU but TensorFlow {tf.__version__} (built for "
                              f"CUDA {build['cuda_version']}, cuDNN {build['cudnn_version']}) cannot start it")
    assert 'pip install "tensorflow[and-cuda]"' in problem and "CUDA_VISIBLE_DEVICES=-1" in problem
    assert "\n" not in problem
    monkeypatch.setattr(tf.sysconfig, "get_build_info", lambda: {"is_cuda_build": False})
    assert f'this TensorFlow {tf.__version__} is built without CUDA; pip install "tensorflow[and-cuda]"' in \
        gpu_driver.unusable_gpu_problem(tf, True)
    # every entry script starts TensorFlow through start_tensorflow: it stops there, before the device line
    monkeypatch.setattr(tfstart, "gpu_may_be_used", lambda: True)
    with pytest.raises(tfstart.LabError, match=r"^this machine has an NVIDIA GPU but .* built without CUDA"):
        tfstart.start_tensorflow(0)
