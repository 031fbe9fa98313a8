"""explore.py and explorer/: the HTTP API with a real client (every endpoint, bad requests, limits),
pictures equal to test mode's pixel for pixel, the controls doing what they say, broken runs as
messages, and the page itself in headless Chromium. The runs are the tiny checked-in ones
(tests/data/old_runs) plus broken copies."""
import collections
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import types

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import testmode
from explorer import catalog
from explorer.pool import Pool, TEST_MODE_BATCH, scene_noise
from explorer.scene import ApiError, Scene, Slider, Walk
from explorer.server import Explorer, RateLimit, make_server
import browser as chromium

tf1 = tf.compat.v1
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OLD = os.path.join(REPO, "tests", "data", "old_runs", "checkpoint")
GOOD = ["mnist_28_28", "biggan_mnist_28_28", "toys_16_16"]


def broken_runs(root):
    """Next to copies of the old runs: a damaged config.json, a config.json without a checkpoint,
    and a checkpoint whose weights file is cut short."""
    for name in GOOD:
        shutil.copytree(os.path.join(OLD, name), root / name)
    (root / "damaged_config").mkdir()
    (root / "damaged_config" / "config.json").write_text("{half a file")
    (root / "no_checkpoint").mkdir()
    shutil.copy(os.path.join(OLD, "mnist_28_28", "config.json"), root / "no_checkpoint")
    shutil.copytree(os.path.join(OLD, "mnist_28_28"), root / "cut_weights")
    data = root / "cut_weights" / "DCGAN.model-2.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:100])
    (root / "deep_config").mkdir()                   # a config.json nested without end
    (root / "deep_config" / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    shutil.copytree(os.path.join(OLD, "mnist_28_28"), root / "random_index")  # an index of random bytes
    (root / "random_index" / "DCGAN.model-2.index").write_bytes(np.random.RandomState(0).bytes(3000))
    (root / "random_index" / "checkpoint").write_bytes(np.random.RandomState(1).bytes(300))
    (root / "model_list").mkdir()                    # a config.json whose "model" is no name
    (root / "model_list" / "config.json").write_text('{"model": ["x"], "z_dim": 100}')
    os.utime(root / "mnist_28_28" / "config.json")  # the newest usable run
    (root / "stray_folder").mkdir()                  # not a run: not listed
    return str(root)


class Client:
    """A real HTTP client (http.client) for one server; each request its own connection."""

    def __init__(self, server):
        self.host, self.port = server.server_address[:2]

    def request(self, method, path, body=None, headers=None, raw=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        sent = {"Content-Type": "application/json"} if data is not None else {}
        connection.request(method, path, body=data, headers=dict(sent, **(headers or {})))
        response = connection.getresponse()
        result = response.status, dict(response.getheaders()), response.read()
        connection.close()
        return result

    def json(self, method, path, body=None, **kwargs):
        status, headers, data = self.request(method, path, body, **kwargs)
        return status, json.loads(data)

    def picture(self, scene):
        status, headers, data = self.request("POST", "/api/images", scene)
        assert status == 200, data
        return np.asarray(Image.open(io.BytesIO(data))), headers


def serve(app):
    server = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = broken_runs(tmp_path_factory.mktemp("checkpoint"))
    pool = Pool(threads=1)
    server = serve(Explorer(folder, pool))
    yield types.SimpleNamespace(client=Client(server), folder=folder, server=server, pool=pool)
    server.shutdown()
    server.server_close()
    pool.close()


# ---------------------------------------------------------------- the endpoints

def test_the_runs_are_listed_newest_first_and_broken_ones_say_why(site):
    status, listing = site.client.json("GET", "/api/runs")
    assert status == 200
    found = {run["name"]: run for run in listing["runs"]}
    assert set(found) == set(GOOD) | {"damaged_config", "no_checkpoint", "cut_weights", "deep_config", "random_index",
                                      "model_list"}
    assert listing["newest"] == "mnist_28_28" == listing["runs"][0]["name"]
    mnist = found["mnist_28_28"]
    assert (mnist["model"], mnist["dataset"], mnist["size"], mnist["iterations"], mnist["conditional"]) == \
        ("DCGAN", "mnist", 28, 2, True)
    assert found["toys_16_16"]["conditional"] is False and found["biggan_mnist_28_28"]["z_range"] == [-2, 2]
    assert "is not valid JSON" in found["damaged_config"]["problem"]
    assert "has a config.json but no checkpoint" in found["no_checkpoint"]["problem"]
    assert "nested too deep" in found["deep_config"]["problem"]
    assert "its model is \"['x']\", not DCGAN or BigGAN" in found["model_list"]["problem"]
    assert found["cut_weights"]["problem"] is None  # found once it is loaded


@pytest.mark.parametrize("host", ["localhost:9000", "127.0.0.1", "[::1]:8000"])
def test_any_loopback_name_and_port_is_answered_as_through_an_ssh_tunnel(site, host):
    assert site.client.request("GET", "/api/runs", headers={"Host": host})[0] == 200


def test_the_page_is_one_file_with_a_strict_policy(site):
    status, headers, data = site.client.request("GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert b"/api/images" in data and b"<script src" not in data  # nothing loaded from elsewhere


@pytest.mark.parametrize("name,note", [("mnist_28_28", ""), ("biggan_mnist_28_28", "EMA generator")])
def test_load_says_what_it_loaded(site, name, note):
    status, loaded = site.client.json("POST", "/api/load", {"run": name})
    assert status == 200 and loaded["iteration"] == 2 and loaded["note"] == note and loaded["load_seconds"] > 0


def test_directions_are_shares_of_the_change_strongest_first(site):
    status, reply = site.client.json("POST", "/api/directions", {"run": "mnist_28_28"})
    shares = reply["shares"]
    assert status == 200 and len(shares) == 8 and shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 1


# ---------------------------------------------------------------- the same pictures as test mode

@pytest.mark.parametrize("name,truncations", [("mnist_28_28", [None]), ("biggan_mnist_28_28", [None, 0.5]),
                                              ("toys_16_16", [None])])
def test_the_page_draws_test_modes_pictures_pixel_for_pixel(site, tmp_path, name, truncations):
    """testmode.test_mode itself (as `python main.py --dataset mnist --seed 3` runs it) writes
    test_random.png; the API's picture for the same seed, number and classes is its grid, pixel for pixel."""
    with tf.Graph().as_default(), tf1.Session() as sess:
        model, iteration = testmode.from_run(sess, os.path.join(site.folder, name), "main.py", "mnist", TEST_MODE_BATCH)
        for truncation in truncations:  # BigGAN: as biggan/main.py --truncation sets it
            model.truncation = truncation
            testmode.test_mode(model, iteration, str(tmp_path), TEST_MODE_BATCH, seed=3)
            titled = np.asarray(Image.open(tmp_path / "test_random.png"))
            scene = dict({"run": name, "seed": 3, "n": TEST_MODE_BATCH, "label": "cycle"},
                         **({"truncation": truncation} if truncation else {}))
            shown, headers = site.client.picture(scene)
            assert headers["X-Grid"] == "8x8" and shown.dtype == np.uint8
            np.testing.assert_array_equal(shown, titled[-shown.shape[0]:])  # the grid below its title strip


# ---------------------------------------------------------------- the controls

def cells(grid, rows, cols):
    """A grid picture cut into its cells [rows * cols, h, w, ...]."""
    h, w = grid.shape[0] // rows, grid.shape[1] // cols
    return np.stack([grid[r * h:(r + 1) * h, c * w:(c + 1) * w] for r in range(rows) for c in range(cols)])


def test_a_class_changes_the_other_classes_pictures_only(site):
    base = {"run": "mnist_28_28", "seed": 5, "n": 20}
    mixed = cells(site.client.picture(base)[0], 4, 5)
    threes = cells(site.client.picture(dict(base, label=3))[0], 4, 5)
    same = [i for i in range(20) if (mixed[i] == threes[i]).all()]
    assert same == [3, 13]  # the cells that were already asked for a 3 (classes cycle 0..9)


def test_a_walk_goes_from_picture_a_to_picture_b(site):
    base = {"run": "biggan_mnist_28_28", "seed": 1, "n": 9, "label": 4}  # the walk keeps A's class
    grid = cells(site.client.picture(base)[0], 3, 3)
    start = site.client.picture(dict(base, walk={"a": 2, "b": 7, "t": 0.0}))[0]
    end = site.client.picture(dict(base, walk={"a": 2, "b": 7, "t": 1.0}))[0]
    middle = site.client.picture(dict(base, walk={"a": 2, "b": 7, "t": 0.5}))[0]
    assert (start == grid[2]).all() and (end == grid[7]).all()
    assert not (middle == start).all() and not (middle == end).all()


def test_scale_draws_each_pixel_as_a_square(site):
    small = site.client.picture({"run": "toys_16_16", "n": 4})[0]
    big = site.client.picture({"run": "toys_16_16", "n": 4, "scale": 3})[0]
    assert small.shape == (32, 32, 3) and big.shape == (96, 96, 3)
    np.testing.assert_array_equal(big[::3, ::3], small)


def test_sliders_set_z_along_their_direction_and_keep_the_rest(site):
    loaded = site.pool.get(catalog.find_runs(site.folder)["biggan_mnist_28_28"])
    with loaded.lock:
        sliders_on(loaded.model, *loaded.directions())


def sliders_on(model, directions, shares):
    np.testing.assert_allclose(directions @ directions.T, np.eye(len(directions)), atol=1e-5)
    plain = Scene("r", seed=4, n=6)
    z0, labels = scene_noise(model, plain)
    assert list(labels) == [0, 1, 2, 3, 4, 5]
    z = scene_noise(model, Scene("r", seed=4, n=6, sliders=(Slider("coordinate", 5, 1.5),)))[0]
    assert (z[:, 5] == 1.5).all() and (np.delete(z, 5, axis=1) == np.delete(z0, 5, axis=1)).all()
    v = directions[0]
    z = scene_noise(model, Scene("r", seed=4, n=6, sliders=(Slider("direction", 0, -0.7),)), directions)[0]
    np.testing.assert_allclose(z @ v, -0.7, atol=1e-5)
    np.testing.assert_allclose(z - np.outer(z @ v, v), z0 - np.outer(z0 @ v, v), atol=1e-5)
    # the strongest direction changes the pictures more than the weakest one kept
    step = lambda k: np.abs(model.generate(z0 + 0.5 * directions[k], labels) - model.generate(z0, labels)).mean()  # noqa: E731
    assert step(0) > step(len(directions) - 1) and shares[0] >= shares[-1]
    walk = scene_noise(model, Scene("r", seed=4, n=6, walk=Walk(1, 4, 0.25)))[0]
    np.testing.assert_allclose(walk[0], 0.75 * z0[1] + 0.25 * z0[4], atol=1e-6)
    model.truncation = 0.3
    assert np.abs(scene_noise(model, plain)[0]).max() <= 0.3
    model.truncation = None


def test_the_pool_keeps_few_runs_and_reloads_a_run_that_trained_on(tmp_path):
    for name in ("mnist_28_28", "toys_16_16"):
        shutil.copytree(os.path.join(OLD, name), tmp_path / name)
    found = catalog.find_runs(str(tmp_path))
    pool = Pool(threads=1, capacity=1)
    try:
        first = pool.get(found["mnist_28_28"])
        assert pool.get(found["mnist_28_28"]) is first
        toys = pool.get(found["toys_16_16"])  # no room for two: the first is closed
        with pytest.raises(ApiError, match="was unloaded to make room"):
            first.draw(Scene("mnist_28_28", n=1))
        os.utime(tmp_path / "toys_16_16" / "config.json", (1, 1))  # as a new checkpoint rewrites it
        newer = pool.get(catalog.find_runs(str(tmp_path))["toys_16_16"])
        assert newer is not toys and toys.closed and newer.draw(Scene("toys_16_16", n=2)).shape == (2, 16, 16, 3)
    finally:
        pool.close()


# ---------------------------------------------------------------- bad requests, broken runs, limits

BAD = [  # (method, path, body, expected status, words of the answer)
    ("POST", "/api/images", {"run": "no_such_run"}, 404, "no run named 'no_such_run'"),
    ("POST", "/api/images", {"run": "../mnist_28_28"}, 404, "no run named"),
    ("POST", "/api/load", {"run": "mnist_28_28/../toys_16_16"}, 404, "no run named"),
    ("POST", "/api/images", {"run": "/etc/passwd"}, 404, "no run named"),
    ("POST", "/api/images", {"run": "mnist_28_28", "n": 0}, 400, "n must be a whole number from 1 to 100"),
    ("POST", "/api/images", {"run": "mnist_28_28", "n": 101}, 400, "n must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "seed": -1}, 400, "seed must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "seed": "7"}, 400, "seed must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "n": True}, 400, "n must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "label": 10}, 400, "label 10 is not a class of mnist_28_28"),
    ("POST", "/api/images", {"run": "toys_16_16", "label": 0}, 400, "no classes (unconditional)"),
    ("POST", "/api/images", {"run": "mnist_28_28", "truncation": 0.5}, 400, "truncation applies to BigGAN"),
    ("POST", "/api/images", {"run": "biggan_mnist_28_28", "truncation": 99}, 400, "truncation must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "sliders": [{"kind": "coordinate", "index": 100, "value": 0}]},
     400, "z[100] is outside"),
    ("POST", "/api/images", {"run": "mnist_28_28", "sliders": [{"kind": "direction", "index": 8, "value": 0}]},
     400, "index must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "sliders": [{"kind": "coordinate", "index": 0, "value": 1e9}]},
     400, "value must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "sliders": [{"kind": "sideways", "index": 0, "value": 0}]},
     400, "kind must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "sliders": [{"kind": "coordinate", "index": 0, "value": 0}] * 9},
     400, "at most 8"),
    ("POST", "/api/images", {"run": "mnist_28_28", "n": 4, "walk": {"a": 0, "b": 4, "t": 0.5}}, 400, "b must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "walk": {"a": 0, "b": 1, "t": 2}}, 400, "t must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "scale": 100}, 400, "scale must be"),
    ("POST", "/api/images", {"run": "mnist_28_28", "colour": "red"}, 400, "unknown field(s) 'colour'"),
    ("POST", "/api/images", [1, 2], 400, "must be a JSON object"),
    ("POST", "/api/images", b"{not json", 400, "not valid JSON"),
    ("POST", "/api/images", b'{"run": "mnist_28_28", "sliders": [{"kind": "coordinate", "index": 0, "value": NaN}]}',
     400, "value must be"),
    ("POST", "/api/images", b"x" * (1 << 20), 413, "at most 16,384"),
    ("POST", "/api/images", b"[" * 8000 + b"]" * 8000, 400, "nested too deep"),
    ("GET", "/api/images", None, 405, "takes POST"),
    ("DELETE", "/", None, 405, "takes GET"),
    ("GET", "/../../etc/passwd", None, 404, "nothing at"),
    ("GET", "/%2e%2e/%2e%2e/etc/passwd", None, 404, "nothing at"),
    ("GET", "/explorer/page.html", None, 404, "nothing at"),
    ("GET", "/page.html", None, 404, "nothing at"),
    ("GET", "//etc/passwd", None, 404, "nothing at"),
    ("GET", "/mnist_28_28/config.json", None, 404, "nothing at"),
    ("GET", "/api/runs/../../checkpoint", None, 404, "nothing at"),
]


@pytest.mark.parametrize("method,path,body,status,words", BAD)
def test_a_bad_request_is_a_clear_4xx_and_the_server_goes_on(site, method, path, body, status, words):
    raw = body if isinstance(body, bytes) else None
    got, headers, data = site.client.request(method, path, None if raw else body, raw=raw)
    assert got == status and words in json.loads(data)["error"]
    assert site.client.request("GET", "/api/runs")[0] == 200


@pytest.mark.parametrize("headers,status,words", [
    ({"Content-Type": "text/plain"}, 415, "send JSON"),
    ({"Content-Length": "1000000000000"}, 413, "at most 16,384"),
    ({"Transfer-Encoding": "chunked"}, 411, "Content-Length"),
    ({"Host": "evil.example:80"}, 403, "answers requests addressed to 127.0.0.1 or localhost only"),
])
def test_headers_that_are_refused(site, headers, status, words):
    connection = http.client.HTTPConnection(site.client.host, site.client.port, timeout=30)
    connection.putrequest("POST", "/api/load", skip_host="Host" in headers)
    sent = dict({"Content-Type": "application/json", "Content-Length": "2"}, **headers)
    for key, value in sent.items():
        connection.putheader(key, value)
    connection.endheaders(b"{}" if "Transfer-Encoding" not in headers else b"0\r\n\r\n")
    response = connection.getresponse()
    assert response.status == status and words in json.loads(response.read())["error"]
    connection.close()
    assert site.client.request("GET", "/api/runs")[0] == 200


def raw_request(site, lines, body=b"", close=False):
    """Send a request exactly as given (request line and headers), then its body; half-close the
    connection with close. Returns (status, the error sentence) of the answer."""
    with socket.create_connection((site.client.host, site.client.port), timeout=30) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)  # HTTP's header bytes
        if close:
            connection.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    head, _, data = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(data).get("error") if data.startswith(b"{") else None


@pytest.mark.parametrize("lines,body,close,status,words", [
    (["POST /api/load HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", "Content-Length: 100"],
     b'{"run": ', True, 400, "the body is shorter than its Content-Length (8 of 100 bytes)"),
    (["POST /api/load HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", "Content-Length: 100"],
     b'{"run": ', False, 400, "the body is shorter than its Content-Length (8 of 100 bytes)"),
    (["GET /api/runs HTTP/1.1", "Host: 127.0.0.1", "Host: evil.example"], b"", True, 400, "one Host header"),
    (["GET /api/runs HTTP/1.1", "Host: evil.example", "Host: 127.0.0.1"], b"", True, 400, "one Host header"),
    (["GET http://evil.example/api/runs HTTP/1.1", "Host: 127.0.0.1"], b"", True, 403, "addressed to 127.0.0.1"),
    (["GET //evil.example/api/runs HTTP/1.1", "Host: 127.0.0.1"], b"", True, 404, "nothing at"),  # a path
    (["GET http://localhost@evil.example/api/runs HTTP/1.1", "Host: 127.0.0.1"], b"", True, 403, "addressed to"),
    (["GET http://127.0.0.1:9/api/runs HTTP/1.1", "Host: 127.0.0.1"], b"", True, 200, None),
    (["POST /api/load HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", "Content-Length: \u00b2"],
     b"{}", True, 411, "a POST needs a Content-Length"),  # the byte 0xB2, a digit to str.isdigit
    (["BREW /api/runs HTTP/1.1", "Host: 127.0.0.1"], b"", True, 501, "the API takes GET and POST, not 'BREW'"),
    (["GARBAGE"], b"", True, 400, "Bad request syntax"),
    (["GET /" + "a" * 70_000 + " HTTP/1.1", "Host: 127.0.0.1"], b"", True, 414, "URI Too Long"),
    (["GET /api/runs HTTP/1.1", "Host: 127.0.0.1"] + [f"X-{i}: {i}" for i in range(200)], b"", True, 431,
     "Too many headers"),
])
def test_requests_as_sent_on_the_wire(site, lines, body, close, status, words):
    """A body shorter than its Content-Length (the client closed, or sent nothing more for
    BODY_WAIT seconds) is a 400; a second Host header, or a target naming another host, is
    refused as a foreign Host header is; what the standard library refuses itself (a request
    line it cannot read, an unknown method, too long a target, too many headers) is JSON too."""
    started = time.monotonic()
    got, error = raw_request(site, lines + ["Connection: close"], body, close)
    assert got == status and (words is None or words in error), error
    assert time.monotonic() - started < 10
    assert site.client.request("GET", "/api/runs")[0] == 200


@pytest.mark.parametrize("capacity,count", [(1, 24), (4, 150)])
def test_parallel_requests_below_the_rate_each_get_an_answer(site, capacity, count):
    """`count` clients at once (a barrier releases them together), pictures of three runs with room
    for `capacity` loaded: each gets its picture (the standard library's queue of 5 pending
    connections reset 4 of 24 and 124 of 150 here)."""
    server = serve(Explorer(site.folder, Pool(threads=1, capacity=capacity), RateLimit(rate=1000.0, burst=1000)))
    barrier, statuses = threading.Barrier(count), []

    def ask(name):
        barrier.wait()
        try:
            statuses.append(Client(server).request("POST", "/api/images", {"run": name, "n": 16})[0])
        except OSError as e:
            statuses.append(type(e).__name__)
    try:
        threads = [threading.Thread(target=ask, args=(GOOD[i % 3],)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert statuses == [200] * count, collections.Counter(statuses)
    finally:
        server.shutdown()
        server.server_close()
        server.app.pool.close()


@pytest.mark.parametrize("name,words", [
    ("damaged_config", "config.json is not valid JSON"),
    ("no_checkpoint", "has a config.json but no checkpoint"),
    ("cut_weights", "checkpoint"),
    ("deep_config", "nested too deep"),
    ("random_index", "every checkpoint in"),
    ("model_list", "not DCGAN or BigGAN"),
])
def test_a_broken_run_is_a_message_and_the_others_still_work(site, name, words):
    for path, body in (("/api/load", {"run": name}), ("/api/images", {"run": name, "n": 4})):
        status, reply = site.client.json("POST", path, body)
        assert status == 422 and words in reply["error"] and "\n" not in reply["error"]
    assert site.client.picture({"run": "mnist_28_28", "n": 4})[0].shape == (56, 56)


def test_requests_beyond_the_rate_are_refused_for_a_moment(site):
    server = serve(Explorer(site.folder, Pool(), RateLimit(rate=2.0, burst=5)))
    try:
        statuses = [Client(server).request("GET", "/api/runs")[0] for _ in range(12)]
        assert statuses[:5] == [200] * 5 and statuses[-1] == 429 and statuses.count(200) <= 7
        threading.Event().wait(1.0)
        assert Client(server).request("GET", "/api/runs")[0] == 200
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- the script

def run_explore(*args, cwd=REPO, env=None):
    return subprocess.run([sys.executable, os.path.join(REPO, "explore.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, GAN_LAB_CHECK_ONLY="1", **(env or {})))


@pytest.mark.parametrize("args,message", [(["--port", "70000"], "--port"), (["--threads", "0"], "--threads"),
                                          (["extra"], "unexpected argument(s) extra")])
def test_bad_flags_are_one_line(args, message):
    result = run_explore(*args)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("signals", [[signal.SIGINT], [signal.SIGTERM], [signal.SIGINT, signal.SIGINT],
                                     [signal.SIGINT, signal.SIGTERM], [signal.SIGTERM, signal.SIGTERM]])
def test_stopping_the_explorer_while_it_draws_lets_the_picture_finish(tmp_path, signals):
    """Ctrl-C or SIGTERM (once, or again while it stops) while a request loads a run and draws: the
    server stops taking requests, the one under way ends with its picture, then the program ends
    with its one line. (Ending at once aborted: TensorFlow's threads outlived Python's, "Fatal
    Python error: Aborted".)"""
    shutil.copytree(os.path.join(OLD, "biggan_mnist_28_28"), tmp_path / "biggan_mnist_28_28")
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "explore.py"), "--port", "0", "--checkpoint_dir",
                             str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("open http://"):
            port = int(line.split(":")[2].split("/")[0])
            break
    answers = []
    request = threading.Thread(target=lambda: answers.append(Client(types.SimpleNamespace(
        server_address=("127.0.0.1", port))).request("POST", "/api/images", {"run": "biggan_mnist_28_28", "n": 100,
                                                                             "scale": 8})[0]))
    request.start()
    time.sleep(0.5)  # loading the run (a graph, a checkpoint) and drawing take seconds
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.05)
    out, err = proc.communicate(timeout=120)
    request.join(60)
    assert proc.returncode == 0 and "explorer stopped" in out, err
    assert err == "" and answers == [200]


def test_a_port_in_use_is_one_line_before_tensorflow_starts(site, tmp_path):
    result = run_explore("--port", str(site.server.server_address[1]), "--checkpoint_dir", str(tmp_path))
    assert result.returncode == 2 and "error: cannot listen on 127.0.0.1:" in result.stderr
    assert "pick another --port" in result.stderr
    assert "0 run(s) in" in result.stdout and "train one first" in result.stdout


# ---------------------------------------------------------------- the page in headless Chromium

PICTURE_DATA = """const img = document.querySelector(arguments[0]);
if (!img || !img.complete || !img.naturalWidth) return null;
const canvas = document.createElement('canvas');
canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
canvas.getContext('2d').drawImage(img, 0, 0);
return [img.dataset.version, canvas.toDataURL()];"""


@pytest.fixture(scope="module")
def page(site, tmp_path_factory):
    browser = chromium.started(tmp_path_factory.mktemp("chromium-profile"))
    yield browser
    browser.close()


def shown(page, css, after=0):
    """(version, PNG data URL) of a picture on the page once its version is past `after`."""
    return page.wait_for(lambda: (lambda got: got if got and int(got[0]) > after else None)(
        page.run(PICTURE_DATA, css)), 60, f"{css} did not show a new picture")


def test_the_page_follows_a_slider_with_no_console_error(site, page, tmp_path):
    host, port = site.server.server_address[:2]
    page.open(f"http://{host}:{port}/")
    version, first = shown(page, "#panelA .grid img")  # the newest run opened by itself
    assert "mnist_28_28" in page.run("return document.querySelector('#panelA h2').textContent")
    assert "damaged_config (broken)" in page.run("return document.getElementById('runs').textContent")
    page.drag("#slider0 input[type=range]", 60)  # a real mouse drag on the first z slider
    version, moved = shown(page, "#panelA .grid img", int(version))
    assert moved != first
    assert page.run("return document.querySelector('#slider0 .value').textContent") not in ("off", "0.00")
    page.run("[...document.querySelectorAll('#runs tr')].find(tr => tr.cells[2].textContent == arguments[0])"
             ".querySelectorAll('input')[1].click()", "biggan_mnist_28_28")  # B: BigGAN beside it
    version_b = int(shown(page, "#panelB .grid img")[0])
    every_other_control(page, int(version), version_b)
    messages = page.run("return [...document.querySelectorAll('.message')].map(m => m.textContent).join('')")
    assert messages == ""
    page.screenshot(tmp_path / "explorer.png")
    errors = [entry for entry in page.console() if entry["level"] == "SEVERE"]
    assert errors == [], errors


CHANGE = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change'));"
CLICK_CELLS = """const g = document.querySelector('#panelA .grid'), r = g.getBoundingClientRect();
for (const c of [1, 6]) g.dispatchEvent(new MouseEvent('click', {bubbles: true,
  clientX: r.left + (c % 8 + 0.5) * r.width / 8, clientY: r.top + (Math.floor(c / 8) + 0.5) * r.height / 8}));"""


def every_other_control(page, version_a, version_b):
    """A class, new noise, a direction slider, a walk, truncation and Save PNG, each answered."""
    page.run(CHANGE, "#label", "3")
    version_a = int(shown(page, "#panelA .grid img", version_a)[0])
    page.run("document.getElementById('newNoise').click()")
    version_a = int(shown(page, "#panelA .grid img", version_a)[0])
    page.run(CHANGE, "#slider1 .kind", "direction")
    page.wait_for(lambda: "%" in page.run("return document.getElementById('shares').textContent"), 60,
                  "the directions' shares were not shown")
    page.drag("#slider1 input[type=range]", -40)
    shown(page, "#panelA .grid img", version_a)
    page.run(CLICK_CELLS)
    shown(page, "#panelA .walk img")
    page.run("document.getElementById('truncOn').click()")
    shown(page, "#panelB .grid img", version_b)
    page.run("document.querySelector('#panelA .save').click()")
