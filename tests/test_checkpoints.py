"""checkpoints.py: saves that leave the old or the new state, never a half one; damaged files;
the run lock; and training.py's loss-log rewind (config.json: tests/test_runs.py)."""
import errno
import os

import numpy as np
import pytest
import tensorflow as tf

import checkpoints
from errors import LabError

tf1 = tf.compat.v1


@pytest.fixture
def tiny(tmp_path):
    """One variable, a Saver and a session: enough to exercise every save and load path."""
    with tf.Graph().as_default(), tf1.Session() as sess:
        v = tf1.get_variable("v", [1000], initializer=tf1.zeros_initializer())
        sess.run(tf1.global_variables_initializer())
        yield sess, v, tf1.train.Saver(), str(tmp_path / "run")


def save(tiny, step, keep=3):
    sess, v, saver, folder = tiny
    sess.run(v.assign(np.full(1000, float(step), np.float32)))
    checkpoints.save(sess, saver, folder, "M", step, {"model": "M"}, keep)


def test_only_the_newest_max_to_keep_checkpoints_stay(tiny):
    for step in range(1, 6):
        save(tiny, step)
    folder = tiny[3]
    assert checkpoints.checkpoint_steps(folder, "M") == [3, 4, 5]
    assert not [f for f in os.listdir(folder) if f.startswith(checkpoints.TEMP_PREFIX)]
    assert tf1.train.latest_checkpoint(folder).endswith("M.model-5")


def test_a_full_disk_leaves_the_previous_checkpoint(tiny, monkeypatch):
    save(tiny, 1)
    sess, v, saver, folder = tiny

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(saver, "save", full)
    with pytest.raises(LabError, match="No space left on device.*previous checkpoint is intact"):
        save(tiny, 2)
    assert checkpoints.checkpoint_steps(folder, "M") == [1]
    assert sorted(os.listdir(folder)) == ["M.model-1.data-00000-of-00001", "M.model-1.index",
                                          "checkpoint", "config.json"]


def test_a_truncated_newest_checkpoint_falls_back_to_the_one_before(tiny, capsys):
    save(tiny, 1)
    save(tiny, 2)
    sess, v, saver, folder = tiny
    data = os.path.join(folder, "M.model-2.data-00000-of-00001")
    with open(data, "r+b") as f:
        f.truncate(100)
    assert checkpoints.load(sess, saver, folder, "M") == (True, 1)
    assert sess.run(v)[0] == 1.0
    assert "M.model-2 is damaged" in capsys.readouterr().out


def test_leftovers_of_a_killed_save_are_cleaned(tiny):
    save(tiny, 1)
    folder = tiny[3]
    os.makedirs(os.path.join(folder, checkpoints.TEMP_PREFIX + "7"))
    open(os.path.join(folder, "M.model-7.data-00000-of-00001.tempstate123"), "w").close()
    checkpoints.clean_temporary_files(folder)
    assert sorted(os.listdir(folder)) == ["M.model-1.data-00000-of-00001", "M.model-1.index",
                                          "checkpoint", "config.json"]


def test_a_second_lock_on_the_same_folder_is_refused(tmp_path):
    with checkpoints.RunLock(str(tmp_path)):
        with pytest.raises(LabError, match=f"another training run \\(pid {os.getpid()} on .*\\) is writing"):
            checkpoints.RunLock(str(tmp_path)).__enter__()
    with checkpoints.RunLock(str(tmp_path)):  # released: free again
        pass

