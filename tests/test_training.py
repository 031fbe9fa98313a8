"""training.py: which images each epoch sees, the loss log a resume rewinds, seeds that stay in
range, and the ways a run stops (StopOnSignal, RunLog's checks)."""
import types

import numpy as np
import pytest

import runs
import tfstart
import training
from errors import LabError


def test_resume_rewinds_the_loss_log_to_the_checkpoint(tmp_path):
    path = tmp_path / "losses.csv"
    rows = ["step,epoch,d_loss,g_loss,seconds"] + [f"{i},0,1.0,1.0,{i}.0" for i in range(1, 8)]
    path.write_text("\n".join(rows) + "\n")
    training.rewind_loss_log(str(path), 5)
    assert training.read_loss_log(str(path))["step"].tolist() == [1, 2, 3, 4, 5]


def test_train_size_is_one_fixed_subset_visited_in_a_new_order_each_epoch():
    config = training.TrainConfig(train_size=10, seed=3, reshuffle=True)
    first, second = training.epoch_order(100, 0, config), training.epoch_order(100, 1, config)
    assert sorted(first) == sorted(second) and len(first) == 10 and list(first) != list(second)
    handout = training.TrainConfig(train_size=10, reshuffle=False)
    assert training.epoch_order(100, 4, handout).tolist() == list(range(10))


def test_a_loss_log_with_lines_that_are_not_numbers_loses_those_lines_only(tmp_path):
    """A byte that is not UTF-8, a row of words, a row cut short by a killed run: a resume rewinds
    the log to its good rows and goes on; the comparison draws the good rows and says how many
    lines it left out."""
    path = tmp_path / "losses.csv"
    path.write_bytes(b"step,epoch,d_loss,g_loss,seconds\n1,0,1.0,1.0,1.0\n2,0,\xff\xfe,1.0,2.0\n"
                     b"3,0,one,two,3.0\n4,0,1.5,0.5,4.0\n5,0,nan,1.0,5.0\n6,0,1.2\n")
    log = training.read_loss_log(str(path))
    assert log["step"].tolist() == [1, 4] and log["d_loss"].tolist() == [1.0, 1.5] and log["skipped"] == 4
    training.rewind_loss_log(str(path), 5)
    assert path.read_text() == "step,epoch,d_loss,g_loss,seconds\n1,0,1.000000,1.000000,1.000\n" \
                               "4,0,1.500000,0.500000,4.000\n"
    path.write_bytes(b"\x00\x01 not a log at all")
    assert training.read_loss_log(str(path))["step"].tolist() == []
    training.rewind_loss_log(str(path), 5)
    assert path.read_text() == "step,epoch,d_loss,g_loss,seconds\n"


def test_a_loss_log_with_a_field_longer_than_csvs_limit_loses_that_line_only(tmp_path):
    path = tmp_path / "losses.csv"
    path.write_text("step,epoch,d_loss,g_loss,seconds\n1,0,1.0,1.0,1.0\n2,0," + "9" * (5 << 20) + ",1.0,2.0\n"
                    '3,0,"1.5",0.5,3.0\n4,0,1.5,0.5,4.0\n')
    log = training.read_loss_log(str(path))
    assert log["step"].tolist() == [1, 4] and log["skipped"] == 2  # the 5 MB number is infinite; a quote is no log's


def test_a_loss_log_that_is_a_folder_is_one_line_on_resume(tmp_path):
    (tmp_path / "losses.csv").mkdir()
    with pytest.raises(LabError, match=r"losses.csv is not a file \(a folder\?\): move or delete it"):
        training.rewind_loss_log(str(tmp_path / "losses.csv"), 5)


def test_seeds_made_from_the_seed_stay_in_numpys_range():
    """--seed 2**31 - 1 at iteration 2**31 (or an epoch's order) must still be a valid seed."""
    top = 2 ** 31 - 1
    assert training.derived_seed(top, 2 ** 31 + 5) == (top + 2 ** 31 + 5) % 2 ** 32 < 2 ** 32
    np.random.RandomState(training.derived_seed(top, 2 ** 31 + 5))  # accepted
    config = training.TrainConfig(seed=top, reshuffle=True, train_size=10)
    late, first = training.epoch_order(20, 10 ** 6, config), training.epoch_order(20, 0, config)
    assert sorted(late.tolist()) == sorted(first.tolist())


def model_in(graph, images_per_iteration=64):
    """What RunLog asks of the model it logs: its graph, images per iteration, where it runs."""
    return types.SimpleNamespace(sess=types.SimpleNamespace(graph=graph), images_per_iteration=images_per_iteration,
                                 replicas=tfstart.OneDevice())


def test_losses_that_are_not_numbers_stop_the_run(tmp_path):
    config = training.TrainConfig(epoch=1, folders=runs.folders("run", str(tmp_path / "c"), str(tmp_path / "s"),
                                                                str(tmp_path)))
    import tensorflow as tf
    with tf.Graph().as_default() as graph:
        log = training.RunLog(model_in(graph), config, 0, 10)
        log.iteration(1, 0, 0, 1.3, 0.7)
        with pytest.raises(training.Diverged, match="training diverged at iteration 2: g_loss is inf"):
            log.iteration(2, 0, 1, 1.3, float("inf"))
        log.close(2, stopped())


def test_the_first_eta_leaves_out_the_set_up_of_the_first_iteration(tmp_path, monkeypatch):
    """The first iteration includes TensorFlow's set-up (seconds): an ETA from it read 27 hours
    for a 5-hour run. The ETA and the cost line come from the iterations after it."""
    import tensorflow as tf
    clock = [100.0]
    monkeypatch.setattr(training.time, "time", lambda: clock[0])
    config = training.TrainConfig(epoch=25, folders=runs.folders("run", logs_dir=str(tmp_path)), dataset="mnist")
    with tf.Graph().as_default() as graph:
        log = training.RunLog(model_in(graph), config, 0, 1093)
        clock[0] += 30.0  # the first iteration: 30 s of set-up
        log.iteration(1, 0, 0, 1.3, 0.7)
        assert log.eta(1) == "?"
        for counter in range(2, 13):
            clock[0] += 0.4
            log.iteration(counter, 0, counter - 1, 1.3, 0.7)
        assert abs(log.seconds_per_iteration(12) - 0.4) < 1e-6
        line = log.cost_line(12)
        assert "0.40 s per iteration (160 images/s)" in line and "--epoch 1 takes about 0:07:17" in line
        assert "recognisable digits of every class" in line
        log.close(12, stopped())


def stopped():
    """A StopOnSignal as a loop leaves it when nothing stopped the run."""
    with training.StopOnSignal() as stop:
        pass
    return stop
