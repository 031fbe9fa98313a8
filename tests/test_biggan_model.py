"""BigGAN graph (shapes at 28/32/64, EMA sampler, spectral-norm state) and biggan/main.py end to end."""
import os
import re

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import datasets
from biggan.architecture import attention_channel_mults, attention_problem
from biggan.model import BigGAN
from test_main import DATA, assert_one_line_error, run_main

tf1 = tf.compat.v1


def build(sess, **kw):
    args = dict(output_size=28, c_dim=1, num_classes=10, ch=4, shared_dim=8, z_dim=12,
                batch_size=4)
    args.update(kw)
    return BigGAN(sess, **args)


@pytest.fixture
def sess():
    with tf.Graph().as_default(), tf1.Session() as session:
        tf1.set_random_seed(0)
        yield session


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
    feed = {model.inputs: datasets.to_float(data.images[:4]) * 2 - 1, model.y: data.labels[:4],
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
    assert sorted(os.listdir(tmp_path / "samples" / "biggan_mnist_28_28")) == ["train_00_0000.png", "train_00_0002.png"]
    assert "BigGAN.model-4.index" in os.listdir(tmp_path / "checkpoint" / "biggan_mnist_28_28")
    second = run_main(common + ["--train", "--epoch=2", "--sample_freq=100"], tmp_path, script)
    assert "resuming at iteration 4" in second.stdout and "BigGAN.model-8.index" in \
        os.listdir(tmp_path / "checkpoint" / "biggan_mnist_28_28")
    outputs = []
    for run in range(2):
        result = run_main(["--dataset=mnist", f"--sample_dir=t{run}", "--export_samples=20"], tmp_path, script)
        assert result.returncode == 0, result.stderr
        assert "at iteration 8 (EMA generator)" in result.stdout
        files = sorted(os.listdir(tmp_path / f"t{run}" / "biggan_mnist_28_28"))
        assert files == ["generated_20.npz", "test_classes.png", "test_interpolation.gif",
                         "test_random.png", "test_truncation.png"]
        outputs.append(np.load(tmp_path / f"t{run}" / "biggan_mnist_28_28" / "generated_20.npz")["images"])
    np.testing.assert_array_equal(outputs[0], outputs[1])
    assert outputs[0].shape == (20, 28, 28, 1) and outputs[0].dtype == np.uint8
    truncation = np.asarray(Image.open(tmp_path / "t0" / "biggan_mnist_28_28" / "test_truncation.png"))
    assert truncation.shape == (6 * 28, 10 * 28)


def test_biggan_main_on_a_colour_folder(tmp_path):
    rng = np.random.RandomState(0)
    for c in ("cars", "planes"):
        os.makedirs(tmp_path / "data" / "toys" / c)
        for i in range(10):
            Image.fromarray(rng.randint(0, 255, (36, 36, 3)).astype(np.uint8)).save(
                tmp_path / "data" / "toys" / c / f"{i}.png")
    args = ["--dataset=toys", "--data_dir=data", "--input_fname_pattern=*.png", "--output_height=32",
            "--conditional", "--attention_res=16"] + BIGGAN_TINY[:-3] + ["--batch_size=4"]
    result = run_main(args + ["--train", "--epoch=1"], tmp_path, os.path.join("biggan", "main.py"))
    assert result.returncode == 0, result.stderr
    assert "classes: cars, planes" in result.stdout
    assert os.listdir(tmp_path / "checkpoint" / "biggan_toys_32_32_cond")
    grid = np.asarray(Image.open(tmp_path / "samples" / "biggan_toys_32_32_cond" / "train_00_0000.png"))
    assert grid.shape == (2 * 32, 2 * 32, 3)
    test = run_main(args, tmp_path, os.path.join("biggan", "main.py"))
    assert test.returncode == 0, test.stderr
    classes = np.asarray(Image.open(tmp_path / "samples" / "biggan_toys_32_32_cond" / "test_classes.png"))
    assert classes.shape[0] == 2 * 32 and classes.shape[1] > 10 * 32  # one row per class + names


@pytest.mark.parametrize("args,message", [
    (["--dataset=mnist", "--train", "--attention_res=7"], "--attention_res 7 is not a resolution"),
    (["--dataset=cifar10", "--output_height=48", "--train"], "BigGAN has networks for 28, 32, 64 pixels"),
    (["--dataset=mnist"], "no checkpoint in checkpoint/biggan_mnist_28_28"),
    (["--dataset=mnist", "--z_dim=100", "--train"], "--z_dim must be divisible by 3"),
    (["--dataset=cifar10", "--output_height=64", "--ch=4", "--attention_res=32", "--train"],
     "self-attention at 32x32 needs at least 8 channels there, but --ch 4 gives 4; use --ch 8 or more"),
])
def test_biggan_bad_input(tmp_path, args, message):
    assert_one_line_error(run_main(args, tmp_path, os.path.join("biggan", "main.py")), re.escape(message))
