"""The evaluation classifier: a small CNN whose outputs feed evaluation/metrics.py (extension 2).

FID/KID compare the classifier's penultimate-layer "features" of real and generated images;
the Inception Score and class accuracy use its softmax probabilities. The published
numbers use the ImageNet Inception network, which cannot classify MNIST digits (and is
~100 MB); a CNN trained on the dataset itself is the usual stand-in, so the numbers here are
comparable between our own models, NOT with papers.

Network (VALID 3x3 convolutions, so 28x28 -> 26 -> 24 -> pool 12 -> 10 -> 8 -> pool 4):
    conv 32 -> relu -> conv 32 -> relu -> maxpool      (block 0)
    conv 64 -> relu -> conv 64 -> relu -> maxpool      (block 1, repeated while the map is > 8x8)
    dense 128 -> relu  = the "features"  -> dropout (training only) -> dense K -> softmax

It lives in its own tf.Graph and Session (tf.compat.v1 graph style like the rest of the lab),
so it can sit next to the GAN graphs in one process. Weights are saved as a plain .npz of
numpy arrays keyed by variable name (classifier/block0_conv_a/w, ...) plus a .json of
metadata; nothing TensorFlow-specific is stored.
"""
import os
import time
import zipfile
from typing import NamedTuple, Optional

import numpy as np
import tensorflow as tf

from datasets import real_splits
from utils import to_float
from errors import LabError, stop_if_only_checking
from files import atomic_write, check_writable, read_json, write_json
from ops import linear

tf1 = tf.compat.v1

SCOPE = "classifier"
FEATURE_DIM = 128
MIN_SIZE = 16  # smaller images would shrink to nothing in the two conv blocks
CLASSIFIER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "classifiers")
DEFAULT_SIZE = 64  # image folders are resized to this for training (MNIST, CIFAR-10: their own size)


def default_path(dataset):
    """Where the shipped classifier of a dataset lives: evaluation/classifiers/<dataset>.npz."""
    return os.path.join(CLASSIFIER_DIR, f"{dataset}.npz")


def weight_paths(path):
    """'x.npz' or 'x' -> ('x.npz', 'x.json'): the weights and the metadata next to them."""
    base = path[:-len(".npz")] if path.endswith(".npz") else path
    return base + ".npz", base + ".json"


def train_command(path):
    """The command that (re)creates the weights at `path`, for error messages."""
    npz_path = weight_paths(path)[0]
    dataset = os.path.basename(npz_path)[:-len(".npz")]
    command = f"python evaluation/train_classifier.py --dataset {dataset}"
    if os.path.abspath(npz_path) != os.path.abspath(default_path(dataset)):
        command += f" --out {path}"
    return command


# ----------------------------------------------------------------------------- the network

def block_channels(size):
    """Channels of each conv block for images of `size` pixels: [32, 64] plus one more 64
    block while the feature map is still larger than 8x8 (keeps the dense layer small)."""
    channels = [32, 64]
    for _ in channels:
        size = (size - 4) // 2  # two VALID 3x3 convs (-2 each), then a 2x2 max pool
    while size > 8:
        channels.append(64)
        size = (size - 4) // 2
    return channels


def conv3x3_relu(x, channels, name):
    """VALID 3x3 convolution + bias + relu, He-initialised: [B, H, W, C] -> [B, H-2, W-2, channels]."""
    fan_in = 9 * int(x.get_shape()[-1])
    with tf1.variable_scope(name):
        w = tf1.get_variable("w", [3, 3, x.get_shape()[-1], channels],
                             initializer=tf1.truncated_normal_initializer(stddev=np.sqrt(2.0 / fan_in)))
        b = tf1.get_variable("biases", [channels], initializer=tf1.zeros_initializer())
        return tf.nn.relu(tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="VALID") + b)


def network(images, num_classes, training):
    """images [B, H, W, C] in [0, 1] -> (features [B, 128], logits [B, num_classes])."""
    h = images
    with tf1.variable_scope(SCOPE):
        for i, channels in enumerate(block_channels(min(images.get_shape().as_list()[1:3]))):
            h = conv3x3_relu(h, channels, f"block{i}_conv_a")
            h = conv3x3_relu(h, channels, f"block{i}_conv_b")
            h = tf.nn.max_pool2d(h, ksize=2, strides=2, padding="VALID")  # [B, H/2, W/2, channels]
        flat_dim = int(np.prod(h.get_shape()[1:]))
        h = tf.reshape(h, [-1, flat_dim])                                   # [B, h*w*channels]
        features = tf.nn.relu(linear(h, FEATURE_DIM, "features", stddev=np.sqrt(2.0 / flat_dim)))
        dropped = tf.cond(training, lambda: tf.nn.dropout(features, rate=0.5), lambda: features)
        logits = linear(dropped, num_classes, "logits", stddev=np.sqrt(1.0 / FEATURE_DIM))
    return features, logits


# ----------------------------------------------------------------------------- the classifier

class Classifier(object):
    """A freshly initialised (or loaded, see from_file) classifier for images of input_shape."""

    def __init__(self, input_shape, class_names, dataset="", test_accuracy=None, seed=0, info=None):
        self.input_shape = tuple(int(s) for s in input_shape)  # (H, W, C)
        self.class_names = [str(c) for c in class_names]
        self.dataset, self.test_accuracy = dataset, test_accuracy
        self.info = dict(info or {})  # extra metadata saved in the .json (training time, ...)
        if len(self.input_shape) != 3 or min(self.input_shape[:2]) < MIN_SIZE:
            raise LabError(f"the classifier needs images of at least {MIN_SIZE}x{MIN_SIZE} "
                           f"pixels, got shape {self.input_shape}; use a larger --output_size")
        if len(self.class_names) < 2:
            raise LabError(f"the classifier needs at least 2 classes, got {self.class_names}")
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf1.set_random_seed(seed)
            self.build()
        self.session = tf1.Session(graph=self.graph)
        self.session.run(self.init_op)

    @property
    def num_classes(self):
        return len(self.class_names)

    def build(self):
        """Placeholders, network, loss, Adam step and weight-loading ops (inside self.graph)."""
        self.images = tf1.placeholder(tf.float32, (None,) + self.input_shape, name="images")
        self.labels = tf1.placeholder(tf.int64, [None], name="labels")
        self.training = tf1.placeholder_with_default(False, [], name="training")
        self.learning_rate = tf1.placeholder_with_default(1e-3, [], name="learning_rate")
        self.feature_op, logits = network(self.images, self.num_classes, self.training)
        self.prob_op = tf.nn.softmax(logits)                       # [B, K]
        self.loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=self.labels, logits=logits))
        self.train_op = tf1.train.AdamOptimizer(self.learning_rate).minimize(self.loss)
        self.weights = {v.op.name: v for v in tf1.trainable_variables(SCOPE)}
        # One placeholder + assign per weight, so set_weights is a single session.run.
        self.assign_inputs = {name: tf1.placeholder(v.dtype.base_dtype, v.get_shape())
                              for name, v in self.weights.items()}
        self.assign_op = tf.group(*[tf1.assign(v, self.assign_inputs[name])
                                    for name, v in self.weights.items()])
        self.init_op = tf1.global_variables_initializer()

    # ------------------------------------------------------------------ inference

    def check_images(self, images):
        """Images [N, H, W, C] as the network takes them: float32 in [0, 1]. uint8 images (the
        datasets, export_samples) are scaled; call it per batch, a dataset may be a memory map."""
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[1:] != self.input_shape:
            raise LabError(f"the {self.dataset or 'evaluation'} classifier expects images of shape "
                           f"[N, {', '.join(map(str, self.input_shape))}], got {list(images.shape)}; "
                           "generate images of the size and channels it was trained on")
        return to_float(images) if images.dtype == np.uint8 else images.astype(np.float32)

    def run_batches(self, op, images, batch):
        """Evaluate `op` on images in chunks of `batch` (bounded memory) and concatenate."""
        self.check_images(images[:1])  # the shape, before any work
        outputs = [self.session.run(op, {self.images: self.check_images(images[i:i + batch])})
                   for i in range(0, len(images), batch)]
        return np.concatenate(outputs) if outputs else np.zeros([0] + op.get_shape().as_list()[1:])

    def features(self, images, batch=500):
        """Penultimate-layer activations [N, 128] as float64 (input of FID and KID)."""
        return self.run_batches(self.feature_op, images, batch).astype(np.float64)

    def probs(self, images, batch=500):
        """Softmax class probabilities [N, K] (input of the Inception Score and class accuracy)."""
        return self.run_batches(self.prob_op, images, batch)

    def predict(self, images, batch=500):
        """Most likely class index [N] of every image."""
        return np.argmax(self.probs(images, batch), axis=1)

    # ------------------------------------------------------------------ training

    def train_step(self, images, labels, learning_rate=1e-3):
        """One Adam step on a batch (dropout on); returns the batch's cross-entropy loss."""
        loss, _ = self.session.run([self.loss, self.train_op], {
            self.images: self.check_images(images), self.labels: labels,
            self.training: True, self.learning_rate: learning_rate})
        return float(loss)

    # ------------------------------------------------------------------ saving and loading

    def get_weights(self):
        """{variable name: numpy array} of every trained weight."""
        return self.session.run(self.weights)

    def set_weights(self, arrays):
        """Load {variable name: array}; raises ValueError when names or shapes do not match."""
        missing = sorted(set(self.weights) - set(arrays))
        if missing:
            raise ValueError(f"missing weight(s) {', '.join(missing)}")
        feed = {}
        for name, placeholder in self.assign_inputs.items():
            value = np.asarray(arrays[name])
            if value.shape != tuple(placeholder.get_shape().as_list()):
                raise ValueError(f"weight {name} has shape {value.shape}, expected "
                                 f"{tuple(placeholder.get_shape().as_list())}")
            feed[placeholder] = value
        self.session.run(self.assign_op, feed)

    def metadata(self):
        return dict(self.info, dataset=self.dataset, class_names=self.class_names,
                    input_shape=list(self.input_shape), num_classes=self.num_classes,
                    feature_dim=FEATURE_DIM, test_accuracy=self.test_accuracy)

    def save(self, path):
        """Write <path>.npz (weights) and <path>.json (metadata), each atomically."""
        npz_path, json_path = weight_paths(path)
        weights = self.get_weights()

        def write_npz(tmp):
            with open(tmp, "wb") as f:
                np.savez_compressed(f, **weights)
        atomic_write(npz_path, write_npz)
        write_json(json_path, self.metadata())
        return npz_path

    @classmethod
    def from_file(cls, path, command=None):
        """Load a saved classifier; LabError naming the file and the training command if it is
        missing or corrupt. command: the complete command to suggest (compare.py knows the
        images' classes and size) [train_command(path)]."""
        npz_path, json_path = weight_paths(path)
        fix = f"train it with: {command or train_command(path)}"
        for p in (npz_path, json_path):
            if not os.path.exists(p):
                raise LabError(f"classifier file {p} not found; {fix}")
        try:
            meta = read_json(json_path)
            if not isinstance(meta, dict):
                raise ValueError("its metadata is not a JSON object")
            with np.load(npz_path) as data:
                arrays = {name: data[name] for name in data.files}
            info = {k: v for k, v in meta.items() if k not in
                    ("dataset", "class_names", "input_shape", "test_accuracy", "num_classes", "feature_dim")}
            classifier = cls(meta["input_shape"], meta["class_names"], meta.get("dataset", ""),
                             meta.get("test_accuracy"), info=info)
        except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:
            raise LabError(f"classifier file {npz_path} or {json_path} is corrupt "
                           f"({type(e).__name__}: {e}); {fix}")
        try:
            classifier.set_weights(arrays)
        except ValueError as e:
            classifier.close()
            raise LabError(f"classifier weights {npz_path} do not fit its metadata ({e}); {fix}")
        return classifier

    def close(self):
        """Free the session (the graph goes with the object)."""
        self.session.close()


# ----------------------------------------------------------------------------- training one

class TrainingSettings(NamedTuple):
    """What evaluation/train_classifier.py's flags ask for."""
    dataset: str
    data_dir: str = "./data"
    classes: str = ""
    output_size: int = DEFAULT_SIZE
    input_fname_pattern: str = "*.jpg"
    epochs: Optional[int] = None  # None: default_epochs(the images)
    batch_size: int = 128
    learning_rate: float = 1e-3
    seed: int = 0
    out: Optional[str] = None


def default_epochs(images):
    """Passes over the training images when --epochs is not given: 5 for grey images (MNIST: 99.3 %
    of t10k), 15 for colour photos, which need more (planes_cars at 32 px: 88.8 % after 5, 92.5 %
    after 15). One number per kind of data, so compare.py's suggested command and the README agree."""
    return 5 if images.shape[-1] == 1 else 15


def random_shift(images, rng, max_shift=2):
    """Move every image by up to max_shift pixels in x and y (zero fill): cheap augmentation
    that makes the classifier robust to slightly off-centre digits. [N, H, W, C] -> same."""
    n, h, w, _ = images.shape
    m = max_shift
    padded = np.pad(images, ((0, 0), (m, m), (m, m), (0, 0)))  # [N, H + 2m, W + 2m, C]
    dy, dx = rng.randint(0, 2 * m + 1, size=(2, n))
    return np.stack([padded[i, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


def train(classifier, images, labels, epochs, batch_size=128, learning_rate=1e-3, decay=0.6,
          seed=0, log=print):
    """Adam on shuffled, randomly shifted mini-batches; the learning rate shrinks by `decay`
    every epoch (big steps first, fine-tuning last). Returns the last epoch's mean loss."""
    rng = np.random.RandomState(seed)
    start = time.time()
    for epoch in range(epochs):
        rate = learning_rate * decay ** epoch
        order = rng.permutation(len(images))
        losses = [classifier.train_step(random_shift(images[batch], rng), labels[batch], rate)
                  for batch in np.array_split(order, max(1, int(np.ceil(len(order) / batch_size))))]
        log(f"epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.4f}, learning rate {rate:.2g}, "
            f"{time.time() - start:.0f} s")
    return float(np.mean(losses))


def accuracy(classifier, data):
    """Fraction of data.images whose predicted class is data.labels."""
    return float(np.mean(classifier.predict(data.images) == data.labels))


def train_classifier(settings, log=print):
    """Train a classifier on the dataset's train split, measure it on its test split, save it
    (evaluation/train_classifier.py). Returns its test accuracy."""
    out = settings.out or default_path(settings.dataset)
    check_writable(os.path.dirname(os.path.abspath(out)), "out")
    train_set, test_set = real_splits(settings.dataset, settings.data_dir, settings.input_fname_pattern,
                                      settings.output_size, settings.classes)  # the comparison's splits
    if train_set.labels is None:
        raise LabError(f"the classifier needs labels: put the images of {settings.data_dir}/"
                       f"{settings.dataset} in one sub-folder per class")
    stop_if_only_checking("the data and the output folder check out")
    log(f"{settings.dataset}: {len(train_set.images)} training and {len(test_set.images)} test images of "
        f"{'x'.join(map(str, train_set.images.shape[1:]))}, classes {', '.join(train_set.class_names)}")
    classifier = Classifier(train_set.images.shape[1:], train_set.class_names, settings.dataset,
                            seed=settings.seed)
    epochs = settings.epochs or default_epochs(train_set.images)
    start = time.time()
    train(classifier, train_set.images, train_set.labels, epochs, settings.batch_size,
          settings.learning_rate, seed=settings.seed, log=log)
    seconds = time.time() - start
    classifier.test_accuracy = accuracy(classifier, test_set)
    classifier.info.update(train_seconds=round(seconds, 1), epochs=epochs, seed=settings.seed,
                           train_images=len(train_set.images), test_images=len(test_set.images))
    path = classifier.save(out)
    log(f"test accuracy {classifier.test_accuracy:.4f} on {len(test_set.images)} held-out images "
        f"(trained {seconds:.0f} s); saved {path} ({os.path.getsize(path) / 1e6:.1f} MB)")
    return classifier.test_accuracy
