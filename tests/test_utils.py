"""utils.py: grids, true intensities, GIFs, visualize options and export, with a stand-in model."""
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


def test_visualize_rejects_an_unknown_option(tmp_path):
    with pytest.raises(errors.LabError, match="--visualize 9 is not an option"):
        utils.visualize(FakeModel(), 9, str(tmp_path), 4, seed=0)


def test_test_mode_outputs_and_export(tmp_path):
    written = utils.test_mode_outputs(FakeModel(), str(tmp_path), 16, seed=0)
    assert [os.path.basename(p) for p in written] == ["test_random.png", "test_classes.png",
                                                     "test_interpolation.gif"]
    classes = np.asarray(Image.open(tmp_path / "test_classes.png"))
    assert classes.shape[0] == 10 * 6
    # each row holds its class: brightness label/10 (+-0.05 from z) in the grid's image columns
    row_means = [classes[6 * i:6 * i + 6, -60:].mean() / 255 for i in range(10)]
    assert np.all(np.diff(row_means) > 0)
    path = utils.export_samples(FakeModel(num_classes=3), 7, str(tmp_path / "generated_7.npz"))
    data = np.load(path)
    assert data["images"].dtype == np.uint8 and data["images"].shape == (7, 6, 6, 1)
    assert data["labels"].tolist() == [0, 1, 2, 0, 1, 2, 0]


def test_atomic_write_leaves_nothing_when_writing_fails(tmp_path):
    def fail(tmp):
        open(tmp, "w").write("half")
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError):
        utils.atomic_write(str(tmp_path / "out.json"), fail)
    assert os.listdir(tmp_path) == []


def test_transform_crops_a_rectangle_when_input_width_differs():
    from PIL import Image
    pixels = np.zeros((40, 60, 3), np.uint8)
    pixels[10:30, 10:50] = 255  # a white 20 x 40 box in the centre
    image = Image.fromarray(pixels)
    box = utils.transform(image, 3, 8, input_size=[20, 40], crop=True)
    square = utils.transform(image, 3, 8, input_size=20, crop=True)
    assert box.shape == square.shape == (8, 8, 3)
    assert (box == 255).all() and (square == 255).all()
    whole = utils.transform(image, 3, 8, crop=True)  # the 40 x 40 centre: black rows above and below
    assert whole[0].max() < 255 and whole[4].min() == 255


# ----------------------------------------------------------------------------- replace_folder

def folder_files(folder):
    return {name: (folder / name).read_text() for name in sorted(os.listdir(folder))}


def test_replace_folder_swaps_in_the_whole_new_set(tmp_path):
    target = tmp_path / "report"
    target.mkdir()
    (target / "per_class.png").write_text("stale figure")
    (target / "report.md").write_text("old")
    utils.replace_folder(str(target), lambda folder: open(os.path.join(folder, "report.md"), "w").write("new"))
    assert folder_files(target) == {"report.md": "new"}
    assert os.listdir(tmp_path) == ["report"]  # no temporary folder left
    assert os.stat(target).st_mode & 0o777 == 0o777 & ~utils.current_umask()


def test_a_failed_build_leaves_the_previous_folder_as_it_was(tmp_path):
    target = tmp_path / "report"
    target.mkdir()
    (target / "report.md").write_text("old")

    def half_a_build(folder):
        open(os.path.join(folder, "report.md"), "w").write("half")
        raise errors.LabError("stopped halfway")
    with pytest.raises(errors.LabError):
        utils.replace_folder(str(target), half_a_build)
    assert folder_files(target) == {"report.md": "old"} and os.listdir(tmp_path) == ["report"]


def test_a_killed_build_leaves_the_previous_folder_as_it_was(tmp_path):
    import signal
    import subprocess
    import sys
    target = tmp_path / "report"
    target.mkdir()
    (target / "report.md").write_text("old")
    script = ("import os, sys, time, utils\n"
              "def build(folder):\n"
              "    open(os.path.join(folder, 'report.md'), 'w').write('half')\n"
              "    print('building', flush=True)\n"
              "    time.sleep(60)\n"
              f"utils.replace_folder({str(target)!r}, build)\n")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                               cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert process.stdout.readline() == "building\n"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert folder_files(target) == {"report.md": "old"}
