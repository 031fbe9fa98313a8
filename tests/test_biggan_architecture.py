"""biggan/architecture.py: the block table (BigGAN-PyTorch's at 32, 64 and 128), where attention
fits, and the floats the memory estimate counts; no TensorFlow."""
from biggan.architecture import (ARCHITECTURES, attention_channel_mults, attention_floats_per_image,
                                 attention_problem, block_resolutions, conv_floats_per_image,
                                 d_block_resolutions)


def test_128_follows_biggan_pytorchs_table():
    # BigGAN.py, arch[128]: G in [16, 16, 8, 4, 2] -> out [16, 8, 4, 2, 1] from 4x4 (resolutions 8..128);
    # D out [1, 2, 4, 8, 16, 16], downsampling in all blocks but the last.
    bottom, g_mults, d_blocks = ARCHITECTURES[128]
    assert (bottom, g_mults) == (4, [16, 16, 8, 4, 2, 1])
    assert d_blocks == [(1, True), (2, True), (4, True), (8, True), (16, True), (16, False)]
    assert block_resolutions(128) == [8, 16, 32, 64, 128]
    assert d_block_resolutions(128) == [64, 32, 16, 8, 4, 4]


def test_128_attention_at_64_as_the_reference_needs_ch_8():
    # G's 64x64 block has 2 ch channels, D's first block (ending at 64) 1 ch: --ch 8 gives 16 and 8.
    assert attention_channel_mults(128, 64) == [2, 1]
    assert attention_problem(128, 8, 64) is None and attention_problem(128, 8, 128) is None
    problem = attention_problem(128, 4, 64)
    assert "--ch 8 or more" in problem and "gives 4" in problem and "--attention_res 8 or 16 or 32" in problem
    assert "--ch 8 or more" in attention_problem(128, 4, 128)  # G's last block has 1 ch channel


def test_conv_and_attention_floats_at_128():
    # G blocks at their output size: 8^2*16 + 16^2*8 + 32^2*4 + 64^2*2 + 128^2*1 = 31744 per ch;
    # D blocks at their input size, counted twice:
    # 128^2*1 + 64^2*2 + 32^2*4 + 16^2*8 + 8^2*16 + 4^2*16 = 32000 per ch
    assert conv_floats_per_image(128, 8) == 8 * (31744 + 2 * 32000)
    # attention at 64: 4096 x 1024 map, in G once and in D twice
    assert attention_floats_per_image(128, 64) == 3 * 4096 * 1024
    assert attention_floats_per_image(128, 0) == 0
    # 32 px has no D block ending at 8 but the last two: attention at 8 is in G and two D blocks
    assert attention_floats_per_image(32, 8) == (1 + 2 * 2) * 64 * 16
