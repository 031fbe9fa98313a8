"""evaluation/report.py and evaluation/figures.py on hand-made numbers: the analysis says who
wins with the numbers, the held-out line comes first, report.html is one self-contained page
holding every picture and every table row, the DCGAN loss plot carries ln 4 and ln 2."""
import base64
import math
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from evaluation import analysis, figures, report

SETUP = {"dataset": "mnist", "classes": "", "num_samples": 10000, "conditional": True, "seed": 0,
         "dcgan_dir": "checkpoint/mnist_28_28", "biggan_dir": "checkpoint/biggan_mnist_28_28",
         "classifier": "evaluation/classifiers/mnist.npz", "classifier_test_accuracy": 0.9933,
         "classifier_note": None, "feature_dim": 128, "reference_images": 10000,
         "floor_images": 10000, "inception_note": "Inception FID, KID and IS left out: no graph",
         "missing_loss_logs": {}, "dcgan_final_losses": {"d_loss": 1.31, "g_loss": 0.72}}
COST = {"params_G": 7.07e6, "params_D": 3.77e6, "iterations": 1093, "train_seconds": 400.0,
        "images_per_second": 170.0, "sample_seconds_per_1000": 0.5}


def row(label, fid, precision, recall, accuracies, class_fids, error=0.01, **extra):
    """A table row with classifier numbers, each with the standard error `error` (FIDs: 100x
    that); two classes '0' and '1'."""
    per_class = {c: {"fid": f, "fid_std": 100 * error, "precision": precision, "precision_std": error,
                     "recall": recall, "recall_std": error} for c, f in zip("01", class_fids)}
    errors = {key + "_std": error for key in ("score", "class_accuracy", "worst_class_accuracy",
                                              "precision", "recall", "density", "coverage")}
    return dict(label=label, fid=fid, fid_std=100 * error, kid_mean=fid / 100, kid_std=0.001, score=9.0,
                class_accuracy=float(np.mean(accuracies)), worst_class=str(int(np.argmin(accuracies))),
                worst_class_accuracy=min(accuracies), precision=precision, recall=recall,
                density=precision, coverage=recall, intra_class_fid=float(np.mean(class_fids)),
                intra_class_fid_std=100 * error,
                per_class_accuracy={"0": accuracies[0], "1": accuracies[1]},
                per_class_accuracy_std={"0": error, "1": error}, per_class=per_class,
                confusion={"rows": ["0", "1"], "columns": ["0", "1"], "counts": [[9, 1], [2, 8]]},
                inception_fid=None, pixel_spread=0.3, image_contrast=0.3,
                class_contrast={"0": 0.3, "1": 0.3}, **errors, **extra)


def results(held_out=False):
    """The BigGAN makes better images (precision, accuracy, FID), the DCGAN more varied ones."""
    return {"dcgan": row("DCGAN", 80.0, 0.60, 0.50, [0.90, 0.80], [60.0, 100.0], **COST),
            "biggan": row("BigGAN", 20.0, 0.90, 0.30, [0.99, 0.75], [10.0, 30.0], **COST),
            "real": row("real train (floor)" if held_out else "real train (no floor: reference seen)",
                        2.0, 0.95, 0.80, [0.99, 0.99], [1.0, 1.5]),
            "reference_held_out": held_out,
            "reference_note": "Reference held out: ..." if held_out else "Warning: the reference was seen"}


def markdown(held_out=False):
    return report.to_markdown(report.report_blocks(SETUP, results(held_out)))


def test_the_held_out_line_comes_right_after_the_title():
    lines = markdown().splitlines()
    assert lines[0] == "# DCGAN vs BigGAN on mnist" and lines[2].startswith("> Warning: the reference was seen")
    assert markdown(held_out=True).splitlines()[2].startswith("> Reference held out")
    assert "| real train (no floor: reference seen) |" in markdown()
    assert "(the real row is no floor here: see the line at the top)" in markdown()
    assert "no floor here" not in markdown(held_out=True)


def test_the_analysis_says_who_wins_quality_diversity_and_per_class_with_the_numbers():
    text = markdown()
    assert ("- **Quality** (are the images realistic?): the BigGAN wins 2 of 4 measures, the DCGAN 1; "
            "1 within noise.\n  - Precision (classifier): the BigGAN wins (0.900 ± 0.01 vs 0.600 ± 0.01, "
            "by 0.3; real data: 0.950 ± 0.01).\n") in text
    assert ("  - Class accuracy: within noise (DCGAN 85.0% ± 1.0, BigGAN 87.0% ± 1.0; real data: "
            "99.0% ± 1.0): the gap 0.02 is not above 2 × their combined uncertainty.") in text
    assert "**Diversity** (is the real variety reproduced?): the DCGAN wins 2 of 2 measures." in text
    assert "FID (classifier): the BigGAN wins (20 ± 1 vs 80 ± 1, 4.0x lower; real data: 2 ± 1)." in text
    assert ("Accuracy: the BigGAN is ahead in 1 of 2 classes, the DCGAN in 1; hardest class: "
            "1 for the DCGAN (80.0%), 1 for the BigGAN (75.0%).") in text
    assert "Warning: no winner" not in text  # nothing for the checks to find
    assert "Intra-class FID: the BigGAN is ahead in 2 of 2 classes, the DCGAN in 0" in text
    assert "  - The DCGAN: FID (classifier) 80 vs 2 (40x)" in text
    assert "  - The BigGAN: FID (classifier) 20 vs 2 (10x)" in text


# ----------------------------------------------------------------------------- sanity checks

def decided(calls):
    """The measures a model was declared the winner of."""
    return {key: call for key, call in calls.items() if call in ("DCGAN", "BigGAN")}


def test_two_20_iteration_runs_declare_no_winner_anywhere():
    short = dict(iterations=20, images_seen=1280, train_images=60000)
    runs = results()
    runs["dcgan"].update(short)
    runs["biggan"].update(short)
    assert decided(analysis.winners(runs)) == {}
    assert decided(analysis.winners(results()))  # the same numbers with long runs: winners
    lines = report.to_markdown(report.report_blocks(SETUP, runs)).splitlines()
    assert lines[4] == "> Warning: no winner is declared on any measure, because:"
    assert lines[6].startswith("> - the DCGAN trained only 20 iterations, 1,280 images (0.021 epochs) "
                               "in 0:06:40: under 500 iterations or one epoch")
    assert lines[7].startswith("> - the BigGAN trained only 20 iterations")
    text = "\n".join(lines)
    assert " wins (" not in text and "**" not in text.split("### Per class")[1].split("### Samples")[0]
    assert "- **Quality** (are the images realistic?): no winner declared (see the warning at the top)." in text
    assert "Accuracy: the BigGAN is ahead in 0 of 2 classes, the DCGAN in 0 (2 not called)" in text
    page = "\n".join(report.html_block(block, ".") for block in report.report_blocks(SETUP, runs)[:3])
    assert ('<div class="note warning"><p>Warning: no winner is declared on any measure, because:</p>'
            '<ul><li>the DCGAN trained only 20 iterations') in page


def test_budgets_are_told_in_images_and_epochs():
    assert analysis.seen_phrase({"images_seen": 59965, "train_images": 60000}) == "59,965 images (1.0 epochs)"
    assert analysis.seen_phrase({"images_seen": 1280, "train_images": 60000}) == "1,280 images (0.021 epochs)"
    assert analysis.seen_phrase({"images_seen": 1280}) == "1,280 images" and analysis.seen_phrase({}) == ""


def test_runs_of_very_unequal_budgets_declare_no_winner():
    runs = results()
    runs["biggan"].update(train_seconds=1000.0)  # 2.5x the DCGAN's 400 s
    checks = analysis.sanity_checks(runs)
    assert [c["kind"] for c in checks] == ["unequal runs"] and checks[0]["blocks"] == ["all"]
    assert "differ by more than 2x (2.5x the time)" in checks[0]["text"]
    assert decided(analysis.winners(runs)) == {}
    runs["biggan"].update(train_seconds=790.0)  # under 2x: a fair enough comparison
    assert analysis.sanity_checks(runs) == []


def test_a_model_above_the_real_row_gets_no_winner_on_that_measure():
    runs = results()
    runs["real"].update(precision=0.80, density=0.80)  # the BigGAN's 0.90 is above it
    calls = analysis.winners(runs)
    assert calls["precision"] == calls["density"] == analysis.NOT_CALLED
    assert calls["fid"] == "BigGAN" and calls["recall"] == "DCGAN"  # the rest is still judged
    text = report.to_markdown(report.report_blocks(SETUP, runs))
    assert ("> Warning: no winner is declared on precision (classifier), density (classifier), because:\n>\n"
            "> - the BigGAN's precision (classifier) (0.900) is above the real images' own (0.800); "
            "samples crowded into a few dense real regions score above real data, so this is "
            "collapse, not quality.") in text
    runs["real"].update(precision=0.89)  # above, but within the uncertainty: nothing to flag
    assert "precision" not in analysis.blocking(analysis.sanity_checks(runs))


def test_one_class_above_its_real_accuracy_loses_only_its_cell():
    runs = results()
    runs["dcgan"]["per_class_accuracy"]["0"] = 1.0
    runs["dcgan"]["per_class_accuracy_std"]["0"] = 0.0
    runs["real"]["per_class_accuracy"]["0"] = 0.93
    calls = analysis.winners(runs)
    assert calls["accuracy@0"] == analysis.NOT_CALLED and calls["accuracy@1"] == "DCGAN"
    assert "class 0's accuracy" in analysis.warning_lines(analysis.sanity_checks(runs))[0]


def test_near_identical_samples_leave_the_quality_measures_without_a_winner():
    runs = results()
    runs["dcgan"].update(pixel_spread=0.02, feature_spread=4.0)
    runs["real"].update(feature_spread=10.0)
    checks = analysis.sanity_checks(runs)
    assert [c["kind"] for c in checks] == ["collapse"]
    assert ("the DCGAN's samples are nearly identical: they differ from each other only 7% in pixels, "
            "40% in classifier features of how much real images do") in checks[0]["text"]
    calls = analysis.winners(runs)
    assert {calls[key] for key in analysis.QUALITY if key in calls} == {analysis.NOT_CALLED}
    assert calls["accuracy@0"] == calls["precision@1"] == analysis.NOT_CALLED
    assert calls["recall"] == "DCGAN" and calls["fid"] == "BigGAN"
    assert analysis.warning_lines(checks)[0] == ("Warning: no winner is declared on the quality "
                                                 "measures (precision, density, class accuracy), because:")


def test_a_blank_class_and_one_class_everywhere_are_named():
    runs = results()
    runs["biggan"]["class_contrast"] = {"0": 0.3, "1": 0.01}
    runs["dcgan"]["confusion"] = {"rows": ["0", "1"], "columns": ["0", "1"], "counts": [[10, 0], [9, 1]]}
    texts = [c["text"] for c in analysis.sanity_checks(runs)]
    assert texts[0].startswith("the DCGAN's images are nearly all recognised as 0 (95%), whatever class "
                               "was asked for")
    assert texts[1].startswith("the BigGAN's class 1 images are blank: contrast within an image "
                               "0.010 vs 0.300 for the real images of the class")
    runs["biggan"]["class_contrast"] = {"0": 0.02, "1": 0.01}
    assert analysis.blank_classes(runs["biggan"], runs["real"]) == (
        "images of all 2 classes are blank", "contrast within an image 0.010 to 0.020 vs 0.300 for the real "
                                             "images of the class")
    assert analysis.winners(runs)["class_accuracy"] == analysis.NOT_CALLED


def test_a_run_without_a_training_record_is_noted_but_still_compared():
    runs = results()
    runs["dcgan"]["iterations"] = None
    lines = analysis.warning_lines(analysis.sanity_checks(runs))
    assert lines[0].startswith("Note: the DCGAN's config.json has no training record")
    assert analysis.winners(runs)["fid"] == "BigGAN"


def test_a_negative_kid_is_explained_where_it_appears():
    runs = results()
    runs["real"]["kid_mean"] = -0.0004
    text = report.to_markdown(report.report_blocks(SETUP, runs))
    assert "| -0.0004 ± 0.001† |" in text
    assert ("† KID below 0: an unbiased estimate of a quantity near 0 can come out negative: read it as "
            "0 ± its std.") in text
    assert "real data: -0.0004 ± 0.001; an unbiased estimate of a quantity near 0 can come out negative" in text
    assert "†" not in report.to_markdown(report.report_blocks(SETUP, results()))


def test_the_per_class_table_marks_the_better_model():
    header, rows = report.per_class_table(results(), {})
    assert header == ["class", "Accuracy", "Intra-class FID", "Precision", "Recall"]
    assert rows[0][:3] == ["0", "90.0% / **99.0%** (99.0%)", "60.0 / **10.0** (1.0)"]
    assert rows[1][1] == "**80.0%** / 75.0% (99.0%)"


def test_standard_errors_are_printed_without_exponents():
    assert analysis.show_std(0.0042) == "0.0042" and analysis.show_std(0.004, percent=True) == "0.4"
    assert analysis.show_std(1.1e-19) == "< 0.0001" and analysis.show_std(0.0) == "0"
    assert report.with_error(0.8123, 0.004, ".1%") == "81.2% ± 0.4" and report.with_error(None, 1, ".2f") == "—"


def test_large_values_are_printed_in_full():
    assert analysis.show("intra_class_fid", 1334.2) == "1,334" and analysis.show("fid", 12.345) == "12.3"
    assert analysis.show("recall", 0.5) == "0.500" and analysis.show("class_accuracy", 0.5) == "50.0%"


def test_margins_and_winners_known_answers():
    assert analysis.margin("fid", 10.0, 40.0) == "4.0x lower"
    assert analysis.margin("inception_fid", 10.0, 12.0) == "17% lower"
    assert analysis.margin("class_accuracy", 0.95, 0.9) == "5.0 percentage points"
    assert analysis.winner("recall", 0.4, 0.3) == "DCGAN" and analysis.winner("fid", 30, 20) == "BigGAN"
    assert analysis.winner("kid_mean", 0.1, 0.1) is None


def test_unconditional_inception_only_rows_get_their_table_and_say_why_per_class_is_missing():
    inception = dict(inception_fid=None, inception_kid_mean=0.05, inception_kid_std=0.01,
                     inception_is_mean=2.5, inception_is_std=0.1, inception_precision=0.5,
                     inception_recall=0.4, inception_density=0.6, inception_coverage=0.3)
    rows = {"dcgan": dict(inception, label="DCGAN", **COST),
            "biggan": dict(inception, label="BigGAN", inception_kid_mean=0.02, **COST),
            "real": dict(inception, label="real train (floor)"), "reference_held_out": True}
    setup = dict(SETUP, conditional=False, classifier=None,
                 classifier_note="faces has no class sub-folders, so there is no class to recognise")
    assert [title for title, *_ in report.tables(rows)] == ["Inception features (standard)", "Cost"]
    text = report.to_markdown(report.report_blocks(setup, rows))
    assert "Left out: faces has no class sub-folders" in text
    assert "No classifier metrics: faces has no class sub-folders" in text
    assert "Inception KID: the BigGAN wins (0.02 ± 0.01 vs 0.05 ± 0.01, by 0.03" in text
    # these rows carry no standard error for precision: no gap can be judged, so none is called
    assert ("Precision (Inception): no winner (DCGAN 0.500, BigGAN 0.500; real data: 0.500): it has "
            "no uncertainty to judge the gap by.") in text
    assert "| real train (floor) | — | 0.05 ± 0.01 | 2.50 ± 0.10 |" in text


class PageParser(HTMLParser):
    """Collects what a reader's browser would fetch or show: img sources, other references,
    and the text of every table cell."""

    def __init__(self):
        super().__init__()
        self.images, self.references, self.cells, self.in_cell = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        elif "href" in attrs or "src" in attrs or tag in ("link", "script"):
            self.references.append((tag, attrs))
        if tag in ("td", "th"):
            self.in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data):
        if self.in_cell:
            self.cells[-1] += data


@pytest.fixture
def page(tmp_path):
    """report.html written next to three small PNGs; returns (parsed page, html text, folder)."""
    for i, name in enumerate(("classes.png", "losses.png", "per_class.png")):
        Image.fromarray(np.full((4, 6, 3), 40 * i, np.uint8)).save(tmp_path / name)
    report.write_html(str(tmp_path / "report.html"), SETUP, results())
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    parser = PageParser()
    parser.feed(text)
    return parser, text, tmp_path


def test_report_html_embeds_every_picture_and_needs_no_other_file(page):
    parser, text, folder = page
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert len(parser.images) == 3 and parser.references == []
    for src, name in zip(parser.images, ("per_class.png", "classes.png", "losses.png")):
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]) == (folder / name).read_bytes()


def test_report_html_holds_every_table_row_and_the_warning_first(page):
    parser, text, _ = page
    for _, _, header, rows in report.tables(results()):
        for table_row in [header] + rows:
            for cell in table_row:  # Markdown bold becomes <strong>, the text stays
                assert cell.replace("**", "") in parser.cells
    header, rows = report.per_class_table(results(), {})
    assert all(r[1].replace("**", "") in parser.cells for r in rows)
    assert text.index('<p class="note warning">Warning: the reference was seen') < text.index("<h2>")
    assert "<strong>Quality</strong>" in text and "**" not in text


def test_report_md_names_the_same_pictures_as_files(page):
    text = markdown()
    for name in ("classes.png", "losses.png", "per_class.png"):
        assert f"]({name})" in text


def loss_log(d, g, steps=100):
    return {"step": np.arange(1, steps + 1, dtype=float), "epoch": np.zeros(steps),
            "d_loss": np.full(steps, d), "g_loss": np.full(steps, g), "seconds": np.arange(steps, dtype=float)}


def horizontal_levels(ax):
    """y values of the flat lines of an axes (axhline draws from x = 0 to 1 in axes units)."""
    return [line.get_ydata()[0] for line in ax.lines if len(set(line.get_ydata())) == 1
            and list(line.get_xdata()) == [0, 1]]


def test_the_dcgan_loss_plot_carries_ln4_and_ln2():
    fig = figures.loss_figure({"DCGAN": loss_log(1.39, 0.69), "BigGAN": loss_log(1.0, 0.2)})
    d_axis, g_axis = fig.axes
    assert horizontal_levels(d_axis) == [pytest.approx(math.log(4))]
    assert horizontal_levels(g_axis) == [pytest.approx(math.log(2))]
    assert "ln 4 ≈ 1.386" in d_axis.get_legend_handles_labels()[1][-1]
    no_dcgan = figures.loss_figure({"DCGAN": None, "BigGAN": loss_log(1.0, 0.2)})
    assert horizontal_levels(no_dcgan.axes[0]) == []


def test_final_losses_average_the_last_tenth():
    log = loss_log(0.0, 0.0, steps=50)
    log["d_loss"][-5:] = 2.0
    assert figures.final_losses(log) == {"d_loss": 2.0, "g_loss": 0.0}
    assert figures.final_losses(None) is None


def confusion_rows(asked, columns, panels=("DCGAN", "BigGAN", "real train (no floor: reference seen)")):
    counts = np.random.RandomState(0).randint(0, 50, (len(asked), len(columns))).tolist()
    return {label: {"confusion": {"rows": asked, "columns": columns, "counts": counts}} for label in panels}


def text_boxes(fig):
    """(text, its screen box, the panel it belongs to or None) for every visible text of a drawn
    figure: tick labels, axis labels, titles."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [(fig._suptitle, None)] + [(t, ax) for ax in fig.axes if ax.get_visible() for t in
                                       ax.get_xticklabels() + ax.get_yticklabels()
                                       + [ax.xaxis.label, ax.yaxis.label, ax.title]]
    return [(t.get_text(), t.get_window_extent(renderer), ax) for t, ax in texts
            if t.get_visible() and t.get_text()]


def overlaps(fig):
    """Pairs of texts that overlap each other, and texts that overlap another panel's picture."""
    boxes = text_boxes(fig)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.images]
    found = [(text, other) for i, (text, box, _) in enumerate(boxes)
             for other, other_box, _ in boxes[i + 1:] if box.overlaps(other_box)]
    return found + [(text, panel.get_title()) for text, box, owner in boxes for panel in panels
                    if panel is not owner and box.overlaps(panel.get_window_extent())]


CIFAR_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@pytest.mark.parametrize("asked,columns", [
    (CIFAR_NAMES[:2], CIFAR_NAMES),                                  # two CIFAR classes, 10-class classifier
    ([str(i) for i in range(10)], [str(i) for i in range(10)]),      # MNIST
    ([f"class_{i:02d}" for i in range(45)], [f"class_{i:02d}" for i in range(45)])])  # a large folder
def test_confusion_matrix_labels_never_overlap_and_the_figure_says_what_it_shows(asked, columns):
    fig = figures.confusion_figure(confusion_rows(asked, columns))
    assert overlaps(fig) == []
    assert text_boxes(fig)[0][0].startswith("Confusion matrices: % of the images asked for each class (row)")
    assert fig.get_figwidth() <= 12  # fits a page: nothing is shrunk to illegible
    figures.plt.close(fig)


def test_every_figure_has_a_title_that_says_what_it_shows():
    losses = figures.loss_figure({"DCGAN": loss_log(1.39, 0.69), "BigGAN": loss_log(1.0, 0.2)})
    assert losses._suptitle.get_text().startswith("Training losses of both runs")
    figures.plt.close(losses)



# ----------------------------------------------------------------------------- the report in Chinese

SETUP_ZH = dict(SETUP, lang="zh", inception_note="没有计算 Inception FID、KID 和 IS：没有 Inception 图",
                uncertainty="± 是 bootstrap 标准误差", dcgan_final_losses={"d_loss": 0.31, "g_loss": 2.82})


def variants():
    """(name, results, setup): the report's cases, each in its own words."""
    def changed(change, held_out=False, setup=None):
        runs = results(held_out)
        runs["reference_note"] = "参照集已留出" if held_out else "警告：参照集在训练时被用过"
        change(runs)
        return runs, dict(SETUP_ZH, **(setup or {}))

    def short(runs):
        for key in ("dcgan", "biggan"):
            runs[key].update(iterations=20, images_seen=1280, train_images=60000)

    def no_fid(runs):
        for key in ("dcgan", "biggan", "real"):
            runs[key].update(fid=None, fid_std=None, intra_class_fid=None)

    def blank(runs):
        runs["biggan"]["class_contrast"] = {"0": 0.3, "1": 0.01}
        runs["dcgan"]["confusion"] = {"rows": ["0", "1"], "columns": ["0", "1"], "counts": [[10, 0], [9, 1]]}

    def timed(runs):
        runs["dcgan"].update(sample_seconds_per_1000=3.306, sample_seconds_per_1000_std=0.05)
        runs["biggan"].update(sample_seconds_per_1000=3.419, sample_seconds_per_1000_std=0.05)

    return [("winners", *changed(lambda runs: None, held_out=True)),
            ("seen reference", *changed(lambda runs: None)),
            ("short runs", *changed(short)),
            ("unequal", *changed(lambda runs: runs["biggan"].update(train_seconds=1000.0))),
            ("above real", *changed(lambda runs: runs["real"].update(precision=0.80, density=0.80))),
            ("class above real", *changed(lambda runs: runs["real"]["per_class_accuracy"].update({"0": 0.85}))),
            ("collapse", *changed(lambda runs: runs["dcgan"].update(pixel_spread=0.02, feature_spread=4.0)
                                  or runs["real"].update(feature_spread=10.0))),
            ("blank and one class", *changed(blank)),
            ("no record", *changed(lambda runs: runs["dcgan"].update(iterations=None))),
            ("negative kid", *changed(lambda runs: runs["real"].update(kid_mean=-0.0004))),
            ("small test split", *changed(no_fid, True, {"fid_note": "没有计算 FID（分类器）：真实测试集只有 24 张图像"})),
            ("sampling within noise", *changed(timed, True))]


@pytest.mark.parametrize("name,runs,setup", variants(), ids=[v[0] for v in variants()])
def test_every_report_reads_in_chinese_with_the_same_numbers(name, runs, setup, tmp_path):
    from test_extension_route import NUMBER, english_runs
    text = report.to_markdown(report.report_blocks(setup, runs, "zh"))
    for picture in ("classes.png", "losses.png", "per_class.png"):
        Image.fromarray(np.zeros((4, 6, 3), np.uint8)).save(tmp_path / picture)
    report.write_html(str(tmp_path / "report.html"), setup, runs, "zh")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert english_runs(text) == [] and english_runs(page) == [], name
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## 实验设置", "## 实验结果", "## 对比分析", "## 结论"]
    english = report.to_markdown(report.report_blocks(dict(setup, lang="en"), runs))
    for (_, _, _, zh_rows), (_, _, _, en_rows) in zip(report.tables(runs, "zh"), report.tables(runs)):
        assert [[re.findall(NUMBER, cell) for cell in row[1:]] for row in zh_rows] == \
            [[re.findall(NUMBER, cell) for cell in row[1:]] for row in en_rows]  # the same numbers, other words
    assert ("|" in english) and text.count("|") == english.count("|")


def test_speed_and_losses_are_worded_by_their_numbers():
    runs = results(True)
    runs["dcgan"].update(sample_seconds_per_1000=3.306, sample_seconds_per_1000_std=0.05)
    runs["biggan"].update(sample_seconds_per_1000=3.419, sample_seconds_per_1000_std=0.05)
    text = report.to_markdown(report.report_blocks(dict(SETUP, dcgan_final_losses={"d_loss": 0.31, "g_loss": 2.82}),
                                                   runs))
    assert "samples faster" not in text and "about as fast" in text  # a 3 % gap within its uncertainty
    assert "g_loss 2.820, away from them" in text and "near them" not in text
    runs["biggan"].update(sample_seconds_per_1000=6.0)
    assert "the DCGAN samples faster" in report.to_markdown(report.report_blocks(SETUP, runs))
