"""distribute.py: training on several devices and machines with tf.distribute, tested without GPUs.

Two logical CPU devices in one process (a session with ConfigProto(device_count={"CPU": 2}))
stand in for two GPUs: a step on 2 replicas x 32 images updates the variables as one device does
on 64 (synchronised batch norm, summed gradients, spectral norm, EMA and orthogonal penalty
included), and its checkpoint loads on one device and samples the same. Two processes on
127.0.0.1 with a TF_CONFIG stand in for two servers. The checks made before TensorFlow starts
(TF_CONFIG, the batch split) and "more GPUs than present" are one-line errors.
"""
import json
import os
import re
import socket
import subprocess
import sys
import types

import numpy as np
import pytest
import tensorflow as tf

import cli
import distribute
import testmode
import tfstart
from biggan.model import BigGAN
from errors import LabError
from model import DCGAN
from test_main import DATA, REPO, assert_one_line_error, quiet_env

tf1 = tf.compat.v1
BATCH = 64


# ----------------------------------------------------------------------------- checks before TensorFlow

def tf_config(cluster, kind="worker", index=0):
    return {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": kind, "index": index}})}


@pytest.mark.parametrize("text,problem", [
    ("{not json", "is not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "is not valid JSON (nested too deep)"),
    ('{"cluster": {"worker": ["a:1"]}}', 'needs "cluster" and "task" objects'),
    ('{"cluster": {"ps": ["a:1"], "worker": ["b:2"]}, "task": {"type": "worker", "index": 0}}',
     'may hold only "worker"'),
    ('{"cluster": {"worker": ["server1"]}, "task": {"type": "worker", "index": 0}}', 'list of "host:port"'),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}',
     'is not a task of the cluster'),
])
def test_a_tf_config_that_does_not_parse_is_one_line(text, problem):
    with pytest.raises(LabError) as error:
        distribute.cluster_from_environment({"TF_CONFIG": text})
    assert problem in str(error.value) and "\n" not in str(error.value)
    assert "TF_CONFIG=" in str(error.value)  # the message shows one that works


def test_the_chief_is_the_chief_task_else_worker_0():
    assert distribute.cluster_from_environment({}) is None
    two = {"worker": ["a:1", "b:2"]}
    assert distribute.cluster_from_environment(tf_config(two)).is_chief
    second = distribute.cluster_from_environment(tf_config(two, index=1))
    assert not second.is_chief and second.index == 1 and second.address == "b:2"
    with_chief = {"chief": ["c:3"], "worker": ["a:1"]}
    assert distribute.cluster_from_environment(tf_config(with_chief, "chief")).is_chief
    worker = distribute.cluster_from_environment(tf_config(with_chief, "worker", 0))
    assert worker.index == 1 and worker.addresses == ["c:3", "a:1"]


def test_the_batch_must_split_evenly_over_every_replica():
    distribute.check_batch(64, 2, None)
    two_machines = distribute.cluster_from_environment(tf_config({"worker": ["a:1", "b:2"]}))
    distribute.check_batch(64, 4, two_machines)  # 8 replicas of 8 images
    with pytest.raises(LabError, match=r"--batch_size 64 cannot be split evenly over 3 replicas .* "
                                       r"a multiple of 3, e.g. 63 or 66"):
        distribute.check_batch(64, 3, None)
    with pytest.raises(LabError, match=r"over 6 replicas \(3 GPU\(s\) x 2 machines\)"):
        distribute.check_batch(64, 3, two_machines)


def test_a_bad_tf_config_stops_main_before_tensorflow(tmp_path):
    env = dict(quiet_env(), TF_CONFIG='{"cluster": ', GAN_LAB_CHECK_ONLY="1")
    result = subprocess.run([sys.executable, os.path.join(REPO, "main.py"), "--dataset=mnist", "--train",
                             f"--data_dir={DATA}"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert_one_line_error(result, r"^error: TF_CONFIG is not valid JSON")


def test_more_gpus_than_present_is_one_line():
    present = len(tf.config.list_physical_devices("GPU"))
    asked = max(2, present + 1)  # 1 is always there: the CPU on a machine without a GPU
    with pytest.raises(LabError, match=rf"--num_gpus {asked} asks for more GPUs than this machine "
                                       rf"has \((no GPU|{present} GPU).*\); use --num_gpus {max(1, present)}"):
        distribute.start(asked, None, 300)


def test_one_device_builds_no_distribution_at_all(sess, monkeypatch):
    """--num_gpus 1 without TF_CONFIG: no strategy, the one-device graph (no replica's copy, no
    all-reduce, no mirrored variable), and nothing to wrap Adam in."""
    monkeypatch.delenv("TF_CONFIG", raising=False)
    flags = types.SimpleNamespace(train=True, num_gpus=1)
    replicas = cli.start_replicas(flags, cli.check_replicas(flags))
    assert isinstance(replicas, tfstart.OneDevice) and cli.optimizer_wrapper("fp32", replicas) is None
    model = DCGAN(sess, output_height=28, output_width=28, y_dim=10, c_dim=1, batch_size=8, sample_num=8,
                  gf_dim=8, df_dim=8, gfc_dim=16, dfc_dim=16, replicas=replicas)
    ops = sess.graph.get_operations()
    assert not [op.name for op in ops if "replica_" in op.name or "Collective" in op.type or "Nccl" in op.type]
    assert all(type(v).__name__ == "ResourceVariable" for v in tf1.global_variables())
    assert model.replicas is replicas


# ----------------------------------------------------------------------------- 2 replicas x 32 = 1 x 64

def session_config():
    """A test Session: without grappler's graph rewrites (a graph that runs a step or two spends
    longer in them than it saves; what is computed stays the same), one op at a time. (The DCGAN's
    D updates its batch norm moving averages twice a step, through D(x) and D(G(z)), with nothing
    ordering the two: run side by side under load, both read the old average and one update was
    lost, 20 times the tolerance off. One at a time, only their order is open, as the tolerance says.)"""
    config = tf1.ConfigProto(inter_op_parallelism_threads=1)
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    return config


def make_dcgan(sess, replicas, model_dir, precision="fp32"):
    """As main.py builds it: inside the replicas' scope, each Adam wrapped as cli.optimizer_wrapper says."""
    with replicas.scope():
        return DCGAN(sess, output_height=28, output_width=28, y_dim=10, c_dim=1, batch_size=BATCH, sample_num=BATCH,
                     gf_dim=8, df_dim=8, gfc_dim=32, dfc_dim=32, dataset_name="mnist", model_dir=model_dir,
                     replicas=replicas, wrap_optimizer=cli.optimizer_wrapper(precision, replicas))


def make_biggan(sess, replicas, model_dir):
    # ema_start 0, decay 0.9: the EMA averages from the first step; G_ortho: the penalty is in the step
    with replicas.scope():
        return BigGAN(sess, output_size=28, c_dim=1, num_classes=10, ch=4, shared_dim=8, z_dim=12,
                      batch_size=BATCH, num_D_steps=1, G_ortho=1e-3, ema_start=0, ema_decay=0.9,
                      dataset_name="mnist", model_dir=model_dir, replicas=replicas,
                      wrap_optimizer=cli.optimizer_wrapper("fp32", replicas))


def one_step(model, batch):
    """One training iteration on fixed numbers (the handout's D + 2 G steps; BigGAN's D + G step)."""
    images, labels, z_d, z_g, labels_g = batch
    if isinstance(model, DCGAN):
        z = z_d[:, :model.z_dim] / 3.0  # in (-1, 1) like the DCGAN's prior
        return model.train_step(images, z, model.label_feed(labels), with_summaries=True)[:2]
    d_loss = model.sess.run([model.d_optim, model.d_loss], {model.inputs: images * 2 - 1, model.z: z_d[:, :12],
                                                            model.y: labels})[1]
    g_loss = model.sess.run([model.g_optim, model.g_loss], {model.z: z_g[:, :12], model.y: labels_g})[1]
    return d_loss, g_loss


def train_once(make, replicas, folder, start, batch, load_from=None, **precision):
    """Build the model on two logical CPUs (`replicas`) or one device (None), start from the
    variables saved in `start` (saved there first when it does not exist yet), make one step and
    save the run in folder. Returns (losses, every variable after the step, samples): those of
    this run, or of the run in load_from loaded into this graph as test mode loads it."""
    config = session_config()
    replicas = distribute.logical_cpus(2, config) if replicas else tfstart.OneDevice()
    with tf.Graph().as_default(), tf1.Session(config=config) as sess:
        tf1.set_random_seed(0)
        model = make(sess, replicas, "run", **precision)
        sess.run(tf1.global_variables_initializer())
        if not os.path.exists(start + ".index"):
            model.saver.save(sess, start, write_meta_graph=False)
        model.saver.restore(sess, start)  # both runs start from the same weights
        losses = one_step(model, batch)
        variables = {v.op.name: sess.run(v) for v in tf1.global_variables()}
        model.save(folder, 1)
        if load_from:
            assert model.load(load_from) == (True, 1)
        return losses, variables, model.generate(batch[2][:16, :model.z_dim] / 3.0, batch[1][:16])


@pytest.mark.parametrize("make", [make_dcgan, make_biggan], ids=["dcgan", "biggan"])
def test_two_replicas_of_32_step_as_one_device_of_64_and_their_checkpoint_loads_on_one(tmp_path, make):
    batch = random_batch()
    start, two_folder = str(tmp_path / "start"), str(tmp_path / "two")
    two_losses, two, two_samples = train_once(make, True, two_folder, start, batch)
    # one device: the same step, then the 2-replica checkpoint loaded (as test mode, compare.py and
    # the explorer load it) samples the same images
    one_losses, one, loaded_samples = train_once(make, None, str(tmp_path / "one"), start, batch, two_folder)

    assert sorted(two) == sorted(one)  # one set of variables, the one-device names
    assert_same_step(two_losses, two, one_losses, one)
    np.testing.assert_allclose(loaded_samples, two_samples, atol=1e-5)


def random_batch():
    rng = np.random.RandomState(0)
    return (rng.rand(BATCH, 28, 28, 1).astype(np.float32), rng.randint(0, 10, BATCH),
            rng.randn(BATCH, 100).astype(np.float32), rng.randn(BATCH, 100).astype(np.float32),
            rng.randint(0, 10, BATCH))


def assert_same_step(two_losses, two, one_losses, one):
    """The losses and every variable after one step on 2 replicas (two) as on one device (one)."""
    np.testing.assert_allclose(two_losses, one_losses, rtol=1e-5)  # a batch norm per replica: 1e-4 to 1e-3 off
    for name, value in one.items():
        tolerance = distribute.step_tolerance(name, value)
        np.testing.assert_allclose(two[name], value, rtol=0, atol=tolerance, err_msg=name)


def test_mixed_precision_on_two_replicas_steps_as_one_device(tmp_path):
    """--precision mixed --num_gpus 2: the loss-scale optimiser (its apply in a conditional that
    holds the replicas' apply) builds and steps as fp32 on one device: scaling by a power of two
    is exact. (float16 itself runs on a GPU only: test_precision.py.) The run saves its loss
    scales, so the one-device run starts from what it saved."""
    batch, start = random_batch(), str(tmp_path / "start")
    two_losses, two, _ = train_once(make_dcgan, True, str(tmp_path / "two"), start, batch, precision="mixed")
    one_losses, one, _ = train_once(make_dcgan, None, str(tmp_path / "one"), start, batch)
    assert sorted(set(two) - set(one)) == ["current_loss_scale", "current_loss_scale_1", "good_steps", "good_steps_1"]
    assert two["good_steps"] == 1  # D's step was applied, not skipped
    assert_same_step(two_losses, two, one_losses, one)


def test_a_mixed_step_that_overflows_is_skipped_on_every_replica():
    """A NaN in one replica's half of the batch: neither replica applies D's step (the vote is
    over all of them) and both halve D's loss scale; G's next step applies again."""
    config = session_config()
    replicas = distribute.logical_cpus(2, config)
    with tf.Graph().as_default(), tf1.Session(config=config) as sess:
        model = make_dcgan(sess, replicas, "run", precision="mixed")
        replicas.initialize(sess)
        images, labels, z, _, _ = random_batch()
        images[-1, 0, 0, 0] = np.nan  # in the second replica's half only
        d_vars = sess.run(model.d_vars)
        scale = [v for v in tf1.global_variables() if v.op.name == "current_loss_scale"][0]
        start_scale = sess.run(scale)
        model.train_step(images, z / 3.0, model.label_feed(labels), False)
        for before, variable in zip(d_vars, model.d_vars):
            for copy in variable.values:  # each replica's copy of the variable
                np.testing.assert_array_equal(sess.run(copy), before, err_msg=variable.op.name)
        assert [sess.run(copy) for copy in scale.values] == [start_scale / 2] * 2


@pytest.fixture
def all_reduces(monkeypatch):
    """The all-reduces the lab builds itself (distribute.sum_without_gradient), counted."""
    built = []
    sum_over_replicas = distribute.sum_without_gradient
    monkeypatch.setattr(distribute, "sum_without_gradient", lambda x: built.append(x) or sum_over_replicas(x))
    return built


def test_the_batch_norm_sums_go_over_all_replicas_in_one_all_reduce_and_their_gradient_too(all_reduces):
    """distribute.moments on 2 replicas holding halves of a batch = tf.nn.moments of the batch,
    and so is the gradient of a function of them (the sum's gradient is all-reduced too). The sum
    and the sum of squares travel together: one all-reduce forward, one backward."""
    x = np.random.RandomState(3).randn(8, 5).astype(np.float32) * 3 + 1
    weight = np.random.RandomState(4).randn(5).astype(np.float32)

    def loss_of(batch):
        mean, variance = distribute.moments(batch, [0])
        return tf.reduce_sum((mean * 2 + tf.sqrt(variance)) * weight)

    with tf.Graph().as_default(), tf1.Session() as sess:
        whole = tf.constant(x)
        expected = sess.run([tf.nn.moments(whole, [0]), tf.gradients(loss_of(whole), whole)[0]])
    config = tf1.ConfigProto()
    replicas = distribute.logical_cpus(2, config)
    with tf.Graph().as_default(), tf1.Session(config=config) as sess:
        with replicas.strategy.scope():
            halves = replicas.split_batch(tf.constant(x))

            def replica(half):  # each replica's loss is its share of the batch's (as Replicas.share_loss makes it)
                return distribute.moments(half, [0]), tf.gradients(loss_of(half) / replicas.count, half)[0]
            (mean, variance), gradient = replicas.strategy.extended.call_for_each_replica(replica, args=(halves,))
            local = replicas.strategy.experimental_local_results
            results = sess.run([local(mean), local(variance), local(gradient)])
    # per replica: [sums, sums of squares] of 5 channels for each of the 2 moments, 1 for the gradient
    assert [tuple(x.shape) for x in all_reduces] == [(10,)] * 3 * 2
    for part in range(2):  # every replica gets the batch's statistics
        np.testing.assert_allclose(results[0][part], expected[0][0], rtol=1e-5)
        np.testing.assert_allclose(results[1][part], expected[0][1], rtol=1e-5)
    np.testing.assert_allclose(np.concatenate(results[2]), expected[1], rtol=1e-4, atol=1e-6)


def test_the_chiefs_weights_reach_every_replica_exactly_in_one_all_reduce(all_reduces):
    """take_chiefs_weights (several machines; here 2 logical CPUs standing for them): every copy
    of every variable, of any dtype, becomes the first replica's, bit for bit, and the counter
    too, through one all-reduce."""
    config = tf1.ConfigProto()
    replicas = distribute.logical_cpus(2, config)
    replicas.cluster = distribute.Cluster({"worker": ["server1:2222", "server2:2222"]}, "worker", 0)
    with tf.Graph().as_default(), tf1.Session(config=config) as sess:
        with replicas.strategy.scope():
            weights = tf1.get_variable("w", initializer=np.float32([[np.pi, -1e-30], [3e38, 7]]))
            steps = tf1.get_variable("steps", initializer=np.int64(2**40 + 1))
        sess.run(tf1.global_variables_initializer())
        for variable in (weights, steps):  # the other replica's copy differs (another machine's start)
            other = variable.values[1]
            sess.run(other.assign(tf.zeros_like(other)))
        assert replicas.take_chiefs_weights(sess, 12345) == 12345
        for variable, value in ((weights, np.float32([[np.pi, -1e-30], [3e38, 7]])), (steps, 2**40 + 1)):
            for copy in variable.values:
                np.testing.assert_array_equal(sess.run(copy), value)
    assert len(all_reduces) == 2  # one per replica, of one vector: the counter and every variable


# ----------------------------------------------------------------------------- two machines

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_machines(tmp_path, *extra):
    """main.py on two "machines" (two processes on 127.0.0.1, each with its TF_CONFIG and folder)."""
    cluster = {"worker": [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]}
    processes = []
    for index in range(2):
        cwd = tmp_path / f"machine{index}"
        cwd.mkdir(exist_ok=True)
        env = dict(quiet_env(), **tf_config(cluster, index=index))
        args = [sys.executable, os.path.join(REPO, "main.py"), "--dataset=mnist", "--train", f"--data_dir={DATA}",
                "--batch_size=8", "--worker_timeout=60", "--sample_freq=1000", "--print_freq=1"] + list(extra)
        processes.append(subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True))
    return processes


@pytest.fixture
def machines():
    """The processes a test starts, killed at its end whatever happened."""
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def read_until(process, pattern):
    """The lines of process's stdout up to the first that matches pattern (all of them if none)."""
    seen = []
    for line in process.stdout:
        seen.append(line)
        if re.search(pattern, line):
            break
    return seen


def fingerprints(lines):
    return dict(re.findall(r"weights fingerprint at iteration (\d+) \(the same on every machine\): (\w+)",
                           "".join(lines)))


def test_two_machines_agree_and_a_killed_one_stops_the_other_with_one_line(tmp_path, machines):
    # two machines train; at the checkpoint of iteration 2 both print the digest of their weights;
    # after iteration 3 the other machine is killed: the chief stops with one line naming the
    # checkpoint the run resumes from (no hang, no traceback)
    machines += start_machines(tmp_path, "--train_size=800", "--epoch=1", "--ckpt_freq=2")
    chief, other = machines
    seen = read_until(other, r"^Epoch: \[ 0/ 1\] \[   3/")
    other.kill()
    other.wait()
    out, err = chief.communicate(timeout=240)

    assert "replicas: 2, batch 8 = 2 x 4; machine 1 of 2" in "".join(seen)
    assert " [*] Took the chief's weights: starting at iteration 0" in "".join(seen)
    assert fingerprints(seen)["2"] == fingerprints(out.splitlines(True))["2"], (seen, out)
    result = subprocess.CompletedProcess([], chief.returncode, out, err)
    assert_one_line_error(result, r"another machine of the run \(127\.0\.0\.1:\d+\) stopped answering .* "
                                  r"resumes from its checkpoint at iteration \d+ in checkpoint/mnist_28_28")
    saved = int(re.search(r"at iteration (\d+) in checkpoint", err).group(1))

    # the chief alone wrote the run, and its checkpoint loads on one device, as test mode loads it
    assert os.listdir(tmp_path / "machine1") == []
    assert (tmp_path / "machine0" / "logs" / "mnist_28_28" / "losses.csv").exists()
    with tf.Graph().as_default(), tf1.Session() as sess:
        model, iteration = testmode.from_run(sess, str(tmp_path / "machine0" / "checkpoint" / "mnist_28_28"),
                                             "main.py", "mnist", batch_size=16)
        assert iteration == saved and isinstance(model.replicas, tfstart.OneDevice)
