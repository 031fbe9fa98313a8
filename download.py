"""Download the lab's datasets (and the Inception graph of the standard FID), check them, and
keep them only when they are complete.

Run from the repository root:

    python download.py mnist                  # the handout's 五.2 -> data/mnist/
    python download.py cifar10                # -> data/cifar10/ (archive + extracted batches)
    python download.py celebA                 # faces -> data/celebA/ (202,599 JPEGs + attributes)
    python download.py inception              # FID's Inception graph -> data/inception/
    python download.py mnist cifar10          # several at once
    python download.py cifar10 --folder planes_cars --classes airplane,automobile
                                              # CIFAR-10's training photos of those classes as
                                              # JPEGs, data/planes_cars/<class>/0000.jpg ...:
                                              # a folder like your own photos (Extension 1)
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
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.parse
import zipfile
import zlib

from absl import flags

import cli
from checksums import (CELEBA_ATTRIBUTES, CELEBA_ZIP, CIFAR10_ARCHIVE,
                       EXPECTED_MD5, INCEPTION_ARCHIVE, INCEPTION_GRAPH, MAX_BYTES,
                       MAX_CIFAR_BATCH_BYTES, MAX_JPEG_BYTES, MAX_ZIP_RATIO, TooLarge,
                       file_problem, tar_members)
from cifar10 import (CIFAR10_BATCH_DIR, CIFAR10_CLASSES, extract_cifar10, folder_names, read_cifar10,
                     write_class_folders)
from mnist import MNIST_FILES
from errors import LabError, stop_if_only_checking
from transport import copy_to_file, fetch_from_mirrors, fetch_unless_valid, remove_file
from files import atomic_write, check_writable, remove_stale_temporary, temporary_prefix
from runs import parse_classes

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



# ----------------------------------------------------------------------------- checking files

def md5_check(name, gunzip=False):
    """A check for fetch(): the file's md5 (of its decompressed content if gunzip) is the
    official one of `name`."""
    return lambda path: file_problem(path, name, gunzip)


# ----------------------------------------------------------------------------- MNIST

def mnist_file_problem(mnist_dir, name):
    """Why the MNIST file `name` is not usable (a phrase naming the file), or None if it is.

    Like the loader (mnist.read_idx), look at the decompressed file first, else the .gz.
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


def folder_request_problem(names, folder, classes):
    """Why --folder/--classes cannot be done (a LabError's text), or None. --folder makes a folder
    of CIFAR-10 photos, so it needs cifar10 among the names; --classes picks that folder's classes."""
    example = "python download.py cifar10 --folder planes_cars --classes airplane,automobile"
    if classes and not folder:
        return f"--classes picks the classes of a --folder of CIFAR-10 photos; add --folder NAME (e.g. {example})"
    if not folder:
        return None
    if "cifar10" not in names:
        return f"--folder writes CIFAR-10's photos as a folder; name cifar10 too (e.g. {example})"
    if folder in DOWNLOADERS or not folder.strip(".") or os.path.basename(folder) != folder \
            or folder.startswith((".", "-")):
        return (f"--folder {folder} must be a new folder's plain name under --data_dir, not a path or a "
                f"dataset's own name (e.g. {example})")
    unknown = [name for name in parse_classes(classes) if name not in CIFAR10_CLASSES]
    if unknown:
        return f"--classes {', '.join(unknown)}: CIFAR-10's classes are {', '.join(CIFAR10_CLASSES)}"
    return None


def write_cifar10_folder(cifar_dir, folder, classes):
    """data/<folder>/<class>/0000.jpg ...: CIFAR-10's training photos of `classes` (all ten when
    none are named) as a folder of JPEGs, unless that folder already holds exactly them."""
    classes = parse_classes(classes) or CIFAR10_CLASSES
    fix = "delete it or choose another --folder"
    if os.path.lexists(folder):
        if not os.path.isdir(folder):
            raise LabError(f"{folder} is a file, not a folder: {fix}")
        found = {os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
                 for root, _, files in os.walk(folder) for name in files}
        _, labels = read_cifar10(cifar_dir, "train")
        if found == set(folder_names(labels, classes)):
            print(f"Found {folder} ({len(found):,} photos) - skip")
            return
        raise LabError(f"{folder} already exists and holds other files than CIFAR-10's {', '.join(classes)} "
                       f"photos: {fix}")
    check_writable(os.path.dirname(os.path.abspath(folder)), "data dir")
    try:
        counts = write_class_folders(cifar_dir, classes, folder)
    except OSError as e:  # a full disk, a folder that went read-only: nothing of it was kept
        raise LabError(f"could not write {folder} ({e.strerror or e}); nothing of it was kept: free some "
                       "space (or fix the folder) and run the same command again")
    print(f"Wrote {folder}: " + ", ".join(f"{name} {n:,}" for name, n in counts.items())
          + f" JPEGs ({sum(counts.values()):,} photos of CIFAR-10's training batches)")


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
                           resume=True, drive_ids=DRIVE_IDS)
        print(f"Unpacking {archive} into {celeba_dir}", flush=True)
        unpack_celeba(archive, celeba_dir)
        os.remove(archive)
    fetch_unless_valid(attributes, attributes_check, mirrors, MAX_BYTES[CELEBA_ATTRIBUTES],
                       drive_ids=DRIVE_IDS)
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


def check_mirror(mirror):
    """A --mirror must be an http(s):// URL or a file:// folder; else a one-line LabError."""
    if not mirror.isprintable():  # urllib would send a line break inside the request
        raise LabError(f"--mirror {mirror} holds a line break or another control character; give the URL alone")
    try:
        parts = urllib.parse.urlsplit(mirror)
        parts.port  # noqa: B018 - a port that is no number raises here, not halfway through a download
    except ValueError:  # 'http://[::1' (an unclosed IPv6 address), 'http://host:port'
        parts = urllib.parse.SplitResult("", "", "", "", "")
    web = parts.scheme in ("http", "https")
    if not (web and parts.netloc or parts.scheme == "file"):
        raise LabError(f"--mirror {mirror} is not a URL; give one like https://example.org/data/ "
                       "or a local folder as file:///path/to/folder/")


def download_one(name, data_dir, mirrors):
    """Download one dataset into data_dir/<name>/. One that fails leaves no empty folder it made
    (a .part kept to continue from keeps its folder)."""
    made = [path for path in (data_dir, os.path.join(data_dir, name)) if not os.path.lexists(path)]
    try:
        DOWNLOADERS[name](os.path.join(data_dir, name), mirrors)
    except BaseException:
        for path in reversed(made):  # the dataset's folder first, then data_dir
            try:
                os.rmdir(path)  # only an empty folder goes
            except OSError:
                pass
        raise


def download(names, data_dir="./data", mirrors=None, folder=None, classes=""):
    """Download every dataset in `names`, in order, into data_dir/<name>/ (from `mirrors` when
    given), after removing what killed runs left in any dataset's folder; then, with `folder`,
    write CIFAR-10's photos of `classes` into data_dir/<folder>/<class>/."""
    unknown = [name for name in names if name not in DOWNLOADERS]
    if not names or unknown:
        what = f"unknown dataset {', '.join(unknown)}" if unknown else "name a dataset to download"
        raise LabError(f"{what}; valid names: {', '.join(DOWNLOADERS)} (e.g. python download.py mnist)")
    for mirror in mirrors or []:
        check_mirror(mirror)
    if os.path.exists(data_dir) and not os.path.isdir(data_dir):
        raise LabError(f"--data_dir {data_dir} is a file, not a folder; name a folder (the datasets go in "
                       "sub-folders of it), e.g. --data_dir ./data")
    problem = folder_request_problem(names, folder, classes)
    if problem:
        raise LabError(problem)
    stop_if_only_checking(f"the names and mirrors check out ({', '.join(names)})")
    for path in [data_dir] + [os.path.join(data_dir, name) for name in DOWNLOADERS]:
        remove_stale_temporary(path)
    for name in names:
        download_one(name, data_dir, mirrors)
    if folder:
        write_cifar10_folder(os.path.join(data_dir, "cifar10"), os.path.join(data_dir, folder), classes)


flags.DEFINE_string("data_dir", "./data", "Folder that gets one sub-folder per dataset, e.g. mnist/")
flags.DEFINE_multi_string("mirror", None, "Base URL to download from instead of the built-in mirrors "
                          "(https://..., or a folder as file:///path/), tried in order")
flags.DEFINE_string("folder", None, "With cifar10: also write its training photos as JPEGs, one sub-folder "
                    "per class, into this new folder under --data_dir (e.g. planes_cars)")
flags.DEFINE_string("classes", "", "With --folder: the CIFAR-10 classes it gets (e.g. airplane,automobile) [all 10]")
FLAGS = flags.FLAGS
HELP = dict(program="download.py DATASET [DATASET ...]",
            groups=[("Download", ["data_dir", "mirror", "folder", "classes"])],
            usage=[f"Downloads and checks the lab's datasets: {', '.join(DOWNLOADERS)}.",
                   "  python download.py mnist               # the handout's 五.2 -> data/mnist/"],
            common=False)


def main(argv):
    """python download.py NAME [NAME ...] [--data_dir DIR] [--mirror URL ...] [--folder NAME --classes ...]"""
    download(argv[1:], FLAGS.data_dir, FLAGS.mirror, FLAGS.folder, FLAGS.classes)


if __name__ == "__main__":
    cli.run_script(main, HELP)
