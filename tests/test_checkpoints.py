"""checkpoints.py: saves that leave the old or the new state, never a half one (Ctrl-C pressed
in them too); TensorFlow's own `checkpoint` list, which its readers and load follow; damaged files;
the run lock; and training.py's loss-log rewind (config.json: tests/test_runs.py)."""
import errno
import os
import shutil
import signal

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


def test_a_newest_checkpoint_without_its_weights_file_is_damaged_not_other_settings(tiny, capsys):
    """Its index names every variable (shape_problem passes) but the .data file is gone: TensorFlow's
    NotFoundError then means a damaged checkpoint, and the one before it loads."""
    save(tiny, 1)
    save(tiny, 2)
    sess, v, saver, folder = tiny
    os.remove(os.path.join(folder, "M.model-2.data-00000-of-00001"))
    assert checkpoints.load(sess, saver, folder, "M") == (True, 1)
    assert sess.run(v)[0] == 1.0
    out = capsys.readouterr().out
    assert "M.model-2 is damaged (NotFoundError" in out and "other settings" not in out


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



# ----------------------------------------------------------------------------- TensorFlow's own list

def test_tensorflows_own_readers_find_the_newest_checkpoint_from_any_folder(tmp_path, monkeypatch):
    """The `checkpoint` file names the checkpoints by their names in the folder: saved through a
    relative folder (as checkpoint/mnist_28_28 is), it used to say ../../M.model-2."""
    monkeypatch.chdir(tmp_path)
    with tf.Graph().as_default(), tf1.Session() as sess:
        tf1.get_variable("v", [3], initializer=tf1.zeros_initializer())
        sess.run(tf1.global_variables_initializer())
        saver = tf1.train.Saver()
        for step in (1, 2, 3):
            checkpoints.save(sess, saver, os.path.join("checkpoint", "run"), "M", step, {"model": "M"}, 2)
    for folder in (os.path.join("checkpoint", "run"), str(tmp_path / "checkpoint" / "run")):
        assert tf1.train.latest_checkpoint(folder) == os.path.join(folder, "M.model-3")
        state = tf1.train.get_checkpoint_state(folder)
        assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == ["M.model-2", "M.model-3"]
        assert all(os.path.exists(p + ".index") for p in state.all_model_checkpoint_paths)
    assert 'model_checkpoint_path: "M.model-3"' in open(tmp_path / "checkpoint" / "run" / "checkpoint").read()


def test_load_takes_the_checkpoint_the_list_names_first(tiny):
    """As the handout's load: tf.train.get_checkpoint_state's choice first (here an older one,
    named by hand), the others after it; a list of random bytes is no list."""
    save(tiny, 1)
    save(tiny, 2)
    sess, v, saver, folder = tiny
    tf1.train.update_checkpoint_state(folder, "M.model-1", all_model_checkpoint_paths=["M.model-1"])
    assert checkpoints.load(sess, saver, folder, "M") == (True, 1) and sess.run(v)[0] == 1.0
    with open(os.path.join(folder, "checkpoint"), "wb") as f:
        f.write(np.random.RandomState(0).bytes(300))
    assert checkpoints.load(sess, saver, folder, "M") == (True, 2)


def test_an_index_of_random_bytes_is_damaged_and_the_one_before_loads(tiny, capsys):
    save(tiny, 1)
    save(tiny, 2)
    sess, v, saver, folder = tiny
    with open(os.path.join(folder, "M.model-2.index"), "wb") as f:
        f.write(np.random.RandomState(0).bytes(3000))
    assert checkpoints.load(sess, saver, folder, "M") == (True, 1)
    assert "M.model-2 is damaged" in capsys.readouterr().out


def test_a_full_disk_in_tensorflows_words_is_one_line(tiny, monkeypatch):
    """TensorFlow's errors carry the graph's "defined at" trace: the message keeps its first line."""
    save(tiny, 1)
    sess, v, saver, folder = tiny

    def full(*args, **kwargs):
        raise tf.errors.ResourceExhaustedError(None, None, "No space left on device\n\tdefined at (most recent "
                                               "call last):\n  File \"main.py\", line 1, in <module>\n" * 8)
    monkeypatch.setattr(saver, "save", full)
    with pytest.raises(LabError) as error:
        save(tiny, 2)
    assert "(No space left on device)" in str(error.value) and "\n" not in str(error.value)
    assert checkpoints.checkpoint_steps(folder, "M") == [1]


def test_ctrl_c_pressed_during_a_save_leaves_nothing_half_written(tiny, monkeypatch):
    """Ctrl-C (again and again) while a save is cleaning up: the clean-up ends, then the Ctrl-C
    acts; no .saving-* folder is left, as the message that follows promises."""
    save(tiny, 1)
    sess, v, saver, folder = tiny
    real_rmtree = shutil.rmtree

    def interrupted_save(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C in the long write

    def rmtree_under_fire(path, **kwargs):
        for _ in range(3):
            signal.raise_signal(signal.SIGINT)  # more Ctrl-C while the temporary folder goes
        real_rmtree(path, **kwargs)
    monkeypatch.setattr(saver, "save", interrupted_save)
    monkeypatch.setattr(checkpoints.shutil, "rmtree", rmtree_under_fire)
    with pytest.raises(KeyboardInterrupt):
        save(tiny, 2)
    assert sorted(os.listdir(folder)) == ["M.model-1.data-00000-of-00001", "M.model-1.index",
                                          "checkpoint", "config.json"]
