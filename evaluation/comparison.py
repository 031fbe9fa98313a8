"""The comparison of a trained DCGAN and BigGAN (handout 六.2: "对两个算法结果进行对比分析"), the work
behind biggan/compare.py: which runs, which real images, which networks measure, every row
scored, the report folder written as one set. Settings is what compare.py's flags ask for.

(What the report says and why: evaluation/report.py and analysis.py; the numbers: scoring.py
and metrics.py; the images: samples.py.)
"""
import dataclasses
import os
import re
from typing import Optional

import runs
from runs import IMAGE_SIZES, check_dataset_name, parse_classes
from errors import LabError, stop_if_only_checking
from evaluation import analysis, figures, heldout, inception, metrics, report, samples, scoring
from evaluation.classifier import FEATURE_DIM, Classifier, default_path, weight_paths
from evaluation.words import say
from files import replace_folder, writable_problem, write_json

@dataclasses.dataclass
class Settings:
    """What to compare and how (biggan/compare.py's flags); None: a default resolve_defaults fills."""
    dataset: str = "mnist"
    classes: str = ""
    conditional: bool = False
    output_size: Optional[int] = None
    dcgan_dir: Optional[str] = None
    biggan_dir: Optional[str] = None
    logs_dir: str = "logs"
    data_dir: str = "./data"
    input_fname_pattern: str = "*.jpg"
    num_samples: int = 10000
    report_dir: Optional[str] = None
    overwrite: bool = False
    classifier: Optional[str] = None
    inception_graph: Optional[str] = None
    seed: int = 0
    resamples: int = metrics.RESAMPLES
    mnist_split: Optional[str] = None
    lang: str = "en"               # the report's language (evaluation/words.py): en or zh


def fields():
    """The settings' fields (compare.py copies each from the flag of the same name)."""
    return dataclasses.fields(Settings)


KINDS = {"DCGAN": "dcgan", "BigGAN": "biggan"}


def resolve_defaults(args):
    """Fill the defaults that depend on --dataset, naming folders as the training scripts do
    (runs.run_name), so `--dataset mnist` alone finds both MNIST runs."""
    check_dataset_name(args.dataset, args.data_dir)
    if args.dataset not in IMAGE_SIZES and not os.path.isdir(os.path.join(args.data_dir, args.dataset)):
        raise LabError(f"unknown dataset '{args.dataset}': use mnist, cifar10, or a folder of "
                       f"images in {os.path.join(args.data_dir, args.dataset)}/")
    if args.num_samples < 2:
        raise LabError(f"--num_samples must be at least 2 (got {args.num_samples})")
    if args.resamples < 2:
        raise LabError(f"--resamples must be at least 2 for a standard error (got {args.resamples})")
    args.classes = ",".join(parse_classes(args.classes))  # 'airplane, automobile' as main.py reads it
    args.output_size = args.output_size or IMAGE_SIZES.get(args.dataset) or trained_size(args)
    name = lambda model, split: runs.run_name(model, args.dataset, args.output_size, args.conditional,  # noqa: E731
                                              parse_classes(args.classes), "", split)
    split = args.mnist_split  # unless given: the held-out runs when there are some, else the handout's
    if split is None:
        split = "train" if os.path.isdir(runs.folders(name("DCGAN", "train")).checkpoint) else "all"
    args.dcgan_dir = args.dcgan_dir or runs.folders(name("DCGAN", split)).checkpoint
    args.biggan_dir = args.biggan_dir or runs.folders(name("BigGAN", split)).checkpoint
    args.report_dir = args.report_dir or os.path.join("report", name("DCGAN", split))
    args.classifier = args.classifier or default_path(args.dataset)
    return args


def trained_size(args):
    """The image size of this folder's DCGAN runs when --output_size is not given: the one size
    they were trained at (a 32 px route needs no flag), 64 (the training scripts' default) when
    there is none; a LabError naming --output_size when there are several."""
    base = os.path.dirname(runs.folders("run").checkpoint)  # checkpoint/
    name = runs.run_name("DCGAN", args.dataset, "SIZE", args.conditional, parse_classes(args.classes))
    pattern = re.compile(re.escape(name).replace("SIZE", r"(\d+)", 1).replace("SIZE", r"\1") + "$")
    found = [pattern.match(folder) for folder in (os.listdir(base) if os.path.isdir(base) else [])]
    sizes = sorted(int(match.group(1)) for match in found if match)
    if len(sizes) > 1:
        raise LabError(f"{args.dataset} has DCGAN runs at {len(sizes)} sizes ({', '.join(f'{s}x{s}' for s in sizes)}); "
                       f"pick one with --output_size, e.g. --output_size {sizes[0]}")
    return sizes[0] if sizes else 64


REPORT_FILES = ("report.md", "report.html", "metrics.json", "classes.png", "losses.png", "per_class.png")


def check_report_dir(folder, overwrite=False):
    """LabError now, not after minutes of computing, when report_dir cannot be made or written,
    already holds a report (unless overwrite), or holds files a report never writes (a report
    replaces its whole folder, so they would be lost). Creates nothing: a failed comparison
    leaves no empty report folder behind."""
    problem = writable_problem(os.path.dirname(os.path.abspath(folder)))  # the new set is built next to it
    if problem is None and os.path.exists(folder):
        problem = writable_problem(folder)  # also: a file, not a folder
    if problem:
        raise LabError(f"cannot write the report to {folder} ({problem}); choose another with --report_dir")
    entries = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    foreign = [name for name in entries if name not in REPORT_FILES]
    if foreign:
        raise LabError(f"{folder} holds files that are not part of a report ({', '.join(foreign[:5])}), "
                       "and a new report replaces the whole folder; move them or choose another --report_dir")
    if entries and not overwrite:
        raise LabError(f"{folder} already holds a report; pass --overwrite to replace it, or "
                       "choose another --report_dir")


# ----------------------------------------------------------------------------- what to measure with

def read_both_runs(args):
    """Both config.json files, checked to be the same task before anything heavy is loaded."""
    configs = {kind: samples.read_run_config(getattr(args, f"{key}_dir"), kind, args)
               for kind, key in KINDS.items()}
    samples.check_same_task(configs["DCGAN"], configs["BigGAN"], args)
    return configs


def open_inception(args):
    """The Inception graph, or None when it is not at the default path (a --inception_graph
    that is missing or broken is an error)."""
    if not args.inception_graph and not os.path.isfile(inception.DEFAULT_PATH):
        return None
    return inception.InceptionGraph(args.inception_graph or inception.DEFAULT_PATH)


def open_classifier(args, train, conditional, lang="en"):
    """(the evaluation classifier, None) or (None, why there is none). Conditional models on
    labelled data need one; unconditional ones use it when its file exists. A classifier for
    other classes or another image size is a LabError with the command that trains the right one."""
    if not samples.is_labelled(train):
        has = say(lang, "one class") if train.class_names else say(lang, "no class sub-folders")
        return None, say(lang, "{dataset} has {has}, so there is no class to recognise and no per-class metric",
                         dataset=args.dataset, has=has)
    command = samples.classifier_command(args, train.images.shape[1])
    if not conditional and not os.path.exists(weight_paths(args.classifier)[0]):
        return None, say(lang, "there is no classifier at {path} (train one with: {command})", path=args.classifier,
                         command=command)
    classifier = Classifier.from_file(args.classifier, command)
    missing = [name for name in train.class_names if name not in classifier.class_names]
    if missing or tuple(classifier.input_shape) != train.images.shape[1:]:
        found = (f"knows the classes {', '.join(classifier.class_names)}, not {', '.join(missing)}" if missing
                 else f"takes images of {'x'.join(map(str, classifier.input_shape))}, not "
                      f"{'x'.join(map(str, train.images.shape[1:]))}")
        classifier.close()
        raise LabError(f"the classifier {args.classifier} {found}; train one for these images with: {command}")
    return classifier, None


def require_a_network(classifier, net, why):
    """LabError when neither the classifier nor the Inception graph can score these images."""
    if classifier is None and net is None:
        raise LabError(f"nothing to measure with: {why}, and there is no Inception graph at "
                       f"{inception.DEFAULT_PATH}; run: {inception.DOWNLOAD_COMMAND}")


def inception_note(net, args, num_reference):
    """What the Inception columns are, or how to get them."""
    if net is None:
        return say(args.lang, "Inception FID, KID and IS left out: no Inception graph at {path}; run `{command}` to "
                              "add the standard FID that papers publish", path=inception.DEFAULT_PATH,
                   command=inception.DOWNLOAD_COMMAND)
    return scoring.inception_note(net, args.num_samples, num_reference, args.lang)


# ----------------------------------------------------------------------------- scoring

def score_real(classifier, reference, train, args, label):
    """The real-data row: N real train images scored like a model's. First, so that an N too
    small for FID is a LabError before any generating. Returns (row, images)."""
    images, labels = samples.subsample(train, args.num_samples, args.seed)
    row = dict(scoring.image_checks(images, labels, train.class_names), label=label)
    if classifier:
        row.update(scoring.classifier_row(classifier, reference, images, labels, train.class_names,
                                          args.seed, args.resamples, args.lang))
    return row, (images, labels)


def score_model(kind, config, classifier, reference, args):
    """Load one generator, draw N images, score them; returns (model, its row, its images)."""
    model = samples.load_generator(getattr(args, f"{KINDS[kind]}_dir"), kind, args)
    images, labels, (seconds, seconds_std) = samples.generate_samples(model, args.num_samples, args.seed)
    row = dict(budget(config), label=kind, sample_seconds_per_1000=seconds, sample_seconds_per_1000_std=seconds_std,
               **{f"params_{part}": n for part, n in samples.count_parameters(model).items()})
    row.update(scoring.image_checks(images, labels, model.class_names))
    if classifier:
        row.update(scoring.classifier_row(classifier, reference, images, labels, model.class_names,
                                          args.seed, args.resamples, args.lang))
    return model, row, (images, labels)


def budget(config):
    """What a run cost, from its config.json (a runs.RunConfig): iterations, seconds, images/s, the
    real images its D saw (images_seen) and how many its training set holds (train_images); None
    when unknown."""
    training, data = config.training, config.data
    speed, seconds = training.get("images_per_second"), training.get("seconds")
    return {"iterations": training.get("iterations"), "train_seconds": seconds,
            "images_per_second": speed, "batch_size": config.batch_size,
            "images_seen": training.get("images_seen") if isinstance(training.get("images_seen"), int)
            else None if speed is None or seconds is None else round(speed * seconds),  # older runs: estimated
            "train_images": data.get("num_images")}


def add_inception(net, rows, image_sets, test, args):
    """The standard Inception numbers in every row (inception_fid None without the graph).
    image_sets: {row key: (images, labels or None)}."""
    if net is None:
        for row in rows.values():
            row["inception_fid"] = None
        return
    print(f" [*] Inception features of {len(test.images):,} reference and "
          f"{sum(len(images) for images, _ in image_sets.values()):,} scored images (slow on a CPU)...",
          flush=True)
    reference = scoring.inception_reference(net, test.images)
    for key, (images, labels) in image_sets.items():
        rows[key].update(scoring.inception_row(net, reference, images, args.seed, labels, args.resamples))


def score_everything(args, configs, train, test, classifier, net, floor):
    """Every row (dcgan, biggan, real) in every feature space; returns (rows, models)."""
    reference = scoring.classifier_reference(classifier, test) if classifier else None
    real, real_images = score_real(classifier, reference, train, args, floor)
    rows, models, image_sets = {}, {}, {}
    for kind, key in KINDS.items():
        models[kind], rows[key], image_sets[key] = score_model(kind, configs[kind], classifier,
                                                               reference, args)
    rows["real"], image_sets["real"] = real, real_images
    add_inception(net, rows, image_sets, test, args)
    return rows, models


# ----------------------------------------------------------------------------- outputs

def short_path(path):
    """path relative to the current folder when it lies inside it (tidier in the report)."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def describe_setup(args, classifier, why, net, test, num_train, conditional):
    """The setup part of metrics.json: what was compared, and how."""
    return {"dataset": args.dataset, "classes": args.classes, "num_samples": args.num_samples,
            "conditional": conditional, "seed": args.seed,
            "dcgan_dir": args.dcgan_dir, "biggan_dir": args.biggan_dir,
            "classifier": short_path(args.classifier) if classifier else None,
            "classifier_test_accuracy": classifier.test_accuracy if classifier else None,
            "classifier_note": why, "feature_dim": FEATURE_DIM if classifier else None,
            "fid_note": scoring.fid_note(len(test.images), args.lang) if classifier else None,
            "reference_images": len(test.images), "floor_images": min(args.num_samples, num_train),
            "inception_note": inception_note(net, args, len(test.images)),
            "resamples": args.resamples, "uncertainty": scoring.uncertainty_note(args.resamples, args.lang),
            "lang": args.lang}


def read_loss_logs(args):
    """Both runs' losses.csv, read before anything is scored ({kind: (log or None, path)}): a log
    that is missing is said now, and one with lines that are not a log's rows (a byte that is not
    UTF-8, a row cut short) loses those lines, said too, never the report."""
    logs = {kind: figures.read_losses(args.logs_dir, getattr(args, f"{key}_dir")) for kind, key in KINDS.items()}
    for kind, (log, path) in logs.items():
        if log is None:
            print(f" [!] no loss log for the {kind}: {path} is missing; its curve is skipped")
        elif log["skipped"]:
            print(f" [!] the {kind}'s loss log {path} has {log['skipped']} line(s) that are not numbers; "
                  "the curve leaves them out")
    return logs


def write_outputs(args, setup, results, models, test, logs):
    """report_dir/ as one set (files.replace_folder: the previous report's files all go, and
    only once the new ones are complete): losses.png, classes.png, per_class.png (conditional
    models), metrics.json, report.md, report.html. logs: read_loss_logs'."""
    setup["missing_loss_logs"] = {kind: path for kind, (log, path) in logs.items() if log is None}
    setup["dcgan_final_losses"] = figures.final_losses(logs["DCGAN"][0])

    def build(folder):
        words = args.lang == "en"  # a Chinese report's figures carry no words: no Chinese font (figure_legend)
        figures.save_loss_curves(os.path.join(folder, "losses.png"), {k: log for k, (log, _) in logs.items()}, words)
        figures.save_side_by_side_grid(os.path.join(folder, "classes.png"), models, test, args.seed, words)
        if results["dcgan"].get("confusion"):
            figures.save_confusion_figure(os.path.join(folder, "per_class.png"),
                                          {row["label"]: row for _, row in report.rows_of(results)}, words)
        write_json(os.path.join(folder, "metrics.json"), dict(results, setup=setup))
        report.write_report(os.path.join(folder, "report.md"), setup, results, args.lang)
        report.write_html(os.path.join(folder, "report.html"), setup, results, args.lang)
    replace_folder(args.report_dir, build)
    return os.path.join(args.report_dir, "report.md")


def run(args):
    """The whole comparison for settings `args` (Settings, defaults filled by resolve_defaults):
    check the report folder, both runs and their loss logs, load the real images and both generators, score
    every row, write the report folder as one set and print the tables."""
    args = resolve_defaults(args)
    check_report_dir(args.report_dir, args.overwrite)
    configs = read_both_runs(args)
    logs = read_loss_logs(args)
    net = open_inception(args)
    train, test = samples.load_real_data(args, configs["DCGAN"].image_size, configs["DCGAN"].data)
    status = heldout.reference_status(configs, args.dataset,
                                      heldout.reference_name(args.dataset, len(test.images), args.lang),
                                      train_digest=train.digest, lang=args.lang)
    print(" [*] " + status["note"])
    conditional = configs["DCGAN"].conditional
    classifier, why = open_classifier(args, train, conditional, args.lang)
    require_a_network(classifier, net, why)
    stop_if_only_checking("both runs, the real images and what measures them check out")
    rows, models = score_everything(args, configs, train, test, classifier, net,
                                    heldout.floor_label(status["held_out"]))
    setup = describe_setup(args, classifier, why, net, test, len(train.images), conditional)
    print(" [*] " + setup["inception_note"])
    results = dict(rows, reference_held_out=status["held_out"], reference_note=status["note"],
                   training_data=status["runs"])
    results["checks"] = analysis.sanity_checks(results, args.lang)
    path = write_outputs(args, setup, results, models, test, logs)
    print()
    print(report.table(results, args.lang))
    lines = analysis.warning_lines(results["checks"], args.lang)
    if lines:
        print("\n [!] " + "\n [!] ".join([lines[0]] + lines[1]))
    print(f"\nReport: {path} (and report.html, to print as PDF)")
