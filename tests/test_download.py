"""Tests for download.py against a local HTTP server serving small synthetic files.

No internet: each test starts a server on 127.0.0.1 that serves folders of tiny MNIST-,
CIFAR-10- and CelebA-format files and a tiny Inception-like graph; it imitates Google Drive's
confirmation steps, byte ranges, quota pages and slow servers. checksums.EXPECTED_MD5 (and the
CelebA image count) are patched to match.
"""
import errno
import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import re
import signal
import socket
import stat
import subprocess
import sys
import tarfile
import threading
import time
import tracemalloc
import urllib.parse
import zipfile

import numpy as np
import pytest
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import checksums  # noqa: E402
import cli  # noqa: E402
import datasets  # noqa: E402
import download  # noqa: E402
import transport  # noqa: E402
from errors import one_line, run_or_exit  # noqa: E402
from mnist import read_idx  # noqa: E402

MNIST_COUNT = 3  # images per synthetic MNIST file


# ----------------------------------------------------------------------------- local server

class Server(object):
    """A ThreadingHTTPServer on 127.0.0.1 serving `root`; remembers the paths requested.

    Files under a folder named "short" are sent with a Content-Length 100 bytes too big,
    like a connection that drops before the end of the file. `routes` maps a path (without
    the query) to a function(handler, query) that answers it instead: fake Drive and friends.
    `ranges` lists the Range header of each file body sent by send_file(), `sent` its bytes.
    """

    def __init__(self, root):
        self.root, self.requests, self.routes, self.ranges, self.sent = root, [], {}, [], 0
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                url = urllib.parse.urlsplit(self.path)
                if url.path in server.routes:
                    return server.routes[url.path](self, dict(urllib.parse.parse_qsl(url.query)))
                if self.path.startswith("/short/"):
                    return self.send_short_body()
                super().do_GET()

            def send_short_body(self):
                body = (server.root / self.path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) + 100))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, folder):
        """Base URL of one served sub-folder (a 'mirror')."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{folder}/"

    def send_file(self, handler, body):
        """Answer with the bytes `body` like a file host: 'Range: bytes=N-' gets 206 and only
        the bytes from N on (416 when there are none)."""
        wanted = handler.headers.get("Range")
        self.ranges.append(wanted)
        start = int(re.fullmatch(r"bytes=(\d+)-", wanted).group(1)) if wanted else 0
        if start and start >= len(body):
            handler.send_response(416)
            handler.send_header("Content-Range", f"bytes */{len(body)}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(206 if start else 200)
        if start:
            handler.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(body) - start))
        handler.end_headers()
        self.sent += len(body) - start  # counted before sending: the client may check it at once
        handler.wfile.write(body[start:])

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path, monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")  # talk to 127.0.0.1 directly even behind a proxy
    root = tmp_path / "www"
    root.mkdir()
    srv = Server(root)
    yield srv
    srv.close()


def dead_mirror():
    """A URL on a port where nothing listens (bound, then closed): connection refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def run_main(argv):
    """`python download.py ARGV` in this process: the flags parsed as the script parses them,
    then main through the one error runner; returns the exit code (0 when it returns normally)."""
    download.FLAGS.unparse_flags()
    try:
        remaining = cli.parse_flags(["download.py"] + list(argv), **download.HELP)
        run_or_exit(download.main, remaining)
    except SystemExit as e:
        return e.code
    return 0


# ----------------------------------------------------------------------------- synthetic MNIST

def idx_bytes(name, seed=0):
    """Content of a small valid idx file: 3 images of 28x28 (magic 2051) or 3 labels (2049)."""
    is_labels = "labels" in name
    values = np.random.RandomState(seed).randint(0, 10 if is_labels else 256,
                                                 size=MNIST_COUNT * (1 if is_labels else 784))
    dims = [2049, MNIST_COUNT] if is_labels else [2051, MNIST_COUNT, 28, 28]
    return np.array(dims, dtype=">u4").tobytes() + values.astype(np.uint8).tobytes()


def md5(data):
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def mnist(monkeypatch):
    """Content of the four synthetic MNIST files; EXPECTED_MD5 patched to their md5s."""
    contents = {name: idx_bytes(name, seed) for seed, name in enumerate(download.MNIST_NAMES)}
    for name, data in contents.items():
        monkeypatch.setitem(checksums.EXPECTED_MD5, name, md5(data))
    return contents


def serve_mnist(server, folder, contents, replace=None):
    """Put the gzipped files in the served `folder`; `replace` maps names to other .gz bytes."""
    mirror = server.root / folder
    mirror.mkdir()
    for name, data in contents.items():
        body = (replace or {}).get(name, gzip.compress(data))
        (mirror / (name + ".gz")).write_bytes(body)
    return server.url(folder)


def assert_mnist_valid(mnist_dir, contents):
    """The folder holds exactly the four .gz files, decompressing to the served content."""
    assert sorted(os.listdir(mnist_dir)) == sorted(n + ".gz" for n in contents)
    for name, data in contents.items():
        with gzip.open(os.path.join(mnist_dir, name + ".gz")) as f:
            assert f.read() == data
    images = read_idx(os.path.join(mnist_dir, "train-images-idx3-ubyte"), 2051,
                               MNIST_COUNT, (28, 28))
    assert images.shape == (MNIST_COUNT, 28, 28)


# ----------------------------------------------------------------------------- MNIST tests

def test_downloads_mnist_then_skips(server, mnist, tmp_path, capsys):
    mirror = serve_mnist(server, "good", mnist)
    data_dir = str(tmp_path / "data")
    assert run_main(["mnist", "--data_dir", data_dir, "--mirror", mirror]) == 0
    mnist_dir = os.path.join(data_dir, "mnist")
    assert_mnist_valid(mnist_dir, mnist)
    assert len(server.requests) == 4
    assert "MNIST ready" in capsys.readouterr().out

    server.close()  # a second run must not need the network at all
    assert run_main(["mnist", "--data_dir", data_dir, "--mirror", mirror]) == 0
    assert capsys.readouterr().out.strip() == "Found MNIST - skip"
    assert len(server.requests) == 4


@pytest.mark.parametrize("bad_copy", ["corrupt", "truncated"])
def test_bad_copy_on_first_mirror_is_rejected(server, mnist, tmp_path, capsys, bad_copy):
    name = "train-images-idx3-ubyte"
    good_gz = gzip.compress(mnist[name])
    bad_gz = (gzip.compress(mnist[name][:-1] + b"\x01") if bad_copy == "corrupt"
              else good_gz[:len(good_gz) // 2])
    first = serve_mnist(server, "bad", mnist, replace={name: bad_gz})
    second = serve_mnist(server, "good", mnist)
    mnist_dir = str(tmp_path / "mnist")
    download.download_mnist(mnist_dir, mirrors=[first, second])
    assert_mnist_valid(mnist_dir, mnist)
    assert f"/good/{name}.gz" in server.requests
    out = capsys.readouterr().out
    assert ("md5 mismatch" if bad_copy == "corrupt" else "not a complete gzip file") in out


def test_connection_dropped_mid_file_is_rejected(server, mnist, tmp_path, capsys):
    short = serve_mnist(server, "short", mnist)
    good = serve_mnist(server, "good", mnist)
    mnist_dir = str(tmp_path / "mnist")
    download.download_mnist(mnist_dir, mirrors=[short, good])
    assert_mnist_valid(mnist_dir, mnist)
    assert "connection closed after" in capsys.readouterr().out


def test_dead_first_mirror_falls_through(server, mnist, tmp_path, capsys):
    good = serve_mnist(server, "good", mnist)
    mnist_dir = str(tmp_path / "mnist")
    download.download_mnist(mnist_dir, mirrors=[dead_mirror(), good])
    assert_mnist_valid(mnist_dir, mnist)
    assert "connection refused" in capsys.readouterr().out


def test_all_mirrors_fail_exit_2_and_leave_nothing(server, mnist, tmp_path, capsys):
    (server.root / "empty").mkdir()
    dead, empty = dead_mirror(), server.url("empty")
    data_dir = tmp_path / "data"
    code = run_main(["mnist", "--data_dir", str(data_dir), "--mirror", dead, "--mirror", empty])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    for part in ["train-images-idx3-ubyte.gz", dead, "connection refused", empty, "HTTP 404",
                 "by hand into"]:
        assert part in err
    mnist_dir = data_dir / "mnist"
    assert not mnist_dir.exists() and not data_dir.exists()  # no file, no temp file, no empty folder


def test_truncated_existing_file_is_downloaded_again(server, mnist, tmp_path, capsys):
    mirror = serve_mnist(server, "good", mnist)
    mnist_dir = tmp_path / "mnist"
    mnist_dir.mkdir()
    for name, data in mnist.items():
        (mnist_dir / (name + ".gz")).write_bytes(gzip.compress(data))
    partial = mnist_dir / "t10k-images-idx3-ubyte.gz"
    partial.write_bytes(partial.read_bytes()[:50])  # an interrupted earlier download
    download.download_mnist(str(mnist_dir), mirrors=[mirror])
    out = capsys.readouterr().out
    assert "skip" not in out and "t10k-images-idx3-ubyte.gz: not a complete gzip file" in out
    assert server.requests == ["/good/t10k-images-idx3-ubyte.gz"]  # only the broken file
    assert_mnist_valid(str(mnist_dir), mnist)


def test_an_existing_gz_with_damaged_compressed_data_is_downloaded_again(server, mnist, tmp_path, capsys):
    """zlib's own error (bytes changed inside the deflate stream of a real MNIST .gz) is no OSError:
    the file is broken, not the script."""
    mirror = serve_mnist(server, "good", mnist)
    mnist_dir = tmp_path / "mnist"
    mnist_dir.mkdir()
    for name, data in mnist.items():
        (mnist_dir / (name + ".gz")).write_bytes(gzip.compress(data))
    damaged = bytearray(open(os.path.join(REPO, "data", "mnist", "t10k-labels-idx1-ubyte.gz"), "rb").read())
    damaged[1000:1200] = bytes(b ^ 0xFF for b in damaged[1000:1200])
    (mnist_dir / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(damaged))
    download.download_mnist(str(mnist_dir), mirrors=[mirror])
    assert "t10k-labels-idx1-ubyte.gz: not a complete gzip file" in capsys.readouterr().out
    assert server.requests == ["/good/t10k-labels-idx1-ubyte.gz"]
    assert_mnist_valid(str(mnist_dir), mnist)


def test_a_folder_under_an_mnist_files_name_is_one_line(server, mnist, tmp_path, capsys):
    mirror = serve_mnist(server, "good", mnist)
    data_dir = tmp_path / "data"
    (data_dir / "mnist" / "train-images-idx3-ubyte").mkdir(parents=True)
    assert run_main(["mnist", "--data_dir", str(data_dir), "--mirror", mirror]) == 2
    assert capsys.readouterr().err == (f"error: {data_dir / 'mnist' / 'train-images-idx3-ubyte'} is a folder where a "
                                       "downloaded file belongs: move or delete it and run again\n")
    assert (data_dir / "mnist" / "train-images-idx3-ubyte").is_dir()


def test_decompressed_files_count_and_a_corrupt_one_is_replaced(server, mnist, tmp_path, capsys):
    mirror = serve_mnist(server, "good", mnist)
    mnist_dir = tmp_path / "mnist"
    mnist_dir.mkdir()
    for name, data in mnist.items():
        (mnist_dir / name).write_bytes(data)  # the handout's gunzipped files
    download.download_mnist(str(mnist_dir), mirrors=[mirror])
    assert capsys.readouterr().out.strip() == "Found MNIST - skip"

    labels = mnist_dir / "train-labels-idx1-ubyte"
    labels.write_bytes(b"\x00" * 20)  # corrupt: would hide a good .gz from the loader
    download.download_mnist(str(mnist_dir), mirrors=[mirror])
    assert "train-labels-idx1-ubyte: md5 mismatch" in capsys.readouterr().out
    assert not labels.exists()
    assert (mnist_dir / "train-labels-idx1-ubyte.gz").exists()
    assert server.requests == ["/good/train-labels-idx1-ubyte.gz"]


def test_bad_command_lines_exit_2_with_one_line(capsys, tmp_path):
    assert run_main(["mnist", "svhn"]) == 2
    assert capsys.readouterr().err == ("error: unknown dataset svhn; valid names: mnist, cifar10, "
                                       "celebA, inception (e.g. python download.py mnist)\n")
    assert run_main([]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert run_main(["mnist", "--mirror=ftp:/x"]) == 2
    assert "--mirror ftp:/x is not a URL" in capsys.readouterr().err
    for mirror in ("http://[::1", "http://127.0.0.1:port/", "http://127.0.0.1:1/\nx"):
        assert run_main(["mnist", f"--mirror={mirror}", f"--data_dir={tmp_path}"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: --mirror {one_line(mirror)} ") and err.count("\n") == 1, err
    assert err == ("error: --mirror http://127.0.0.1:1/\\nx holds a line break or another control character; "
                   "give the URL alone\n")  # the line break shown as \n
    assert not os.listdir(tmp_path)  # refused before anything was made
    assert run_main(["mnist", "--nosuch"]) == 2
    assert capsys.readouterr().err == "error: Unknown command line flag 'nosuch'; see --help for the flags\n"


def test_script_runs_from_the_command_line(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(REPO, "download.py"), "nope"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: unknown dataset nope") and result.stdout == ""


# ----------------------------------------------------------------------------- CIFAR-10

def cifar_batches():
    """Tiny CIFAR-10 batches: {file name: (data uint8 [n, 3072], labels)}, 4 images each."""
    rng = np.random.RandomState(0)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    return {name: (rng.randint(0, 256, size=(4, 3072)).astype(np.uint8),
                   [int(l) for l in rng.randint(0, 10, size=4)]) for name in names}


def cifar_archive(batches):
    """The bytes of a cifar-10-python.tar.gz holding these batches as pickles."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, (data, labels) in batches.items():
            body = pickle.dumps({b"data": data, b"labels": labels})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def serve_cifar(server, monkeypatch, archive, expected_md5):
    mirror = server.root / "cifar"
    mirror.mkdir()
    (mirror / download.CIFAR10_ARCHIVE).write_bytes(archive)
    monkeypatch.setitem(checksums.EXPECTED_MD5, download.CIFAR10_ARCHIVE, expected_md5)
    return server.url("cifar")


def test_cifar10_download_extract_and_load(server, tmp_path, monkeypatch, capsys):
    batches = cifar_batches()
    archive = cifar_archive(batches)
    mirror = serve_cifar(server, monkeypatch, archive, md5(archive))
    data_dir = tmp_path / "data"
    argv = ["cifar10", "--data_dir", str(data_dir), "--mirror", mirror]
    assert run_main(argv) == 0
    cifar_dir = data_dir / "cifar10"
    assert (cifar_dir / download.CIFAR10_ARCHIVE).read_bytes() == archive
    assert "CIFAR-10 ready" in capsys.readouterr().out

    data = datasets.load_cifar10(str(cifar_dir), classes=["airplane", "automobile"])
    train = [batches[f"data_batch_{i}"] for i in range(1, 6)]
    rows = np.concatenate([d for d, _ in train])
    labels = np.concatenate([l for _, l in train])
    keep = np.isin(labels, [0, 1])
    expected = rows[keep].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # uint8 NHWC
    np.testing.assert_array_equal(data.images, expected)
    np.testing.assert_array_equal(data.labels, labels[keep])  # airplane 0, automobile 1
    assert data.class_names == ["airplane", "automobile"]

    requests = len(server.requests)
    assert run_main(argv) == 0
    assert capsys.readouterr().out.strip() == "Found CIFAR-10 - skip"
    os.remove(cifar_dir / "cifar-10-batches-py" / "test_batch")  # extraction lost a file
    assert run_main(argv) == 0
    assert "Extracting" in capsys.readouterr().out
    assert (cifar_dir / "cifar-10-batches-py" / "test_batch").exists()
    assert len(server.requests) == requests  # the valid archive was not downloaded again


def test_cifar10_wrong_checksum_exit_2(server, tmp_path, monkeypatch, capsys):
    mirror = serve_cifar(server, monkeypatch, cifar_archive(cifar_batches()), "0" * 32)
    data_dir = tmp_path / "data"
    assert run_main(["cifar10", "--data_dir", str(data_dir), "--mirror", mirror]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cifar-10-python.tar.gz" in err and "md5 mismatch" in err
    assert not data_dir.exists()  # the failed download left no empty data/cifar10/ (nor data/)


def flat_batches(per_batch=6):
    """CIFAR-10 batches of flat-coloured photos (JPEG keeps a flat colour to a level or two), each
    image's colour its row number in the training batches, the labels cycling through 0 to 2."""
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    batches = {}
    for b, name in enumerate(names):
        rows = b * per_batch + np.arange(per_batch)
        data = np.repeat((rows * 7 % 256).astype(np.uint8)[:, None], 3072, axis=1)  # [n, 3072]
        batches[name] = (data, [int(r % 3) for r in rows])
    return batches


def test_cifar10_photos_become_a_folder_like_a_students_own(server, tmp_path, monkeypatch, capsys):
    """download.py cifar10 --folder planes_cars --classes airplane,automobile writes the training
    photos of those classes as data/planes_cars/<class>/0000.jpg ..., each the right photo, a folder
    the lab reads like any other; again: skip; a folder holding other files is never touched."""
    archive = cifar_archive(flat_batches())
    mirror = serve_cifar(server, monkeypatch, archive, md5(archive))
    data_dir = tmp_path / "data"
    argv = ["cifar10", "--data_dir", str(data_dir), "--mirror", mirror,
            "--folder", "planes_cars", "--classes", "airplane, automobile"]
    assert run_main(argv) == 0
    out = capsys.readouterr().out
    folder = data_dir / "planes_cars"
    assert f"Wrote {folder}: airplane 10, automobile 10 JPEGs (20 photos of CIFAR-10's training batches)" in out
    assert sorted(os.listdir(folder)) == ["airplane", "automobile"]
    rows = np.arange(30)  # the training rows, in the batches' order
    for label, name in enumerate(["airplane", "automobile"]):
        mine = rows[rows % 3 == label]
        assert sorted(os.listdir(folder / name)) == [f"{i:04d}.jpg" for i in range(len(mine))]
        for i, row in enumerate(mine):
            pixels = np.asarray(Image.open(folder / name / f"{i:04d}.jpg"))
            assert pixels.shape == (32, 32, 3) and abs(pixels.mean() - row * 7 % 256) < 2
    data = datasets.load_dataset("planes_cars", str(data_dir), output_size=32, split="all", log=lambda line: None)
    assert data.class_names == ["airplane", "automobile"] and data.images.shape == (20, 32, 32, 3)

    requests = len(server.requests)
    assert run_main(argv) == 0
    assert f"Found {folder} (20 photos) - skip" in capsys.readouterr().out
    assert len(server.requests) == requests
    (folder / "airplane" / "mine.jpg").write_bytes(b"a student's own photo")
    assert run_main(argv) == 2
    assert capsys.readouterr().err == (f"error: {folder} already exists and holds other files than CIFAR-10's "
                                       "airplane, automobile photos: delete it or choose another --folder\n")
    assert (folder / "airplane" / "mine.jpg").read_bytes() == b"a student's own photo"


def test_a_cifar10_folder_that_cannot_be_written_leaves_nothing(server, tmp_path, monkeypatch, capsys):
    """A full disk halfway through the photos: one line, and no folder with part of them."""
    archive = cifar_archive(flat_batches())
    mirror = serve_cifar(server, monkeypatch, archive, md5(archive))
    saved = []

    def save(image, path, **options):
        if len(saved) == 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        saved.append(path)
        return real_save(image, path, **options)

    real_save = Image.Image.save
    monkeypatch.setattr(Image.Image, "save", save)
    data_dir = tmp_path / "data"
    assert run_main(["cifar10", "--data_dir", str(data_dir), "--mirror", mirror, "--folder", "planes"]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: could not write {data_dir / 'planes'} (No space left on device); nothing of it was kept: "
                   "free some space (or fix the folder) and run the same command again\n")
    assert sorted(os.listdir(data_dir)) == ["cifar10"]  # no planes/, no temporary folder
    assert len(saved) == 5


@pytest.mark.parametrize("argv, message", [
    (["cifar10", "--classes", "airplane"], "--classes picks the classes of a --folder of CIFAR-10 photos; add "
     "--folder NAME (e.g. python download.py cifar10 --folder planes_cars --classes airplane,automobile)"),
    (["mnist", "--folder", "digits"], "--folder writes CIFAR-10's photos as a folder; name cifar10 too (e.g. "
     "python download.py cifar10 --folder planes_cars --classes airplane,automobile)"),
    (["cifar10", "--folder", "../planes"], "--folder ../planes must be a new folder's plain name under --data_dir, "
     "not a path or a dataset's own name (e.g. python download.py cifar10 --folder planes_cars --classes "
     "airplane,automobile)"),
    (["cifar10", "--folder", "mnist"], "--folder mnist must be a new folder's plain name"),
    (["cifar10", "--folder", "pc", "--classes", "airplane,plane,car"], "--classes plane, car: CIFAR-10's classes "
     "are airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck"),
])
def test_a_folder_request_that_cannot_be_done_is_one_line_before_any_download(argv, message, tmp_path, capsys):
    data_dir = tmp_path / "data"
    assert run_main(argv + ["--data_dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert not data_dir.exists()


# ----------------------------------------------------------------------------- fake Google Drive

DRIVE_TOKEN = "Xy9z"        # the confirm token the old Drive endpoint hands out in a cookie
DRIVE_UUID = "0f1e2d3c-uuid"


def send_html(handler, html, status=200, headers=()):
    """Answer with an HTML page (plus any extra headers, e.g. Set-Cookie)."""
    body = html.encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


QUOTA_PAGE = ("<html><head><title>Google Drive - Quota exceeded</title></head><body>Too many "
              "users have viewed or downloaded this file recently.</body></html>")
SIGN_IN_PAGE = "<html><head><title>Sign in - Google Accounts</title></head><body></body></html>"


def serve_drive(server, style, files, page=QUOTA_PAGE):
    """Imitate Google Drive's download endpoint at /<style>/uc for `files` {drive id: bytes};
    returns the mirror URL to pass as --mirror.

    'cookie': the old endpoint: a download_warning cookie holding a token, then the same URL
    with confirm=TOKEN (and the cookie sent back) gets the file. 'form': today's answer, an
    HTML form (hidden id, export, confirm, uuid) to /<style>/download, which gets the file.
    'error': always the HTML `page` (quota exceeded, sign-in, ...).
    """
    base = server.url(style)

    def uc(handler, query):
        body = files.get(query.get("id"))
        cookie = f"download_warning_13058876669334088843_{query.get('id')}"
        if style == "error" or body is None:
            return send_html(handler, page, 200 if style == "error" else 404)
        if style == "cookie":
            if (query.get("confirm") == DRIVE_TOKEN
                    and f"{cookie}={DRIVE_TOKEN}" in handler.headers.get("Cookie", "")):
                return server.send_file(handler, body)
            return send_html(handler, "<html><title>Google Drive - Virus scan warning</title>"
                             "</html>", headers=[("Set-Cookie", f"{cookie}={DRIVE_TOKEN}; Path=/")])
        fields = {"id": query["id"], "export": "download", "confirm": "t", "uuid": DRIVE_UUID}
        inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
        send_html(handler, f'<html><title>Google Drive - Virus scan warning</title><form '
                           f'id="download-form" action="{base}download" method="get">'
                           f'<input type="submit" value="Download anyway">{inputs}</form></html>')

    def usercontent(handler, query):
        if query.get("confirm") == "t" and query.get("uuid") == DRIVE_UUID and query["id"] in files:
            return server.send_file(handler, files[query["id"]])
        send_html(handler, SIGN_IN_PAGE, 400)

    server.routes[f"/{style}/uc"] = uc
    server.routes[f"/{style}/download"] = usercontent
    return base + "uc?export=download"


# ----------------------------------------------------------------------------- synthetic CelebA

CELEBA_COUNT = 3  # faces in the synthetic zip (download.CELEBA_IMAGES is patched to this)


def tiny_jpeg(seed):
    """The bytes of an 8x8 random colour JPEG."""
    from PIL import Image
    pixels = np.random.RandomState(seed).randint(0, 256, size=(8, 8, 3)).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG")
    return buffer.getvalue()


def celeba_zip(faces):
    """The bytes of an img_align_celeba.zip holding `faces` {name: jpeg bytes}, in its folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("img_align_celeba/", b"")
        for name, data in faces.items():
            zf.writestr(f"img_align_celeba/{name}", data)
    return buffer.getvalue()


class CelebA(object):
    """The synthetic CelebA files: faces {name: bytes}, zip and attributes bytes."""

    def __init__(self):
        self.faces = {f"{i:06d}.jpg": tiny_jpeg(i) for i in range(1, CELEBA_COUNT + 1)}
        self.zip = celeba_zip(self.faces)
        self.attributes = (f"{CELEBA_COUNT}\nMale Smiling\n" + "".join(
            f"{name}  {1 - 2 * (i % 2)}  1\n" for i, name in enumerate(self.faces))).encode()

    def drive_files(self):
        """{Drive id: bytes}, as the fake Drive serves them."""
        return {download.DRIVE_IDS[download.CELEBA_ZIP]: self.zip,
                download.DRIVE_IDS[download.CELEBA_ATTRIBUTES]: self.attributes}

    def folder_files(self):
        """{file name: bytes}, as a plain mirror folder holds them."""
        return {download.CELEBA_ZIP: self.zip, download.CELEBA_ATTRIBUTES: self.attributes}


@pytest.fixture
def celeba(monkeypatch):
    """The synthetic CelebA; the expected image count and md5s patched to match it."""
    data = CelebA()
    monkeypatch.setattr(download, "CELEBA_IMAGES", CELEBA_COUNT)
    monkeypatch.setitem(checksums.EXPECTED_MD5, download.CELEBA_ZIP, md5(data.zip))
    monkeypatch.setitem(checksums.EXPECTED_MD5, download.CELEBA_ATTRIBUTES, md5(data.attributes))
    return data


def serve_folder(server, folder, files):
    """A plain mirror: the served `folder` holding `files` {name: bytes}; returns its URL."""
    (server.root / folder).mkdir()
    for name, data in files.items():
        (server.root / folder / name).write_bytes(data)
    return server.url(folder)


def assert_celeba_valid(data_dir, celeba):
    """data_dir holds exactly celebA/ (the faces, flat, and the attributes file): no zip, no
    .part, no temporary folder left."""
    assert os.listdir(data_dir) == ["celebA"]
    folder = data_dir / "celebA"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o777 & ~umask  # not mkdtemp's 0700
    assert sorted(os.listdir(folder)) == sorted(celeba.faces) + [download.CELEBA_ATTRIBUTES]
    for name, data in celeba.faces.items():
        assert (folder / name).read_bytes() == data
    assert (folder / download.CELEBA_ATTRIBUTES).read_bytes() == celeba.attributes
    images = datasets.load_dataset("celebA", str(data_dir), output_size=8, split="all",
                                   log=lambda *a: None).images
    assert images.shape == (CELEBA_COUNT, 8, 8, 3)


def celeba_argv(data_dir, *mirrors):
    return ["celebA", "--data_dir", str(data_dir)] + [a for m in mirrors for a in ("--mirror", m)]


def assert_one_error_line(capsys, *parts):
    """The run printed exactly one line on stderr, `error: ...`, containing every part."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    for part in parts:
        assert part in err, (part, err)
    return err


# ----------------------------------------------------------------------------- CelebA tests

@pytest.mark.parametrize("style", ["cookie", "form"])
def test_celeba_through_drive_handshake_then_skip(server, celeba, tmp_path, capsys, style):
    mirror = serve_drive(server, style, celeba.drive_files())
    data_dir = tmp_path / "data"
    assert run_main(celeba_argv(data_dir, mirror)) == 0
    assert_celeba_valid(data_dir, celeba)
    out = capsys.readouterr().out
    assert "celebA ready" in out and re.search(r"\d+\.\d / \d+\.\d MB \(100%\), [\d.]+ MB/s", out)
    zip_id = download.DRIVE_IDS[download.CELEBA_ZIP]
    confirmed = {"cookie": f"/cookie/uc?export=download&id={zip_id}&confirm={DRIVE_TOKEN}",
                 "form": f"/form/download?id={zip_id}&export=download&confirm=t&uuid={DRIVE_UUID}"}
    assert confirmed[style] in server.requests

    server.close()  # a second run must not need the network at all
    assert run_main(celeba_argv(data_dir, mirror)) == 0
    assert capsys.readouterr().out.strip() == "Found celebA - skip"


def test_celeba_from_a_local_folder_mirror(celeba, tmp_path, capsys):
    mirror = tmp_path / "copy"
    mirror.mkdir()
    for name, data in celeba.folder_files().items():
        (mirror / name).write_bytes(data)
    data_dir = tmp_path / "data"
    assert run_main(celeba_argv(data_dir, mirror.as_uri() + "/")) == 0
    assert_celeba_valid(data_dir, celeba)


def test_celeba_zip_copied_by_hand_is_checked_and_unpacked(celeba, tmp_path, capsys):
    data_dir = tmp_path / "data"
    stale = data_dir / ".tmp-celebA-k1lled"  # a run killed while unpacking
    stale.mkdir(parents=True)
    (stale / "000001.jpg").write_bytes(b"half")
    (data_dir / "img_align_celeba.zip").write_bytes(celeba.zip)
    (data_dir / "celebA").mkdir()
    (data_dir / "celebA" / download.CELEBA_ATTRIBUTES).write_bytes(celeba.attributes)
    assert run_main(celeba_argv(data_dir, dead_mirror())) == 0  # no download needed
    assert_celeba_valid(data_dir, celeba)
    assert "Removing .tmp-celebA-k1lled" in capsys.readouterr().out


def test_celeba_resumes_a_partial_download(server, celeba, tmp_path, capsys):
    mirror = serve_drive(server, "form", celeba.drive_files())
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    done = len(celeba.zip) // 3
    (data_dir / "img_align_celeba.zip.part").write_bytes(celeba.zip[:done])  # a killed run
    assert run_main(celeba_argv(data_dir, mirror)) == 0
    assert_celeba_valid(data_dir, celeba)
    assert "continuing from" in capsys.readouterr().out
    assert server.ranges == [f"bytes={done}-", None]  # the zip's rest, then the attributes
    assert server.sent == len(celeba.zip) - done + len(celeba.attributes)


def test_celeba_part_that_is_already_whole_is_checked_not_downloaded(server, celeba, tmp_path,
                                                                     capsys):
    mirror = serve_drive(server, "form", celeba.drive_files())
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "img_align_celeba.zip.part").write_bytes(celeba.zip)  # killed before the check
    assert run_main(celeba_argv(data_dir, mirror)) == 0
    assert_celeba_valid(data_dir, celeba)
    assert "nothing after the partial file" in capsys.readouterr().out
    assert server.sent == len(celeba.attributes)


def test_celeba_starts_over_when_the_server_cannot_resume(server, celeba, tmp_path, capsys):
    mirror = serve_folder(server, "plain", celeba.folder_files())  # http.server ignores Range
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "img_align_celeba.zip.part").write_bytes(b"junk from another file" * 10)
    assert run_main(celeba_argv(data_dir, mirror)) == 0
    assert_celeba_valid(data_dir, celeba)
    assert "starting over" in capsys.readouterr().out


def test_celeba_wrong_content_range_fails_that_mirror_and_keeps_the_part(server, celeba,
                                                                          tmp_path, capsys):
    def wrong_range(handler, query):  # answers from byte 0 while claiming a partial answer
        handler.send_response(206)
        handler.send_header("Content-Range", f"bytes 0-{len(celeba.zip) - 1}/{len(celeba.zip)}")
        handler.send_header("Content-Length", str(len(celeba.zip)))
        handler.end_headers()
        handler.wfile.write(celeba.zip)

    server.routes["/wrong/img_align_celeba.zip"] = wrong_range
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    part = data_dir / "img_align_celeba.zip.part"
    part.write_bytes(celeba.zip[:100])
    assert run_main(celeba_argv(data_dir, server.url("wrong"))) == 2
    assert_one_error_line(capsys, "answered bytes 'bytes 0-", "asked from byte 100")
    assert part.read_bytes() == celeba.zip[:100]  # kept for the next run, nothing else made
    assert os.listdir(data_dir) == [part.name]


@pytest.mark.parametrize("page, reason", [
    (QUOTA_PAGE, "quota exceeded: Google Drive sent an HTML page"),
    (SIGN_IN_PAGE, "an HTML page, not the file")])
def test_celeba_drive_html_answer_is_never_saved(server, celeba, tmp_path, capsys, page, reason):
    drive = serve_drive(server, "error", celeba.drive_files(), page)
    dead = dead_mirror()
    data_dir = tmp_path / "data"
    assert run_main(celeba_argv(data_dir, drive, dead)) == 2
    assert_one_error_line(capsys, "img_align_celeba.zip", reason, drive, dead,
                          "connection refused", f"by hand into {data_dir}/")
    assert not data_dir.exists()  # nothing saved, no empty folder left


def test_celeba_md5_mismatch_is_an_error_and_leaves_nothing(server, celeba, tmp_path, capsys,
                                                            monkeypatch):
    monkeypatch.setitem(checksums.EXPECTED_MD5, download.CELEBA_ZIP, "0" * 32)
    mirror = serve_drive(server, "form", celeba.drive_files())
    data_dir = tmp_path / "data"
    assert run_main(celeba_argv(data_dir, mirror)) == 2
    assert_one_error_line(capsys, "img_align_celeba.zip", "md5 mismatch")
    assert not data_dir.exists()  # the bad copy (and its .part) is gone, and the folders it made


@pytest.mark.parametrize("bad", ["not a zip", "a face missing"])
def test_celeba_bad_zip_is_an_error_and_unpacks_nothing(server, celeba, tmp_path, capsys,
                                                        monkeypatch, bad):
    body = (b"PK\x03\x04 but not really a zip" if bad == "not a zip"
            else celeba_zip(dict(list(celeba.faces.items())[:-1])))
    monkeypatch.setitem(checksums.EXPECTED_MD5, download.CELEBA_ZIP, md5(body))
    mirror = serve_drive(server, "cookie", {download.DRIVE_IDS[download.CELEBA_ZIP]: body})
    data_dir = tmp_path / "data"
    assert run_main(celeba_argv(data_dir, mirror)) == 2
    assert_one_error_line(capsys, "img_align_celeba.zip", "delete it and run again",
                          "not a valid zip file" if bad == "not a zip" else "1 of 3 images missing")
    assert os.listdir(data_dir) == ["img_align_celeba.zip"]  # no celebA/, no temporary folder


@pytest.mark.parametrize("kind", ["trickle", "silent"])
def test_celeba_stalled_server_fails_instead_of_hanging(server, celeba, tmp_path, capsys,
                                                        monkeypatch, kind):
    def slow(handler, query):
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(celeba.zip)))
        handler.end_headers()
        for i in range(100):  # at most 2 s; the client gives up long before
            try:
                if kind == "trickle":
                    handler.wfile.write(celeba.zip[i:i + 1])
            except OSError:
                return
            time.sleep(0.02)

    server.routes["/slow/img_align_celeba.zip"] = slow
    monkeypatch.setattr(transport, "STALL_S", 0.3)
    monkeypatch.setattr(transport, "TIMEOUT_S", 0.3)
    data_dir = tmp_path / "data"
    start = time.monotonic()
    assert run_main(celeba_argv(data_dir, server.url("slow"))) == 2
    assert time.monotonic() - start < 1.5
    assert_one_error_line(capsys, "stalled: only" if kind == "trickle" else "timed out")
    assert set(os.listdir(data_dir)) <= {"img_align_celeba.zip.part"}  # only the partial file


def stream_forever(sent):
    """A route answering with an endless body (no Content-Length), as a broken or hostile mirror
    can; sent[0] counts the bytes it got out before the client hung up (it gives up at 64 MiB)."""
    def handler(handler, query):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.end_headers()
        chunk = bytes(64 << 10)
        while sent[0] < 64 << 20:
            try:
                handler.wfile.write(chunk)
            except OSError:
                return
            sent[0] += len(chunk)
    return handler


def announce_a_terabyte(handler, query):
    """A route whose answer claims to be a terabyte long."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(10 ** 12))
    handler.end_headers()


@pytest.mark.parametrize("dataset, kind", [("celebA", "endless"), ("celebA", "terabyte"),
                                           ("mnist", "endless")])
def test_a_mirror_sending_more_than_the_real_file_is_stopped_and_blamed(
        server, celeba, mnist, tmp_path, capsys, monkeypatch, dataset, kind):
    sent = [0]
    name = "img_align_celeba.zip" if dataset == "celebA" else "train-images-idx3-ubyte.gz"
    route = stream_forever(sent) if kind == "endless" else announce_a_terabyte
    server.routes[f"/bad/{name}"] = route
    limit = len(celeba.zip) if dataset == "celebA" else 10000  # the real files' sizes, scaled down
    monkeypatch.setitem(checksums.MAX_BYTES, checksums.CELEBA_ZIP, limit)
    monkeypatch.setitem(checksums.MAX_BYTES, "train-images-idx3-ubyte", limit)
    data_dir = tmp_path / "data"
    assert run_main([dataset, "--data_dir", str(data_dir), "--mirror", server.url("bad")]) == 2
    reason = (f"sent more than the {limit:,} bytes of the real file: stopped" if kind == "endless"
              else f"announced 1,000,000,000,000 bytes, more than the {limit:,} of the real file")
    err = assert_one_error_line(capsys, f"could not download {name}", server.url("bad"), reason)
    assert "disk" not in err
    assert sent[0] < 32 << 20  # the client hung up long before the server's 64 MiB
    left = [p for p in data_dir.rglob("*") if p.is_file()]
    assert left == []  # no .part, no temporary file: nothing filled the disk


@pytest.mark.parametrize("bad", ["large", "bomb"])
def test_celeba_zip_member_larger_than_a_face_is_refused_before_unpacking(
        server, celeba, tmp_path, capsys, monkeypatch, bad):
    faces = dict(celeba.faces)
    if bad == "large":
        monkeypatch.setattr(download, "MAX_JPEG_BYTES", 1000)  # the tiny faces are ~700 bytes
        faces["000002.jpg"] = np.random.RandomState(0).bytes(5000)
        body = celeba_zip(faces)
    else:  # a face of 512 KiB of zeros (under the size bound), deflated to 500 bytes
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in dict(faces, **{"000002.jpg": bytes(512 << 10)}).items():
                zf.writestr(f"img_align_celeba/{name}", data)
        body = buffer.getvalue()
    monkeypatch.setitem(checksums.EXPECTED_MD5, download.CELEBA_ZIP, md5(body))
    mirror = serve_folder(server, "plain", {download.CELEBA_ZIP: body})
    data_dir = tmp_path / "data"
    assert run_main(celeba_argv(data_dir, mirror)) == 2
    assert_one_error_line(capsys, "img_align_celeba.zip is refused: its member "
                          "img_align_celeba/000002.jpg ", "delete it and run again",
                          "more than a CelebA face can be (1,000)" if bad == "large" else
                          "unpacks to 524,288 bytes from ")
    assert os.listdir(data_dir) == ["img_align_celeba.zip"]  # nothing unpacked


def test_inception_archive_member_larger_than_the_graph_is_refused_unread(server, tmp_path,
                                                                         capsys, monkeypatch):
    monkeypatch.setitem(checksums.MAX_BYTES, checksums.INCEPTION_GRAPH, 1 << 20)
    archive = inception_tgz({"classify_image_graph_def.pb": bytes(8 << 20)})  # 8 MiB in 8 KB
    mirror = serve_folder(server, "models", {download.INCEPTION_ARCHIVE: archive})
    data_dir = tmp_path / "data"
    tracemalloc.start()
    try:
        assert run_main(["inception", "--data_dir", str(data_dir), "--mirror", mirror]) == 2
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_one_error_line(capsys, "its member classify_image_graph_def.pb is 8,388,608 bytes, "
                          "more than the 1,048,576 it can be")
    assert peak < 4 << 20  # the member was never read into memory
    assert not data_dir.exists()  # nothing of the archive, no empty folder


class FullDisk(object):
    """A file opened for writing on a disk that is full: every write fails with ENOSPC."""

    def __init__(self, f):
        self.f = f

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


@pytest.mark.parametrize("when", ["downloading", "unpacking"])
def test_celeba_disk_full_is_one_line_and_leaves_no_temp_file(server, celeba, tmp_path, capsys,
                                                              monkeypatch, when):
    def open_on_full_disk(path, mode="r", *args, **kwargs):
        f = open(path, mode, *args, **kwargs)
        full = "r" not in mode and str(path).endswith(".part" if when == "downloading" else ".jpg")
        return FullDisk(f) if full else f

    monkeypatch.setattr(transport, "open", open_on_full_disk, raising=False)
    mirror = serve_drive(server, "form", celeba.drive_files())
    data_dir = tmp_path / "data"
    assert run_main(celeba_argv(data_dir, mirror)) == 2
    assert_one_error_line(capsys, "cannot write", "No space left on device", "free some disk space")
    if when == "unpacking":
        assert os.listdir(data_dir) == ["img_align_celeba.zip"]  # the verified zip stays
    else:
        assert not data_dir.exists()  # no .part, no temporary file, no empty folder


def make_celeba_folder(data_dir, celeba):
    """A complete data_dir/celebA, as a finished download leaves it."""
    folder = data_dir / "celebA"
    folder.mkdir(parents=True)
    for name, data in celeba.faces.items():
        (folder / name).write_bytes(data)
    (folder / download.CELEBA_ATTRIBUTES).write_bytes(celeba.attributes)
    return folder


def test_celeba_folder_with_missing_or_extra_images_is_an_error(celeba, tmp_path, capsys):
    data_dir = tmp_path / "data"
    folder = make_celeba_folder(data_dir, celeba)
    argv = celeba_argv(data_dir, dead_mirror())
    assert run_main(argv) == 0
    assert capsys.readouterr().out.strip() == "Found celebA - skip"

    (folder / "000002.jpg").unlink()
    assert run_main(argv) == 2
    assert_one_error_line(capsys, f"{folder} is not the complete CelebA folder",
                          "1 of 3 images missing (e.g. 000002.jpg)", f"remove {folder}")
    (folder / "000002.jpg").write_bytes(celeba.faces["000002.jpg"])
    (folder / "nested").mkdir()
    (folder / "nested" / "me.jpg").write_bytes(tiny_jpeg(9))
    assert run_main(argv) == 2
    assert_one_error_line(capsys, "1 unexpected image file(s) (e.g. nested/me.jpg)")


def test_celeba_only_the_broken_attributes_file_is_downloaded(server, celeba, tmp_path, capsys):
    mirror = serve_drive(server, "form", celeba.drive_files())
    data_dir = tmp_path / "data"
    folder = make_celeba_folder(data_dir, celeba)
    (folder / download.CELEBA_ATTRIBUTES).write_bytes(b"3\ntruncated")
    assert run_main(celeba_argv(data_dir, mirror)) == 0
    assert_celeba_valid(data_dir, celeba)
    assert "list_attr_celeba.txt: md5 mismatch" in capsys.readouterr().out
    assert server.ranges == [None] and server.sent == len(celeba.attributes)


@pytest.mark.parametrize("mirror", ["data/faces", "ftp://example.org/x/", "http:///nohost"])
def test_mirror_that_is_not_a_url_is_one_line(tmp_path, capsys, mirror):
    assert run_main(celeba_argv(tmp_path / "data", mirror)) == 2
    assert_one_error_line(capsys, f"--mirror {mirror} is not a URL", "file:///")
    assert not (tmp_path / "data").exists()


# ----------------------------------------------------------------------------- Inception graph

def tiny_graph(names=("ExpandDims", "pool_3", "softmax")):
    """The serialised GraphDef of a three-op graph whose nodes carry the given names (the real
    Inception graph's input, 2048-d features and class probabilities)."""
    import tensorflow as tf
    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, [None, 4], name=names[0])
        features = tf.identity(images, name=names[1])
        tf.nn.softmax(features, name=names[2])
    return graph.as_graph_def().SerializeToString()


def inception_tgz(files):
    """The bytes of an inception-2015-12-05.tgz holding `files` {name: bytes} at its top."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, body in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def pin_graph(monkeypatch, graph):
    """Make `graph` (bytes) the one whose md5 checksums.py pins, as if it were the real one."""
    monkeypatch.setitem(checksums.EXPECTED_MD5, checksums.INCEPTION_GRAPH, md5(graph))
    return graph


def test_inception_download_extract_then_skip(server, tmp_path, capsys, monkeypatch):
    graph = pin_graph(monkeypatch, tiny_graph())
    archive = inception_tgz({"LICENSE": b"Apache 2.0", "./classify_image_graph_def.pb": graph})
    mirror = serve_folder(server, "models", {download.INCEPTION_ARCHIVE: archive})
    data_dir = tmp_path / "data"
    argv = ["inception", "--data_dir", str(data_dir), "--mirror", mirror]
    assert run_main(argv) == 0
    out = capsys.readouterr().out
    assert "inception-2015-12-05.tgz: missing - downloading it" in out
    assert "Inception graph ready" in out
    assert os.listdir(data_dir / "inception") == ["classify_image_graph_def.pb"]  # no archive
    assert (data_dir / "inception" / "classify_image_graph_def.pb").read_bytes() == graph

    server.close()
    assert run_main(argv) == 0
    assert capsys.readouterr().out.strip() == "Found inception - skip"


@pytest.mark.parametrize("bad", ["another graph", "no pool_3", "no graph", "not a graph",
                                 "truncated"])
def test_inception_bad_archive_is_one_line_and_leaves_nothing(server, tmp_path, capsys, bad,
                                                              monkeypatch):
    graph = {"no pool_3": tiny_graph(("ExpandDims", "pool_2", "softmax")),
             "not a graph": b"\xff" * 64}.get(bad, tiny_graph())
    if bad != "another graph":  # the others get past the md5 check, to the checks after it
        pin_graph(monkeypatch, graph)
    archive = inception_tgz({"LICENSE": b"x"} if bad == "no graph" else
                            {"classify_image_graph_def.pb": graph})
    if bad == "truncated":
        archive = archive[:len(archive) // 2]
    mirror = serve_folder(server, "models", {download.INCEPTION_ARCHIVE: archive})
    data_dir = tmp_path / "data"
    assert run_main(["inception", "--data_dir", str(data_dir), "--mirror", mirror]) == 2
    reason = {"another graph": "is not the 2015-12-05 graph (md5 mismatch)",
              "no pool_3": "not the Inception graph (no node pool_3)",
              "no graph": "no classify_image_graph_def.pb in it",
              "not a graph": "not a TensorFlow GraphDef",
              "truncated": "not a complete .tgz archive"}[bad]
    assert_one_error_line(capsys, download.INCEPTION_ARCHIVE, reason, mirror)
    assert not data_dir.exists()  # nothing of the archive, no empty folder


def test_inception_broken_graph_on_disk_is_downloaded_again(server, tmp_path, capsys,
                                                           monkeypatch):
    graph = pin_graph(monkeypatch, tiny_graph())
    mirror = serve_folder(server, "models", {download.INCEPTION_ARCHIVE: inception_tgz(
        {"classify_image_graph_def.pb": graph})})
    folder = tmp_path / "data" / "inception"
    folder.mkdir(parents=True)
    (folder / "classify_image_graph_def.pb").write_bytes(tiny_graph(("a", "b", "c")))
    assert run_main(["inception", "--data_dir", str(tmp_path / "data"), "--mirror", mirror]) == 0
    assert "not the 2015-12-05 graph (md5 mismatch) - downloading it again" \
        in capsys.readouterr().out
    assert (folder / "classify_image_graph_def.pb").read_bytes() == graph


@pytest.mark.parametrize("pinned", [False, True])
def test_inception_graph_that_writes_a_file_is_refused_and_nothing_is_kept(
        server, tmp_path, capsys, monkeypatch, pinned):
    """A graph whose pool_3 has a WriteFile op as control dependency: refused by its md5 and,
    should its md5 be the pinned one, by its ops, before anything imports it."""
    import tiny_inception
    marker = tmp_path / "written_by_the_graph"
    graph = open(tiny_inception.file_writing_graph(str(tmp_path / "crafted.pb"), marker),
                 "rb").read()
    if pinned:
        pin_graph(monkeypatch, graph)
    mirror = serve_folder(server, "models", {download.INCEPTION_ARCHIVE: inception_tgz(
        {"classify_image_graph_def.pb": graph})})
    data_dir = tmp_path / "data"
    assert run_main(["inception", "--data_dir", str(data_dir), "--mirror", mirror]) == 2
    assert_one_error_line(capsys, "its classify_image_graph_def.pb is " + (
        "refused (its node WriteFile is a WriteFile op, which the Inception graph does not have)"
        if pinned else "not the 2015-12-05 graph (md5 mismatch)"))
    assert not data_dir.exists() and not marker.exists()


def test_inception_default_mirrors_are_https():
    assert all(mirror.startswith("https://") for mirror in download.INCEPTION_MIRRORS)


def test_importing_download_does_not_import_tensorflow():
    code = "import sys, download; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


# ----------------------------------------------------------------------------- Ctrl-C, kills

def temporary_files(folder):
    """The .tmp-* files and folders anywhere under folder."""
    return [p for p in folder.rglob(".tmp-*")]


def start_download(dataset, data_dir, mirror):
    """`python download.py DATASET` in a subprocess (its own process, so it can be killed)."""
    return subprocess.Popen([sys.executable, os.path.join(REPO, "download.py"), dataset,
                             "--data_dir", str(data_dir), "--mirror", mirror],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def serve_a_trickle(server, path, body):
    """Serve `body` at `path`: 200 bytes at once, then a byte every 0.1 s (a slow mirror) until
    the client is gone. The returned event is set once the 200 bytes are out."""
    started = threading.Event()

    def trickle(handler, query):
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[:200])
        handler.wfile.flush()
        started.set()
        for i in range(200, min(len(body), 500)):
            time.sleep(0.1)
            try:
                handler.wfile.write(body[i:i + 1])
            except OSError:
                return
    server.routes[path] = trickle
    return started


def wait_for(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize("dataset, sig", [("celebA", signal.SIGINT), ("celebA", signal.SIGTERM),
                                          ("mnist", signal.SIGTERM)],
                         ids=["celebA-ctrl-c", "celebA-kill", "mnist-kill"])
def test_ctrl_c_or_a_kill_during_a_download_is_one_line_and_exit_130_or_143(
        server, celeba, mnist, tmp_path, dataset, sig):
    data_dir = tmp_path / "data"
    name = "img_align_celeba.zip" if dataset == "celebA" else "train-images-idx3-ubyte.gz"
    body = celeba.zip if dataset == "celebA" else gzip.compress(mnist["train-images-idx3-ubyte"])
    started = serve_a_trickle(server, f"/slow/{name}", body)
    process = start_download(dataset, data_dir, server.url("slow"))
    try:
        assert started.wait(20)
        folder = data_dir if dataset == "celebA" else data_dir / "mnist"
        wait_for(lambda: os.path.exists(folder / (name + ".part")) or temporary_files(folder))
        time.sleep(0.2)  # let it read the 200 bytes
        process.send_signal(sig)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == (130 if sig == signal.SIGINT else 143)
    part = folder / (name + ".part")
    kept = f"the partial download is kept in {part}" if dataset == "celebA" else \
        "no half-written file was kept"
    how = "Ctrl-C" if sig == signal.SIGINT else "SIGTERM"
    assert stderr == (f"stopped ({how}) before the end; {kept}: run the same command again to "
                      "go on\n")  # one line, no traceback
    assert temporary_files(data_dir) == []
    if dataset == "celebA":
        assert body.startswith(part.read_bytes())  # what had arrived, for the next run


def test_temporary_files_a_killed_download_left_are_removed_by_the_next_run_of_any_dataset(
        server, mnist, tmp_path, capsys):
    data_dir = tmp_path / "data"
    started = serve_a_trickle(server, "/slow/train-images-idx3-ubyte.gz",
                              gzip.compress(mnist["train-images-idx3-ubyte"]))
    process = start_download("mnist", data_dir, server.url("slow"))
    try:
        assert started.wait(20)
        wait_for(lambda: temporary_files(data_dir))
        process.send_signal(signal.SIGKILL)  # no chance to clean up
        process.communicate(timeout=20)
    finally:
        process.kill()
    left = temporary_files(data_dir)
    assert [p.name.startswith(f".tmp-{process.pid}-") for p in left] == [True]
    code = run_main(["cifar10", "--data_dir", str(data_dir), "--mirror", dead_mirror()])
    assert code == 2  # this run fails (no mirror), but it cleaned up first
    assert temporary_files(data_dir) == []
    assert f"Removing {left[0].name}, left by an interrupted run" in capsys.readouterr().out


def test_a_data_dir_that_is_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "data").write_text("not a folder")
    assert run_main(["mnist", "--data_dir", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: --data_dir {tmp_path / 'data'} is a file, not a folder; name a folder (the datasets go " \
                  "in sub-folders of it), e.g. --data_dir ./data\n"
    assert (tmp_path / "data").read_text() == "not a folder"
