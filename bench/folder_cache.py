"""Memory and time of an image folder's decoded-image cache, on CelebA-like synthetic photos.

    python bench/folder_cache.py                      # 30,000 images (about 2 minutes on 2 cores)
    python bench/folder_cache.py --images 202599      # CelebA's size (about 3 GB in /tmp)

Makes N JPEGs of 178x218 pixels (CelebA's aligned faces) in a temporary folder: smooth random
colour fields with a little noise, ~10 KB each like the real faces (pure noise would compress
badly and decode slowly). `--distinct` different pictures are written N / distinct times each
under different names, to save generating time; decoding cost does not depend on it. Then, each
in a fresh process so that each has its own peak memory:

1. build: the handout's face setting (centre 108x108 crop, 64x64) decoded into the cache,
   as `python main.py --dataset celebA --input_height=108 --crop --train` does on its first start;
2. read ("second start"): open the cache (a cache hit), then 100 random batches of 64
   converted to float, as a training loop reads them (one epoch's random order).

It prints the peak resident memory (ru_maxrss) of each process and of the build's worker
processes, the build time and images/s, the second start's time to its first batch, and the
batch read time. Resident memory counts the pages of the memory-mapped cache that the process
touched, and the kernel maps up to 64 KiB around each one it reads (they belong to the OS page
cache, which takes them back under memory pressure), so the read line also shows the process's
own (anonymous) memory, sampled after every batch. The OS page cache is warm (the
files were just written); a cold disk makes the build and the first epoch slower.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402
from PIL import Image  # noqa: E402

import cli  # noqa: E402
from errors import stop_if_only_checking  # noqa: E402
from files import check_writable  # noqa: E402
import datasets  # noqa: E402
import utils  # noqa: E402
import image_folders  # noqa: E402

NAME = "faces"            # the folder (and dataset) name under the temporary data dir
SIZE, CROP = 64, 108      # the handout's face command: --input_height=108 --crop, 64x64


FLAGS = flags.FLAGS
HELP = dict(program="bench/folder_cache.py", common=False, groups=[("Benchmark", [
    "images", "distinct", "batches", "batch_size", "work_dir", "keep"])],
    usage=["Memory and time of an image folder's decoded-image cache, on CelebA-like synthetic photos."])


def define_flags(flags):
    flags.DEFINE_integer("images", 30000, "Number of JPEGs", lower_bound=1, upper_bound=10 ** 7)
    flags.DEFINE_integer("distinct", 2000, "Different pictures among them", lower_bound=1, upper_bound=10 ** 7)
    flags.DEFINE_integer("batches", 100, "Random batches read in the second start", lower_bound=1)
    flags.DEFINE_integer("batch_size", 64, "Images per batch", lower_bound=1, upper_bound=4096)
    flags.DEFINE_string("work_dir", None, "Where the images and the cache go [a new temporary folder]")
    flags.DEFINE_boolean("keep", False, "Keep the images and the cache (a next run with the same --work_dir "
                         "and --images reuses the images)")
    flags.DEFINE_enum("phase", None, ["build", "read"], "Internal: the phase a measured process runs")


# ----------------------------------------------------------------------------- the synthetic photos

def smooth_photo(rng):
    """One 178x218 RGB picture: a 12x14 random colour field resized bicubically, plus noise."""
    field = Image.fromarray(rng.randint(0, 256, (14, 12, 3)).astype(np.uint8))
    pixels = np.asarray(field.resize((178, 218), Image.BICUBIC)).astype(np.int16)
    pixels += rng.randint(-4, 5, pixels.shape).astype(np.int16)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def make_folder(folder, count, distinct, seed=0):
    """count JPEGs named 000001.jpg, ... (CelebA's names); returns their mean size in bytes."""
    os.makedirs(folder)
    rng = np.random.RandomState(seed)
    encoded = []
    for _ in range(min(distinct, count)):
        path = os.path.join(folder, "tmp.jpg")
        smooth_photo(rng).save(path, quality=90)
        with open(path, "rb") as f:
            encoded.append(f.read())
    os.remove(path)
    for i in range(count):
        with open(os.path.join(folder, f"{i + 1:06d}.jpg"), "wb") as f:
            f.write(encoded[i % len(encoded)])
    return float(np.mean([len(e) for e in encoded]))


# ----------------------------------------------------------------------------- the two measured processes

def peak_mib(who=resource.RUSAGE_SELF):
    """Peak resident memory in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024.0


def resident_mib(kind="RssAnon"):
    """Resident memory now, in MiB: RssAnon is the process's own, RssFile the mapped files'
    pages (the cache's, shared with the OS page cache)."""
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields[kind].split()[0]) / 1024.0


def cpu_seconds():
    """User + system CPU time of this process and its finished children (the decoding workers)."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def load(data_dir, log):
    return datasets.load_dataset(NAME, data_dir, "*.jpg", SIZE, CROP, True, split="train", log=log)


def build_phase(data_dir):
    """First start: decode everything into the cache. Returns the figures as a dict."""
    start = time.perf_counter()
    data = load(data_dir, lambda line: print("   ", line, flush=True))
    seconds = time.perf_counter() - start
    total = len(image_folders.find_images(os.path.join(data_dir, NAME), "*.jpg"))
    return {"build_s": seconds, "images_per_s": total / seconds, "train_images": len(data.images),
            "cpu_ms_per_image": 1000 * cpu_seconds() / total,
            "peak_mib": peak_mib(), "workers_peak_mib": peak_mib(resource.RUSAGE_CHILDREN)}


def read_phase(data_dir, batches, batch_size):
    """Second start: open the cache, then read random batches as floats."""
    start = time.perf_counter()
    data = load(data_dir, lambda line: None)
    order = np.random.RandomState(0).permutation(len(data.images))
    first = utils.to_float(data.images[np.sort(order[:batch_size])])
    to_first_batch = time.perf_counter() - start
    start, own = time.perf_counter(), resident_mib()
    for b in range(batches):
        batch = utils.to_float(data.images[order[b * batch_size:(b + 1) * batch_size]])
        assert batch.shape == first.shape and batch.dtype == np.float32
        own = max(own, resident_mib())  # /proc keeps no peak of it: sample after every batch
    return {"second_start_s": to_first_batch, "batch_ms": 1000 * (time.perf_counter() - start) / batches,
            "peak_mib": peak_mib(), "own_peak_mib": own, "file_mib": resident_mib("RssFile")}


def run_phase(phase, data_dir, args):
    """Run one phase in a fresh Python process; returns its figures."""
    command = [sys.executable, os.path.abspath(__file__), "--phase", phase, "--work_dir", data_dir,
               "--batches", str(args.batches), "--batch_size", str(args.batch_size)]
    start = time.perf_counter()
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    lines = output.rstrip().splitlines()
    for line in lines[:-1]:
        print(line)
    return dict(json.loads(lines[-1]), process_s=time.perf_counter() - start)


def main(argv):
    cli.reject_arguments(argv)
    stop_if_only_checking()
    args = FLAGS
    if args.phase:  # inside a measured process: print the figures as the last line
        figures = build_phase(args.work_dir) if args.phase == "build" else \
            read_phase(args.work_dir, args.batches, args.batch_size)
        print(json.dumps(figures))
        return
    if args.work_dir:
        check_writable(args.work_dir, "work dir")  # a file, or a folder that cannot be written: one line
    data_dir = args.work_dir or tempfile.mkdtemp(prefix="gan-lab-bench-")
    folder = os.path.join(data_dir, NAME)
    try:
        shutil.rmtree(os.path.join(data_dir, ".cache"), ignore_errors=True)  # measure a real build
        if os.path.isdir(folder) and len(os.listdir(folder)) == args.images:  # kept from a last run
            print(f"using the {args.images:,} JPEGs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            start = time.perf_counter()
            mean_bytes = make_folder(folder, args.images, args.distinct)
            print(f"made {args.images:,} JPEGs of 178x218 ({mean_bytes / 1024:.1f} KiB each on "
                  f"average) in {time.perf_counter() - start:.0f} s under {data_dir}")
        build = run_phase("build", data_dir, args)
        read = run_phase("read", data_dir, args)
        cache = sum(os.path.getsize(os.path.join(data_dir, ".cache", f))
                    for f in os.listdir(os.path.join(data_dir, ".cache")))
        print(f"cache: {cache / 2**20:,.0f} MiB on disk for {args.images:,} images at {SIZE}x{SIZE}x3")
        print(f"build (first start): {build['build_s']:.1f} s, {build['images_per_s']:,.0f} images/s, "
              f"{build['cpu_ms_per_image']:.2f} ms of CPU per image, peak memory "
              f"{build['peak_mib']:,.0f} MiB (each worker at most {build['workers_peak_mib']:,.0f} "
              "MiB, mostly pages shared with the parent by fork)")
        print(f"second start: {read['second_start_s']:.2f} s to the first batch "
              f"({read['process_s']:.1f} s for the whole process with Python's start-up, "
              f"{args.batches} batches and numpy/Pillow imports, without TensorFlow)")
        print(f"reading: {read['batch_ms']:.2f} ms per random batch of {args.batch_size} as float32, "
              f"peak memory {read['peak_mib']:,.0f} MiB: its own (RssAnon) at most "
              f"{read['own_peak_mib']:,.0f} MiB, the rest pages of the mapped cache (RssFile "
              f"{read['file_mib']:,.0f} MiB at the end)")
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
