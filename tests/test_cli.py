"""cli.py: the flags both mains share (ranges, --help), their checks before TensorFlow starts, the
run's folders and what a run records about its data. (The programs end to end: test_main.py.)"""
import os
import types

import numpy as np
import pytest

import cli
from errors import LabError
from test_datasets import Log
from test_image_folders import fake_celeba


def test_cli_passes_the_attribute_and_names_the_run_after_it(tmp_path):
    fake_celeba(tmp_path)
    flags = types.SimpleNamespace(
        dataset="celebA", data_dir=str(tmp_path), input_fname_pattern="*.jpg", output_height=64,
        output_width=64, input_height=108, input_width=108, crop=True, classes="", skip_bad_images=False,
        train_size=np.inf, batch_size=2, conditional=True, attribute="Smiling", mnist_split="all",
        checkpoint_dir="checkpoint", sample_dir="samples", logs_dir="logs")
    data = cli.load_training_data(flags, flags.batch_size, log=Log())
    assert data.class_names == ["not_Smiling", "Smiling"] and len(data.images) == 3
    assert cli.run_folders(flags, "DCGAN").checkpoint == "checkpoint/celebA-Smiling_64_64_cond"
    flags.attribute = "Male"  # none of the 3 faces: a class without images cannot be trained
    with pytest.raises(LabError, match=r"class\(es\) Male of .*celebA have no image at all"):
        cli.load_training_data(flags, flags.batch_size, log=Log())


@pytest.mark.parametrize("dataset,attribute,conditional,downloaded,problem", [
    ("celebA", "", True, True, "--conditional on celebA needs --attribute NAME (e.g. --attribute Smiling)"),
    ("mnist", "Smiling", True, True, "--attribute works only with --dataset celebA"),
    ("celebA", "", False, False, "CelebA not found in "),
])
def test_cli_refuses_attribute_mistakes_before_loading_anything(tmp_path, dataset, attribute,
                                                                conditional, downloaded, problem):
    if downloaded:
        fake_celeba(tmp_path / "data")
    flags = types.SimpleNamespace(
        epoch=1, batch_size=2, output_height=28 if dataset == "mnist" else 64, output_width=None,
        sample_freq=1, ckpt_freq=1, print_freq=1, log_freq=1, max_to_keep=1, input_height=None,
        input_width=None, visualize=-1, train_size=np.inf, export_samples=0, dataset=dataset,
        train=True, data_dir=str(tmp_path / "data"), conditional=conditional, attribute=attribute,
        checkpoint_dir=str(tmp_path / "ckpt"), sample_dir=str(tmp_path / "samples"),
        logs_dir=str(tmp_path / "logs"), crop=False, mnist_split="all", classes="")
    flags.output_width = flags.output_height
    with pytest.raises(LabError) as error:
        cli.validate(flags, ["main.py"], "the DCGAN")
    assert str(error.value).startswith(problem) and "\n" not in str(error.value)
    assert not (tmp_path / "ckpt").exists()  # refused before any folder is made


def flags(**values):
    """The flags a main would have after resolve_defaults, as a plain namespace."""
    base = dict(dataset="mnist", data_dir="./data", output_height=28, output_width=28, input_height=None,
                input_width=None, crop=False, classes="", conditional=True, attribute="", mnist_split="all",
                train=True, checkpoint_dir="checkpoint", sample_dir="samples", logs_dir="logs",
                input_fname_pattern="*.jpg")
    base.update(values)
    return types.SimpleNamespace(**base)


@pytest.mark.parametrize("values", [dict(input_height=28), dict(input_height=28, input_width=28),
                                    dict(dataset="cifar10", output_height=32, output_width=32, input_height=32)])
def test_the_handouts_size_flags_are_accepted_when_they_name_the_images_size(values):
    cli.check_fixed_size(flags(**values))


@pytest.mark.parametrize("values,message", [
    (dict(input_height=64), r"--input_height=64 would crop nothing; use --input_height=28"),
    (dict(output_height=64), r"use --output_height=28 \(the default for mnist\)"),
    (dict(crop=True), r"--crop applies to image folders"),
    (dict(dataset="cifar10", output_height=32, input_width=16), r"CIFAR-10 images are 32x32 .* --input_width=16")])
def test_another_size_for_mnist_or_cifar10_says_what_happens(values, message):
    with pytest.raises(LabError, match=message):
        cli.check_fixed_size(flags(**values))


def test_classes_are_parsed_the_same_in_every_script():
    assert cli.class_list(flags(classes=" 3, 7 ,")) == ["3", "7"]
    with pytest.raises(LabError, match="--classes names 3 more than once"):
        cli.class_list(flags(classes="3,7,3"))


def test_the_run_folders_and_the_data_a_run_records(tmp_path):
    folders = cli.run_folders(flags(checkpoint_dir=str(tmp_path)), "BigGAN")
    assert folders.checkpoint == str(tmp_path / "biggan_mnist_28_28")
    import datasets
    data = datasets.load_dataset("mnist", "data", split="train")
    record = cli.data_record(flags(mnist_split="train", train_size=np.inf), data)
    assert record["split"] == "train" and record["num_images"] == 60000 and record["digest"] == data.digest
    cli.check_same_data(str(tmp_path / "no run yet"), record)  # nothing saved: nothing to compare


# ----------------------------------------------------------------------------- what absl reads

def test_a_flag_file_is_a_short_text_file_and_so_is_each_it_names(tmp_path):
    """absl's --flagfile reads flags from a file, and the --flagfile lines in it: /dev/zero or a
    huge file would be read without end, so each is looked at first; a file that includes itself,
    directly or through another, is refused (absl would print a warning of its own and go on)."""
    good = tmp_path / "good.flags"
    good.write_text("--epoch=3\n")
    assert cli.flagfile_problem(["--train", f"--flagfile={good}"]) is None
    assert cli.flagfile_problem(["--flagfile", str(good)]) is None
    huge = tmp_path / "huge.flags"
    huge.write_text("--epoch=3\n" * 10_000)
    nested = tmp_path / "nested.flags"
    nested.write_text(f"--epoch=3\n--flagfile={huge}\n")
    loop = tmp_path / "loop.flags"
    loop.write_text(f"--flagfile={loop}\n")
    first, second = tmp_path / "a.flags", tmp_path / "b.flags"
    first.write_text(f"--epoch=3\n--flagfile={second}\n")
    second.write_text(f"--flagfile={first}\n")
    binary = tmp_path / "binary.flags"
    binary.write_bytes(b"\xff\xfe--epoch")
    for args, problem in [([f"--flagfile={huge}"], "is larger than a flag file can be (64 KiB)"),
                          ([f"--flagfile={nested}"], f"--flagfile {huge} is larger than"),
                          (["--flagfile=/dev/zero"], "/dev/zero: not a regular file"),
                          ([f"--flagfile={tmp_path / 'none'}"], "no such file"),
                          ([f"--flagfile={binary}"], "cannot be read (UnicodeDecodeError)")]:
        assert problem in cli.flagfile_problem(args), args
    assert cli.flagfile_problem([f"--flagfile={loop}"]) == f"--flagfile {loop} includes itself (through loop.flags)"
    assert cli.flagfile_problem([f"--flagfile={first}"]) == \
        f"--flagfile {first} includes itself (through a.flags -> b.flags)"
    assert cli.flagfile_problem([f"--flagfile={first}", f"--flagfile={first}"]) is not None
    twice = tmp_path / "twice.flags"  # the same file named twice, one after the other: no loop
    twice.write_text(f"--flagfile={good}\n--flagfile={good}\n")
    assert cli.flagfile_problem([f"--flagfile={twice}"]) is None


@pytest.mark.parametrize("argv,echo", [(["--dataset=foo\nbar"], "foo\\nbar"), (["--epoch=1\n2"], "1\\n2"),
                                       (["--flagfile=nul.flags"], "--epoch=3\\x00")])
def test_a_value_with_a_line_break_or_a_nul_is_echoed_on_one_line(argv, echo, tmp_path):
    """Values from the command line or a flag file reach messages escaped: one `error: ...` line."""
    import subprocess
    import sys
    from test_main import REPO
    (tmp_path / "nul.flags").write_bytes(b"--epoch=3\x00\n")
    argv = [a.replace("nul.flags", str(tmp_path / "nul.flags")) for a in argv]
    env = dict(os.environ, GAN_LAB_CHECK_ONLY="1")
    result = subprocess.run([sys.executable, os.path.join(REPO, "main.py"), "--train"] + argv,
                            capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert echo in result.stderr, result.stderr


@pytest.mark.parametrize("script,flag", [("main.py", "beta1"), ("main.py", "train_size"), ("biggan/main.py", "G_lr"),
                                         ("evaluation/train_classifier.py", "learning_rate"),
                                         ("bench/recipes.py", "budget_minutes")])
def test_no_float_flag_of_any_script_takes_nan(script, flag):
    """Every float flag of every script (cli.numbers_only): absl's own range check lets NaN pass."""
    import subprocess
    import sys
    from test_main import REPO, assert_one_line_error
    result = subprocess.run([sys.executable, os.path.join(REPO, script), f"--{flag}=nan", "--dataset=mnist"],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert_one_line_error(result, rf"flag --{flag}=nan: --{flag} must be a (finite )?number")


@pytest.mark.parametrize("script,args,message", [
    ("bench/uncertainty_cost.py", ["--dims=a,,-1"], r"--dims a,.*: 'a' is not a whole number from 1 to 4096"),
    ("bench/uncertainty_cost.py", ["--dims=-1"], r"'-1' is not a whole number from 1 to 4096"),
    ("bench/uncertainty_cost.py", ["--dims=99999999999"], r"'99999999999' is not a whole number"),
    ("bench/folder_cache.py", ["--work_dir=a_file", "--images=10"], r"cannot write to work dir a_file \(.*is a file, "
                                                                   r"not a folder\); choose another with --work_dir")])
def test_the_bench_scripts_answer_bad_flags_in_one_line(script, args, message, tmp_path):
    """The benchmarks are scripts a student runs too: bad flags are one line, not a traceback."""
    import subprocess
    import sys
    from test_main import REPO, assert_one_line_error
    (tmp_path / "a_file").write_text("not a folder")
    result = subprocess.run([sys.executable, os.path.join(REPO, script)] + args, capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert_one_line_error(result, message)
