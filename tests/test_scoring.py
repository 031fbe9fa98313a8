"""evaluation/scoring.py: which numbers go into a row, on hand-made features (classifier space)
and through the tiny stand-in of the Inception graph (tests/tiny_inception.py)."""
from types import SimpleNamespace

import numpy as np
import pytest

import tiny_inception as tiny
from evaluation import inception, metrics, scoring

CIFAR = SimpleNamespace(class_names=["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                                     "horse", "ship", "truck"], num_classes=10, dataset="cifar10")


def two_clusters(per_class=40, dim=3, seed=0):
    """Features of classes 0 and 1 around far-apart centres, and their labels."""
    rng = np.random.RandomState(seed)
    labels = np.repeat([0, 1], per_class)
    return rng.randn(2 * per_class, dim) + 20.0 * labels[:, None], labels


def test_model_classes_map_to_the_classifiers_indices():
    labels = scoring.to_classifier_labels(CIFAR, ["airplane", "automobile"], [0, 1, 1, 0])
    assert labels.tolist() == [0, 1, 1, 0]
    assert scoring.to_classifier_labels(CIFAR, ["ship", "cat"], [0, 1]).tolist() == [8, 3]


def test_a_perfect_conditional_generator_scores_perfectly_per_class():
    features, labels = two_clusters()
    classifier = SimpleNamespace(class_names=["0", "1"], num_classes=2)
    predicted = labels.copy()
    predicted[:3] = 1  # 3 images asked for class 0 look like class 1
    info = {"features": features, "probs": np.eye(2)[predicted]}
    row = scoring.per_class_scores(classifier, {"features": features, "labels": labels}, info, labels)
    assert row["confusion"]["counts"] == [[37, 3], [0, 40]]
    assert row["intra_class_fid"] == pytest.approx(0.0, abs=1e-6)
    assert row["intra_class_fid_note"] is None and row["per_class_note"] is None
    for name in ("0", "1"):
        assert row["per_class"][name]["precision"] == 1.0 and row["per_class"][name]["recall"] == 1.0


def test_the_confusion_matrix_keeps_only_the_asked_for_classes_as_rows():
    features, labels = two_clusters(per_class=10)
    wanted = np.where(labels == 0, 0, 9)  # a two-class model (airplane, truck) on CIFAR's classifier
    info = {"features": features, "probs": np.eye(10)[wanted]}
    row = scoring.per_class_scores(CIFAR, {"features": features, "labels": wanted}, info, wanted)
    assert row["confusion"]["rows"] == ["airplane", "truck"]
    assert np.array(row["confusion"]["counts"]).shape == (2, 10)
    assert row["confusion"]["counts"][1][9] == 10


def test_classes_with_too_few_images_are_left_out_with_the_reason():
    features, labels = two_clusters(per_class=3, dim=4)  # intra-class FID needs 5, P/R needs 4
    classifier = SimpleNamespace(class_names=["0", "1"], num_classes=2)
    info = {"features": features, "probs": np.eye(2)[labels]}
    row = scoring.per_class_scores(classifier, {"features": features, "labels": labels}, info, labels)
    assert row["intra_class_fid"] is None and row["per_class"] == {"0": {}, "1": {}}
    assert row["intra_class_fid_note"] == (
        "intra-class FID (4-d features) needs at least 5 images per class in each set, but the "
        "smallest class has 3 real test images (a folder holds every 10th photo out: about 50 photos of "
        "each class give enough)")  # the real images bind: more samples would not help
    assert "per-class precision and recall needs at least 4 images" in row["per_class_note"]


class FeatureClassifier(SimpleNamespace):
    """A stand-in classifier whose "images" are already its features, and whose softmax is
    one-hot on the feature's nearest class centre (0 or 20, as in two_clusters)."""

    def features(self, images):
        return np.asarray(images, np.float64)

    def probs(self, images):
        return np.eye(2)[(np.asarray(images)[:, 0] > 10).astype(int)]


def test_a_classifier_row_carries_a_standard_error_for_every_number():
    features, labels = two_clusters(per_class=150)
    classifier = FeatureClassifier(class_names=["0", "1"], num_classes=2)
    reference = {"features": features, "stats": metrics.feature_stats(features), "labels": labels}
    shifted = features + np.random.RandomState(1).randn(*features.shape) * 0.3
    row = scoring.classifier_row(classifier, reference, shifted, labels, ["0", "1"], seed=0, resamples=8)
    for key in ("fid", "score", "class_accuracy", "worst_class_accuracy", "precision", "recall",
                "density", "coverage", "intra_class_fid"):
        assert np.isfinite(row[key + "_std"]) and row[key + "_std"] >= 0, key
    assert row["fid_std"] > 0 and row["precision_std"] > 0
    # every image is recognised as asked: no resample changes an accuracy
    assert row["class_accuracy_std"] == 0 and row["per_class_accuracy_std"] == {"0": 0.0, "1": 0.0}
    assert set(row["per_class"]["0"]) >= {"fid", "fid_std", "precision", "precision_std"}
    assert row == scoring.classifier_row(classifier, reference, shifted, labels, ["0", "1"], 0, 8)
    assert row["feature_spread"] == pytest.approx(metrics.mean_pairwise_distance(shifted))


def test_image_checks_find_a_blank_class():
    rng = np.random.RandomState(2)
    images = rng.randint(0, 256, (20, 8, 8, 1)).astype(np.uint8)
    labels = np.arange(20) % 2
    images[labels == 1] = 7  # class "b": every image one flat grey
    checks = scoring.image_checks(images, labels, ["a", "b", "c"])
    assert checks["class_contrast"]["b"] == 0.0 and checks["class_contrast"]["a"] > 0.2
    assert "c" not in checks["class_contrast"]  # never asked for
    assert checks["pixel_spread"] == pytest.approx(metrics.pixel_spread(images))
    assert scoring.image_checks(images, None, [])["class_contrast"] is None


# ----------------------------------------------------------------------------- Inception space

@pytest.fixture(scope="module")
def net(tmp_path_factory):
    path = tiny.write_tiny_graph(str(tmp_path_factory.mktemp("inception") / "graph.pb"))
    with inception.InceptionGraph(path) as network:
        yield network


def random_images(n, seed):
    return np.random.RandomState(seed).randint(0, 256, (n, tiny.SIZE, tiny.SIZE, 3)).astype(np.uint8)


def test_the_reference_scored_against_itself_is_perfect(net):
    images = random_images(60, seed=0)
    row = scoring.inception_row(net, scoring.inception_reference(net, images), images, seed=0)
    assert row["inception_fid"] == pytest.approx(0.0, abs=1e-6)
    assert row["inception_precision"] == row["inception_recall"] == row["inception_coverage"] == 1.0
    features = tiny.expected_features(images)
    # KID of a set with itself is slightly negative (the unbiased estimate), not 0: same numbers.
    assert row["inception_kid_mean"] == pytest.approx(metrics.kid(features, features, seed=0)[0], abs=1e-6)
    expected = metrics.inception_score_splits(tiny.expected_probs(features), 10)
    assert (row["inception_is_mean"], row["inception_is_std"]) == pytest.approx(expected, abs=1e-4)


def test_a_shifted_set_is_further_than_the_reference_itself(net):
    images = random_images(60, seed=1)
    reference = scoring.inception_reference(net, images)
    darker = (images // 4).astype(np.uint8)  # every feature moves
    row = scoring.inception_row(net, reference, darker, seed=0)
    assert row["inception_fid"] > 1.0 and row["inception_precision"] < 0.5
    for key in ("inception_fid", "inception_precision", "inception_recall", "inception_density",
                "inception_coverage"):
        assert np.isfinite(row[key + "_std"]) and row[key + "_std"] >= 0, key
    assert row["inception_fid_std"] > 0


def test_inception_fid_is_left_out_when_a_set_has_no_more_images_than_features(net):
    few = random_images(tiny.FEATURE_DIM, seed=2)  # 16 images of 16 features: rank 15
    reference = scoring.inception_reference(net, random_images(40, seed=3))
    row = scoring.inception_row(net, reference, few, seed=0)
    assert row["inception_fid"] is None and row["inception_fid_std"] is None
    assert np.isfinite(row["inception_kid_mean"])
    assert scoring.inception_reference(net, few)["stats"] is None
    note = scoring.inception_note(net, tiny.FEATURE_DIM, 40)
    assert "N = 16 images per row against 40 reference images; papers use N = 10,000 or 50,000" in note
    assert "Inception FID left out: it needs more images than its 16 features in each set" in note


def test_too_few_per_class_names_the_limit_that_binds():
    labels = np.array([0] * 7 + [1] * 200)
    wanted = np.array([0, 1] * 5000)
    real_short = scoring.too_few_per_class(labels, wanted, [0, 1], 129, "intra-class FID")
    assert "7 real test images (a folder holds every 10th photo out: about 1,290 photos" in real_short
    assert "--num_samples" not in real_short  # more samples cannot help
    samples_short = scoring.too_few_per_class(np.array([0, 1] * 200), np.array([0, 1] * 50), [0, 1], 129, "it")
    assert samples_short.endswith("use --num_samples 258 or more")
    assert scoring.fid_note(129) is None and "has 24 images, and FID needs more than its 128" in scoring.fid_note(24)
