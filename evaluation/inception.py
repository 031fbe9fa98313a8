"""The standard FID feature extractor: the 2015-12-05 Inception graph, as TTUR's fid.py uses it
(handout extension 2: comparing DCGAN and BigGAN with numbers papers use).

Published FIDs (Heusel et al. 2017) and Inception Scores (Salimans et al. 2016) come from ONE
network: `classify_image_graph_def.pb` from inception-2015-12-05.tgz, a frozen TensorFlow
GraphDef. Any other Inception (Keras' ImageNet InceptionV3, torchvision's) gives numbers that
are NOT comparable with papers. `python download.py inception` puts the file at DEFAULT_PATH.

What the graph does, and what we feed it:
    DecodeJpeg -> Cast -> ExpandDims:0 [1, H, W, 3]   <- we feed our images here, a batch at once
    -> ResizeBilinear to 299 x 299 (the graph's own op: legacy TF bilinear, align_corners=False,
       no half-pixel centres) -> (x - 128) / 128 -> Inception v3
    -> pool_3:0 [N, 1, 1, 2048]                      -> features [N, 2048] (FID, KID, P/R, ...)
    -> softmax/logits/MatMul with weights [2048, 1008] -> probabilities [N, 1008] (IS)
So, as in TTUR, images go in at their own size as RGB floats in 0..255 and the graph resizes
them; we only scale (uint8 as is, floats in [0, 1] times 255, no rounding) and copy a grayscale
channel three times. Unlike TTUR we keep a last partial batch (TTUR drops it).

Two details of the old graph, handled as the reference code does:
- Batches. The graph was built for one JPEG, so ExpandDims' static shape has batch 1, and
  TTUR's _get_inception_layer rewrites every tensor's private shape from 1 to None to allow
  batches. We do the same with public API: import_graph_def's input_map replaces ExpandDims:0
  by our own placeholder [None, None, None, 3], and the shapes after it are inferred from
  there (we first delete any recorded `_output_shapes` hints, which would pin them to 1 again).
- Probabilities. The graph's own softmax:0 [1, 1008] sits behind a reshape to exactly one
  image. The Inception Score code (openai/improved-gan, used by TTUR-era papers) instead
  multiplies pool_3 by the weights of softmax/logits/MatMul, WITHOUT the bias, and takes the
  softmax: we do the same, so our IS is the published one. (1008 outputs: 1000 ImageNet classes
  and 8 unused ones.)
"""
import os

import numpy as np
import tensorflow as tf
from google.protobuf.message import DecodeError

from checksums import INCEPTION_GRAPH, MAX_BYTES
from errors import LabError

tf1 = tf.compat.v1

DEFAULT_PATH = os.path.join("data", "inception", "classify_image_graph_def.pb")
DOWNLOAD_COMMAND = "python download.py inception"
INPUT_TENSOR = "ExpandDims:0"              # [1, H, W, 3] float 0..255 in the graph as saved
FEATURE_TENSOR = "pool_3:0"                # [N, 1, 1, 2048]
LOGITS_MATMUL = "softmax/logits/MatMul"    # pool_3 (reshaped) x weights [2048, 1008]

# The ops the 2015-12-05 graph is made of: arithmetic on tensors, nothing else. A GraphDef can
# hold any TensorFlow op, and some read or write files (ReadFile, WriteFile, Save), run Python
# (PyFunc) or call functions of their own; importing and running such a graph does that. So a
# graph with any other op is refused before it is imported (graph_def_problem).
INCEPTION_OPS = frozenset([
    "Const", "Placeholder",              # weights, sizes, the JPEG input DecodeJpeg/contents
    "DecodeJpeg", "Cast", "ExpandDims", "ResizeBilinear", "Sub", "Mul",  # -> [1, 299, 299, 3]
    "Conv2D", "BatchNormWithGlobalNormalization", "Relu", "MaxPool", "AvgPool", "Concat",
    "CheckNumerics", "Identity",         # each layer's NaN check, its control_dependency node
    "Reshape", "MatMul", "BiasAdd", "Add", "Softmax",  # pool_3 -> softmax/logits -> softmax
])


class InceptionGraph(object):
    """The Inception graph in its own tf.Graph and Session; `with InceptionGraph() as net:`."""

    def __init__(self, path=DEFAULT_PATH):
        self.path = path
        graph_def = read_graph_def(path)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.images = tf1.placeholder(tf.float32, [None, None, None, 3], name="images")
            try:
                pool3, matmul = tf1.import_graph_def(
                    graph_def, input_map={INPUT_TENSOR: self.images},
                    return_elements=[FEATURE_TENSOR, LOGITS_MATMUL], name="inception")
            except ValueError as e:
                raise LabError(f"cannot load the Inception graph {path} ({e}); {replace_hint(path)}")
            self.feature_dim = int(pool3.shape[-1])
            self.feature_op = tf.reshape(pool3, [-1, self.feature_dim])     # [N, 2048]
            weights = matmul.inputs[1]                                      # [2048, 1008]
            self.prob_op = tf.nn.softmax(tf.matmul(self.feature_op, weights))  # [N, 1008]
        config = tf1.ConfigProto()
        config.gpu_options.allow_growth = True  # leave GPU memory to the GAN graphs next to it
        self.session = tf1.Session(graph=self.graph, config=config)

    def features(self, images, batch=50):
        """pool_3 features [N, 2048] float64 of images [N, H, W, C] (see to_inception_pixels)."""
        return self.run_batches([self.feature_op], images, batch)[0]

    def probs(self, images, batch=50):
        """Inception-Score class probabilities [N, 1008] float64 of images [N, H, W, C]."""
        return self.run_batches([self.prob_op], images, batch)[0]

    def features_and_probs(self, images, batch=50):
        """(features, probs) from one pass over the images: half the work of calling both."""
        return tuple(self.run_batches([self.feature_op, self.prob_op], images, batch))

    def run_batches(self, ops, images, batch):
        """Evaluate ops on `batch` images at a time; one float64 array per op, rows in order."""
        images = check_images(images)
        outputs = [[] for _ in ops]
        for start in range(0, len(images), batch):
            pixels = to_inception_pixels(images[start:start + batch])  # [B, H, W, 3] 0..255
            for output, value in zip(outputs, self.session.run(ops, {self.images: pixels})):
                output.append(value)
        return [np.concatenate(output).astype(np.float64) if output
                else np.zeros([0, int(op.shape[-1])]) for output, op in zip(outputs, ops)]

    def close(self):
        """Free the session (the graph goes with the object)."""
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


# ----------------------------------------------------------------------------- the file

def replace_hint(path):
    """The fix for a bad graph file, for error messages."""
    return f"delete it and run: {DOWNLOAD_COMMAND}" + (
        "" if os.path.abspath(path) == os.path.abspath(DEFAULT_PATH) else f" (it writes {DEFAULT_PATH})")


def read_graph_def(path):
    """The GraphDef in path; LabError when the file is missing, larger than the real graph, not
    a GraphDef, holds an op the Inception graph does not have (graph_def_problem), or lacks the
    tensors we use (e.g. a different network, or an HTML error page saved by a failed download)."""
    if not os.path.isfile(path):
        raise LabError(f"no Inception graph at {path}; run: {DOWNLOAD_COMMAND}")
    size, most = os.path.getsize(path), MAX_BYTES[INCEPTION_GRAPH]
    if size > most:
        raise LabError(f"{path} is {size:,} bytes, more than the {most:,} of the 2015-12-05 "
                       f"Inception graph: not read; {replace_hint(path)}")
    graph_def = tf1.GraphDef()
    try:
        with open(path, "rb") as f:
            graph_def.ParseFromString(f.read())
    except DecodeError as e:
        raise LabError(f"{path} is not a TensorFlow GraphDef ({e}); {replace_hint(path)}")
    problem = graph_def_problem(graph_def)
    if problem:
        raise LabError(f"{path} is refused, not imported: {problem}, so it is not the 2015-12-05 "
                       f"Inception graph and could do more than compute; {replace_hint(path)}")
    forget_recorded_shapes(graph_def)
    names = {node.name for node in graph_def.node}
    missing = [name for name in (INPUT_TENSOR, FEATURE_TENSOR, LOGITS_MATMUL)
               if name.split(":")[0] not in names]
    if missing:
        raise LabError(f"{path} lacks {', '.join(missing)}: it is not the 2015-12-05 Inception graph "
                       f"(classify_image_graph_def.pb); {replace_hint(path)}")
    return graph_def


def graph_def_problem(graph_def):
    """Why a parsed GraphDef may do more than the Inception graph's arithmetic (a phrase), or
    None: a function library, an op outside INCEPTION_OPS, or an input (a control dependency
    "^name" included) from a node that is not in the graph. download.py checks a downloaded
    graph with this too."""
    if graph_def.library.function or graph_def.library.gradient:
        return "it carries a library of functions (the Inception graph has none)"
    names = {node.name for node in graph_def.node}
    for node in graph_def.node:
        if node.op not in INCEPTION_OPS:
            return (f"its node {node.name} is a {node.op} op, which the Inception graph does "
                    "not have")
        for source in node.input:
            if source.lstrip("^").split(":")[0] not in names:
                return (f"its node {node.name} takes an input from {source}, which is not in "
                        "the graph")
    return None


def forget_recorded_shapes(graph_def):
    """Delete the `_output_shapes` attributes a GraphDef may carry (graphs saved with
    add_shapes=True): they record the batch of one the graph was saved with, and on import they
    would pin every tensor after our batch placeholder back to batch 1."""
    for node in graph_def.node:
        if "_output_shapes" in node.attr:
            del node.attr["_output_shapes"]


# ----------------------------------------------------------------------------- the images

def check_images(images):
    """images as an array [N, H, W, C], C = 1 or 3, uint8 or floats in [0, 1]; else LabError."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise LabError(f"the Inception network needs images [N, H, W, C] with C = 1 or 3, got "
                       f"shape {list(images.shape)}")
    if images.dtype == np.uint8:
        return images
    if not np.issubdtype(images.dtype, np.floating):
        raise LabError(f"images must be uint8 (0..255) or floats in [0, 1], got {images.dtype}")
    if images.size and (images.min() < 0.0 or images.max() > 1.0):
        raise LabError(f"float images must lie in [0, 1], got values from {images.min():.3g} to "
                       f"{images.max():.3g}; map tanh outputs in [-1, 1] with (x + 1) / 2")
    return images


def to_inception_pixels(images):
    """Checked images [B, H, W, C] -> float32 [B, H, W, 3] in 0..255, the input TTUR feeds.

    uint8 stays 0..255, floats in [0, 1] are multiplied by 255 (not rounded), and a single
    grayscale channel is copied to R, G and B. The size is left alone: the graph resizes.
    """
    pixels = images.astype(np.float32)
    if images.dtype != np.uint8:
        pixels *= 255.0
    if pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, axis=-1)                  # gray -> [B, H, W, 3]
    return pixels
