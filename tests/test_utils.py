"""utils.py: grids, true intensities, GIFs (visualize and test mode's other pictures:
tests/test_testmode.py; reading image files: tests/test_images.py)."""

import numpy as np
import pytest
from PIL import Image

import utils


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
