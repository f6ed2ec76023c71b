"""The tutorial's functions read maths first: one checking line, then the maths; each backward names its gradient test.

A learner opening a cell or a pass meets its docstring (the shapes), then one
line that returns the checked, converted arguments, then the maths. These
tests keep it that way: no second check further down a function, no block of
checks above its maths, and every backward's docstring points at a test that
exists and is a gradient check.
"""
import ast
import os
import re

import pytest

from conftest import ROOT

FUNCTIONS = {
    "RNN_UNIT_CELL.py": ["rnn_cell_forward", "rnn_cell_backward"],
    "LSTM_UNIT_CELL.py": ["lstm_cell_forward", "lstm_cell_backward"],
    "GRU_UNIT_CELL.py": ["gru_cell_forward", "gru_cell_backward"],
    "ForwardPropagation.py": ["rnn_forward", "lstm_forward", "gru_forward"],
    "BackwardPropagation.py": ["rnn_backward", "lstm_backward", "gru_backward"],
    "VectorizedRNN.py": ["rnn_states_vectorized", "rnn_forward_vectorized", "rnn_backward_vectorized"],
    "VectorizedLSTM.py": ["lstm_states_vectorized", "lstm_forward_vectorized", "lstm_backward_vectorized"],
    "VectorizedGRU.py": ["gru_states_vectorized", "gru_forward_vectorized", "gru_backward_vectorized"],
    "Loss.py": ["cross_entropy_loss", "output_layer_backward"],
}
CASES = [(file, name) for file, names in FUNCTIONS.items() for name in names]


def function(file, name):
    with open(os.path.join(ROOT, file), encoding="utf-8") as source:
        tree = ast.parse(source.read())
    return next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name)


def called(node):
    """Names of every function called anywhere inside `node`."""
    return {getattr(n.func, "attr", getattr(n.func, "id", "")) for n in ast.walk(node) if isinstance(n, ast.Call)}


def is_check(name):
    return name.startswith(("check", "checked_")) or name in ("checks_wanted", "result_dtype", "cast")


@pytest.mark.parametrize("file, name", CASES)
def test_one_checking_line_after_the_docstring_then_the_maths(file, name):
    node = function(file, name)
    docstring, first, *maths = node.body
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value.value, str), "a docstring first"
    assert re.search(r"\(n_\w+, ", docstring.value.value), "the docstring gives shapes"
    assert isinstance(first, ast.Assign) and isinstance(first.value, ast.Call), ast.unparse(first)
    assert called(first) == {first.value.func.id} and first.value.func.id.startswith("checked_"), ast.unparse(first)
    arguments = [a.arg for a in node.args.args]
    returned = [t.id for t in (first.targets[0].elts if isinstance(first.targets[0], ast.Tuple) else first.targets)]
    assert returned == arguments, "the checked arguments come back under their own names, in order"
    for statement in maths:
        assert not any(is_check(call) for call in called(statement)), ast.unparse(statement)


BACKWARDS = [case for case in CASES if "backward" in case[1]]


@pytest.mark.parametrize("file, name", BACKWARDS)
def test_every_backward_names_its_gradient_test_and_it_is_one(file, name):
    docstring = ast.get_docstring(function(file, name))
    named = re.findall(r"tests/(\w+\.py)::(test_\w+)", docstring)
    assert len(named) == 1, f"{name}: its docstring should name one gradient test, names {named}"
    test_file, test_name = named[0]
    with open(os.path.join(ROOT, "tests", test_file), encoding="utf-8") as source:
        tree = ast.parse(source.read())
    test = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == test_name), None)
    assert test is not None, f"{name}: tests/{test_file} has no {test_name}"
    text = ast.unparse(test)
    assert "numerical_gradient" in text or "assert_gradients_match" in text, f"{test_name} is no gradient check"
    short = name.replace("_vectorized", "")
    assert name in text or "backward_v" in text and short.split("_")[0] in ("lstm", "gru") or short in text, \
        f"{test_name} does not call {name}"
