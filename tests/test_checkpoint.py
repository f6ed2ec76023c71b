"""checkpoint.py: a save never destroys a file, never leaves half a file, and a bad file is one line."""
import argparse
import os
import signal

import numpy as np
import pytest

import checkpoint
from checkpoint import UsageError, check_can_save, interrupt_on_signals, load_arrays, save_arrays

PROGRAM = "Trainer.py"


def arrays():
    return {"W": np.arange(6.0).reshape(2, 3), "names": np.array("adagrad"), "step": np.array(7)}


def leftovers(folder):
    return [name for name in os.listdir(folder) if ".tmp" in name]


def test_round_trip_keeps_every_array_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.npz"
    save_arrays(str(path), PROGRAM, arrays())
    loaded = load_arrays(str(path), PROGRAM)
    assert set(loaded) == set(arrays())
    for key, value in arrays().items():
        assert np.array_equal(loaded[key], value) and loaded[key].dtype == value.dtype
    assert leftovers(tmp_path) == []
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask      # a normal file, not mkstemp's private 0600


def test_the_stamp_names_the_program(tmp_path):
    path = str(tmp_path / "model.npz")
    save_arrays(path, "Other.py", arrays())
    with pytest.raises(UsageError, match="not a checkpoint of Trainer.py .written by Other.py"):
        load_arrays(path, PROGRAM)
    np.savez(path, **arrays())                                   # a plain .npz: no stamp at all
    with pytest.raises(UsageError, match="no stamp"):
        load_arrays(path, PROGRAM)
    with pytest.raises(ValueError, match="reserved"):
        save_arrays(path, PROGRAM, {checkpoint.STAMP: np.array("me")})


def test_bad_files_are_one_line_errors(tmp_path):
    with pytest.raises(UsageError, match="no checkpoint at"):
        load_arrays(str(tmp_path / "missing.npz"), PROGRAM)
    with pytest.raises(UsageError, match="is a folder"):
        load_arrays(str(tmp_path), PROGRAM)
    np.save(tmp_path / "lone.npy", np.zeros(3))
    with pytest.raises(UsageError, match=r"single array \(.npy\)"):
        load_arrays(str(tmp_path / "lone.npy"), PROGRAM)
    (tmp_path / "text.txt").write_text("hello, I am a book\n")
    with pytest.raises(UsageError, match="not a readable checkpoint"):
        load_arrays(str(tmp_path / "text.txt"), PROGRAM)
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(UsageError):
        load_arrays(str(tmp_path / "empty.npz"), PROGRAM)


def test_every_truncation_and_every_bit_flip_is_refused_or_read_never_a_traceback(tmp_path):
    good = tmp_path / "good.npz"
    save_arrays(str(good), PROGRAM, {"W": np.arange(4.0)})
    data = good.read_bytes()
    damaged = tmp_path / "damaged.npz"
    refused = 0
    for length in range(len(data)):                              # every truncation
        damaged.write_bytes(data[:length])
        with pytest.raises(UsageError):
            load_arrays(str(damaged), PROGRAM)
    for position in range(len(data)):                            # one bit flipped, at every byte
        flipped = bytearray(data)
        flipped[position] ^= 0x10
        damaged.write_bytes(bytes(flipped))
        try:
            loaded = load_arrays(str(damaged), PROGRAM)
        except UsageError:
            refused += 1
            continue
        # the few bytes a reader ignores (timestamps, version fields) may flip harmlessly, and
        # a flip in an array's name reads as another name: the caller's content checks refuse it
        assert set(loaded) == {"W"} and np.array_equal(loaded["W"], np.arange(4.0)) or "W" not in loaded
    # the data (checksummed) and the headers: most flips are caught
    assert refused > len(data) // 2


def test_check_can_save_refuses_paths_that_cannot_be_written(tmp_path):
    with pytest.raises(UsageError, match="empty"):
        check_can_save("", PROGRAM)
    with pytest.raises(UsageError, match="is a folder"):
        check_can_save(str(tmp_path), PROGRAM)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    with pytest.raises(UsageError, match="notes.txt is a file, not a folder"):
        check_can_save(str(a_file / "model.npz"), PROGRAM)
    with pytest.raises(UsageError, match="notes.txt is a file, not a folder"):
        check_can_save(str(a_file / "deeper" / "model.npz"), PROGRAM)
    check_can_save(str(tmp_path / "new" / "folder" / "model.npz"), PROGRAM)   # a missing folder is made
    assert (tmp_path / "new" / "folder").is_dir() and leftovers(tmp_path / "new" / "folder") == []


def test_check_can_save_never_allows_replacing_a_file_it_did_not_write(tmp_path):
    mine = tmp_path / "book.txt"
    mine.write_text("a whole novel")
    for resume in (False, True):
        for overwrite in (False, True):
            with pytest.raises(UsageError, match="refusing to overwrite .*not a checkpoint of Trainer.py"):
                check_can_save(str(mine), PROGRAM, resume=resume, overwrite=overwrite)
    assert mine.read_text() == "a whole novel"
    theirs = tmp_path / "theirs.npz"
    save_arrays(str(theirs), "Other.py", arrays())
    with pytest.raises(UsageError, match="not a checkpoint of Trainer.py"):
        check_can_save(str(theirs), PROGRAM, overwrite=True)


def test_an_existing_checkpoint_is_replaced_only_on_request(tmp_path):
    path = str(tmp_path / "model.npz")
    save_arrays(path, PROGRAM, arrays())
    with pytest.raises(UsageError, match="--resume.*--overwrite"):
        check_can_save(path, PROGRAM)
    check_can_save(path, PROGRAM, resume=True)
    check_can_save(path, PROGRAM, overwrite=True)


def test_a_failed_save_keeps_the_previous_checkpoint_and_no_temporary_file(tmp_path, monkeypatch):
    path = str(tmp_path / "model.npz")
    save_arrays(path, PROGRAM, arrays())
    before = open(path, "rb").read()

    def full_disk(file, *args, **kwargs):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(checkpoint.np, "savez", full_disk)
    with pytest.raises(OSError, match="No space left"):
        save_arrays(path, PROGRAM, {"W": np.zeros(3)})

    def ctrl_c(file, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(checkpoint.np, "savez", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        save_arrays(path, PROGRAM, {"W": np.zeros(3)})
    assert open(path, "rb").read() == before
    assert leftovers(tmp_path) == []


def test_temporary_files_are_unique_synced_then_renamed(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(checkpoint.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(checkpoint.os, "replace",
                        lambda source, target: (events.append(("replace", source)), real_replace(source, target))[1])
    path = str(tmp_path / "model.npz")
    save_arrays(path, PROGRAM, arrays())
    save_arrays(path, PROGRAM, arrays())
    renames = [event[1] for event in events if isinstance(event, tuple)]
    assert events[0] == "fsync" and events[1][0] == "replace"    # the data is on the disk before the rename
    assert len(set(renames)) == 2                                # two writers never share a temporary name
    assert all(os.path.dirname(name) == str(tmp_path) for name in renames)   # same folder: an atomic rename


def test_objects_are_not_saved(tmp_path):
    with pytest.raises(TypeError, match="plain arrays"):
        save_arrays(str(tmp_path / "m.npz"), PROGRAM, {"x": np.array([{}], dtype=object)})
    assert leftovers(tmp_path) == [] and not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_raise_keyboard_interrupt_inside_the_block_only(name):
    signum = getattr(signal, name, None)
    if signum is None:
        pytest.skip(f"no {name} here")
    before = signal.getsignal(signum)
    with pytest.raises(KeyboardInterrupt):
        with interrupt_on_signals():
            os.kill(os.getpid(), signum)
            for _ in range(1000):             # the handler runs between bytecodes
                pass
    assert signal.getsignal(signum) is before


@pytest.mark.parametrize("kind, text, message", [
    (int, "0", "positive"), (int, "-4", "positive"), (int, "ten", "whole number"),
    (float, "inf", "finite"), (float, "nan", "finite"), (float, "-inf", "finite"), (float, "0", "positive"),
])
def test_positive_refuses(kind, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        checkpoint.positive(kind)(text)


def test_number_types_accept_and_bound():
    assert checkpoint.positive(int)("3") == 3 and checkpoint.positive(float)("1e-3") == 1e-3
    assert checkpoint.non_negative(int)("0") == 0
    with pytest.raises(argparse.ArgumentTypeError, match="0 or more"):
        checkpoint.non_negative(int)("-1")
    with pytest.raises(argparse.ArgumentTypeError, match="at most 10"):
        checkpoint.positive(int, high=10)("11")
    with pytest.raises(argparse.ArgumentTypeError, match="at least 0.001"):
        checkpoint.number(float, low=1e-3, allow_low=True)("1e-4")


@pytest.mark.parametrize("command", [
    ["TruncatedBPTT.py", "--seed", "-1"], ["VanishingGradient.py", "--seed", "-1"], ["KindsOfRNN.py", "--seed", "-1"],
    ["ManyToMany.py", "--seed", "-1"], ["ManyToOne.py", "--seed", "-1"], ["OneToMany.py", "--seed", "-1"],
])
def test_every_program_refuses_a_bad_number_in_one_line(command):
    import subprocess
    import sys
    from conftest import ROOT
    result = subprocess.run([sys.executable, os.path.join(ROOT, command[0]), *command[1:]], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith(f"got {command[-1]}"), result.stderr
