"""Tests of biggan/ops.py against numpy, on tiny graphs (each builds its own tf.Graph)."""
import numpy as np
import pytest
import tensorflow as tf

from biggan import ops as bops

tf1 = tf.compat.v1


def _session():
    sess = tf1.Session()
    sess.run(tf1.global_variables_initializer())
    return sess


# ----------------------------------------------------------------------------- spectral norm

@pytest.mark.parametrize("shape", [(12, 7), (3, 3, 4, 6)])
def test_spectral_norm_matches_svd(shape):
    rng = np.random.RandomState(0)
    w_np = rng.randn(*shape).astype(np.float32)
    sigma_np = np.linalg.svd(w_np.reshape(-1, shape[-1]), compute_uv=False)[0]
    with tf.Graph().as_default():
        w = tf.constant(w_np)
        w_sn, sigma = bops.spectral_norm(w, update=True, with_sigma=True)
        with _session() as sess:
            for _ in range(150):
                sess.run(sigma)
            sigma_tf, w_sn_np = sess.run([sigma, w_sn])
    assert abs(sigma_tf - sigma_np) / sigma_np < 1e-3
    top = np.linalg.svd(w_sn_np.reshape(-1, shape[-1]), compute_uv=False)[0]
    assert abs(top - 1.0) < 1e-3


def test_spectral_norm_update_false_keeps_u():
    with tf.Graph().as_default():
        w = tf.constant(np.random.RandomState(1).randn(5, 4).astype(np.float32))
        with tf1.variable_scope("layer"):
            w_sn = bops.spectral_norm(w, update=False)
        u = [v for v in tf1.global_variables() if v.op.name == "layer/u"][0]
        assert u not in tf1.trainable_variables()
        with _session() as sess:
            u_before = sess.run(u)
            sess.run(w_sn)
            sess.run(w_sn)
            np.testing.assert_array_equal(sess.run(u), u_before)


def test_spectral_norm_update_true_changes_u():
    with tf.Graph().as_default():
        w = tf.constant(np.random.RandomState(2).randn(5, 4).astype(np.float32))
        with tf1.variable_scope("layer"):
            w_sn = bops.spectral_norm(w, update=True)
        u = [v for v in tf1.global_variables() if v.op.name == "layer/u"][0]
        with _session() as sess:
            u_before = sess.run(u)
            sess.run(w_sn)
            assert not np.allclose(sess.run(u), u_before)


def test_sn_layers_shapes():
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 6, 6, 3])
        y = tf1.placeholder(tf.int32, [None])
        conv = bops.snconv2d(x, 5, k=3, stride=2, name="c")
        lin = bops.snlinear(tf.reshape(conv, [-1, 3 * 3 * 5]), 4, name="l")
        emb = bops.snembedding(y, 10, 4, name="e")
        assert conv.get_shape().as_list() == [None, 3, 3, 5]
        with _session() as sess:
            out = sess.run([lin, emb], {x: np.ones((2, 6, 6, 3)), y: [0, 9]})
        assert out[0].shape == (2, 4) and out[1].shape == (2, 4)


# ----------------------------------------------------------------------------- conditional BN

def test_conditional_bn_at_init_is_plain_bn():
    rng = np.random.RandomState(3)
    x_np = rng.randn(4, 5, 5, 6).astype(np.float32) * 3 + 1
    c_np = rng.randn(4, 7).astype(np.float32)
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 5, 5, 6])
        c = tf1.placeholder(tf.float32, [None, 7])
        out = bops.conditional_batch_norm(x, c, name="cbn", train=True)
        with _session() as sess:
            out_np = sess.run(out, {x: x_np, c: c_np})
            moving_mean = [v for v in tf1.global_variables() if v.op.name == "cbn/moving_mean"][0]
            mm = sess.run(moving_mean)
    mean = x_np.mean(axis=(0, 1, 2))
    var = x_np.var(axis=(0, 1, 2))
    np.testing.assert_allclose(out_np, (x_np - mean) / np.sqrt(var + 1e-5), atol=1e-4)
    np.testing.assert_allclose(mm, 0.1 * mean, atol=1e-5)  # one moving-average step from 0


def test_conditional_bn_inference_uses_moving_averages():
    x_np = np.random.RandomState(4).randn(2, 3, 3, 4).astype(np.float32)
    with tf.Graph().as_default():
        out = bops.conditional_batch_norm(tf.constant(x_np), tf.ones([2, 3]), train=False)
        with _session() as sess:  # moving mean 0, variance 1 at init
            np.testing.assert_allclose(sess.run(out), x_np / np.sqrt(1 + 1e-5), atol=1e-5)


# ----------------------------------------------------------------------------- attention

def test_self_attention_identity_at_init_then_not():
    x_np = np.random.RandomState(5).randn(2, 7, 7, 16).astype(np.float32)
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 7, 7, 16])
        with tf1.variable_scope("attn"):
            out = bops.self_attention(x, name="sa")
        assert out.get_shape().as_list() == [None, 7, 7, 16]
        gamma = [v for v in tf1.global_variables() if v.op.name == "attn/sa/gamma"][0]
        with _session() as sess:
            np.testing.assert_array_equal(sess.run(out, {x: x_np}), x_np)
            sess.run(tf1.assign(gamma, 1.0))
            changed = sess.run(out, {x: x_np})
    assert changed.shape == x_np.shape
    assert np.abs(changed - x_np).max() > 1e-3


# ----------------------------------------------------------------------------- residual blocks

@pytest.mark.parametrize("size", [7, 14, 4, 8, 16, 32])
def test_g_block_doubles(size):
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, size, size, 8])
        cond = tf1.placeholder(tf.float32, [None, 5])
        out = bops.g_block(x, cond, 4, name="g", train=True)
        assert out.get_shape().as_list() == [None, 2 * size, 2 * size, 4]
        with _session() as sess:
            out_np = sess.run(out, {x: np.ones((2, size, size, 8)), cond: np.ones((2, 5))})
    assert out_np.shape == (2, 2 * size, 2 * size, 4)


@pytest.mark.parametrize("size", [14, 28, 8, 16, 32, 64])
@pytest.mark.parametrize("preactivation", [False, True])
def test_d_block_halves(size, preactivation):
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, size, size, 3])
        out = bops.d_block(x, 4, name="d", preactivation=preactivation)
        assert out.get_shape().as_list() == [None, size // 2, size // 2, 4]
        with _session() as sess:
            out_np = sess.run(out, {x: np.ones((2, size, size, 3))})
    assert out_np.shape == (2, size // 2, size // 2, 4)


def test_d_block_odd_size_rounds_up():
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 7, 7, 4])
        assert bops.d_block(x, 4, name="d").get_shape().as_list() == [None, 4, 4, 4]


# ----------------------------------------------------------------------------- losses

def test_hinge_losses():
    real = np.array([2.0, 0.5, -1.0, 1.0], np.float32)
    fake = np.array([-2.0, -0.5, 1.0, 0.0], np.float32)
    with tf.Graph().as_default():
        d_total, d_real, d_fake = bops.hinge_d_loss(tf.constant(real), tf.constant(fake))
        g = bops.hinge_g_loss(tf.constant(fake))
        with tf1.Session() as sess:
            out = sess.run([d_total, d_real, d_fake, g])
    exp_real = np.mean(np.maximum(0, 1 - real))  # (0 + .5 + 2 + 0) / 4
    exp_fake = np.mean(np.maximum(0, 1 + fake))  # (0 + .5 + 2 + 1) / 4
    np.testing.assert_allclose(out, [exp_real + exp_fake, exp_real, exp_fake, -fake.mean()],
                               rtol=1e-6)
    assert exp_real == pytest.approx(0.625) and exp_fake == pytest.approx(0.875)


def test_ortho_reg():
    rng = np.random.RandomState(6)
    ws = [rng.randn(3, 3, 2, 4).astype(np.float32), rng.randn(5, 3).astype(np.float32),
          rng.randn(4).astype(np.float32)]  # the 1-D one is skipped
    expected = 0.0
    for w in ws[:2]:
        m = w.reshape(-1, w.shape[-1])
        gram = m.T @ m
        expected += np.sum((gram * (1 - np.eye(gram.shape[0]))) ** 2)
    with tf.Graph().as_default():
        reg = bops.ortho_reg([tf.constant(w) for w in ws], strength=1e-2)
        with tf1.Session() as sess:
            np.testing.assert_allclose(sess.run(reg), 1e-2 * expected, rtol=1e-5)


# ----------------------------------------------------------------------------- EMA

def test_ema_follows_formula_and_getter_reads_shadow():
    decay = 0.9
    init = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    with tf.Graph().as_default():
        with tf1.variable_scope("net"):
            w = tf1.get_variable("w", initializer=init)
            b = tf1.get_variable("b", [2], initializer=tf1.zeros_initializer())
        update_op, shadows, getter = bops.ema_update([w], decay=decay)
        assert shadows["net/w"].op.name == "ema/net/w"
        assert shadows["net/w"] not in tf1.trainable_variables()
        with tf1.variable_scope("net", reuse=True, custom_getter=getter):
            w_read = tf1.get_variable("w")
            b_read = tf1.get_variable("b")  # not averaged: the live variable
        with _session() as sess:
            np.testing.assert_array_equal(sess.run(shadows["net/w"]), init)
            ema = init.copy()
            for step in range(5):
                value = init + step + 1.0
                sess.run(tf1.assign(w, value))
                sess.run(update_op)
                ema = decay * ema + (1 - decay) * value
            np.testing.assert_allclose(sess.run(shadows["net/w"]), ema, rtol=1e-6)
            np.testing.assert_allclose(sess.run(w_read), ema, rtol=1e-6)
            np.testing.assert_array_equal(sess.run(w), init + 5.0)
            assert b_read is b


# ----------------------------------------------------------------------------- truncation

def test_truncated_noise():
    z = bops.truncated_noise(np.random.RandomState(7), 500, 20, truncation=0.5)
    assert z.shape == (500, 20) and z.dtype == np.float32
    assert np.abs(z).max() <= 0.5
    full = bops.truncated_noise(np.random.RandomState(7), 500, 20)
    assert full.shape == (500, 20)
    assert abs(full.mean()) < 0.05 and abs(full.std() - 1.0) < 0.05
    assert np.abs(full).max() > 2.5  # not truncated
    again = bops.truncated_noise(np.random.RandomState(7), 500, 20, truncation=0.5)
    np.testing.assert_array_equal(z, again)  # deterministic for a seed


def test_ema_sampler_of_a_block_and_gradients():
    """The recipe for the model: train graph, EMA of G's weights, sampler reading the EMA."""
    rng = np.random.RandomState(8)
    feed_x, feed_c = rng.randn(2, 4, 4, 16), rng.randn(2, 3)
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 4, 4, 16])
        c = tf1.placeholder(tf.float32, [None, 3])

        def generator(train, update_sn):
            h = bops.g_block(x, c, 16, name="block", train=train, update_sn=update_sn)
            return bops.self_attention(h, name="attention", update_sn=update_sn)

        with tf1.variable_scope("generator"):
            out = generator(train=True, update_sn=True)
        g_vars = tf1.trainable_variables("generator")
        grads = tf.gradients(tf.reduce_sum(tf.square(out)), g_vars)
        assert all(g is not None for g in grads)
        update_op, shadows, ema_getter = bops.ema_update(g_vars, decay=0.5)
        with tf1.variable_scope("generator", reuse=True, custom_getter=ema_getter):
            sample_ema = generator(train=False, update_sn=False)
        with tf1.variable_scope("generator", reuse=True):
            sample_live = generator(train=False, update_sn=False)
        u_vars = [v for v in tf1.global_variables() if v.op.name.endswith("/u")]
        with _session() as sess:
            feed = {x: feed_x, c: feed_c}
            assert all(np.isfinite(g).all() for g in sess.run(grads, feed))
            np.testing.assert_allclose(*sess.run([sample_ema, sample_live], feed), atol=1e-5)
            u_before = sess.run(u_vars)
            sess.run(sample_ema, feed)  # update_sn=False: the sampler leaves u alone
            for a, b in zip(u_before, sess.run(u_vars)):
                np.testing.assert_array_equal(a, b)
            conv = [v for v in g_vars if v.op.name == "generator/block/conv1/w"][0]
            sess.run(tf1.assign(conv, 2.0 * conv))
            sess.run(update_op)
            ema_np, live_np = sess.run([shadows[conv.op.name], conv])
            np.testing.assert_allclose(ema_np, 0.75 * live_np, rtol=1e-5)  # .5*w + .5*2w


def test_upsample_nearest_repeats_every_pixel_into_a_2x2_square():
    x = np.random.RandomState(0).randn(2, 3, 5, 4).astype(np.float32)
    with tf.Graph().as_default():
        up = bops.upsample_nearest(tf.constant(x))
        with _session() as sess:
            np.testing.assert_array_equal(sess.run(up), np.repeat(np.repeat(x, 2, axis=1), 2, axis=2))
