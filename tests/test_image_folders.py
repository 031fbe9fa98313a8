"""image_folders.py (through datasets.load_dataset): class folders, channels, crops, classes,
the per-image held-out split, symbolic links, CelebA attributes; each bad input a real file."""
import os
import shutil

import numpy as np
import pytest
from PIL import Image

import checksums
import datasets
import image_folders
import images
from errors import LabError

from test_datasets import Log


# ----------------------------------------------------------------------------- image folders

def make_folder(root, classes=("cars", "planes"), n=3, size=40, modes=("RGB", "L", "RGBA"), ext="png"):
    rng = np.random.RandomState(0)
    for c in classes:
        folder = os.path.join(root, c) if c else str(root)
        os.makedirs(folder, exist_ok=True)
        for i in range(n):
            mode = modes[i % len(modes)]
            channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
            pixels = rng.randint(0, 256, (size, size + 8, channels)).astype(np.uint8)
            Image.fromarray(pixels.squeeze(), mode).save(os.path.join(folder, f"{i}.{ext}"))


def load(folder, *args, **kwargs):
    """load_image_folder with the lines it logs: (Dataset, Log)."""
    log = kwargs.pop("log", Log())
    return datasets.load_image_folder(str(folder), *args, log=log, **kwargs), log


def cache_files(folder):
    """The files of data/.cache next to a dataset folder (sorted names)."""
    where = os.path.join(os.path.dirname(str(folder)), ".cache")
    return sorted(os.listdir(where)) if os.path.isdir(where) else []


def decode_directly(paths, size, channels=3, **kw):
    """The images decoded one by one, without any cache: what the cache must hold."""
    return np.stack([images.transform(images.imread(p), channels, size, **kw) for p in paths])


@pytest.mark.parametrize("size", [32, 64])
def test_class_folders_give_labels_and_mixed_modes_become_rgb(tmp_path, size):
    make_folder(tmp_path / "toys")
    data, log = load(tmp_path / "toys", "*.png", output_size=size)
    assert data.images.shape == (6, size, size, 3) and data.images.dtype == np.uint8
    assert data.class_names == ["cars", "planes"] and data.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert log.has("Loaded 6 images") and log.has("decoded once")


def test_grayscale_folder_stays_one_channel_without_labels(tmp_path):
    make_folder(tmp_path / "gray", classes=("",), modes=("L",), n=4)
    data, _ = load(tmp_path / "gray", "*.png", output_size=32)
    assert data.images.shape == (4, 32, 32, 1) and data.labels is None


def test_crop_takes_the_centre(tmp_path):
    pixels = np.zeros((40, 40), np.uint8)
    pixels[10:30, 10:30] = 255
    os.makedirs(tmp_path / "sq")
    Image.fromarray(pixels).save(tmp_path / "sq" / "a.png")
    data, _ = load(tmp_path / "sq", "*.png", output_size=20, input_size=20, crop=True)
    assert data.images.min() == 255  # only the white centre survives the crop


def test_classes_filter_and_unknown_class(tmp_path):
    make_folder(tmp_path / "toys", classes=("cars", "planes", "ships"))
    data, _ = load(tmp_path / "toys", "*.png", 32, classes=["ships", "cars"])
    assert data.class_names == ["ships", "cars"] and data.labels.tolist() == [1, 1, 1, 0, 0, 0]
    with pytest.raises(LabError, match="unknown toys class.*boats; valid: cars, planes, ships"):
        load(tmp_path / "toys", "*.png", 32, classes=["boats"])


def test_pattern_matching_nothing_and_corrupt_image(tmp_path):
    make_folder(tmp_path / "toys")
    with pytest.raises(LabError, match="no file .* matches --input_fname_pattern"):
        load(tmp_path / "toys", "*.jpg", 32)
    (tmp_path / "toys" / "cars" / "bad.png").write_bytes(b"not an image")
    with pytest.raises(LabError, match="cannot read image .*bad.png.*--skip_bad_images"):
        load(tmp_path / "toys", "*.png", 32)
    data, log = load(tmp_path / "toys", "*.png", 32, skip_bad_images=True)
    assert len(data.images) == 6 and data.labels.tolist() == [0, 0, 0, 1, 1, 1]
    warnings = [line for line in log if line.startswith("warning")]
    assert warnings == ["warning: skipped 1 unreadable image(s): cars/bad.png"]
    assert not log.has("Decoding")  # the cache already knew the bad file: no second decode


def test_holdout_split_is_decided_per_image_as_slices_of_the_cache(tmp_path):
    make_folder(tmp_path / "ab", classes=("a", "b"), n=15, size=8)
    quiet = dict(log=Log())
    train = datasets.load_dataset("ab", str(tmp_path), "*.png", 8, **quiet)
    test = datasets.load_dataset("ab", str(tmp_path), "*.png", 8, split="test", **quiet)
    everything = datasets.load_dataset("ab", str(tmp_path), "*.png", 8, split="all", **quiet)
    paths = image_folders.find_images(str(tmp_path / "ab"), "*.png")
    rels = [os.path.relpath(p, tmp_path / "ab") for p in paths]
    held = np.array([image_folders.is_held_out(rel) for rel in rels])
    assert 0 < held.sum() < 10 and len(everything.images) == 30
    expected = decode_directly(paths, 8)
    np.testing.assert_array_equal(test.images, expected[held])
    np.testing.assert_array_equal(train.images, expected[~held])
    assert (train.split, test.split, everything.split) == ("train", "test", "all")
    for split in (train, test):  # slices of one memory map: no copy in memory
        assert isinstance(split.images, np.memmap) and not split.images.flags.writeable


def test_adding_images_never_moves_one_into_the_held_out_split(tmp_path):
    """The old rule (every 10th file in sorted order) moved the whole test split into trained
    images when one image was added. Per image, the test split only gains the new images."""
    make_folder(tmp_path / "faces", classes=("",), n=60, size=8, modes=("L",))
    names = lambda split: set(  # noqa: E731
        f.rel for f in image_folders.scan_images(str(tmp_path / "faces"), "*.png") if image_folders.is_held_out(f.rel) == split)
    before_test, before_train = names(True), names(False)
    for i in range(60, 75):  # 15 images more
        Image.fromarray(np.zeros((8, 16), np.uint8)).save(tmp_path / "faces" / f"{i}.png")
    assert before_test <= names(True) and before_train <= names(False)
    assert not names(True) & before_train
    first = datasets.load_dataset("faces", str(tmp_path), "*.png", 8, log=Log())
    os.remove(tmp_path / "faces" / "60.png")
    again = datasets.load_dataset("faces", str(tmp_path), "*.png", 8, log=Log())
    assert first.digest != again.digest  # a run records what it trained on: the change shows


def test_a_class_with_no_training_image_is_refused_and_one_with_no_held_out_image_said(tmp_path):
    make_folder(tmp_path / "many", classes=("a", "b"), n=15, size=8, modes=("L",))
    names = sorted(os.listdir(tmp_path / "many" / "b"))
    lone = next(rel for rel in (f"c{i}/x.png" for i in range(100)) if image_folders.is_held_out(rel))
    os.makedirs(tmp_path / "many" / lone.split("/")[0])
    Image.fromarray(np.zeros((8, 16), np.uint8)).save(tmp_path / "many" / lone)
    with pytest.raises(LabError, match=rf"class\(es\) {lone.split('/')[0]} \(1 image\(s\), all held out\).* "
                                       "have no training image"):
        datasets.load_dataset("many", str(tmp_path), "*.png", 8, log=Log())
    shutil.rmtree(tmp_path / "many" / lone.split("/")[0])
    kept = next(rel for rel in (f"d{i}/x.png" for i in range(100)) if not image_folders.is_held_out(rel))
    os.makedirs(tmp_path / "many" / kept.split("/")[0])
    Image.fromarray(np.zeros((8, 16), np.uint8)).save(tmp_path / "many" / kept)
    log = Log()
    data = datasets.load_dataset("many", str(tmp_path), "*.png", 8, log=log)
    assert len(data.class_names) == 3 and names
    assert log.has(f"note: class(es) {kept.split('/')[0]} of") and log.has("compare.py cannot measure them")


# ----------------------------------------------------------------------------- symbolic links

def test_a_link_to_a_parent_folder_does_not_loop(tmp_path):
    make_folder(tmp_path / "toys")
    os.symlink("..", tmp_path / "toys" / "cars" / "up")             # toys/cars/up -> toys
    os.symlink("b.png", tmp_path / "toys" / "cars" / "a.png")        # a.png -> b.png -> a.png
    os.symlink("a.png", tmp_path / "toys" / "cars" / "b.png")
    paths = image_folders.find_images(str(tmp_path / "toys"), "*.png")
    assert [os.path.relpath(p, tmp_path / "toys") for p in paths] == [
        "cars/0.png", "cars/1.png", "cars/2.png", "planes/0.png", "planes/1.png", "planes/2.png"]


def test_an_image_reached_twice_counts_once(tmp_path):
    make_folder(tmp_path / "toys")
    os.symlink("0.png", tmp_path / "toys" / "cars" / "copy.png")           # a linked file
    os.symlink(tmp_path / "toys" / "planes", tmp_path / "toys" / "zlinked")  # a linked folder
    os.link(tmp_path / "toys" / "cars" / "1.png", tmp_path / "toys" / "cars" / "hard.png")
    data, _ = load(tmp_path / "toys", "*.png", 16)
    assert len(data.images) == 6 and data.class_names == ["cars", "planes"]


# ----------------------------------------------------------------------------- CelebA

ATTRIBUTES = ("5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips "
              "Big_Nose Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin "
              "Eyeglasses Goatee Gray_Hair Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open "
              "Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose Receding_Hairline "
              "Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
              "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young").split()


def fake_celeba(data_dir, smiling=(1, -1, 1), lines=None):
    """data_dir/celebA: 3 small 'faces' (178x218 as the real ones) and list_attr_celeba.txt."""
    folder = os.path.join(data_dir, "celebA")
    os.makedirs(folder)
    rng = np.random.RandomState(0)
    for i in range(len(smiling)):
        face = rng.randint(0, 256, (218, 178, 3)).astype(np.uint8)
        Image.fromarray(face).save(os.path.join(folder, f"{i + 1:06d}.jpg"))
    if lines is None:
        column = ATTRIBUTES.index("Smiling")
        rows = [[-1] * 40 for _ in smiling]
        for row, value in zip(rows, smiling):
            row[column] = value
        lines = [str(len(smiling)), " ".join(ATTRIBUTES)] + [
            f"{i + 1:06d}.jpg  " + " ".join(f"{v:2d}" for v in row) for i, row in enumerate(rows)]
    with open(os.path.join(folder, checksums.CELEBA_ATTRIBUTES), "w") as f:
        f.write("\n".join(lines) + "\n")
    return folder


def load_celeba(data_dir, attribute=None, **kwargs):
    log = Log()
    data = datasets.load_dataset("celebA", str(data_dir), "*.jpg", 64, 108, True,
                                 attribute=attribute, log=log, **kwargs)
    return data, log


def test_celeba_is_an_unconditional_folder_with_the_handouts_crop(tmp_path):
    folder = fake_celeba(tmp_path)
    data, _ = load_celeba(tmp_path)
    assert data.images.shape == (3, 64, 64, 3) and data.labels is None
    paths = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".jpg"))
    np.testing.assert_array_equal(data.images, decode_directly(paths, 64, input_size=108, crop=True))


def test_celeba_attribute_makes_two_classes_from_the_same_cache(tmp_path):
    fake_celeba(tmp_path)
    load_celeba(tmp_path)
    data, log = load_celeba(tmp_path, "Smiling")
    assert data.class_names == ["not_Smiling", "Smiling"] and data.labels.tolist() == [1, 0, 1]
    assert not log.has("Decoding")  # the attribute changes labels, not pixels
    smiling, _ = load_celeba(tmp_path, "Smiling", classes=["Smiling"])
    assert len(smiling.images) == 2 and smiling.labels.tolist() == [0, 0]


def test_celeba_bad_attribute_input_is_one_line_each(tmp_path):
    fake_celeba(tmp_path)
    with pytest.raises(LabError) as error:
        load_celeba(tmp_path, "Smile")
    assert str(error.value) == f"unknown CelebA attribute 'Smile'; valid: {', '.join(ATTRIBUTES)}"
    make_folder(tmp_path / "toys")
    with pytest.raises(LabError, match="^--attribute works only with --dataset celebA .*not with 'toys'"):
        datasets.load_dataset("toys", str(tmp_path), "*.png", attribute="Smiling")
    os.remove(tmp_path / "celebA" / checksums.CELEBA_ATTRIBUTES)
    with pytest.raises(LabError, match="list_attr_celeba.txt not found; run: python download.py celebA$"):
        load_celeba(tmp_path, "Smiling")


@pytest.mark.parametrize("lines,problem", [
    (["3", "Smiling Male"], "lines 1-2 must be the image count and the 40 attribute names"),
    (["3", " ".join(ATTRIBUTES), "000001.jpg 1"], "line 3: expected an image name and 40 values"),
    (["3", " ".join(ATTRIBUTES), "000001.jpg " + " 0" * 40], "line 3: expected"),
    (["5", " ".join(ATTRIBUTES)] + [f"00000{i}.jpg" + " 1" * 40 for i in (1, 2, 3)],
     "lists 3 images but says 5"),
])
def test_celeba_malformed_attributes_file(tmp_path, lines, problem):
    fake_celeba(tmp_path, lines=lines)
    with pytest.raises(LabError) as error:
        load_celeba(tmp_path, "Smiling")
    assert problem in str(error.value) and str(error.value).endswith("run: python download.py celebA")


def test_celeba_images_missing_from_the_attributes_file(tmp_path):
    fake_celeba(tmp_path)
    Image.new("RGB", (178, 218)).save(tmp_path / "celebA" / "extra.jpg")
    with pytest.raises(LabError, match=r"^1 image\(s\) in .*celebA are not in list_attr_celeba.txt "
                                       r"\(first: extra.jpg\); remove them, or run: python download.py celebA"):
        load_celeba(tmp_path, "Smiling")


def test_celeba_missing_folder_says_how_to_download(tmp_path):
    with pytest.raises(LabError, match="CelebA not found in .*; run: python download.py celebA"):
        load_celeba(tmp_path)
