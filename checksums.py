"""What the lab knows about the files it takes from outside, and the checks that use it.

A file from outside (a dataset archive, the Inception graph) is data, never code: before it is
unpacked or read it is checked against its official md5 checksum, and nothing is ever read
past the size the real file has (a mirror that streams forever, an archive member of 1 GiB
in a 1 MB .tgz). download.py (which fetches the files) and datasets.py (which reads what a user
put in the data folder) both use this module; it imports nothing else of the lab.
"""
import gzip
import hashlib
import os
import zlib

CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CELEBA_ZIP = "img_align_celeba.zip"
CELEBA_ATTRIBUTES = "list_attr_celeba.txt"
INCEPTION_ARCHIVE = "inception-2015-12-05.tgz"
INCEPTION_GRAPH = "classify_image_graph_def.pb"

# Official md5 checksums. For MNIST they are of the DECOMPRESSED files, so a mirror that
# recompressed the .gz files still checks out; for the others it is of the file itself.
EXPECTED_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    CIFAR10_ARCHIVE: "c58f30108f718f92721af3b95e74349a",
    CELEBA_ZIP: "00d2c5bc6d35e252742224ab0c1e8fcb",
    CELEBA_ATTRIBUTES: "75e246fa4810816ffd6ee81facbd244c",
    # No checksum of inception-2015-12-05.tgz is published, so its graph is checked instead.
    # This md5 is of OpenAI's copy of the graph (openaipublic.blob.core.windows.net/diffusion/
    # jul-2021/ref_batches/classify_image_graph_def.pb, the one guided-diffusion's evaluator
    # uses), as a public EDM-benchmark repository pins it (RemoteArtifact(size_bytes=95_673_916,
    # md5="e6bb154e...")): one source. Its size is the 95,673,916 bytes that an independent
    # `ls -l` of the 2015 archive (quoted in public code) lists for the file.
    INCEPTION_GRAPH: "e6bb154e85f5d4331c22abcddb5dcf31",
}

# The most bytes each file can have: its exact size where public sources give it, else a
# generous bound. A download or an unpacking stops as soon as a file passes it.
MAX_BYTES = {
    # MNIST, decompressed: the idx header plus one byte per pixel or label (exact). The .gz
    # download is held to the same bound: the official .gz files are 9,912,422, 28,881,
    # 1,648,877 and 4,542 bytes, and no gzip of these files is larger than the file itself.
    "train-images-idx3-ubyte": 16 + 60000 * 28 * 28,
    "train-labels-idx1-ubyte": 8 + 60000,
    "t10k-images-idx3-ubyte": 16 + 10000 * 28 * 28,
    "t10k-labels-idx1-ubyte": 8 + 10000,
    CIFAR10_ARCHIVE: 170498071,     # exact (the size torchvision and Keras downloads report)
    CELEBA_ZIP: 1443490838,         # exact (the size torchvision's CelebA downloads report)
    CELEBA_ATTRIBUTES: 32 << 20,    # a bound: the file is about 26.7 MB (202,599 lines)
    INCEPTION_ARCHIVE: 88931400,    # exact (the size TensorFlow's retrain.py downloads report)
    INCEPTION_GRAPH: 95673916,      # exact (see its md5 above)
}
MAX_CIFAR_BATCH_BYTES = 32 << 20  # a member of the CIFAR-10 archive: a batch is about 31.0 MB
MAX_JPEG_BYTES = 1 << 20          # a member of the CelebA zip: a 178x218 face is about 10 KB
MAX_ZIP_RATIO = 20                # ... which a zip hardly compresses; a zip bomb's member: 1000:1

CHUNK_BYTES = 1 << 20  # read and hash files 1 MiB at a time (never the whole file in memory)


class TooLarge(Exception):
    """A download or an archive member is larger than the real file can be; the message says
    which and by how much (for the one-line error)."""


def md5_of(path, gunzip=False, max_bytes=None):
    """md5 hex digest of a file's content, or of its decompressed content when gunzip is True.

    With max_bytes, reading stops once more than that has been read: a file (or a gzip bomb)
    longer than the real file then simply does not match, and costs no more time than the
    real one. Raises OSError or EOFError when a gunzip file is not a complete gzip stream.
    """
    digest, done = hashlib.md5(), 0
    opener = gzip.open if gunzip else open
    with opener(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(chunk)
            done += len(chunk)
            if max_bytes is not None and done > max_bytes:
                break
    return digest.hexdigest()


def file_problem(path, name, gunzip=False):
    """Why `path` is not the official file `name` (a short phrase), or None when its md5
    (of the decompressed content if gunzip) is EXPECTED_MD5[name]."""
    if os.path.exists(path) and not os.path.isfile(path):  # a pipe would be read for ever
        return "not a file (a folder or a pipe?)"
    try:
        actual = md5_of(path, gunzip, MAX_BYTES[name])
    except FileNotFoundError:
        return "missing"
    except (OSError, EOFError, zlib.error):  # zlib.error: damaged compressed data
        return "not a complete gzip file (interrupted download?)"
    if actual != EXPECTED_MD5[name]:
        return "md5 mismatch (corrupt or incomplete)"
    return None


def tar_members(tar, max_bytes):
    """The members of the open tarfile `tar`, header by header; TooLarge at the first one
    larger than max_bytes, before any of its data is read (or skipped, which for a .tgz means
    decompressed)."""
    members = []
    for member in tar:
        if member.size > max_bytes:
            raise TooLarge(f"its member {member.name} is {member.size:,} bytes, more than the "
                           f"{max_bytes:,} it can be")
        members.append(member)
    return members
