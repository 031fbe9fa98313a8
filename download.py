"""Download the lab's datasets, check them, and keep them only when they are complete.

Run from the repository root:

    python download.py mnist                  # the handout's step 2 -> data/mnist/
    python download.py cifar10                # -> data/cifar10/ (archive + extracted batches)
    python download.py mnist cifar10          # both
    python download.py mnist --data_dir /scratch/data
    python download.py mnist --mirror https://example.org/mnist/   # try only this mirror
                                                                   # (repeat --mirror for more)

Every file is checked against its official md5 checksum. A download goes to a temporary
file in the target folder and is renamed into place only once it checks out, so an
interrupted or corrupt download never looks like a real file. Running the script again
re-downloads only what is missing or broken, and prints "Found MNIST - skip" when there is
nothing to do. When every mirror fails you get one `error: ...` line and exit code 2; you
can then copy the files by hand into data/mnist/ (or data/cifar10/) and run it again to
check them. A mirror can also be a local folder: --mirror file:///path/to/folder/
"""
import argparse
import gzip
import hashlib
import http.client
import os
import socket
import sys
import tarfile
import time
import urllib.error
import urllib.request

from datasets import MNIST_FILES, extract_cifar10
from errors import LabError, run_or_exit
from utils import atomic_write, check_writable

# The four MNIST files, by their decompressed names (train images, train labels, test ...).
MNIST_NAMES = [name for images, labels, _ in MNIST_FILES.values() for name in (images, labels)]
MNIST_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",  # the original host; it now often refuses, so last
]

CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_BATCH_DIR = "cifar-10-batches-py"  # the folder inside the archive
CIFAR10_MIRRORS = [
    "https://www.cs.toronto.edu/~kriz/",
    "https://ossci-datasets.s3.amazonaws.com/cifar10/",
]

# Official md5 checksums. For MNIST they are of the DECOMPRESSED files, so a mirror that
# recompressed the .gz files still checks out; for CIFAR-10 it is of the archive itself.
EXPECTED_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    CIFAR10_ARCHIVE: "c58f30108f718f92721af3b95e74349a",
}

TIMEOUT_S = 30          # give up on a silent server after this many seconds
CHUNK_BYTES = 1 << 20   # read and hash files 1 MiB at a time (never the whole file in memory)
PROGRESS_EVERY_S = 5    # print download progress at most this often
USER_AGENT = "gan-lab-download/1.0 (Python urllib)"


class DownloadError(Exception):
    """One mirror failed for one file; the message is the short reason (e.g. 'HTTP 404')."""


# ----------------------------------------------------------------------------- checking files

def md5_of(path, gunzip=False):
    """md5 hex digest of a file's content, or of its decompressed content when gunzip is True.

    Raises OSError or EOFError when a gunzip file is not a complete gzip stream.
    """
    digest = hashlib.md5()
    opener = gzip.open if gunzip else open
    with opener(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_problem(path, md5, gunzip=False):
    """Why `path` is not the expected file (a short phrase), or None when its md5 matches."""
    if not os.path.exists(path):
        return "missing"
    try:
        actual = md5_of(path, gunzip)
    except (OSError, EOFError):
        return "not a complete gzip file (interrupted download?)"
    if actual != md5:
        return "md5 mismatch (corrupt or incomplete)"
    return None


# ----------------------------------------------------------------------------- downloading

def short_reason(error):
    """A few words on why a download failed, for the one-line error message."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError):
        error = error.reason if isinstance(error.reason, Exception) else error
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error)[:80] or type(error).__name__


def response_chunks(response):
    """Yield the body of an HTTP response in chunks; network errors become DownloadError."""
    while True:
        try:
            chunk = response.read(CHUNK_BYTES)
        except (OSError, http.client.HTTPException) as e:
            raise DownloadError(short_reason(e))
        if not chunk:
            return
        yield chunk


def print_progress(done, total):
    """One progress line: megabytes received, out of the total when the server told us it."""
    if total:
        print(f"  {done / 2**20:.1f} / {total / 2**20:.1f} MB ({100 * done // total}%)", flush=True)
    else:
        print(f"  {done / 2**20:.1f} MB", flush=True)


def save_url(url, path, timeout=TIMEOUT_S):
    """Stream `url` into the file `path`, printing progress now and then.

    Raises DownloadError when the server cannot be reached, answers with an error, or
    sends fewer bytes than it announced.
    """
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except (OSError, ValueError, http.client.HTTPException) as e:
        raise DownloadError(short_reason(e))
    with response, open(path, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0)
        done, last_print = 0, time.monotonic()
        for chunk in response_chunks(response):
            out.write(chunk)
            done += len(chunk)
            if time.monotonic() - last_print >= PROGRESS_EVERY_S:
                print_progress(done, total)
                last_print = time.monotonic()
    if total and done != total:
        raise DownloadError(f"connection closed after {done} of {total} bytes")
    print_progress(done, total)


def fetch(url, dest, md5, gunzip=False):
    """Download `url` to `dest`, keeping it only when its md5 (of the decompressed content
    when gunzip is True) is `md5`.

    The bytes go to a temporary file next to `dest`, which is checked and then renamed
    onto `dest`; on any failure the temporary file is deleted and DownloadError raised.
    """
    def download_and_check(tmp):
        save_url(url, tmp)
        problem = file_problem(tmp, md5, gunzip)
        if problem:
            raise DownloadError(problem)

    atomic_write(dest, download_and_check)


def fetch_from_mirrors(dest, md5, mirrors, gunzip=False):
    """Try each mirror in turn for the file named like `dest`; stop at the first good copy.

    Raises LabError (one line: the file, each mirror's reason, the fix) when all fail.
    """
    name = os.path.basename(dest)
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        print(f"Downloading {url}", flush=True)
        try:
            fetch(url, dest, md5, gunzip)
            return
        except DownloadError as e:
            print(f"  failed: {e}", flush=True)
            failures.append(f"{url} ({e})")
    raise LabError(f"could not download {name}; tried: {'; '.join(failures)}. Fix: check your "
                   f"internet connection or pass --mirror URL, or copy {name} by hand into "
                   f"{os.path.dirname(dest)}/ and run this again to check it")


# ----------------------------------------------------------------------------- MNIST

def mnist_file_problem(mnist_dir, name):
    """Why the MNIST file `name` is not usable (a phrase naming the file), or None if it is.

    Like the loader (datasets.read_idx), look at the decompressed file first, else the .gz.
    """
    path = os.path.join(mnist_dir, name)
    gunzip = not os.path.exists(path)
    if gunzip:
        path += ".gz"
    problem = file_problem(path, EXPECTED_MD5[name], gunzip)
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
    for name in broken:
        print(f"MNIST {problems[name]} - will download it")
    for name in broken:
        remove_file(os.path.join(mnist_dir, name))  # a bad decompressed copy would hide the .gz
        fetch_from_mirrors(os.path.join(mnist_dir, name + ".gz"), EXPECTED_MD5[name],
                           mirrors or MNIST_MIRRORS, gunzip=True)
    print(f"MNIST ready in {mnist_dir} (all four files verified)")


def remove_file(path):
    """Delete `path` if it exists."""
    if os.path.exists(path):
        os.remove(path)


# ----------------------------------------------------------------------------- CIFAR-10

def cifar10_extracted(archive, cifar_dir):
    """True when every batch file of the archive is in cifar_dir, with the archive's size
    (an interrupted extraction leaves a short or missing file)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            batches = [m for m in tar.getmembers()
                       if m.isfile() and m.name.startswith(CIFAR10_BATCH_DIR + "/")]
    except (tarfile.TarError, OSError, EOFError):
        return False
    paths = [(os.path.join(cifar_dir, m.name), m.size) for m in batches]
    return bool(paths) and all(os.path.isfile(p) and os.path.getsize(p) == size
                               for p, size in paths)


def download_cifar10(cifar_dir, mirrors=None):
    """Make sure `cifar_dir` holds the verified CIFAR-10 archive (from the first good one of
    `mirrors`, default CIFAR10_MIRRORS) and the batches extracted from it."""
    archive = os.path.join(cifar_dir, CIFAR10_ARCHIVE)
    md5 = EXPECTED_MD5[CIFAR10_ARCHIVE]
    problem = file_problem(archive, md5)
    if not problem and cifar10_extracted(archive, cifar_dir):
        print("Found CIFAR-10 - skip")
        return
    check_writable(cifar_dir, "data dir")
    if problem:
        print(f"CIFAR-10 {CIFAR10_ARCHIVE}: {problem} - downloading it")
        fetch_from_mirrors(archive, md5, mirrors or CIFAR10_MIRRORS)
    print(f"Extracting {archive}")
    extract_cifar10(archive, cifar_dir)
    print(f"CIFAR-10 ready in {os.path.join(cifar_dir, CIFAR10_BATCH_DIR)}")


# ----------------------------------------------------------------------------- command line

DOWNLOADERS = {"mnist": download_mnist, "cifar10": download_cifar10}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad command line is a one-line LabError instead of usage + error."""

    def error(self, message):
        raise LabError(f"{message} (see: python download.py --help)")


def parse_args(argv):
    """The command line: dataset names, --data_dir, --mirror (repeatable)."""
    parser = OneLineParser(description="Download and verify the lab's datasets.")
    parser.add_argument("datasets", nargs="+", metavar="DATASET",
                        help=f"one or more of: {', '.join(DOWNLOADERS)}")
    parser.add_argument("--data_dir", default="./data",
                        help="folder that gets mnist/ and cifar10/ (default ./data)")
    parser.add_argument("--mirror", action="append", metavar="URL",
                        help="base URL to download from instead of the built-in mirrors; "
                             "repeat to try several in order")
    args = parser.parse_args(argv)
    unknown = [name for name in args.datasets if name not in DOWNLOADERS]
    if unknown:
        raise LabError(f"unknown dataset {', '.join(unknown)}; "
                       f"valid names: {', '.join(DOWNLOADERS)}")
    return args


def run(argv):
    """Download every dataset named on the command line, in order."""
    args = parse_args(argv)
    for name in args.datasets:
        DOWNLOADERS[name](os.path.join(args.data_dir, name), args.mirror)


def main(argv=None):
    """Entry point: like run(), but a LabError becomes `error: ...` on stderr and exit code 2."""
    run_or_exit(run, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
