"""The lab's --help (every script: cli.parse_flags prints it): each of the lab's flags, grouped, with
its default and its range. absl's own --help would list only the flags defined in the main script
and hide the ranges; absl's flags stay under --helpfull. Only a --help loads this file.
"""
import numpy as np
from absl import flags as absl_flags


# The groups of the flags every training script shares (cli.define_common_flags).
FLAG_GROUPS = [
    ("Data", ["dataset", "data_dir", "input_fname_pattern", "conditional", "classes", "attribute",
              "crop", "input_height", "input_width", "train_size", "skip_bad_images", "mnist_split"]),
    ("Training", ["train", "epoch", "batch_size", "output_height", "output_width", "seed", "diffaug",
                  "precision"]),
    ("Several GPUs, several machines (TF_CONFIG)", ["num_gpus", "worker_timeout"]),
    ("Output", ["checkpoint_dir", "sample_dir", "logs_dir", "sample_freq", "ckpt_freq", "print_freq",
                "log_freq", "max_to_keep"]),
    ("Test mode", ["visualize", "export_samples"]),
]


def flag_range(flag):
    """' (1 to 100,000)' for a bounded numeric flag, '' otherwise."""
    low, high = getattr(flag.parser, "lower_bound", None), getattr(flag.parser, "upper_bound", None)
    if low is None and high is None:
        return ""
    show = lambda v: f"{v:,}" if isinstance(v, int) else f"{v:g}"  # noqa: E731
    if high is None:
        return f" ({show(low)} or more)"
    return f" ({show(low)} to {show(high)})"


def help_text(program, usage, groups):
    """The lab's --help: every lab flag, grouped, with its default and range."""
    flag_values = absl_flags.FLAGS
    lines = [f"usage: python {program} [flags]", ""] + usage + [""]
    for title, names in groups:
        lines.append(f"{title}:")
        for name in names:
            flag = flag_values[name]
            if flag.boolean:
                default = f"--{name}" if flag.default else f"--no{name}"
            elif flag.default == np.inf:
                default = "all"
            elif isinstance(flag.default, list):
                default = ",".join(map(str, flag.default))
            else:
                default = "" if flag.default in (None, "") else f"{flag.default}"
            lines.append(f"  --{name:<20} {flag.help}{flag_range(flag)}" + (f" [{default}]" if default else ""))
        lines.append("")
    booleans = [name for _, names in groups for name in names if flag_values[name].boolean]
    if booleans:  # one of this program's own: --train / --notrain, or another (compare.py has no --train)
        shown = "train" if "train" in booleans else booleans[0]
        lines.append(f"Booleans: --{shown} / --no{shown} (never --{shown} False).")
    lines.append("--helpfull also lists absl's own flags.")
    return "\n".join(lines)
