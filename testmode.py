"""Test mode (handout 五.7.4, 用训练好的模型进行测试: python main.py --dataset mnist without --train):
the model a run trained, rebuilt from its folder alone, and the pictures and files it writes.

    model, iteration = testmode.from_run(sess, "checkpoint/mnist_28_28", "main.py", "mnist")
    testmode.test_mode(model, iteration, "samples/mnist_28_28", batch_size=64)

from_run rebuilds the network its config.json describes (runs.read_config) and restores its newest
checkpoint: the comparison (evaluation/) and the explorer (explorer/) rebuild runs this way too,
and nothing else builds a model from a file. It sits above both models: the one the run's
config.json names (model.py or biggan/model.py) is imported when it is needed. A training run
does not load this file.
"""
import dataclasses
import os

import numpy as np

import runs
from errors import LabError
from files import atomic_write
from sampling import set_standing_statistics
from utils import (class_rows, cycle_labels, image_manifold_size, interpolation_frames, make_gif,
                   save_class_grid, save_images, to_uint8, visualize)


def build(sess, config, name, batch_size=64, truncation=None):
    """The network of a run (a runs.RunConfig) in sess's graph, its variables not yet restored.
    name: the run's name (model_dir); batch_size: images per grid; truncation: BigGAN's sampling."""
    arguments = dataclasses.asdict(config.architecture)
    if config.model == "DCGAN":
        from model import DCGAN
        return DCGAN(sess, batch_size=batch_size, sample_num=batch_size, model_dir=name, **arguments)
    from biggan.model import BigGAN
    return BigGAN(sess, batch_size=batch_size, truncation=truncation, model_dir=name, **arguments)


def from_run(sess, folder, program, dataset, batch_size=64, truncation=None):
    """Rebuild the model the run in `folder` (its checkpoint folder) trained, in sess's graph, and
    restore its newest checkpoint; returns (model, iteration). A LabError when there is no run, its
    config.json is damaged or its checkpoint does not fit (program and dataset: for the message's fix)."""
    config = runs.read_config(folder, program, dataset)
    model = build(sess, config, os.path.basename(os.path.abspath(folder)), batch_size, truncation)
    found, iteration = model.load(folder)
    if not found:
        raise LabError(f"{folder} has a config.json but no checkpoint; "
                       f"{runs.train_first(runs.PROGRAMS[config.model], config.dataset)}")
    return model, iteration


# ----------------------------------------------------------------------------- what test mode writes

def test_mode(model, counter, out, batch_size=64, seed=0, visualize_option=-1, export=0):
    """Handout 五.7.4, for a model just loaded (from_run): the pictures (test_mode_outputs), the
    optional visualize option (--visualize) and the optional export (--export_samples N), all in
    `out` (samples/<run name>/). batch_size: images in the random grid; seed: their noise."""
    set_standing_statistics(model)  # batch norm statistics measured from this generator
    print(f" [*] Loaded {model.model_dir} at iteration {counter}{model.sampler_note}, "
          "batch norm statistics measured from it")
    for path in test_mode_outputs(model, out, batch_size, seed):
        print(" [*] wrote", path)
    if visualize_option >= 0:
        written = visualize(model, visualize_option, out, batch_size, seed)
        print(f" [*] visualize option {visualize_option}: wrote {len(written)} file(s), e.g. {written[0]}")
    if export:
        check_export_size(export, model.samples.get_shape().as_list()[1:])
        path = os.path.join(out, f"generated_{export}.npz")
        export_samples(model, export, path, seed=seed)
        print(f" [*] wrote {export:,} images and the classes they were asked for to {path} "
              "(numpy: np.load(path)['images'], ['labels']; biggan/compare.py scores the models itself)")


def test_mode_outputs(model, out, n, seed=0):
    """Test mode's default pictures in out: test_random.png (n images, the same noise and classes
    as the training grids, so the two compare), test_classes.png (conditional models: 10 images per
    class) and test_interpolation.gif. Returns the written paths."""
    rng = np.random.RandomState(seed)
    labels = cycle_labels(n, model.num_classes) if model.num_classes else None
    written = [save_images(model.generate(model.sample_noise(rng, n), labels),
                           image_manifold_size(n), os.path.join(out, "test_random.png"))]
    if model.num_classes:
        labels = class_rows(model.num_classes, 10)
        written.append(save_class_grid(model.generate(model.sample_noise(rng, len(labels)), labels),
                                       model.class_names, 10, os.path.join(out, "test_classes.png")))
    written.append(make_gif(interpolation_frames(model, rng),
                            os.path.join(out, "test_interpolation.gif"), duration=3))
    return written


def export_samples(model, n, path, seed=0, batch=500):
    """Write n generated images (uint8 [N, H, W, C]) and their requested labels to an .npz."""
    rng = np.random.RandomState(seed)
    labels = cycle_labels(n, model.num_classes)
    images = []
    for start in range(0, n, batch):
        part = labels[start:start + batch]
        z = model.sample_noise(rng, len(part))
        images.append(to_uint8(model.generate(z, part if model.num_classes else None)))
    images = np.concatenate(images)
    atomic_write(path, lambda tmp: np.savez_compressed(open(tmp, "wb"), images=images,
                                                       labels=labels.astype(np.int64)))
    return path


def check_export_size(n, image_shape):
    """--export_samples N keeps N images in memory and in one file: refuse what cannot fit."""
    nbytes = n * int(np.prod(image_shape))
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    if nbytes > available // 2:
        raise LabError(f"--export_samples {n} needs {nbytes / 2**30:.1f} GiB of "
                       f"memory, more than half of the {available / 2**30:.1f} GiB available; "
                       "50,000 is the most papers use")
