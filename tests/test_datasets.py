"""Data loaders: the real MNIST files, synthetic idx files, image folders and their decoded-image
cache, CelebA attributes, every Pillow mode, symbolic links, bad input (each as a real file)."""
import gzip
import hashlib
import io
import os
import pickle
import shlex
import shutil
import struct
import tarfile
import tracemalloc

import numpy as np
import pytest
from PIL import Image

import checksums
import cifar10
import datasets
import image_folders
import images
import mnist
from errors import LabError

MNIST_DIR = "data/mnist"


class Log(list):
    """A `log` that keeps the lines, so tests can look for one."""

    def __call__(self, line):
        self.append(line)

    def has(self, text):
        return any(text in line for line in self)


# ----------------------------------------------------------------------------- MNIST and CIFAR-10

def test_real_mnist_files_are_the_official_ones():
    official = {"train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
                "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
                "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
                "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637"}
    for name, md5 in official.items():
        with gzip.open(os.path.join(MNIST_DIR, name + ".gz")) as f:
            assert hashlib.md5(f.read()).hexdigest() == md5


def test_train_means_the_same_thing_for_every_dataset_and_script():
    """One function answers which images are train and which are held out: MNIST's train is its
    60,000 train digits (t10k held out), "all" the handout's 70,000; the Dataset says which."""
    train = datasets.load_dataset("mnist", os.path.dirname(MNIST_DIR), split="train")
    test = datasets.load_dataset("mnist", os.path.dirname(MNIST_DIR), split="test")
    everything = datasets.load_dataset("mnist", os.path.dirname(MNIST_DIR), split="all")
    assert (len(train.images), len(test.images), len(everything.images)) == (60000, 10000, 70000)
    assert (train.split, test.split, everything.split) == ("train", "test", "all")
    assert len({train.digest, test.digest, everything.digest}) == 3
    t10k, _ = mnist.read_mnist_split(MNIST_DIR, "test")
    np.testing.assert_array_equal(test.images[..., 0], t10k)  # the held-out digits, as in the file


def test_load_mnist_is_the_handouts_70000_shuffled_digits_as_uint8():
    data = datasets.load_mnist(MNIST_DIR)
    assert data.images.shape == (70000, 28, 28, 1) and data.images.dtype == np.uint8
    assert data.labels.shape == (70000,) and set(np.unique(data.labels)) == set(range(10))
    train_x, train_y = mnist.read_mnist_split(MNIST_DIR, "train")
    order = np.random.RandomState(547).permutation(70000)
    first = order[0]  # the first shuffled image is original image number `first`
    original = train_x[first] if first < 60000 else mnist.read_mnist_split(MNIST_DIR, "test")[0][first - 60000]
    np.testing.assert_array_equal(data.images[0, ..., 0], original)
    # to_float gives bit for bit the floats the loader used to return
    batch = data.images[:100]
    old = batch.astype(np.float32) / 255.0
    new = datasets.to_float(batch)
    assert new.dtype == np.float32 and new.tobytes() == old.tobytes()
    assert new.min() == 0.0 and new.max() == 1.0


def write_idx(path, magic, count, shape, data=None, gz=False):
    header = np.array([magic, count] + list(shape), dtype=">u4").tobytes()
    body = data if data is not None else bytes(count * int(np.prod(shape)))
    opener = gzip.open if gz else open
    with opener(path, "wb") as f:
        f.write(header + body)


def synthetic_mnist(folder, gz=False, image_magic=2051, truncate=0):
    os.makedirs(folder, exist_ok=True)
    for split, (image_file, labels, count) in mnist.MNIST_FILES.items():
        pixels = np.random.RandomState(0).randint(0, 256, (count, 28, 28)).astype(np.uint8).tobytes()
        write_idx(os.path.join(folder, image_file + (".gz" if gz else "")), image_magic, count, (28, 28),
                  pixels[:len(pixels) - truncate], gz)
        write_idx(os.path.join(folder, labels + (".gz" if gz else "")), 2049, count, (),
                  (np.arange(count) % 10).astype(np.uint8).tobytes(), gz)


@pytest.fixture
def small_counts(monkeypatch):
    monkeypatch.setattr(mnist, "MNIST_FILES", {
        "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 6),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 4)})


@pytest.mark.parametrize("gz", [False, True])
def test_synthetic_idx_files_load_gz_or_not(tmp_path, small_counts, gz):
    synthetic_mnist(tmp_path, gz=gz)
    data = datasets.load_mnist(str(tmp_path))
    assert data.images.shape == (10, 28, 28, 1) and data.images.dtype == np.uint8
    assert sorted(data.labels.tolist()) == sorted([i % 10 for i in range(6)] + [i % 10 for i in range(4)])


def test_wrong_magic_number_is_a_clear_error(tmp_path, small_counts):
    synthetic_mnist(tmp_path, image_magic=1234)
    with pytest.raises(LabError, match="magic number 1234.*download.py mnist"):
        datasets.load_mnist(str(tmp_path))


def test_truncated_file_is_a_clear_error(tmp_path, small_counts):
    synthetic_mnist(tmp_path, truncate=100)
    with pytest.raises(LabError, match="truncated"):
        datasets.load_mnist(str(tmp_path))


def test_a_gzip_bomb_in_place_of_an_mnist_file_is_refused_unread(tmp_path, small_counts):
    synthetic_mnist(tmp_path, gz=True)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    header = np.array([2051, 6, 28, 28], dtype=">u4").tobytes()
    images.write_bytes(gzip.compress(header + bytes(64 << 20), compresslevel=1))  # 64 MiB inside
    tracemalloc.start()
    try:
        with pytest.raises(LabError, match=r"train-images-idx3-ubyte is longer than the 4,720 "
                                           r"bytes of the real file \(not read further\)"):
            datasets.load_mnist(str(tmp_path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # the 64 MiB were never in memory


def test_missing_file_says_how_to_download(tmp_path):
    with pytest.raises(LabError, match="not found; run: python download.py mnist"):
        datasets.load_mnist(str(tmp_path))


class Py2Pickler(pickle._Pickler):
    """Writes str and bytes as Python 2 wrote its byte strings (BINSTRING), as cPickle did when
    the real CIFAR-10 batches were made."""
    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_string(self, obj):
        data = obj.encode("latin-1") if isinstance(obj, str) else obj
        self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[bytes] = dispatch[str] = save_py2_string


def py2_pickle(obj):
    """obj pickled like the real batches: Python 2, protocol 2, numpy 1 (numpy.core.*)."""
    buffer = io.BytesIO()
    Py2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue().replace(b"cnumpy._core.", b"cnumpy.core.")


def cifar_batch(seed, n=4):
    """A small batch with the real batches' keys: {b'data': uint8 [n, 3072], b'labels', ...}."""
    rng = np.random.RandomState(seed)
    return {b"batch_label": b"training batch", b"labels": [int(v) for v in rng.randint(0, 10, n)],
            b"data": rng.randint(0, 256, (n, 3072)).astype(np.uint8),
            b"filenames": [b"img_%d.png" % i for i in range(n)]}


CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def cifar_files(replace=None):
    """{path in the archive: bytes} of the six batches (py2 pickles); `replace` swaps some."""
    files = {f"cifar-10-batches-py/{name}": py2_pickle(cifar_batch(seed))
             for seed, name in enumerate(CIFAR_BATCHES)}
    files.update({f"cifar-10-batches-py/{name}": body for name, body in (replace or {}).items()})
    return files


def write_files(folder, files):
    for name, body in files.items():
        os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(body)


def cifar_archive(folder, files):
    """Write folder/cifar-10-python.tar.gz holding `files`; returns its path."""
    path = os.path.join(folder, "cifar-10-python.tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        for name, body in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return path


class WritesAFile(object):
    """Pickled, it makes whoever unpickles it run a shell command that creates `path`."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {shlex.quote(str(self.path))}",)


def crafted_batch(marker):
    """A batch whose data, when unpickled, runs a command that creates `marker`; checked here
    to do so with a plain pickle.load, so the tests below reproduce the fault for real."""
    body = pickle.dumps({b"data": WritesAFile(marker), b"labels": [0]})
    pickle.loads(body)
    assert os.path.exists(marker)
    os.remove(marker)
    return body


def test_cifar10_batches_as_python_2_wrote_them_load(tmp_path):
    write_files(tmp_path, cifar_files())
    train = datasets.load_cifar10(str(tmp_path))
    batches = [cifar_batch(seed) for seed in range(5)]
    expected = np.concatenate([b[b"data"] for b in batches]).reshape(-1, 3, 32, 32)
    expected = expected.transpose(0, 2, 3, 1)  # NCHW -> NHWC
    np.testing.assert_array_equal(train.images, expected)
    assert train.labels.tolist() == sum((b[b"labels"] for b in batches), [])
    test = datasets.load_cifar10(str(tmp_path), split="test")
    assert test.labels.tolist() == cifar_batch(5)[b"labels"] and test.images.shape == (4, 32, 32, 3)


def test_a_crafted_cifar10_batch_is_refused_and_its_payload_never_runs(tmp_path):
    marker = tmp_path / "written_by_the_pickle"
    write_files(tmp_path, cifar_files({"data_batch_2": crafted_batch(marker)}))
    with pytest.raises(LabError) as error:
        datasets.load_cifar10(str(tmp_path))
    message = str(error.value)
    assert "\n" not in message and message.startswith(
        f"CIFAR-10 batch {tmp_path}/cifar-10-batches-py/data_batch_2 asks for the Python object "
        "posix.system, which a CIFAR-10 batch never holds (a pickle can run code): refused")
    assert message.endswith("run: python download.py cifar10")
    assert not marker.exists()


def test_a_cifar10_archive_found_in_the_data_folder_is_checked_before_it_is_unpacked(
        tmp_path, monkeypatch):
    marker = tmp_path / "written_by_the_pickle"
    archive = cifar_archive(tmp_path, cifar_files({"data_batch_1": crafted_batch(marker)}))
    with pytest.raises(LabError, match=r"cifar-10-python.tar.gz is not the official CIFAR-10 "
                                       r"archive \(md5 mismatch.*delete it and run: python "
                                       r"download.py cifar10$"):
        datasets.load_cifar10(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["cifar-10-python.tar.gz"]  # nothing unpacked
    # Even an archive with the official md5 (impossible for this one) is read safely.
    monkeypatch.setitem(checksums.EXPECTED_MD5, "cifar-10-python.tar.gz",
                        checksums.md5_of(archive))
    with pytest.raises(LabError, match="data_batch_1 asks for the Python object posix.system"):
        datasets.load_cifar10(str(tmp_path))
    assert not marker.exists()


def test_a_cifar10_batch_larger_than_a_batch_can_be_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(cifar10, "MAX_CIFAR_BATCH_BYTES", 20000)  # the tiny batches: 12,616
    marker = tmp_path / "written_by_the_pickle"
    big = crafted_batch(marker) + bytes(30000)  # read, it would run its payload
    write_files(tmp_path, cifar_files({"data_batch_1": big}))
    with pytest.raises(LabError, match=r"data_batch_1 is 30,\d{3} bytes, more than a batch can be "
                                       r"\(20,000\): not read"):
        datasets.load_cifar10(str(tmp_path))
    assert not marker.exists()


def test_a_cifar10_archive_member_larger_than_a_batch_is_refused_before_unpacking(
        tmp_path, monkeypatch):
    monkeypatch.setattr(cifar10, "MAX_CIFAR_BATCH_BYTES", 20000)  # the tiny batches: 12,616
    archive = cifar_archive(tmp_path, cifar_files({"data_batch_3": bytes(50000)}))
    monkeypatch.setitem(checksums.EXPECTED_MD5, "cifar-10-python.tar.gz", checksums.md5_of(archive))
    with pytest.raises(LabError, match=r"not a valid CIFAR-10 archive \(its member "
                                       r"cifar-10-batches-py/data_batch_3 is 50,000 bytes, more "
                                       r"than the 20,000 it can be\); delete it"):
        datasets.load_cifar10(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["cifar-10-python.tar.gz"]


def test_select_classes_relabels_in_the_given_order():
    data = datasets.Dataset(np.arange(6, dtype=np.uint8).reshape(6, 1, 1, 1),
                            np.array([0, 1, 2, 0, 1, 2]), ["0", "1", "2"])
    picked = datasets.select_classes(data, ["2", "0"], "MNIST")
    assert picked.labels.tolist() == [1, 0, 1, 0] and picked.images.ravel().tolist() == [0, 2, 3, 5]
    with pytest.raises(LabError, match="unknown MNIST class.*7; valid: 0, 1, 2"):
        datasets.select_classes(data, ["7"], "MNIST")


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


# ----------------------------------------------------------------------------- the decoded-image cache

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


# ----------------------------------------------------------------------------- every Pillow mode (images.imread)

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

