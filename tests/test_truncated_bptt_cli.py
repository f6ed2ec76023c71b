"""TruncatedBPTT.py as a user runs it: options, bad input, checkpoints, resume, Ctrl-C."""
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import ROOT

SCRIPT = os.path.join(ROOT, "TruncatedBPTT.py")
TINY = ["--hidden", "8", "--seq-length", "5", "--batch", "2"]
TEXT = "the cat sat on the mat. the dog sat on the log. " * 4


def run(*args, cwd=None):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd or ROOT)


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def assert_clean_error(result, *fragments):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_a_short_run_ends_with_the_final_loss_and_a_checkpoint(tmp_path, text_file):
    checkpoint = tmp_path / "model.npz"
    result = run("--text", str(text_file), *TINY, "--iterations", "3", "--checkpoint", str(checkpoint))
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"final loss per character: \d+\.\d+", last), last
    with np.load(checkpoint) as data:                     # allow_pickle=False is np.load's default
        assert int(data["iteration"]) == 3 and int(data["hidden"]) == 8
        assert "".join(chr(c) for c in data["vocabulary"]) == "".join(sorted(set(TEXT)))
        assert data["param_Waa"].shape == (8, 8) and data["optimizer_Waa"].shape == (8, 8)
    assert not list(tmp_path.glob("*.tmp*"))             # the temporary file was renamed away
    assert "iteration 3/3" in result.stderr              # progress goes to stderr


def test_resume_counts_iterations_in_total(tmp_path, text_file):
    checkpoint = str(tmp_path / "model.npz")
    assert run("--text", str(text_file), *TINY, "--iterations", "3", "--checkpoint", checkpoint).returncode == 0
    with np.load(checkpoint) as data:
        first_Waa = data["param_Waa"]
        first_smooth = float(data["smooth_loss"])
    result = run("--text", str(text_file), "--resume", "--iterations", "5", "--checkpoint", checkpoint,
                 "--seq-length", "5", "--batch", "2")
    assert result.returncode == 0, result.stderr
    # the smoothed loss carries on from where it stopped, not from ln V again
    assert f"resumed from {checkpoint} at iteration 3 (smoothed loss per character {first_smooth:.3f})" \
        in result.stdout
    with np.load(checkpoint) as data:
        assert int(data["iteration"]) == 5 and int(data["hidden"]) == 8     # hidden size from the checkpoint
        assert not np.array_equal(data["param_Waa"], first_Waa)
    # already there: no training, the same model, and still the final line
    again = run("--text", str(text_file), "--resume", "--iterations", "5", "--checkpoint", checkpoint,
                "--seq-length", "5", "--batch", "2")
    assert again.returncode == 0, again.stderr
    assert "sample at iteration" not in again.stdout
    assert again.stdout.strip().splitlines()[-1] == result.stdout.strip().splitlines()[-1]


def test_resume_refuses_a_different_hidden_size_or_new_characters(tmp_path, text_file):
    checkpoint = str(tmp_path / "model.npz")
    assert run("--text", str(text_file), *TINY, "--iterations", "1", "--checkpoint", checkpoint).returncode == 0
    result = run("--text", str(text_file), "--resume", "--hidden", "16", "--checkpoint", checkpoint)
    assert_clean_error(result, "--hidden 16", "hidden size 8")
    other = tmp_path / "other.txt"
    other.write_text(TEXT + "XYZ!", encoding="utf-8")
    result = run("--text", str(other), "--resume", "--checkpoint", checkpoint, "--seq-length", "5", "--batch", "2")
    assert_clean_error(result, "'X'", "'Y'", "'Z'", "'!'")


@pytest.mark.parametrize("option, value", [("--hidden", "0"), ("--seq-length", "-3"), ("--batch", "0"),
                                           ("--lr", "0"), ("--temperature", "-1"), ("--iterations", "-1"),
                                           ("--hidden", "ten")])
def test_bad_numbers(option, value, text_file):
    result = run("--text", str(text_file), option, value)
    assert_clean_error(result, option)


def test_bad_files(tmp_path):
    assert_clean_error(run("--text", str(tmp_path / "missing.txt")), "no such file")
    assert_clean_error(run("--text", str(tmp_path)), "cannot read")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert_clean_error(run("--text", str(empty)), "is empty")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café au lait".encode("latin-1"))
    assert_clean_error(run("--text", str(latin1)), "not UTF-8")
    short = tmp_path / "short.txt"
    short.write_text("hello world", encoding="utf-8")
    assert_clean_error(run("--text", str(short), "--batch", "2", "--seq-length", "25"), "need at least 51")


def test_resume_without_a_checkpoint(tmp_path, text_file):
    assert_clean_error(run("--text", str(text_file), "--resume", "--checkpoint", str(tmp_path / "none.npz")),
                       "no checkpoint at")


def test_zero_iterations_only_evaluates(tmp_path, text_file):
    result = run("--text", str(text_file), *TINY, "--iterations", "0", "--checkpoint", str(tmp_path / "m.npz"))
    assert result.returncode == 0, result.stderr
    loss = float(result.stdout.strip().splitlines()[-1].split(":")[1])
    vocabulary = len(set(TEXT))
    assert abs(loss - np.log(vocabulary)) < 0.05       # untrained, small weights: close to a uniform guess


def test_ctrl_c_saves_and_exits_130(tmp_path, text_file):
    checkpoint = tmp_path / "model.npz"
    process = subprocess.Popen([sys.executable, SCRIPT, "--text", str(text_file), *TINY,
                                "--iterations", "100000000", "--checkpoint", str(checkpoint)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"})
    # wait until it is training (the header is printed before the first iteration)
    assert process.stdout.readline().startswith("text:")
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert str(checkpoint) in stderr and "--resume" in stderr
    with np.load(checkpoint) as data:
        assert int(data["iteration"]) > 0


def test_adam_is_saved_and_a_resume_keeps_it(tmp_path, text_file):
    checkpoint = str(tmp_path / "model.npz")
    result = run("--text", str(text_file), *TINY, "--optimizer", "adam", "--iterations", "3",
                 "--checkpoint", checkpoint)
    assert result.returncode == 0, result.stderr
    with np.load(checkpoint) as data:
        assert str(data["optimizer"]) == "adam" and int(data["optimizer_step"]) == 3
        assert data["optimizer_m_Waa"].shape == data["optimizer_v_Waa"].shape == (8, 8)
    # no --optimizer on resume: the checkpoint's optimizer carries on, with its moments and step count
    result = run("--text", str(text_file), "--resume", "--iterations", "5", "--checkpoint", checkpoint,
                 "--seq-length", "5", "--batch", "2")
    assert result.returncode == 0, result.stderr
    assert "note:" not in result.stderr
    with np.load(checkpoint) as data:
        assert str(data["optimizer"]) == "adam" and int(data["optimizer_step"]) == 5
