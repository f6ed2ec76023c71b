"""TruncatedBPTT.py as a user runs it: options, bad input, checkpoints, resume, Ctrl-C."""
import os
import re
import signal
import subprocess
import sys

import numpy as np
import pytest

import checkpoint
from conftest import ROOT

SCRIPT = os.path.join(ROOT, "TruncatedBPTT.py")
TINY = ["--hidden", "8", "--seq-length", "5", "--batch", "2"]
TEXT = "the cat sat on the mat. the dog sat on the log. " * 4


def run(*args, cwd=None):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd or ROOT)


def training_process(text_file, checkpoint, **popen):
    """TruncatedBPTT.py, training for ever, returned once its progress line shows an iteration done.

    Its stderr is a pseudo-terminal, so the progress line shows each iteration's
    number as a user sees it; waiting for that line, not for a timer, makes a
    test of stopping independent of the machine's speed. Returns (process,
    the terminal's end to read, what it showed so far).
    """
    if os.name != "posix":
        pytest.skip("needs a pseudo-terminal (POSIX)")
    import pty
    terminal, its_stderr = pty.openpty()
    process = subprocess.Popen([sys.executable, SCRIPT, "--text", str(text_file), *TINY,
                                "--iterations", "100000000", "--checkpoint", str(checkpoint)],
                               stdout=subprocess.PIPE, stderr=its_stderr, text=True, cwd=ROOT, **popen)
    os.close(its_stderr)
    shown = b""
    while not re.search(rb"iteration [1-9]\d*/", shown):
        shown += os.read(terminal, 4096)
    return process, terminal, shown


def stopped(process, terminal, shown, signum):
    """Send `signum`, wait for the end; (stdout, all of stderr as text)."""
    process.send_signal(signum)
    while True:
        try:
            more = os.read(terminal, 4096)
        except OSError:                          # the program ended: its terminal is closed
            break
        if not more:
            break
        shown += more
    os.close(terminal)
    stdout, _ = process.communicate(timeout=60)
    return stdout, shown.decode("utf-8", "replace")


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
        assert data["param_Waa"].shape == (8, 8) and data["optimizer_sqrt_G_Waa"].shape == (8, 8)
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
    process, terminal, shown = training_process(
        text_file, checkpoint, env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
        # a terminal's Ctrl-C, even when pytest itself was started in the
        # background of a script (which makes children inherit SIGINT ignored)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    stdout, stderr = stopped(process, terminal, shown, signal.SIGINT)
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
        assert data["optimizer_m_Waa"].shape == data["optimizer_sqrt_v_Waa"].shape == (8, 8)
    # no --optimizer on resume: the checkpoint's optimizer carries on, with its moments and step count
    result = run("--text", str(text_file), "--resume", "--iterations", "5", "--checkpoint", checkpoint,
                 "--seq-length", "5", "--batch", "2")
    assert result.returncode == 0, result.stderr
    assert "note:" not in result.stderr
    with np.load(checkpoint) as data:
        assert str(data["optimizer"]) == "adam" and int(data["optimizer_step"]) == 5


# ---------------------------------------------------------------- it never destroys work (issue 17)

def train_once(tmp_path, text_file, *extra, iterations="3"):
    checkpoint = tmp_path / "model.npz"
    result = run("--text", str(text_file), *TINY, "--iterations", iterations, "--checkpoint", str(checkpoint),
                 *extra)
    assert result.returncode == 0, result.stderr
    return checkpoint


def leftovers(folder):
    return [name for name in os.listdir(folder) if ".tmp" in name]


def test_a_file_that_is_not_a_checkpoint_is_never_overwritten(tmp_path, text_file):
    for extra in ([], ["--overwrite"], ["--iterations", "0"]):
        result = run("--text", str(text_file), *TINY, "--iterations", "3", "--checkpoint", str(text_file), *extra)
        assert_clean_error(result, "refusing to overwrite", "not a checkpoint of TruncatedBPTT.py")
        assert text_file.read_text(encoding="utf-8") == TEXT
    result = run("--text", str(text_file), *TINY, "--resume", "--checkpoint", str(text_file))
    assert_clean_error(result, "not a readable checkpoint")
    assert text_file.read_text(encoding="utf-8") == TEXT


def test_an_existing_checkpoint_is_replaced_only_with_resume_or_overwrite(tmp_path, text_file):
    checkpoint = train_once(tmp_path, text_file)
    trained = checkpoint.read_bytes()
    for iterations in ("0", "3", "10"):           # --iterations 0 too: an untrained model must not replace it
        result = run("--text", str(text_file), *TINY, "--iterations", iterations, "--checkpoint", str(checkpoint))
        assert_clean_error(result, "already holds a checkpoint", "--resume", "--overwrite")
        assert "iteration 1/" not in result.stderr                  # refused before any training
        assert checkpoint.read_bytes() == trained
    result = run("--text", str(text_file), *TINY, "--iterations", "2", "--checkpoint", str(checkpoint),
                 "--overwrite")
    assert result.returncode == 0, result.stderr
    with np.load(checkpoint) as data:
        assert int(data["iteration"]) == 2                          # a new model, as asked
    assert_clean_error(run("--text", str(text_file), "--resume", "--overwrite", "--checkpoint", str(checkpoint)),
                       "--resume", "--overwrite")


def test_zero_iterations_on_a_resumed_checkpoint_leaves_it_as_it_was(tmp_path, text_file):
    checkpoint = train_once(tmp_path, text_file)
    trained = checkpoint.read_bytes()
    result = run("--text", str(text_file), "--resume", "--iterations", "0", "--checkpoint", str(checkpoint),
                 "--seq-length", "5", "--batch", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("final loss per character: ")
    assert checkpoint.read_bytes() == trained


@pytest.mark.parametrize("where, message", [
    ("folder", "is a folder"), ("under a file", "is a file, not a folder"), ("empty", "checkpoint path is empty"),
])
def test_a_checkpoint_that_cannot_be_written_is_refused_before_training(tmp_path, text_file, where, message):
    path = {"folder": str(tmp_path), "under a file": str(text_file / "model.npz"), "empty": ""}[where]
    result = run("--text", str(text_file), *TINY, "--iterations", "100000000", "--checkpoint", path)
    assert_clean_error(result, message)
    assert "iteration" not in result.stderr and "text:" not in result.stdout    # before training starts
    assert leftovers(tmp_path) == []


def test_a_missing_folder_is_made(tmp_path, text_file):
    checkpoint = tmp_path / "new" / "deeper" / "model.npz"
    result = run("--text", str(text_file), *TINY, "--iterations", "2", "--checkpoint", str(checkpoint))
    assert result.returncode == 0, result.stderr
    assert checkpoint.is_file() and leftovers(checkpoint.parent) == []


def run_here(capsys, *args):
    """main() in this process (no interpreter start-up: fast); returns (exit status, stderr)."""
    import TruncatedBPTT
    try:
        code = TruncatedBPTT.main(list(args))
    except SystemExit as exit:                                     # argparse's errors
        code = exit.code
    return code, capsys.readouterr().err


def assert_one_line_error(code, err, *fragments):
    assert code == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("TruncatedBPTT.py: error: "), err
    for fragment in fragments:
        assert fragment in last, (fragment, err)


@pytest.mark.parametrize("option, value, message", [
    ("--lr", "inf", "finite"), ("--lr", "nan", "finite"), ("--clip", "inf", "finite"), ("--clip", "-1", "0 or more"),
    ("--seed", "-1", "0 or more"), ("--seed", "1.5", "whole number"), ("--temperature", "inf", "finite"),
    ("--temperature", "nan", "finite"), ("--temperature", "0", "positive"), ("--hidden", "100000000000", "at most"),
    ("--batch", "100000000000", "need at least"), ("--seq-length", "100000000000", "need at least"),
])
def test_bad_options_are_one_line_errors(tmp_path, text_file, capsys, option, value, message):
    code, err = run_here(capsys, "--text", str(text_file), *TINY, option, value, "--checkpoint",
                         str(tmp_path / "m.npz"))
    assert_one_line_error(code, err, message)
    assert not (tmp_path / "m.npz").exists()


def test_a_bad_option_is_one_line_in_a_real_process(tmp_path, text_file):
    result = run("--text", str(text_file), *TINY, "--lr", "inf", "--checkpoint", str(tmp_path / "m.npz"))
    assert_clean_error(result, "argument --lr: must be a finite number, got inf")


@pytest.mark.parametrize("temperature", ["1e-300", "5e-324"])
def test_a_very_low_temperature_samples_the_likeliest_character(tmp_path, text_file, temperature):
    result = run("--text", str(text_file), *TINY, "--iterations", "2", "--temperature", temperature,
                 "--checkpoint", str(tmp_path / "m.npz"))
    assert result.returncode == 0, result.stderr
    assert "--- sample at iteration 2 ---" in result.stdout


def test_a_diverging_run_stops_and_keeps_the_last_good_checkpoint(tmp_path, text_file):
    checkpoint = train_once(tmp_path, text_file)
    good = checkpoint.read_bytes()
    result = run("--text", str(text_file), "--resume", "--seq-length", "5", "--batch", "2", "--iterations", "50",
                 "--lr", "1e308", "--optimizer", "sgd", "--clip", "0", "--checkpoint", str(checkpoint))
    assert_clean_error(result, "diverged", "--lr")
    assert checkpoint.read_bytes() == good


def bad_checkpoints(good):
    """Files a careless or unlucky user may give to --resume, each with what the error must say."""
    with np.load(good) as data:
        arrays = {key: data[key] for key in data.files if key != checkpoint.STAMP}
    raw = good.read_bytes()

    def changed(**replacements):
        new = dict(arrays)
        for key, value in replacements.items():
            if value is None:
                del new[key]
            else:
                new[key] = value
        return new
    flipped = bytearray(raw)
    flipped[len(raw) // 3] ^= 0xFF                         # inside an array's data: its checksum fails
    return {
        "truncated": raw[: len(raw) // 2],
        "bit-flipped": bytes(flipped),
        "npy": arrays["param_Waa"],
        "no Waa": changed(param_Waa=None),
        "Waa as text": changed(param_Waa=np.array(["a", "b"])),
        "Waa of the wrong shape": changed(param_Waa=np.zeros((8, 7))),
        "Wax of the wrong shape": changed(param_Wax=np.zeros((3, 3))),
        "ba as a row": changed(param_ba=np.zeros((1, 8))),
        "complex weights": changed(param_Wya=arrays["param_Wya"].astype(complex)),
        "nan in the weights": changed(param_by=np.full_like(arrays["param_by"], np.nan)),
        "hidden disagrees": changed(hidden=np.array(9)),
        "hidden as text": changed(hidden=np.array("eight")),
        "negative iteration": changed(iteration=np.array(-5)),
        "iteration as float": changed(iteration=np.array(2.5)),
        "vocabulary of floats": changed(vocabulary=arrays["vocabulary"].astype(float)),
        "vocabulary with repeats": changed(vocabulary=np.concatenate([arrays["vocabulary"][:1],
                                                                        arrays["vocabulary"][:-1]])),
        "vocabulary not a code point": changed(vocabulary=np.concatenate([[-1], arrays["vocabulary"][1:]])),
        "unknown optimizer": changed(optimizer=np.array("rmsprop")),
        "optimizer state of the wrong shape": changed(optimizer_sqrt_G_Waa=np.zeros((2, 2))),
        "optimizer state negative": changed(optimizer_sqrt_G_Waa=-np.ones((8, 8))),
        "smooth loss nan": changed(smooth_loss=np.array(np.nan)),
    }


def test_a_bad_checkpoint_is_a_one_line_error(tmp_path, text_file, capsys):
    good = train_once(tmp_path, text_file)
    for what, content in bad_checkpoints(good).items():
        path = tmp_path / "bad.npz"
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, np.ndarray):
            np.save(tmp_path / "bad.npy", content)
            os.replace(tmp_path / "bad.npy", path)
        else:
            checkpoint.save_arrays(str(path), "TruncatedBPTT.py", content)
        before = path.read_bytes()
        code, err = run_here(capsys, "--text", str(text_file), "--resume", "--checkpoint", str(path),
                             "--seq-length", "5", "--batch", "2", "--iterations", "5")
        assert code == 2 and err.strip().count("\n") == 0, (what, err)
        assert err.startswith("TruncatedBPTT.py: error: "), (what, err)
        assert path.read_bytes() == before, what            # a bad checkpoint is not "repaired" over
    result = run("--text", str(text_file), "--resume", "--checkpoint", str(path), "--seq-length", "5")
    assert_clean_error(result, "TruncatedBPTT.py: error: ")     # and in a real process: no traceback


@pytest.mark.parametrize("name, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_sigterm_and_sighup_save_like_ctrl_c(tmp_path, text_file, name, code):
    if not hasattr(signal, name):
        pytest.skip(f"no {name} here")
    checkpoint = tmp_path / "model.npz"
    process, terminal, shown = training_process(text_file, checkpoint)
    stdout, stderr = stopped(process, terminal, shown, getattr(signal, name))
    assert process.returncode == code, stderr                    # 128 + the signal's number, as a shell reports it
    assert "Traceback" not in stderr and name in stderr and "--resume" in stderr
    with np.load(checkpoint) as data:
        assert int(data["iteration"]) > 0
    assert leftovers(tmp_path) == []


def failing_saves(monkeypatch, failures):
    """Make the first `failures` saves fail as on a full disk (every save goes through np.savez)."""
    real_savez, calls = np.savez, []

    def savez(file, *args, **kwargs):
        calls.append(file)
        if len(calls) <= failures:
            raise OSError(28, "No space left on device")
        return real_savez(file, *args, **kwargs)
    monkeypatch.setattr(np, "savez", savez)
    return calls


def test_a_failed_save_says_so_keeps_training_and_saves_at_the_next_save_point(tmp_path, text_file, monkeypatch,
                                                                               capsys):
    import TruncatedBPTT
    checkpoint = tmp_path / "model.npz"
    calls = failing_saves(monkeypatch, failures=1)
    code = TruncatedBPTT.main(["--text", str(text_file), *TINY, "--iterations", "2000",
                               "--checkpoint", str(checkpoint)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert len(calls) == 2                                       # at iteration 1000 (failed) and at the end
    [line] = [line for line in err.splitlines() if "could not save" in line]
    assert "No space left on device" in line and "iteration 1000" in line
    with np.load(checkpoint) as data:
        assert int(data["iteration"]) == 2000
    assert leftovers(tmp_path) == []


def test_a_save_that_never_succeeds_keeps_the_previous_checkpoint_and_exits_non_zero(tmp_path, text_file,
                                                                                     monkeypatch, capsys):
    import TruncatedBPTT
    checkpoint = train_once(tmp_path, text_file)
    previous = checkpoint.read_bytes()
    failing_saves(monkeypatch, failures=10 ** 9)
    code = TruncatedBPTT.main(["--text", str(text_file), "--resume", "--seq-length", "5", "--batch", "2",
                               "--iterations", "1003", "--checkpoint", str(checkpoint)])
    err = capsys.readouterr().err
    assert code != 0
    assert "Traceback" not in err and "could not save" in err
    assert checkpoint.read_bytes() == previous
    assert leftovers(tmp_path) == []
