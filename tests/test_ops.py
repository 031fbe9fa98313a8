"""ops.py against NumPy: batch norm (train and inference), conv/deconv shapes, concat helpers."""
import numpy as np
import pytest
import tensorflow as tf

import ops

tf1 = tf.compat.v1



def test_batch_norm_train_mode_normalises_with_batch_stats_and_updates_averages(sess):
    x_np = np.random.RandomState(0).normal(3.0, 2.0, size=(8, 4, 4, 3)).astype(np.float32)
    x = tf1.placeholder(tf.float32, [None, 4, 4, 3])
    bn = ops.batch_norm(name="bn")
    y_train, y_test = bn(x, train=True), bn(x, train=False)
    sess.run(tf1.global_variables_initializer())
    out = sess.run(y_train, {x: x_np})
    mean, var = x_np.mean(axis=(0, 1, 2)), x_np.var(axis=(0, 1, 2))
    np.testing.assert_allclose(out, (x_np - mean) / np.sqrt(var + 1e-5), atol=1e-4)
    with tf1.variable_scope("bn", reuse=True):
        moving_mean, moving_var = tf1.get_variable("moving_mean"), tf1.get_variable("moving_variance")
    # decay 0.9 from (0, 1): one update moves 10% of the way to the batch statistics
    np.testing.assert_allclose(sess.run(moving_mean), 0.1 * mean, rtol=1e-4)
    np.testing.assert_allclose(sess.run(moving_var), 0.9 + 0.1 * var, rtol=1e-4)
    # inference mode uses the moving averages and does not update them
    before = sess.run(moving_mean)
    out_test = sess.run(y_test, {x: x_np})
    m, v = sess.run([moving_mean, moving_var])
    np.testing.assert_allclose(out_test, (x_np - m) / np.sqrt(v + 1e-5), atol=1e-4)
    np.testing.assert_array_equal(sess.run(moving_mean), before)


def test_batch_norm_creates_handout_variable_names(sess):
    ops.batch_norm(name="d_bn1")(tf1.placeholder(tf.float32, [None, 5]))
    names = sorted(v.name for v in tf1.global_variables())
    assert names == ["d_bn1/beta:0", "d_bn1/gamma:0", "d_bn1/moving_mean:0", "d_bn1/moving_variance:0"]
    assert {v.name for v in tf1.trainable_variables()} == {"d_bn1/beta:0", "d_bn1/gamma:0"}


@pytest.mark.parametrize("size,out", [(28, 14), (7, 4), (64, 32)])
def test_conv2d_halves_the_size(sess, size, out):
    y = ops.conv2d(tf1.placeholder(tf.float32, [None, size, size, 3]), 7)
    assert y.get_shape().as_list() == [None, out, out, 7]


def test_deconv2d_output_shape_and_dynamic_batch(sess):
    x = tf1.placeholder(tf.float32, [None, 7, 7, 138])
    y, w, b = ops.deconv2d(x, [None, 14, 14, 128], name="g_h2", with_w=True)
    assert y.get_shape().as_list() == [None, 14, 14, 128]
    assert w.get_shape().as_list() == [5, 5, 128, 138] and b.get_shape().as_list() == [128]
    sess.run(tf1.global_variables_initializer())
    assert sess.run(y, {x: np.zeros((3, 7, 7, 138))}).shape == (3, 14, 14, 128)


def test_conv_cond_concat_appends_the_label_to_every_pixel(sess):
    x = tf1.placeholder(tf.float32, [None, 2, 3, 1])
    y = tf1.placeholder(tf.float32, [None, 1, 1, 2])
    out = ops.conv_cond_concat(x, y)
    assert out.get_shape().as_list() == [None, 2, 3, 3]
    x_np = np.arange(12, dtype=np.float32).reshape(2, 2, 3, 1)
    y_np = np.array([[[[1, 0]]], [[[0, 1]]]], dtype=np.float32)
    got = sess.run(out, {x: x_np, y: y_np})
    np.testing.assert_array_equal(got[..., :1], x_np)
    np.testing.assert_array_equal(got[0, ..., 1:], np.tile([1, 0], (2, 3, 1)))
    np.testing.assert_array_equal(got[1, ..., 1:], np.tile([0, 1], (2, 3, 1)))


def test_linear_and_lrelu_match_numpy(sess):
    x = tf1.placeholder(tf.float32, [None, 4])
    out, matrix, bias = ops.linear(x, 3, "lin", with_w=True)
    sess.run(tf1.global_variables_initializer())
    x_np = np.random.RandomState(1).randn(5, 4).astype(np.float32)
    m, b = sess.run([matrix, bias])
    np.testing.assert_allclose(sess.run(out, {x: x_np}), x_np @ m + b, rtol=1e-5, atol=1e-6)
    assert 0.005 < m.std() < 0.04  # N(0, 0.02) initialisation
    np.testing.assert_allclose(sess.run(ops.lrelu(tf.constant([-1.0, 2.0]))), [-0.2, 2.0])


def test_conv_out_size_same_is_ceil():
    assert [ops.conv_out_size_same(s, 2) for s in (64, 48, 7, 3)] == [32, 24, 4, 2]
