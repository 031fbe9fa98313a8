"""sampling.py: test mode's pictures and export (with the stand-in model of test_utils.py), and
the standing batch norm statistics of a real generator."""
import os

import numpy as np
from PIL import Image

import sampling
import utils
from test_utils import FakeModel


def test_test_mode_outputs_and_export(tmp_path):
    written = sampling.test_mode_outputs(FakeModel(), str(tmp_path), 16, seed=0)
    assert [os.path.basename(p) for p in written] == ["test_random.png", "test_classes.png",
                                                     "test_interpolation.gif"]
    classes = np.asarray(Image.open(tmp_path / "test_classes.png").convert("L"))
    cell = 6 * utils.readable_scale(10 * 6)  # 6-pixel images scaled up to be seen
    assert cell > 6 and classes.shape[0] > 10 * cell  # a title strip on top of the rows
    grid = classes[-10 * cell:, -10 * cell:]
    # each row holds its class: brightness label/10 (+-0.05 from z) in the grid's image columns
    row_means = [grid[cell * i:cell * (i + 1)].mean() / 255 for i in range(10)]
    assert np.all(np.diff(row_means) > 0)
    assert (classes[:cell // 2, :] == 255).mean() > 0.8  # the title strip: white, with some text
    path = sampling.export_samples(FakeModel(num_classes=3), 7, str(tmp_path / "generated_7.npz"))
    data = np.load(path)
    assert data["images"].dtype == np.uint8 and data["images"].shape == (7, 6, 6, 1)
    assert data["labels"].tolist() == [0, 1, 2, 0, 1, 2, 0]


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
