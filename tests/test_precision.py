"""precision.py (--precision): which hardware each choice needs, that the bfloat16 rewrite really
runs the convolutions and matrix products in bfloat16 while the unsafe parts stay float32, that
its results stay close to float32's, and that mixed precision builds its loss-scaled graph."""
import collections

import numpy as np
import pytest
import tensorflow as tf

import cli
import precision
import tfstart
from biggan.model import BigGAN
from model import DCGAN

tf1 = tf.compat.v1
BF16_HERE = precision.problem("bf16", gpu=False)  # None where this CPU runs bfloat16


def test_each_choice_names_the_hardware_it_needs():
    assert precision.problem("fp32", gpu=False) is None and precision.problem("fp32", gpu=True) is None
    assert "no GPU is used here; on a CPU use --precision bf16" in precision.problem("mixed", gpu=False)
    assert precision.problem("mixed", gpu=True) is None
    assert "on a GPU use --precision mixed" in precision.problem("bf16", gpu=True)
    assert "lacks" in precision.problem("bf16", gpu=False, flags={"avx2", "avx512f"})  # e.g. Zen 3
    assert precision.problem("bf16", gpu=False, flags={"avx512f", "avx512_bf16"}) is None  # Zen 4
    assert precision.problem("bf16", gpu=False, flags={"amx_bf16", "amx_tile"}) is None  # Xeon with AMX


def test_bf16_is_refused_when_onednn_is_off(monkeypatch):
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert "TF_ENABLE_ONEDNN_OPTS=0" in precision.problem("bf16", gpu=False, flags={"avx512_bf16"})


def test_the_cpu_flags_are_read_from_cpuinfo(tmp_path):
    (tmp_path / "cpuinfo").write_text("processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16\n")
    assert precision.cpu_flags(str(tmp_path / "cpuinfo")) == {"fpu", "avx512f", "avx512_bf16"}
    assert precision.cpu_flags(str(tmp_path / "missing")) is None


def test_the_session_config_asks_for_the_rewrite():
    options = lambda p: precision.configure(tfstart.session_config(tf1), p).graph_options.rewrite_options  # noqa: E731
    on = tf1.ConfigProto().graph_options.rewrite_options.ON
    assert options("bf16").auto_mixed_precision_onednn_bfloat16 == on
    assert options("mixed").auto_mixed_precision == on
    fp32 = options("fp32")
    assert fp32.auto_mixed_precision_onednn_bfloat16 != on and fp32.auto_mixed_precision != on
    assert tfstart.session_config(tf1).gpu_options.allow_growth


def bf16_nodes(run_metadata):
    """{op type: count} and the names of the nodes that ran in bfloat16 (casts left out)."""
    nodes = [n for g in run_metadata.partition_graphs for n in g.node
             if n.op != "Cast" and n.attr["T"].type == tf.bfloat16.as_datatype_enum]
    return collections.Counter(n.op for n in nodes), [n.name for n in nodes]


@pytest.mark.skipif(BF16_HERE is not None, reason=f"no bfloat16 here: {BF16_HERE}")
def test_bf16_runs_convolutions_in_bfloat16_and_keeps_the_unsafe_parts_float32():
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(0)
        fp32, bf16 = tf1.Session(config=tfstart.session_config(tf1)), \
            tf1.Session(config=precision.configure(tfstart.session_config(tf1), "bf16"))
        model = BigGAN(fp32, output_size=32, c_dim=3, num_classes=2, ch=4, batch_size=8)
        init = tf1.global_variables_initializer()
    rng = np.random.RandomState(0)
    feed = {model.inputs: rng.uniform(-1, 1, (8, 32, 32, 3)), model.z: model.training_noise(rng, 8),
            model.y: rng.randint(0, 2, 8)}
    losses = {}
    for name, sess in (("fp32", fp32), ("bf16", bf16)):
        sess.run(init)  # the same seeded initial weights in both sessions
        metadata = tf1.RunMetadata()
        losses[name] = sess.run(model.d_loss, feed, options=tf1.RunOptions(output_partition_graphs=True),
                                run_metadata=metadata)
        ops, names = bf16_nodes(metadata)
        sess.close()
    # bf16: the discriminator's and generator's convolutions run in bfloat16 ...
    assert sum(n for op, n in ops.items() if "Conv2D" in op) > 0 and sum(
        n for op, n in ops.items() if "MatMul" in op) > 0, ops  # (oneDNN's fused op names vary)
    # ... while batch norm statistics, the spectral-norm power iteration and the loss do not
    unsafe = [n for n in names if "moments" in n or "spectral_norm" in n or n.startswith(("Mean", "Relu"))]
    assert not unsafe, unsafe
    assert losses["bf16"] == pytest.approx(losses["fp32"], rel=0.05)


def test_mixed_builds_a_loss_scaled_graph_that_trains(sess):
    """float16 itself runs on a GPU only (auto_mixed_precision rewrites GPU nodes; TensorFlow's
    CPU emulation of it crashes); here: the graph, its dynamic loss scale, and a working step."""
    model = DCGAN(sess, output_height=32, output_width=32, y_dim=2, c_dim=3, batch_size=4, sample_num=4,
                  gf_dim=8, df_dim=8, wrap_optimizer=cli.optimizer_wrapper("mixed", tfstart.OneDevice()))
    scales = [v for v in tf1.global_variables() if v.name.startswith("current_loss_scale")]
    assert len(scales) == 2  # one for D's optimiser, one for G's
    sess.run(tf1.global_variables_initializer())
    feed = {model.z: model.sample_noise(np.random.RandomState(0), 4), model.y: model.label_feed([0, 1, 0, 1])}
    before = sess.run(model.g_vars[0])
    d_loss, g_loss, _ = model.train_step(np.zeros((4, 32, 32, 3), np.float32), feed[model.z], feed[model.y], False)
    assert np.isfinite([d_loss, g_loss]).all() and not np.allclose(before, sess.run(model.g_vars[0]))
