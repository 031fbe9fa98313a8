"""memory.py: the estimates that stop a run which cannot fit, before TensorFlow starts (both GANs)."""
import re

import numpy as np
import pytest

import memory
from biggan.architecture import memory_problem, training_memory
from memory import available_memory_bytes
from tfstart import gpu_may_be_used
from model import DCGAN


@pytest.mark.parametrize("size,y_dim", [(64, 0), (32, 2), (48, 3)])
def test_the_memory_estimate_counts_the_networks_real_parameters(sess, size, y_dim):
    """memory.dcgan_counts mirrors the unconditional / colour network: its count must
    be the graph's (the estimate that refuses a 1000-pixel run rests on it)."""
    dcgan = DCGAN(sess, batch_size=8, output_height=size, output_width=size, c_dim=3, y_dim=y_dim or None)
    real = sum(int(np.prod(v.get_shape())) for v in dcgan.g_vars + dcgan.d_vars)
    bn = sum(int(np.prod(v.get_shape())) for v in dcgan.g_vars + dcgan.d_vars if "bn" in v.name)
    assert memory.dcgan_counts(size, 3, 100, y_dim)[0] == real - bn  # BN's gain and bias left out


def test_large_checkpoints_are_announced_and_a_disk_too_small_for_two_refused():
    params, _ = memory.dcgan_counts(1000, 3, 100)  # the issue's --output_height 1000
    problem, note = memory.checkpoint_problem(params, 5, "checkpoint", free_bytes=100 * 10 ** 9)
    assert problem is None and note.startswith("note: this model has 216 M parameters")
    assert "each checkpoint takes 2.6 GB on disk (--max_to_keep 5: up to 13.0 GB)" in note
    problem, note = memory.checkpoint_problem(params, 5, "checkpoint", free_bytes=4 * 10 ** 9)
    assert "not enough for two" in problem and note is None


def test_memory_problem_suggests_a_batch_that_fits():
    fixed, per_image = training_memory(128, 64, 64)
    need = fixed + 64 * per_image
    assert 15e9 < need < 25e9  # --ch 64, batch 64, attention at 64: about 20 GB
    assert memory_problem(128, 64, 64, need, 64) is None
    assert memory_problem(128, 64, 64, None, 64) is None  # unknown memory: no check
    available = need - 1
    problem = memory_problem(128, 64, 64, available, 64)
    fits = int(re.search(r"use --batch_size (\d+) or less", problem).group(1))
    assert fixed + fits * per_image <= available < fixed + (fits + 1) * per_image and fits == 63
    assert problem.startswith("training a 128x128 BigGAN with --ch 64, --batch_size 64, --attention_res 64 "
                              "needs about 20.0 GB")
    assert "even --batch_size 1 does not fit" in memory_problem(128, 64, 64, fixed, 64)


def test_memory_check_is_for_cpu_runs(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert not gpu_may_be_used()
    assert available_memory_bytes() > 0
