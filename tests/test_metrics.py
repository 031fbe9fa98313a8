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
