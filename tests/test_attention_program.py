"""AttentionSeq2Seq.py as a user runs it: the quick runs, --translate, the experiments' last lines, refusals."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import checkpoint
from conftest import ROOT

SCRIPT = os.path.join(ROOT, "AttentionSeq2Seq.py")
TINY = ["--hidden", "8", "--train-size", "300", "--test-size", "40", "--batch", "50", "--epochs", "1"]


def run(args, cwd, stdin=None):
    return subprocess.run([sys.executable, SCRIPT] + args, capture_output=True, text=True, cwd=cwd, input=stdin,
                          timeout=600)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A folder holding a tiny trained model (checkpoints/attention.npz), made once for the file."""
    folder = tmp_path_factory.mktemp("attention")
    result = run(TINY, folder)
    assert result.returncode == 0, result.stderr
    return folder, result


def test_the_training_run_ends_with_the_line_the_chapter_quotes(trained):
    folder, result = trained
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"attention, dates: exact match \d\.\d{4} on 40 held-out dates", lines[-1])
    assert "the model is saved in checkpoints/attention.npz" in result.stdout
    assert os.path.exists(folder / "checkpoints" / "attention.npz")


def test_translate_prints_only_the_answers(trained):
    folder, _ = trained
    one = run(["--translate", "Tuesday, September 25, 1984"], folder)
    assert one.returncode == 0, one.stderr
    assert re.fullmatch(r"[0-9-]{0,10}\n", one.stdout)       # a tiny model's answer, but only the answer
    many = run(["--translate", "-"], folder, stdin="sep 25, 1984\n9/25/84\nSEPTEMBER 25, 1984\n")
    assert many.returncode == 0, many.stderr
    assert len(many.stdout.splitlines()) == 3


@pytest.mark.parametrize("args, stdin, message", [
    (["--translate", "Sept. 25, 1984"], None, r"'Sept\. 25, 1984' has characters the model does not know: '\.'"),
    (["--translate", "Wednesday, September 25, 19844"], None, "30 characters long; the model reads at most 29"),
    (["--translate", "-"], "9/25/84\nxmas\n", "line 2 of standard input: 'xmas' has characters"),
    (["--translate", "-"], "9/25/84\n\n", "line 2 of standard input: the question is empty"),
])
def test_translate_names_a_question_it_cannot_read(trained, args, stdin, message):
    folder, _ = trained
    result = run(args, folder, stdin)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and re.search(message, result.stderr), result.stderr


def test_translate_without_a_model_says_how_to_make_one(tmp_path):
    result = run(["--translate", "9/25/84"], tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("AttentionSeq2Seq.py: error: there is no model in checkpoints/attention.npz: "
                             "train one first (python AttentionSeq2Seq.py)\n")


def test_an_existing_checkpoint_is_not_replaced_unasked_and_resume_continues(trained):
    folder, _ = trained
    again = run(TINY, folder)
    assert again.returncode == 2 and "already holds a checkpoint" in again.stderr
    resumed = run(["--resume", "--epochs", "2"], folder)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from checkpoints/attention.npz at epoch 1" in resumed.stdout
    assert "trained 2 epochs" in resumed.stdout
    mismatch = run(["--resume", "--hidden", "9"], folder)
    assert mismatch.returncode == 2 and "--hidden 9 does not match the checkpoint's 8" in mismatch.stderr


def test_a_file_that_is_not_a_png_is_not_replaced_by_a_figure(trained):
    folder, _ = trained
    (folder / "notes.txt").write_text("keep me")
    result = run(["--translate", "9/25/84", "--plot", "notes.txt"], folder)
    assert result.returncode == 2 and "not a PNG" in result.stderr
    assert (folder / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("args, message", [
    (["--lengths", "--compare"], "--lengths and --compare are two different runs"),
    (["--lengths", "--resume"], "save no model"),
    (["--translate", "-", "--plot", "x.png"], "--plot draws the map of one question"),
    (["--translate", "9/25/84", "--overwrite"], "uses the saved model as it is"),
    (["--hidden", "0"], "--hidden"),
    (["--score", "cosine"], "invalid choice: 'cosine'"),
])
def test_options_that_contradict_each_other(tmp_path, args, message):
    result = run(args, tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not os.path.exists(tmp_path / "checkpoints")


def test_lengths_quick_ends_with_its_line(tmp_path):
    result = run(["--lengths", "--quick"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"attention, copy by length 30: with attention \d\.\d{3},\d\.\d{3},\d\.\d{3}; "
                        r"without \d\.\d{3},\d\.\d{3},\d\.\d{3}", result.stdout.splitlines()[-1])
    assert "| attention (dot) | 3 |" in result.stdout and "| reversed + peeky, no attention | 1 |" in result.stdout


def test_compare_quick_prints_both_models(tmp_path):
    result = run(["--compare", "--quick"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "| attention (dot) | " in result.stdout and "| reversed + peeky, no attention | " in result.stdout
    assert result.stdout.splitlines()[-1].startswith("attention, dates: exact match ")
    assert not os.path.exists(tmp_path / "checkpoints")


@pytest.mark.parametrize("key, value, message", [
    ("config_score", np.array("cosine"), "'config_score' must be dot or additive, got 'cosine'"),
    ("config_hidden", np.array(9), r"Wf_enc should have shape \(9, 68\) for 9 hidden units, got \(8, 67\)"),
    ("param_Wy_dec", np.zeros((59, 8), np.float32), r"Wy_dec should have shape \(59, 16\)"),
    ("position", np.array(-1), "the progress"),
])
def test_a_damaged_checkpoint_is_refused_in_one_line(trained, tmp_path, key, value, message):
    folder, _ = trained
    arrays = checkpoint.load_arrays(str(folder / "checkpoints" / "attention.npz"), "AttentionSeq2Seq.py")
    arrays[key] = value
    checkpoint.save_arrays(str(tmp_path / "damaged.npz"), "AttentionSeq2Seq.py", arrays)
    result = run(["--translate", "9/25/84", "--checkpoint", str(tmp_path / "damaged.npz")], tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and re.search(message, result.stderr), result.stderr
