"""--precision: faster arithmetic where the hardware has it (both mains, bench/train_speed.py).

    fp32   everything in float32: every CPU and GPU (the default).
    bf16   a CPU with bfloat16 instructions (AVX512_BF16: AMD Zen 4 and later, Intel Cooper Lake;
           AMX: Intel Xeon Sapphire Rapids and later). TensorFlow's grappler rewrite
           auto_mixed_precision_onednn_bfloat16 runs the float32 graph's convolutions and matrix
           products in bfloat16 through oneDNN, as the graph runs: the model code is unchanged.
           bfloat16 keeps float32's exponent range, so no loss scaling is needed.
    mixed  a GPU: the rewrite auto_mixed_precision runs them in float16 on the tensor cores, with
           dynamic loss scaling (float16's range is small: without it small gradients become 0).

What stays float32, because 8 bits (bfloat16) or 11 bits (float16) of mantissa are not enough:
every variable and its update (Adam, the EMA of G's weights, batch norm's moving averages: the
rewrite never changes a variable), the losses, and the batch norm statistics and spectral-norm
power iteration. For the last two the rewrite's own lists are not enough (it would run a mean or
a sum in bfloat16 when its input comes from a convolution), so KEEP_FLOAT32 moves the reductions
they are made of to its deny list (TensorFlow reads these environment variables when it rewrites a
graph); biggan/ops.spectral_norm writes its power iteration with such reductions, not matrix
products, for the same reason. No TensorFlow import here: the mains check --precision before it starts.
The choices are cli.PRECISIONS; a run with fp32 (the default) does not load this file.
"""
import os


# Ops the rewrite may convert when their input is converted ("infer" list); kept float32 instead.
KEEP_FLOAT32 = ("Mean", "Sum", "SquaredDifference", "Square", "Rsqrt", "Sqrt")
LISTS = {"TF_AUTO_MIXED_PRECISION_GRAPH_REWRITE_INFERLIST_REMOVE": KEEP_FLOAT32,
         "TF_AUTO_MIXED_PRECISION_GRAPH_REWRITE_DENYLIST_ADD": KEEP_FLOAT32}
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_info(field, path="/proc/cpuinfo"):
    """A field of the CPU's description (Linux: /proc/cpuinfo), or None where it cannot be read."""
    try:
        with open(path) as f:
            for line in f:
                name, _, value = line.partition(":")
                if name.strip() == field:
                    return value.strip()
    except OSError:
        return None
    return None


def cpu_flags(path="/proc/cpuinfo"):
    """The CPU's feature flags (Linux), or None where they cannot be read."""
    value = cpu_info("flags", path)
    return None if value is None else set(value.split())


def cpu_model():
    """The CPU's model name, '' where it cannot be read: benchmark results name their CPU."""
    return cpu_info("model name") or ""


def problem(precision, gpu, flags=None):
    """Why --precision cannot work here (a one-line message), or None. gpu: training runs on a
    GPU; flags: the CPU's feature flags [cpu_flags()], None when unknown."""
    if precision == "mixed" and not gpu:
        return ("--precision mixed is float16 on a GPU's tensor cores and no GPU is used here; on a "
                "CPU use --precision bf16 (CPUs with AVX512_BF16 or AMX) or fp32")
    if precision != "bf16":
        return None
    if gpu:
        return "--precision bf16 is the CPU's bfloat16 (oneDNN); on a GPU use --precision mixed"
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "") == "0":
        return "--precision bf16 runs through oneDNN, which TF_ENABLE_ONEDNN_OPTS=0 turns off; unset it or use fp32"
    flags = cpu_flags() if flags is None else flags
    if flags is not None and not flags & set(BF16_CPU_FLAGS):
        return ("--precision bf16 needs a CPU with bfloat16 instructions (AVX512_BF16 or AMX), which "
                "this one lacks (it would emulate them, slower than fp32); use --precision fp32")
    return None


def configure(config, precision):
    """Set a session's tf.ConfigProto for this precision (cli.session calls it)."""
    from tensorflow.core.protobuf.rewriter_config_pb2 import RewriterConfig
    options = config.graph_options.rewrite_options
    if precision == "bf16":
        options.auto_mixed_precision_onednn_bfloat16 = RewriterConfig.ON
    elif precision == "mixed":
        options.auto_mixed_precision = RewriterConfig.ON
    if precision != "fp32":
        for name, ops in LISTS.items():
            os.environ[name] = ",".join(ops)  # read by the rewrite, at the session's first run
    return config


def loss_scaled(optimizer):
    """An optimiser wrapper for float16 (--precision mixed; cli.optimizer_wrapper hands it to the
    models): the loss is multiplied by a dynamic scale before the gradients, which are divided by
    it after (steps that overflow are skipped). bfloat16 and float32 need none."""
    import tensorflow.compat.v1 as tf
    return tf.mixed_precision.MixedPrecisionLossScaleOptimizer(optimizer, "dynamic")
