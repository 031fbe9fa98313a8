"""Headless Chromium for the page tests, driven through chromedriver's W3C WebDriver protocol.

WebDriver is plain HTTP and JSON, so the standard library's urllib is the whole client: no
selenium (a large package for the five calls a test needs) and no DevTools websocket. Debian's
`chromium` and `chromium-driver` packages give the browser and its driver (.ci/run installs them).
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C name of an element reference
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000"]


def find_chromium():
    """(chromium, chromedriver) paths, or None when either is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One chromedriver process and one headless Chromium session on a fresh profile."""

    def __init__(self, browser, driver, profile, timeout=60):
        self.port = free_port()
        self.process = subprocess.Popen([driver, f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        self.wait_for(lambda: self.call("GET", "/status").get("ready"), 20, "chromedriver did not start")
        options = {"binary": browser, "args": CHROMIUM_ARGS + [f"--user-data-dir={profile}"]}
        session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options, "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"script": timeout * 1000, "pageLoad": timeout * 1000}}}}, timeout=timeout)
        self.session = f"/session/{session['sessionId']}"

    def call(self, method, path, body=None, timeout=60):
        """One WebDriver command; its "value"."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"WebDriver {method} {path}: {e.read().decode()[:500]}") from None
        except (urllib.error.URLError, ConnectionError):
            if path == "/status":
                return {}
            raise

    def command(self, method, path, body=None):
        return self.call(method, self.session + path, body)

    def wait_for(self, condition, seconds, message):
        """Poll condition() until it is true (returns its value) or raise after `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(message)

    def open(self, url):
        self.command("POST", "/url", {"url": url})

    def run(self, script, *args):
        """The value of a JavaScript function body run in the page."""
        return self.command("POST", "/execute/sync", {"script": script, "args": list(args)})

    def element(self, css):
        return self.command("POST", "/element", {"using": "css selector", "value": css})

    def drag(self, css, dx):
        """A real mouse drag: press on the element's centre, move dx pixels, release."""
        origin = {"origin": self.element(css)}
        self.command("POST", "/actions", {"actions": [{"type": "pointer", "id": "mouse",
                                                        "parameters": {"pointerType": "mouse"}, "actions": [
            dict(type="pointerMove", x=0, y=0, duration=0, **origin), {"type": "pointerDown", "button": 0},
            {"type": "pointerMove", "origin": "pointer", "x": dx, "y": 0, "duration": 300},
            {"type": "pointerUp", "button": 0}]}]})

    def console(self):
        """The browser's console entries since the last call ([{level, message}, ...])."""
        return self.command("POST", "/se/log", {"type": "browser"})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.command("GET", "/screenshot")))
        return path

    def close(self):
        try:
            self.command("DELETE", "")
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def browser_unavailable_reason():
    """Why the page test cannot run here, or None. In CI (CI set) a missing browser is a failure
    unless .ci/run said it could not install one (GAN_LAB_NO_BROWSER holds its reason)."""
    if find_chromium():
        return None
    return os.environ.get("GAN_LAB_NO_BROWSER") or (
        "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")


def started(profile):
    """A Browser on a fresh profile folder, or the calling test skipped where none can run here;
    in CI (CI set) a missing browser fails the test unless .ci/run said why it could not install one."""
    import pytest
    reason = browser_unavailable_reason()
    if reason:
        if os.environ.get("CI") and not os.environ.get("GAN_LAB_NO_BROWSER"):
            pytest.fail(f"CI must run the page test, but {reason} (.ci/run installs them)")
        pytest.skip(f"the page test needs headless Chromium: {reason}")
    return Browser(*find_chromium(), profile)
