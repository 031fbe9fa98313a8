"""Is this machine ready for the lab, and how fast is it? One command, one table: run it first on
a GPU server (README: on a GPU server).

    python bench/gpu_check.py                   # the table on screen and in logs/gpu_check.md
    python bench/gpu_check.py --out gpu.md

On a machine with NVIDIA GPUs (sized for under 8 minutes on one H100; not yet run on a GPU, as
this repository's machines have none), each a row of the table:
  environment  TensorFlow's build, the CUDA and cuDNN it was built for, the driver, each GPU's name
               and memory, and whether the lab's sessions grow their GPU memory as needed
  DCGAN        the handout's MNIST network at batch 64: training images/s with --precision fp32 and
               mixed, the 25 epochs this implies, and the share of an iteration spent feeding the data
               (reading and converting the batch in numpy, copying it to the GPU through feed_dict)
  BigGAN       64 px --ch 64 and 128 px --ch 32 on random colour images: images/s at fp32 and mixed,
               the peak GPU memory of each
  main.py      a real 200-iteration MNIST run (a checkpoint, grids), then test mode from its checkpoint;
               the same for biggan/main.py (both must exit 0)
  2+ GPUs      --num_gpus N against one GPU on the same batch of 64: one step agrees (its gradients
               within the tests' tolerance); images/s at fp32 and mixed on 1 and on N GPUs
Without a GPU it runs a CPU-sized subset (fp32 only, BigGAN at 32 px --ch 16, 10-iteration runs) in
about a minute and says in one line which checks need a GPU. Exit 0 when every check it ran passed;
the runs go to a temporary folder (your checkpoint/ and samples/ are not touched).
"""
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # train_speed

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402

import cli  # noqa: E402
import datasets  # noqa: E402
import files  # noqa: E402
import precision  # noqa: E402
import tfstart  # noqa: E402
import train_speed  # noqa: E402
from errors import LabError  # noqa: E402
from utils import to_float  # noqa: E402

FLAGS = flags.FLAGS
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELP = dict(program="bench/gpu_check.py", common=False, groups=[("Check", ["out", "data_dir"])],
            usage=["Checks and times the lab on this machine's GPUs (a CPU-sized subset without one); "
                   "prints one Markdown table and writes it to --out."])
NEEDS_GPU = "--precision mixed, BigGAN at 64 and 128 px, peak GPU memory, 200-iteration runs"
EPOCHS = 25  # the handout's


def define_flags(flags):
    flags.DEFINE_string("out", "logs/gpu_check.md", "Where the table is written (Markdown)")
    flags.DEFINE_string("data_dir", "./data", "Folder that holds MNIST (python download.py mnist)")


class Plan(object):
    """How much each check does: a GPU's sizes, or a CPU-sized subset that takes about a minute."""

    def __init__(self, gpus):
        self.gpus = gpus
        self.precisions = ["fp32", "mixed"] if gpus else ["fp32"]
        self.dcgan = train_speed.Setting(batch_size=64, warmup=10, iters=100) if gpus \
            else train_speed.Setting(batch_size=64, warmup=2, iters=4)
        # (size, BigGAN setting): the GPU route's two sizes (64 px faces, 128 px); a small one on a CPU
        self.biggan = [(64, train_speed.Setting(ch=64, warmup=5, iters=20)),
                       (128, train_speed.Setting(ch=32, warmup=5, iters=20))] if gpus \
            else [(32, train_speed.Setting(ch=16, warmup=2, iters=1))]  # (the first iterations are slow)
        self.run_iterations = 200 if gpus else 10
        self.run_flags = [] if gpus else ["--ch=16"]  # BigGAN's width on a CPU


# ----------------------------------------------------------------------------- the checks

def environment(tf):
    """TensorFlow's build, CUDA and cuDNN, the driver, the GPUs and their memory, memory growth."""
    build = tf.sysconfig.get_build_info()
    cuda = f"CUDA {build.get('cuda_version')}, cuDNN {build.get('cudnn_version')}" if build.get("is_cuda_build") \
        else "no CUDA"
    cpu = precision.cpu_model() or platform.processor() or "unknown"
    line = f"TensorFlow {tf.__version__} ({cuda}); CPU {cpu}, {os.cpu_count()} cores"
    from tensorflow.python.client import device_lib  # each GPU's memory as TensorFlow sees it
    config = tfstart.session_config(tf.compat.v1)
    gpus = [d for d in device_lib.list_local_devices(config) if d.device_type == "GPU"]
    if not gpus:
        return line + "; no GPU"
    import gpu_driver
    names = [f"{gpu_name(d.physical_device_desc)} ({files.human_size(d.memory_limit)} for TensorFlow)" for d in gpus]
    growth = "on" if config.gpu_options.allow_growth else "off"
    return (f"{line}; driver {gpu_driver.driver_version()}; {len(gpus)} GPU(s): {', '.join(names)}; "
            f"memory growth {growth}")


def gpu_name(description):
    """'NVIDIA H100 80GB HBM3' from TensorFlow's 'device: 0, name: NVIDIA H100 80GB HBM3, pci bus id: ...'."""
    found = re.search(r"name: ([^,]+)", description)
    return found.group(1) if found else description


def dcgan_speed(tf, data, mode, plan):
    """The handout's MNIST DCGAN at batch 64: images/s, the 25 epochs it implies, the input's share."""
    timing = train_speed.bench_dcgan(tf, data, mode, 1, plan.dcgan)
    epoch_seconds = len(data.images) // plan.dcgan.batch_size * timing.seconds
    return (f"{timing.images_per_second:,.0f} images/s; {EPOCHS} epochs: {files.format_seconds(EPOCHS * epoch_seconds)}"
            f"; {feeding(timing)}")


def feeding(timing):
    """The share of an iteration spent feeding the data, and whether that is what limits training."""
    share, ms = timing.host_share + timing.copy_share, timing.seconds * 1000
    limit = ": the input path is the limit" if share > 0.3 else ""
    return (f"feeding {share:.0%} of {ms:,.0f} ms per iteration (numpy and Python {timing.host_share * ms:.1f} ms, "
            f"copy {timing.copy_share * ms:.1f} ms){limit}")


def biggan_speed(tf, size, setting, mode):
    """BigGAN at size x size on random colour images of 2 classes: images/s and peak GPU memory."""
    data = train_speed.make_data("colour", None, size)
    timing = train_speed.bench_biggan(tf, data, mode, 1, setting)
    peak = "" if timing.peak_bytes is None else f"; peak GPU memory {files.human_size(timing.peak_bytes)}"
    return f"{timing.images_per_second:,.0f} images/s{peak}; {feeding(timing)}"


def real_run(script, extra, plan, folder):
    """A training run of `script` through its command line, as a student runs it, then test mode
    from its checkpoint: both must exit 0 and leave a checkpoint and grids."""
    images = plan.run_iterations * 64 * (2 if "biggan" in script else 1)  # BigGAN: 2 D steps of 64
    where = [f"--data_dir={os.path.abspath(FLAGS.data_dir)}", f"--checkpoint_dir={folder}/checkpoint",
             f"--sample_dir={folder}/samples", f"--logs_dir={folder}/logs"]
    train = [script, "--dataset=mnist", "--train", "--epoch=1", f"--train_size={images}", "--print_freq=50"]
    for args in (train + extra + where, [script, "--dataset=mnist"] + extra + where):
        result = subprocess.run([sys.executable, os.path.join(REPO, args[0])] + args[1:], cwd=folder,
                                capture_output=True, text=True)
        if result.returncode:
            last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise CheckFailed(f"`python {' '.join(args[:3])} ...` exited {result.returncode}: {last}")
    checkpoints = [f for _, _, names in os.walk(f"{folder}/checkpoint") for f in names if f.endswith(".index")]
    grids = [f for _, _, names in os.walk(f"{folder}/samples") for f in names if f.endswith(".png")]
    if not checkpoints or not grids:
        raise CheckFailed(f"exit 0, but {len(checkpoints)} checkpoint(s) and {len(grids)} grid(s)")
    return f"{plan.run_iterations} iterations, then test mode: exit 0, a checkpoint, {len(grids)} grids"


def several_gpus(tf, data, plan):
    """--num_gpus N against 1 on one batch of 64: one step from the same weights, and images/s.

    What must agree (distribute.step_tolerance, the tests' rule): every gradient, as Adam's first
    moment holds it after one step, and G's batch norm statistics. The weights follow from the
    gradients, but Adam's first step moves each by the learning rate in its gradient's sign, and
    where a gradient is rounding noise (~1e-8) that sign is either way: they are shown, not judged.
    D's averages are not compared: the handout's D updates them twice a step, unordered (a lost
    update on any device; tests/test_distribute.py runs one op at a time for it)."""
    import distribute
    count = max(c for c in range(2, len(plan.gpus) + 1) if 64 % c == 0)
    tensor_float_32 = tf.config.experimental.tensor_float_32_execution_enabled()
    tf.config.experimental.enable_tensor_float_32_execution(False)  # float32 as on the CPU, not TF32
    try:
        with tempfile.TemporaryDirectory() as folder:
            start = os.path.join(folder, "start")
            one, several = [one_step_weights(tf, data, c, start) for c in (1, count)]
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(tensor_float_32)
    off = {name: np.max(np.abs(several[name] - value)) / distribute.step_tolerance(name, value)
           for name, value in one.items()}
    gradients = max(x for name, x in off.items() if name.endswith("/Adam") or name.startswith("generator/")
                    and "moving_" in name)
    weights = max(x for name, x in off.items() if not re.search(r"/Adam|moving_|_power", name))
    if gradients > 1:
        raise CheckFailed(f"one step on {count} GPUs is not one GPU's: gradients {gradients:.1f} x the tolerance off")
    speeds = []
    for mode in plan.precisions:  # mixed: the loss scale's conditional holds the replicas' update
        single, several = (train_speed.bench_dcgan(tf, data, mode, c, plan.dcgan).images_per_second
                           for c in (1, count))
        speeds.append(f"{mode} {single:,.0f} images/s on 1 GPU, {several:,.0f} on {count} ({several / single:.2f} x)")
    return (f"{count} GPUs: one step as on one GPU (gradients at most {gradients:.2f} x the tests' tolerance, "
            f"weights {weights:.2f} x); DCGAN {'; '.join(speeds)}")


def one_step_weights(tf, data, count, start):
    """Every variable after one DCGAN step on `count` GPUs, from the weights saved in `start`
    (saved there by the first call) and a fixed batch of 64: the network tests/test_distribute.py
    steps on logical CPUs, which its tolerance (distribute.step_tolerance) was measured on."""
    tf1 = tf.compat.v1
    replicas, config = train_speed.replicas_and_config(tf, count, "fp32")
    # as the test runs it: one op at a time, no graph rewrites. The handout's D updates its batch norm
    # averages twice a step, through D(x) and D(G(z)), with nothing ordering the two: side by side,
    # both can read the old average and one update is lost (20 x the tolerance off), on any device.
    config.inter_op_parallelism_threads = 1
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    with tf1.Graph().as_default(), tf1.Session(replicas.target, config=replicas.session_config(config)) as sess:
        from model import DCGAN
        with replicas.scope():
            model = DCGAN(sess, output_height=28, output_width=28, y_dim=10, c_dim=1, batch_size=64, sample_num=64,
                          gf_dim=8, df_dim=8, gfc_dim=32, dfc_dim=32, dataset_name="mnist", replicas=replicas,
                          wrap_optimizer=cli.optimizer_wrapper("fp32", replicas))
        replicas.initialize(sess)
        if not os.path.exists(start + ".index"):
            model.saver.save(sess, start, write_meta_graph=False)
        model.saver.restore(sess, start)
        rng = np.random.RandomState(0)
        model.train_step(model.to_model_range(to_float(data.images[:64])), model.sample_noise(rng, 64),
                         model.label_feed(data.labels[:64]), False)
        return {v.op.name: sess.run(v) for v in tf1.global_variables()}


class CheckFailed(Exception):
    """A check ran and its result is wrong (its row says how); the other checks still run."""


# ----------------------------------------------------------------------------- the table

def check(rows, name, function, *args):
    """Run one check and add its row: (name, result, seconds). A failure is a row, not the end."""
    print(f"checking: {name} ...", flush=True)
    start = time.perf_counter()
    try:
        result = function(*args)
    except CheckFailed as e:
        result = f"FAILED: {e}"
    except Exception as e:  # e.g. TensorFlow out of GPU memory: this row fails, the table goes on
        message = (getattr(e, "message", None) or str(e) or "").strip().splitlines() or [""]
        result = f"FAILED: {type(e).__name__}: {message[0][:300]}"
    rows.append((name, result, time.perf_counter() - start))
    print(f"  {result}", flush=True)


def table(rows, total_seconds, note):
    lines = ["| check | result | seconds |", "|---|---|---:|"]
    lines += [f"| {name} | {result.replace('|', '/')} | {seconds:.0f} |" for name, result, seconds in rows]
    lines += [f"| **total** | {note} | {total_seconds:.0f} |"]
    return "\n".join(lines) + "\n"


def main(argv):
    cli.reject_arguments(argv)
    started = time.perf_counter()
    if not os.path.basename(FLAGS.out) or os.path.isdir(FLAGS.out):
        raise LabError(f"--out {FLAGS.out!r} is not a file name; give one, e.g. --out logs/gpu_check.md")
    files.check_writable(os.path.dirname(os.path.abspath(FLAGS.out)), "out")  # one line, before the rest
    data = datasets.load_mnist(os.path.join(FLAGS.data_dir, "mnist"))  # no MNIST: one line too
    tfstart.start_tensorflow(0)  # the device line; a GPU TensorFlow cannot use: one line
    import tensorflow as tf
    plan = Plan(tf.config.list_physical_devices("GPU"))
    rows = []
    check(rows, "environment", environment, tf)
    for mode in plan.precisions:
        check(rows, f"DCGAN, MNIST, batch 64, {mode}", dcgan_speed, tf, data, mode, plan)
    for size, setting in plan.biggan:
        for mode in plan.precisions:
            check(rows, f"BigGAN {size} px --ch {setting.ch}, batch 64, {mode}", biggan_speed, tf, size, setting, mode)
    for script, extra in (("main.py", []), ("biggan/main.py", plan.run_flags)):
        with tempfile.TemporaryDirectory() as folder:
            check(rows, f"{script} --dataset mnist", real_run, script, extra, plan, folder)
    if len(plan.gpus) > 1:
        check(rows, f"--num_gpus {len(plan.gpus)}", several_gpus, tf, data, plan)
    failed = [name for name, result, _ in rows if result.startswith("FAILED")]
    note = (f"{len(rows) - len(failed)} of {len(rows)} checks passed" +
            ("" if plan.gpus else f"; on a CPU, a CPU-sized subset: these need a GPU: {NEEDS_GPU}, several GPUs"))
    text = table(rows, time.perf_counter() - started, note)
    files.write_text(FLAGS.out, text)
    print("\n" + text + f"\nwritten to {FLAGS.out}", flush=True)
    if not plan.gpus:
        print(f"needs a GPU (run this on the GPU server): {NEEDS_GPU}, and with 2+ GPUs --num_gpus", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
