"""The DCGAN graph: every layer shape of both networks, shared sampler, training and checkpoints."""

import numpy as np
import pytest
import tensorflow as tf

import datasets
import training
from model import DCGAN

tf1 = tf.compat.v1


def build(sess, **kwargs):
    args = dict(batch_size=8, sample_num=8)
    args.update(kwargs)
    return DCGAN(sess, **args)


def shapes(scope):
    return {v.name.split("/", 1)[1]: v.get_shape().as_list()
            for v in tf1.global_variables(scope) if "Adam" not in v.name}


@pytest.fixture
def sess():
    with tf.Graph().as_default(), tf1.Session() as session:
        tf1.set_random_seed(0)
        yield session


def test_conditional_mnist_layers_are_the_handouts(sess):
    dcgan = build(sess, output_height=28, output_width=28, y_dim=10, c_dim=1, dataset_name="mnist")
    g, d = shapes("generator"), shapes("discriminator")
    # G: concat(z, y) 110 -> 1024 -> concat y 1034 -> 7*7*128 -> concat y -> deconv 14x14x128 -> 28x28x1
    assert g["g_h0_lin/Matrix:0"] == [110, 1024]
    assert g["g_h1_lin/Matrix:0"] == [1034, 6272]
    assert g["g_h2/w:0"] == [5, 5, 128, 138]
    assert g["g_h3/w:0"] == [5, 5, 1, 138]
    # D: concat(x, y) 11 -> conv 11 -> concat y 21 -> conv 74 -> 3626 + 10 -> 1024 + 10 -> 1
    assert d["d_h0_conv/w:0"] == [5, 5, 11, 11]
    assert d["d_h1_conv/w:0"] == [5, 5, 21, 74]
    assert d["d_h2_lin/Matrix:0"] == [3636, 1024]
    assert d["d_h3_lin/Matrix:0"] == [1034, 1]
    assert dcgan.G.get_shape().as_list() == [None, 28, 28, 1]
    assert dcgan.D_logits.get_shape().as_list() == [None, 1]
    count = lambda vs: sum(int(np.prod(v.get_shape())) for v in vs)
    assert count(dcgan.g_vars) == pytest.approx(7.07e6, rel=0.01)
    assert count(dcgan.d_vars) == pytest.approx(3.77e6, rel=0.01)


@pytest.mark.parametrize("size,first", [(64, 4), (48, 3), (32, 2)])
def test_unconditional_layers_follow_conv_out_size_same(sess, size, first):
    dcgan = build(sess, output_height=size, output_width=size, c_dim=3, gf_dim=8, df_dim=8)
    g, d = shapes("generator"), shapes("discriminator")
    assert g["g_h0_lin/Matrix:0"] == [100, 8 * 8 * first * first]
    assert [g[f"g_h{i}/w:0"] for i in range(1, 5)] == [[5, 5, 32, 64], [5, 5, 16, 32],
                                                       [5, 5, 8, 16], [5, 5, 3, 8]]
    assert d["d_h4_lin/Matrix:0"] == [64 * first * first, 1]
    assert dcgan.G.get_shape().as_list() == [None, size, size, 3]


def test_sampler_shares_the_generator_weights(sess):
    build(sess, output_height=28, output_width=28, y_dim=10, c_dim=1)
    names = [v.name for v in tf1.trainable_variables("generator")]
    assert len(names) == len(set(names)) == 14  # 4 layers x 2 + 3 BN x 2: no sampler copies


def mnist_subset(n=64):
    data = datasets.load_mnist("data/mnist")
    return datasets.Dataset(data.images[:n], data.labels[:n], data.class_names)


def config(tmp_path, **kw):
    base = dict(epoch=1, train_size=np.inf, seed=0, reshuffle=False, checkpoint_dir=str(tmp_path / "ckpt"),
                sample_dir=str(tmp_path / "samples"), logs_dir=str(tmp_path / "logs"), log_freq=2,
                print_freq=100, sample_freq=1000, ckpt_freq=1000)
    base.update(kw)
    return training.TrainConfig(**base)


def make(sess, tmp_path):
    return build(sess, output_height=28, output_width=28, y_dim=10, c_dim=1, dataset_name="mnist")


def test_discriminator_steps_lower_its_loss(sess, tmp_path):
    dcgan = make(sess, tmp_path)
    sess.run(tf1.global_variables_initializer())
    data = mnist_subset(8)
    rng = np.random.RandomState(0)
    feed = {dcgan.inputs: datasets.to_float(data.images), dcgan.y: dcgan.label_feed(data.labels),
            dcgan.z: dcgan.sample_noise(rng, 8)}
    first = sess.run(dcgan.d_loss, feed)
    for _ in range(30):
        sess.run(dcgan.d_optim, feed)
    assert sess.run(dcgan.d_loss, feed) < first * 0.75


def test_checkpoint_round_trip_gives_identical_samples(tmp_path):
    z = np.random.RandomState(3).uniform(-1, 1, (10, 100)).astype(np.float32)
    labels = np.arange(10)
    with tf.Graph().as_default(), tf1.Session() as sess:
        dcgan = make(sess, tmp_path)
        counter, stopped = dcgan.train(config(tmp_path), mnist_subset(32))  # 4 iterations, final save
        assert (counter, stopped) == (4, False)
        before = dcgan.generate(z, labels)
    with tf.Graph().as_default(), tf1.Session() as sess:
        tf1.set_random_seed(99)  # other initial weights, overwritten by the checkpoint
        dcgan = make(sess, tmp_path)
        sess.run(tf1.global_variables_initializer())
        assert dcgan.load(str(tmp_path / "ckpt")) == (True, 4)
        np.testing.assert_array_equal(dcgan.generate(z, labels), before)
    assert before.shape == (10, 28, 28, 1) and 0.0 <= before.min() and before.max() <= 1.0
    rows = open(tmp_path / "logs" / "mnist_28_28" / "losses.csv").read().splitlines()
    assert rows[0] == "step,epoch,d_loss,g_loss,seconds" and len(rows) == 5
