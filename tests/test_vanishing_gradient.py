"""VanishingGradient.py: --quick prints both tables with numpy alone, figures only where asked, bad options."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from VanishingGradient import MODELS, gradient_norms_over_time, init_rnn, memory_task


def test_quick_run_prints_both_tables_and_leaves_images_alone(tmp_path):
    images = os.path.join(ROOT, "Images")
    before = {name: os.path.getmtime(os.path.join(images, name)) for name in os.listdir(images)}
    result = subprocess.run([sys.executable, os.path.join(ROOT, "VanishingGradient.py"), "--quick"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Part 1." in result.stdout and "Part 2." in result.stdout
    for model in MODELS:
        assert model in result.stdout
    assert not list(tmp_path.iterdir())
    assert before == {name: os.path.getmtime(os.path.join(images, name)) for name in os.listdir(images)}
    # the last line gives every seed's accuracy of every model at the longest length run
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"long-range memory, 10 steps: RNN \d\.\d\d; LSTM \d\.\d\d; GRU \d\.\d\d", last), last
    assert "[3/3]" in result.stderr                      # progress while it trains


@pytest.mark.parametrize("arguments, fragment", [(["--seed", "-1"], "--seed"), (["--seed", "x"], "--seed"),
                                                 (["--quick", "--long"], "not allowed")])
def test_bad_options_are_one_line_errors(arguments, fragment):
    result = subprocess.run([sys.executable, os.path.join(ROOT, "VanishingGradient.py"), *arguments],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr and fragment in result.stderr


def test_figures_go_only_into_the_folder_named(tmp_path):
    pytest.importorskip("matplotlib")
    result = subprocess.run([sys.executable, os.path.join(ROOT, "VanishingGradient.py"), "--quick",
                             "--out", str(tmp_path / "figures")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "figures")) == ["LongRangeMemory.png", "VanishingGradient.png"]


def test_gradient_norms_follow_the_product_of_jacobians():
    # With a linear-ish RNN (tiny inputs, a0 = 0) and Waa = s * I, each step back multiplies the
    # gradient by about s * (1 - a^2) ~ s, so the norm falls like s**k.
    rng = np.random.default_rng(0)
    n_a, m, T_x = 4, 3, 12
    parameters = init_rnn(2, n_a, 2, rng)
    parameters["Wax"] = parameters["Wax"] * 1e-4
    parameters["Waa"] = 0.5 * np.eye(n_a)
    x = rng.standard_normal((2, m, T_x))
    norms = gradient_norms_over_time("RNN", parameters, x, np.zeros((n_a, m)), rng)
    np.testing.assert_allclose(norms[:-1] / norms[1:], 0.5, rtol=1e-6)


def test_memory_task_puts_the_clue_first_and_distractors_after():
    x, clue = memory_task(length=6, batch=5, K=3, distractors=2, rng=np.random.default_rng(1))
    assert x.shape == (5, 5, 6)
    np.testing.assert_array_equal(np.argmax(x[:, :, 0], axis=0), clue)
    assert np.all(np.argmax(x[:, :, 1:], axis=0) >= 3)
    np.testing.assert_array_equal(x.sum(axis=0), 1)
