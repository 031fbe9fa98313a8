"""Download the lab's datasets (and the Inception graph of the standard FID), check them, and
keep them only when they are complete.

Run from the repository root:

    python download.py mnist                  # the handout's step 2 -> data/mnist/
    python download.py cifar10                # -> data/cifar10/ (archive + extracted batches)
    python download.py celebA                 # faces -> data/celebA/ (202,599 JPEGs + attributes)
    python download.py inception              # FID's Inception graph -> data/inception/
    python download.py mnist cifar10          # several at once
    python download.py mnist --data_dir /scratch/data
    python download.py mnist --mirror https://example.org/mnist/   # try only this mirror
                                                                   # (repeat --mirror for more)

Every file is checked against its official md5 checksum (the Inception archive, which has none
published, by its graph's pinned md5 and by its content: only the real graph's ops). A download
goes to a temporary file in the target folder and is renamed into place only once it checks
out, so an interrupted or corrupt download never looks like a real file. Running the script
again re-downloads only what is missing or broken, and prints "Found MNIST - skip" (or celebA,
...) when there is nothing to do. When every mirror fails you get one `error: ...` line and
exit code 2; you can then copy the file by hand into the folder the message names and run it
again to check it. A mirror can also be a local folder: --mirror file:///path/to/folder/

The big downloads (celebA's 1.4 GB zip, the Inception archive) are kept as `<name>.part` while
they arrive; an interrupted run continues where it stopped when the server allows it (HTTP
Range), else starts over. CelebA comes from the authors' Google Drive: a mirror whose path ends
in /uc (like the default https://docs.google.com/uc?export=download) gets the file's Drive id,
and Drive's confirmation steps for large files are followed. An HTML answer (e.g. Drive's
"quota exceeded") is never saved as the file, and a server that sends nothing, or only a
trickle, for a minute is given up on. Nothing is read past the size of the real file
(checksums.MAX_BYTES): a mirror that announces or sends more is stopped and named, and an
archive member larger than expected is refused from its header, before it is unpacked.
Ctrl-C or a kill (SIGTERM) stops with one line (exit code 130 / 143) that names the `.part`
kept to continue from; temporary files a SIGKILL left behind are removed by the next run.
"""
import argparse
import hashlib
import html.parser
import http.client
import http.cookiejar
import os
import re
import shutil
import socket
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib

from checksums import (CELEBA_ATTRIBUTES, CELEBA_ZIP, CHUNK_BYTES, CIFAR10_ARCHIVE,
                       EXPECTED_MD5, INCEPTION_ARCHIVE, INCEPTION_GRAPH, MAX_BYTES,
                       MAX_CIFAR_BATCH_BYTES, MAX_JPEG_BYTES, MAX_ZIP_RATIO, TooLarge,
                       file_problem, tar_members)
from datasets import CIFAR10_BATCH_DIR, MNIST_FILES, extract_cifar10
from errors import LabError, run_or_exit
from training import format_seconds
from utils import atomic_write, check_writable, remove_stale_temporary, temporary_prefix

# The four MNIST files, by their decompressed names (train images, train labels, test ...).
MNIST_NAMES = [name for images, labels, _ in MNIST_FILES.values() for name in (images, labels)]
MNIST_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",  # the original host; it now often refuses, so last
]

CIFAR10_MIRRORS = [
    "https://www.cs.toronto.edu/~kriz/",
    "https://ossci-datasets.s3.amazonaws.com/cifar10/",
]

# CelebA's aligned faces: the zip holds img_align_celeba/000001.jpg ... 202599.jpg. The zip is
# downloaded into the data folder, unpacked as a flat folder data/celebA/, then deleted; the
# attributes file goes into that folder too (the image pattern *.jpg does not pick it up).
CELEBA_IMAGES = 202599
DRIVE_URL = "https://docs.google.com/uc?export=download"  # Google Drive's download endpoint
DRIVE_IDS = {CELEBA_ZIP: "0B7EVK8r0v71pZjFTYXZWM3FlRnM",
             CELEBA_ATTRIBUTES: "0B7EVK8r0v71pblRyaVFSWGxPY0U"}
CELEBA_MIRRORS = [DRIVE_URL]  # the authors' Drive copy; add others with --mirror

# The Inception graph that the standard FID (Heusel et al., TTUR's fid.py) is defined on.
# TTUR's fid.py and TensorFlow's classify_image.py / retrain.py download it with no checksum,
# and none is published for the archive, so the extracted graph is checked instead: its md5 is
# pinned (checksums.py), it may hold only the ops of the real graph (checked before anything
# imports it), and it must have the nodes FID uses (input ExpandDims, features pool_3), softmax.
INCEPTION_NODES = ["ExpandDims", "pool_3", "softmax"]
INCEPTION_MIRRORS = [  # https: the same bucket under two names
    "https://download.tensorflow.org/models/image/imagenet/",
    "https://storage.googleapis.com/download.tensorflow.org/models/image/imagenet/",
]

TIMEOUT_S = 30          # give up on a silent server after this many seconds
STALL_S = 60            # ... and on one that sends less than STALL_BYTES in this many seconds
STALL_BYTES = 64 << 10
PROGRESS_EVERY_S = 5    # print download progress at most this often
PAGE_BYTES = 1 << 20    # read at most this much of an HTML page (Drive's answers are small)
DRIVE_STEPS = 3         # Drive pages to follow before the file must come
USER_AGENT = "gan-lab-download/1.0 (Python urllib)"


class DownloadError(Exception):
    """One mirror failed for one file; the message is the short reason (e.g. 'HTTP 404')."""


class NothingAfterPart(DownloadError):
    """Asked for the bytes after a partial file, the server has none (HTTP 416): the partial
    file may already be whole (a run stopped just before checking it)."""


# ----------------------------------------------------------------------------- checking files

def md5_check(name, gunzip=False):
    """A check for fetch(): the file's md5 (of its decompressed content if gunzip) is the
    official one of `name`."""
    return lambda path: file_problem(path, name, gunzip)


def remove_file(path):
    """Delete `path` if it exists."""
    if os.path.exists(path):
        os.remove(path)


def write_error(path, error):
    """The LabError for a file we cannot write (most often: the disk is full)."""
    return LabError(f"cannot write {path} ({error.strerror or error}); free some disk space or "
                    f"choose another folder with --data_dir")


def copy_to_file(source, path):
    """Copy the open file `source` into a new file `path`; a failed write is a LabError."""
    try:
        with open(path, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK_BYTES)
    except OSError as e:
        raise write_error(path, e)


# ----------------------------------------------------------------------------- HTTP

def short_reason(error):
    """A few words on why a download failed, for the one-line error message."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError):
        error = error.reason if isinstance(error.reason, Exception) else error
    if isinstance(error, (socket.timeout, TimeoutError)):
        return f"timed out (nothing received for {TIMEOUT_S:g} s)"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error)[:80] or type(error).__name__


def response_chunks(response):
    """Yield the body of an HTTP response in chunks as they arrive.

    Network errors become DownloadError, and so does a stall: less than STALL_BYTES in
    STALL_S seconds (a server that trickles a byte now and then would otherwise never time out).
    """
    read = getattr(response, "read1", response.read)  # read1: return what has arrived so far
    window_start, window_bytes = time.monotonic(), 0
    while True:
        try:
            chunk = read(CHUNK_BYTES)
        except (OSError, http.client.HTTPException) as e:
            raise DownloadError(short_reason(e))
        if not chunk:
            return
        yield chunk
        window_bytes += len(chunk)
        if time.monotonic() - window_start >= STALL_S:
            if window_bytes < STALL_BYTES:
                raise DownloadError(f"stalled: only {window_bytes} bytes in {STALL_S:g} s")
            window_start, window_bytes = time.monotonic(), 0


def add_query(url, **fields):
    """`url` with these query fields added (or replaced)."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.update(fields)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def is_drive(mirror):
    """True for a Google Drive download endpoint (its path ends in /uc, as docs.google.com/uc)."""
    return urllib.parse.urlsplit(mirror).path.endswith("/uc")


def mirror_url(mirror, name):
    """The URL of file `name` on `mirror`: a folder URL gets the name, Google Drive its id."""
    if not is_drive(mirror):
        return mirror.rstrip("/") + "/" + name
    if name not in DRIVE_IDS:
        raise DownloadError(f"no Google Drive id known for {name}")
    return add_query(mirror, id=DRIVE_IDS[name])


def open_url(opener, url, offset=0):
    """Open `url` (asking only for the bytes from `offset` on when it is > 0)."""
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        return opener.open(urllib.request.Request(url, headers=headers), timeout=TIMEOUT_S)
    except urllib.error.HTTPError as e:
        raise (NothingAfterPart if offset and e.code == 416 else DownloadError)(short_reason(e))
    except (OSError, ValueError, http.client.HTTPException) as e:
        raise DownloadError(short_reason(e))


# ----------------------------------------------------------------------------- Google Drive

class PageParser(html.parser.HTMLParser):
    """Reads an HTML page's title, its text, and each form with its hidden fields."""

    def __init__(self):
        super().__init__()
        self.title, self.text, self.forms, self.in_title = "", [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", {}))
        elif tag == "input" and self.forms and attrs.get("type") == "hidden" and attrs.get("name"):
            self.forms[-1][1][attrs["name"]] = attrs.get("value") or ""
        self.in_title = tag == "title"

    def handle_endtag(self, tag):
        self.in_title = False

    def handle_data(self, data):
        self.text.append(data)
        if self.in_title:
            self.title += data.strip()


def read_page(response):
    """The parsed HTML page of a response (at most PAGE_BYTES of it)."""
    body = b""
    for chunk in response_chunks(response):
        body += chunk
        if len(body) >= PAGE_BYTES:
            break
    page = PageParser()
    page.feed(body.decode("utf-8", errors="replace"))
    return page


def drive_next_url(url, page, cookies):
    """Where Google Drive's "can't scan this large file" answer says to go for the file.

    The old endpoint set a cookie download_warning...=TOKEN and wanted the same URL again with
    confirm=TOKEN; today Drive sends a form (hidden id, export, confirm, uuid) whose action is
    its download host. None when the page is neither (then it is an error page).
    """
    tokens = [c.value for c in cookies if c.name.startswith("download_warning")]
    if tokens:
        return add_query(url, confirm=tokens[0])
    for action, fields in page.forms:
        if "confirm" in fields:
            return add_query(urllib.parse.urljoin(url, action), **fields)
    return None


def html_reason(page):
    """Why an HTML answer is not the file (for the error line): Drive's quota, or its title."""
    words = " ".join([page.title] + page.text).lower()
    if "quota" in words or "too many users" in words:
        return ("quota exceeded: Google Drive sent an HTML page instead of the file - it allows "
                "only so many downloads of a file a day, try again tomorrow")
    return f"an HTML page, not the file (title: '{page.title[:60]}')"


def open_file(url, offset=0):
    """Open `url`, following Google Drive's confirmation pages, and return the response that
    carries the file. Raises DownloadError for any HTML answer that is not such a page, so an
    error page is never saved as the file."""
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    for _ in range(DRIVE_STEPS):
        response = open_url(opener, url, offset)
        if response.headers.get_content_type() != "text/html":
            return response
        with response:
            page = read_page(response)
        next_url = drive_next_url(url, page, cookies)
        if next_url is None or next_url == url:
            raise DownloadError(html_reason(page))
        url = next_url
    raise DownloadError(f"still an HTML page after {DRIVE_STEPS} Google Drive confirmations")


# ----------------------------------------------------------------------------- downloading

class Progress(object):
    """Prints 'MB done / total, rate, time left' at most every PROGRESS_EVERY_S seconds."""

    def __init__(self, done, total):
        self.first, self.done, self.total = done, done, total
        self.start = self.last_print = time.monotonic()

    def add(self, count):
        self.done += count
        if time.monotonic() - self.last_print >= PROGRESS_EVERY_S:
            self.print_line()

    def print_line(self):
        rate = (self.done - self.first) / max(time.monotonic() - self.start, 1e-6)
        line = f"  {self.done / 2**20:.1f}"
        if self.total:
            line += f" / {self.total / 2**20:.1f} MB ({100 * self.done // self.total}%)"
        else:
            line += " MB"
        line += f", {rate / 2**20:.1f} MB/s"
        if self.total and rate > 0 and self.done < self.total:
            line += f", {format_seconds((self.total - self.done) / rate)} left"
        print(line, flush=True)
        self.last_print = time.monotonic()


def body_range(response, offset):
    """(first byte of the body in the file, file size or 0 if unknown) of a response.

    A 206 answer must continue exactly at `offset` (its Content-Range says where); any other
    answer carries the whole file.
    """
    if getattr(response, "status", None) != 206:
        return 0, int(response.headers.get("Content-Length") or 0)
    content_range = response.headers.get("Content-Range", "")
    match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range.strip())
    if not match or int(match.group(1)) != offset:
        raise DownloadError(f"answered bytes '{content_range}' when asked from byte {offset}")
    return offset, int(match.group(3)) if match.group(3) != "*" else 0


def save_url(url, path, max_bytes, resume=False):
    """Stream `url` into the file `path`, printing progress now and then.

    With resume, a `path` left by an earlier run is continued where the server allows byte
    ranges, else started over. Raises DownloadError when the server cannot be reached, answers
    with an error or an HTML page, stalls, sends fewer bytes than it announced, or announces or
    sends more than max_bytes, the size of the real file (then `path` is removed: a mirror that
    streams forever never fills the disk); LabError (and `path` is removed) when the file
    cannot be written, e.g. the disk is full.
    """
    offset = os.path.getsize(path) if resume and os.path.exists(path) else 0
    if offset > max_bytes:  # longer than the real file: not a part of it
        remove_file(path)
        offset = 0
    try:
        response = open_file(url, offset)
    except NothingAfterPart:
        print("  the server has nothing after the partial file; checking it", flush=True)
        return
    with response:
        start, total = body_range(response, offset)
        if total > max_bytes:
            raise DownloadError(f"announced {total:,} bytes, more than the {max_bytes:,} of the "
                                "real file: not downloaded")
        if offset:
            print(f"  continuing from {start / 2**20:.1f} MB" if start else
                  "  the server cannot continue a partial download; starting over", flush=True)
        progress = Progress(start, total)
        try:
            with open(path, "ab" if start else "wb") as out:
                for chunk in response_chunks(response):
                    if progress.done + len(chunk) > max_bytes:
                        raise TooLarge(f"sent more than the {max_bytes:,} bytes of the real "
                                       "file: stopped")
                    out.write(chunk)
                    progress.add(len(chunk))
        except TooLarge as e:
            remove_file(path)
            raise DownloadError(str(e))
        except OSError as e:
            remove_file(path)
            raise write_error(path, e)
    if total and progress.done != total:
        raise DownloadError(f"connection closed after {progress.done} of {total} bytes")
    progress.print_line()


def fetch(url, dest, check, max_bytes, resume=False):
    """Download `url` to `dest` (at most max_bytes), keeping it only when check(path) finds no
    problem.

    The bytes go to a temporary file next to `dest` (with resume: `dest`.part, kept after a
    network failure so the next run can continue it), which is checked and then renamed onto
    `dest`; a copy that fails the check is deleted and DownloadError raised.
    """
    def download_and_check(tmp):
        save_url(url, tmp, max_bytes, resume)
        problem = check(tmp)
        if problem:
            remove_file(tmp)
            raise DownloadError(problem)

    if not resume:
        atomic_write(dest, download_and_check)  # the temporary file goes even on Ctrl-C
        return
    part = dest + ".part"
    try:
        download_and_check(part)
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: errors.run_or_exit prints this
        if os.path.exists(part):
            stop.args = (f"the partial download is kept in {part}",)
        raise
    os.replace(part, dest)


def fetch_from_mirrors(dest, check, mirrors, max_bytes, resume=False):
    """Try each mirror in turn for the file named like `dest`; stop at the first good copy.

    Raises LabError (one line: the file, each mirror's reason, the fix) when all fail.
    """
    name = os.path.basename(dest)
    failures = []
    for mirror in mirrors:
        try:
            url = mirror_url(mirror, name)
            print(f"Downloading {url}", flush=True)
            fetch(url, dest, check, max_bytes, resume)
            return
        except DownloadError as e:
            print(f"  failed: {e}", flush=True)
            failures.append(f"{mirror} ({e})")
    raise LabError(f"could not download {name}; tried: {'; '.join(failures)}. Fix: check your "
                   f"internet connection or pass --mirror URL, or copy {name} by hand into "
                   f"{os.path.dirname(dest)}/ and run this again to check it")


def fetch_unless_valid(path, check, mirrors, max_bytes, resume=False):
    """Keep `path` when it passes `check` (a copy put there by hand counts), else download it."""
    problem = check(path)
    if problem:
        print(f"{path}: {problem} - downloading it")
        fetch_from_mirrors(path, check, mirrors, max_bytes, resume)


# ----------------------------------------------------------------------------- MNIST

def mnist_file_problem(mnist_dir, name):
    """Why the MNIST file `name` is not usable (a phrase naming the file), or None if it is.

    Like the loader (datasets.read_idx), look at the decompressed file first, else the .gz.
    """
    path = os.path.join(mnist_dir, name)
    gunzip = not os.path.exists(path)
    if gunzip:
        path += ".gz"
    problem = file_problem(path, name, gunzip)
    return f"{os.path.basename(path)}: {problem}" if problem else None


def download_mnist(mnist_dir, mirrors=None):
    """Make sure `mnist_dir` holds the four official MNIST files (.gz or decompressed).

    Valid files are kept; missing or broken ones are downloaded again from the first of
    `mirrors` (default MNIST_MIRRORS) that serves a copy with the official md5.
    """
    problems = {name: mnist_file_problem(mnist_dir, name) for name in MNIST_NAMES}
    broken = [name for name in MNIST_NAMES if problems[name]]
    if not broken:
        print("Found MNIST - skip")
        return
    check_writable(mnist_dir, "data dir")
    os.makedirs(mnist_dir, exist_ok=True)
    for name in broken:
        print(f"MNIST {problems[name]} - will download it")
    for name in broken:
        remove_file(os.path.join(mnist_dir, name))  # a bad decompressed copy would hide the .gz
        fetch_from_mirrors(os.path.join(mnist_dir, name + ".gz"),
                           md5_check(name, gunzip=True), mirrors or MNIST_MIRRORS,
                           MAX_BYTES[name])  # a .gz is never larger than its content
    print(f"MNIST ready in {mnist_dir} (all four files verified)")


# ----------------------------------------------------------------------------- CIFAR-10

def cifar10_extracted(archive, cifar_dir):
    """True when every batch file of the archive is in cifar_dir, with the archive's size
    (an interrupted extraction leaves a short or missing file)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            batches = [m for m in tar_members(tar, MAX_CIFAR_BATCH_BYTES)
                       if m.isfile() and m.name.startswith(CIFAR10_BATCH_DIR + "/")]
    except (tarfile.TarError, OSError, EOFError, TooLarge):
        return False
    paths = [(os.path.join(cifar_dir, m.name), m.size) for m in batches]
    return bool(paths) and all(os.path.isfile(p) and os.path.getsize(p) == size
                               for p, size in paths)


def download_cifar10(cifar_dir, mirrors=None):
    """Make sure `cifar_dir` holds the verified CIFAR-10 archive (from the first good one of
    `mirrors`, default CIFAR10_MIRRORS) and the batches extracted from it."""
    archive = os.path.join(cifar_dir, CIFAR10_ARCHIVE)
    check = md5_check(CIFAR10_ARCHIVE)
    if not check(archive) and cifar10_extracted(archive, cifar_dir):
        print("Found CIFAR-10 - skip")
        return
    check_writable(cifar_dir, "data dir")
    os.makedirs(cifar_dir, exist_ok=True)
    fetch_unless_valid(archive, check, mirrors or CIFAR10_MIRRORS, MAX_BYTES[CIFAR10_ARCHIVE])
    print(f"Extracting {archive}")
    extract_cifar10(archive, cifar_dir)
    print(f"CIFAR-10 ready in {os.path.join(cifar_dir, CIFAR10_BATCH_DIR)}")


# ----------------------------------------------------------------------------- CelebA

def celeba_names():
    """The image names CelebA must have: 000001.jpg ... (CELEBA_IMAGES of them)."""
    return {f"{i:06d}.jpg" for i in range(1, CELEBA_IMAGES + 1)}


def jpegs_in(folder):
    """Paths (relative to `folder`, any depth) of the JPEG files in it; empty if no folder."""
    found = set()
    for root, _, files in os.walk(folder):
        prefix = os.path.relpath(root, folder)
        found.update(name if prefix == "." else os.path.join(prefix, name) for name in files
                     if name.lower().endswith((".jpg", ".jpeg")))
    return found


def images_problem(found):
    """What is wrong with this set of image names for CelebA (a phrase), or None."""
    expected = celeba_names()
    missing, extra = sorted(expected - found), sorted(found - expected)
    problems = []
    if missing:
        problems.append(f"{len(missing):,} of {CELEBA_IMAGES:,} images missing "
                        f"(e.g. {missing[0]})")
    if extra:
        problems.append(f"{len(extra):,} unexpected image file(s) (e.g. {extra[0]})")
    return "; ".join(problems) or None


def jpeg_member_problem(info):
    """Why the zip member `info` cannot be a CelebA face (a phrase), or None: from its header,
    before it is read. A zip bomb's member unpacks to far more than it takes in the zip."""
    if info.file_size > MAX_JPEG_BYTES:
        return (f"its member {info.filename} is {info.file_size:,} bytes, more than a CelebA "
                f"face can be ({MAX_JPEG_BYTES:,})")
    if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
        return (f"its member {info.filename} unpacks to {info.file_size:,} bytes from "
                f"{info.compress_size:,}, more than a JPEG ever compresses (a zip bomb)")
    return None


def extract_jpegs(archive, folder):
    """Unpack every .jpg of the zip `archive` straight into `folder` (sub-folders dropped),
    once every member's header has passed jpeg_member_problem."""
    fix = "delete it and run again: python download.py celebA"
    try:
        with zipfile.ZipFile(archive) as zf:
            jpegs = [info for info in zf.infolist()
                     if not info.is_dir() and info.filename.lower().endswith(".jpg")]
            problem = next(filter(None, map(jpeg_member_problem, jpegs)), None)
            if problem:
                raise LabError(f"{archive} is refused: {problem}; {fix}")
            for info in jpegs:
                with zf.open(info) as source:
                    copy_to_file(source, os.path.join(folder, os.path.basename(info.filename)))
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise LabError(f"{archive} is not a valid zip file ({e}); {fix}")


def move_into_place(new_folder, folder):
    """Rename `new_folder` to `folder`. An existing `folder` (it holds no images) gives its
    other files to the new one first."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(new_folder, 0o777 & ~umask)  # mkdtemp makes 0700 folders; give the usual permissions
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            os.replace(os.path.join(folder, name), os.path.join(new_folder, name))
        os.rmdir(folder)
    os.replace(new_folder, folder)


def unpack_celeba(archive, celeba_dir):
    """Unpack the faces of img_align_celeba.zip into `celeba_dir` as a flat folder of JPEGs,
    all at once: they go to a temporary folder next to it, renamed into place when complete
    (one left by a run that was killed while unpacking is removed by the next run: run())."""
    data_dir = os.path.dirname(os.path.abspath(celeba_dir))
    tmp = tempfile.mkdtemp(dir=data_dir, prefix=temporary_prefix("celebA"))
    try:
        extract_jpegs(archive, tmp)
        problem = images_problem(jpegs_in(tmp))
        if problem:
            raise LabError(f"{archive} does not hold the CelebA faces: {problem}; delete it and "
                           "run again: python download.py celebA")
        move_into_place(tmp, celeba_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def download_celeba(celeba_dir, mirrors=None):
    """Make sure `celeba_dir` holds the CELEBA_IMAGES aligned CelebA faces (a flat folder of
    JPEGs) and list_attr_celeba.txt, from the first good one of `mirrors` (default: Drive).

    The zip (md5-checked before unpacking) is downloaded next to the folder and deleted once
    unpacked. A folder with missing or extra images is an error: we cannot repair it safely.
    """
    images = jpegs_in(celeba_dir)
    problem = images_problem(images) if images else None
    if problem:
        raise LabError(f"{celeba_dir} is not the complete CelebA folder: {problem}. Fix: remove "
                       f"{celeba_dir} (or move your own images elsewhere) and run: "
                       "python download.py celebA")
    attributes = os.path.join(celeba_dir, CELEBA_ATTRIBUTES)
    attributes_check = md5_check(CELEBA_ATTRIBUTES)
    if images and not attributes_check(attributes):
        print("Found celebA - skip")
        return
    mirrors = mirrors or CELEBA_MIRRORS
    data_dir = os.path.dirname(os.path.abspath(celeba_dir))
    check_writable(data_dir, "data dir")
    os.makedirs(data_dir, exist_ok=True)
    if not images:
        archive = os.path.join(data_dir, CELEBA_ZIP)
        fetch_unless_valid(archive, md5_check(CELEBA_ZIP), mirrors, MAX_BYTES[CELEBA_ZIP],
                           resume=True)
        print(f"Unpacking {archive} into {celeba_dir}", flush=True)
        unpack_celeba(archive, celeba_dir)
        os.remove(archive)
    fetch_unless_valid(attributes, attributes_check, mirrors, MAX_BYTES[CELEBA_ATTRIBUTES])
    print(f"celebA ready in {celeba_dir} ({CELEBA_IMAGES:,} faces and {CELEBA_ATTRIBUTES}, "
          "verified)")


# ----------------------------------------------------------------------------- Inception (FID)

def graph_problem(data):
    """Why the bytes `data` are not the Inception graph FID needs (a phrase), or None: they
    must parse as a TensorFlow GraphDef made only of the real graph's ops (checked with
    evaluation.inception.graph_def_problem; nothing is imported) holding INCEPTION_NODES."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tfstart  # here, not at the top: only this check needs TensorFlow (slow)
    tf = tfstart.import_tensorflow()  # its start-up chatter hidden
    from google.protobuf.message import DecodeError
    from evaluation.inception import graph_def_problem
    graph_def = tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(data)
    except (DecodeError, ValueError):
        return "not a TensorFlow GraphDef"
    unsafe = graph_def_problem(graph_def)
    if unsafe:
        return f"refused ({unsafe})"
    missing = sorted(set(INCEPTION_NODES) - {node.name for node in graph_def.node})
    return f"not the Inception graph (no node {', '.join(missing)})" if missing else None


def graph_data_problem(data):
    """Why the bytes of a classify_image_graph_def.pb are not the real 2015-12-05 graph (a
    phrase), or None: its pinned md5 first, then graph_problem."""
    if hashlib.md5(data).hexdigest() != EXPECTED_MD5[INCEPTION_GRAPH]:
        return "not the 2015-12-05 graph (md5 mismatch)"
    return graph_problem(data)


def graph_member(tar):
    """The classify_image_graph_def.pb member of the open Inception archive, or None. TooLarge
    when a member is larger than that graph (refused before it is read)."""
    return next((m for m in tar_members(tar, MAX_BYTES[INCEPTION_GRAPH])
                 if m.isfile() and os.path.basename(m.name) == INCEPTION_GRAPH), None)


def inception_archive_problem(archive):
    """Why `archive` is not a usable inception-2015-12-05.tgz (a phrase), or None."""
    if not os.path.exists(archive):
        return "missing"
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = graph_member(tar)
            if member is None:
                return f"no {INCEPTION_GRAPH} in it"
            problem = graph_data_problem(tar.extractfile(member).read())
    except TooLarge as e:
        return str(e)
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        return "not a complete .tgz archive (interrupted download?)"
    return f"its {INCEPTION_GRAPH} is {problem}" if problem else None


def inception_graph_problem(path):
    """Why `path` is not a usable classify_image_graph_def.pb (a phrase), or None."""
    if not os.path.exists(path):
        return "missing"
    if os.path.getsize(path) > MAX_BYTES[INCEPTION_GRAPH]:
        return "larger than the 2015-12-05 graph"
    with open(path, "rb") as f:
        return graph_data_problem(f.read())


def download_inception(inception_dir, mirrors=None):
    """Make sure `inception_dir` holds classify_image_graph_def.pb, the Inception graph of the
    standard FID, from the first good copy of inception-2015-12-05.tgz on `mirrors`."""
    graph = os.path.join(inception_dir, INCEPTION_GRAPH)
    problem = inception_graph_problem(graph)
    if not problem:
        print("Found inception - skip")
        return
    if os.path.exists(graph):
        print(f"{graph}: {problem} - downloading it again")
    check_writable(inception_dir, "data dir")
    os.makedirs(inception_dir, exist_ok=True)
    archive = os.path.join(inception_dir, INCEPTION_ARCHIVE)
    fetch_unless_valid(archive, inception_archive_problem, mirrors or INCEPTION_MIRRORS,
                       MAX_BYTES[INCEPTION_ARCHIVE], resume=True)
    with tarfile.open(archive, "r:gz") as tar:
        atomic_write(graph, lambda tmp: copy_to_file(tar.extractfile(graph_member(tar)), tmp))
    os.remove(archive)
    print(f"Inception graph ready: {graph}")


# ----------------------------------------------------------------------------- command line

DOWNLOADERS = {"mnist": download_mnist, "cifar10": download_cifar10,
               "celebA": download_celeba, "inception": download_inception}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad command line is a one-line LabError instead of usage + error."""

    def error(self, message):
        raise LabError(f"{message} (see: python download.py --help)")


def check_mirror(mirror):
    """A --mirror must be an http(s):// URL or a file:// folder; else a one-line LabError."""
    parts = urllib.parse.urlsplit(mirror)
    web = parts.scheme in ("http", "https")
    if not (web and parts.netloc or parts.scheme == "file"):
        raise LabError(f"--mirror {mirror} is not a URL; give one like https://example.org/data/ "
                       "or a local folder as file:///path/to/folder/")


def parse_args(argv):
    """The command line: dataset names, --data_dir, --mirror (repeatable)."""
    parser = OneLineParser(description="Download and verify the lab's datasets.")
    parser.add_argument("datasets", nargs="+", metavar="DATASET",
                        help=f"one or more of: {', '.join(DOWNLOADERS)}")
    parser.add_argument("--data_dir", default="./data",
                        help="folder that gets one sub-folder per name, e.g. mnist/ "
                             "(default ./data)")
    parser.add_argument("--mirror", action="append", metavar="URL",
                        help="base URL to download from instead of the built-in mirrors; "
                             "repeat to try several in order")
    args = parser.parse_args(argv)
    unknown = [name for name in args.datasets if name not in DOWNLOADERS]
    if unknown:
        raise LabError(f"unknown dataset {', '.join(unknown)}; "
                       f"valid names: {', '.join(DOWNLOADERS)}")
    for mirror in args.mirror or []:
        check_mirror(mirror)
    return args


def run(argv):
    """Download every dataset named on the command line, in order, after removing what killed
    runs left in any dataset's folder (temporary files whose process is gone)."""
    args = parse_args(argv)
    for folder in [args.data_dir] + [os.path.join(args.data_dir, name) for name in DOWNLOADERS]:
        remove_stale_temporary(folder)
    for name in args.datasets:
        DOWNLOADERS[name](os.path.join(args.data_dir, name), args.mirror)


def main(argv=None):
    """Entry point: like run(), but a LabError becomes `error: ...` on stderr and exit code 2,
    Ctrl-C or SIGTERM one line and exit code 130 / 143 (errors.run_or_exit)."""
    run_or_exit(run, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
