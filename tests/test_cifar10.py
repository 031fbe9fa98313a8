"""cifar10.py: the batches as Python 2 wrote them load; a crafted pickle never runs; the archive
and its members are checked before anything is unpacked or read."""
import io
import os
import pickle
import shlex
import struct
import tarfile

import numpy as np
import pytest

import checksums
import cifar10
import datasets
from errors import LabError


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


def bent(batch, **changes):
    """A batch with some of its arrays swapped (keys without the b'' prefix)."""
    return {**batch, **{key.encode(): value for key, value in changes.items()}}


@pytest.mark.parametrize("batch,problem", [
    (bent(cifar_batch(1), labels=[1, 2, 3]), "4 images but 3 labels"),
    (bent(cifar_batch(1), labels=[0, 1, 2, 10]), "labels that are not classes 0 to 9"),
    (bent(cifar_batch(1), labels=[0, 1, 2, -1]), "labels that are not classes 0 to 9"),
    (bent(cifar_batch(1), labels=[b"a", b"b", b"c", b"d"]), "labels that are not classes 0 to 9"),
    (bent(cifar_batch(1), data=np.zeros((4, 100), np.uint8)), "its data is not 1 to 10,000 images of 3,072 bytes"),
    (bent(cifar_batch(1), data=np.zeros((4, 3072), np.float64)), "its data is not 1 to 10,000 images of 3,072 bytes"),
    (bent(cifar_batch(1), data=[[300] * 3072] * 4), "its data is not 1 to 10,000 images of 3,072 bytes"),
    (bent(cifar_batch(1), labels=np.array([[0], [1], [2], [3]])), "labels that are not one whole number per image"),
    (bent(cifar_batch(1), labels=[[0], [1], [2], [3]]), "labels that are not one whole number per image"),
    ({b"labels": [1]}, "no data and labels"),
    ([1, 2, 3], "no data and labels")])
def test_a_batch_that_does_not_hold_what_a_batch_holds_is_one_line(tmp_path, batch, problem):
    """What a batch holds is checked before it is used: labels pick and name the images."""
    write_files(tmp_path, cifar_files({"data_batch_3": py2_pickle(batch)}))
    with pytest.raises(LabError) as error:
        datasets.load_cifar10(str(tmp_path))
    assert str(error.value).startswith(f"CIFAR-10 batch {tmp_path}/cifar-10-batches-py/data_batch_3 does not hold "
                                       f"what a batch holds ({problem})")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("claimed", [2 ** 34, 2 ** 62])
def test_a_batch_that_claims_a_huge_string_is_one_line(tmp_path, claimed):
    """A pickle's BINBYTES8 opcode claiming 16 GiB or 2**62 bytes: read from memory, the first is
    truncated data (nothing allocated), the second more than Python can hold: one line each."""
    write_files(tmp_path, cifar_files({"data_batch_1": b"\x80\x04\x8e" + struct.pack("<Q", claimed) + b"xx"}))
    with pytest.raises(LabError, match=r"data_batch_1 is missing or corrupt \((UnpicklingError|MemoryError)\)"):
        datasets.load_cifar10(str(tmp_path))
