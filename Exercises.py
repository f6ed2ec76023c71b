"""Exercises and a grader, for teachers and self-learners.

    python Exercises.py make DIR             a copy of the project with blanks to fill
    python Exercises.py grade DIR            grade the functions filled in DIR, step by step
    python Exercises.py grade DIR --timeout 5

`make` copies the project into DIR. In the exercise files, each graded
function keeps its signature and its docstring, and its body becomes a
marked blank that raises NotImplementedError. The copy is generated from this
project's own sources with `ast` (the body of each function is found by its
line numbers, everything else is copied byte for byte), so it follows the
code as it changes. What stays above the blank: the argument checks at the
top of a function (an `if checks_wanted():` block, calls of check_* and checked_* functions
and of validation.py's, `if ...: raise`), so the student writes the maths and
not the error messages.

`grade` runs each step's tests against the student's function and prints a
scoreboard in the tutorial's order, then `score: K/N steps`. Each step is
graded alone: only the graded function comes from DIR; every function it
calls (the cell inside the pass, softmax inside the cell, ...) is this
project's own, so one slip cannot fail the steps after it. Expected values
come from this project's modules and, for every gradient, from the numerical
gradient (gradient_check.py); the random inputs from tests/helpers.py. The
steps run in another Python process, with a time limit per step; after a
crash or a timeout a new process takes the next step, so an endless loop or
a crash costs that step only.

Exit code of `grade`: 0 when every step passes, 1 otherwise, 2 for bad usage.
"""
import argparse
import ast
import contextlib
import copy
import importlib.util
import inspect
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections import namedtuple
from functools import partial

import numpy as np

import ForwardPropagation
import GRU_UNIT_CELL
import LSTM_UNIT_CELL
import Optimizers
import RNN_UNIT_CELL
import rnn_utils
import validation

PROJECT = os.path.dirname(os.path.abspath(__file__))
MARKER = ".exercises.json"            # written into every copy by `make`
NOT_COPIED_DIRS = {".git", "__pycache__", ".pytest_cache", ".venv", "venv", "checkpoints"}
NOT_COPIED_FILES = {"Exercises.py", os.path.join("tests", "test_exercises.py")}   # the grader stays here
DEFAULT_TIMEOUT = 30.0                # seconds per step
STARTUP_ALLOWANCE = 60.0              # seconds for a grading process to import numpy and the project


class UsageError(Exception):
    """A mistake in how the program was called: one line, exit code 2."""


# ---------------------------------------------------------------------------
# The steps, in the tutorial's order
# ---------------------------------------------------------------------------

Step = namedtuple("Step", "number name file readme grader")


def defines(path, qualname):
    """True if the Python file at `path` defines `qualname` ("f" or "Class.method")."""
    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    try:
        find_function(tree, qualname)
    except LookupError:
        return False
    return True


def exercise_steps():
    """The graded steps: number, function, file, README section, grader.

    The optimizer step is Adam's update when Optimizers.py has Adam, else Adagrad's.
    """
    if defines(os.path.join(PROJECT, "Optimizers.py"), "Adam.update"):
        optimizer, optimizer_section = "Adam", "Three optimizers"
    else:
        optimizer, optimizer_section = "Adagrad", "Clipping"
    loss_section = "The loss and the gradient that feeds `rnn_backward`"
    step1, step2 = "Step 1: one RNN cell, forward", "Step 2: forward through time"
    step3, step4 = "Step 3: one RNN cell, backward", "Step 4: backward through time"
    table = [
        ("softmax", "rnn_utils.py", step1, grade_softmax),
        ("sigmoid", "rnn_utils.py", "LSTM", grade_sigmoid),
        ("rnn_cell_forward", "RNN_UNIT_CELL.py", step1, partial(grade_cell_forward, "rnn")),
        ("rnn_forward", "ForwardPropagation.py", step2, partial(grade_sequence_forward, "rnn")),
        ("rnn_cell_backward", "RNN_UNIT_CELL.py", step3, partial(grade_cell_backward, "rnn")),
        ("rnn_backward", "BackwardPropagation.py", step4, partial(grade_sequence_backward, "rnn")),
        ("cross_entropy_loss", "Loss.py", loss_section, grade_cross_entropy_loss),
        ("output_layer_backward", "Loss.py", loss_section, grade_output_layer_backward),
        ("clip_global_norm", "Optimizers.py", "Clipping", grade_clip_global_norm),
        (optimizer + ".update", "Optimizers.py", optimizer_section, grade_optimizer),
        ("lstm_cell_forward", "LSTM_UNIT_CELL.py", "LSTM", partial(grade_cell_forward, "lstm")),
        ("lstm_forward", "ForwardPropagation.py", "LSTM", partial(grade_sequence_forward, "lstm")),
        ("lstm_cell_backward", "LSTM_UNIT_CELL.py", "LSTM", partial(grade_cell_backward, "lstm")),
        ("lstm_backward", "BackwardPropagation.py", "LSTM", partial(grade_sequence_backward, "lstm")),
        ("gru_cell_forward", "GRU_UNIT_CELL.py", "GRU", partial(grade_cell_forward, "gru")),
        ("gru_forward", "ForwardPropagation.py", "GRU", partial(grade_sequence_forward, "gru")),
        ("gru_cell_backward", "GRU_UNIT_CELL.py", "GRU", partial(grade_cell_backward, "gru")),
        ("gru_backward", "BackwardPropagation.py", "GRU", partial(grade_sequence_backward, "gru")),
    ]
    return [Step(number, *row) for number, row in enumerate(table, start=1)]


# ---------------------------------------------------------------------------
# make: blank the graded functions, copy everything else
# ---------------------------------------------------------------------------

def find_function(tree, qualname):
    """The FunctionDef node of "f" (module level) or "Class.method" in a parsed module."""
    *classes, name = qualname.split(".")
    body = tree.body
    for class_name in classes:
        matches = [n for n in body if isinstance(n, ast.ClassDef) and n.name == class_name]
        if not matches:
            raise LookupError(f"no class {class_name}")
        body = matches[0].body
    matches = [n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if not matches:
        raise LookupError(f"no function {qualname}")
    return matches[-1]          # the definition Python keeps if there are two


def called_name(call):
    """The name a Call node calls: "check_array" for check_array(...) and for v.check_array(...)."""
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def validation_functions():
    """Names of the functions validation.py defines (check_array, check_shape, result_dtype, ...)."""
    with open(os.path.join(PROJECT, "validation.py"), encoding="utf-8") as source:
        tree = ast.parse(source.read())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def is_check_call(node, checks):
    """A call of a check_* or checked_* function or of one in `checks` (validation.py's)."""
    return isinstance(node, ast.Call) and (called_name(node).startswith(("check_", "checked_"))
                                           or called_name(node) in checks)


def is_argument_check(statement, checks):
    """A block that checks the arguments, in any of the forms the project uses.

    `if checks_wanted():` or `if validate:` (a block that runs only when the
    cell is called on its own), `if ...: raise ...`, or a call of a check_*
    function or of one in `checks`.
    """
    if isinstance(statement, ast.If):
        test = statement.test
        if is_check_call(test, checks) or (isinstance(test, ast.Name) and test.id == "validate"):
            return True
        return not statement.orelse and all(isinstance(s, ast.Raise) for s in statement.body)
    value = getattr(statement, "value", None) if isinstance(statement, (ast.Expr, ast.Assign)) else None
    return is_check_call(value, checks)


def reads_only(statement):
    """An assignment that calls nothing, e.g. `n_x, m, T_x = x.shape` (bookkeeping between checks)."""
    if not isinstance(statement, ast.Assign):
        return False
    return not any(isinstance(node, ast.Call) for node in ast.walk(statement.value))


def kept_statements(function):
    """How many statements of the body (docstring included) stay in the student's copy.

    The docstring, then the argument checks at the top: the longest run of
    checks (see is_argument_check) and call-free assignments, cut back to its
    last check.
    """
    checks = validation_functions()
    body = function.body
    if not (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        raise ValueError(f"{function.name} has no docstring: a student's blank needs one")
    kept = 1
    for index, statement in enumerate(body[1:], start=1):
        if is_argument_check(statement, checks):
            kept = index + 1
        elif not reads_only(statement):
            break
    return kept


def blank_lines(indent, step):
    """The marked blank that replaces a graded function's code."""
    return [f'{indent}# ---- your code here (step {step.number}: {step.name}; README: "{step.readme}") ----\n',
            f'{indent}raise NotImplementedError("step {step.number}: {step.name}")\n']


def replace_body(source, qualname, new_lines, keep_checks=True):
    """Source text with the body of `qualname` replaced by `new_lines`, the rest byte for byte.

    Arguments:
    source -- text of a Python module
    qualname -- "f" or "Class.method"
    new_lines -- list of lines (each ending in a newline), already indented
    keep_checks -- keep the argument checks at the top of the body (the
                   docstring is always kept)

    Returns:
    the new source text
    """
    function = find_function(ast.parse(source), qualname)
    kept = kept_statements(function) if keep_checks else 1
    last_kept, last = function.body[kept - 1].end_lineno, function.end_lineno     # line numbers, from 1
    lines = source.splitlines(keepends=True)
    separator = ["\n"] if kept > 1 else []          # a blank line after kept checks, as the code had
    return "".join(lines[:last_kept] + separator + list(new_lines) + lines[last:])


def exercise_source(source, steps):
    """The student's version of one file: every graded function of `steps` blanked."""
    for step in steps:
        function = find_function(ast.parse(source), step.name)
        indent = " " * function.body[0].col_offset
        source = replace_body(source, step.name, blank_lines(indent, step))
    return source


def project_files(target):
    """Paths (relative to the project) of the files `make` copies, skipping `target` and other copies."""
    files = []
    target = os.path.realpath(target)
    for folder, subfolders, names in os.walk(PROJECT):
        subfolders[:] = sorted(
            d for d in subfolders
            if d not in NOT_COPIED_DIRS and not d.endswith(".egg-info")
            and os.path.realpath(os.path.join(folder, d)) != target
            and not os.path.exists(os.path.join(folder, d, MARKER)))
        for name in sorted(names):
            relative = os.path.relpath(os.path.join(folder, name), PROJECT)
            if name != ".git" and not name.endswith(".pyc") and relative not in NOT_COPIED_FILES:
                files.append(relative)
    return files


def write_atomically(path, data, mode_of=None):
    """Write bytes to `path` through a temporary file of this process, then rename it into place.

    mode_of -- a file whose permissions to give it (an executable script stays executable)
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as output:
        output.write(data)
    if mode_of:
        shutil.copymode(mode_of, temporary)
    os.replace(temporary, path)


def earlier_manifest(target, force):
    """The files an earlier `make` wrote into `target` ([] for a new or empty directory).

    Refuses (UsageError) a non-empty directory that is not an exercises copy,
    and an exercises copy without --force.
    """
    if not os.path.exists(target):
        return []
    if not os.path.isdir(target):
        raise UsageError(f"{target} exists and is not a directory")
    if not os.listdir(target):
        return []
    marker = os.path.join(target, MARKER)
    if not os.path.exists(marker):
        raise UsageError(f"{target} is not empty and is not an exercises copy: choose a new directory")
    if not force:
        raise UsageError(f"{target} already holds exercises; --force makes them again "
                         f"(it rewrites every file the earlier copy wrote, the answers included)")
    try:
        with open(marker, encoding="utf-8") as manifest:
            return list(json.load(manifest)["files"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{marker} cannot be read ({error}): make a new copy elsewhere") from None


def make(target, force=False):
    """Write the student's copy of the project into `target`; return (files written, steps)."""
    if os.path.exists(os.path.join(PROJECT, MARKER)):
        raise UsageError(f"{PROJECT} is itself an exercises copy: run the project's own Exercises.py")
    steps = exercise_steps()
    by_file = {}
    for step in steps:
        by_file.setdefault(step.file, []).append(step)
    written_before = set(earlier_manifest(target, force))
    files = project_files(target)
    others = [f for f in files if os.path.exists(os.path.join(target, f)) and f not in written_before]
    if others:
        raise UsageError(f"{target} has files the earlier copy did not write, which make would "
                         f"overwrite: {', '.join(others[:5])}; nothing was written")
    contents = {}                 # every file made before any is written: a failure writes nothing
    for relative in files:
        with open(os.path.join(PROJECT, relative), "rb") as file:
            contents[relative] = file.read()
        if relative in by_file:
            blanked = exercise_source(contents[relative].decode("utf-8"), by_file[relative])
            contents[relative] = blanked.encode("utf-8")
    for relative, data in contents.items():
        write_atomically(os.path.join(target, relative), data, mode_of=os.path.join(PROJECT, relative))
    manifest = {"made_by": "Exercises.py", "project": PROJECT, "files": files,
                "steps": [f"{s.number}: {s.name} ({s.file})" for s in steps]}
    write_atomically(os.path.join(target, MARKER), (json.dumps(manifest, indent=1) + "\n").encode("utf-8"))
    return files, steps


# ---------------------------------------------------------------------------
# grade: what is compared, and how a difference is put into words
# ---------------------------------------------------------------------------

class Blank(Exception):
    """The student's function still raises NotImplementedError."""


class Mistake(Exception):
    """What is wrong with a step, as lines a student can act on."""

    def __init__(self, *lines):
        super().__init__(lines[0] if lines else "")
        self.lines = list(lines)


def load_module(name, path):
    """Import the Python file at `path` as a new module called `name` (its imports are the project's)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HELPERS = load_module("exercises_test_helpers", os.path.join(PROJECT, "tests", "helpers.py"))
TOLERANCE = HELPERS.TOLERANCE      # the bar of every gradient check of the project, 1e-7


def numbers(value):
    """A short readable form of a number: 6 significant digits."""
    return f"{value:.6g}"


def where(index):
    """Index tuple as the student would type it: [1, 2]."""
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def elementwise_error(got, expected):
    """|got - expected| / max(1e-8, |got| + |expected|) per entry, as gradient_check.relative_error; nan -> inf."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(got - expected) / np.maximum(1e-8, np.abs(got) + np.abs(expected))
    return np.where(np.isfinite(error), error, np.inf)


def compare(label, got, expected):
    """Raise Mistake if `got` differs from the reference `expected` (arrays, numbers, tuples, dicts)."""
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            raise Mistake(f"{label} is a {type(got).__name__}, expected a numpy array of shape {expected.shape}")
        if got.shape != expected.shape:
            raise Mistake(f"{label} has shape {got.shape}, expected {expected.shape}")
        if got.dtype.kind not in "iufb":
            raise Mistake(f"{label} holds {got.dtype} values, expected numbers")
        error = elementwise_error(got, expected)
        wrong = error > TOLERANCE
        if wrong.any():
            index = np.unravel_index(np.argmax(error), error.shape)
            raise Mistake(f"{label}{where(index)} is {numbers(got[index])}, expected {numbers(expected[index])} "
                          f"({np.count_nonzero(wrong)} of {error.size} entries differ{time_steps(wrong)})")
    elif isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            size = f"{len(got)} items" if isinstance(got, (tuple, list)) else f"a {type(got).__name__}"
            raise Mistake(f"{label} is {size}, expected a {type(expected).__name__} of {len(expected)}")
        for i, (g, e) in enumerate(zip(got, expected)):
            compare(f"{label}[{i}]", g, e)
    elif isinstance(expected, dict):
        if not isinstance(got, dict):
            raise Mistake(f"{label} is a {type(got).__name__}, expected a dict")
        if set(got) != set(expected):
            raise Mistake(f"{label} has the keys {sorted(got)}, expected {sorted(expected)}")
        for key in expected:
            compare(f"{label}[{key!r}]", got[key], expected[key])
    elif isinstance(expected, (float, int, np.number)):
        try:
            value = None if isinstance(got, (str, bytes)) or np.ndim(got) != 0 else float(got)
        except (TypeError, ValueError):
            value = None
        if value is None:
            raise Mistake(f"{label} is {got!r}, expected the number {numbers(expected)}")
        if elementwise_error(value, expected) > TOLERANCE:
            raise Mistake(f"{label} is {numbers(value)}, expected {numbers(expected)}")
    elif got != expected:
        raise Mistake(f"{label} is {got!r}, expected {expected!r}")


def kind_of(value):
    """'3 values', 'a dict', 'None': what a function returned, in words."""
    if isinstance(value, tuple):
        return f"{len(value)} values"
    return "None" if value is None else f"a {type(value).__name__}"


def compare_results(got, expected, names):
    """Compare a function's results with the reference's, naming each result as the docstring does."""
    if len(names) == 1:
        compare(names[0], got, expected)
        return
    if not isinstance(got, tuple) or len(got) != len(names):
        raise Mistake(f"it returned {kind_of(got)}; expected the {len(names)} values {', '.join(names)}")
    for name, g, e in zip(names, got, expected):
        compare(name, g, e)


def same(before, after):
    """True if `after` still equals the copy `before` (arrays, dicts, tuples, lists, other values)."""
    if type(before) is not type(after):
        return False
    if isinstance(before, np.ndarray):
        return before.shape == after.shape and np.array_equal(before, after, equal_nan=True)
    if isinstance(before, dict):
        return set(before) == set(after) and all(same(before[k], after[k]) for k in before)
    if isinstance(before, (tuple, list)):
        return len(before) == len(after) and all(same(b, a) for b, a in zip(before, after))
    return before == after


class Student:
    """The student's version of one graded function, called so that its slips become messages."""

    def __init__(self, function, path):
        self.function = function
        self.path = path

    def call(self, *args):
        """Call the student's function; raise Blank or Mistake instead of its own exceptions.

        Also a Mistake: writing into an argument (the caller's arrays must not change).
        """
        names = [n for n in inspect.signature(self.function).parameters][:len(args)]
        before = [copy.deepcopy(a) if n != "self" else None for n, a in zip(names, args)]
        try:
            result = self.function(*args)
        except NotImplementedError:
            raise Blank() from None
        except SystemExit as error:
            raise Mistake(f"it called exit({error.code}): a function should return its results") from None
        except Exception as error:                   # the student's bug, put into words
            raise Mistake(self.describe(error)) from None
        for name, old, new in zip(names, before, args):
            if name != "self" and not same(old, new):
                raise Mistake(f"it changed its argument {name} in place: compute new arrays instead "
                              f"(the caller still needs {name} as it was)")
        return result

    def describe(self, error):
        """'raised ValueError: ... (RNN_UNIT_CELL.py, line 88: dz = ...)'."""
        text = f"it raised {type(error).__name__}: {error}"
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if os.path.abspath(f.filename) == os.path.abspath(self.path)]
        if frames:
            line = (frames[-1].line or "").strip()
            text += f" ({os.path.basename(self.path)}, line {frames[-1].lineno}: {line})"
        return text


def at(dims):
    """'at n_x=3, n_a=5, m=4': the shape a failing case was run at."""
    return "at " + ", ".join(f"{k}={v}" for k, v in dims.items())


def each_case(cases, check):
    """Run check(case) for every case; a Mistake is reported with the case that showed it first."""
    notes = []
    for context, case in cases:
        try:
            notes.append(check(case))
        except Mistake as mistake:
            raise Mistake(f"{context}: {mistake.lines[0]}", *mistake.lines[1:]) from None
    return notes


def check_gradients(got, expected_keys, arrays, loss):
    """Every gradient the student returned against the numerical gradient of `loss`.

    Arguments:
    got -- the student's dict of gradients
    expected_keys -- the keys the project's own backward returns
    arrays -- dict from name to the array "d" + name is the gradient of
    loss -- function of no arguments reading those arrays (the project's forward)

    Returns the largest relative error; raises Mistake naming every wrong gradient.
    """
    if not isinstance(got, dict):
        raise Mistake(f"it returned {kind_of(got)}; expected a dict with the keys {', '.join(expected_keys)}")
    missing = [k for k in expected_keys if k not in got]
    extra = [k for k in got if k not in expected_keys]
    if missing or extra:
        wrong = ([f"has no key {', '.join(missing)}"] if missing else []) + \
                ([f"has the unexpected key {', '.join(extra)}"] if extra else [])
        raise Mistake(f"the dict it returns {' and '.join(wrong)}; its keys should be {', '.join(expected_keys)}")
    problems, right, largest = [], [], 0.0
    for key in expected_keys:
        value, array = got[key], arrays[key[1:]]
        if not isinstance(value, np.ndarray) or value.shape != array.shape:
            shape = value.shape if isinstance(value, np.ndarray) else type(value).__name__
            problems.append(f"  {key} has shape {shape}, expected {array.shape} (the shape of {key[1:]})")
            continue
        numeric = HELPERS.numerical_gradient(loss, array)
        error = elementwise_error(value, numeric)
        largest = max(largest, float(error.max(initial=0.0)))
        if error.max(initial=0.0) > TOLERANCE:
            index = np.unravel_index(np.argmax(error), error.shape)
            problems.append(f"  {key}: relative error {error.max():.1e}; {key}{where(index)} is "
                            f"{numbers(value[index])}, numerical {numbers(numeric[index])}"
                            f"{time_steps(error > TOLERANCE)}")
        else:
            right.append(key)
    if problems:
        raise Mistake(f"gradients checked against the numerical gradient "
                      f"(when right, relative error <= {TOLERANCE:.0e}):",
                      *problems, f"  right: {', '.join(right) if right else 'none of them'}")
    return largest


def time_steps(wrong):
    """For a sequence (n, m, T_x): ', wrong at t = 0, 1, right at t = 2' (which steps of the loop to look at)."""
    if wrong.ndim != 3 or wrong.shape[2] == 1:
        return ""
    bad = [t for t in range(wrong.shape[2]) if wrong[:, :, t].any()]
    good = [t for t in range(wrong.shape[2]) if t not in bad]
    text = f", wrong at t = {', '.join(map(str, bad))}"
    return text + (f", right at t = {', '.join(map(str, good))}" if good else "")


def gradient_note(errors):
    """The note of a passed gradient step."""
    return f"gradient check: largest relative error {max(errors):.0e}"


# ---------------------------------------------------------------------------
# grade: the tests of each step
# ---------------------------------------------------------------------------

def grade_softmax(student, reference):
    """softmax: values down each column, a sequence, huge scores, a column far below the batch's max."""
    rng = np.random.default_rng(0)
    cases = [
        ("softmax of scores (4, 3)", rng.standard_normal((4, 3))),
        ("softmax of a sequence of scores (3, 2, 5): softmax goes down axis 0", rng.standard_normal((3, 2, 5))),
        ("softmax([[1000, 1001], [1001, 1000]]), scores near 1000 (exp(1000) overflows: "
         "shift the scores first)", np.array([[1000.0, 1001.0], [1001.0, 1000.0]])),
        ("softmax([[1000, -1000], [0, -1000]]), one column far below the other (one maximum for "
         "the whole batch underflows that column: use each column's own)",
         np.array([[1000.0, -1000.0], [0.0, -1000.0]])),
    ]
    each_case(cases, lambda z: compare("softmax(x)", student.call(z), reference(z.copy())))


def grade_sigmoid(student, reference):
    """sigmoid: values, and no overflow in exp for large |x| (the docstring asks for it)."""
    moderate = np.random.default_rng(1).standard_normal((3, 4)) * 5

    def check(x):
        with np.errstate(over="raise"):
            got = student.call(x)
        compare("sigmoid(x)", got, reference(x.copy()))

    extremes = np.array([-1000.0, -800.0, -30.0, 0.0, 30.0, 800.0, 1000.0])
    each_case([("sigmoid of x (3, 4)", moderate),
               ("sigmoid([-1000, -800, -30, 0, 30, 800, 1000]), with overflow in exp made an error "
                "(exp must never see a large positive argument)", extremes)], check)


# What each model's functions return, named as in their docstrings.
FORWARD_RESULTS = {
    "rnn": (("a_next", "yt_pred", "cache"), ("a", "y_pred", "caches")),
    "lstm": (("a_next", "c_next", "yt_pred", "cache"), ("a", "y", "c", "caches")),
    "gru": (("a_next", "yt_pred", "cache"), ("a", "y_pred", "caches")),
}
CELL_SHAPES = ({"n_x": 3, "n_a": 5, "n_y": 2, "m": 4}, {"n_x": 1, "n_a": 2, "n_y": 3, "m": 1})
SEQUENCE_SHAPES = ({"n_x": 3, "n_a": 5, "n_y": 2, "m": 4, "T_x": 3},
                   {"n_x": 1, "n_a": 2, "n_y": 3, "m": 1, "T_x": 1})


def model(kind):
    """The project's own cell forward and sequence forward of "rnn", "lstm" or "gru", and its gate letters."""
    if kind == "rnn":
        return None, RNN_UNIT_CELL.rnn_cell_forward, ForwardPropagation.rnn_forward
    if kind == "lstm":
        return LSTM_UNIT_CELL.LSTM_GATES, LSTM_UNIT_CELL.lstm_cell_forward, ForwardPropagation.lstm_forward
    return GRU_UNIT_CELL.GRU_GATES, GRU_UNIT_CELL.gru_cell_forward, ForwardPropagation.gru_forward


def random_problem(kind, dims, seed):
    """Seeded x, a0, parameters, da (and c_prev, dc for the LSTM) at the shape `dims`."""
    gates = model(kind)[0]
    shape = (dims["n_x"], dims["n_a"], dims["n_y"], dims["m"], dims.get("T_x", 1))
    if gates is None:
        x, a0, parameters, da = HELPERS.random_rnn(*shape, seed=seed)
    else:
        x, a0, parameters, da = HELPERS.random_gated(gates, *shape, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    cell_state = rng.standard_normal((dims["n_a"], dims["m"]))          # c_prev of an LSTM cell
    dc = rng.standard_normal((dims["n_a"], dims["m"]))                  # its upstream gradient
    return x, a0, parameters, da, cell_state, dc


def cell_arguments(kind, dims, seed):
    """Arguments of one cell forward, and a dict naming each of them."""
    x, a0, parameters, _, c_prev, _ = random_problem(kind, dims, seed)
    xt = x[:, :, 0].copy()
    if kind == "lstm":
        return (xt, a0, c_prev, parameters), {"xt": xt, "a_prev": a0, "c_prev": c_prev, **parameters}
    return (xt, a0, parameters), {"xt": xt, "a_prev": a0, **parameters}


def grade_cell_forward(kind, student, reference):
    """A cell forward: every result, the cache included, against the project's cell."""
    names = FORWARD_RESULTS[kind][0]

    def check(seeded):
        dims, seed = seeded
        args, _ = cell_arguments(kind, dims, seed)
        compare_results(student.call(*args), reference(*copy.deepcopy(args)), names)

    each_case([(at(dims), (dims, seed)) for seed, dims in enumerate(CELL_SHAPES)], check)


def grade_sequence_forward(kind, student, reference):
    """A forward pass: every result, the caches included, against the project's pass."""
    names = FORWARD_RESULTS[kind][1]

    def check(seeded):
        dims, seed = seeded
        x, a0, parameters = random_problem(kind, dims, seed)[:3]
        compare_results(student.call(x, a0, parameters), reference(*copy.deepcopy((x, a0, parameters))), names)

    each_case([(at(dims), (dims, seed)) for seed, dims in enumerate(SEQUENCE_SHAPES)], check)


def checks_skipped():
    """A block in which the project's cells skip their argument checks (for the many calls of a
    gradient check), if validation.py offers one."""
    return getattr(validation, "arguments_checked", contextlib.nullcontext)()


def without_checks(function):
    """`function`, skipping the cells' argument checks (validate=False, or inside checks_skipped())."""
    if "validate" in inspect.signature(function).parameters:
        return partial(function, validate=False)

    def quietly(*args):
        with checks_skipped():
            return function(*args)
    return quietly


def grade_cell_backward(kind, student, reference):
    """A cell backward: every gradient against the numerical gradient of the project's cell forward."""
    cell_forward = without_checks(model(kind)[1])

    def check(seeded):
        dims, seed = seeded
        args, arrays = cell_arguments(kind, dims, seed)
        _, _, _, da, _, dc = random_problem(kind, dims, seed)
        da_next = da[:, :, 0].copy()
        cache = cell_forward(*args)[-1]
        if kind == "lstm":        # the LSTM's backward takes the gradients of both its states
            upstream = (da_next, dc, cache)

            def loss():
                a_next, c_next = cell_forward(*args)[:2]
                return np.sum(a_next * da_next) + np.sum(c_next * dc)
        else:
            upstream = (da_next, cache)
            loss = lambda: np.sum(cell_forward(*args)[0] * da_next)
        expected_keys = list(reference(*copy.deepcopy(upstream)))
        return check_gradients(student.call(*upstream), expected_keys, arrays, loss)

    errors = each_case([(at(dims), (dims, seed)) for seed, dims in enumerate(CELL_SHAPES)], check)
    return gradient_note(errors)


def grade_sequence_backward(kind, student, reference):
    """A backward pass: every gradient against the numerical gradient of the project's forward pass."""
    forward = model(kind)[2]

    def check(seeded):
        dims, seed = seeded
        x, a0, parameters, da = random_problem(kind, dims, seed)[:4]
        caches = forward(x, a0, parameters)[-1]
        loss = lambda: np.sum(forward(x, a0, parameters)[0] * da)     # a is the first result of each forward
        expected_keys = list(reference(*copy.deepcopy((da, caches))))
        return check_gradients(student.call(da, caches), expected_keys, {"x": x, "a0": a0, **parameters}, loss)

    errors = each_case([(at(dims), (dims, seed)) for seed, dims in enumerate(SEQUENCE_SHAPES)], check)
    return gradient_note(errors)


def grade_cross_entropy_loss(student, reference):
    """The loss against the project's; dz against the numerical gradient of that loss in the scores."""
    softmax = rnn_utils.softmax

    def check(seeded):
        dims, seed = seeded
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((dims["n_y"], dims["m"], dims["T_x"])) * 2
        targets = rng.integers(0, dims["n_y"], size=(dims["m"], dims["T_x"]))
        got = student.call(softmax(z), targets)
        expected_loss = reference(softmax(z), targets.copy())[0]
        if not isinstance(got, tuple) or len(got) != 2:
            raise Mistake(f"it returned {kind_of(got)}; it should return the two values loss, dz")
        compare("loss", got[0], expected_loss)
        loss = lambda: reference(softmax(z), targets)[0]
        return check_gradients({"dz": got[1]}, ["dz"], {"z": z}, loss)

    shapes = ({"n_y": 4, "m": 3, "T_x": 2}, {"n_y": 2, "m": 1, "T_x": 1})
    errors = each_case([(at(dims), (dims, seed)) for seed, dims in enumerate(shapes)], check)
    return gradient_note(errors)


def grade_output_layer_backward(student, reference):
    """dWy, dby, da against the numerical gradient of sum(dz * (Wy a + by)) over every step."""
    def check(seeded):
        dims, seed = seeded
        rng = np.random.default_rng(seed)
        n_y, n_a, m, T_x = dims["n_y"], dims["n_a"], dims["m"], dims["T_x"]
        dz, a = rng.standard_normal((n_y, m, T_x)), rng.standard_normal((n_a, m, T_x))
        Wy, by = rng.standard_normal((n_y, n_a)), rng.standard_normal((n_y, 1))
        scores = lambda: np.einsum("ya,amt->ymt", Wy, a) + by[:, :, None]      # z<t> = Wy a<t> + by
        got = student.call(dz, a, Wy)
        if not isinstance(got, tuple) or len(got) != 3:
            raise Mistake(f"it returned {kind_of(got)}; it should return the three values dWy, dby, da")
        return check_gradients(dict(zip(("dWy", "dby", "da"), got)), ["dWy", "dby", "da"],
                               {"Wy": Wy, "by": by, "a": a}, lambda: np.sum(dz * scores()))

    shapes = ({"n_y": 3, "n_a": 5, "m": 4, "T_x": 2}, {"n_y": 2, "n_a": 1, "m": 1, "T_x": 1})
    errors = each_case([(at(dims), (dims, seed)) for seed, dims in enumerate(shapes)], check)
    return gradient_note(errors)


def shares_memory_with(results, inputs):
    """The name of a returned array that is (a view of) one of the given arrays, or None."""
    for key, value in results.items():
        if isinstance(value, np.ndarray) and any(np.shares_memory(value, g) for g in inputs.values()):
            return key
    return None


def grade_clip_global_norm(student, reference):
    """Clipped gradients and the norm against the project's, above, below and without a limit."""
    rng = np.random.default_rng(0)
    gradients = {"dWax": rng.standard_normal((5, 3)), "dWaa": rng.standard_normal((5, 5)),
                 "dba": rng.standard_normal((5, 1))}
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in gradients.values())))

    def check(max_norm):
        given = copy.deepcopy(gradients)
        got = student.call(given, max_norm)
        compare_results(got, reference(copy.deepcopy(gradients), max_norm), ("clipped", "total_norm"))
        shared = shares_memory_with(got[0], given)
        if got[0] is given or shared:
            raise Mistake(f"clipped[{shared!r}] is the caller's own array: return a new dict of new arrays "
                          f"(an update in place would change the caller's gradients too)")

    shape = "gradients dWax (5, 3), dWaa (5, 5), dba (5, 1)"
    each_case([(f"{shape}, max_norm = {norm / 4:.4g}, a quarter of their norm", norm / 4),
               (f"{shape}, max_norm = {norm * 4:.4g}, four times their norm", norm * 4),
               (f"{shape}, max_norm = None (no clipping)", None)], check)


def grade_optimizer(student, reference):
    """Three updates from a fresh optimizer: parameters and state() against the project's optimizer.

    The student's update runs on an instance of the project's own class, so
    only update is graded (its __init__, state and load_state are the project's).
    """
    optimizer_class = getattr(Optimizers, reference.__qualname__.split(".")[0])
    keep_memory = "keep the optimizer's memory where __init__ puts it: state() saves it in checkpoints"
    rng = np.random.default_rng(0)
    parameters = {"Wax": rng.standard_normal((5, 3)), "ba": rng.standard_normal((5, 1))}
    theirs, ours = optimizer_class(learning_rate=0.1), optimizer_class(learning_rate=0.1)
    their_parameters, our_parameters = copy.deepcopy(parameters), copy.deepcopy(parameters)
    for update in (1, 2, 3):
        gradients = {"d" + name: rng.standard_normal(W.shape) for name, W in parameters.items()}
        context = f"update {update} of a fresh {optimizer_class.__name__}(learning_rate=0.1), Wax (5, 3), ba (5, 1)"
        try:
            their_parameters = student.call(theirs, their_parameters, copy.deepcopy(gradients))
            our_parameters = reference(ours, our_parameters, copy.deepcopy(gradients))
            compare("the new parameters", their_parameters, our_parameters)
        except Mistake as mistake:
            raise Mistake(f"{context}: {mistake.lines[0]}", *mistake.lines[1:]) from None
        try:
            their_state = theirs.state()
        except Exception as error:
            raise Mistake(f"{context}: state() fails after it ({type(error).__name__}: {error})",
                          keep_memory) from None
        try:
            compare("the optimizer's state()", their_state, ours.state())
        except Mistake as mistake:
            raise Mistake(f"{context}: {mistake.lines[0]}", keep_memory) from None


# ---------------------------------------------------------------------------
# grade: one process grades the steps, the scoreboard is printed by another
# ---------------------------------------------------------------------------

def student_functions(directory, file, cache):
    """Load the student's `file` once; give {qualname: function} for its graded functions.

    In the loaded module, every graded function's name is then bound to the
    project's own version, so that the student's function calls the
    reference of every step it depends on (e.g. rnn_forward calls the
    project's rnn_cell_forward). Raises Mistake if the file does not load.
    """
    if file not in cache:
        path = os.path.join(directory, file)
        if not os.path.exists(path):
            raise Mistake(f"{directory} has no file {file}")
        try:
            module = load_module("student_" + file[:-3], path)
        except Exception as error:
            raise Mistake(f"{file} does not load: {type(error).__name__}: {error}") from None
        reference = load_module_of(file)
        functions = {}
        for step in exercise_steps():
            if step.file != file:
                continue
            owner = module
            *classes, name = step.name.split(".")
            for class_name in classes:
                owner = getattr(owner, class_name, None)
            functions[step.name] = getattr(owner, name, None)
        for qualname in functions:
            if "." not in qualname:          # a method is graded on the project's own class instead
                setattr(module, qualname, getattr(reference, qualname))
        cache[file] = (functions, path)
    functions, path = cache[file]
    return functions, path


def load_module_of(file):
    """The project's own module of `file`, as the student's imports see it."""
    return __import__(file[:-3])


def reference_function(step):
    """The project's own version of a step's function."""
    owner = load_module_of(step.file)
    for part in step.name.split("."):
        owner = getattr(owner, part)
    return owner


def grade_one(step, directory, loaded):
    """Grade one step: (status, lines) with status "passed", "blank" or "failed"."""
    try:
        functions, path = student_functions(directory, step.file, loaded)
        if functions.get(step.name) is None:
            return "failed", [f"{step.file} has no function {step.name}"]
        note = step.grader(Student(functions[step.name], path), reference_function(step))
        return "passed", [note] if note else []
    except Blank:
        return "blank", []
    except Mistake as mistake:
        return "failed", mistake.lines
    except Exception as error:          # a result the graders did not foresee
        return "failed", [f"the grader could not check this step's results ({type(error).__name__}: {error})"]


def worker(directory, first):
    """Grade the steps from number `first` on, writing one JSON line per event to the real stdout.

    The student's prints go to stderr, so they cannot garble the lines the
    scoreboard reads.
    """
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    warnings.simplefilter("ignore")         # overflow warnings of a student's softmax, etc.
    sys.path.append(directory)              # a module of the student's own, after the project's
    loaded = {}
    for step in exercise_steps()[first - 1:]:
        channel.write(json.dumps({"running": step.number}) + "\n")
        channel.flush()
        status, lines = grade_one(step, directory, loaded)
        channel.write(json.dumps({"step": step.number, "status": status, "lines": lines}) + "\n")
        channel.flush()
    os._exit(0)         # done: do not wait for threads a student's code may have left running


def read_lines(stream, lines):
    """Thread body: put every line of `stream` into the queue, then None."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def stop(process):
    """Kill the grading process this program started (and anything it started)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:
        pass
    process.wait()


def error_tail(log):
    """The last three non-empty lines of a grading process's error output."""
    log.seek(0)
    lines = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-3:]


def run_worker(directory, first, timeout):
    """Start a grading process from step `first`; give its results until it ends or a step hangs."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "_worker", directory, str(first)],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                   cwd=directory, text=True,
                                   start_new_session=hasattr(os, "killpg"))
        try:
            return follow(process, log, first, timeout)
        finally:                          # also on Ctrl-C: leave no grading process behind
            if process.poll() is None:
                stop(process)
            process.stdout.close()


def follow(process, log, first, timeout):
    """Read a grading process's messages; give {step number: (status, lines)}."""
    results = {}
    lines = queue.Queue()
    threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
    # Starting Python and numpy is not the student's time: the limit starts with the first step.
    running, deadline = first, time.monotonic() + max(timeout, STARTUP_ALLOWANCE)
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            stop(process)
            if running is not None:
                results[running] = ("failed", [f"still running after {timeout:g} s: an endless loop? "
                                               f"(the grading of this step was stopped)"])
            return results
        if line is None:                  # the process has ended
            process.wait()
            if running is not None:
                tail = error_tail(log)
                crashed = f"the Python process running it crashed (exit code {process.returncode})"
                results[running] = ("failed", [crashed + (", its last output:" if tail else "")]
                                    + ["| " + line for line in tail])
            return results
        message = json.loads(line)
        if "running" in message:
            running, deadline = message["running"], time.monotonic() + timeout
        else:
            results[message["step"]] = (message["status"], message["lines"])
            running = None


def grade(directory, timeout=DEFAULT_TIMEOUT, out=None):
    """Grade the student's files in `directory`, print the scoreboard to `out` (stdout); give (passed, total)."""
    out = out or sys.stdout
    if not os.path.isdir(directory):
        raise UsageError(f"{directory} is not a directory")
    directory = os.path.abspath(directory)
    steps = exercise_steps()
    results = {}
    while len(results) < len(steps):
        first = max(results, default=0) + 1
        results.update(run_worker(directory, first, timeout))
        if first not in results:                 # the process ended before grading anything
            results[first] = ("failed", ["the grading process ended without a result"])
    print(f"Grading {directory}", file=out)
    print("(each step alone: the steps it builds on are the project's own)\n", file=out)
    width = max(len(s.name) for s in steps)
    words = {"passed": "passed", "blank": "not implemented yet", "failed": "WRONG"}
    for step in steps:
        status, lines = results[step.number]
        label = f"step {step.number:2d}  {step.name:<{width}}  {step.file:<22}"
        note = f" ({lines[0]})" if status == "passed" and lines else ""
        print(f"{label}  {words[status]}{note}", file=out)
        if status == "failed":
            for line in lines:
                print(f"          {line}", file=out)
    passed = sum(results[s.number][0] == "passed" for s in steps)
    print(f"score: {passed}/{len(steps)} steps", file=out)
    return passed, len(steps)


def main(argv=None):
    """Command line: make, grade (and _worker, used by grade)."""
    parser = argparse.ArgumentParser(description="Exercises with blanks, and their grader.")
    commands = parser.add_subparsers(dest="command", required=True)
    make_parser = commands.add_parser("make", help="write a copy of the project with blanks into DIR")
    make_parser.add_argument("directory", metavar="DIR")
    make_parser.add_argument("--force", action="store_true",
                             help="remake an earlier exercises copy in DIR (its answers are overwritten)")
    grade_parser = commands.add_parser("grade", help="grade the exercises in DIR")
    grade_parser.add_argument("directory", metavar="DIR")
    grade_parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                              help=f"seconds allowed per step (default {DEFAULT_TIMEOUT:g})")
    worker_parser = commands.add_parser("_worker")
    worker_parser.add_argument("directory")
    worker_parser.add_argument("first", type=int)
    args = parser.parse_args(argv)
    try:
        if args.command == "make":
            files, steps = make(args.directory, args.force)
            print(f"wrote {len(files)} files to {args.directory}, with {len(steps)} functions to write:")
            for step in steps:
                print(f"  step {step.number:2d}  {step.name} in {step.file}")
            print(f"grade them with: python {os.path.relpath(os.path.abspath(__file__))} grade {args.directory}")
            return 0
        if args.command == "grade":
            if not args.timeout > 0:
                raise UsageError("--timeout must be a positive number of seconds")
            passed, total = grade(args.directory, args.timeout)
            return 0 if passed == total else 1
        worker(args.directory, args.first)
        return 0
    except UsageError as error:
        print(f"Exercises.py: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Exercises.py: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
