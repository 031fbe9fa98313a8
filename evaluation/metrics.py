"""Sample-quality metrics for GANs, computed from classifier outputs (numpy/scipy only, no TF).
Handout extension 2: "对两个算法结果进行对比分析" (compare the two algorithms' results).

Every metric works on arrays a network already produced (our classifier, evaluation/classifier.py,
or the standard Inception graph, evaluation/inception.py):
  features [N, d] (the network's penultimate layer)    -> FID and KID,
  softmax probabilities [N, K]                          -> Inception Score, class accuracy and
                                                         the confusion matrix.
Keeping the maths apart from the network means it can be tested on hand-made numbers.

FID  (Frechet distance): fit a Gaussian to each feature set and compare them; 0 = identical.
KID  (kernel inception distance): unbiased MMD^2 with a cubic polynomial kernel; 0 = same
     distribution, and unlike FID it has no bias that depends on the number of samples.
IS   (inception score): exp(E_x KL(p(y|x) || p(y))); high when every image is classified
     confidently AND the classes are used evenly. Between 1 and K (the number of classes).

FID mixes quality and diversity into one number; these separate them (all in [0, 1] except
density, k = 3 nearest neighbours; each real feature owns a "ball" reaching its k-th nearest
real neighbour):
precision / recall (Kynkaanniemi et al. 2019): share of fakes inside some real ball (are the
     fakes realistic?) / share of reals inside some fake ball (is the real variety reproduced?).
density / coverage (Naeem et al. 2020): how many real balls hold a fake on average, divided
     by k (about 1 when fakes look like reals; above 1 when they crowd dense regions) / share
     of real balls that hold at least one fake (robust to outliers, unlike recall).
Intra-class FID: the FID of each class separately, averaged (a conditional model must get
     every class right, not just the mixture).

Every number moves a little with another draw of N images. The bootstrap measures how much:
redraw the N generated rows with replacement (the real reference stays fixed, as every row is
measured against the same one), score again, and take the std over the resamples: the number's
standard error. A gap between two models counts only when it exceeds SEPARATION times their
combined standard error (separated). The last section has the checks that catch samples a
metric cannot judge: near-identical or blank images.
"""
import warnings

import numpy as np
import scipy.linalg

from errors import LabError

SQRTM_EPS = 1e-6  # added to the covariance diagonals when sqrtm fails on a singular product
NEAREST_K = 3     # neighbours that set a ball's radius (both papers' default)
BLOCK_ELEMENTS = 2 ** 22  # distances held at once (32 MB of float64); see distance_blocks
RESAMPLES = 10    # bootstrap resamples of a row (each costs one rescoring; see bootstrap_counts)
SEPARATION = 2.0  # a gap counts when above SEPARATION x the combined standard error (~95 %)


# ----------------------------------------------------------------------------- FID

def feature_stats(feats):
    """Mean [d] and unbiased covariance [d, d] (np.cov with ddof=1) of features [N, d], float64.

    Computing these once for the real data lets you compare many generators against them
    (frechet_from_stats). Raises LabError when N < d: the covariance would be singular and
    the FID meaningless.
    """
    feats = np.asarray(feats, dtype=np.float64)
    if feats.ndim != 2:
        raise ValueError(f"features must be a 2-D array [N, d], got shape {feats.shape}")
    n, d = feats.shape
    if n < max(d, 2):
        raise LabError(f"FID needs at least as many samples as feature dimensions, got N={n} "
                       f"samples of d={d} features; pass more samples (e.g. --num_samples "
                       f"{max(d, 2)} or more)")
    mu = feats.mean(axis=0)             # [d]
    sigma = np.cov(feats, rowvar=False)  # [d, d], divides by N - 1
    return mu, np.atleast_2d(sigma)


def frechet_from_stats(mu1, sigma1, mu2, sigma2):
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2):

        ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(f"feature statistics differ in shape: {mu1.shape} vs {mu2.shape}")
    covmean = sqrtm_of_product(sigma1, sigma2)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def sqrtm_of_product(sigma1, sigma2):
    """(sigma1 sigma2)^(1/2) as a real matrix.

    The product of two covariances can be singular (e.g. a feature that never varies), and
    then sqrtm may return inf/nan: retry with a tiny epsilon on both diagonals. Rounding
    gives the result a tiny imaginary part, which we drop; a large one means a real problem.
    """
    covmean = quiet_sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(sigma1)) * SQRTM_EPS
        covmean = quiet_sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"sqrtm has a large imaginary part "
                             f"({np.max(np.abs(covmean.imag)):.3g}); the covariances are broken")
        covmean = covmean.real
    return covmean


def quiet_sqrtm(matrix):
    """scipy.linalg.sqrtm without its "matrix is singular" warning: we check the result ourselves."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        return scipy.linalg.sqrtm(matrix)


def frechet_distance(feats1, feats2):
    """FID between two feature sets [N1, d] and [N2, d] (e.g. real and generated)."""
    return frechet_from_stats(*feature_stats(feats1), *feature_stats(feats2))


def symmetric_root(sigma):
    """The symmetric square root of a covariance [d, d] (eigh; rounding's tiny negative
    eigenvalues count as 0). Computed once for a reference that many sets are compared with."""
    values, vectors = np.linalg.eigh(np.asarray(sigma, np.float64))
    return (vectors * np.sqrt(np.maximum(values, 0.0))) @ vectors.T


def frechet_with_root(mu1, sigma1, mu2, sigma2, root2):
    """frechet_from_stats, faster when the second set's root2 = symmetric_root(sigma2) is known.

    sigma1 sigma2 has the same eigenvalues as root2 sigma1 root2 (a symmetric PSD matrix), so
    Tr((sigma1 sigma2)^(1/2)) is the sum of the square roots of that matrix's eigenvalues: one
    eigvalsh instead of a general sqrtm, about 10x quicker for 2048-d Inception features.
    """
    diff = np.asarray(mu1, np.float64) - np.asarray(mu2, np.float64)
    eigenvalues = np.linalg.eigvalsh(root2 @ sigma1 @ root2)
    trace_root = np.sqrt(np.maximum(eigenvalues, 0.0)).sum()
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_root)


# ----------------------------------------------------------------------------- KID

def polynomial_kernel(x, y):
    """k(x, y) = (x.y / d + 1)^3 for all pairs: [n, d], [m, d] -> [n, m]."""
    d = x.shape[1]
    k = x @ y.T / d + 1.0
    return k * k * k  # the cube; much faster than ** 3 on large matrices


def mmd2_unbiased(x, y):
    """Unbiased MMD^2 between equal-size samples x, y [m, d] with the polynomial kernel.

    Mean of k(x_i, x_j) and k(y_i, y_j) over i != j (the diagonal k(x_i, x_i) would bias it
    upwards), minus twice the mean of k(x_i, y_j) over all pairs.
    """
    m = len(x)
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    off_diagonal = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return off_diagonal - 2.0 * k_xy.mean()


def kid(feats1, feats2, num_subsets=100, subset_size=1000, seed=0):
    """Kernel inception distance: (mean, std) of mmd2_unbiased over random subsets.

    Each subset draws subset_size rows (capped at the smaller set) without replacement
    from each feature set; the fixed seed makes the number reproducible.
    """
    feats1, feats2 = np.asarray(feats1, np.float64), np.asarray(feats2, np.float64)
    if feats1.ndim != 2 or feats1.shape[1:] != feats2.shape[1:]:
        raise ValueError(f"features must be [N, d] with the same d, got {feats1.shape} and {feats2.shape}")
    m = min(subset_size, len(feats1), len(feats2))
    if m < 2:
        raise LabError(f"KID needs at least 2 samples in each set, got {len(feats1)} and "
                       f"{len(feats2)}; pass more samples (e.g. --num_samples)")
    rng = np.random.RandomState(seed)
    values = [mmd2_unbiased(feats1[rng.choice(len(feats1), m, replace=False)],
                            feats2[rng.choice(len(feats2), m, replace=False)])
              for _ in range(num_subsets)]
    return float(np.mean(values)), float(np.std(values))


# ----------------------------------------------------------------------------- IS and accuracy

def inception_score(probs, eps=1e-12):
    """exp(mean over images of KL(p(y|x) || p(y))) from softmax rows probs [N, K].

    p(y) is the mean row. Identical rows give 1 (no diversity); confident one-hot rows spread
    evenly over K classes give K (the maximum).
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or len(probs) == 0:
        raise ValueError(f"probs must be a non-empty [N, K] array, got shape {probs.shape}")
    marginal = probs.mean(axis=0, keepdims=True)                          # p(y), [1, K]
    kl = (probs * (np.log(probs + eps) - np.log(marginal + eps))).sum(axis=1)  # [N]
    return float(np.exp(kl.mean()))


def inception_score_splits(probs, splits=10, eps=1e-12):
    """The paper's variant: (mean, std) of inception_score over `splits` equal chunks."""
    scores = [inception_score(part, eps) for part in np.array_split(np.asarray(probs), splits)]
    return float(np.mean(scores)), float(np.std(scores))


def class_accuracy(probs, requested_labels, num_classes):
    """How often the classifier recognises the class a conditional generator was asked for.

    probs [N, K] from the classifier, requested_labels [N] given to the generator. Returns
    {overall, per_class (a list of K floats, nan for a class never requested),
     worst_class (its index), worst (its accuracy)}.
    """
    predicted = np.argmax(np.asarray(probs), axis=1)     # [N]
    requested = np.asarray(requested_labels).astype(np.int64)
    if len(predicted) != len(requested) or len(requested) == 0:
        raise ValueError(f"need one label per row of probs, got {len(requested)} labels "
                         f"for {len(predicted)} rows")
    if requested.min() < 0 or requested.max() >= num_classes:
        raise ValueError(f"requested labels must lie in 0..{num_classes - 1}")
    correct = predicted == requested
    per_class = [float(correct[requested == k].mean()) if np.any(requested == k) else float("nan")
                 for k in range(num_classes)]
    worst_class = int(np.nanargmin(per_class))
    return {"overall": float(correct.mean()), "per_class": per_class,
            "worst_class": worst_class, "worst": per_class[worst_class]}


def confusion_matrix(requested_labels, predicted_labels, num_requested, num_predicted):
    """Counts [num_requested, num_predicted]: entry (i, j) = how many images asked for class i
    the classifier recognised as class j. Row i divided by its sum is where class i's images
    end up; its diagonal entry is class i's accuracy (when both index the same classes)."""
    requested = np.asarray(requested_labels, dtype=np.int64).ravel()
    predicted = np.asarray(predicted_labels, dtype=np.int64).ravel()
    if len(requested) != len(predicted):
        raise ValueError(f"need one prediction per label, got {len(predicted)} for {len(requested)}")
    counts = np.zeros((num_requested, num_predicted), dtype=np.int64)
    np.add.at(counts, (requested, predicted), 1)  # one increment per (asked, recognised) pair
    return counts


# ----------------------------------------------------------------------------- nearest neighbours
# Precision/recall and density/coverage all ask one question: "which points lie inside which
# balls?", where each ball is centred on a feature and reaches its k-th nearest neighbour.
# 10,000 x 10,000 Inception features would make a 10,000 x 10,000 x 2048 difference tensor
# (1.6 TB of float64), so distances are computed a block of rows at a time, from dot products.

def distance_blocks(points, others):
    """Yield (start, block): Euclidean distances from points[start:start + rows] to every row of
    others, block [rows, M] float64, with rows chosen so a block holds ~BLOCK_ELEMENTS numbers.

    Uses |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, which needs only a [rows, M] matrix product;
    rounding can make a tiny squared distance negative, so it is clipped at 0.
    """
    others_sq = (others * others).sum(axis=1)                    # [M]
    rows = max(1, BLOCK_ELEMENTS // max(1, len(others)))
    for start in range(0, len(points), rows):
        chunk = points[start:start + rows]                       # [rows, d]
        squared = (chunk * chunk).sum(axis=1)[:, None] + others_sq[None, :] - 2.0 * chunk @ others.T
        yield start, np.sqrt(np.maximum(squared, 0.0))           # [rows, M]


def kth_nearest_distances(points, others, k, exclude_self=False):
    """Distance [P] from each point to its k-th nearest row of others (k = 1: the nearest).

    exclude_self=True when points IS others: a point's zero distance to itself does not count
    as a neighbour (a duplicate of it still does).
    """
    result = np.empty(len(points))
    for start, block in distance_blocks(points, others):
        if exclude_self:
            rows = np.arange(len(block))
            block[rows, start + rows] = np.inf
        result[start:start + len(block)] = np.partition(block, k - 1, axis=1)[:, k - 1]
    return result


def knn_radii(feats, k=NEAREST_K):
    """Radius [N] of each feature's ball: the distance to its k-th nearest OTHER feature."""
    return kth_nearest_distances(feats, feats, k, exclude_self=True)


def ball_counts(points, centres, radii):
    """How many balls (centres [M, d], radii [M]) contain each point: ints [P].

    A point on a ball's boundary counts as inside (distance <= radius).
    """
    counts = np.empty(len(points), dtype=np.int64)
    for start, block in distance_blocks(points, centres):
        counts[start:start + len(block)] = (block <= radii[None, :]).sum(axis=1)
    return counts


def check_feature_pair(real_feats, fake_feats, k):
    """Both sets as float64 [N, d] and [M, d]; LabError unless each has more than k rows."""
    real, fake = np.asarray(real_feats, np.float64), np.asarray(fake_feats, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"features must be [N, d] with the same d, got {real.shape} and {fake.shape}")
    if min(len(real), len(fake)) <= k:
        raise LabError(f"k-nearest-neighbour metrics with k={k} need more than {k} samples in "
                       f"each set, got {len(real)} real and {len(fake)} generated; pass more "
                       f"samples (e.g. --num_samples)")
    return real, fake


# ----------------------------------------------------------------------------- fidelity vs diversity

def knn_scores(real_feats, fake_feats, k=NEAREST_K, real_radii=None, counts=None):
    """Precision, recall (Kynkaanniemi et al. 2019), density and coverage (Naeem et al. 2020)
    in three passes over the distances -> {"precision": .., "recall": .., "density": ..,
    "coverage": ..}, and with bootstrap counts [B, M] over the fakes each one's "<name>_std".

    precision: share of fakes inside at least one real ball (radii from the real set);
    recall:    share of reals inside at least one fake ball (radii from the fake set);
    density:   real balls holding a fake, summed over the fakes, divided by k M;
    coverage:  share of real balls holding at least one fake.
    A resample draws fakes again, keeping every radius (the reference's, and each fake's own
    from the whole set: k-NN radii within a resample would shrink to 0 at its duplicates).
    real_radii: knn_radii(real_feats, k), when several generators are scored against one set.
    """
    weights = np.ones((1, len(np.asarray(fake_feats))))                       # the set itself
    if counts is not None:
        weights = np.concatenate([weights, counts])                           # [1 + B, M]
    values = knn_weighted(real_feats, fake_feats, weights, k, real_radii)    # each [1 + B]
    scores = {name: float(v[0]) for name, v in values.items()}
    if counts is not None:
        scores.update({name + "_std": standard_error(v[1:]) for name, v in values.items()})
    return scores


def knn_weighted(real_feats, fake_feats, weights, k=NEAREST_K, real_radii=None):
    """knn_scores' four numbers for each weighting of the fakes (weights [W, M], each row
    summing to M: how often each fake is drawn): {name: [W]}."""
    real, fake = check_feature_pair(real_feats, fake_feats, k)
    radii = knn_radii(real, k) if real_radii is None else real_radii          # [N]
    in_balls = ball_counts(fake, real, radii)                                 # [M]
    recalled, covered = reached_reals(real, fake, radii, knn_radii(fake, k), weights)
    return {"precision": weights @ (in_balls > 0) / len(fake), "recall": recalled.mean(axis=1),
            "density": weights @ in_balls / (k * len(fake)), "coverage": covered.mean(axis=1)}


def reached_reals(real, fake, real_radii, fake_radii, weights):
    """For each weighting of the fakes (weights [W, M]; 0 = left out), which reals lie in a
    fake's ball (recall) and which real balls hold a fake (coverage): two bool arrays [W, N]."""
    recalled = np.empty((len(weights), len(real)), bool)
    covered = np.empty_like(recalled)
    drawn = weights.T.astype(np.float32)                                      # [M, W]
    for start, block in distance_blocks(real, fake):                         # block [rows, M]
        rows = slice(start, start + len(block))
        recalled[:, rows] = ((block <= fake_radii[None, :]).astype(np.float32) @ drawn).T > 0
        covered[:, rows] = ((block <= real_radii[rows, None]).astype(np.float32) @ drawn).T > 0
    return recalled, covered


def precision_recall(real_feats, fake_feats, k=NEAREST_K, real_radii=None):
    """Improved precision and recall -> (precision, recall) (see knn_scores).

    Identical sets give (1, 1); a generator that draws half of the real modes well gives
    precision ~1 and recall ~0.5.
    """
    scores = knn_scores(real_feats, fake_feats, k, real_radii)
    return scores["precision"], scores["recall"]


def density_coverage(real_feats, fake_feats, k=NEAREST_K, real_radii=None):
    """Density and coverage -> (density, coverage) (see knn_scores); only real balls are used,
    so one outlier among the fakes cannot inflate them as it inflates recall."""
    scores = knn_scores(real_feats, fake_feats, k, real_radii)
    return scores["density"], scores["coverage"]


# ----------------------------------------------------------------------------- uncertainty

def bootstrap_counts(n, resamples=RESAMPLES, seed=0, strata=None):
    """How often each of n rows is drawn in each resample: ints [resamples, n], every row of it
    summing to n (n draws with replacement). strata [n] (e.g. the class each image was asked
    for): rows are drawn within their stratum, so every resample keeps the class mix."""
    rng = np.random.RandomState(seed)
    strata = np.zeros(n, np.int64) if strata is None else np.asarray(strata).ravel()
    counts = np.zeros((resamples, n), np.int64)
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        for b in range(resamples):
            counts[b, members] = np.bincount(rng.randint(0, len(members), len(members)),
                                             minlength=len(members))
    return counts


def resampled_means(values, counts):
    """The mean of per-row values [n] in each resample: counts [B, n] -> [B]."""
    return counts @ np.asarray(values, np.float64) / counts.sum(axis=1)


def standard_error(resampled):
    """The std of a statistic over its resamples [B] (ddof 1): its standard error."""
    resampled = np.asarray(resampled, np.float64)
    return float(np.std(resampled, ddof=1)) if len(resampled) > 1 else float("nan")


def separated(a, std_a, b, std_b):
    """Whether a and b differ by more than SEPARATION x their combined standard error
    sqrt(std_a^2 + std_b^2): a gap that another draw of images would most likely keep."""
    return abs(a - b) > SEPARATION * float(np.hypot(std_a, std_b))


def weighted_stats(feats, weights):
    """Mean [d] and covariance [d, d] (ddof 1) of the rows of feats [n, d] each repeated
    weights[i] times (a bootstrap resample), without building the repeated array."""
    total = weights.sum()
    mu = weights @ feats / total                                # [d]
    centred = feats - mu                                        # [n, d]
    sigma = (centred * weights[:, None]).T @ centred / (total - 1)
    return mu, sigma


def fid_resamples(feats, mu_ref, sigma_ref, root_ref, counts):
    """The FID of each bootstrap resample of feats [n, d] (counts [B, n]) against a fixed
    reference (its mean, covariance and symmetric_root): [B]."""
    feats = np.asarray(feats, np.float64)
    return np.array([frechet_with_root(*weighted_stats(feats, w.astype(np.float64)),
                                       mu_ref, sigma_ref, root_ref) for w in counts])


def inception_score_resamples(probs, counts, eps=1e-12):
    """inception_score of each bootstrap resample of the rows of probs [n, K]: [B]."""
    probs = np.asarray(probs, np.float64)
    weights = counts / counts.sum(axis=1, keepdims=True)                 # [B, n]
    log_marginals = np.log(weights @ probs + eps)                        # [B, K]
    own = (probs * np.log(probs + eps)).sum(axis=1)                      # [n]
    kl = own[None, :] - log_marginals @ probs.T                          # [B, n]
    return np.exp((weights * kl).sum(axis=1))


def class_accuracy_resamples(probs, requested_labels, num_classes, counts):
    """class_accuracy's numbers in each bootstrap resample (counts [B, n], drawn within each
    requested class): {overall [B], per_class (K lists of [B], None for a class never
    requested), worst [B]}."""
    requested = np.asarray(requested_labels).astype(np.int64)
    correct = (np.argmax(np.asarray(probs), axis=1) == requested).astype(np.float64)
    per_class = [resampled_means(correct[requested == k], counts[:, requested == k])
                 if np.any(requested == k) else None for k in range(num_classes)]
    asked = np.array([v for v in per_class if v is not None])                 # [classes, B]
    return {"overall": resampled_means(correct, counts), "per_class": per_class,
            "worst": asked.min(axis=0)}


# ----------------------------------------------------------------------------- intra-class FID

def intra_class_fid(real_feats, real_labels, fake_feats, fake_labels):
    """FID of each class's real features against the generated features of that class, averaged
    over every class that appears in either label set -> (mean, {class: fid}).

    A class with too few samples is an error, not skipped: dropping it would silently reward a
    generator that never draws that class. "Too few" means N <= d in either set: with N samples
    the covariance has rank at most N - 1, so a full-rank d x d covariance needs N >= d + 1.
    (128-d classifier features need 129 per class; 2048-d Inception features need 2049, more
    than a class of the CIFAR-10 test split holds.)
    """
    real, fake = np.asarray(real_feats, np.float64), np.asarray(fake_feats, np.float64)
    real_labels, fake_labels = np.asarray(real_labels).ravel(), np.asarray(fake_labels).ravel()
    if len(real_labels) != len(real) or len(fake_labels) != len(fake):
        raise ValueError(f"need one label per feature row, got {len(real_labels)} labels for "
                         f"{len(real)} real rows and {len(fake_labels)} for {len(fake)} generated")
    classes = sorted(set(real_labels.tolist()) | set(fake_labels.tolist()))
    check_class_sizes(classes, real_labels, fake_labels, dim=real.shape[1])
    fids = {c: frechet_distance(real[real_labels == c], fake[fake_labels == c]) for c in classes}
    return float(np.mean(list(fids.values()))), fids


def check_class_sizes(classes, real_labels, fake_labels, dim):
    """LabError naming every class with N <= dim real or generated samples (see intra_class_fid)."""
    short = [f"class {c}: {np.sum(real_labels == c)} real, {np.sum(fake_labels == c)} generated"
             for c in classes if min(np.sum(real_labels == c), np.sum(fake_labels == c)) <= dim]
    if short:
        raise LabError(f"intra-class FID needs at least {dim + 1} samples per class in each set "
                       f"(d={dim} features), but {'; '.join(short)}; pass more samples per class "
                       f"(e.g. a larger --num_samples)")


# ----------------------------------------------------------------------------- collapse checks
# A metric cannot judge images it was never meant for: near-identical samples can all sit in one
# dense real region (precision and density near 1), a blank image is some class to a classifier.
# These numbers are compared with the real images' own (evaluation/analysis.py).

def mean_pairwise_distance(feats, max_rows=1000, seed=0):
    """Mean Euclidean distance between two different rows of feats [N, d], over at most
    max_rows rows drawn with the seed: about 0 when every sample is the same."""
    feats = np.asarray(feats, np.float64)
    if len(feats) > max_rows:
        feats = feats[np.random.RandomState(seed).choice(len(feats), max_rows, replace=False)]
    n = len(feats)
    if n < 2:
        return 0.0
    total = sum(block.sum() for _, block in distance_blocks(feats, feats))  # the diagonal is 0
    return float(total / (n * (n - 1)))


def pixel_spread(images, max_images=2000, seed=0):
    """How much the images differ from each other: the std of each pixel across the images,
    averaged over the pixels, on a [0, 1] scale (uint8 images [N, H, W, C]; at most max_images
    drawn with the seed). 0 when all images are the same."""
    images = np.asarray(images)
    if len(images) > max_images:
        images = images[np.random.RandomState(seed).choice(len(images), max_images, replace=False)]
    return float(np.std(images.astype(np.float32) / 255.0, axis=0).mean())


def image_contrast(images):
    """How much each image varies within itself: the std of its pixels on a [0, 1] scale, [N]
    (uint8 images [N, H, W, C]). About 0 for a blank (uniform) image."""
    images = np.asarray(images)
    return (images.reshape(len(images), -1).astype(np.float32) / 255.0).std(axis=1).astype(np.float64)
