"""folder_cache.py: an image folder decoded once into a memory-mapped cache that later runs trust
only when it matches the files: rebuilt when anything changed, never half-written, somewhere
writable, refused in one line when the disk is too small."""
import os
import shutil
import types
import subprocess

import numpy as np
import pytest
from PIL import Image

import utils
import folder_cache
import image_folders
from errors import LabError
from files import read_json, write_json
from test_image_folders import cache_files, decode_directly, load, make_folder


def test_cache_gives_the_same_batches_as_decoding_the_images(tmp_path):
    make_folder(tmp_path / "toys", n=5)
    first, log = load(tmp_path / "toys", "*.png", 24, input_size=30, crop=True)
    assert log.has("Decoding the 10 images of toys once into the cache")
    paths = image_folders.find_images(str(tmp_path / "toys"), "*.png")
    expected = decode_directly(paths, 24, input_size=30, crop=True)
    np.testing.assert_array_equal(first.images, expected)
    second, log = load(tmp_path / "toys", "*.png", 24, input_size=30, crop=True)
    assert not log.has("Decoding") and log.has("Loaded 10 images")  # a cache hit
    batch = np.array([7, 0, 3])
    np.testing.assert_array_equal(utils.to_float(second.images[batch]),
                                  expected[batch].astype(np.float32) / 255.0)


def test_decoding_in_worker_processes_gives_the_same_cache(tmp_path, monkeypatch):
    make_folder(tmp_path / "toys", n=15)
    inline, _ = load(tmp_path / "toys", "*.png", 16, workers=1)
    shutil.rmtree(tmp_path / ".cache")
    monkeypatch.setattr(folder_cache, "CHUNK", 4)  # 30 images: 8 jobs over 2 processes
    pooled, log = load(tmp_path / "toys", "*.png", 16, workers=2)
    assert log.has("2 process(es)")
    np.testing.assert_array_equal(inline.images, pooled.images)


def test_a_changed_file_rebuilds_the_cache(tmp_path):
    make_folder(tmp_path / "toys")
    load(tmp_path / "toys", "*.png", 16)
    path = tmp_path / "toys" / "cars" / "0.png"
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched: a new date
    _, log = load(tmp_path / "toys", "*.png", 16)
    assert log.has("out of date (the image files or the cache format changed): rebuilding")
    assert log.has("Decoding the 6 images")
    Image.new("RGB", (40, 48), (10, 200, 30)).save(path)  # replaced: other pixels
    data, log = load(tmp_path / "toys", "*.png", 16)
    assert log.has("rebuilding") and (data.images[0] == [10, 200, 30]).all()
    os.remove(tmp_path / "toys" / "planes" / "2.png")  # removed
    data, log = load(tmp_path / "toys", "*.png", 16)
    assert log.has("rebuilding") and len(data.images) == 5
    assert len(cache_files(tmp_path / "toys")) == 2  # one .npy + its key, nothing else


def test_each_setting_has_its_own_cache(tmp_path):
    make_folder(tmp_path / "toys")
    small, _ = load(tmp_path / "toys", "*.png", 16)
    big, log = load(tmp_path / "toys", "*.png", 32)
    assert log.has("Decoding") and big.images.shape[1] == 32
    cropped, log = load(tmp_path / "toys", "*.png", 16, crop=True)
    assert log.has("Decoding") and not np.array_equal(cropped.images, small.images)
    assert len(cache_files(tmp_path / "toys")) == 6
    again, log = load(tmp_path / "toys", "*.png", 16)  # back to the first setting: still valid
    assert not log.has("Decoding")
    np.testing.assert_array_equal(again.images, small.images)


def test_a_truncated_cache_is_rebuilt_never_trusted(tmp_path):
    make_folder(tmp_path / "toys")
    good, log = load(tmp_path / "toys", "*.png", 16)
    expected = np.array(good.images)
    npy = [f for f in cache_files(tmp_path / "toys") if f.endswith(".npy")][0]
    path = tmp_path / ".cache" / npy
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 100)
    data, log = load(tmp_path / "toys", "*.png", 16)
    assert log.has("out of date (its .npy file was truncated or replaced): rebuilding")
    np.testing.assert_array_equal(data.images, expected)
    path.write_bytes(b"\x93NUMPY garbage")  # a damaged file with the size of ... nothing
    data, log = load(tmp_path / "toys", "*.png", 16)
    assert log.has("rebuilding")
    np.testing.assert_array_equal(data.images, expected)


@pytest.mark.parametrize("key", [b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe not text", b"{}" + b" " * (5 << 20)])
def test_a_key_file_nested_without_end_or_not_text_is_rebuilt_never_trusted(tmp_path, key):
    make_folder(tmp_path / "toys")
    good, log = load(tmp_path / "toys", "*.png", 16)
    expected = np.array(good.images)
    name = [f for f in cache_files(tmp_path / "toys") if f.endswith(".json")][0]
    (tmp_path / ".cache" / name).write_bytes(key)
    data, log = load(tmp_path / "toys", "*.png", 16)
    assert log.has("its key file is unreadable") and log.has("rebuilding")
    np.testing.assert_array_equal(data.images, expected)


@pytest.mark.parametrize("bad", [5, [5], [[100000, "x"]], [["a", "b", "c"]], [[0, "line1\nline2"]],
                                 [[-1, "m"], [None, "q"]], [[0, "m"], [0, "m"]], [[True, "m"]]])
def test_a_key_whose_bad_list_is_not_what_a_build_writes_is_rebuilt(tmp_path, bad):
    """The key's "bad" list names files that could not be decoded: each entry [file index, one-line
    message], every index a file's, and the files without them are the .npy's rows. Anything else
    is a damaged key (rebuilt), never an error message made of its text nor a traceback."""
    make_folder(tmp_path / "toys")
    good, _ = load(tmp_path / "toys", "*.png", 16)
    expected = np.array(good.images)
    name = [f for f in cache_files(tmp_path / "toys") if f.endswith(".json")][0]
    key = read_json(str(tmp_path / ".cache" / name))
    write_json(str(tmp_path / ".cache" / name), dict(key, bad=bad))
    data, log = load(tmp_path / "toys", "*.png", 16)
    assert log.has("out of date (its key file is damaged): rebuilding")
    np.testing.assert_array_equal(data.images, expected)


def test_an_interrupted_build_leaves_no_cache_and_no_debris(tmp_path, monkeypatch):
    make_folder(tmp_path / "toys")
    real_decode, calls = folder_cache.decode, []

    def decode_then_ctrl_c(*args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_decode(*args)
    monkeypatch.setattr(folder_cache, "decode", decode_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        load(tmp_path / "toys", "*.png", 16)
    assert cache_files(tmp_path / "toys") == []
    # a build killed by SIGKILL leaves its temporary file: the next build, of any setting, removes it
    monkeypatch.setattr(folder_cache, "decode", real_decode)
    dead = subprocess.Popen(["true"])
    dead.wait()
    settings_name = "toys-16px-0123456789"
    debris = tmp_path / ".cache" / f".tmp-{dead.pid}-toys-32px-9876543210-.npy"  # another setting's
    debris.write_bytes(b"half")
    monkeypatch.setattr(folder_cache, "slot_name", lambda folder, settings: settings_name)
    load(tmp_path / "toys", "*.png", 16)
    assert cache_files(tmp_path / "toys") == [settings_name + ".json", settings_name + ".npy"]


def test_unwritable_data_folder_puts_the_cache_in_the_users_cache(tmp_path, monkeypatch):
    make_folder(tmp_path / "data" / "toys")
    # The place data/.cache is taken by a file, so nothing can be created there: the same
    # OSError a read-only shared folder gives (tests run as root, whom chmod does not stop).
    (tmp_path / "data" / ".cache").write_bytes(b"")
    if os.geteuid() != 0:
        os.chmod(tmp_path / "data", 0o555)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    try:
        data, log = load(tmp_path / "data" / "toys", "*.png", 16)
        again, log2 = load(tmp_path / "data" / "toys", "*.png", 16)
    finally:
        os.chmod(tmp_path / "data", 0o755)
    where = str(tmp_path / "home-cache" / "gan-lab")
    assert [line for line in log if "cannot be written" in line] == [
        f"{tmp_path / 'data' / '.cache'} cannot be written (a shared, read-only dataset?): the "
        f"decoded-image cache goes to {where}"]
    assert len(os.listdir(where)) == 2 and len(data.images) == 6
    assert not log2.has("Decoding") and log2.has(f"from the cache {where}")


def test_a_disk_too_small_is_one_line_and_nothing_written(tmp_path, monkeypatch):
    make_folder(tmp_path / "toys")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: types.SimpleNamespace(
        total=10**9, used=10**9 - 5000, free=5000))
    with pytest.raises(LabError) as error:
        load(tmp_path / "toys", "*.png", 16)
    message = str(error.value)
    assert "\n" not in message and message.startswith(
        "not enough disk space for the decoded-image cache of toys: it needs 4.6 KiB in ")
    assert "plus 64.0 MiB to spare, only 4.9 KiB is free; free some space there" in message
    assert cache_files(tmp_path / "toys") == []


def test_skipped_images_are_named_on_every_start(tmp_path):
    make_folder(tmp_path / "toys")
    (tmp_path / "toys" / "planes" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    _, log = load(tmp_path / "toys", "*.png", 16, skip_bad_images=True)
    assert "warning: skipped 1 unreadable image(s): planes/x.png" in log
    _, log = load(tmp_path / "toys", "*.png", 16, skip_bad_images=True)
    assert "warning: skipped 1 unreadable image(s): planes/x.png" in log and not log.has("Decoding")
