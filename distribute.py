"""Training on several GPUs (--num_gpus) and several machines (TF_CONFIG) with TensorFlow's own
distribution engine, tf.distribute, in the lab's graph-and-Session style.

Words: a *replica* is one copy of the training step on one device (a GPU; a CPU in the tests);
a *worker* is one machine, running one process of the same command. Data parallelism:

- every variable is made once per device and kept equal by the strategy (a MirroredVariable); a
  checkpoint holds one copy under the usual name, so a run trained on 4 GPUs loads on 1;
- --batch_size is the whole (global) batch: each replica builds the model's training step on its
  share (Replicas.per_replica; every machine is fed the whole batch and takes its own rows);
- each replica's loss is divided by the number of replicas (Replicas.share_loss, an optimiser
  wrapper) and the optimiser's apply adds the replicas' gradients (an all-reduce): the gradient of
  the batch's mean loss, as on one device, applied once to the one set of variables;
- batch norm adds its sums over the replicas (moments): every image is normalised with the
  statistics of the whole batch, as on one device (BigGAN's synchronised batch norm);
- state every replica computes identically (batch norm's moving averages, spectral norm's u) is
  written from the first replica (ops.FIRST_REPLICA); BigGAN's EMA and step counter are updated
  once per step, after the G update, outside the replicas.

How it reaches the models (composition: model.py and ops.py know nothing of it): the entry script
builds the model inside `with replicas.scope():` (mirrored variables, synchronised batch norm)
and hands `replicas` to it; the model builds its training step with replicas.per_replica, and
the helpers (training.py, checkpoints.py, sampling.py) ask it whether this process writes files.
tfstart.OneDevice answers the same questions for the handout's one device.

Several machines (MultiWorkerMirroredStrategy): TF_CONFIG names every machine and this one's
place (cluster_from_environment); one process per machine runs the same command; the chief
(the "chief" task, else worker 0) alone writes checkpoints, grids, logs and config.json, and the
others start from its weights (take_chiefs_weights). A machine that stops answering for
--worker_timeout seconds stops the others with one line (lost_worker_message).

How the replicas talk, and why a step cannot hang. An all-reduce waits until every replica has
joined it. NCCL's all-reduce (the fastest between GPUs) waits inside each GPU's stream: two of
them launched in one order on one GPU and in the other order on another wait for each other for
ever. TensorFlow orders its collectives only in tf.function, not in the graph mode this lab
teaches ("for tf1 graph mode auto control dep is not used", cross_device_utils.py), so the lab
chooses where each collective goes:
- one machine (MirroredStrategy): the gradients go through NCCL, all of a step's in one pack
  (NcclAllReduce(num_packs=1)), launched once every gradient exists; each session run of the lab
  applies one optimiser (D's or G's), so a GPU never holds two NCCL all-reduces to order. What the
  lab adds itself (batch norm's sums, below) is copied to the first GPU, added and copied back
  (ReductionToOneDevice): copies wait for their input only, never for another GPU, so any order
  completes. The loss-scale optimiser's all-finite vote (--precision mixed) is such a copy too.
- several machines (MultiWorkerMirroredStrategy): every collective uses RING (gRPC between the
  machines, CommunicationOptions), whose kernels are asynchronous and matched across machines by
  their instance key: one waiting for its peers holds no GPU stream, so launches in any order
  complete; a machine that stops answering ends the wait after --worker_timeout.
- as few collectives as can be: a batch norm layer's sum and sum of squares travel in one
  all-reduce (moments), and the chief's weights, all of them, in one (take_chiefs_weights).

With --num_gpus 1 and no TF_CONFIG this module is not even imported, and the models build exactly
the one-device graph. Nothing here imports TensorFlow at the top: the checks run before it starts.
"""
import contextlib
import json
import os
import re
from typing import List, NamedTuple

import numpy as np

from errors import LabError

TF_CONFIG = "TF_CONFIG"
JOBS = ("chief", "worker")  # the tasks that train; TF_CONFIG lists the chief first, if any


# ----------------------------------------------------------------------------- before TensorFlow

class Cluster(NamedTuple):
    """The machines of a multi-machine run, from TF_CONFIG."""
    jobs: dict            # {"worker": ["host:port", ...]} (and "chief": [...])
    task_type: str        # this machine's job: "worker" or "chief"
    task_index: int       # its index in that job

    @property
    def addresses(self) -> List[str]:
        """Every machine, chief first: worker 0 of the run is addresses[0]."""
        return [a for job in JOBS for a in self.jobs.get(job, [])]

    @property
    def index(self):
        """This machine's place in addresses (0: the chief)."""
        return len(self.jobs.get("chief", [])) * (self.task_type == "worker") + self.task_index

    @property
    def is_chief(self):
        return self.index == 0

    @property
    def address(self):
        return self.addresses[self.index]


def tf_config_problem(text):
    """Why TF_CONFIG (its text) cannot describe a run of this lab (a phrase), or None."""
    try:
        config = json.loads(text)
    except ValueError as e:
        return f"is not valid JSON ({e})"
    except RecursionError:
        return "is not valid JSON (nested too deep)"
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) \
            or not isinstance(config.get("task"), dict):
        return 'needs "cluster" and "task" objects'
    jobs, task = config["cluster"], config["task"]
    if set(jobs) - set(JOBS) or not jobs.get("worker") and not jobs.get("chief"):
        return f'"cluster" may hold only "worker" (and one "chief") lists of host:port, not {sorted(jobs)}'
    for job, addresses in jobs.items():
        if not isinstance(addresses, list) or not all(
                isinstance(a, str) and re.fullmatch(r"[^\s:]+:\d{1,5}", a) for a in addresses):
            return f'"cluster": "{job}" must be a list of "host:port" strings'
    if len(jobs.get("chief", [])) > 1:
        return '"cluster": one "chief" at most'
    kind, index = task.get("type"), task.get("index")
    if kind not in jobs or not isinstance(index, int) or isinstance(index, bool) \
            or not 0 <= index < len(jobs[kind]):
        return (f'"task" {json.dumps(task)} is not a task of the cluster: "type" is one of '
                f'{sorted(jobs)}, "index" counts from 0')
    return None


def cluster_from_environment(environ=None):
    """The Cluster TF_CONFIG describes, None when it is not set; a one-line error when it is wrong."""
    text = (os.environ if environ is None else environ).get(TF_CONFIG, "")
    if not text.strip():
        return None
    problem = tf_config_problem(text)
    if problem:
        raise LabError(f"TF_CONFIG {problem}; e.g. TF_CONFIG='{example_tf_config()}' on the first "
                       "machine and index 1 on the second (README: more than one server)")
    config = json.loads(text)
    return Cluster(config["cluster"], config["task"]["type"], config["task"]["index"])


def example_tf_config(index=0):
    return json.dumps({"cluster": {"worker": ["server1:2222", "server2:2222"]},
                       "task": {"type": "worker", "index": index}})


def check_batch(batch_size, num_gpus, cluster):
    """The batch is split evenly over every replica of every machine: refuse what cannot be."""
    workers = len(cluster.addresses) if cluster else 1
    replicas = num_gpus * workers
    if batch_size % replicas:
        where = f"{num_gpus} GPU(s) x {workers} machines" if cluster else f"{num_gpus} GPUs"
        lower, higher = batch_size // replicas * replicas, (batch_size // replicas + 1) * replicas
        raise LabError(f"--batch_size {batch_size} cannot be split evenly over {replicas} replicas "
                       f"({where}); use a multiple of {replicas}, e.g. " +
                       (f"{lower} or {higher}" if lower else f"{higher}"))


# ----------------------------------------------------------------------------- starting the devices

def gpu_names(tf):
    gpus = tf.config.list_physical_devices("GPU")
    return [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]


def start(num_gpus, cluster, timeout_s):
    """The Replicas for --num_gpus on this machine and the cluster of TF_CONFIG (at least two
    replicas: one device is tfstart.OneDevice); call once TensorFlow has started, before the
    Session is made. timeout_s: how long a machine waits for the others in one exchange."""
    import tensorflow as tf
    found = check_gpu_count(num_gpus, tf)
    if cluster is None:
        devices = [f"/gpu:{i}" for i in range(num_gpus)]
        # the gradients: one NCCL all-reduce per step, every gradient in one pack (see the top)
        return Replicas(tf.distribute.MirroredStrategy(devices, tf.distribute.NcclAllReduce(num_packs=1)))
    return start_worker(tf, cluster, num_gpus if found else 0, timeout_s)


def check_gpu_count(num_gpus, tf):
    """The names of this machine's GPUs; a one-line error when --num_gpus asks for more."""
    found = gpu_names(tf)
    if num_gpus > max(1, len(found)):
        have = f"{len(found)} GPU(s): {', '.join(found)}" if found else "no GPU"
        raise LabError(f"--num_gpus {num_gpus} asks for more GPUs than this machine has ({have}); "
                       f"use --num_gpus {max(1, len(found))}" + ("" if found else " (the CPU)"))
    return found


def logical_cpus(count, config):
    """Replicas on `count` logical CPU devices, standing in for GPUs on a machine without one (the
    tests, bench/train_speed.py). config: the Session's ConfigProto, given `count` CPU devices."""
    import tensorflow as tf
    config.device_count["CPU"] = count
    return Replicas(tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(count)],
                                                   tf.distribute.ReductionToOneDevice()))


def start_worker(tf, cluster, num_gpus, timeout_s):
    """This machine's part of a multi-machine run: MultiWorkerMirroredStrategy over its GPUs (the
    CPU when it has none) and the TensorFlow server the machines talk through (TF_CONFIG's port)."""
    resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
        tf.train.ClusterSpec(cluster.jobs), task_type=cluster.task_type, task_id=cluster.task_index,
        num_accelerators={"GPU": num_gpus} if num_gpus else {}, rpc_layer="grpc")
    options = tf.distribute.experimental.CommunicationOptions(  # RING: see the top
        implementation=tf.distribute.experimental.CommunicationImplementation.RING, timeout_seconds=timeout_s)
    strategy = tf.distribute.MultiWorkerMirroredStrategy(resolver, communication_options=options)
    config = strategy.update_config_proto(tf.compat.v1.ConfigProto())
    try:
        server = tf.distribute.Server(resolver.cluster_spec(), job_name=cluster.task_type,
                                      task_index=cluster.task_index, config=config, start=True)
    except tf.errors.OpError as e:
        raise LabError(f"cannot listen on {cluster.address} (TF_CONFIG's address of this machine: "
                       f"{e.message.splitlines()[0]}); pick a free port in TF_CONFIG on every machine")
    return Replicas(strategy, server.target, cluster, timeout_s)


class Replicas(object):
    """Where a training step runs on several devices: the strategy, its session target and, on
    several machines, the cluster. It answers what tfstart.OneDevice answers for one device."""

    def __init__(self, strategy, target="", cluster=None, timeout_s=0):
        self.strategy = strategy    # tf.distribute.MirroredStrategy or MultiWorkerMirroredStrategy
        self.target = target        # the Session's target: "" in-process, the local server's otherwise
        self.cluster = cluster      # several machines: the Cluster of TF_CONFIG; None: this machine
        self.timeout_s = timeout_s  # several machines: how long one waits for the others

    @property
    def count(self):
        """Replicas over all machines (the number the batch is split into)."""
        return self.strategy.num_replicas_in_sync

    @property
    def local_count(self):
        return len(self.strategy.extended.worker_devices)

    @property
    def writes_files(self):
        """Whether this process writes the run's files: always, except on the other machines of
        a multi-machine run (the chief writes)."""
        return self.cluster is None or self.cluster.is_chief

    @property
    def lost_machine_errors(self):
        """The errors a step raises when another machine stopped (lost_machine_message); none
        on one machine."""
        return lost_worker_errors() if self.cluster is not None else ()

    def describe(self, batch_size):
        """The line a training run prints about its replicas."""
        where = ", ".join(d.split("/device:")[-1] for d in self.strategy.extended.worker_devices)
        line = f"replicas: {self.count}, batch {batch_size} = {self.count} x {batch_size // self.count}"
        if self.cluster is None:
            return f"{line} ({where}, MirroredStrategy: gradients by NCCL)" if "GPU" in where.upper() \
                else f"{line} ({where}, MirroredStrategy)"
        role = "the chief: writes checkpoints, grids and logs" if self.cluster.is_chief \
            else f"the chief {self.cluster.addresses[0]} writes checkpoints, grids and logs"
        return (f"{line}; machine {self.cluster.index} of {len(self.cluster.addresses)} "
                f"({self.cluster.address}, {where}; {role}; MultiWorkerMirroredStrategy, RING)")

    # ------------------------------------------------------------------------- building the model

    @contextlib.contextmanager
    def scope(self):
        """Build the model in here: variables made in it are mirrored on every replica's device,
        and batch norm measures the whole batch across the replicas (moments)."""
        import ops  # (TensorFlow: the checks above run before it starts)
        with self.strategy.scope(), ops.batch_moments(moments):
            yield

    def per_replica(self, build, *batch):
        """build(*batch) once per replica, on its share of every batch tensor (None stays None).
        build returns a tuple; its values come back as one each: an operation runs on every
        replica, a scalar (a loss) is the replicas' mean, any other tensor the replicas' parts
        concatenated (this machine's)."""
        import tensorflow as tf
        shares = tuple(None if t is None else self.split_batch(t) for t in batch)
        outputs = self.strategy.extended.call_for_each_replica(
            tf.autograph.experimental.do_not_convert(build), args=shares)
        return tuple(merge(self.strategy, value) for value in outputs)

    def split_batch(self, tensor):
        """This machine's rows of a batch tensor, one part per local replica (a PerReplica value).
        Every machine is fed the whole batch (the same data order and noise everywhere) and takes
        its own rows here: [B, ...] -> workers x [B / workers, ...] -> local_count x [B / replicas, ...]."""
        import tensorflow as tf
        if self.cluster is not None:
            tensor = tf.split(tensor, len(self.cluster.addresses))[self.cluster.index]
        parts = tf.split(tensor, self.local_count)
        return self.strategy.experimental_distribute_values_from_function(
            lambda context: parts[context.replica_id_in_sync_group % self.local_count])

    def share_loss(self, optimizer):
        """An optimiser wrapper: each replica minimises its mean loss divided by the number of
        replicas, since the optimiser adds their gradients (the all-reduce); the sum is then the
        gradient of the whole batch's mean loss, as on one device."""
        return LossShare(optimizer, self.count)

    # ------------------------------------------------------------------------- the session

    def session_config(self, config):
        """The Session's ConfigProto for these replicas (the collectives' settings on several machines)."""
        return config if self.cluster is None else self.strategy.update_config_proto(config)

    def initialize(self, sess):
        """Run the variables' initializer. Several machines: the chief's initial values reach the
        others through TensorFlow's collectives, which wait for every machine; one that has not
        started within --worker_timeout is a one-line error instead of a wait without end."""
        import tensorflow as tf
        init = tf.compat.v1.global_variables_initializer()
        if self.cluster is None:
            return sess.run(init)
        options = tf.compat.v1.RunOptions(timeout_in_ms=int(self.timeout_s * 1000))
        try:
            sess.run(init, options=options)
        except tf.errors.DeadlineExceededError:
            others = [a for a in self.cluster.addresses if a != self.cluster.address]
            raise LabError(f"the other machines of the run ({', '.join(others)}) did not join within "
                           f"--worker_timeout {self.timeout_s} s; start the same command on each of them "
                           "(with its own TF_CONFIG task index), or raise --worker_timeout")

    def take_chiefs_weights(self, sess, counter):
        """Several machines: every variable and the iteration counter as the chief has them (the
        chief restored its checkpoint; the others have none). Returns the chief's counter. Run by
        every machine at the same point (TensorFlow's collectives wait for all). One machine: counter."""
        if self.cluster is None:
            return counter
        import tensorflow as tf
        strategy = self.strategy
        with strategy.scope():
            chiefs_counter = tf.compat.v1.placeholder(tf.float64, [])
            variables = tf.compat.v1.global_variables()

            def chiefs_values():  # the chief's first replica gives its values, every other one zeros
                first = tf.equal(tf.distribute.get_replica_context().replica_id_in_sync_group, 0)
                values = [chiefs_counter] + [v.read_value() for v in variables]
                # one vector, one all-reduce: float64 holds float32 and integer values exactly
                flat = tf.concat([tf.reshape(tf.cast(v, tf.float64), [-1]) for v in values], 0)
                summed = sum_without_gradient(tf.where(first, flat, tf.zeros_like(flat)))
                parts = tf.split(summed, [v.shape.num_elements() for v in values])
                return [tf.cast(tf.reshape(part, v.shape), v.dtype) for part, v in zip(parts, values)]
            values = strategy.extended.call_for_each_replica(chiefs_values)
            assign = strategy.group([strategy.extended.update(v, lambda var, value: var.assign(value), args=(value,))
                                     for v, value in zip(variables, values[1:])])
            with tf.control_dependencies([assign]):
                shared = tf.identity(strategy.experimental_local_results(values[0])[0])
        return int(sess.run(shared, {chiefs_counter: counter}))

    def at_checkpoint(self, sess, step):
        """Several machines: every machine prints a digest of its trained weights at each
        checkpoint; the same digest on every machine shows that they hold the same weights."""
        if self.cluster is not None:
            print(fingerprint_line(sess, step), flush=True)

    def lost_machine_message(self, error, resume_from):
        """The one line a machine prints when another one stopped answering. resume_from: the
        checkpoint the run will resume from (a phrase)."""
        cluster = self.cluster
        others = [a for a in cluster.addresses if a != cluster.address]
        text = getattr(error, "message", str(error))
        task = re.search(r"remote target /job:(\w+)/replica:\d+/task:(\d+)", text)
        grpc = re.search(r'grpc_message:"([^"]+)"', text)
        if "timed out" in text or isinstance(error, lost_worker_errors()[0]):
            why = f"no answer within --worker_timeout {self.timeout_s} s"
        elif task and grpc and task.group(1) in cluster.jobs:
            why = f"{cluster.jobs[task.group(1)][int(task.group(2))]}: {grpc.group(1)}"
        else:
            why = type(error).__name__
        return (f"another machine of the run ({', '.join(others)}) stopped answering ({why}); this one "
                f"stops too. Start the same command on every machine again: training resumes from "
                f"{resume_from}")


def merge(strategy, value):
    """One value for a per-replica output of Replicas.per_replica (see there)."""
    import tensorflow as tf
    if value is None:
        return None
    parts = strategy.experimental_local_results(value)
    if isinstance(parts[0], tf.Operation):
        return strategy.group(value)
    if parts[0].shape.rank == 0:
        return strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
    return tf.concat(parts, 0)


class LossShare(object):
    """An optimiser whose minimize(loss) minimises loss / replicas (Replicas.share_loss)."""

    def __init__(self, optimizer, count):
        self.optimizer, self.count = optimizer, count

    def minimize(self, loss, var_list=None):
        return self.optimizer.minimize(loss / self.count, var_list=var_list)


def step_tolerance(name, value):
    """How far a variable (its name, its value on one device) may be after one training step on
    several replicas from the same step on one device: sums in another order round otherwise
    (tests/test_distribute.py measures it; bench/gpu_check.py checks GPUs with it)."""
    if name.endswith("/Adam"):  # after one step Adam's first moment is (1 - beta1) x the gradient
        return 1e-5 + 1e-2 * np.max(np.abs(value))  # measured up to 3e-3 (sums that cancel)
    if "moving_" in name and name.startswith("discriminator/"):  # the DCGAN's D: D(x) and D(G(z))
        return 1e-5 + 1e-2 * np.max(np.abs(value))  # both update it, in either order: ~1e-2 x its size
    if "moving_" in name or name.endswith("/u") or name == "step":
        return 1e-5 + 1e-4 * np.max(np.abs(value))  # batch statistics, power iteration, count
    # weights: one Adam step moves each by about the learning rate, in the direction of its
    return 2e-4  # gradient's sign, which is rounding noise where the gradient is ~0


# ----------------------------------------------------------------------------- synchronised batch norm

def moments(x, axes):
    """Mean and variance over `axes` of the whole batch (tf.nn.moments), for batch norm.

    One device, and outside the replicas (the sampler): tf.nn.moments. Several replicas, each
    holding a share of the batch: the sums of x and of x^2 are added over the replicas in one
    all-reduce, so every replica normalises with the statistics of the whole batch, as one device
    would (synchronised batch norm, as BigGAN-PyTorch computes it). Shares are equal (check_batch).
    E[x^2] - E[x]^2 in float32 is off by about 1e-7 x (mean / spread)^2 of the variance: 0.1 %
    for a channel whose mean is 100 times its spread. Its gradient is tf.nn.moments', 2 (x - mean) / N.
    """
    import tensorflow as tf
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return tf.nn.moments(x, axes)
    count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), axes)) * context.num_replicas_in_sync, x.dtype)
    local = tf.concat([tf.reduce_sum(x, axes), tf.reduce_sum(tf.square(x), axes)], 0)  # [2C]: sum, sum of squares
    mean, mean_of_squares = tf.split(all_replicas_sum(local) / count, 2)  # one all-reduce: [C], [C]
    return mean, tf.maximum(mean_of_squares - tf.square(mean), 0.0)  # variance = E[x^2] - E[x]^2


def all_replicas_sum(x):
    """x added over all replicas (every replica gets the sum), differentiable: the gradient of a
    sum over replicas is the sum of the replicas' gradients.

    Why not tf.distribute.get_replica_context().all_reduce, which does this: in graph mode its
    gradient wrapper (tf.custom_gradient) walks from the sum back through the other replicas'
    inputs, meets their copies of the variables (e.g. w/replica_1), which are in no collection,
    and fails ("Unsuccessful at finding variable w/replica_1"). Here the inputs are cut from
    the gradient (stop_gradient) inside the sum, and the gradient is given explicitly."""
    import tensorflow as tf

    @tf.custom_gradient
    def summed(value):
        return sum_without_gradient(value), sum_without_gradient
    return summed(x)


def sum_without_gradient(x):
    """x added over all replicas: one machine, copies to the first device, an add and copies back
    (ReductionToOneDevice); several machines, the strategy's RING all-reduce (see the top)."""
    import tensorflow as tf

    def reduce(strategy, value):
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            return strategy.extended.reduce_to(tf.distribute.ReduceOp.SUM, value, destinations=value)
        return tf.distribute.ReductionToOneDevice().reduce(tf.distribute.ReduceOp.SUM, value, destinations=value)
    return tf.distribute.get_replica_context().merge_call(reduce, args=(tf.stop_gradient(x),))


# ----------------------------------------------------------------------------- several machines

def lost_worker_errors():
    """The errors a step raises when another machine stopped: no answer within --worker_timeout
    (DeadlineExceeded), its connection refused or lost (Unavailable), the exchange cancelled."""
    import tensorflow as tf
    return (tf.errors.DeadlineExceededError, tf.errors.UnavailableError, tf.errors.AbortedError,
            tf.errors.CancelledError, tf.errors.InternalError)



def fingerprint_line(sess, step):
    """Several machines: a digest of the trained weights, printed by every machine at every
    checkpoint; the same digest on every machine shows that they hold the same weights."""
    import hashlib
    import tensorflow as tf
    variables = sorted(tf.compat.v1.trainable_variables(), key=lambda v: v.op.name)
    digest = hashlib.sha1()
    for variable, value in zip(variables, sess.run(variables)):
        digest.update(variable.op.name.encode() + value.tobytes())
    return f" [*] weights fingerprint at iteration {step} (the same on every machine): {digest.hexdigest()[:16]}"
