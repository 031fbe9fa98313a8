"""How much memory a training run needs, estimated before TensorFlow starts (both GANs).

A run that cannot fit should stop at once with a --batch_size that would, not after minutes of
start-up (or by taking the machine's swap with it). Both models use one rough formula:

    bytes = BYTES_PER_FLOAT x [ batch x ACTIVATION_FACTOR x floats per image
                                + PARAMETER_COPIES x parameters ] + TENSORFLOW_BYTES

floats per image: the sizes (H x W x C) of every layer's output, the discriminator's counted
twice (it sees a real and a fake batch); parameters: the weights of G and D. The model-specific
counts live next to each architecture (DCGAN: dcgan_counts below, which counts model.py's layers;
BigGAN: biggan/architecture.py); the factors were measured on a CPU (see biggan/architecture.py).
On a GPU the same bytes must fit in its memory, known only once TensorFlow runs: the check is for
CPU runs.
"""
import math
import os

BYTES_PER_FLOAT = 4
ACTIVATION_FACTOR = 5   # tensors kept per layer output for the backward pass (BN, ReLU, ...)
PARAMETER_COPIES = 5    # weights, gradients, Adam's two moments (and BigGAN's EMA copy)
TENSORFLOW_BYTES = 2 ** 30  # TensorFlow, the graph and Python: measured 0.85 GB before the first step


def gigabytes(nbytes):
    return f"{nbytes / 1e9:.1f} GB"


def batch_problem(what, fixed, per_image, batch_size, available_bytes):
    """None if fixed + batch_size x per_image bytes fit in available_bytes (None: unknown, no
    check), else a sentence with the estimate and a --batch_size that fits (or what else to change).
    what: the run, e.g. 'training a 128x128 BigGAN with --ch 64, --batch_size 64'."""
    need = fixed + batch_size * per_image
    if available_bytes is None or need <= available_bytes:
        return None
    head = (f"{what} needs about {gigabytes(need)} of memory (a rough estimate), but "
            f"{gigabytes(available_bytes)} are free")
    fits = int((available_bytes - fixed) // per_image)
    if fits >= 1:
        return f"{head}: use --batch_size {fits} or less (or a smaller model, or a GPU server)"
    return (f"{head}; even --batch_size 1 does not fit: make the model smaller (the image size, the width) "
            "or use a GPU server")


def available_memory_bytes():
    """Memory free for a new program: MemAvailable of /proc/meminfo (Linux), else the physical
    memory (os.sysconf), else None (unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the file counts in kB
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


# ----------------------------------------------------------------------------- the DCGAN

def dcgan_counts(output_size, c_dim, z_dim, y_dim=0, gf_dim=64, df_dim=64):
    """(parameters, floats per image) of model.DCGAN's unconditional / colour network (y_dim > 0:
    the label shown to every layer of G, and D's second output, the class: colour_network.py),
    for an output_size x output_size image.

    G: linear z -> 4x4x8gf (at 64 px), then 5x5 deconvs to 4gf, 2gf, gf, c_dim channels, doubling
    the size each time; D: 5x5 stride-2 convs to df, 2df, 4df, 8df, then linear -> 1 (and -> y_dim).
    """
    sizes = [output_size]
    for _ in range(4):
        sizes.append(math.ceil(sizes[-1] / 2))                     # S, S/2, S/4, S/8, S/16
    g_channels = [8 * gf_dim, 4 * gf_dim, 2 * gf_dim, gf_dim, c_dim]  # at S/16 ... S
    d_channels = [c_dim, df_dim, 2 * df_dim, 4 * df_dim, 8 * df_dim]  # at S ... S/16
    bottom = sizes[4] * sizes[4] * g_channels[0]
    params = (z_dim + y_dim + 1) * bottom                             # G's linear layer (+ bias)
    params += sum(25 * (a + y_dim) * b + b for a, b in zip(g_channels, g_channels[1:]))  # 5x5 + bias
    params += sum(25 * a * b + b for a, b in zip(d_channels, d_channels[1:]))
    params += (sizes[4] * sizes[4] * d_channels[-1] + 1) * (1 + y_dim)  # D's linear layers: real?, class
    g_floats = sum(s * s * c for s, c in zip(reversed(sizes), g_channels))
    d_floats = sum(s * s * c for s, c in zip(sizes, d_channels))
    return params, g_floats + 2 * d_floats


def dcgan_problem(output_size, c_dim, z_dim, y_dim, batch_size, available_bytes):
    """None, or why a DCGAN of this size will not train in available_bytes (see batch_problem)."""
    params, floats = dcgan_counts(output_size, c_dim, z_dim, y_dim)
    fixed = BYTES_PER_FLOAT * PARAMETER_COPIES * params + TENSORFLOW_BYTES
    per_image = BYTES_PER_FLOAT * ACTIVATION_FACTOR * floats
    what = (f"training a {output_size}x{output_size} DCGAN ({params / 1e6:,.0f} M parameters, "
            f"--batch_size {batch_size})")
    return batch_problem(what, fixed, per_image, batch_size, available_bytes)


def checkpoint_bytes(params):
    """A checkpoint holds the weights and Adam's two moments: 3 floats per parameter."""
    return 3 * BYTES_PER_FLOAT * params


LARGE_CHECKPOINT = 500 * 10 ** 6  # checkpoints above this size are announced before training


def checkpoint_problem(params, max_to_keep, folder, free_bytes=None):
    """(problem, note) about the disk the checkpoints go to: a problem (a sentence) when even two
    checkpoints (the newest and the one being saved) do not fit on it, a note when they are
    large; each None otherwise. free_bytes: the disk's free space [measured at folder's disk]."""
    import shutil
    size = checkpoint_bytes(params)
    if free_bytes is None:
        existing = os.path.abspath(folder)
        while not os.path.exists(existing):
            existing = os.path.dirname(existing)
        free_bytes = shutil.disk_usage(existing).free
    if 2 * size > free_bytes:
        return (f"each checkpoint of this model ({params / 1e6:,.0f} M parameters) takes {gigabytes(size)}, "
                f"and {folder} has {gigabytes(free_bytes)} free, not enough for two; free disk space, choose "
                "another --checkpoint_dir or make the model smaller"), None
    if size < LARGE_CHECKPOINT:
        return None, None
    return None, (f"note: this model has {params / 1e6:,.0f} M parameters: each checkpoint takes "
                  f"{gigabytes(size)} on disk (--max_to_keep {max_to_keep}: up to {gigabytes(max_to_keep * size)})")
