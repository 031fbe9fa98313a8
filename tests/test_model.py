"""The DCGAN graph: every layer shape of its three networks, shared sampler, training and checkpoints."""
import os

import numpy as np
import pytest
import tensorflow as tf

import datasets
import utils
import runs
import training
from model import DCGAN
from errors import LabError

tf1 = tf.compat.v1


def build(sess, **kwargs):
    args = dict(batch_size=8, sample_num=8)
    args.update(kwargs)
    return DCGAN(sess, **args)


def shapes(scope):
    return {v.name.split("/", 1)[1]: v.get_shape().as_list()
            for v in tf1.global_variables(scope) if "Adam" not in v.name}



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
    folders = runs.folders("mnist_28_28", str(tmp_path / "ckpt"), str(tmp_path / "samples"), str(tmp_path / "logs"))
    base = dict(epoch=1, train_size=np.inf, seed=0, reshuffle=False, folders=folders, log_freq=2,
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
    feed = {dcgan.inputs: utils.to_float(data.images), dcgan.y: dcgan.label_feed(data.labels),
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
        counter, stop = dcgan.train(config(tmp_path), mnist_subset(32))  # 4 iterations, final save
        assert counter == 4 and not stop.requested and stop.failure is None
        before = dcgan.generate(z, labels)
    with tf.Graph().as_default(), tf1.Session() as sess:
        tf1.set_random_seed(99)  # other initial weights, overwritten by the checkpoint
        dcgan = make(sess, tmp_path)
        sess.run(tf1.global_variables_initializer())
        assert dcgan.load(str(tmp_path / "ckpt" / "mnist_28_28")) == (True, 4)
        np.testing.assert_array_equal(dcgan.generate(z, labels), before)
    assert before.shape == (10, 28, 28, 1) and 0.0 <= before.min() and before.max() <= 1.0
    rows = open(tmp_path / "logs" / "mnist_28_28" / "losses.csv").read().splitlines()
    assert rows[0] == "step,epoch,d_loss,g_loss,seconds" and len(rows) == 5
    # a grid at the first iteration, and one at the last: a run shorter than sample_freq ends with one too
    assert sorted(os.listdir(tmp_path / "samples" / "mnist_28_28")) == ["train_00_0000.png", "train_00_0003.png"]


# ---------------------------------------------------------------- which network, and the colour one

def variables_in_creation_order(scope):
    """[(name, shape)] as the graph made them: at a fixed seed, the order fixes the initial weights."""
    return [(v.name.split("/", 1)[1], v.get_shape().as_list())
            for v in tf1.global_variables(scope) if "Adam" not in v.name]


def layer_variables(layers):
    """Expected (name, shape) of ops.py layers, in creation order: the weight (Matrix or w), then
    its bias ([out]: deconv2d's weight is [k, k, out, in]); batch norm: beta, gamma, moving stats."""
    parts = {"linear": ("Matrix", "bias", -1), "conv": ("w", "biases", -1), "deconv": ("w", "biases", -2)}
    out = []
    for kind, name, shape in layers:
        if kind == "bn":
            out += [(f"{name}/{v}:0", [shape]) for v in ("beta", "gamma", "moving_mean", "moving_variance")]
        else:
            weight, bias, out_axis = parts[kind]
            out += [(f"{name}/{weight}:0", shape), (f"{name}/{bias}:0", [shape[out_axis]])]
    return out


def test_mnist_keeps_the_handouts_network_variable_for_variable(sess):
    dcgan = build(sess, output_height=28, output_width=28, y_dim=10, c_dim=1, dataset_name="mnist")
    assert dcgan.network == "mnist_conditional" == dcgan.architecture.network
    assert dcgan.output_activation == "sigmoid"
    assert variables_in_creation_order("generator") == layer_variables([
        ("linear", "g_h0_lin", [110, 1024]), ("bn", "g_bn0", 1024), ("linear", "g_h1_lin", [1034, 6272]),
        ("bn", "g_bn1", 6272), ("deconv", "g_h2", [5, 5, 128, 138]), ("bn", "g_bn2", 128),
        ("deconv", "g_h3", [5, 5, 1, 138])])
    assert variables_in_creation_order("discriminator") == layer_variables([
        ("conv", "d_h0_conv", [5, 5, 11, 11]), ("conv", "d_h1_conv", [5, 5, 21, 74]), ("bn", "d_bn1", 74),
        ("linear", "d_h2_lin", [3636, 1024]), ("bn", "d_bn2", 1024), ("linear", "d_h3_lin", [1034, 1])])
    assert dcgan.G.get_shape().as_list() == [None, 28, 28, 1] and dcgan.D_logits.get_shape().as_list() == [None, 1]


@pytest.mark.parametrize("y_dim,c_dim,network", [
    (None, 3, "unconditional"), (None, 1, "unconditional"), (10, 1, "mnist_conditional"),
    (2, 3, "colour_classifying"), (2, 4, "colour_classifying")])
def test_choose_network(y_dim, c_dim, network):
    assert DCGAN.choose_network(y_dim, c_dim) == network  # a saved run's: tests/test_runs.py


def colour(sess, size, **kw):
    """A small colour conditional DCGAN: 2 classes, gf_dim = df_dim = 8."""
    return build(sess, output_height=size, output_width=size, y_dim=2, c_dim=3, gf_dim=8, df_dim=8,
                 dataset_name="toys", **kw)


def colour_g(s16):
    """The colour G's layers: concat(z, y) 102 -> linear -> s16 x s16 x 64, then + 2 label
    channels before every deconv."""
    return layer_variables([
        ("linear", "g_h0_lin", [102, 64 * s16 * s16]), ("bn", "g_bn0", 64),
        ("deconv", "g_h1", [5, 5, 32, 66]), ("bn", "g_bn1", 32),
        ("deconv", "g_h2", [5, 5, 16, 34]), ("bn", "g_bn2", 16),
        ("deconv", "g_h3", [5, 5, 8, 18]), ("bn", "g_bn3", 8), ("deconv", "g_h4", [5, 5, 3, 10])])


@pytest.mark.parametrize("size,s16", [(64, 4), (48, 3), (32, 2)])
def test_colour_classifying_d_names_the_class_from_the_picture_alone(sess, size, s16):
    dcgan = colour(sess, size)
    assert dcgan.network == "colour_classifying" == dcgan.architecture.network
    assert dcgan.output_activation == "tanh"
    assert variables_in_creation_order("generator") == colour_g(s16)
    # D: the handout's unconditional D (no label anywhere), and a second output: the class
    assert variables_in_creation_order("discriminator") == layer_variables([
        ("conv", "d_h0_conv", [5, 5, 3, 8]), ("conv", "d_h1_conv", [5, 5, 8, 16]), ("bn", "d_bn1", 16),
        ("conv", "d_h2_conv", [5, 5, 16, 32]), ("bn", "d_bn2", 32), ("conv", "d_h3_conv", [5, 5, 32, 64]),
        ("bn", "d_bn3", 64), ("linear", "d_h4_lin", [64 * s16 * s16, 1]),
        ("linear", "d_h4_class", [64 * s16 * s16, 2])])
    assert dcgan.G.get_shape().as_list() == dcgan.samples.get_shape().as_list() == [None, size, size, 3]


def test_colour_classifying_losses_add_the_class_to_the_handouts(sess):
    """d_loss = the handout's two terms + D's class cross-entropy on real images; g_loss = the
    handout's + the class cross-entropy of G's images for the class asked: checked in NumPy."""
    import colour_network
    dcgan = colour(sess, 32)
    with tf1.variable_scope("discriminator", reuse=True):
        _, _, real_class = colour_network.classifying_discriminator(dcgan, dcgan.inputs)
        _, _, fake_class = colour_network.classifying_discriminator(dcgan, dcgan.G)
    sess.run(tf1.global_variables_initializer())
    rng = np.random.RandomState(0)
    labels = dcgan.label_feed([0, 1, 1, 0])
    feed = {dcgan.inputs: dcgan.to_model_range(rng.uniform(0, 1, (4, 32, 32, 3))), dcgan.y: labels,
            dcgan.z: dcgan.sample_noise(rng, 4)}
    d_loss, g_loss, real_, fake_, fake_logits, real_cls, fake_cls = sess.run(
        [dcgan.d_loss, dcgan.g_loss, dcgan.d_loss_real, dcgan.d_loss_fake, dcgan.D_logits_, real_class, fake_class], feed)

    def xent(logits):  # softmax cross-entropy with the asked-for labels, mean over the batch
        logits = logits - logits.max(1, keepdims=True)
        return float(np.mean(np.log(np.exp(logits).sum(1)) - (logits * labels).sum(1)))
    non_saturating = float(np.mean(np.log1p(np.exp(-fake_logits))))
    np.testing.assert_allclose(d_loss, real_ + fake_ + xent(real_cls), rtol=1e-4)
    np.testing.assert_allclose(g_loss, non_saturating + xent(fake_cls), rtol=1e-4)


def test_colour_classifying_d_learns_the_class_of_photos(sess):
    import colour_network
    dcgan = colour(sess, 32)
    with tf1.variable_scope("discriminator", reuse=True):
        _, _, class_logits = colour_network.classifying_discriminator(dcgan, dcgan.inputs)
    sess.run(tf1.global_variables_initializer())
    rng = np.random.RandomState(0)
    classes = np.array([0, 1] * 4)
    images = dcgan.to_model_range(np.clip(rng.normal(0.3 + 0.4 * classes[:, None, None, None], 0.1,
                                                     (8, 32, 32, 3)), 0, 1))  # dark planes, bright cars
    feed = {dcgan.inputs: images, dcgan.y: dcgan.label_feed(classes), dcgan.z: dcgan.sample_noise(rng, 8)}
    for _ in range(15):
        sess.run(dcgan.d_optim, feed)
    assert list(np.argmax(sess.run(class_logits, feed), 1)) == list(classes)


@pytest.mark.parametrize("size,s16", [(64, 4), (32, 2)])
def test_colour_conditional_runs_saved_before_keep_their_network(sess, size, s16):
    dcgan = colour(sess, size, network="colour_conditional")
    assert dcgan.network == "colour_conditional" == dcgan.architecture.network
    assert dcgan.output_activation == "tanh"
    assert variables_in_creation_order("generator") == colour_g(s16)  # the same G
    # D: concat(x, y) 5 channels -> conv 8, + 2 before each conv, flatten + 2 -> linear 1
    assert variables_in_creation_order("discriminator") == layer_variables([
        ("conv", "d_h0_conv", [5, 5, 5, 8]), ("conv", "d_h1_conv", [5, 5, 10, 16]), ("bn", "d_bn1", 16),
        ("conv", "d_h2_conv", [5, 5, 18, 32]), ("bn", "d_bn2", 32), ("conv", "d_h3_conv", [5, 5, 34, 64]),
        ("bn", "d_bn3", 64), ("linear", "d_h4_lin", [64 * s16 * s16 + 2, 1])])
    assert dcgan.G.get_shape().as_list() == dcgan.samples.get_shape().as_list() == [None, size, size, 3]


def test_colour_images_depend_on_the_label_and_use_tanhs_range(sess):
    dcgan = colour(sess, 32)
    sess.run(tf1.global_variables_initializer())
    z = dcgan.sample_noise(np.random.RandomState(0), 4)
    planes, cars = dcgan.generate(z, [0] * 4), dcgan.generate(z, [1] * 4)
    assert planes.shape == (4, 32, 32, 3) and 0.0 <= planes.min() and planes.max() <= 1.0
    assert np.abs(planes - cars).max() > 1e-4  # the label reaches the image
    np.testing.assert_allclose(dcgan.to_model_range(np.array([0.0, 0.5, 1.0])), [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(dcgan.from_model_range(np.array([-1.0, 1.0])), [0.0, 1.0])


def test_colour_discriminator_learns(sess):
    dcgan = colour(sess, 32)
    sess.run(tf1.global_variables_initializer())
    rng = np.random.RandomState(0)
    images = dcgan.to_model_range(rng.uniform(0, 1, (4, 32, 32, 3)))
    feed = {dcgan.inputs: images, dcgan.y: dcgan.label_feed([0, 1, 0, 1]), dcgan.z: dcgan.sample_noise(rng, 4)}
    first = sess.run(dcgan.d_loss, feed)
    for _ in range(10):
        sess.run(dcgan.d_optim, feed)
    assert sess.run(dcgan.d_loss, feed) < first * 0.75


@pytest.mark.parametrize("args,message", [
    (["--output_height=8"], "the unconditional DCGAN needs an output size of at least 16 \\(got 8\\)"),
    (["--output_height=12", "--conditional"], "the conditional DCGAN needs an output size of at least 16"),
    (["--output_height=30", "--conditional"], "divisible by 4 \\(got 30\\).*BigGAN 28, 32, 64, 128"),
])
def test_sizes_a_network_cannot_make_are_one_line_errors(tmp_path, args, message):
    from test_main import assert_one_line_error, run_main  # fails before TensorFlow starts: fast
    os.makedirs(tmp_path / "data" / "cars" / "red")
    result = run_main(["--dataset=cars", "--data_dir=data", "--train"] + args, tmp_path)
    assert_one_line_error(result, message)


# ---------------------------------------------------------------- runs that go wrong

def poison_after(dcgan, iterations):
    """Make a real weight of G NaN after `iterations` training steps (what a learning rate far
    too high does): the steps after that compute NaN losses from it."""
    real_step, calls = dcgan.train_step, []
    weight = tf1.trainable_variables("generator")[0]
    poison = tf1.assign(weight, tf.fill(tf.shape(weight), np.nan))

    def step(*args):
        calls.append(1)
        if len(calls) == iterations + 1:
            dcgan.sess.run(poison)
        return real_step(*args)
    dcgan.train_step = step


def test_losses_that_turn_nan_stop_at_once_and_save_nothing_broken(tmp_path):
    with tf.Graph().as_default(), tf1.Session() as sess:
        dcgan = make(sess, tmp_path)
        poison_after(dcgan, 3)
        with pytest.raises(training.Diverged, match="training diverged at iteration 4: d_loss is nan"):
            dcgan.train(config(tmp_path, ckpt_freq=2), mnist_subset(64))  # 8 iterations if all went well
    saved = sorted(os.listdir(tmp_path / "ckpt" / "mnist_28_28"))
    assert [f for f in saved if f.endswith(".index")] == ["DCGAN.model-2.index"]  # the last good one
    with tf.Graph().as_default(), tf1.Session() as sess:
        dcgan = make(sess, tmp_path)
        assert dcgan.load(str(tmp_path / "ckpt" / "mnist_28_28")) == (True, 2)
        assert np.isfinite(dcgan.generate(np.zeros((2, 100), np.float32), [0, 1])).all()
        sess.run(tf1.assign(tf1.trainable_variables("generator")[0], tf.fill([110, 1024], np.nan)))
        with pytest.raises(LabError, match="makes NaN or infinite pixels"):  # never an all-black export
            dcgan.generate(np.zeros((2, 100), np.float32), [0, 1])


@pytest.mark.parametrize("where", ["grid", "log"])
def test_a_full_disk_stops_with_a_checkpoint(tmp_path, monkeypatch, where):
    """ENOSPC while writing a training grid or a losses.csv line: the loop stops, the checkpoint of
    that iteration is saved, and the failure is reported (cli.train turns it into one line)."""
    import errno
    import sampling

    real_save, calls = sampling.save_images, []

    def full(*args, **kwargs):  # the second grid finds the disk full
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", "samples/x.png")
        return real_save(*args, **kwargs)
    if where == "grid":
        monkeypatch.setattr(sampling, "save_images", full)
        settings = dict(sample_freq=3)
    else:
        monkeypatch.setattr(training, "low_disk", lambda folders: "the disk holding logs/x is almost full")
        settings = {}
    with tf.Graph().as_default(), tf1.Session() as sess:
        dcgan = make(sess, tmp_path)
        counter, stop = dcgan.train(config(tmp_path, **settings), mnist_subset(64))
    assert stop.requested and isinstance(stop.failure, OSError)
    assert counter == (4 if where == "grid" else 1)  # grids at iterations 1, 4, ... (counter % 3 == 1)
    assert f"DCGAN.model-{counter}.index" in os.listdir(tmp_path / "ckpt" / "mnist_28_28")
    message = training.failure_message(stop.failure)
    assert ("No space left on device" if where == "grid" else "almost full") in message



def first_grid(tmp_path, seed):
    """The first training grid of a 1-iteration run with this --seed (graph seed and data seed),
    as main.py sets them."""
    import sampling
    with tf.Graph().as_default(), tf1.Session() as sess:
        tf1.set_random_seed(seed)
        dcgan = make(sess, tmp_path / str(seed))
        grids = []
        real_save = sampling.save_images
        sampling.save_images = lambda images, size, path: grids.append(images)
        try:
            dcgan.train(config(tmp_path / str(seed), seed=seed, sample_freq=1), mnist_subset(8))
        finally:
            sampling.save_images = real_save
        return grids[0]


def test_the_same_seed_gives_the_same_first_grid(tmp_path):
    first = first_grid(tmp_path / "a", 1)
    np.testing.assert_array_equal(first, first_grid(tmp_path / "b", 1))
    assert not np.array_equal(first, first_grid(tmp_path / "c", 2))
