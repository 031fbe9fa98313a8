"""BigGAN's architecture table: which blocks, how wide, where self-attention fits (handout 六.2).

Kept apart from biggan/model.py (and free of TensorFlow) so biggan/main.py can check the
flags against it before TensorFlow starts, memory included.
"""
from memory import (ACTIVATION_FACTOR, BYTES_PER_FLOAT, PARAMETER_COPIES, TENSORFLOW_BYTES,
                    batch_problem)

# resolution: (bottom size, G channel multipliers (first = bottom), D (multiplier, downsample) per block)
# 32, 64 and 128 are BigGAN-PyTorch's G_arch / D_arch (ajbrock/BigGAN-PyTorch, BigGAN.py); 28 is
# ours for MNIST. 128 is the size of the handout's BigGAN link; the reference puts self-attention
# at 64 there (G_attn = D_attn = '64'; here --attention_res 64, which needs --ch 8 or more).
ARCHITECTURES = {
    28: (7, [4, 2, 1], [(2, True), (4, True), (4, False)]),
    32: (4, [4, 4, 4, 4], [(4, True), (4, True), (4, False), (4, False)]),
    64: (4, [16, 8, 4, 2, 1], [(1, True), (2, True), (4, True), (8, True), (16, False)]),
    128: (4, [16, 16, 8, 4, 2, 1], [(1, True), (2, True), (4, True), (8, True), (16, True), (16, False)]),
}


MIN_ATTENTION_CHANNELS = 8  # attention's query/key convs have channels // 8 filters


def block_resolutions(output_size):
    """Spatial size after each G block, e.g. [14, 28] for MNIST."""
    bottom, g_mults, _ = ARCHITECTURES[output_size]
    return [bottom * 2 ** (i + 1) for i in range(len(g_mults) - 1)]


def d_block_resolutions(output_size):
    """Spatial size after each D block, e.g. [14, 7, 7] for MNIST ('SAME' pooling: 7 -> 4)."""
    sizes, size = [], output_size
    for _, down in ARCHITECTURES[output_size][2]:
        size = (size + 1) // 2 if down else size
        sizes.append(size)
    return sizes


def attention_layers(output_size, attention_res):
    """(G multipliers, D multipliers) of the layers that get self-attention at attention_res:
    the G block that ends at that size and the D block (not the last) that ends at it."""
    _, g_mults, d_blocks = ARCHITECTURES[output_size]
    g = [m for size, m in zip(block_resolutions(output_size), g_mults[1:]) if size == attention_res]
    d = [m for size, (m, _) in zip(d_block_resolutions(output_size)[:-1], d_blocks) if size == attention_res]
    return g, d


def attention_channel_mults(output_size, attention_res):
    """Channel multipliers (of ch) of every layer that gets self-attention at attention_res."""
    g, d = attention_layers(output_size, attention_res)
    return g + d


def attention_problem(output_size, ch, attention_res):
    """None if self-attention fits, else a sentence saying which --ch or --attention_res works."""
    mults = attention_channel_mults(output_size, attention_res) if attention_res else []
    if not mults or min(mults) * ch >= MIN_ATTENTION_CHANNELS:
        return None
    need_ch = -(-MIN_ATTENTION_CHANNELS // min(mults))  # ceiling division
    fits = [r for r in block_resolutions(output_size)
            if min(attention_channel_mults(output_size, r)) * ch >= MIN_ATTENTION_CHANNELS]
    other = f", or --attention_res {' or '.join(map(str, fits))}" if fits else ""
    return (f"self-attention at {attention_res}x{attention_res} needs at least "
            f"{MIN_ATTENTION_CHANNELS} channels there, but --ch {ch} gives {min(mults) * ch}; "
            f"use --ch {need_ch} or more{other} (0 turns attention off)")


# ----------------------------------------------------------------------------- memory estimate
#
# A rough estimate of the memory one training step needs, made from the table above before
# TensorFlow starts, so a run that cannot fit stops with a batch size that would:
#
#   bytes = 4 x [ batch x (ACTIVATION_FACTOR x conv floats + ATTENTION_FACTOR x attention floats)
#                 + PARAMETER_COPIES x parameters ] + TENSORFLOW_BYTES
#
#   conv floats       H x W x C of every block's convolutions, per image: G blocks at the size
#                     they end at, D blocks at the size they start at; D counted twice (it sees
#                     real and fake images in one batch)
#   attention floats  the attention map of each self-attention layer, (H W) x (H W / 4) per image
#                     (G once, D twice); at 64x64 that is 4.2 M floats, more than all convs at --ch 8
#   ACTIVATION_FACTOR the backward pass keeps several tensors per conv output (BN, ReLU, upsampled
#                     input, skip): peak memory on a CPU at 128 px, --ch 8 and 16, batches 4-16,
#                     grew by 4.2-4.5 x 4 bytes per conv float and image
#   ATTENTION_FACTOR  logits, softmax and their gradients: measured 2.5 maps per map
#   PARAMETER_COPIES  weights, gradients, Adam's two moments, G's EMA copy
# num_D_steps does not multiply it: every D step is its own session run, and TensorFlow frees
# a run's activations before the next. The training images come on top (float32 in memory:
# 196 KB per 128x128 colour image). On a GPU the same bytes must fit in the GPU's memory, which
# is known only once TensorFlow runs; biggan/main.py checks the host memory on CPU runs only.
# The generic part (the factors, the check) is memory.py, shared with the DCGAN.
ATTENTION_FACTOR = 3


def conv_floats_per_image(output_size, ch):
    """H x W x C summed over the convolutions of G's and D's blocks (D twice), for one image."""
    _, g_mults, d_blocks = ARCHITECTURES[output_size]
    g = sum(size * size * m * ch for size, m in zip(block_resolutions(output_size), g_mults[1:]))
    d_inputs = [output_size] + d_block_resolutions(output_size)[:-1]  # D's convs run before pooling
    d = sum(size * size * m * ch for size, (m, _) in zip(d_inputs, d_blocks))
    return g + 2 * d


def attention_floats_per_image(output_size, attention_res):
    """Size of the attention maps, (H W) x (H W / 4) per layer, G once and D twice (0: none)."""
    if not attention_res:
        return 0
    g, d = attention_layers(output_size, attention_res)
    positions = attention_res * attention_res
    return (len(g) + 2 * len(d)) * positions * (positions // 4)


def parameter_count(output_size, ch, c_dim=3):
    """Roughly the weights of G and D: the 3x3 convs and 1x1 skips of every residual block,
    9 a b + 9 b b + a b for a block from a to b channels (linear layers and embeddings left out)."""
    _, g_mults, d_blocks = ARCHITECTURES[output_size]
    g = [m * ch for m in g_mults]
    d = [c_dim] + [m * ch for m, _ in d_blocks]
    return sum(10 * a * b + 9 * b * b for chans in (g, d) for a, b in zip(chans, chans[1:]))


def training_memory(output_size, ch, attention_res=0):
    """(fixed bytes, bytes per image in the batch) of one training step; see the formula above."""
    floats = (ACTIVATION_FACTOR * conv_floats_per_image(output_size, ch)
              + ATTENTION_FACTOR * attention_floats_per_image(output_size, attention_res))
    per_image = BYTES_PER_FLOAT * floats
    fixed = BYTES_PER_FLOAT * PARAMETER_COPIES * parameter_count(output_size, ch) + TENSORFLOW_BYTES
    return fixed, per_image


def memory_problem(output_size, ch, batch_size, available_bytes, attention_res=0):
    """None if a training step should fit in available_bytes (None: unknown, no check), else a
    sentence with the estimate and a --batch_size that fits (or what else to change)."""
    fixed, per_image = training_memory(output_size, ch, attention_res)
    what = (f"training a {output_size}x{output_size} BigGAN with --ch {ch}, --batch_size {batch_size}"
            + (f", --attention_res {attention_res}" if attention_res else ""))
    return batch_problem(what, fixed, per_image, batch_size, available_bytes)
