"""The NVIDIA driver, and why TensorFlow may not use the GPU it lists. Loaded only where the
driver lists a GPU (tfstart.start_tensorflow, bench/gpu_check.py): a laptop never reads it.
No TensorFlow import here: the functions that need it are handed it."""
import re


def driver_version(path="/proc/driver/nvidia/version"):
    """The NVIDIA driver's version ('550.54.14'), None without one."""
    try:
        with open(path) as f:
            return re.search(r"Kernel Module\s+(\S+)", f.read()).group(1)
    except (OSError, AttributeError):
        return None


def unusable_gpu_problem(tf, driver_lists_gpu):
    """Why TensorFlow cannot use the NVIDIA GPU the driver lists (one line), or None: a GPU server
    must not train on its CPU for days without a word. TensorFlow's pip wheel needs CUDA's
    libraries (its [and-cuda] extra) and a driver new enough for them."""
    if not driver_lists_gpu or tf.config.list_physical_devices("GPU"):
        return None
    build = tf.sysconfig.get_build_info()
    driver = driver_version() or "version unknown"
    why = (f"TensorFlow {tf.__version__} (built for CUDA {build.get('cuda_version')}, cuDNN "
           f"{build.get('cudnn_version')}) cannot start it: CUDA's libraries are missing or the NVIDIA "
           f"driver ({driver}) is too old" if build.get("is_cuda_build")
           else f"this TensorFlow {tf.__version__} is built without CUDA")
    return (f'this machine has an NVIDIA GPU but {why}; pip install "tensorflow[and-cuda]" installs TensorFlow '
            "with CUDA's libraries (an old driver needs updating too), or run on the CPU with CUDA_VISIBLE_DEVICES=-1")
