"""A tiny stand-in for the 2015-12-05 Inception graph (classify_image_graph_def.pb), for tests.

It has the real graph's tensor names and plumbing, and only ops the real graph has (so it
passes evaluation/inception.py's INCEPTION_OPS), so inception.py cannot tell them apart; but it
is a few kilobytes and its outputs can be computed by hand:

    DecodeJpeg/contents -> DecodeJpeg [H, W, 3] uint8 -> Cast
    -> ExpandDims [1, H, W, 3]                      (the real graph's batch of one)
    -> ResizeBilinear to SIZE x SIZE (legacy TF bilinear, as in the real graph, which uses 299)
    -> Sub 128 -> Mul 1/128                         pixels 0..255 -> about -1..1
    -> 1x1 convolution with FEATURE_WEIGHTS [3, FEATURE_DIM]
    -> pool_3: average over all pixels              [1, 1, 1, FEATURE_DIM]
    -> pool_3/_reshape [1, FEATURE_DIM] -> softmax/logits/MatMul with SOFTMAX_WEIGHTS
    -> softmax/logits (BiasAdd) -> softmax         [1, NUM_CLASSES]

The first 3 feature columns are the identity, so features[:, :3] are the per-channel means of
the normalised image. Every node carries its static shape (`_output_shapes`), batch 1
included, like a graph exported with add_shapes=True: the worst case for batching.
"""
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1

SIZE = 8           # the real graph resizes to 299
FEATURE_DIM = 16   # the real graph has 2048
NUM_CLASSES = 10   # the real graph has 1008
FEATURE_WEIGHTS = np.concatenate(                                   # [3, FEATURE_DIM]
    [np.eye(3), np.random.RandomState(0).randn(3, FEATURE_DIM - 3)], axis=1).astype(np.float32)
SOFTMAX_WEIGHTS = np.random.RandomState(1).randn(FEATURE_DIM, NUM_CLASSES).astype(np.float32)
SOFTMAX_BIASES = np.random.RandomState(2).randn(NUM_CLASSES).astype(np.float32)


def tiny_graph_def(before_pool=None):
    """The GraphDef described in the module docstring. `before_pool`, a function that makes ops
    in the graph, makes pool_3 wait for them (a control dependency): a crafted graph for tests."""
    graph = tf.Graph()
    with graph.as_default():
        jpeg = tf.constant(b"", name="DecodeJpeg_contents")  # the real graph is fed a JPEG here
        decoded = tf.io.decode_jpeg(jpeg, channels=3, name="DecodeJpeg")   # [H, W, 3] uint8
        image = tf.expand_dims(tf.cast(decoded, tf.float32, name="Cast"), 0, name="ExpandDims")
        resized = tf.raw_ops.ResizeBilinear(images=image, size=[SIZE, SIZE], align_corners=False,
                                            half_pixel_centers=False, name="ResizeBilinear")
        scaled = tf.multiply(tf.subtract(resized, 128.0, name="Sub"), 1.0 / 128, name="Mul")
        kernel = tf.constant(FEATURE_WEIGHTS[None, None], name="mixed_10/conv/weights")
        per_pixel = tf.nn.conv2d(scaled, kernel, strides=1, padding="VALID", name="mixed_10/conv")
        with tf.control_dependencies(before_pool() if before_pool else []):
            pool = tf.nn.avg_pool2d(per_pixel, SIZE, 1, "VALID", name="pool_3")  # [1, 1, 1, F]
        with tf1.name_scope("pool_3/"):
            flat = tf.reshape(pool, [1, FEATURE_DIM], name="_reshape")        # batch 1, hard-coded
        with tf1.name_scope("softmax"):
            weights = tf.constant(SOFTMAX_WEIGHTS, name="weights")
            biases = tf.constant(SOFTMAX_BIASES, name="biases")
            with tf1.name_scope("logits"):
                logits = tf.matmul(flat, weights, name="MatMul")
            # TF names it logits_1 (the scope has "logits"), and the softmax softmax_1
            logits = tf.nn.bias_add(logits, biases, name="logits")
        tf.nn.softmax(logits, name="softmax")
    graph_def = graph.as_graph_def(add_shapes=True)
    return renamed(graph_def, {"softmax/logits_1": "softmax/logits", "softmax_1": "softmax",
                               "DecodeJpeg_contents": "DecodeJpeg/contents"})


def renamed(graph_def, names):
    """graph_def with nodes renamed by {old: new}, inputs included (TF will not create an op
    whose name is also a scope name, but the real graph has both softmax and softmax/logits)."""
    for node in graph_def.node:
        node.name = names.get(node.name, node.name)
        node.input[:] = [names.get(name, name) for name in node.input]
    return graph_def


def write_tiny_graph(path, before_pool=None):
    """Write the tiny graph (tiny_graph_def) as a binary GraphDef (.pb) at path; returns path."""
    with open(path, "wb") as f:
        f.write(tiny_graph_def(before_pool).SerializeToString())
    return path


def file_writing_graph(path, marker):
    """Write at path a tiny graph whose pool_3 first writes the file `marker` (a WriteFile op as
    its control dependency): what a crafted graph can do when it is imported and run."""
    return write_tiny_graph(path, lambda: [tf.io.write_file(str(marker), "written by the graph")])


def expected_features(pixels):
    """What the tiny graph computes for float pixels [N, SIZE, SIZE, 3] in 0..255 (no resizing
    needed at this size): [N, FEATURE_DIM]."""
    normalised = (np.asarray(pixels, np.float64) - 128.0) / 128.0
    return normalised.mean(axis=(1, 2)) @ FEATURE_WEIGHTS.astype(np.float64)


def expected_probs(features):
    """The standard Inception-Score probabilities for features [N, FEATURE_DIM]:
    softmax(features @ softmax weights), WITHOUT the bias (as improved-gan computes them)."""
    logits = features @ SOFTMAX_WEIGHTS.astype(np.float64)
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)
