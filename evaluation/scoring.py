"""Turn image sets into table rows, in the feature space(s) of a comparison (handout extension 2).

Two networks turn images into numbers, and a row is only comparable with rows of the same network:
- our classifier (evaluation/classifier.py), trained on the dataset itself: 128-d features for
  FID, KID, precision/recall, density/coverage and, per class, intra-class FID; softmax
  probabilities for the score, class accuracy and the confusion matrix. It needs a dataset with
  at least two classes, and its numbers compare our models with each other, not with papers.
- the 2015-12-05 Inception graph (evaluation/inception.py): 2048-d pool_3 features and ImageNet
  class probabilities, the FID, KID and IS that papers publish (when N matches: 10k or 50k).
  It scores any images, faces included.
Every set (DCGAN samples, BigGAN samples, real train images) is scored against ONE reference,
the real test split, described once per network (features, their statistics, k-NN radii).
Each number comes with its bootstrap standard error "<key>_std" (uncertainty_note says how),
and each row with the collapse checks' raw numbers (image_checks, "feature_spread").
The maths is in evaluation/metrics.py; here is only which numbers go into which row.
"""
import numpy as np

from errors import LabError
from evaluation import metrics
from evaluation.classifier import FEATURE_DIM
from evaluation.words import say


# ----------------------------------------------------------------------------- classifier space

def to_classifier_labels(classifier, class_names, labels):
    """Class indices of a model or dataset -> the classifier's indices for the same names
    (e.g. CIFAR airplane,automobile models against a 10-class classifier)."""
    missing = [name for name in class_names if name not in classifier.class_names]
    if missing:
        raise LabError(f"the classifier {classifier.dataset} knows the classes "
                       f"{', '.join(classifier.class_names)}, not {', '.join(missing)}; train one for "
                       f"these classes with evaluation/train_classifier.py --classes {','.join(class_names)} "
                       "and the dataset's --dataset, --data_dir and --output_size")
    index = np.array([classifier.class_names.index(name) for name in class_names])
    return index[np.asarray(labels)]


def describe(classifier, images, with_probs=True):
    """Classifier features, their mean/covariance, and (unless with_probs is False: the real
    test images need none) the softmax probabilities of an image set.

    Raises (metrics.feature_stats) LabError when there are fewer images than feature dimensions.
    """
    features = classifier.features(images)
    return {"features": features, "stats": metrics.feature_stats(features),
            "probs": classifier.probs(images) if with_probs else None}


def classifier_reference(classifier, test):
    """The real test split (a Dataset) described once: features, statistics (None when it has
    too few images for FID: fid_note) and its labels as classifier indices (the k-NN radii come
    on first use: reference_radii)."""
    features = classifier.features(test.images)
    enough = len(features) > features.shape[1]
    return {"features": features, "stats": metrics.feature_stats(features) if enough else None,
            "labels": to_classifier_labels(classifier, test.class_names, test.labels)}


def fid_note(num_reference, lang="en"):
    """Why the classifier's FID is left out (a small folder's held-out tenth), or None."""
    if num_reference > FEATURE_DIM:
        return None
    return say(lang, "FID (classifier) left out: the real test split has {n:,} images, and FID needs more than its "
                     "{dim} features (a folder holds every 10th image out: {enough:,} photos or more give enough); "
                     "KID, the score, class accuracy, precision, recall, density and coverage need no such minimum",
               n=num_reference, dim=FEATURE_DIM, enough=10 * (FEATURE_DIM + 1))


def uncertainty_note(resamples, lang="en"):
    """How the ± of the tables are made, for the report."""
    return say(lang, "± is a bootstrap standard error: each row's N images are drawn again with replacement (within "
                     "each asked-for class), {resamples} times, and rescored against the same real test images (FID, "
                     "score, class accuracy, precision, recall, density, coverage, intra-class FID; every k-NN radius "
                     "is kept from the full sets). KID's ± is the std over its 100 subsets of 1,000 images (a cautious "
                     "bound), IS's over 10 splits, the sampling time's over 10 parts of the N images. A model wins a measure only "
                     "when the gap exceeds {times:g} × sqrt(σ₁² + σ₂²); a smaller gap is within noise",
               resamples=resamples, times=metrics.SEPARATION)


def resampled_fid(features, reference, counts):
    """The standard error of the FID of features [N, d] against a described reference."""
    return metrics.standard_error(metrics.fid_resamples(features, *reference["stats"],
                                                        reference_root(reference), counts))


def score(images_info, reference, classifier, labels, seed, counts):
    """FID, KID, score, and class accuracy (when labels are given) of a described image set
    against the described real test images, with standard errors over the bootstrap counts
    [B, N]. labels are classifier indices."""
    kid_mean, kid_std = metrics.kid(images_info["features"], reference["features"], seed=seed)
    probs = images_info["probs"]
    enough = reference["stats"] is not None  # a small test split: no FID (fid_note)
    row = {"fid": metrics.frechet_from_stats(*images_info["stats"], *reference["stats"]) if enough else None,
           "fid_std": resampled_fid(images_info["features"], reference, counts) if enough else None,
           "kid_mean": kid_mean, "kid_std": kid_std, "score": metrics.inception_score(probs),
           "score_std": metrics.standard_error(metrics.inception_score_resamples(probs, counts))}
    if labels is not None:
        row.update(accuracy_scores(probs, labels, classifier, counts))
    return row


def accuracy_scores(probs, labels, classifier, counts):
    """Class accuracy overall, of the worst class and per class, each with its standard error."""
    names = classifier.class_names
    acc = metrics.class_accuracy(probs, labels, classifier.num_classes)
    resampled = metrics.class_accuracy_resamples(probs, labels, classifier.num_classes, counts)
    asked = [k for k, a in enumerate(acc["per_class"]) if not np.isnan(a)]
    return {"class_accuracy": acc["overall"],
            "class_accuracy_std": metrics.standard_error(resampled["overall"]),
            "worst_class": names[acc["worst_class"]], "worst_class_accuracy": acc["worst"],
            "worst_class_accuracy_std": metrics.standard_error(resampled["worst"]),
            "per_class_accuracy": {names[k]: acc["per_class"][k] for k in asked},
            "per_class_accuracy_std": {names[k]: metrics.standard_error(resampled["per_class"][k])
                                       for k in asked}}


def reference_radii(reference):
    """The k-NN radii of a described reference, computed on first use and kept in it: one pass
    over all reference pairs serves every row (and an N too small for FID fails before it)."""
    if "radii" not in reference:
        reference["radii"] = metrics.knn_radii(reference["features"])
    return reference["radii"]


def reference_root(reference):
    """The symmetric root of the reference's covariance, computed on first use and kept in it
    (every bootstrap FID against this reference needs it)."""
    if "root" not in reference:
        reference["root"] = metrics.symmetric_root(reference["stats"][1])
    return reference["root"]


def fidelity_diversity(reference_features, features, radii=None, prefix="", counts=None):
    """precision, recall, density, coverage of features against the reference (k = 3), keys
    prefixed with `prefix`; with bootstrap counts [B, N] also their "_std". radii: the
    reference's k-NN radii, if already computed."""
    scores = metrics.knn_scores(reference_features, features, real_radii=radii, counts=counts)
    return {prefix + key: value for key, value in scores.items()}


def image_checks(images, labels, class_names):
    """The pixel numbers the collapse checks compare with the real row's: how much the images
    differ from each other (pixel_spread), how much each varies within itself on average
    (image_contrast) and, with labels, per class (class_contrast: a blank class is about 0)."""
    contrast = metrics.image_contrast(images)                                     # [N]
    per_class = None if labels is None else {
        name: float(contrast[np.asarray(labels) == k].mean())
        for k, name in enumerate(class_names) if np.any(np.asarray(labels) == k)}
    return {"pixel_spread": metrics.pixel_spread(images), "image_contrast": float(contrast.mean()),
            "class_contrast": per_class}


def classifier_row(classifier, reference, images, labels, class_names, seed, resamples=metrics.RESAMPLES, lang="en"):
    """One row in the classifier's space. labels: the class indices (in class_names) the images
    were made for, or None for an unconditional model. The bootstrap draws within each class."""
    wanted = None if labels is None else to_classifier_labels(classifier, class_names, labels)
    info = describe(classifier, images)
    counts = metrics.bootstrap_counts(len(images), resamples, seed, strata=wanted)  # [B, N]
    row = score(info, reference, classifier, wanted, seed, counts)
    row.update(fidelity_diversity(reference["features"], info["features"], reference_radii(reference),
                                  counts=counts))
    row["feature_spread"] = metrics.mean_pairwise_distance(info["features"], seed=seed)
    if wanted is not None:
        row.update(per_class_scores(classifier, reference, info, wanted, counts, lang))
    return row


def per_class_scores(classifier, reference, info, wanted, counts=None, lang="en"):
    """Per asked-for class: intra-class FID, precision/recall/density/coverage (each class's
    images against that class's real test images), and the confusion matrix; with bootstrap
    counts [B, N] (drawn within each class) also their standard errors. A metric some class
    has too few images for is left out, with the reason under "<metric>_note"."""
    names, classes = classifier.class_names, sorted(set(wanted.tolist()))
    predicted = np.argmax(info["probs"], axis=1)
    confusion = metrics.confusion_matrix(np.searchsorted(classes, wanted), predicted,
                                         len(classes), classifier.num_classes)
    row = {"confusion": {"rows": [names[c] for c in classes], "columns": list(names),
                         "counts": confusion.tolist()},
           "per_class": {names[c]: {} for c in classes}, "intra_class_fid": None}
    real_labels, dim = reference["labels"], info["features"].shape[1]
    keep = np.isin(real_labels, classes)
    row["intra_class_fid_note"] = too_few_per_class(real_labels, wanted, classes, dim + 1,
                                                    say(lang, "intra-class FID ({dim}-d features)", dim=dim), lang)
    if row["intra_class_fid_note"] is None:
        row["intra_class_fid"], fids = metrics.intra_class_fid(
            reference["features"][keep], real_labels[keep], info["features"], wanted)
        for c, fid in fids.items():
            row["per_class"][names[c]]["fid"] = fid
        if counts is not None:
            row.update(intra_class_errors(reference, info, wanted, classes, counts, row["per_class"], names))
    row["per_class_note"] = too_few_per_class(real_labels, wanted, classes, metrics.NEAREST_K + 1,
                                              say(lang, "per-class precision and recall"), lang)
    if row["per_class_note"] is None:
        for c in classes:
            row["per_class"][names[c]].update(fidelity_diversity(
                reference["features"][real_labels == c], info["features"][wanted == c],
                counts=None if counts is None else counts[:, wanted == c]))
    return row


def intra_class_errors(reference, info, wanted, classes, counts, per_class, names):
    """The standard errors of each class's FID (into per_class[name]["fid_std"]) and of their
    mean: {"intra_class_fid_std": ...}. Each class is resampled within itself."""
    resampled = []
    for c in classes:
        real = {"stats": metrics.feature_stats(reference["features"][reference["labels"] == c])}
        resampled.append(metrics.fid_resamples(info["features"][wanted == c], *real["stats"],
                                               reference_root(real), counts[:, wanted == c]))
        per_class[names[c]]["fid_std"] = metrics.standard_error(resampled[-1])
    return {"intra_class_fid_std": metrics.standard_error(np.mean(resampled, axis=0))}


def too_few_per_class(real_labels, wanted, classes, minimum, what, lang="en"):
    """None, or why `what` is left out: a class has fewer than `minimum` images in a set."""
    real = min(int(np.sum(real_labels == c)) for c in classes)
    generated = min(int(np.sum(wanted == c)) for c in classes)
    if min(real, generated) >= minimum:
        return None
    if real < minimum:  # more samples cannot help: the folder's held-out tenth is the limit
        return say(lang, "{what} needs at least {minimum:,} images per class in each set, but the smallest class has "
                         "{real:,} real test images (a folder holds every 10th photo out: about {enough:,} photos "
                         "of each class give enough)", what=what, minimum=minimum, real=real, enough=10 * minimum)
    return say(lang, "{what} needs at least {minimum:,} images per class in each set, but the smallest class has "
                     "{generated:,} generated and {real:,} real test images; use --num_samples {enough:,} or more",
               what=what, minimum=minimum, generated=generated, real=real, enough=minimum * len(classes))


# ----------------------------------------------------------------------------- Inception space

def inception_reference(net, images):
    """The real test images described once by the Inception graph: features and their statistics
    (None when there are too few images for a full-rank covariance)."""
    features = net.features(images)
    enough = len(features) > features.shape[1]
    return {"features": features, "stats": metrics.feature_stats(features) if enough else None}


def inception_row(net, reference, images, seed, labels=None, resamples=metrics.RESAMPLES):
    """Inception FID (None unless both sets have more images than features), KID, IS (mean and
    std over 10 splits, as published) and precision/recall/density/coverage of an image set,
    with bootstrap standard errors (drawn within each class of labels, when given)."""
    features, probs = net.features_and_probs(images)
    counts = metrics.bootstrap_counts(len(features), resamples, seed, strata=labels)  # [B, N]
    fid = fid_std = None
    if reference["stats"] is not None and len(features) > features.shape[1]:
        fid = metrics.frechet_from_stats(*metrics.feature_stats(features), *reference["stats"])
        fid_std = resampled_fid(features, reference, counts)
    kid_mean, kid_std = metrics.kid(features, reference["features"], seed=seed)
    is_mean, is_std = metrics.inception_score_splits(probs, splits=min(10, len(probs)))
    row = {"inception_fid": fid, "inception_fid_std": fid_std, "inception_kid_mean": kid_mean,
           "inception_kid_std": kid_std, "inception_is_mean": is_mean, "inception_is_std": is_std,
           "inception_feature_spread": metrics.mean_pairwise_distance(features, seed=seed)}
    row.update(fidelity_diversity(reference["features"], features, reference_radii(reference),
                                  "inception_", counts))
    return row


def inception_note(net, num_samples, num_reference, lang="en"):
    """What the Inception numbers are, with the sample counts (and why FID is missing, if it is)."""
    dim = net.feature_dim
    note = say(lang, "Inception (standard) FID, KID and IS: the 2015-12-05 Inception graph `{path}`, {dim}-d pool_3 "
                     "features, N = {n:,} images per row against {reference:,} reference images; papers use "
                     "N = 10,000 or 50,000", path=net.path, dim=dim, n=num_samples, reference=num_reference)
    if min(num_samples, num_reference) <= dim:
        note += say(lang, ". Inception FID left out: it needs more images than its {dim:,} features in each set; KID "
                          "has no such minimum", dim=dim)
    elif num_samples < 10000:
        note += say(lang, ": with fewer, FID is biased upwards and not comparable with published numbers")
    return note
