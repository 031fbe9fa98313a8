"""A folder of your own images (handout 六.1: cars, planes, people), as datasets.load_image_folder
reads it: which files are images (scan_images), their classes (one sub-folder per class, or
CelebA's attributes), which are held out for the comparison (HOLDOUT_RULE) and, through their
decoded-image cache (folder_cache.py), the images themselves at the training size.

    data/planes_cars/airplane/0001.jpg ...      two classes: airplane, automobile
    data/planes_cars/automobile/0001.jpg ...
    data/celebA/000001.jpg ...                  no class folders: unconditional (or --attribute)

Bad files raise errors.LabError with a one-line message that names the file and the fix.
"""
import fnmatch
import hashlib
import os
import re
from stat import S_ISREG

import numpy as np

import folder_cache
from errors import LabError
from folder_cache import ImageFile

HOLDOUT_EVERY, MIN_SPLIT = 10, 20           # a folder's test split: 1 image in 10 (folders of >= 20)
# Which images of a folder are held out is decided per image, from its own path, so that adding or
# removing images never moves another image across the split (with "every 10th file in sorted
# order", one new image moved the whole test split into images a run had trained on).
HOLDOUT_RULE = "sha1(path in the folder) % 10 == 0"
# celebA's folder also holds CELEBA_ATTRIBUTES (checksums.py): 40 attributes of +1/-1 per image


def name_matcher(pattern):
    """A test (rel, name) -> bool for the glob `pattern`, as glob.glob(folder/**/pattern) matches:
    on the file's name ('*.jpg'), or on its path at any depth when the pattern has a '/'
    ('cars/*.jpg')."""
    regex = re.compile(fnmatch.translate(pattern)).match
    if "/" not in pattern:
        return lambda rel, name: regex(name) is not None
    anywhere = re.compile(fnmatch.translate("*/" + pattern)).match
    return lambda rel, name: regex(rel) is not None or anywhere(rel) is not None


def scan_images(folder, pattern):
    """ImageFiles under `folder` (recursively, following symbolic links) whose name matches the
    glob `pattern`, sorted by path. Hidden files and folders ('.cache', ...) are skipped, as glob
    skips them. A link back to a folder above is not followed (no loop), and a file reached
    twice (a link to an image or to its folder, a hard link) counts once, under its first path."""
    if not os.path.isdir(folder):
        raise LabError(f"dataset folder {folder} does not exist; put your images in it "
                       "(one sub-folder per class for a conditional model)")
    matches, found = name_matcher(pattern), []

    def walk(path, prefix, parents):
        """Add the matching files under one folder to `found`; parents: (device, inode) of the
        folders above it, so that a link back to one of them is not followed (a loop)."""
        stat = os.stat(path)
        if (stat.st_dev, stat.st_ino) in parents:
            return
        parents = parents | {(stat.st_dev, stat.st_ino)}
        with os.scandir(path) as entries:
            for entry in entries:
                rel = prefix + entry.name
                try:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir():  # follows links
                        walk(entry.path, rel + "/", parents)
                    elif matches(rel, entry.name):
                        stat = entry.stat()  # follows links; a broken link or a link loop fails
                        if S_ISREG(stat.st_mode):
                            found.append((rel, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns))
                except OSError:
                    continue

    try:
        walk(folder, "", frozenset())
    except OSError as e:
        raise LabError(f"cannot read the dataset folder {folder} ({e.strerror}); check its permissions")
    found.sort()
    files, seen_files = [], set()
    for rel, device, inode, size, mtime_ns in found:
        if (device, inode) not in seen_files:  # the same file by another path (a link)
            seen_files.add((device, inode))
            files.append(ImageFile(rel, size, mtime_ns))
    if not files:
        raise LabError(f"no file in {folder} matches --input_fname_pattern '{pattern}'; "
                       "check the pattern (e.g. '*.jpg' or '*.png')")
    return files


def find_images(folder, pattern):
    """Paths of the files under `folder` (recursively) whose name matches the glob `pattern`,
    sorted, each image once (see scan_images)."""
    return [os.path.join(folder, f.rel) for f in scan_images(folder, pattern)]


def top_folder(rel):
    """'cars/a.jpg' -> 'cars'; 'a.jpg' -> '' (an image at the top has no class folder)."""
    parts = rel.split("/")
    return parts[0] if len(parts) > 1 else ""


def folder_labels(folder, files, classes):
    """(labels [N] int64, sorted class names) from the class sub-folders, or (None, []) when
    some image is not in one (an unconditional folder)."""
    names = [top_folder(f.rel) for f in files]
    if not all(names):
        if classes:
            raise LabError(f"--classes needs one sub-folder per class in {folder}")
        return None, []
    class_names = sorted(set(names))
    index = {n: i for i, n in enumerate(class_names)}
    return np.array([index[n] for n in names], dtype=np.int64), class_names


def read_celeba_attribute(path, attribute):
    """{image file name: 1 with `attribute`, 0 without} from CelebA's list_attr_celeba.txt
    (line 1: the image count; line 2: the 40 attribute names; then 'name  v1 ... v40', v = +-1)."""
    fix = "run: python download.py celebA"
    try:
        with open(path) as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
    except FileNotFoundError:
        raise LabError(f"CelebA attributes file {path} not found; {fix}")
    except (OSError, UnicodeDecodeError) as e:
        raise LabError(f"cannot read the CelebA attributes file {path} ({type(e).__name__}); {fix}")
    names = lines[1].split() if len(lines) > 1 else []
    if len(names) != 40 or not lines[0].strip().isdigit():
        raise LabError(f"CelebA attributes file {path} is malformed (lines 1-2 must be the image "
                       f"count and the 40 attribute names); {fix}")
    if attribute not in names:
        raise LabError(f"unknown CelebA attribute '{attribute}'; valid: {', '.join(names)}")
    column, values = names.index(attribute) + 1, {}
    for number, line in enumerate(lines[2:], start=3):
        parts = line.split()
        if len(parts) != 41 or parts[column] not in ("1", "-1"):
            raise LabError(f"CelebA attributes file {path} is malformed (line {number}: expected "
                           f"an image name and 40 values of 1 or -1); {fix}")
        values[parts[0]] = int(parts[column] == "1")
    if len(values) != int(lines[0]):
        raise LabError(f"CelebA attributes file {path} lists {len(values)} images but says "
                       f"{int(lines[0])} (truncated?); {fix}")
    return values


def celeba_labels(folder, files, attribute):
    """(labels [N]: 1 with `attribute`, 0 without; class names ['not_<attribute>', '<attribute>'])
    for the CelebA images `files`, from the attributes file in `folder`."""
    from checksums import CELEBA_ATTRIBUTES  # the attributes file's name (download.py checks it)
    values = read_celeba_attribute(os.path.join(folder, CELEBA_ATTRIBUTES), attribute)
    names = [f.rel.rsplit("/", 1)[-1] for f in files]
    missing = [n for n in names if n not in values]
    if missing:
        raise LabError(f"{len(missing)} image(s) in {folder} are not in {CELEBA_ATTRIBUTES} "
                       f"(first: {missing[0]}); remove them, or run: python download.py celebA")
    return np.array([values[n] for n in names], dtype=np.int64), [f"not_{attribute}", attribute]


def is_held_out(rel):
    """Whether the image at `rel` (its path in the folder) is in the test split (HOLDOUT_RULE)."""
    return int(hashlib.sha1(rel.encode("utf-8")).hexdigest(), 16) % HOLDOUT_EVERY == 0


def holdout_order(files):
    """(row order, number of train rows) of a folder's files: the train images first, then the
    held-out ones (is_held_out), so that each split is one slice of the cache's memory map (a
    slice costs no memory; picking rows would copy them). Folders under MIN_SPLIT images are
    not split (both splits are the whole folder)."""
    index = np.arange(len(files))
    if len(files) < MIN_SPLIT:
        return index, len(files)
    test = np.array([is_held_out(f.rel) for f in files], dtype=bool)
    return np.concatenate([index[~test], index[test]]), int(np.sum(~test))


def check_class_split(class_names, labels, train_rows, split, folder, log):
    """With classes, both sides of the split need every class: a class without a training image
    cannot be learnt (a LabError when training), one without a held-out image cannot be measured
    by compare.py (a warning). labels: in cache order, the train rows first."""
    if labels is None or split == "test":
        return
    empty = [name for k, name in enumerate(class_names) if not np.any(labels == k)]
    if empty:
        raise LabError(f"class(es) {', '.join(empty)} of {folder} have no image at all: a model cannot "
                       "learn them; add images, or leave them out with --classes")
    if split == "all" or train_rows == len(labels):
        return
    train = np.bincount(labels[:train_rows], minlength=len(class_names))
    test = np.bincount(labels[train_rows:], minlength=len(class_names))
    if split == "train" and not train.all():
        empty = [f"{name} ({test[k]} image(s), all held out)" for k, name in enumerate(class_names) if not train[k]]
        raise LabError(f"class(es) {', '.join(empty)} in {folder} have no training image: about 1 image "
                       "in 10 is held out for the comparison, and these fell all there; add images to them "
                       "(a class needs several) or leave them out with --classes")
    if not test.all():
        missing = [name for k, name in enumerate(class_names) if not test[k]]
        log(f"note: class(es) {', '.join(missing[:5])}{' and more' if len(missing) > 5 else ''} of "
            f"{folder} have no held-out image (1 in 10 is held out): compare.py cannot measure them")


def report_bad(files, bad, skip_bad_images, log):
    """Images that could not be decoded (bad: [(file index, message)]): with skip_bad_images
    one warning line naming them, else a LabError with the first one's message."""
    if not bad:
        return
    if not skip_bad_images:
        more = f"{len(bad)} images cannot be used, the first: " if len(bad) > 1 else ""
        raise LabError(more + bad[0][1])
    names = [files[i].rel for i, _ in bad]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    log(f"warning: skipped {len(bad)} unreadable image(s): {shown}")


def split_rows(split, train_rows, small):
    """The rows of a split in the cache (train rows first, then test rows) as a slice."""
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be train, test or all, not {split!r}")
    if split == "all" or small:
        return slice(None)
    return slice(0, train_rows) if split == "train" else slice(train_rows, None)


def list_images(folder, pattern, classes=None, attribute=None):
    """(files, labels [N] or None, class names) of a folder (datasets.load_image_folder): its
    images (scan_images) and their classes, from the class sub-folders `folder/<class>/...` when
    every image is in one, or with `attribute` from CelebA's attributes file (classes
    not_<attribute>, <attribute>). classes: the --classes asked for (they need class sub-folders)."""
    files = scan_images(folder, pattern)
    if attribute:
        labels, class_names = celeba_labels(folder, files, attribute)
    else:
        labels, class_names = folder_labels(folder, files, classes)
    return files, labels, class_names


def load_images(folder, files, labels, class_names, settings, skip_bad_images=False, split="all",
                cache_dir=None, workers=None, log=print):
    """The images `files` of a folder, decoded once into a cache on disk (folder_cache.py) and
    returned as a read-only uint8 memory map [N, size, size, C], with their labels (or None),
    the files behind the rows and the split they are ("all" for a folder too small to split).
    settings: how they are decoded (folder_cache.slot_name: folder, pattern, classes, output_size,
    crop, input_size, channels). split: 'train', 'test' (1 image in 10, HOLDOUT_RULE) or 'all'."""
    order, train_files = holdout_order(files)
    files = [files[i] for i in order]
    labels = labels[order] if labels is not None else None
    images, bad, path = folder_cache.cached_images(folder, files, settings, cache_dir, workers, log)
    report_bad(files, bad, skip_bad_images, log)
    rows = np.delete(np.arange(len(files)), [i for i, _ in bad])  # file index of each cache row
    if not len(rows):
        raise LabError(f"no readable image in {folder}")
    train_rows = int(np.searchsorted(rows, train_files))
    part = split_rows(split, train_rows, len(files) < MIN_SPLIT)
    if labels is not None:
        labels = labels[rows]
        check_class_split(class_names, labels, train_rows, split, folder, log)
    images, labels = images[part], (labels[part] if labels is not None else None)
    log(f"Loaded {len(images)} images from {folder} ({'x'.join(map(str, images.shape[1:]))}"
        f"{', classes: ' + ', '.join(class_names) if class_names else ''}) from the cache {path}: "
        "decoded once, read per batch")
    used = [files[i] for i in rows[part]]  # the files behind the rows of this split
    return images, labels, used, "all" if len(files) < MIN_SPLIT else split
