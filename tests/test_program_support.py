"""program_support.py: the plumbing every program shares, tested on its own."""
import os
import signal

import numpy as np
import pytest

import checkpoint
from checkpoint import UsageError
from program_support import SavePoints, StatusLine, Stopped, exit_status, one_hot, run_program

PROGRAM = "Test.py"


def test_one_hot_puts_a_one_in_the_row_of_each_index():
    indices = np.array([[2, 0, 1], [1, 1, 0]])
    x = one_hot(indices, 4, np.float32)
    assert x.shape == (4, 2, 3) and x.dtype == np.float32
    for i in range(2):
        for t in range(3):
            expected = np.zeros(4)
            expected[indices[i, t]] = 1
            np.testing.assert_array_equal(x[:, i, t], expected)


@pytest.mark.parametrize("stop, status", [(KeyboardInterrupt(), 130), (KeyboardInterrupt("SIGTERM"), 143),
                                          (KeyboardInterrupt("SIGHUP"), 129)])
def test_exit_status_is_what_a_shell_shows(stop, status):
    if str(stop) == "SIGHUP" and not hasattr(signal, "SIGHUP"):
        pytest.skip("no SIGHUP here")
    assert exit_status(stop) == status


def save_points_of(path, state):
    return SavePoints(str(path), PROGRAM, arrays=lambda: {"step": np.array(state["step"])},
                      where=lambda: f"step {state['step']}" if state["step"] else None,
                      resume="python Test.py --resume")


def test_a_save_is_made_once_per_position_and_a_failed_one_is_said_and_retried(tmp_path, monkeypatch, capsys):
    path, state = tmp_path / "model.npz", {"step": 1}
    save_points = save_points_of(path, state)
    assert save_points.save() and save_points.saved == "step 1"
    before = path.read_bytes()
    assert save_points.save() and path.read_bytes() == before          # the same position: nothing written
    state["step"] = 2

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(checkpoint.np, "savez", full_disk)
    assert not save_points.save()
    err = capsys.readouterr().err
    assert "could not save the checkpoint" in err and "at step 2" in err and "No space left on device" in err
    assert path.read_bytes() == before and save_points.saved == "step 1"
    monkeypatch.undo()
    assert save_points.save() and save_points.saved == "step 2"
    assert int(checkpoint.load_arrays(str(path), PROGRAM)["step"]) == 2


def test_sigterm_in_the_block_saves_says_how_to_resume_and_stops_with_143(tmp_path, capsys):
    path, state = tmp_path / "model.npz", {"step": 0}
    save_points = save_points_of(path, state)
    handler = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Stopped) as stopped:
        with save_points.on_stop(StatusLine(enabled=False)):
            state["step"] = 7
            os.kill(os.getpid(), signal.SIGTERM)       # handled at once, in this (the main) thread
            raise AssertionError("the signal did not stop the block")
    assert stopped.value.status == 128 + signal.SIGTERM
    err = capsys.readouterr().err
    assert "stopped by SIGTERM at step 7" in err and "resume with: python Test.py --resume" in err
    assert int(checkpoint.load_arrays(str(path), PROGRAM)["step"]) == 7
    assert signal.getsignal(signal.SIGTERM) == handler                   # the handler is put back


def test_a_stop_before_anything_was_done_saves_nothing(tmp_path, capsys):
    path = tmp_path / "model.npz"
    with pytest.raises(Stopped) as stopped:
        with save_points_of(path, {"step": 0}).on_stop(StatusLine(enabled=False)):
            raise KeyboardInterrupt                     # Ctrl-C
    assert stopped.value.status == 130
    assert "nothing new to save" in capsys.readouterr().err and not path.exists()


@pytest.mark.parametrize("raised, status, message", [
    (UsageError("the text is empty"), 2, "Test.py: error: the text is empty\n"),
    (MemoryError(), 1, "Test.py: error: out of memory: try less\n"),
    (Stopped(143), 143, ""),
    (KeyboardInterrupt(), 130, "\ninterrupted\n"),
])
def test_run_program_turns_every_ending_into_one_line_and_an_exit_status(raised, status, message, capsys):
    def body(args):
        raise raised
    assert run_program(PROGRAM, body, None, out_of_memory="try less") == status
    assert capsys.readouterr().err == message
    assert run_program(PROGRAM, lambda args: args, 0) == 0
