"""The comparison's pictures (handout extension 2), each a PNG written atomically, each with a
title that says what it shows. With words=False (a Chinese report) a picture carries no English
words, only names (DCGAN, BigGAN, the classes, d_loss), symbols and numbers: matplotlib's font has
no Chinese characters and the lab installs none, so the report's caption says what it shows.

classes.png    real test images on top, then per class 10 DCGAN samples | 10 BigGAN samples
losses.png     both runs' d_loss and g_loss, with the DCGAN's "D is guessing" levels ln 4, ln 2
per_class.png  confusion matrices: which class the classifier sees in images asked for class i
               (sized by the number of classes: no label overlaps another)
"""
import math
import os

import matplotlib

matplotlib.use("Agg")  # draw into files; no window (works on a server without a display)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import runs  # noqa: E402
from training import derived_seed, read_loss_log  # noqa: E402
from files import atomic_write  # noqa: E402
from utils import class_rows, cycle_labels, merge  # noqa: E402

PER_CLASS = 10  # images per class and model in classes.png
# The DCGAN's cross-entropy losses when D outputs 0.5 for every image (it cannot tell real from
# fake): d_loss = -ln 0.5 (real) - ln 0.5 (fake) = ln 4, g_loss = -ln 0.5 = ln 2.
GUESSING_LEVELS = {"d_loss": math.log(4.0), "g_loss": math.log(2.0)}


def save_figure(fig, path):
    """Write a matplotlib figure as PNG atomically and free it."""
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight"))
    plt.close(fig)


# ----------------------------------------------------------------------------- samples side by side

def real_header(test, num_classes, columns, seed):
    """`columns` real test images for the top row: classes 0, 1, ..., cycling (random images
    of an unconditional dataset). Floats in [0, 1]."""
    rng = np.random.RandomState(seed)
    if not num_classes or test.labels is None:
        return test.images[rng.choice(len(test.images), columns, replace=len(test.images) < columns)] / 255.0
    picks = [rng.choice(np.flatnonzero(test.labels == k)) for k in cycle_labels(columns, num_classes)]
    return test.images[picks] / 255.0


def save_side_by_side_grid(path, models, test, seed, words=True):
    """classes.png: per class a row of 10 DCGAN samples, a gap, 10 BigGAN samples; a row of
    real test images on top. Unconditional models get 5 rows of random samples."""
    num_classes = models["DCGAN"].num_classes
    rows = num_classes or 5
    labels = class_rows(num_classes, PER_CLASS) if num_classes else None
    h, w, c = test.images.shape[1:]
    line = np.ones((2, PER_CLASS * w, c))  # a white line under the real images
    blocks = []
    for i, model in enumerate(models.values()):
        images = model.generate(model.sample_noise(np.random.RandomState(seed), rows * PER_CLASS), labels)
        header = real_header(test, num_classes, PER_CLASS, derived_seed(seed, i))
        blocks.append(np.concatenate([merge(header, (1, PER_CLASS)), line,
                                      merge(images, (rows, PER_CLASS))]))
    gap = np.ones((blocks[0].shape[0], w // 2, c))
    canvas = np.concatenate([blocks[0], gap, blocks[1]], axis=1)
    fig, ax = plt.subplots(figsize=(canvas.shape[1] / 50, canvas.shape[0] / 50))
    ax.imshow(canvas[..., 0] if c == 1 else canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([PER_CLASS * w / 2, canvas.shape[1] - PER_CLASS * w / 2], list(models))
    ax.xaxis.tick_top()
    names = models["DCGAN"].class_names if num_classes else ["samples" if words else ""] * rows
    ax.set_yticks([h / 2] + [h + 2 + h * (i + 0.5) for i in range(rows)],
                  ["real (test)" if words else "✓"] + list(names))
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    what = "one row per class" if num_classes else f"{rows} rows of random samples"
    if words:
        ax.set_title(f"Samples: real test images (top row), then {what}:\n{PER_CLASS} DCGAN samples "
                     f"(left) and {PER_CLASS} BigGAN samples (right)", fontsize=10, pad=22)
    save_figure(fig, path)


# ----------------------------------------------------------------------------- losses

def smooth(values, window):
    """Moving average (the raw GAN losses jump a lot from step to step)."""
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def loss_figure(logs, words=True):
    """d_loss and g_loss against the step, one panel each, both runs in each, and the level the
    DCGAN's loss sits at while D cannot tell real from fake (GUESSING_LEVELS) as a dashed line.
    `logs` maps a model name to its read_loss_log dict, or None when its losses.csv is missing."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    if words:
        fig.suptitle("Training losses of both runs (faint: every iteration; solid: moving average). "
                     "Different losses: compare the shapes, not the values", fontsize=10)
    titles = ("discriminator loss", "generator loss") if words else ("d_loss", "g_loss")
    for ax, key, title in zip(axes, ("d_loss", "g_loss"), titles):
        for (kind, log), color in zip(logs.items(), ("tab:blue", "tab:orange")):
            if log is None or len(log["step"]) == 0:
                continue
            window = max(1, len(log["step"]) // 50)
            ax.plot(log["step"], log[key], color=color, alpha=0.25, linewidth=0.8)
            ax.plot(log["step"][window - 1:], smooth(log[key], window), color=color, label=kind)
        if logs.get("DCGAN") is not None:
            level = GUESSING_LEVELS[key]
            name = "ln 4" if key == "d_loss" else "ln 2"
            ax.axhline(level, color="black", linestyle="--", linewidth=1,
                       label=f"{name} ≈ {level:.3f}" + (" (DCGAN, D(x) = 0.5)" if words else ""))
        ax.set_title(title)
        if words:
            ax.set_xlabel("iteration")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "no losses.csv found" if words else "—", ha="center", transform=ax.transAxes)
    return fig


def save_loss_curves(path, logs, words=True):
    """losses.png: loss_figure(logs) as a file."""
    save_figure(loss_figure(logs, words), path)


def read_losses(logs_dir, folder):
    """The run's losses.csv (logs/<run name>/losses.csv: runs.folders, the run named after its
    checkpoint folder) and its path; None when it cannot be read (missing, a folder, no permission)."""
    path = os.path.join(runs.folders(os.path.basename(os.path.normpath(folder)), logs_dir=logs_dir).logs,
                        "losses.csv")
    try:
        return read_loss_log(path), path
    except OSError:
        return None, path


def final_losses(log, share=0.1):
    """Mean d_loss and g_loss over the last `share` of the steps (at least one), or None."""
    if log is None or len(log["step"]) == 0:
        return None
    tail = max(1, int(len(log["step"]) * share))
    return {key: float(np.mean(log[key][-tail:])) for key in ("d_loss", "g_loss")}


# ----------------------------------------------------------------------------- per class

MAX_LABELLED = 20   # classes beyond this: every n-th tick label, no numbers in the cells
CELL_INCHES = 0.3   # a cell's side at most: room for a per-cent number at 7 pt
PAGE_INCHES = 11.0  # wider figures put their panels in rows (the report page is ~10 inches)


def tick_step(count):
    """Label every class up to MAX_LABELLED of them, else every n-th (labels must not overlap)."""
    return 1 if count <= MAX_LABELLED else int(np.ceil(count / MAX_LABELLED))


def confusion_layout(shape, names, panels):
    """(grid rows, grid columns, (width, height) in inches) for `panels` matrices of shape
    [rows, columns]: cells of at most CELL_INCHES (a panel at most 6 inches wide), room for the
    longest class name, and as many panels side by side as fit on a page."""
    cell = min(CELL_INCHES, 6.0 / max(shape))
    label = 0.075 * max(len(name) for name in names)  # inches of an 8 pt name
    panel_width, panel_height = shape[1] * cell + 0.4, shape[0] * cell + label + 0.75
    columns = max(1, min(panels, int((PAGE_INCHES - label) // panel_width)))
    rows = int(np.ceil(panels / columns))
    return rows, columns, (columns * panel_width + label + 0.6, rows * panel_height + 0.6)


def draw_confusion(ax, label, confusion, first, words=True):
    """One matrix: row shares as blue cells with per-cent numbers (small matrices), names as
    tick labels (every n-th for many classes)."""
    counts = np.array(confusion["counts"], dtype=np.float64)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    image = ax.imshow(100 * shares, cmap="Blues", vmin=0, vmax=100)
    if max(shares.shape) <= MAX_LABELLED:
        for (i, j), share in np.ndenumerate(shares):
            if share >= 0.005:
                ax.text(j, i, f"{100 * share:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if share > 0.6 else "black")
    else:  # too many cells for numbers: a colour scale instead
        ax.figure.colorbar(image, ax=ax, shrink=0.6, label="% of the row" if words else "%")
    step_x, step_y = tick_step(shares.shape[1]), tick_step(shares.shape[0])
    ax.set_xticks(range(0, shares.shape[1], step_x), confusion["columns"][::step_x], rotation=90, fontsize=8)
    ax.set_yticks(range(0, shares.shape[0], step_y), confusion["rows"][::step_y] if first else [], fontsize=8)
    if words:
        ax.set_xlabel("recognised as", fontsize=9)
    if first and words:
        ax.set_ylabel("asked for", fontsize=9)
    ax.set_title(label if words or label in ("DCGAN", "BigGAN") else "✓", fontsize=10)  # ✓: the real images


def save_confusion_figure(path, rows, words=True):
    """per_class.png: confusion_figure(rows) as a file."""
    save_figure(confusion_figure(rows, words), path)


def confusion_figure(rows, words=True):
    """One confusion matrix per row that has one ({label: row["confusion"]}), each line
    normalised to 1 and printed in per cent; the diagonal is class accuracy. Sized by the
    number of classes, so that no label overlaps another, with a title saying what it shows."""
    panels = [(label, row["confusion"]) for label, row in rows.items() if row.get("confusion")]
    first = panels[0][1]
    grid_rows, grid_columns, size = confusion_layout(np.array(first["counts"]).shape,
                                                     first["columns"] + first["rows"], len(panels))
    fig, axes = plt.subplots(grid_rows, grid_columns, squeeze=False, layout="constrained", figsize=size)
    for i, ax in enumerate(axes.flat):
        if i < len(panels):
            draw_confusion(ax, *panels[i], first=i % grid_columns == 0, words=words)
        else:
            ax.set_visible(False)
    if words:
        fig.suptitle("Confusion matrices: % of the images asked for each class (row) that the\n"
                     "classifier recognises as each class (column); the diagonal is the class accuracy",
                     fontsize=10)
    return fig
