"""BigGAN's architecture table: which blocks, how wide, where self-attention fits (extension 2).

Kept apart from biggan/model.py (and free of TensorFlow) so biggan/main.py can check the
flags against it before TensorFlow starts.
"""

# resolution: (bottom size, G channel multipliers (first = bottom), D (multiplier, downsample) per block)
ARCHITECTURES = {
    28: (7, [4, 2, 1], [(2, True), (4, True), (4, False)]),
    32: (4, [4, 4, 4, 4], [(4, True), (4, True), (4, False), (4, False)]),
    64: (4, [16, 8, 4, 2, 1], [(1, True), (2, True), (4, True), (8, True), (16, False)]),
}


MIN_ATTENTION_CHANNELS = 8  # attention's query/key convs have channels // 8 filters


def block_resolutions(output_size):
    """Spatial size after each G block, e.g. [14, 28] for MNIST."""
    bottom, g_mults, _ = ARCHITECTURES[output_size]
    return [bottom * 2 ** (i + 1) for i in range(len(g_mults) - 1)]


def attention_channel_mults(output_size, attention_res):
    """Channel multipliers (of ch) of every layer that gets self-attention at attention_res:
    the G block that ends at that size and the D block (not the last) that ends at it."""
    bottom, g_mults, d_blocks = ARCHITECTURES[output_size]
    mults = [m for size, m in zip(block_resolutions(output_size), g_mults[1:]) if size == attention_res]
    size = output_size
    for mult, down in d_blocks[:-1]:
        size = (size + 1) // 2 if down else size
        if size == attention_res:
            mults.append(mult)
    return mults


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
