"""Known answers for evaluation/metrics.py (FID, KID, Inception Score, class accuracy)."""
import numpy as np
import pytest

from evaluation import metrics
from errors import LabError


def two_point_sets():
    """The classic FID check: 1-D spreads of 0.5 and 3.5 (only column 0 varies), means 4 and 8 apart."""
    real = np.ones((100, 2))
    real[:50, 0] = 2
    generated = 9 * np.ones((100, 2))
    generated[50:, 0] = 2
    return real, generated


def test_fid_known_answer_uses_unbiased_covariance():
    # 80 from the means; (sqrt(0.25*100/99) - sqrt(12.25*100/99))^2 = 9.0909 from the spreads.
    real, generated = two_point_sets()
    fid = metrics.frechet_distance(real, generated)
    assert fid == pytest.approx(89.0909, abs=1e-4)
    assert abs(fid - 89.0) > 0.05  # a biased (divide by N) covariance would give exactly 89


def test_fid_from_stats_matches_fid_of_features():
    real, generated = two_point_sets()
    stats = metrics.feature_stats(real) + metrics.feature_stats(generated)
    assert metrics.frechet_from_stats(*stats) == pytest.approx(metrics.frechet_distance(real, generated))


def test_fid_of_a_set_with_itself_is_zero():
    feats = np.random.RandomState(0).randn(500, 8)
    assert abs(metrics.frechet_distance(feats, feats)) < 1e-6


def test_fid_with_fewer_samples_than_features_is_a_lab_error():
    feats = np.random.RandomState(0).randn(10, 128)
    with pytest.raises(LabError, match="N=10.*d=128.*--num_samples"):
        metrics.frechet_distance(feats, feats)


def test_fid_survives_a_singular_covariance():
    feats = np.random.RandomState(0).randn(200, 4)
    feats[:, 3] = 0.0  # a feature that never varies makes both covariances singular
    assert np.isfinite(metrics.frechet_distance(feats, feats + 1.0))


def direct_kid(x, y):
    """Unbiased MMD^2 written as the textbook double sums, for a tiny x, y [m, d]."""
    m, d = x.shape
    k = lambda a, b: (a @ b / d + 1.0) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_kid_matches_the_direct_double_sum():
    rng = np.random.RandomState(1)
    x, y = rng.randn(7, 3), rng.randn(7, 3) + 0.5
    # One subset of all 7 rows is a permutation of each set, and MMD ignores the order.
    mean, std = metrics.kid(x, y, num_subsets=1, subset_size=7)
    assert mean == pytest.approx(direct_kid(x, y), rel=1e-10)
    assert std == 0.0


def test_kid_is_near_zero_for_one_distribution_and_positive_for_a_shift():
    rng = np.random.RandomState(2)
    a, b = rng.randn(400, 16), rng.randn(400, 16)
    mean, std = metrics.kid(a, b, num_subsets=20, subset_size=200)
    assert abs(mean) < max(3 * std, 0.05)
    shifted_mean, _ = metrics.kid(a, b + 1.0, num_subsets=20, subset_size=200)
    assert shifted_mean > 0.5


def test_kid_is_reproducible_with_its_seed():
    rng = np.random.RandomState(3)
    a, b = rng.randn(300, 4), rng.randn(300, 4)
    assert metrics.kid(a, b, 10, 100, seed=5) == metrics.kid(a, b, 10, 100, seed=5)


def test_inception_score_of_confident_evenly_spread_classes_is_k():
    probs = np.eye(5)[np.arange(100) % 5]  # one-hot rows, 20 per class
    assert metrics.inception_score(probs) == pytest.approx(5.0, rel=1e-9)


def test_inception_score_of_identical_rows_is_one():
    probs = np.tile([0.7, 0.2, 0.1], (50, 1))
    assert metrics.inception_score(probs) == pytest.approx(1.0, abs=1e-9)


def test_inception_score_splits_gives_mean_and_std():
    probs = np.eye(4)[np.arange(80) % 4]
    mean, std = metrics.inception_score_splits(probs, splits=4)
    assert mean == pytest.approx(4.0) and std == pytest.approx(0.0, abs=1e-9)


def test_class_accuracy_per_class_and_worst():
    requested = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    predicted = np.array([0, 0, 0, 1, 1, 1, 0, 2])  # class 0: 3/4, class 1: 2/2, class 2: 1/2
    result = metrics.class_accuracy(np.eye(3)[predicted], requested, num_classes=3)
    assert result["overall"] == pytest.approx(6 / 8)
    assert result["per_class"] == pytest.approx([0.75, 1.0, 0.5])
    assert result["worst_class"] == 2 and result["worst"] == pytest.approx(0.5)


def test_class_accuracy_marks_unrequested_classes_nan():
    result = metrics.class_accuracy(np.eye(3)[[0, 1]], [0, 1], num_classes=3)
    assert np.isnan(result["per_class"][2]) and result["worst"] == 1.0


# ----------------------------------------------------------------------------- nearest neighbours

def brute_force_distances(x, y):
    """All Euclidean distances [n, m] through the full [n, m, d] difference tensor (tiny inputs only)."""
    return np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=2))


def test_distance_blocks_match_brute_force_with_an_uneven_last_block(monkeypatch):
    monkeypatch.setattr(metrics, "BLOCK_ELEMENTS", 20)  # 20 // 6 others = 3 rows: blocks 3, 3, 3, 1
    rng = np.random.RandomState(4)
    x, y = rng.randn(10, 5), rng.randn(6, 5)
    blocks = list(metrics.distance_blocks(x, y))
    assert [start for start, _ in blocks] == [0, 3, 6, 9]
    assert all(block.size <= 20 for _, block in blocks)  # memory stays bounded
    assert np.allclose(np.concatenate([b for _, b in blocks]), brute_force_distances(x, y), atol=1e-12)


def test_kth_nearest_and_ball_counts_match_brute_force(monkeypatch):
    monkeypatch.setattr(metrics, "BLOCK_ELEMENTS", 50)  # 50 // 23 = 2 rows per block
    rng = np.random.RandomState(5)
    x, y = rng.randn(23, 4), rng.randn(17, 4)
    d_xx, d_yx = brute_force_distances(x, x), brute_force_distances(y, x)
    # Sorted row of d_xx: [0 (itself), 1st, 2nd, 3rd neighbour, ...].
    assert np.allclose(metrics.knn_radii(x, k=3), np.sort(d_xx, axis=1)[:, 3])
    assert np.allclose(metrics.kth_nearest_distances(y, x, k=1), d_yx.min(axis=1))
    radii = metrics.knn_radii(x, k=3)
    assert np.array_equal(metrics.ball_counts(y, x, radii), (d_yx <= radii[None, :]).sum(axis=1))


def test_blocking_does_not_change_the_metrics(monkeypatch):
    rng = np.random.RandomState(6)
    real, fake = rng.randn(60, 3), rng.randn(50, 3) + 0.3
    whole = metrics.precision_recall(real, fake) + metrics.density_coverage(real, fake)
    monkeypatch.setattr(metrics, "BLOCK_ELEMENTS", 1)  # one row per block
    assert metrics.precision_recall(real, fake) + metrics.density_coverage(real, fake) == whole


# ----------------------------------------------------------------------------- fidelity vs diversity

def test_identical_sets_have_full_precision_recall_and_coverage():
    feats = np.random.RandomState(7).randn(300, 8)
    assert metrics.precision_recall(feats, feats) == (1.0, 1.0)
    density, coverage = metrics.density_coverage(feats, feats)
    assert coverage == 1.0
    # Each fake lies in its twin's ball and in the balls of the k reals it is a neighbour of:
    # (k + 1) / k = 4/3 exactly, up to a boundary case that rounding may flip.
    assert density == pytest.approx(4 / 3, abs=0.01)


def test_two_samples_of_one_distribution_have_density_near_one():
    rng = np.random.RandomState(8)
    real, fake = rng.randn(2000, 8), rng.randn(2000, 8)
    density, coverage = metrics.density_coverage(real, fake)
    assert density == pytest.approx(1.0, abs=0.05)
    assert coverage > 0.8


def test_far_apart_clusters_score_zero_everywhere():
    rng = np.random.RandomState(9)
    real, fake = rng.randn(200, 8), rng.randn(200, 8) + 100.0
    assert metrics.precision_recall(real, fake) == (0.0, 0.0)
    assert metrics.density_coverage(real, fake) == (0.0, 0.0)


def four_blobs_and_two(seed=10):
    """Real: 100 points around each of 4 far-apart centres; fake: 100 around each of the first 2."""
    rng = np.random.RandomState(seed)
    centres = np.array([[0.0, 0.0], [50.0, 0.0], [0.0, 50.0], [50.0, 50.0]])
    real = np.concatenate([c + rng.randn(100, 2) for c in centres])
    fake = np.concatenate([c + rng.randn(100, 2) for c in centres[:2]])
    return real, fake


def test_a_generator_that_covers_half_the_modes_has_half_the_recall():
    real, fake = four_blobs_and_two()
    precision, recall = metrics.precision_recall(real, fake)
    density, coverage = metrics.density_coverage(real, fake)
    assert precision > 0.9                       # every fake looks real...
    assert recall == pytest.approx(0.5, abs=0.05)  # ...but half of the real modes are missing
    assert coverage == pytest.approx(0.5, abs=0.07)
    assert recall <= 0.5 and coverage <= 0.5      # the missing blobs can never be reached


def test_precision_and_recall_swap_with_the_sets():
    real, fake = four_blobs_and_two()
    precision, recall = metrics.precision_recall(real, fake)
    assert metrics.precision_recall(fake, real) == (recall, precision)


def test_too_few_samples_for_k_neighbours_is_a_lab_error():
    feats = np.random.RandomState(11).randn(3, 2)
    with pytest.raises(LabError, match="k=3 need more than 3 samples.*--num_samples"):
        metrics.precision_recall(feats, feats)


# ----------------------------------------------------------------------------- intra-class FID

def labelled_features(seed=12):
    """3 classes of 2-d features (40, 50, 60 real; 45 generated each), rows in shuffled order."""
    rng = np.random.RandomState(seed)
    real_labels = rng.permutation(np.repeat([0, 1, 2], [40, 50, 60]))
    fake_labels = rng.permutation(np.repeat([0, 1, 2], 45))
    real = rng.randn(len(real_labels), 2) + real_labels[:, None]
    fake = rng.randn(len(fake_labels), 2) * 1.5 + 0.8 * fake_labels[:, None]
    return real, real_labels, fake, fake_labels


def test_intra_class_fid_is_the_mean_of_per_class_fids():
    real, real_labels, fake, fake_labels = labelled_features()
    by_hand = {c: metrics.frechet_distance(real[real_labels == c], fake[fake_labels == c])
               for c in (0, 1, 2)}
    mean, per_class = metrics.intra_class_fid(real, real_labels, fake, fake_labels)
    assert per_class == pytest.approx(by_hand, rel=1e-12)
    assert mean == pytest.approx(np.mean(list(by_hand.values())), rel=1e-12)
    # Not the FID of the pooled sets: per class, the class means are compared with each other.
    assert abs(mean - metrics.frechet_distance(real, fake)) > 0.1


def test_intra_class_fid_names_every_class_with_too_few_samples():
    real, real_labels, fake, fake_labels = labelled_features()
    # Keep all 45 generated rows of class 0, 2 of class 1 (d = 2 is too few) and none of class 2.
    keep = np.concatenate([np.flatnonzero(fake_labels == 0), np.flatnonzero(fake_labels == 1)[:2]])
    with pytest.raises(LabError, match=r"at least 3 samples per class.*d=2.*"
                                       r"class 1: 50 real, 2 generated; class 2: 60 real, 0 generated"):
        metrics.intra_class_fid(real, real_labels, fake[keep], fake_labels[keep])


def test_intra_class_fid_accepts_d_plus_one_samples_per_class():
    real, real_labels, fake, fake_labels = labelled_features()
    keep = np.concatenate([np.flatnonzero(fake_labels == c)[:3] for c in (0, 1, 2)])
    mean, per_class = metrics.intra_class_fid(real, real_labels, fake[keep], fake_labels[keep])
    assert sorted(per_class) == [0, 1, 2] and np.isfinite(mean)


# ----------------------------------------------------------------------------- shared radii, confusion

def test_passing_the_real_radii_gives_the_same_answers():
    rng = np.random.RandomState(12)
    real, fake = rng.randn(80, 3), rng.randn(70, 3) + 0.4
    radii = metrics.knn_radii(real)
    assert metrics.precision_recall(real, fake, real_radii=radii) == metrics.precision_recall(real, fake)
    assert metrics.density_coverage(real, fake, real_radii=radii) == metrics.density_coverage(real, fake)


def test_confusion_matrix_counts_asked_for_against_recognised():
    requested = [0, 0, 0, 1, 1, 1]
    predicted = [0, 0, 2, 1, 2, 2]  # class 0: 2 right, 1 as class 2; class 1: 1 right, 2 as class 2
    counts = metrics.confusion_matrix(requested, predicted, num_requested=2, num_predicted=3)
    assert counts.tolist() == [[2, 0, 1], [0, 1, 2]]
    # The diagonal over the row sums is class_accuracy's per-class accuracy.
    accuracy = metrics.class_accuracy(np.eye(3)[predicted], requested, num_classes=3)["per_class"]
    assert np.diag(counts) / counts.sum(axis=1) == pytest.approx(accuracy[:2])


# ----------------------------------------------------------------------------- uncertainty

def test_fid_with_a_precomputed_root_matches_the_sqrtm_fid():
    rng = np.random.RandomState(13)
    real, fake = rng.randn(300, 6), rng.randn(300, 6) @ rng.randn(6, 6) + 0.5
    mu_r, sigma_r = metrics.feature_stats(real)
    mu_f, sigma_f = metrics.feature_stats(fake)
    expected = metrics.frechet_from_stats(mu_f, sigma_f, mu_r, sigma_r)
    root = metrics.symmetric_root(sigma_r)
    assert root @ root == pytest.approx(sigma_r, abs=1e-10)
    assert metrics.frechet_with_root(mu_f, sigma_f, mu_r, sigma_r, root) == pytest.approx(expected, rel=1e-9)
    real, generated = two_point_sets()  # singular covariances: the known answer still comes out
    (mu_r, sigma_r), (mu_g, sigma_g) = metrics.feature_stats(real), metrics.feature_stats(generated)
    assert metrics.frechet_with_root(mu_g, sigma_g, mu_r, sigma_r, metrics.symmetric_root(sigma_r)) == \
        pytest.approx(89.0909, abs=1e-4)


def test_bootstrap_counts_draw_n_rows_and_keep_every_strata_size():
    strata = np.repeat([0, 1, 2], [5, 7, 8])
    counts = metrics.bootstrap_counts(20, resamples=30, seed=1, strata=strata)
    assert counts.shape == (30, 20) and (counts >= 0).all()
    for stratum, size in ((0, 5), (1, 7), (2, 8)):
        assert (counts[:, strata == stratum].sum(axis=1) == size).all()
    assert np.array_equal(counts, metrics.bootstrap_counts(20, 30, seed=1, strata=strata))
    assert not np.array_equal(counts, metrics.bootstrap_counts(20, 30, seed=2, strata=strata))
    assert (metrics.bootstrap_counts(9, 4, seed=0).sum(axis=1) == 9).all()


def test_weighted_stats_equal_the_stats_of_the_repeated_rows():
    rng = np.random.RandomState(14)
    feats, weights = rng.randn(12, 3), rng.randint(0, 4, 12)
    weights[0] = 5
    repeated = np.repeat(feats, weights, axis=0)
    mu, sigma = metrics.weighted_stats(feats, weights.astype(float))
    expected_mu, expected_sigma = metrics.feature_stats(repeated)
    assert mu == pytest.approx(expected_mu) and sigma == pytest.approx(expected_sigma)


def test_each_fid_resample_is_the_fid_of_its_drawn_rows():
    rng = np.random.RandomState(15)
    real, fake = rng.randn(200, 4), rng.randn(60, 4) * 2 + 1
    mu, sigma = metrics.feature_stats(real)
    counts = metrics.bootstrap_counts(60, resamples=3, seed=0)
    fids = metrics.fid_resamples(fake, mu, sigma, metrics.symmetric_root(sigma), counts)
    for fid, w in zip(fids, counts):
        assert fid == pytest.approx(metrics.frechet_distance(np.repeat(fake, w, axis=0), real), rel=1e-8)


def test_the_standard_error_of_a_mean_is_sigma_over_root_n():
    values = np.random.RandomState(16).randn(2000) * 3.0
    resampled = metrics.resampled_means(values, metrics.bootstrap_counts(2000, 300, seed=0))
    assert metrics.standard_error(resampled) == pytest.approx(3.0 / np.sqrt(2000), rel=0.15)


def test_the_precision_std_is_the_binomial_standard_error():
    rng = np.random.RandomState(17)
    real, fake = rng.randn(400, 2), rng.randn(600, 2) * 3.0  # about half the fakes inside
    scores = metrics.knn_scores(real, fake, counts=metrics.bootstrap_counts(600, 200, seed=0))
    p = scores["precision"]
    assert 0.3 < p < 0.9
    assert scores["precision_std"] == pytest.approx(np.sqrt(p * (1 - p) / 600), rel=0.2)
    for name in ("recall", "density", "coverage"):
        assert 0 < scores[name + "_std"] < 0.1


def test_a_knn_resample_scores_its_drawn_fakes_with_the_full_sets_radii():
    rng = np.random.RandomState(18)
    real, fake = rng.randn(50, 2), rng.randn(40, 2) + 0.3
    counts = metrics.bootstrap_counts(40, resamples=1, seed=3)
    drawn = np.repeat(fake, counts[0], axis=0)
    resample = {name: v[0] for name, v in metrics.knn_weighted(real, fake, counts).items()}
    # precision, density and coverage use only the real radii: the drawn set gives the same
    assert resample["precision"] == pytest.approx(metrics.precision_recall(real, drawn)[0])
    assert (resample["density"], resample["coverage"]) == pytest.approx(metrics.density_coverage(real, drawn))
    # recall keeps each fake's radius from the whole set: a real is recalled by a drawn fake's ball
    radii = metrics.knn_radii(fake)
    inside = brute_force_distances(real, fake) <= radii[None, :]
    assert resample["recall"] == pytest.approx(np.mean(inside[:, counts[0] > 0].any(axis=1)))


def test_knn_scores_without_counts_are_the_published_metrics():
    real, fake = four_blobs_and_two()
    scores = metrics.knn_scores(real, fake)
    assert (scores["precision"], scores["recall"]) == metrics.precision_recall(real, fake)
    assert set(scores) == {"precision", "recall", "density", "coverage"}


def test_inception_score_and_class_accuracy_resamples_known_answers():
    rng = np.random.RandomState(19)
    probs = rng.dirichlet(np.ones(4), 80)
    ones = np.ones((1, 80), np.int64)
    assert metrics.inception_score_resamples(probs, ones)[0] == pytest.approx(metrics.inception_score(probs))
    counts = metrics.bootstrap_counts(80, resamples=2, seed=0)
    assert metrics.inception_score_resamples(probs, counts)[1] == \
        pytest.approx(metrics.inception_score(np.repeat(probs, counts[1], axis=0)))
    requested = np.arange(80) % 4
    expected = metrics.class_accuracy(probs, requested, 5)
    got = metrics.class_accuracy_resamples(probs, requested, 5, ones)
    assert got["overall"][0] == pytest.approx(expected["overall"])
    assert [v[0] for v in got["per_class"][:4]] == pytest.approx(expected["per_class"][:4])
    assert got["per_class"][4] is None and got["worst"][0] == pytest.approx(expected["worst"])


def test_separated_needs_a_gap_above_twice_the_combined_error():
    assert not metrics.separated(10.0, 3.0, 0.0, 4.0)  # gap 10 = 2 x sqrt(9 + 16): not above
    assert metrics.separated(10.1, 3.0, 0.0, 4.0) and metrics.separated(0.0, 0.0, -0.1, 0.0)
    assert not metrics.separated(0.5, 0.0, 0.5, 0.0)


# ----------------------------------------------------------------------------- collapse checks

def test_mean_pairwise_distance_known_answers():
    assert metrics.mean_pairwise_distance([[0.0, 0.0], [3.0, 4.0]]) == pytest.approx(5.0)
    assert metrics.mean_pairwise_distance([[0.0], [1.0], [3.0]]) == pytest.approx(2.0)  # (1 + 3 + 2) / 3
    assert metrics.mean_pairwise_distance(np.ones((50, 4))) == pytest.approx(0.0, abs=1e-6)
    spread = metrics.mean_pairwise_distance(np.random.RandomState(20).randn(3000, 2), max_rows=500)
    assert spread == pytest.approx(np.sqrt(np.pi), rel=0.05)  # E|x - y| for 2-d standard normals


def test_pixel_spread_and_image_contrast_known_answers():
    same = np.full((10, 4, 4, 1), 200, np.uint8)
    assert metrics.pixel_spread(same) == 0.0 and (metrics.image_contrast(same) == 0).all()
    black_and_white = np.repeat(np.array([0, 255], np.uint8), 5)[:, None, None, None] * np.ones((1, 4, 4, 3), np.uint8)
    assert metrics.pixel_spread(black_and_white) == pytest.approx(0.5)
    checkerboard = (np.indices((4, 4)).sum(axis=0) % 2 * 255).astype(np.uint8)[None, :, :, None]
    assert metrics.image_contrast(checkerboard) == pytest.approx([0.5])
