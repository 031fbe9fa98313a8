"""sampling.py: the standing batch norm statistics of a real generator (test mode's pictures and
export: tests/test_testmode.py)."""
import numpy as np

import sampling


def test_standing_statistics_make_the_sampler_compute_what_training_computed(sess):
    """Measured on one batch, the standing statistics are that batch's own: the sampler (batch
    norm in inference mode) then draws exactly what the generator in training mode draws for
    that batch. (The moving averages of training lag behind; BigGAN's EMA generator never had
    its own.)"""
    from model import DCGAN
    import tensorflow as tf
    dcgan = DCGAN(sess, batch_size=16, sample_num=16, output_height=16, output_width=16, c_dim=3,
                  gf_dim=4, df_dim=4, model_dir="toys_16_16")
    sess.run(tf.compat.v1.global_variables_initializer())
    z = dcgan.training_noise(np.random.RandomState(7), 16)  # the noise set_standing_statistics draws
    before = sess.run(dcgan.samples, {dcgan.z: z})
    sampling.set_standing_statistics(dcgan, batches=1, seed=7)
    after = sess.run(dcgan.samples, {dcgan.z: z})
    training_mode = sess.run(dcgan.G, {dcgan.z: z})
    np.testing.assert_allclose(after, training_mode, atol=1e-5)
    assert np.abs(before - training_mode).max() > 1e-3  # the fresh moving averages were far off
