"""What the bootstrap standard errors of compare.py cost, on synthetic features at N = 10,000.

    python bench/uncertainty_cost.py                      # 128-d (classifier) and 2048-d (Inception)
    python bench/uncertainty_cost.py --dims 128 --resamples 20

For one row (N generated feature vectors against N real ones; random Gaussian features, so only
the timing means anything) it times each number the row gets, without and with its standard
error over --resamples bootstrap resamples (evaluation/metrics.py), and prints the extra seconds
the uncertainty adds. The k-NN metrics get their resamples in the same distance passes, so
compare the "k-NN, 4 metrics" lines with what precision_recall + density_coverage cost before
(five passes instead of three).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repo root

import numpy as np  # noqa: E402
from absl import flags  # noqa: E402

import cli  # noqa: E402
import memory  # noqa: E402
from errors import LabError, stop_if_only_checking  # noqa: E402
from evaluation import metrics  # noqa: E402

FLAGS = flags.FLAGS
HELP = dict(program="bench/uncertainty_cost.py", common=False,
            groups=[("Features", ["dims", "num_samples", "resamples"])],
            usage=["Times the bootstrap standard errors of compare.py on synthetic features."])


def timed(function):
    """(result, seconds) of function()."""
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def old_knn(real, fake, radii):
    """precision_recall then density_coverage, as scoring.py called them before (five passes)."""
    precision = np.mean(metrics.ball_counts(fake, real, radii) > 0)
    recall = np.mean(metrics.ball_counts(real, fake, metrics.knn_radii(fake)) > 0)
    density = metrics.ball_counts(fake, real, radii).sum() / (3 * len(fake))
    coverage = np.mean(metrics.kth_nearest_distances(real, fake, 1) <= radii)
    return precision, recall, density, coverage


def bench(dim, n, resamples, classes=10):
    """Print the seconds of each number of one row in a dim-d feature space."""
    rng = np.random.RandomState(0)
    real, fake = rng.randn(n, dim), rng.randn(n, dim) * 1.1 + 0.1
    labels = np.arange(n) % classes
    counts = metrics.bootstrap_counts(n, resamples, seed=0, strata=labels)
    mu, sigma = metrics.feature_stats(real)
    root, t_root = timed(lambda: metrics.symmetric_root(sigma))
    _, t_fid = timed(lambda: metrics.frechet_from_stats(*metrics.feature_stats(fake), mu, sigma))
    _, t_fid_b = timed(lambda: metrics.fid_resamples(fake, mu, sigma, root, counts))
    radii, t_radii = timed(lambda: metrics.knn_radii(real))
    _, t_old = timed(lambda: old_knn(real, fake, radii))
    _, t_knn = timed(lambda: metrics.knn_scores(real, fake, real_radii=radii))
    _, t_knn_b = timed(lambda: metrics.knn_scores(real, fake, real_radii=radii, counts=counts))
    probs = rng.dirichlet(np.ones(classes), n)
    _, t_rest = timed(lambda: (metrics.inception_score_resamples(probs, counts),
                               metrics.class_accuracy_resamples(probs, labels, classes, counts)))
    print(f"\n{dim}-d features, N = {n:,}, {resamples} resamples:")
    print(f"  FID: {t_fid:.2f} s; its resamples {t_fid_b:.2f} s (+ {t_root:.2f} s once per reference)")
    print(f"  k-NN, 4 metrics: {t_knn:.2f} s (before: {t_old:.2f} s); with resamples {t_knn_b:.2f} s "
          f"(reference radii, once: {t_radii:.2f} s)")
    print(f"  score and class accuracy resamples: {t_rest:.3f} s")
    extra = t_fid_b + (t_knn_b - t_knn)
    print(f"  the uncertainty adds {extra:.1f} s per row ({extra * 3:.1f} s for the three rows), "
          f"the k-NN change saves {t_old - t_knn:.1f} s per row")


def define_flags(flags):
    flags.DEFINE_list("dims", ["128", "2048"], "Feature dimensions (128: classifier, 2048: Inception)")
    flags.DEFINE_integer("num_samples", 10000, "Images per set (N)", lower_bound=10, upper_bound=10 ** 6)
    flags.DEFINE_integer("resamples", metrics.RESAMPLES, "Bootstrap resamples", lower_bound=2, upper_bound=1000)


MAX_DIM = 4096  # Inception's features are 2048-d


def feature_dims(values, num_samples):
    """--dims as whole numbers from 1 to MAX_DIM whose feature sets fit in memory, or a LabError."""
    dims = []
    for value in values:
        if not value.strip().isdigit() or not 1 <= int(value) <= MAX_DIM:
            raise LabError(f"--dims {','.join(values)}: {value!r} is not a whole number from 1 to {MAX_DIM} "
                           "(e.g. --dims 128,2048)")
        dims.append(int(value))
    need = 4 * num_samples * max(dims, default=0) * 8  # real and fake float64 sets, and a copy of each
    free = memory.available_memory_bytes()
    if free and need > free:
        raise LabError(f"--num_samples {num_samples} of {max(dims)}-d features need about {need / 2**30:.1f} GiB, "
                       f"more than the {free / 2**30:.1f} GiB free: lower --num_samples or --dims")
    return dims


def main(argv):
    cli.reject_arguments(argv)
    dims = feature_dims(FLAGS.dims, FLAGS.num_samples)
    stop_if_only_checking()
    for dim in dims:
        bench(dim, FLAGS.num_samples, FLAGS.resamples)


if __name__ == "__main__":
    define_flags(flags)
    cli.run_script(main, HELP)
