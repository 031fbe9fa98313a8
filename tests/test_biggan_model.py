"""BigGAN graph (shapes at 28/32/64/128, EMA sampler, spectral-norm state), memory estimate, biggan/main.py
end to end."""
import os
import re

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import datasets
import testmode
import utils
from biggan.architecture import (attention_channel_mults, attention_problem)
from biggan.model import BigGAN
from test_main import DATA, assert_one_line_error, run_main

tf1 = tf.compat.v1


def build(sess, **kw):
    args = dict(output_size=28, c_dim=1, num_classes=10, ch=4, shared_dim=8, z_dim=12,
                batch_size=4)
    args.update(kw)
    return BigGAN(sess, **args)



# ch is the smallest width whose attention layers have >= 8 channels (D's first 64 px block has 1 ch).
@pytest.mark.parametrize("size,c_dim,blocks,attention,ch", [(28, 1, [14, 28], 14, 4),
                                                            (32, 3, [8, 16, 32], 16, 4),
                                                            (64, 3, [8, 16, 32, 64], 32, 8)])
def test_shapes_at_every_resolution(sess, size, c_dim, blocks, attention, ch):
    model = build(sess, output_size=size, c_dim=c_dim, attention_res=attention, z_dim=60, ch=ch)
    assert model.resolutions() == blocks
    assert model.G.get_shape().as_list() == [None, size, size, c_dim]
    assert model.samples.get_shape().as_list() == [None, size, size, c_dim]
    names = [v.name for v in tf1.global_variables("generator")]
    assert any("attention" in n for n in names)
    sess.run(tf1.global_variables_initializer())
    z = np.random.RandomState(0).randn(3, 60).astype(np.float32)
    logits = sess.run(model.D_logits, {model.inputs: np.zeros((3, size, size, c_dim)), model.z: z,
                                       model.y: [0, 1, 2]})
    assert logits.shape == (3,)
    assert model.generate(z, [0, 1, 2]).shape == (3, size, size, c_dim)


def test_attention_needs_eight_channels_in_g_and_d():
    # 64 px, attention at 32: G's block there has 2 ch channels, D's first block 1 ch.
    assert attention_channel_mults(64, 32) == [2, 1]
    assert attention_problem(64, 8, 32) is None and attention_problem(64, 8, 0) is None
    problem = attention_problem(64, 4, 32)
    assert "--ch 8 or more" in problem and "gives 4" in problem and "--attention_res 8 or 16" in problem
    with pytest.raises(ValueError, match="needs at least 8 channels"):
        build(None, output_size=64, c_dim=3, ch=4, attention_res=32, z_dim=60)


def test_every_weight_of_g_and_d_is_spectrally_normalised(sess):
    build(sess)
    us = {v.name.rsplit("/", 1)[0] for v in tf1.global_variables() if v.name.endswith("/u:0")}
    weights = [v for v in tf1.trainable_variables() if v.name.endswith("/w:0")]
    assert weights and all(w.name.rsplit("/", 1)[0] in us for w in weights)


def test_sampler_reads_the_ema_weights_and_leaves_u_alone(sess):
    model = build(sess)
    sess.run(tf1.global_variables_initializer())
    z = np.random.RandomState(1).randn(4, 12).astype(np.float32)
    labels = [0, 1, 2, 3]
    us = [v for v in tf1.global_variables() if v.name.endswith("/u:0")]
    u_before = sess.run(us)
    before = model.generate(z, labels)
    for a, b in zip(u_before, sess.run(us)):
        np.testing.assert_array_equal(a, b)
    # Scrambling the live weights leaves the samples unchanged: they come from the EMA copy.
    for var in model.g_vars:
        sess.run(var.assign(tf.random.normal(var.shape)))
    np.testing.assert_array_equal(model.generate(z, labels), before)
    # Changing the EMA copy changes them (the output BN's gain: not rescaled away by spectral norm).
    ema = [v for v in tf1.global_variables("ema") if "bn_out/gamma" in v.name][0]
    sess.run(ema.assign(ema * 3.0))
    assert not np.allclose(model.generate(z, labels), before)


def test_ema_follows_the_weights_after_ema_start(sess):
    model = build(sess, ema_start=0, ema_decay=0.5)
    sess.run(tf1.global_variables_initializer())
    var = model.g_vars[0]
    shadow = [v for v in tf1.global_variables("ema") if v.name == "ema/" + var.name][0]
    rng = np.random.RandomState(0)
    feed = {model.z: rng.randn(4, 12), model.y: [0, 1, 2, 3]}
    old_shadow = sess.run(shadow)
    sess.run(model.g_optim, feed)
    np.testing.assert_allclose(sess.run(shadow), 0.5 * old_shadow + 0.5 * sess.run(var), rtol=1e-5, atol=1e-7)
    assert sess.run(model.step) == 1


def test_training_steps_on_mnist_lower_the_discriminator_loss(sess):
    model = build(sess)
    sess.run(tf1.global_variables_initializer())
    data = datasets.load_mnist(os.path.join(DATA, "mnist"))
    feed = {model.inputs: utils.to_float(data.images[:4]) * 2 - 1, model.y: data.labels[:4],
            model.z: np.random.RandomState(0).randn(4, 12)}
    first = sess.run(model.d_loss, feed)
    for _ in range(15):
        sess.run(model.d_optim, feed)
    assert sess.run(model.d_loss, feed) < first * 0.5


BIGGAN_TINY = ["--ch=4", "--shared_dim=8", "--z_dim=12", "--batch_size=8", "--train_size=64",
               "--num_D_steps=2", "--print_freq=1"]


def test_biggan_main_trains_resumes_and_tests_on_mnist(tmp_path):
    script = os.path.join("biggan", "main.py")
    common = ["--dataset=mnist", f"--data_dir={DATA}"] + BIGGAN_TINY
    first = run_main(common + ["--train", "--epoch=1", "--sample_freq=2"], tmp_path, script)
    assert first.returncode == 0, first.stderr
    assert sorted(os.listdir(tmp_path / "samples" / "biggan_mnist_28_28")) == ["train_00_0000.png", "train_00_0002.png",
                                                                           "train_00_0003.png"]  # the last one too
    assert "BigGAN.model-4.index" in os.listdir(tmp_path / "checkpoint" / "biggan_mnist_28_28")
    second = run_main(common + ["--train", "--epoch=2", "--sample_freq=100"], tmp_path, script)
    assert "resuming at iteration 4" in second.stdout and "BigGAN.model-8.index" in \
        os.listdir(tmp_path / "checkpoint" / "biggan_mnist_28_28")
    result = run_main(["--dataset=mnist", "--sample_dir=t0", "--export_samples=20"], tmp_path, script)
    assert result.returncode == 0, result.stderr
    assert "at iteration 8 (EMA generator)" in result.stdout
    files = sorted(os.listdir(tmp_path / "t0" / "biggan_mnist_28_28"))
    assert files == ["generated_20.npz", "test_classes.png", "test_interpolation.gif",
                     "test_random.png", "test_truncation.png"]
    exported = np.load(tmp_path / "t0" / "biggan_mnist_28_28" / "generated_20.npz")["images"]
    assert exported.shape == (20, 28, 28, 1) and exported.dtype == np.uint8
    truncation = Image.open(tmp_path / "t0" / "biggan_mnist_28_28" / "test_truncation.png")
    scale = testmode.readable_scale(10 * 28)  # 6 rows of 10, scaled, a title on top, labels on the left
    assert truncation.height > 6 * 28 * scale and truncation.width > 10 * 28 * scale


@pytest.mark.parametrize("args,message", [
    (["--dataset=mnist", "--train", "--attention_res=7"], "--attention_res 7 is not a resolution"),
    (["--dataset=toys", "--output_height=48", "--train"], "BigGAN has networks for 28, 32, 64 pixels"),
    (["--dataset=mnist"], "no checkpoint in checkpoint/biggan_mnist_28_28"),
    (["--dataset=mnist", "--z_dim=100", "--train"], "--z_dim must be divisible by 3"),
    (["--dataset=toys", "--output_height=64", "--ch=4", "--attention_res=32", "--train"],
     "self-attention at 32x32 needs at least 8 channels there, but --ch 4 gives 4; use --ch 8 or more"),
])
def test_biggan_bad_input(tmp_path, args, message):
    os.makedirs(tmp_path / "data" / "toys")  # a folder dataset: any size is asked of it
    args = args + ["--data_dir=data"]
    assert_one_line_error(run_main(args, tmp_path, os.path.join("biggan", "main.py")), re.escape(message))


# ---------------------------------------------------------------- 128x128 (the handout's BigGAN link)

def test_128_every_block_shape_and_a_training_step(sess):
    model = build(sess, output_size=128, c_dim=3, num_classes=2, ch=4, z_dim=60, batch_size=2)
    graph = tf1.get_default_graph()
    block = lambda net, i: graph.get_tensor_by_name(f"{net}/block{i}/add:0").shape.as_list()  # noqa: E731
    variables = {v.name: v.get_shape().as_list() for v in tf1.global_variables()}
    weight = lambda net, i: variables[f"{net}/block{i}/conv1/w:0"]  # noqa: E731
    # G: 4x4x64 -> 8x8x64 -> 16x16x32 -> 32x32x16 -> 64x64x8 -> 128x128x4 -> conv -> 128x128x3
    assert graph.get_tensor_by_name("generator/Reshape:0").get_shape().as_list() == [None, 4, 4, 64]
    assert [block("generator", i) for i in range(5)] == [
        [None, 8, 8, 64], [None, 16, 16, 32], [None, 32, 32, 16], [None, 64, 64, 8], [None, 128, 128, 4]]
    assert [weight("generator", i) for i in range(5)] == [
        [3, 3, 64, 64], [3, 3, 64, 32], [3, 3, 32, 16], [3, 3, 16, 8], [3, 3, 8, 4]]
    assert model.G.get_shape().as_list() == model.samples.get_shape().as_list() == [None, 128, 128, 3]
    # D: 128x128x3 -> 64x64x4 -> 32x32x8 -> 16x16x16 -> 8x8x32 -> 4x4x64 -> 4x4x64 -> sum -> 1
    assert [block("discriminator", i) for i in range(6)] == [
        [None, 64, 64, 4], [None, 32, 32, 8], [None, 16, 16, 16], [None, 8, 8, 32], [None, 4, 4, 64],
        [None, 4, 4, 64]]
    assert [weight("discriminator", i) for i in range(6)] == [
        [3, 3, 3, 4], [3, 3, 4, 8], [3, 3, 8, 16], [3, 3, 16, 32], [3, 3, 32, 64], [3, 3, 64, 64]]
    sess.run(tf1.global_variables_initializer())
    rng = np.random.RandomState(0)
    d_loss, _ = sess.run([model.d_loss, model.d_optim], {
        model.inputs: rng.uniform(-1, 1, (2, 128, 128, 3)), model.z: rng.randn(2, 60), model.y: [0, 1]})
    g_loss, step = sess.run([model.g_loss, model.g_optim], {model.z: rng.randn(2, 60), model.y: [0, 1]})
    assert np.isfinite([d_loss, g_loss]).all() and step == 1
    assert model.generate(rng.randn(2, 60).astype(np.float32), [0, 1]).shape == (2, 128, 128, 3)


# ---------------------------------------------------------------- bad input at 128

@pytest.mark.parametrize("args,message", [
    (["--dataset=toys", "--output_height=48", "--train"],
     "BigGAN has networks for 28, 32, 64 pixels (and 128 for a GPU server), not 48; "
     "set --output_height to one of them (the DCGAN, main.py, makes any size from 16; MNIST 28)"),
    (["--dataset=toys", "--output_height=128", "--ch=4", "--attention_res=64", "--train"],
     "self-attention at 64x64 needs at least 8 channels there, but --ch 4 gives 4; use --ch 8 or more, "
     "or --attention_res 8 or 16 or 32"),
    (["--dataset=toys", "--output_height=128", "--batch_size=50000", "--train"],
     "training a 128x128 BigGAN with --ch 64, --batch_size 50000 needs about 6130.1 GB of memory"),
])
def test_biggan_bad_input_at_128(tmp_path, monkeypatch, args, message):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")  # a CPU run: the host memory is checked
    os.makedirs(tmp_path / "data" / "toys")  # a folder dataset: any size is asked of it
    result = run_main(args + ["--data_dir=data"], tmp_path, os.path.join("biggan", "main.py"))
    assert_one_line_error(result, re.escape(message))
    if "batch_size=50000" in args[2]:
        assert re.search(r"use --batch_size \d+ or less", result.stderr)
