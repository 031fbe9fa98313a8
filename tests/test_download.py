"""Tests for download.py against a local HTTP server serving small synthetic files.

No internet: each test starts a server on 127.0.0.1 that serves folders of tiny MNIST-
and CIFAR-10-format files, and patches download.EXPECTED_MD5 to their checksums.
"""
import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import socket
import subprocess
import sys
import tarfile
import threading

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import datasets  # noqa: E402
import download  # noqa: E402

MNIST_COUNT = 3  # images per synthetic MNIST file


# ----------------------------------------------------------------------------- local server

class Server(object):
    """A ThreadingHTTPServer on 127.0.0.1 serving `root`; remembers the paths requested.

    Files under a folder named "short" are sent with a Content-Length 100 bytes too big,
    like a connection that drops before the end of the file.
    """

    def __init__(self, root):
        self.root, self.requests = root, []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
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
    """download.main(argv); returns its exit code (0 when it returns normally)."""
    try:
        download.main(argv)
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
        monkeypatch.setitem(download.EXPECTED_MD5, name, md5(data))
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
    images = datasets.read_idx(os.path.join(mnist_dir, "train-images-idx3-ubyte"), 2051,
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
    assert not mnist_dir.exists() or os.listdir(mnist_dir) == []  # no file, no temp file


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


def test_bad_command_lines_exit_2_with_one_line(capsys):
    assert run_main(["mnist", "svhn"]) == 2
    assert capsys.readouterr().err == "error: unknown dataset svhn; valid names: mnist, cifar10\n"
    assert run_main([]) == 2
    assert capsys.readouterr().err.count("\n") == 1


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
    monkeypatch.setitem(download.EXPECTED_MD5, download.CIFAR10_ARCHIVE, expected_md5)
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
    assert os.listdir(data_dir / "cifar10") == []
