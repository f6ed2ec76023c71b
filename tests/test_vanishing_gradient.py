"""VanishingGradient.py --quick prints both tables with numpy alone and writes no figure."""
import os
import subprocess
import sys

import numpy as np

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
