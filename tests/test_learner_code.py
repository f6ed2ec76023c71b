"""A learner's own cells, written as the tutorial writes them, work with the passes and the scripts.

The test copies the project into a temporary folder, replaces rnn_cell_forward
and rnn_cell_backward in RNN_UNIT_CELL.py with the tutorial's own code (no
argument checks, no extra keyword), and runs the scripts there.
"""
import ast
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT

# The two cells as the tutorial prints them (its comments shortened).
TUTORIAL_CELLS = '''
def rnn_cell_forward(xt, a_prev, parameters):
    # Retrieve parameters from "parameters"
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]
    # compute next activation state using the formula given above
    a_next = np.tanh( np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)
    # compute output of the current cell using the formula given above
    yt_pred = softmax(np.dot(Wya, a_next)  + by)
    # store values you need for backward propagation in cache
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_cell_backward(da_next, cache):
    (a_next, a_prev, xt, parameters) = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]
    dtanh = (1- a_next**2) * da_next
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = np.sum(dtanh, 1, keepdims=True)
    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
'''


def with_learner_cells(source, replacement):
    """`source` with its top-level functions named in `replacement` swapped for those of `replacement`."""
    replaced = {node.name: node for node in ast.parse(replacement).body if isinstance(node, ast.FunctionDef)}
    lines = source.splitlines(keepends=True)
    for node in sorted((n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name in replaced),
                       key=lambda n: n.lineno, reverse=True):          # from the bottom, so line numbers hold
        new = ast.get_source_segment(replacement, replaced[node.name]) + "\n"
        lines[node.lineno - 1:node.end_lineno] = [new]
    return "".join(lines)


def copy_with_tutorial_cells(folder):
    """A copy of the project in `folder` whose RNN cells are the tutorial's; returns its root."""
    copy = folder / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", "Images", "__pycache__", "checkpoints"))
    cell_file = copy / "RNN_UNIT_CELL.py"
    source = cell_file.read_text(encoding="utf-8")
    changed = with_learner_cells(source, TUTORIAL_CELLS)
    learners_forward = changed.split("def rnn_cell_forward")[1].split("\ndef ")[0]
    assert "dtanh = (1- a_next**2) * da_next" in changed
    assert "check" not in learners_forward and "yt_pred = softmax(np.dot(Wya, a_next)  + by)" in learners_forward
    cell_file.write_text(changed, encoding="utf-8")
    return copy


def numbers(text):
    return np.array([float(n) for n in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)])


def run(root, *arguments):
    result = subprocess.run([sys.executable, *arguments], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_rnn_py_with_the_tutorials_cells_prints_the_same_numbers(tmp_path):
    copy = copy_with_tutorial_cells(tmp_path)
    ours, theirs = run(ROOT, "RNN.py"), run(copy, "RNN.py")
    assert re.sub(r"-?\d+\.\d+", "#", ours) == re.sub(r"-?\d+\.\d+", "#", theirs)   # same lines and labels
    np.testing.assert_allclose(numbers(theirs), numbers(ours), rtol=1e-12, atol=1e-15)
    assert len(numbers(ours)) == 20


def test_training_and_its_sampling_run_with_the_tutorials_cells(tmp_path):
    copy = copy_with_tutorial_cells(tmp_path)
    out = run(copy, "TruncatedBPTT.py", "--iterations", "3", "--checkpoint", str(tmp_path / "model.npz"))
    assert "--- sample at iteration 3 ---" in out and out.splitlines()[-1].startswith("final loss per character:")


def test_the_passes_still_check_their_arguments_once_and_the_cells_check_when_called_alone():
    from DataGenerator import DataGenerator
    from ForwardPropagation import rnn_forward
    from RNN_UNIT_CELL import rnn_cell_forward
    from validation import arguments_checked, checks_wanted
    x, a0, parameters, _ = DataGenerator()
    with pytest.raises(ValueError, match="ba must have 2 dimensions"):
        rnn_forward(x, a0, {**parameters, "ba": parameters["ba"].ravel()})
    with pytest.raises(ValueError, match="a_prev: expected shape"):
        rnn_cell_forward(x[:, :, 0], a0[:, :3], parameters)
    assert checks_wanted()
    with arguments_checked():
        assert not checks_wanted()
    assert checks_wanted()                     # back on after the block, also after an error inside it
    with pytest.raises(RuntimeError):
        with arguments_checked():
            raise RuntimeError
    assert checks_wanted()


def test_checked_blocks_nest_and_restore_what_was_in_force():
    from validation import arguments_checked, checks_wanted
    with arguments_checked():
        with arguments_checked():
            assert not checks_wanted()
        assert not checks_wanted()             # the outer block is still in force
    assert checks_wanted()
