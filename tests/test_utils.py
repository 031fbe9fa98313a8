"""utils.py: grids, true intensities, GIFs and visualize options, with a stand-in model (test mode's
export: tests/test_testmode.py; reading image files: tests/test_images.py)."""
import os

import numpy as np
import pytest
from PIL import Image

import errors
import utils


class FakeModel(object):
    """A 'generator' whose image brightness is its label / 10 plus z[0]: fast and predictable."""

    def __init__(self, num_classes=10, z_dim=5, size=6, channels=1):
        self.num_classes, self.z_dim, self.size, self.channels = num_classes, z_dim, size, channels
        self.class_names = [f"c{i}" for i in range(num_classes)]

    def sample_noise(self, rng, n):
        return rng.uniform(-1, 1, (n, self.z_dim)).astype(np.float32)

    def generate(self, z, labels=None):
        level = (np.asarray(labels) / 10.0 if labels is not None else np.zeros(len(z))) + 0.05 * z[:, 0]
        return np.clip(np.ones((len(z), self.size, self.size, self.channels)) * level[:, None, None, None], 0, 1)


@pytest.mark.parametrize("n,size", [(64, (8, 8)), (100, (10, 10)), (10, (3, 4)), (7, (2, 4)), (1, (1, 1))])
def test_image_manifold_size_fits_any_batch(n, size):
    assert utils.image_manifold_size(n) == size
    rows, cols = size
    assert rows * cols >= n and rows <= cols


def test_merge_places_images_row_by_row_and_leaves_empty_cells_black():
    images = np.stack([np.full((2, 3, 1), i + 1.0) for i in range(5)])
    grid = utils.merge(images, (2, 3))
    assert grid.shape == (4, 9, 1)
    assert grid[0, 3, 0] == 2 and grid[2, 0, 0] == 4 and grid[3, 8, 0] == 0


def test_saved_grid_keeps_true_intensities(tmp_path):
    images = np.full((4, 5, 5, 1), 0.2)  # a dim image must stay dim: no min-max rescaling
    path = utils.save_images(images, (2, 2), str(tmp_path / "g.png"))
    saved = np.asarray(Image.open(path))
    assert saved.shape == (10, 10) and (saved == 51).all()
    rgb = utils.save_images(np.full((1, 4, 4, 3), 1.5), (1, 1), str(tmp_path / "c.png"))
    assert (np.asarray(Image.open(rgb)) == 255).all()  # clipped, not rescaled


def test_make_gif_writes_all_frames(tmp_path):
    frames = np.linspace(0, 1, 6)[:, None, None, None] * np.ones((6, 4, 4, 1))
    path = utils.make_gif(frames, str(tmp_path / "a.gif"), duration=1.2)
    gif = Image.open(path)
    assert gif.n_frames == 6 and gif.info["duration"] == 200


@pytest.mark.parametrize("num_classes", [10, 0])
@pytest.mark.parametrize("option,count", [(0, 1), (1, 5), (2, 5), (3, 5), (4, 6)])
def test_visualize_options_for_conditional_and_unconditional_models(tmp_path, option, count, num_classes):
    written = utils.visualize(FakeModel(num_classes), option, str(tmp_path), 12, seed=0)
    assert len(written) == count and sorted(os.listdir(tmp_path)) == sorted(os.path.basename(p) for p in written)


def test_visualize_1_sweeps_one_dimension_across_each_row(tmp_path):
    """The FakeModel's brightness grows with z[0]: in test_arange_0.png it must grow left to right
    in every row (the same z but for the swept coordinate), and with the class down the rows."""
    written = utils.visualize(FakeModel(num_classes=3, z_dim=12), 1, str(tmp_path), 8, seed=0)
    assert [os.path.basename(p) for p in written[:3]] == ["test_arange_00.png", "test_arange_01.png",
                                                          "test_arange_02.png"]  # names sort
    picture = np.asarray(Image.open(written[0]).convert("L")).astype(float)
    cell = 6 * utils.readable_scale(10 * 6)
    grid = picture[-3 * cell:, -10 * cell:]
    columns = grid.reshape(3, cell, 10, cell).mean(axis=(1, 3))  # [row, column] brightness
    assert np.all(np.diff(columns, axis=1) >= 0) and np.all(columns[:, -1] > columns[:, 0])
    assert np.all(np.diff(columns, axis=0) > 0)


def test_visualize_rejects_an_unknown_option(tmp_path):
    with pytest.raises(errors.LabError, match="--visualize 9 is not an option"):
        utils.visualize(FakeModel(), 9, str(tmp_path), 4, seed=0)
