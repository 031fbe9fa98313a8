"""The comparison's report, the lab's hand-in for extension 2 ("对两个算法结果进行对比分析"), in
English or Chinese (compare.py --lang; the words: evaluation/words.py).

The report is built ONCE, as a list of blocks, and rendered twice:
    report.md    Markdown, to read in an editor or on GitHub;
    report.html  one self-contained page (pictures embedded as base64 data URIs), to open in a
                 browser and print as PDF.
Blocks: ("h1" | "h2" | "h3" | "p", text), ("ul", [texts]), ("table", header, rows),
("img", caption, file name), ("note", text, "ok" | "warning"[, [texts listed under it]]).
Texts may use **bold** and `code`.

What it says, top to bottom, in the order of a lab report: whether the reference was held out
(one line), what the sanity checks found (evaluation/analysis.sanity_checks: runs too short or
unequal, collapsed samples, scores above the real images'), the setup (实验设置: how the numbers
were made), the results (实验结果: one table per feature space, each number ± its standard error,
per class, the pictures and the losses), the analysis (对比分析: who wins, evaluation/analysis.py)
and the conclusion (结论).
"""
import base64
import html
import math
import os
import re

from evaluation.analysis import (NEGATIVE_KID, PER_CLASS_METRICS, SECTIONS, blocking,
                                 class_outcome, class_values, conclusion, cost_sentence, distance_from_real,
                                 per_class_summary, sample_size_warning, sanity_checks, section,
                                 seen_phrase, show_std, std_key, warning_lines)
from evaluation.words import say
from files import format_seconds, write_text

ROWS = ("dcgan", "biggan", "real")


# ----------------------------------------------------------------------------- numbers as text

def fmt(value, spec):
    return "—" if value is None else format(value, spec)


def number(key, spec):
    """A table column that prints row[key] with the format spec."""
    return lambda row: fmt(row.get(key), spec)


def with_error(value, std, spec):
    """'0.781 ± 0.004', '81.8% ± 0.4' (an accuracy's error in percentage points), '—'."""
    if value is None:
        return "—"
    if std is None:
        return format(value, spec)
    return f"{format(value, spec)} ± {show_std(std, spec.endswith('%'))}"


def measured(key, spec):
    """A table column that prints row[key] ± its standard error (when the row has one)."""
    return lambda row: with_error(row.get(key), row.get(std_key(key)), spec)


NEGATIVE_MARK = "†"


def kid_cell(prefix):
    """KID ± its std over subsets; a negative mean is marked (the footnote explains it)."""
    def cell(row):
        mean = row.get(prefix + "kid_mean")
        return "—" if mean is None else (f"{mean:.3g} ± {row[prefix + 'kid_std']:.2g}"
                                         + (NEGATIVE_MARK if mean < 0 else ""))
    return cell


def worst_cell(row):
    return "—" if row.get("worst_class") is None else \
        f"{with_error(row['worst_class_accuracy'], row.get('worst_class_accuracy_std'), '.1%')} " \
        f"({row['worst_class']})"


def params_cell(row):
    return "—" if "params_G" not in row else f"{row['params_G'] / 1e6:.2f}M / {row['params_D'] / 1e6:.2f}M"


def is_cell(row):
    return "—" if row.get("inception_is_mean") is None else \
        f"{row['inception_is_mean']:.2f} ± {row['inception_is_std']:.2f}"


def time_cell(row):
    return "—" if row.get("train_seconds") is None else format_seconds(row["train_seconds"])


def seen_cell(row, lang="en"):
    """Real images the run's D saw, and how many epochs of its training set that is."""
    return seen_phrase(row, lang) or "—"


FIDELITY_COLUMNS = [("precision ↑", "precision", ".3f"), ("recall ↑", "recall", ".3f"),
                    ("density ↑", "density", ".3f"), ("coverage ↑", "coverage", ".3f")]
# (title, the key a row must have, explanation, [(header, cell function)])
TABLES = [
    ("Classifier features: distance and classes", "kid_mean",
     "Our classifier's 128-d features and softmax: comparable between these models only.",
     [("FID ↓", measured("fid", ".2f")), ("KID ↓", kid_cell("")), ("score ↑", measured("score", ".2f")),
      ("class acc. ↑", measured("class_accuracy", ".1%")), ("worst class ↑", worst_cell)]),
    ("Classifier features: fidelity and diversity", "precision",
     "The same features: precision and density measure quality, recall and coverage variety.",
     [(h, measured(k, s)) for h, k, s in FIDELITY_COLUMNS]
     + [("intra-class FID ↓", measured("intra_class_fid", ".2f"))]),
    ("Inception features (standard)", "inception_kid_mean",
     "The 2015-12-05 Inception graph, as in papers (see the sample counts above).",
     [("FID ↓", measured("inception_fid", ".2f")), ("KID ↓", kid_cell("inception_")), ("IS ↑", is_cell)]
     + [(h, measured("inception_" + k, s)) for h, k, s in FIDELITY_COLUMNS]),
    ("Cost", "params_G", "What each model took to train and to sample.",
     [("params G / D", params_cell), ("iterations", number("iterations", ",")),
      ("images seen", "seen"), ("train time", time_cell),
      ("images/s", number("images_per_second", ".1f")),
      ("sample s/1000", measured("sample_seconds_per_1000", ".3f"))]),
]


def rows_of(results):
    """The table rows (dcgan, biggan, real) present in results, in that order."""
    return [(key, results[key]) for key in ROWS if key in results]


def tables(results, lang="en"):
    """[(title, explanation, header, rows)] for every feature space the rows were scored in."""
    out = []
    for title, needs, explanation, columns in TABLES:
        cells = [(lambda row: seen_cell(row, lang)) if cell == "seen" else cell for _, cell in columns]
        rows = [[row_label(key, row, lang)] + [cell(row) for cell in cells]
                for key, row in rows_of(results) if row.get(needs) is not None]
        if rows:
            out.append((say(lang, title), say(lang, explanation), [""] + [say(lang, h) for h, _ in columns], rows))
    return out


def row_label(key, row, lang="en"):
    """A table row's name: DCGAN, BigGAN, or the real-data row's (heldout.floor_label's words)."""
    return row["label"] if key != "real" else say(lang, row["label"])


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def table(results, lang="en"):
    """Every table in Markdown, titled (what compare.py prints at the end)."""
    colon = "：" if lang == "zh" else ":"
    return "\n\n".join(f"{title}{colon}\n\n{markdown_table(header, rows)}"
                       for title, _, header, rows in tables(results, lang))


def per_class_table(results, blocked, lang="en"):
    """(header, rows): per class, each metric as 'DCGAN / BigGAN (real)', in bold the model
    ahead beyond the uncertainty (analysis.class_outcome; blocked: analysis.blocking)."""
    present = [m for m in PER_CLASS_METRICS if class_values(results["dcgan"], m[1])]
    names = list(class_values(results["dcgan"], present[0][1]))
    rows = []
    for name in names:
        cells = [name]
        for _, metric, measure, spec in present:
            values = [class_values(results.get(key, {}), metric).get(name) for key in ROWS]
            texts = [fmt(v, spec) for v in values]
            if None not in values[:2]:
                _, win = class_outcome(results, metric, measure, name, blocked)
                if win:
                    bold = 0 if win == "DCGAN" else 1
                    texts[bold] = f"**{texts[bold]}**"
            cells.append(f"{texts[0]} / {texts[1]} ({texts[2]})")
        rows.append(cells)
    return [say(lang, "class")] + [say(lang, title) for title, *_ in present], rows


# ----------------------------------------------------------------------------- the report as blocks

HELD_OUT_PHRASES = {True: "held out from both models' training",
                    False: "seen in training (see the warning above)",
                    None: "possibly seen in training (see the warning above)"}
GLOSSARY = (
    "FID, KID: lower is better (0 = the same distribution as the test images). Score, IS, class "
    "accuracy: higher is better; class accuracy is how often the classifier recognises the class "
    "the model was asked for, the worst class shows a class the model gets wrong most. Precision "
    "(quality): the share of generated images that lie among real ones (inside the ball reaching a "
    "real image's 3rd-nearest real neighbour); recall (diversity): the share of real images that "
    "lie among generated ones. Density (about 1 for a perfect model; above 1 when samples crowd "
    "where real images are dense) and coverage are their outlier-robust versions. Intra-class "
    "FID: the FID of each class on its own, averaged over the classes.")
LOSS_TEXT = (
    "The DCGAN minimises cross-entropy (1 D step + 2 G steps an iteration), the BigGAN the hinge "
    "loss (several D steps per G step): compare the shapes of the curves, not the values. The "
    "dashed lines are ln 4 ≈ 1.386 (D) and ln 2 ≈ 0.693 (G), the DCGAN's losses when D outputs "
    "0.5 for every image.")
NEAR_BALANCE = ("The handout's DCGAN tends to sit near them because its D applies batch norm to the "
                "real and the fake batch separately: each batch is normalised with its own "
                "statistics, which removes much of what tells them apart, so D's output stays near 0.5.")
BALANCE_SHARE = 0.25  # final losses within this share of ln 4 and ln 2 count as "near" them
LN4, LN2 = math.log(4), math.log(2)  # the DCGAN's D and G losses when D outputs 0.5


def report_title(setup, lang="en"):
    classes = say(lang, " ({classes})", classes=setup["classes"]) if setup.get("classes") else ""
    return say(lang, "DCGAN vs BigGAN on {dataset}{classes}", dataset=setup["dataset"], classes=classes)


def setup_items(setup, results, lang="en"):
    """The bullet list saying what was compared and how."""
    held_out = results.get("reference_held_out")
    floor = say(lang, "what a perfect generator would get at this N: the floor" if held_out is True else
                "a floor only for models that never saw the reference")
    samples = say(lang, ", classes cycled evenly") if setup["conditional"] else ""
    if setup.get("classifier"):
        classifier = say(lang, "Classifier: `{path}` (test accuracy {accuracy}). FID and KID use its {dim}-d "
                               "penultimate features, the score (Inception-style, between 1 and the number of "
                               "classes) and the class accuracy its softmax. Comparable between these models, not "
                               "with published numbers.", path=setup["classifier"],
                         accuracy=fmt(setup["classifier_test_accuracy"], ".2%"), dim=setup["feature_dim"])
        if setup.get("fid_note"):
            classifier += " " + setup["fid_note"] + say(lang, ".")
    else:
        classifier = say(lang, "No classifier metrics: {why}.", why=setup["classifier_note"])
    uncertainty = [say(lang, "Uncertainty: {how}.", how=setup["uncertainty"])] if setup.get("uncertainty") else []
    return [say(lang, "Models: DCGAN `{dcgan}`, BigGAN `{biggan}`.", dcgan=setup["dcgan_dir"],
                biggan=setup["biggan_dir"]),
            say(lang, "Samples: N = {n:,} per model{samples}, seed {seed}, saved as 8-bit images before scoring.",
                n=setup["num_samples"], samples=samples, seed=setup["seed"]),
            say(lang, "Reference: the real **test** split ({n:,} images), {held_out}.", n=setup["reference_images"],
                held_out=say(lang, HELD_OUT_PHRASES[held_out])),
            say(lang, "Real-data row: {n:,} real **train** images scored the same way: {floor}.",
                n=setup["floor_images"], floor=floor),
            classifier, setup["inception_note"] + say(lang, ".")] + uncertainty


def setup_blocks(setup, results, lang="en"):
    """实验设置: what was compared, and how the numbers were made."""
    return [("h2", say(lang, "Setup")), ("ul", setup_items(setup, results, lang))]


def result_blocks(setup, results, blocked, lang="en"):
    """实验结果: one table per feature space (a footnote under one with a negative KID), what the
    columns mean, then per class, the samples and the training losses."""
    blocks = [("h2", say(lang, "Results"))]
    for title, explanation, header, rows in tables(results, lang):
        blocks += [("h3", title), ("p", explanation), ("table", header, rows)]
        if any(cell.endswith(NEGATIVE_MARK) for row in rows for cell in row):
            blocks.append(("p", say(lang, "{mark} KID below 0: " + NEGATIVE_KID + ".", mark=NEGATIVE_MARK)))
    return (blocks + [("p", say(lang, GLOSSARY))] + per_class_blocks(setup, results, blocked, lang)
            + picture_blocks(setup, lang))


def analysis_blocks(setup, results, blocked, lang="en"):
    """对比分析, 'who wins': quality, diversity, overall, per class, distance from real data, cost."""
    items = [section(title, question, keys, results, blocked, lang) for title, question, keys in SECTIONS]
    items += [per_class_summary(results, blocked, lang),
              distance_from_real(results, results.get("reference_held_out"), lang),
              cost_sentence(results, lang), sample_size_warning(results, setup["num_samples"], lang)]
    return [("h2", say(lang, "Analysis: who wins")), ("ul", [item for item in items if item])]


def conclusion_blocks(results, blocked, lang="en"):
    """结论: which model is ahead where, and what one comparison cannot say."""
    return [("h2", say(lang, "Conclusion")), ("p", say(lang, " ").join(conclusion(results, blocked, lang)))]


def per_class_blocks(setup, results, blocked, lang="en"):
    """The per-class table and confusion matrices, or why there are none."""
    blocks = [("h3", say(lang, "Per class"))]
    if not class_values(results["dcgan"], "accuracy"):
        why = (setup.get("classifier_note") if not setup.get("classifier") else
               say(lang, "the models are unconditional: there is no class to ask them for"))
        return blocks + [("p", say(lang, "Left out: {why}.", why=why))]
    header, rows = per_class_table(results, blocked, lang)
    blocks += [("p", say(lang, "Each cell: DCGAN / BigGAN (real train images), in bold the model ahead beyond the "
                               "uncertainty (standard errors in metrics.json). Every per-class number uses the "
                               "classifier's features: in the 2048-d Inception space an intra-class FID would need "
                               "more than 2,048 images per class in each set.")), ("table", header, rows)]
    for key in ("intra_class_fid_note", "per_class_note"):
        note = results["dcgan"].get(key) or results["biggan"].get(key)
        if note:
            blocks.append(("p", say(lang, "Left out: {why}.", why=note)))
    if any(row.get("confusion") for _, row in rows_of(results)):
        blocks.append(("img", say(lang, "Confusion matrices: what the classifier sees in the images asked for each "
                                        "class (the diagonal is the class accuracy)") + figure_legend(lang, "confusion"),
                       "per_class.png"))
    return blocks


def figure_legend(lang, figure):
    """What a figure's axes are, in the caption: a Chinese report's figures carry no words (their
    font has no Chinese characters, and the lab installs none), so the caption says it."""
    if lang != "zh":
        return ""
    return say(lang, {"confusion": " (rows: the class asked for; columns: the class recognised; numbers: % of the "
                                    "row; from the left: DCGAN, BigGAN, ✓ the real train images)",
                      "samples": " (top row, ✓: real test images; each further row: one class, 10 DCGAN samples "
                                 "left, 10 BigGAN samples right)",
                      "losses": " (horizontal axis: iteration; left: D's loss, right: G's loss; faint: every "
                                "iteration, solid: moving average; dashed: ln 4 and ln 2)"}[figure])


def loss_text(setup, lang="en"):
    """The loss paragraph: what the curves are, and whether this DCGAN ended near ln 4 and ln 2 (the
    handout's balance) or away from them, with its final losses."""
    losses = setup.get("dcgan_final_losses")
    if not losses:
        return say(lang, LOSS_TEXT)
    d, g = losses["d_loss"], losses["g_loss"]
    near = abs(d - LN4) <= BALANCE_SHARE * LN4 and abs(g - LN2) <= BALANCE_SHARE * LN2
    final = say(lang, " Over its last 10% of steps this DCGAN averaged d_loss {d:.3f} and g_loss {g:.3f}", d=d, g=g)
    if near:
        return say(lang, LOSS_TEXT) + final + say(lang, ", near them. " + NEAR_BALANCE)
    return say(lang, LOSS_TEXT) + final + say(lang, ", away from them: its D told real from generated images apart "
                                                    "(a g_loss above ln 2 means D rejects the generated images more "
                                                    "often than not).")



def picture_blocks(setup, lang="en"):
    """The samples side by side and the loss curves, with the DCGAN's final losses."""
    missing = [("p", say(lang, "Note: no loss log for the {kind} (`{path}` is missing): its curve is skipped.",
                         kind=kind, path=path))
               for kind, path in setup.get("missing_loss_logs", {}).items()]
    rows = say(lang, "One row per class" if setup["conditional"] else "Random samples in rows")
    return [("h3", say(lang, "Samples")),
            ("p", say(lang, "{rows}: real test images on top, 10 DCGAN samples left, 10 BigGAN samples right.",
                      rows=rows)),
            ("img", say(lang, "samples per class") + figure_legend(lang, "samples"), "classes.png"),
            ("h3", say(lang, "Training losses")), ("p", loss_text(setup, lang)), *missing,
            ("img", say(lang, "loss curves") + figure_legend(lang, "losses"), "losses.png")]


def check_blocks(checks, lang="en"):
    """The sanity checks' warning (analysis.warning_lines), or nothing when all is well."""
    lines = warning_lines(checks, lang)
    if lines is None:
        return []
    headline, items, warning = lines
    return [("note", headline, "warning" if warning else "ok", items)]


def report_blocks(setup, results, lang="en"):
    """The whole report, top to bottom: the held-out line and the checks' warning first, then a lab
    report's parts: setup, results, analysis, conclusion."""
    held_out = results.get("reference_held_out")
    note = results.get("reference_note") or say(lang, "Unknown whether the reference was held out.")
    checks = sanity_checks(results, lang)
    blocked = blocking(checks)
    return ([("h1", report_title(setup, lang)), ("note", note, "ok" if held_out is True else "warning")]
            + check_blocks(checks, lang) + setup_blocks(setup, results, lang)
            + result_blocks(setup, results, blocked, lang) + analysis_blocks(setup, results, blocked, lang)
            + conclusion_blocks(results, blocked, lang))


# ----------------------------------------------------------------------------- Markdown and HTML

def markdown_item(item):
    """A list item: a sentence, or (headline, [details]) as a nested list."""
    if isinstance(item, str):
        return "- " + item
    headline, details = item
    return "\n".join(["- " + headline] + ["  - " + detail for detail in details])


def to_markdown(blocks):
    """The blocks as a Markdown document."""
    parts = []
    for kind, *content in blocks:
        if kind in ("h1", "h2", "h3"):
            parts.append("#" * int(kind[1]) + " " + content[0])
        elif kind == "p":
            parts.append(content[0])
        elif kind == "note":
            items = content[2] if len(content) > 2 else []
            parts.append("\n".join(["> " + content[0]] + ([">"] if items else [])
                                   + [f"> - {item}" for item in items]))
        elif kind == "ul":
            parts.append("\n".join(markdown_item(item) for item in content[0]))
        elif kind == "table":
            parts.append(markdown_table(*content))
        elif kind == "img":
            parts.append(f"![{content[0]}]({content[1]})")
    return "\n\n".join(parts) + "\n"


def inline_html(text):
    """Escape text for HTML, then turn **bold** and `code` into tags."""
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def html_item(item):
    """A list item: a sentence, or (headline, [details]) as a nested list."""
    if isinstance(item, str):
        return f"<li>{inline_html(item)}</li>"
    headline, details = item
    return (f"<li>{inline_html(headline)}<ul>" + "".join(f"<li>{inline_html(d)}</li>" for d in details)
            + "</ul></li>")


def data_uri(path):
    """A PNG file as a data: URI, so the page needs no other file."""
    with open(path, "rb") as f:
        return "data:image/png;base64," + base64.b64encode(f.read()).decode("ascii")


def html_table(header, rows):
    head = "".join(f"<th>{inline_html(h)}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in row) + "</tr>"
                     for row in rows)
    return f'<div class="wide"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>'


def html_block(block, folder):
    """One block as HTML; pictures are read from folder and embedded."""
    kind, *content = block
    if kind in ("h1", "h2", "h3", "p"):
        return f"<{kind}>{inline_html(content[0])}</{kind}>"
    if kind == "note" and len(content) > 2:
        items = "".join(f"<li>{inline_html(item)}</li>" for item in content[2])
        return f'<div class="note {content[1]}"><p>{inline_html(content[0])}</p><ul>{items}</ul></div>'
    if kind == "note":
        return f'<p class="note {content[1]}">{inline_html(content[0])}</p>'
    if kind == "ul":
        return "<ul>\n" + "\n".join(html_item(item) for item in content[0]) + "\n</ul>"
    if kind == "table":
        return html_table(*content)
    caption, name = content
    return (f'<figure><img alt="{html.escape(caption)}" src="{data_uri(os.path.join(folder, name))}">'
            f"<figcaption>{inline_html(caption)}</figcaption></figure>")


STYLE = """
body { font-family: "Noto Sans", "Noto Sans CJK SC", "DejaVu Sans", Arial, sans-serif; color: #222;
       max-width: 62rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.6rem; margin-bottom: 0.5rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #ddd; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.2rem; }
.note { padding: 0.6rem 0.9rem; border-left: 5px solid; }
.note.warning { border-color: #c0392b; background: #fdecea; }
.note.ok { border-color: #1e8449; background: #e9f7ef; }
div.note p { margin: 0; }
div.note ul { margin: 0.3rem 0 0; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f2f2; }
code { background: #f4f4f4; padding: 0 0.2em; overflow-wrap: anywhere; }
li { margin-bottom: 0.3rem; }
li ul { margin-top: 0.3rem; }
figure { margin: 1rem 0; }
img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #555; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  .wide { overflow: visible; }
  th, td:first-child { white-space: normal; }
  h2, h3 { break-after: avoid; }
  table, figure, .note { break-inside: avoid; }
}
"""


def to_html(blocks, folder, lang="en"):
    """The blocks as one self-contained HTML page (styles inline, pictures embedded)."""
    title = next(content[0] for kind, *content in blocks if kind == "h1")
    body = "\n".join(html_block(block, folder) for block in blocks)
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")


def write_report(path, setup, results, lang="en"):
    """report.md. results: metrics.json without its setup (rows and the held-out verdict)."""
    write_text(path, to_markdown(report_blocks(setup, results, lang)))


def write_html(path, setup, results, lang="en"):
    """report.html, with the pictures of its folder embedded."""
    write_text(path, to_html(report_blocks(setup, results, lang), os.path.dirname(os.path.abspath(path)), lang))
