"""diffaug.py: DiffAugment's transforms keep shapes and ranges, are random per image, let gradients
through to G, and both GANs show D augmented real AND generated images (D's step and G's)."""
import re

import numpy as np
import pytest
import tensorflow as tf

import cli
import datasets
import diffaug
import runs
import training
from biggan.model import BigGAN
from errors import LabError
from model import DCGAN

tf1 = tf.compat.v1
ALL = "color,translation,cutout"


def images(n=16, size=32, channels=3, seed=0):
    """Random images in [-1, 1], [n, size, size, channels]."""
    return np.random.RandomState(seed).uniform(-1, 1, (n, size, size, channels)).astype(np.float32)


def run(sess, transform, x):
    return sess.run(transform(tf.constant(x)))


def test_policies_are_parsed_in_the_papers_order_and_unknown_names_refused():
    assert diffaug.parse_policy(" cutout, color ") == ("color", "cutout")
    assert diffaug.parse_policy("") == () and diffaug.parse_policy(None) == ()
    with pytest.raises(LabError) as error:
        diffaug.parse_policy("color,colour,flip")
    assert "'colour', 'flip'" in str(error.value) and "\n" not in str(error.value)
    assert "color, translation, cutout" in str(error.value)


def test_an_empty_policy_leaves_the_images_alone(sess):
    x = tf.constant(images(2))
    assert diffaug.augment(x, "") is x
    assert not [op for op in tf1.get_default_graph().get_operations() if "diffaug" in op.name]


def test_every_transform_keeps_the_shape_and_draws_per_image(sess):
    x = images()
    for transform in (diffaug.brightness, diffaug.saturation, diffaug.contrast, diffaug.translation,
                      diffaug.cutout):
        out = run(sess, transform, x)
        assert out.shape == x.shape and np.all(np.isfinite(out))
        changed = [not np.allclose(out[i], x[i]) for i in range(len(x))]
        assert sum(changed) >= len(x) - 2, transform.__name__  # (a shift of 0 can draw 0)
        change = np.abs(out - x).mean(axis=(1, 2, 3))
        assert len(np.unique(np.round(change, 4))) > len(x) // 2, transform.__name__  # not one draw for all


def test_colour_changes_stay_within_the_papers_ranges(sess):
    x = images()
    shift = run(sess, diffaug.brightness, x) - x  # one constant per image, within +-0.5
    assert np.allclose(shift, shift[:, :1, :1, :1], atol=1e-6) and np.abs(shift).max() <= 0.5
    grey = x.mean(axis=3, keepdims=True)
    ratio = (run(sess, diffaug.saturation, x) - grey) / (x - grey)  # U(0, 2) per image
    assert np.nanmin(ratio) >= -1e-3 and np.nanmax(ratio) <= 2.0 + 1e-3
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    ratio = (run(sess, diffaug.contrast, x) - mean) / (x - mean)  # U(0.5, 1.5) per image
    assert np.nanmin(ratio) >= 0.5 - 1e-3 and np.nanmax(ratio) <= 1.5 + 1e-3


def test_translation_is_a_whole_pixel_shift_of_at_most_an_eighth_filled_with_zeros(sess):
    x = images(8)
    out = run(sess, diffaug.translation, x)
    s = 4  # 32 / 8
    padded = np.pad(x, ((0, 0), (s, s), (s, s), (0, 0)))
    for i in range(len(x)):
        shifts = [(dy, dx) for dy in range(-s, s + 1) for dx in range(-s, s + 1)
                  if np.array_equal(out[i], padded[i, s - dy:s - dy + 32, s - dx:s - dx + 32])]
        assert shifts, f"image {i} is not a shift of its input"


def test_cutout_zeroes_one_square_of_half_the_size_that_may_stick_out(sess):
    x = np.ones((32, 32, 32, 3), np.float32)
    out = run(sess, diffaug.cutout, x)
    for image in out:
        rows, cols = np.nonzero(image[:, :, 0] == 0)
        height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert len(rows) == height * width  # one solid rectangle
        assert 8 <= height <= 16 and 8 <= width <= 16  # a 16x16 square, clipped at the border
        assert set(np.unique(image)) == {0.0, 1.0}


def test_images_in_zero_one_are_filled_with_mid_grey(sess):
    x = np.ones((4, 32, 32, 1), np.float32)  # MNIST's [0, 1]: 0 of [-1, 1] is 0.5 here
    out = sess.run(diffaug.augment(tf.constant(x), "cutout", value_range=(0.0, 1.0)))
    assert set(np.unique(out)) == {0.5, 1.0}


def test_gradients_flow_through_every_transform(sess):
    x = tf.constant(images(4))
    y = diffaug.augment(x, ALL)
    weights = tf.constant(np.random.RandomState(1).normal(size=(4, 32, 32, 3)).astype(np.float32))
    grad = sess.run(tf.gradients(tf.reduce_sum(y * weights), x)[0])
    assert np.count_nonzero(grad) > 0.3 * grad.size  # all but the cut-out and shifted-out pixels


def augmented_tensors(graph):
    """What D sees through DiffAugment: the outputs of every diffaug.augment in the graph."""
    return [op.outputs[0] for op in graph.get_operations() if re.search(r"diffaug(_\d+)?/augmented$", op.name)]


def check_g_learns_through_diffaug(sess, model, d_feed, g_feed):
    """Both of D's inputs are augmented, and G's loss sends non-zero gradients to G through T."""
    sess.run(tf1.global_variables_initializer())
    grads = tf.gradients(model.g_loss, model.g_vars)
    assert all(g is not None for g in grads)
    values = sess.run([tf.convert_to_tensor(g) for g in grads], g_feed)  # (embeddings: IndexedSlices)
    assert sum(np.count_nonzero(v) for v in values) > 0.5 * sum(v.size for v in values)
    sess.run(model.d_optim, d_feed)
    sess.run(model.g_optim, g_feed)


def cut_in_every_image(batch):
    """Every image of the batch has a cut-out square (a run of 8 zero pixels in a row at least)."""
    zero = np.all(batch == 0, axis=3)
    return all(any(np.convolve(row, np.ones(8), "valid").max() == 8 for row in image.astype(float))
               for image in zero)


def test_the_dcgan_shows_d_augmented_real_and_fake_images_in_both_steps(sess):
    model = DCGAN(sess, output_height=32, output_width=32, y_dim=2, c_dim=3, batch_size=4, sample_num=4,
                  gf_dim=8, df_dim=8, augment=cli.augmentation(ALL))
    real, fake = augmented_tensors(sess.graph)  # D(T(x)), D(T(G(z))): the same policy
    assert tf.gradients(model.D_logits, real)[0] is not None and tf.gradients(model.g_loss, fake)[0] is not None
    y = model.label_feed([0, 1, 0, 1])
    z = model.sample_noise(np.random.RandomState(0), 4)
    feed = {model.inputs: np.full((4, 32, 32, 3), 0.9, np.float32), model.z: z, model.y: y}
    check_g_learns_through_diffaug(sess, model, feed, {model.z: z, model.y: y})
    seen_real, seen_fake = sess.run([real, fake], feed)
    assert cut_in_every_image(seen_real) and cut_in_every_image(seen_fake)


def test_biggan_augments_real_and_fake_together_and_the_g_step_too(sess):
    model = BigGAN(sess, output_size=32, c_dim=3, num_classes=2, ch=4, batch_size=4, augment=cli.augmentation(ALL))
    both, g_step = augmented_tensors(sess.graph)  # D(T([real; fake])) and the G step's D(T(G(z)))
    assert both.get_shape().as_list() == [None, 32, 32, 3]
    z = model.training_noise(np.random.RandomState(0), 4)
    feed = {model.inputs: np.full((4, 32, 32, 3), 0.9, np.float32), model.z: z, model.y: [0, 1, 0, 1]}
    check_g_learns_through_diffaug(sess, model, feed, {model.z: z, model.y: [0, 1, 0, 1]})
    seen_both, seen_g = sess.run([both, g_step], feed)
    assert len(seen_both) == 8 and cut_in_every_image(seen_both) and cut_in_every_image(seen_g)


def test_off_by_default(sess):
    DCGAN(sess, output_height=28, output_width=28, y_dim=10, c_dim=1, batch_size=4, sample_num=4)
    assert not augmented_tensors(sess.graph)
    with tf.Graph().as_default() as graph, tf1.Session() as other:
        BigGAN(other, output_size=32, c_dim=3, num_classes=2, ch=4, batch_size=4)
        assert not augmented_tensors(graph)


def test_config_json_records_the_policy_and_older_runs_need_none(sess, tmp_path):
    """A run with --diffaug "cutout, color" (as main.py builds it: cli.augmentation, cli.train_config)
    records the policy, in the paper's order, in its config.json."""
    model = DCGAN(sess, output_height=16, output_width=16, c_dim=3, batch_size=2, sample_num=2,
                  gf_dim=4, df_dim=4, model_dir="toys", augment=cli.augmentation("cutout, color"))
    folders = runs.folders("toys", *(str(tmp_path / part) for part in ("ckpt", "samples", "logs")))
    config = training.TrainConfig(epoch=1, folders=folders, diffaug=cli.diffaug_policy("cutout, color"),
                                  print_freq=100, sample_freq=100)
    data = datasets.Dataset(np.full((2, 16, 16, 3), 128, np.uint8), None, [])
    assert model.train(config, data)[0] == 1
    record = runs.read_record(folders.checkpoint, "training")
    assert {key: record[key] for key in ("iterations", "images_seen", "diffaug", "precision")} == {
        "iterations": 1, "images_seen": 2, "diffaug": "color,cutout", "precision": "fp32"}
