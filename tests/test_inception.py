"""evaluation/inception.py on a tiny graph with the real Inception graph's tensor names
(tests/tiny_inception.py): scaling, grayscale, resizing by the graph, batching, errors, and
crafted graphs that would do more than compute."""
import numpy as np
import pytest
import tensorflow as tf

import tiny_inception as tiny
from errors import LabError
from evaluation import inception


@pytest.fixture(scope="module")
def graph_path(tmp_path_factory):
    return str(tiny.write_tiny_graph(tmp_path_factory.mktemp("inception") / "classify_image_graph_def.pb"))


@pytest.fixture(scope="module")
def net(graph_path):
    with inception.InceptionGraph(graph_path) as network:
        yield network


def random_images(n, size, channels, seed=0):
    """uint8 images [n, size, size, channels]."""
    return np.random.RandomState(seed).randint(0, 256, (n, size, size, channels)).astype(np.uint8)


def legacy_bilinear(images, size):
    """TF's legacy bilinear resize (align_corners=False, no half-pixel centres), as the graph's
    ResizeBilinear op does it: output pixel i samples input position i * in / out."""
    def along(x, axis):
        n_in = x.shape[axis]
        position = np.arange(size) * (n_in / size)
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, n_in - 1)
        shape = [1] * x.ndim
        shape[axis] = size
        frac = (position - low).reshape(shape)
        return np.take(x, low, axis) * (1 - frac) + np.take(x, high, axis) * frac
    return along(along(np.asarray(images, np.float64), 1), 2)


def test_features_are_float64_rows_of_the_graphs_dimension(net):
    images = random_images(5, tiny.SIZE, 3)
    feats = net.features(images)
    assert net.feature_dim == tiny.FEATURE_DIM  # read from the graph, not assumed to be 2048
    assert feats.shape == (5, tiny.FEATURE_DIM) and feats.dtype == np.float64
    assert np.allclose(feats, tiny.expected_features(images), atol=1e-5)


def test_grayscale_is_copied_to_three_channels(net):
    gray = random_images(4, tiny.SIZE, 1, seed=1)
    feats = net.features(gray)
    channel_means = ((gray[..., 0] - 128.0) / 128.0).mean(axis=(1, 2))  # [4]
    for c in range(3):  # the tiny graph's first 3 features are the R, G, B means
        assert np.allclose(feats[:, c], channel_means, atol=1e-5)
    assert np.allclose(feats, net.features(np.repeat(gray, 3, axis=-1)), atol=1e-6)


def test_images_go_in_at_their_own_size_and_the_graph_resizes_them(net):
    digits = random_images(3, 28, 1, seed=2)  # MNIST-sized; the tiny graph resizes to 8 x 8
    expected = tiny.expected_features(legacy_bilinear(np.repeat(digits, 3, axis=-1), tiny.SIZE))
    assert np.allclose(net.features(digits), expected, atol=1e-4)


def test_floats_in_0_1_and_uint8_give_the_same_features(net):
    images = random_images(6, 12, 3, seed=3)
    from_uint8 = net.features(images)
    assert np.allclose(net.features(images / 255.0), from_uint8, atol=1e-5)
    assert np.allclose(net.features((images / 255.0).astype(np.float32)), from_uint8, atol=1e-5)


def test_batches_give_the_same_answer_as_one_batch(net):
    images = random_images(7, 10, 3, seed=4)
    whole = net.features_and_probs(images, batch=50)
    in_threes = net.features_and_probs(images, batch=3)  # 3 + 3 + 1: the last batch is kept
    assert np.allclose(whole[0], in_threes[0], atol=1e-6)
    assert np.allclose(whole[1], in_threes[1], atol=1e-6)
    assert np.allclose(net.features(images, batch=2), whole[0], atol=1e-6)


def test_the_batch_dimension_is_free_as_ttur_makes_it(net):
    # The tiny graph records batch 1 on every node, like a graph saved for one JPEG.
    assert net.feature_op.shape.as_list() == [None, tiny.FEATURE_DIM]
    assert net.prob_op.shape.as_list() == [None, tiny.NUM_CLASSES]


def test_probs_are_the_inception_score_softmax_without_bias(net):
    images = random_images(5, tiny.SIZE, 3, seed=5)
    probs = net.probs(images)
    assert probs.shape == (5, tiny.NUM_CLASSES) and probs.dtype == np.float64
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert np.allclose(probs, tiny.expected_probs(tiny.expected_features(images)), atol=1e-5)


def test_no_images_give_an_empty_array(net):
    assert net.features(np.zeros((0, 8, 8, 3), np.uint8)).shape == (0, tiny.FEATURE_DIM)


def test_images_outside_0_1_or_with_other_channels_are_lab_errors(net):
    with pytest.raises(LabError, match=r"\[0, 1\].*\(x \+ 1\) / 2"):
        net.features(np.full((2, 8, 8, 3), -0.5))
    with pytest.raises(LabError, match="C = 1 or 3.*4"):
        net.features(np.zeros((2, 8, 8, 4), np.uint8))


def test_a_missing_graph_names_the_download_command(tmp_path):
    with pytest.raises(LabError, match=r"no Inception graph at .*nothing\.pb; run: python download.py inception"):
        inception.InceptionGraph(str(tmp_path / "nothing.pb"))


def test_a_file_that_is_not_a_graph_def_is_a_lab_error(tmp_path):
    path = tmp_path / "classify_image_graph_def.pb"
    path.write_bytes(b"\xff\xff\xff\xff not a protocol buffer")
    with pytest.raises(LabError, match=r"classify_image_graph_def.pb is not a TensorFlow GraphDef.*"
                                       r"delete it and run: python download.py inception"):
        inception.InceptionGraph(str(path))


def test_a_graph_without_the_inception_tensors_is_a_lab_error(tmp_path):
    graph = tf.Graph()
    with graph.as_default():
        tf.constant(1.0, name="pool_3")
    path = tmp_path / "other.pb"
    path.write_bytes(graph.as_graph_def().SerializeToString())
    with pytest.raises(LabError, match=r"other.pb lacks ExpandDims:0, softmax/logits/MatMul: "
                                       r"it is not the 2015-12-05 Inception graph"):
        inception.InceptionGraph(str(path))


# ----------------------------------------------------------------------------- crafted graphs

def test_the_tiny_graph_is_made_of_the_real_graphs_ops_only():
    graph_def = tiny.tiny_graph_def()
    assert {node.op for node in graph_def.node} <= inception.INCEPTION_OPS
    assert inception.graph_def_problem(graph_def) is None


def test_a_graph_that_writes_a_file_is_refused_before_it_is_imported(tmp_path):
    marker = tmp_path / "written_by_the_graph"
    path = tiny.file_writing_graph(str(tmp_path / "classify_image_graph_def.pb"), marker)
    # The fault, for real: imported and run as before, the graph writes the file.
    graph_def = tf.compat.v1.GraphDef.FromString(open(path, "rb").read())
    with tf.Graph().as_default() as graph:
        pool3 = tf.compat.v1.import_graph_def(graph_def, return_elements=["pool_3:0"], name="")[0]
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(pool3, {"ExpandDims:0": np.zeros((1, tiny.SIZE, tiny.SIZE, 3), np.float32)})
    assert marker.read_text() == "written by the graph"
    marker.unlink()
    with pytest.raises(LabError) as error:
        inception.InceptionGraph(path)
    message = str(error.value)
    assert "\n" not in message and message.startswith(
        f"{path} is refused, not imported: its node WriteFile is a WriteFile op, which the "
        "Inception graph does not have")
    assert message.endswith("delete it and run: python download.py inception "
                            "(it writes data/inception/classify_image_graph_def.pb)")
    assert not marker.exists()


def test_a_function_library_or_an_input_from_outside_the_graph_is_refused():
    with_function = tf.Graph()
    with with_function.as_default():
        tf.function(lambda x: x + 1.0)(tf.constant(1.0))  # a call op and its function library
    assert "library of functions" in inception.graph_def_problem(with_function.as_graph_def())
    graph_def = tiny.tiny_graph_def()
    pool3 = next(node for node in graph_def.node if node.name == "pool_3")
    pool3.input.append("^save/restore_all")  # a control dependency on a node that is not there
    assert inception.graph_def_problem(graph_def) == (
        "its node pool_3 takes an input from ^save/restore_all, which is not in the graph")


def test_a_file_larger_than_the_real_graph_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setitem(inception.MAX_BYTES, "classify_image_graph_def.pb", 1000)
    path = tmp_path / "big.pb"
    path.write_bytes(bytes(1001))
    with pytest.raises(LabError, match=r"big.pb is 1,001 bytes, more than the 1,000 of the "
                                       r"2015-12-05 Inception graph: not read"):
        inception.InceptionGraph(str(path))
