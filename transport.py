"""How download.py gets a file from the internet (handout 五.2, where download_mnist calls curl):
the same job, done so that a bad network or a bad mirror never leaves a bad file.

fetch_from_mirrors tries each mirror in turn; fetch streams one URL into a temporary file (or a
resumable `.part`), checks it, and only then renames it into place. Along the way:
- a server that sends nothing, or only a trickle, for a minute is given up on (response_chunks);
- nothing is read past the real file's size: a mirror that announces or sends more is stopped
  and named (save_url);
- an interrupted `.part` continues with an HTTP Range request where the server allows it;
- Google Drive's pages for large files (a cookie token, or today's HTML form) are followed, and
  an HTML answer (e.g. "quota exceeded") is never saved as the file (open_file);
- progress lines say MB, rate and time left (Progress).
download.py holds what is downloaded and how it is checked; this module only moves bytes.
"""
import html.parser
import http.client
import http.cookiejar
import os
import re
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from checksums import CHUNK_BYTES, TooLarge
from errors import LabError
from files import format_seconds
from files import atomic_write

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


# ----------------------------------------------------------------------------- files

def remove_file(path):
    """Delete the file `path` if it exists. A folder in its place is the user's to move (one line)."""
    if os.path.isdir(path) and not os.path.islink(path):
        raise LabError(f"{path} is a folder where a downloaded file belongs: move or delete it and run again")
    if os.path.lexists(path):
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


def mirror_url(mirror, name, drive_ids=None):
    """The URL of file `name` on `mirror`: a folder URL gets the name, Google Drive the file's id
    (drive_ids: {name: id})."""
    if not is_drive(mirror):
        return mirror.rstrip("/") + "/" + name
    if name not in (drive_ids or {}):
        raise DownloadError(f"no Google Drive id known for {name}")
    return add_query(mirror, id=drive_ids[name])


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


def fetch_from_mirrors(dest, check, mirrors, max_bytes, resume=False, drive_ids=None):
    """Try each mirror in turn for the file named like `dest`; stop at the first good copy.

    Raises LabError (one line: the file, each mirror's reason, the fix) when all fail.
    """
    name = os.path.basename(dest)
    failures = []
    for mirror in mirrors:
        try:
            url = mirror_url(mirror, name, drive_ids)
            print(f"Downloading {url}", flush=True)
            fetch(url, dest, check, max_bytes, resume)
            return
        except DownloadError as e:
            print(f"  failed: {e}", flush=True)
            failures.append(f"{mirror} ({e})")
    raise LabError(f"could not download {name}; tried: {'; '.join(failures)}. Fix: check your "
                   f"internet connection or pass --mirror URL, or copy {name} by hand into "
                   f"{os.path.dirname(dest)}/ and run this again to check it")


def fetch_unless_valid(path, check, mirrors, max_bytes, resume=False, drive_ids=None):
    """Keep `path` when it passes `check` (a copy put there by hand counts), else download it."""
    problem = check(path)
    if problem:
        print(f"{path}: {problem} - downloading it")
        fetch_from_mirrors(path, check, mirrors, max_bytes, resume, drive_ids)
