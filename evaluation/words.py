"""The comparison report's words in the student's language (biggan/compare.py --lang): English, the
default, or Chinese (简体中文), the language of the handout and of the lab report a student hands in.

Each sentence is written once, in English, where the code makes it, as a template with named
slots; ZH (evaluation/words_zh.py) holds its Chinese. say(lang, template, **values) fills the slots:

    say("zh", "the {kind} wins", kind="BigGAN")   ->   "BigGAN 胜出"

A template without a Chinese entry is a bug that tests/test_report.py finds (it renders reports
of every kind in Chinese), never an English sentence in a Chinese report.
"""
LANGUAGES = ("en", "zh")


def say(lang, template, **values):
    """The template in `lang`, its {slots} filled with values (format specs as in str.format)."""
    if lang == "zh":
        from evaluation.words_zh import ZH  # only a Chinese report loads the Chinese words
        template = ZH[template]
    return template.format(**values)


def join(lang, parts):
    """Parts of a list in one sentence: 'a, b' in English, 'a、b' in Chinese."""
    return ("、" if lang == "zh" else ", ").join(parts)
