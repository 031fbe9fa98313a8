"""Test mode (handout 五.7.4, 用训练好的模型进行测试: python main.py --dataset mnist without --train):
the model a run trained, rebuilt from its folder alone, and the pictures and files it writes:
test_random.png, test_classes.png, test_interpolation.gif, --export_samples, and the handout's
visualize (its utils.visualize, here with test mode's other pictures: a title strip and labelled
rows on each, so a picture says what it shows).

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
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFont

import runs
from errors import LabError
from files import atomic_write
from sampling import set_standing_statistics
from utils import class_rows, cycle_labels, image_manifold_size, make_gif, merge, to_uint8


def build(sess, config, name, batch_size=64, truncation=None):
    """The network of a run (a runs.RunConfig) in sess's graph, its variables not yet restored.
    name: the run's name (model_dir); batch_size: images per grid; truncation: BigGAN's sampling."""
    arguments = dataclasses.asdict(config.architecture)
    if config.model == "DCGAN":
        from model import DCGAN
        return DCGAN(sess, batch_size=batch_size, sample_num=batch_size, model_dir=name, **arguments)
    from biggan.model import BigGAN
    return BigGAN(sess, batch_size=batch_size, truncation=truncation, model_dir=name, **arguments)


def from_run(sess, folder, program, dataset, batch_size=64, truncation=None, model=None):
    """Rebuild the model the run in `folder` (its checkpoint folder) trained, in sess's graph, and
    restore its newest checkpoint; returns (model, iteration). A LabError when there is no run, its
    config.json is damaged or its checkpoint does not fit (program and dataset: for the message's fix)
    or, with `model` ("DCGAN", "BigGAN": a main's own), when it holds the other model's run."""
    config = runs.read_config(folder, program, dataset)
    if model and config.model != model:
        parent, name = os.path.split(os.path.normpath(folder))
        its_name = name[len("biggan_"):] if name.startswith("biggan_") else "biggan_" + name  # runs.run_name
        raise LabError(f"{folder} holds a {config.model} run, not a {model}: {program} tests {model} runs only; "
                       f"test a {config.model} run with python {runs.PROGRAMS[config.model]} (it looks in "
                       f"{os.path.join(parent, its_name)}), or {runs.train_first(program, dataset)}")
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
    check_memory(model, batch_size)
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
    written = [save_random_grid(model.generate(model.sample_noise(rng, n), labels), model.class_names,
                                os.path.join(out, "test_random.png"))]
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


def floats_per_image(tensors):
    """Floats that one image takes in all the tensors the graph computes on the way to `tensors`
    (those with a batch dimension): roughly what each image of a batch costs in memory."""
    seen, stack, total = set(), [t.op for t in tensors], 0
    while stack:
        op = stack.pop()
        if op.name in seen:
            continue
        seen.add(op.name)
        for out in op.outputs:
            dims = out.shape.as_list() if out.shape.rank else []
            if len(dims) > 1 and dims[0] is None and None not in dims[1:]:
                total += int(np.prod(dims[1:]))
        stack.extend(t.op for t in op.inputs)
    return total


def check_memory(model, batch_size):
    """Refuse, in one line, a --batch_size whose batches (the generator on batch_size images for
    the batch norm statistics, the grid of them) would not fit in the memory available: a
    --batch_size of 65,536 ended in a segmentation fault."""
    per_image = 4 * max(floats_per_image([model.samples]), floats_per_image(model.standing[0]))
    per_image += 8 * int(np.prod(model.samples.get_shape().as_list()[1:]))  # the grid, as float64
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    if per_image * batch_size > available // 2:
        raise LabError(f"--batch_size {batch_size} makes test mode's pictures need about "
                       f"{per_image * batch_size / 2**30:.1f} GiB of memory, more than half of the "
                       f"{available / 2**30:.1f} GiB available; use --batch_size {max(1, available // 2 // per_image)} "
                       "or less (64, the default, makes an 8x8 grid)")


def check_export_size(n, image_shape):
    """--export_samples N keeps N images in memory and in one file: refuse what cannot fit."""
    nbytes = n * int(np.prod(image_shape))
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    if nbytes > available // 2:
        raise LabError(f"--export_samples {n} needs {nbytes / 2**30:.1f} GiB of "
                       f"memory, more than half of the {available / 2**30:.1f} GiB available; "
                       "50,000 is the most papers use")


# ----------------------------------------------------------------------------- pictures that say what they show

# A picture a student opens must say what it shows (a title strip, labels on its rows) at a size
# they can see (28-pixel digits are scaled up, pixels kept sharp). Training grids stay the
# handout's plain save_images; test_random.png keeps their scale under its title strip, so the two
# compare pixel for pixel.
READABLE_WIDTH = 360   # small grids are scaled up (nearest neighbour) to about this width
FONT_SIZE = 13


def readable_scale(width):
    """The whole-number factor that brings a grid `width` pixels wide to about READABLE_WIDTH."""
    return max(1, min(8, round(READABLE_WIDTH / max(1, width))))


def wrap(text, font, width, draw):
    """`text` broken into lines no wider than `width` pixels in `font`."""
    lines = [""]
    for word in text.split():
        candidate = f"{lines[-1]} {word}".strip()
        if lines[-1] and draw.textlength(candidate, font=font) > width:
            lines.append(word)
        else:
            lines[-1] = candidate
    return lines


def labelled_picture(images, size, title, row_labels=(), scale=None):
    """images [N, H, W, C] in [0, 1] as a grid of `size` (rows, columns), scaled up to be seen,
    with `title` in a white strip on top and each row's label on its left. Returns a Pillow image,
    grayscale ("L") for grayscale images (a GIF of them needs no colour palette: 10x faster to
    write), RGB otherwise; every frame of a GIF made with the same arguments has the same size."""
    grid = to_uint8(merge(images, size))
    picture = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    scale = scale or readable_scale(picture.width)
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    font = ImageFont.load_default(size=FONT_SIZE)
    draw = ImageDraw.Draw(picture)
    margin = int(max([draw.textlength(str(label), font=font) for label in row_labels] or [-8])) + 8
    lines = wrap(title, font, picture.width + margin - 8, draw)  # a narrow picture gets more lines
    strip = 6 + (FONT_SIZE + 3) * len(lines)
    canvas = Image.new(picture.mode, (picture.width + margin, picture.height + strip), "white")
    canvas.paste(picture, (margin, strip))
    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(lines):
        draw.text((4, 3 + i * (FONT_SIZE + 3)), line, fill="black", font=font)
    row_height = picture.height / size[0]
    for i, label in enumerate(row_labels):
        draw.text((4, strip + (i + 0.5) * row_height - FONT_SIZE / 2), str(label), fill="black", font=font)
    return canvas


def save_picture(picture, path):
    """Save a Pillow image as PNG atomically; returns path."""
    atomic_write(path, lambda tmp: picture.save(tmp, format="PNG"))
    return path


def random_grid_title(n, class_names):
    """What test_random.png shows, in words (its title strip)."""
    if not class_names:
        return f"{n} samples with the training grids' noise"
    shown = class_names[:3] if len(class_names) > 3 else class_names * 2  # 0, 1, 2 / airplane, automobile, ...
    return (f"{n} samples with the training grids' noise and classes: {', '.join(shown)}, ... left to right, "
            "row by row")


def save_random_grid(images, class_names, path):
    """test_random.png: the training grids' layout at their scale (1: no scaling) under a title
    strip, so the grid below the strip is pixel for pixel what a training grid of the same noise is."""
    n = len(images)
    return save_picture(labelled_picture(images, image_manifold_size(n), random_grid_title(n, class_names),
                                         scale=1), path)


def save_class_grid(images, class_names, per_class, path, title=None):
    """Save a grid with one row per class and the class name written left of its row."""
    title = title or f"{per_class} samples of each class, one class per row"
    return save_picture(labelled_picture(images, (len(class_names), per_class), title, class_names), path)


# ----------------------------------------------------------------------------- visualize (the handout's utils.visualize)

MAX_ROWS = 10  # rows of a sweep or interpolation picture: the first 10 classes, or 10 random z


def sweep_rows(model, rng, base):
    """What each row of a sweep or an interpolation shows: (labels or None, row names, row noise
    [R, z_dim]). Conditional models: one class per row, all with the same noise (`base` [1, z_dim]),
    so the rows differ by the class alone; unconditional ones: a different random z per row."""
    if model.num_classes:
        rows = min(model.num_classes, MAX_ROWS)
        return np.arange(rows), model.class_names[:rows], np.repeat(base, rows, axis=0)
    return None, [f"z {i + 1}" for i in range(MAX_ROWS)], model.sample_noise(rng, MAX_ROWS)


def sweep_values(model, steps):
    """`steps` values of one z coordinate, over the prior's usual range: DCGAN U(-1, 1) all of
    it, BigGAN N(0, 1) two standard deviations either side."""
    low, high = getattr(model, "z_sweep", (-1.0, 1.0))
    return np.linspace(low, high, steps, dtype=np.float32)


def sweep_picture(model, rows_z, labels, names, dim, steps=10):
    """One picture: each row its noise with z[dim] swept left to right over sweep_values."""
    values = sweep_values(model, steps)
    z = np.repeat(rows_z, steps, axis=0)                       # [R * steps, z_dim], row by row
    z[:, dim] = np.tile(values, len(rows_z))
    images = model.generate(z, None if labels is None else np.repeat(labels, steps))
    title = (f"z[{dim}] from {values[0]:+g} (left) to {values[-1]:+g} (right), every other z "
             f"fixed; one {'class' if labels is not None else 'random z'} per row")
    return labelled_picture(images, (len(rows_z), steps), title, names)


def cells_picture(images, title, names):
    """A GIF frame: images in a near-square grid (image_manifold_size), the title saying what the
    cells are, in reading order (one class per cell, or one random z per cell)."""
    return labelled_picture(images, image_manifold_size(len(images)),
                            f"{title}. Cells, left to right, top to bottom: {', '.join(map(str, names))}")


def sweep_frames(model, rows_z, labels, names, dims, steps=16):
    """GIF frames: frame t shows every cell at z[d] = value t, for each d in dims at once."""
    frames = []
    for value in sweep_values(model, steps):
        z = rows_z.copy()
        z[:, dims] = value
        shown = ", ".join(map(str, dims)) if len(dims) <= 8 else f"{len(dims)} coordinates"
        frames.append(cells_picture(model.generate(z, labels), f"z[{shown}] = {value:+.2f}, every other z fixed",
                                    names))
    return frames


def interpolation_frames(model, rng, steps=16):
    """GIF frames of a straight walk between two latent codes: one class per cell (conditional,
    the same two codes for every class) or 10 independent walks. Pillow images, one size."""
    labels, names, z0 = sweep_rows(model, rng, model.sample_noise(rng, 1))
    _, _, z1 = sweep_rows(model, rng, model.sample_noise(rng, 1))
    return [cells_picture(model.generate((1 - t) * z0 + t * z1, labels),
                          f"From one z to another, step {i + 1} of {steps}", names)
            for i, t in enumerate(np.linspace(0.0, 1.0, steps))]


def visualize(model, option, out, n, seed=0):
    """Test-mode pictures (handout utils.visualize), written to out; returns the written paths.

    0: one grid of n random images. 1: one picture per z dimension, test_arange_<dim>.png, that
    dimension swept left to right (one class per row). 2: GIFs of 8 random dimensions swept the
    same way, from a random z. 3: GIFs of every dimension from z = 0. 4: as 3, plus one GIF of
    all dimensions at once. Conditional models show one class per row, unconditional ones 10 z.
    """
    rng = np.random.RandomState(seed)
    width = len(str(model.z_dim - 1))  # file names that sort: test_arange_007.png
    if option == 0:
        labels = cycle_labels(n, model.num_classes) if model.num_classes else None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return [save_random_grid(model.generate(model.sample_noise(rng, n), labels), model.class_names,
                                 os.path.join(out, f"test_{stamp}.png"))]
    if option not in (1, 2, 3, 4):
        raise LabError(f"--visualize {option} is not an option; use 0 (random grid), 1 (sweep "
                       "each z dimension), 2 (random-dimension GIFs), 3 (GIFs from z=0), 4 (3 + merged GIF)")
    base = model.sample_noise(rng, 1) if option in (1, 2) else np.zeros((1, model.z_dim), np.float32)
    labels, names, rows_z = sweep_rows(model, rng, base)
    if option == 1:
        return [save_picture(sweep_picture(model, rows_z, labels, names, d),
                             os.path.join(out, f"test_arange_{d:0{width}d}.png")) for d in range(model.z_dim)]
    dims = sorted(rng.choice(model.z_dim, size=min(8, model.z_dim), replace=False)) \
        if option == 2 else range(model.z_dim)
    written = [make_gif(sweep_frames(model, rows_z, labels, names, [d]),
                        os.path.join(out, f"test_gif_{d:0{width}d}.gif")) for d in dims]
    if option == 4:
        written.append(make_gif(sweep_frames(model, rows_z, labels, names, list(dims)[:100]),
                                os.path.join(out, "test_gif_merged.gif"), duration=4))
    return written
