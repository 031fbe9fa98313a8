"""checksums.py: the known md5 and size of every file from outside, and reading that stops at the
real file's size (a gzip bomb or an oversized archive member is refused, not read)."""
import gzip
import hashlib
import io
import tarfile

import pytest

import checksums


def test_a_file_is_the_official_one_only_by_its_md5(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    monkeypatch.setitem(checksums.EXPECTED_MD5, "f.bin", hashlib.md5(b"real").hexdigest())
    monkeypatch.setitem(checksums.MAX_BYTES, "f.bin", 4)
    assert checksums.file_problem(str(path), "f.bin") == "missing"
    path.write_bytes(b"real")
    assert checksums.file_problem(str(path), "f.bin") is None
    path.write_bytes(b"real but longer")  # read only past the real size: a mismatch, not a long read
    assert checksums.file_problem(str(path), "f.bin") == "md5 mismatch (corrupt or incomplete)"
    path.write_bytes(b"\x1f\x8b half a gzip")
    assert "not a complete gzip file" in checksums.file_problem(str(path), "f.bin", gunzip=True)


def test_md5_of_a_gzip_bomb_stops_at_the_bound(tmp_path):
    path = tmp_path / "bomb.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"\0" * (8 << 20))  # 8 MiB of zeros in a few KB
    whole = checksums.md5_of(str(path), gunzip=True)
    bounded = checksums.md5_of(str(path), gunzip=True, max_bytes=1 << 20)
    assert whole != bounded  # it stopped reading at the bound


def test_an_oversized_tar_member_is_refused_from_its_header():
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        for name, size in (("small", 10), ("big", 5000)):
            info = tarfile.TarInfo(name)
            info.size = size
            tar.addfile(info, io.BytesIO(b"x" * size))
    data.seek(0)
    with tarfile.open(fileobj=data) as tar:
        with pytest.raises(checksums.TooLarge, match="its member big is 5,000 bytes, more than the 1,000"):
            checksums.tar_members(tar, 1000)
