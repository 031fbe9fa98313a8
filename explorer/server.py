"""The explorer's HTTP server (the standard library's): the page, a small JSON API, PNG pictures.

    GET  /                the page (page.html, read once at start and served from memory)
    GET  /api/runs        the runs under the checkpoint folder (catalog.py), the newest first
    POST /api/load        {"run": name}: load it now; its iteration, classes, z, load time
    POST /api/images      a scene (scene.py) -> image/png: the grid, or the walk's one picture
    POST /api/directions  {"run": name}: how much of the change each strongest direction makes

What keeps it safe on a shared lab machine: it binds 127.0.0.1 unless told otherwise and then
answers only requests addressed to that name (a web page elsewhere cannot reach it through a
DNS trick); the routes are a fixed table, so no path from a request ever reaches the file system
(a run is named, and only names the catalogue found are used); a POST must be JSON of at most
MAX_BODY bytes; each client has a rate (a token bucket); every refusal is a 4xx with one sentence,
and an error inside a request is a 500 for that request, never a dead server.
"""
import io
import ipaddress
import json
import os
import sys
import threading
import time
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from PIL import Image

from errors import LabError
from explorer import catalog
from explorer.scene import ApiError, check_for_run, parse_run_name, parse_scene
from utils import image_manifold_size, merge, to_uint8

MAX_BODY = 16 * 1024   # bytes of a request's JSON (a scene is a few hundred)
BODY_WAIT = 2.0        # seconds the rest of a body may take once its headers came
PAGE = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "page.html"), "rb").read()
PAGE_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
               "img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'")


class RateLimit:
    """A token bucket per client: `burst` requests at once, then `rate` per second."""

    def __init__(self, rate=50.0, burst=100):
        self.rate, self.burst = rate, burst
        self.buckets, self.lock = {}, threading.Lock()

    def take(self, client):
        with self.lock:
            now = time.monotonic()
            tokens, last = self.buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                raise ApiError(429, "too many requests: wait a moment")
            self.buckets[client] = (tokens - 1, now)


def png(images, scale=1):
    """Images [N, H, W, C] in [0, 1] as one grid PNG (test mode's save_images layout), each pixel
    drawn scale x scale; returns (bytes, rows, columns)."""
    rows, cols = image_manifold_size(len(images))
    grid = to_uint8(merge(images, (rows, cols))).repeat(scale, axis=0).repeat(scale, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid).save(buffer, format="PNG")
    return buffer.getvalue(), rows, cols


def is_loopback(host):
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def host_name(host):
    """'localhost:8000' -> 'localhost', '[::1]:8000' -> '[::1]', '127.0.0.1' -> '127.0.0.1'."""
    return host if host.endswith("]") else host.rsplit(":", 1)[0]


class Explorer:
    """What the server answers: the routes over a checkpoint folder and a generator pool."""

    def __init__(self, checkpoint_dir, pool, limit=None):
        self.checkpoint_dir, self.pool = checkpoint_dir, pool
        self.limit = limit or RateLimit()
        self.routes = {"/": ("GET", self.page), "/api/runs": ("GET", self.api_runs),
                       "/api/load": ("POST", self.api_load), "/api/images": ("POST", self.api_images),
                       "/api/directions": ("POST", self.api_directions)}

    def page(self, _):
        return 200, "text/html; charset=utf-8", PAGE, {"Content-Security-Policy": PAGE_POLICY}

    def api_runs(self, _):
        found = catalog.find_runs(self.checkpoint_dir)
        return json_reply({"checkpoint_dir": os.path.abspath(self.checkpoint_dir),
                           "runs": [run.describe() for run in found.values()], "newest": catalog.newest(found)})

    def find(self, name):
        """The catalogue's Run of this name (found anew: runs come and checkpoints change)."""
        found = catalog.find_runs(self.checkpoint_dir)
        if name not in found:
            raise ApiError(404, f"no run named {name!r} in {self.checkpoint_dir}; /api/runs lists them")
        return found[name]

    def api_load(self, body):
        run = self.find(parse_run_name(body))
        loaded = self.pool.get(run)
        return json_reply(dict(run.describe(), iteration=loaded.iteration, load_seconds=round(loaded.load_seconds, 3),
                               note=loaded.model.sampler_note.strip(" ()")))

    def api_images(self, body):
        scene = parse_scene(body)
        run = self.find(scene.run)
        check_for_run(scene, run)
        loaded = self.pool.get(run)
        started = time.perf_counter()
        try:
            images = loaded.draw(scene)
        except LabError as e:  # e.g. a generator that makes NaN pixels
            raise ApiError(422, str(e))
        data, rows, cols = png(images, scene.scale)
        return 200, "image/png", data, {"X-Grid": f"{rows}x{cols}", "X-Iteration": str(loaded.iteration),
                                        "X-Milliseconds": f"{1000 * (time.perf_counter() - started):.0f}"}

    def api_directions(self, body):
        run = self.find(parse_run_name(body))
        shares = self.pool.get(run).shares()
        return json_reply({"run": run.name, "shares": [round(float(s), 4) for s in shares]})


def json_reply(obj, status=200):
    return status, "application/json", json.dumps(obj).encode(), {}


class Handler(BaseHTTPRequestHandler):
    """One request: the host, the rate, the route, the body, then the route's answer."""
    server_version = "GANlabExplorer/1"
    timeout = 15  # seconds a client may take to send its request

    def do_GET(self):
        self.answer("GET")

    def do_POST(self):
        self.answer("POST")

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = lambda self: self.answer(self.command)

    def answer(self, method):
        app = self.server.app
        try:
            self.check_host()
            app.limit.take(self.client_address[0])
            path = self.check_target()
            if path not in app.routes:
                raise ApiError(404, f"nothing at {path[:100]!r}: the page is /, the API /api/...")
            allowed, route = app.routes[path]
            if method != allowed:
                raise ApiError(405, f"{path} takes {allowed}, not {method}")
            reply = route(self.read_json() if method == "POST" else None)
        except ApiError as e:
            reply = json_reply({"error": str(e)}, e.status)
        except Exception as e:  # a bug: this request fails, the server goes on
            traceback.print_exc(file=sys.stderr)
            reply = json_reply({"error": f"internal error ({type(e).__name__}); see the server's terminal"}, 500)
        self.send(*reply)

    def check_host(self):
        """Bound to a loopback address, answer only requests addressed to a loopback name (any
        port: an SSH tunnel may forward another one); a web page whose own name was pointed at
        127.0.0.1 (DNS rebinding) sends its own name and is refused. One Host header only: a
        second one could name another host than the one checked."""
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1:
            raise ApiError(400, "a request has one Host header")
        if not is_loopback(self.server.server_address[0]):
            return
        if not is_loopback(host_name(hosts[0] if hosts else "")):
            raise ApiError(403, "this server answers requests addressed to 127.0.0.1 or localhost only "
                                "(start it with --host to listen elsewhere)")

    def check_target(self):
        """The request's path. A target in absolute form (http://host/api/runs, or //host/api/runs)
        names a host too, and the same rule holds for it as for the Host header."""
        target = urlsplit(self.path)
        if (target.scheme or target.netloc) and is_loopback(self.server.server_address[0]) \
                and not is_loopback(host_name(target.netloc)):
            raise ApiError(403, "this server answers requests addressed to 127.0.0.1 or localhost only "
                                "(start it with --host to listen elsewhere)")
        return target.path

    def read_json(self):
        """The request's JSON body (at most MAX_BODY bytes, Content-Length given)."""
        if self.headers.get("Transfer-Encoding"):
            raise ApiError(411, "send the body with a Content-Length (no chunked transfer)")
        length = self.headers.get("Content-Length", "")
        if not (length.isascii() and length.isdigit()):  # "²" is a digit to str.isdigit, not to int()
            raise ApiError(411, "a POST needs a Content-Length")
        if int(length) > MAX_BODY:
            self.discard(int(length))
            raise ApiError(413, f"the request is {int(length):,} bytes; at most {MAX_BODY:,}")
        if self.headers.get_content_type() != "application/json":
            raise ApiError(415, "send JSON (Content-Type: application/json)")
        body = self.read_body(int(length))
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as e:
            raise ApiError(400, f"the body is not valid JSON ({e})")
        except RecursionError:
            raise ApiError(400, "the body is not valid JSON (nested too deep)")

    def read_body(self, length, wait=BODY_WAIT):
        """The body's `length` bytes; a 400 when fewer come (the client closed, or sent nothing
        more for `wait` seconds): a short body is the client's error, not ours."""
        self.connection.settimeout(wait)
        chunks, got = [], 0
        try:
            while got < length:
                chunk = self.rfile.read1(length - got)
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
        except OSError:  # a timeout
            pass
        finally:
            self.connection.settimeout(self.timeout)
        if got < length:
            self.close_connection = True
            raise ApiError(400, f"the body is shorter than its Content-Length ({got:,} of {length:,} bytes)")
        return b"".join(chunks)

    def discard(self, length, most=1 << 20):
        """Read and drop a refused body (up to `most` bytes, a second at most), so the client gets
        our answer rather than a reset connection; then close the connection."""
        self.close_connection = True
        self.connection.settimeout(1.0)
        try:
            while length > 0 and most > 0:
                chunk = self.rfile.read1(min(length, most, 65536))
                if not chunk:
                    break
                length, most = length - len(chunk), most - len(chunk)
        except OSError:  # a timeout: the client sends no more
            pass

    def send_error(self, code, message=None, explain=None):
        """What the standard library refuses before a route runs (a request line it cannot read, an
        unknown method, a target or headers too long) answered like every other error: JSON, with
        a status line even to a request that never said which HTTP it speaks."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # parse_request's default before it read a version
            self.request_version = "HTTP/1.0"
        sentence = {501: f"the API takes GET and POST, not {str(self.command)[:20]!r}"}.get(code, message)
        self.send(*json_reply({"error": sentence or HTTPStatus(code).phrase}, code))

    def send(self, status, content_type, data, headers):
        self.send_response(status)
        for key, value in dict({"Content-Type": content_type, "Content-Length": str(len(data)),
                                "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
                               **headers).items():
            self.send_header(key, value)
        if status == 429:
            self.send_header("Retry-After", "1")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format, *args):
        """Quiet: the page says what happens; errors print their traceback themselves."""


class Server(ThreadingHTTPServer):
    """One thread per request. Stopping (server_close) waits for the requests under way: a picture
    being computed while the program ended aborted it (TensorFlow's threads outlived Python's);
    a slow client is bounded by Handler.timeout. Pending connections queue up to 128 (5, the
    standard library's, reset the sixth of a burst of parallel requests)."""
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128


def make_server(app, host="127.0.0.1", port=8000):
    """An HTTP server for the Explorer app (port 0: any free port; server.server_address says)."""
    server = Server((host, port), Handler)
    server.app = app
    return server
