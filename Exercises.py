"""Exercises and a grader, for teachers and self-learners.

    python Exercises.py make DIR                      a copy of the project with blanks to fill
    python Exercises.py grade DIR [--json FILE]       grade one copy, step by step
    python Exercises.py grade-all SUBMISSIONS --out RESULTS    grade a class, one folder per student
    options of grade and grade-all: --timeout S (CPU seconds per step), --memory 2G,
                                    --seed N, --jobs N

`make` copies the project into DIR. In the exercise files, each graded
function keeps its signature and its docstring, and its body becomes a
marked blank that raises NotImplementedError. The copy is generated from this
project's own sources with `ast` (the body of each function is found by its
line numbers, everything else is copied byte for byte), so it follows the
code as it changes. What stays above the blank: the argument checks at the
top of a function (an `if checks_wanted():` block, the one line calling a
check*/checked_* helper or one of validation.py's, `if ...: raise`), so the
student writes the maths and not the error messages.

`grade` draws each step's inputs (seeded), computes the expected results and
the numerical gradients itself, and runs the student's function in a child
process of its own (exercise_child.py) that hands back nothing but arrays in
an .npz file. The child runs with a CPU-time, memory, file-size and process
limit, in a working directory holding a copy of the student's files, where
every step this one builds on is the project's own and the step itself is
the student's alone: one slip cannot fail the steps after it, and nothing the
student's code prints, writes or changes decides its grade. docs/grading.md
says what this protects against and what it does not.

Exit code of `grade`: 0 when every step passes, 1 otherwise, 2 for bad usage.
Exit code of `grade-all`: 0 when the class was graded, 1 when the grader's
own files changed during the grading (the results say after whose), 2 for bad usage.
"""
import argparse
import ast
import concurrent.futures
import copy
import csv
import datetime
import fnmatch
import hashlib
import importlib.util
import inspect
import io
import json
import math
import os
import platform
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import zipfile
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
import exercise_child

PROJECT = os.path.dirname(os.path.abspath(__file__))
MARKER = ".exercises.json"            # written into every copy by `make`
NOT_COPIED_DIRS = {".git", "__pycache__", ".pytest_cache", ".venv", "venv", "checkpoints"}
NOT_COPIED_FILES = {"Exercises.py", "exercise_child.py"}   # the grader stays here (and tests/test_exercises*.py)
DEFAULT_TIMEOUT = 30.0                # CPU seconds per step
DEFAULT_MEMORY = 2 * 1024 ** 3        # bytes of address space per step
FILE_LIMIT = 64 * 1024 ** 2           # bytes: the largest file a child may write
EXTRA_PROCESSES = 32                  # processes (and threads) a child may start
WALL_ALLOWANCE = 60.0                 # seconds on top of 4 x the CPU limit before a child is stopped
MAX_STUDENT_FILE = 2 * 1024 ** 2      # bytes: a larger .py of a student's is not copied
MAX_STUDENT_FILES = 500               # .py files in a student's folder, at most


class UsageError(Exception):
    """A mistake in how the program was called: one line, exit code 2."""


# ---------------------------------------------------------------------------
# The steps, in the tutorial's order
# ---------------------------------------------------------------------------

Step = namedtuple("Step", "number name file page section grader")


def exercise_steps():
    """The graded steps: number, function, file, the page and section that explain it, task (see grade_softmax)."""
    rnn, training, gated = "README.md", "docs/training.md", "docs/lstm-gru.md"
    table = [
        ("softmax", "rnn_utils.py", rnn, "Exercise 1: `softmax`, scores into probabilities", grade_softmax),
        ("sigmoid", "rnn_utils.py", gated, "Exercise 2: `sigmoid`, the gates' squashing function", grade_sigmoid),
        ("rnn_cell_forward", "RNN_UNIT_CELL.py", rnn, "Step 1: one RNN cell, forward",
         partial(grade_cell_forward, "rnn")),
        ("rnn_forward", "ForwardPropagation.py", rnn, "Step 2: forward through time",
         partial(grade_sequence_forward, "rnn")),
        ("rnn_cell_backward", "RNN_UNIT_CELL.py", rnn, "Step 3: one RNN cell, backward",
         partial(grade_cell_backward, "rnn")),
        ("rnn_backward", "BackwardPropagation.py", rnn, "Step 4: backward through time",
         partial(grade_sequence_backward, "rnn")),
        ("cross_entropy_loss", "Loss.py", training, "Exercise 7: the loss and its gradient (`cross_entropy_loss`)",
         grade_cross_entropy_loss),
        ("output_layer_backward", "Loss.py", training,
         "Exercise 8: the output layer, backward (`output_layer_backward`)", grade_output_layer_backward),
        ("clip_global_norm", "Optimizers.py", training, "Clipping", grade_clip_global_norm),
        ("Adam.update", "Optimizers.py", training, "Three optimizers", grade_optimizer),
        ("lstm_cell_forward", "LSTM_UNIT_CELL.py", gated, "Exercise 11: one LSTM cell, forward (`lstm_cell_forward`)",
         partial(grade_cell_forward, "lstm")),
        ("lstm_forward", "ForwardPropagation.py", gated, "Exercise 12: the LSTM through time, forward (`lstm_forward`)",
         partial(grade_sequence_forward, "lstm")),
        ("lstm_cell_backward", "LSTM_UNIT_CELL.py", gated,
         "Exercise 13: one LSTM cell, backward (`lstm_cell_backward`)", partial(grade_cell_backward, "lstm")),
        ("lstm_backward", "BackwardPropagation.py", gated,
         "Exercise 14: the LSTM through time, backward (`lstm_backward`)", partial(grade_sequence_backward, "lstm")),
        ("gru_cell_forward", "GRU_UNIT_CELL.py", gated, "Exercise 15: one GRU cell, forward (`gru_cell_forward`)",
         partial(grade_cell_forward, "gru")),
        ("gru_forward", "ForwardPropagation.py", gated, "Exercise 16: the GRU through time, forward (`gru_forward`)",
         partial(grade_sequence_forward, "gru")),
        ("gru_cell_backward", "GRU_UNIT_CELL.py", gated, "Exercise 17: one GRU cell, backward (`gru_cell_backward`)",
         partial(grade_cell_backward, "gru")),
        ("gru_backward", "BackwardPropagation.py", gated,
         "Exercise 18: the GRU through time, backward (`gru_backward`)", partial(grade_sequence_backward, "gru")),
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
    """A call of a check_*/checked_* function or of one in `checks` (validation.py's)."""
    if not isinstance(node, ast.Call):
        return False
    name = called_name(node)
    return name.startswith(("check_", "checked_")) or name in checks


def is_argument_check(statement, checks):
    """A block that checks the arguments, in any of the forms the project uses.

    `if checks_wanted():` (a block that runs only when the cell is called on
    its own), `if ...: raise ...`, or a call of a check_*/checked_* function
    or of one in `checks`, alone or assigned (`xt, a_prev = checked_...(...)`).
    """
    if isinstance(statement, ast.If):
        test = statement.test
        if is_check_call(test, checks):
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
    return [f'{indent}# ---- your code here (step {step.number}: {step.name}; {step.page}, "{step.section}") ----\n',
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
            if name != ".git" and not name.endswith(".pyc") and not is_grader_file(relative):
                files.append(relative)
    return files


def is_grader_file(relative):
    """True for the grader's own files, which stay with the teacher: `make` does not copy them."""
    return relative in NOT_COPIED_FILES or fnmatch.fnmatch(relative, os.path.join("tests", "test_exercises*.py"))


def write_atomically(path, data, mode_of=None):
    """Write bytes to `path` through a new temporary file beside it, then rename it into place.

    The temporary file is created with O_EXCL and O_NOFOLLOW: a link planted
    where it goes is never written through.
    mode_of -- a file whose permissions to give it (an executable script stays executable)
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    with os.fdopen(os.open(temporary, flags, 0o644), "wb") as output:
        output.write(data)
    if mode_of:
        shutil.copymode(mode_of, temporary)
    os.replace(temporary, path)


def refuse_impossible_target(target):
    """UsageError in one line if `target` cannot be a directory this program creates and writes."""
    path = os.path.abspath(target)
    real_proc = os.path.realpath("/proc")
    if os.name == "posix" and (os.path.realpath(path) + os.sep).startswith(real_proc + os.sep):
        raise UsageError(f"{target} is under /proc, which holds no files of anyone's: choose another directory")
    ancestor = path
    while not os.path.lexists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise UsageError(f"cannot make {target}: {ancestor} is not a directory")
    if ancestor != path and not os.access(ancestor, os.W_OK | os.X_OK):
        raise UsageError(f"cannot make {target}: {ancestor} is not writable")


def links_on_the_way(target, files):
    """The first path of `files` under `target` that is, or passes through, a symbolic link, or None."""
    for relative in sorted(files):
        path = target
        for part in relative.split(os.sep):
            path = os.path.join(path, part)
            if os.path.islink(path):
                return path
            if not os.path.lexists(path):
                break
    return None


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
    refuse_impossible_target(target)
    written_before = set(earlier_manifest(target, force))
    files = project_files(target)
    others = [f for f in files if os.path.exists(os.path.join(target, f)) and f not in written_before]
    if others:
        raise UsageError(f"{target} has files the earlier copy did not write, which make would "
                         f"overwrite: {', '.join(others[:5])}; nothing was written")
    link = links_on_the_way(target, files + [MARKER])
    if link:
        raise UsageError(f"{link} is a symbolic link, which make did not write and will not write "
                         f"through: remove it or choose a new directory; nothing was written")
    contents = {}                 # every file made before any is written: a failure writes nothing
    for relative in files:
        with open(os.path.join(PROJECT, relative), "rb") as file:
            contents[relative] = file.read()
        if relative in by_file:
            blanked = exercise_source(contents[relative].decode("utf-8"), by_file[relative])
            contents[relative] = blanked.encode("utf-8")
    try:
        for relative, data in contents.items():
            write_atomically(os.path.join(target, relative), data, mode_of=os.path.join(PROJECT, relative))
    except OSError as error:
        raise UsageError(f"cannot write into {target}: {error.strerror or error}") from None
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


class Opaque:
    """A value the student's function returned that is neither an array, a number nor a container."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"a {self.name}"


def load_module(name, path):
    """Import the Python file at `path` as a new module called `name` (its imports are the project's)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HELPERS = load_module("exercises_test_helpers", os.path.join(PROJECT, "tests", "helpers.py"))
TOLERANCE = HELPERS.TOLERANCE      # the bar of every gradient check of the project, 1e-7


def type_name(value):
    """The name of a value's type, as the student's code made it."""
    return value.name if isinstance(value, Opaque) else type(value).__name__


def numbers(value):
    """A short readable form of a number: 6 significant digits."""
    return f"{value:.6g}"


def where(index):
    """Index tuple as the student would type it: [1, 2]."""
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def elementwise_error(got, expected):
    """|got - expected| / max(1e-8, |got| + |expected|) per entry, as gradient_check.relative_error.

    NaN counts as wrong (inf), except where the reference itself is not finite and got is the same.
    """
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(got - expected) / np.maximum(1e-8, np.abs(got) + np.abs(expected))
        same_limit = ~np.isfinite(expected) & ((got == expected) | (np.isnan(got) & np.isnan(expected)))
    return np.where(same_limit, 0.0, np.where(np.isfinite(error), error, np.inf))


def compare(label, got, expected):
    """Raise Mistake if `got` differs from the reference `expected` (arrays, numbers, tuples, dicts)."""
    if isinstance(expected, np.ndarray):
        if type(got) is not np.ndarray:
            raise Mistake(f"{label} is a {type_name(got)}, expected a numpy array of shape {expected.shape}")
        if got.shape != expected.shape:
            raise Mistake(f"{label} has shape {got.shape}, expected {expected.shape}")
        if got.dtype.kind not in "iufb" or (expected.dtype.kind == "f" and got.dtype.kind != "f"):
            wanted = "floating-point numbers" if expected.dtype.kind == "f" else "numbers"
            raise Mistake(f"{label} holds {got.dtype} values, expected {wanted} ({expected.dtype})")
        error = elementwise_error(got, expected)
        wrong = error > TOLERANCE
        if wrong.any():
            index = np.unravel_index(np.argmax(error), error.shape)
            raise Mistake(f"{label}{where(index)} is {numbers(got[index])}, expected {numbers(expected[index])} "
                          f"({np.count_nonzero(wrong)} of {error.size} entries differ{time_steps(wrong)})")
    elif isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            size = f"{len(got)} items" if isinstance(got, (tuple, list)) else f"a {type_name(got)}"
            raise Mistake(f"{label} is {size}, expected a {type(expected).__name__} of {len(expected)}")
        for i, (g, e) in enumerate(zip(got, expected)):
            compare(f"{label}[{i}]", g, e)
    elif isinstance(expected, dict):
        if not isinstance(got, dict):
            raise Mistake(f"{label} is a {type_name(got)}, expected a dict")
        if set(got) != set(expected):
            raise Mistake(f"{label} has the keys {sorted(got)}, expected {sorted(expected)}")
        for key in expected:
            compare(f"{label}[{key!r}]", got[key], expected[key])
    elif isinstance(expected, (float, int, np.number)):
        is_number = isinstance(got, (int, float)) and not isinstance(got, bool)
        if not is_number:
            raise Mistake(f"{label} is {got!r}, expected the number {numbers(expected)}")
        if elementwise_error(got, expected) > TOLERANCE:
            raise Mistake(f"{label} is {numbers(got)}, expected {numbers(expected)}")
    elif got != expected:
        raise Mistake(f"{label} is {got!r}, expected {expected!r}")


def kind_of(value):
    """'3 values', 'a dict', 'None': what a function returned, in words."""
    if isinstance(value, tuple):
        return f"{len(value)} values"
    return "None" if value is None else f"a {type_name(value)}"


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


def at(dims):
    """'at n_x=3, n_a=5, m=4': the shape a failing case was run at."""
    return "at " + ", ".join(f"{k}={v}" for k, v in dims.items())


def numerical_gradients(keys, arrays, loss):
    """{key: the numerical gradient of `loss` in arrays[key[1:]]} (gradient_check.py's centered differences)."""
    return {key: HELPERS.numerical_gradient(loss, arrays[key[1:]]) for key in keys}


def check_gradients(got, expected_keys, arrays, numeric):
    """Every gradient the student returned against the numerical gradient the grader computed.

    Arguments:
    got -- the student's dict of gradients
    expected_keys -- the keys the project's own backward returns
    arrays -- dict from name to the array "d" + name is the gradient of
    numeric -- dict from key to the numerical gradient (numerical_gradients)

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
        if type(value) is not np.ndarray or value.shape != array.shape:
            shape = value.shape if type(value) is np.ndarray else type_name(value)
            problems.append(f"  {key} has shape {shape}, expected {array.shape} (the shape of {key[1:]})")
            continue
        if value.dtype.kind != "f":
            problems.append(f"  {key} holds {value.dtype} values, expected floating-point numbers")
            continue
        error = elementwise_error(value, numeric[key])
        largest = max(largest, float(error.max(initial=0.0)))
        if error.max(initial=0.0) > TOLERANCE:
            index = np.unravel_index(np.argmax(error), error.shape)
            problems.append(f"  {key}: relative error {error.max():.1e}; {key}{where(index)} is "
                            f"{numbers(value[index])}, numerical {numbers(numeric[key][index])}"
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
# grade: the cases of each step, drawn and answered by the grader before any student code runs
# ---------------------------------------------------------------------------

# One call of the student's function: `args` go to the child, `check(got)` runs here on what came back
# (a note, or Mistake). over_raise: numpy's overflow is an error during the call; check_shared: the
# result must not hold the caller's own arrays.
Case = namedtuple("Case", "context args check over_raise check_shared", defaults=(False, False))
# Everything the grader needs for a step: its cases, how the child calls them ("call", or "optimizer":
# a fresh optimizer and three updates), and how a passed step is summed up.
Task = namedtuple("Task", "cases driver summary", defaults=("call", None))


def draw(seed, *salt):
    """A random generator for one case: the run's seed and the case's own numbers."""
    return np.random.default_rng([seed, *salt])


def grade_softmax(seed, reference):
    """softmax: values down each column, a sequence, huge scores, a column far below the batch's max."""
    rng = draw(seed, 1)
    cases = [
        ("softmax of scores (4, 3)", rng.standard_normal((4, 3))),
        ("softmax of a sequence of scores (3, 2, 5): softmax goes down axis 0", rng.standard_normal((3, 2, 5))),
        ("softmax([[1000, 1001], [1001, 1000]]), scores near 1000 (exp(1000) overflows: "
         "shift the scores first)", np.array([[1000.0, 1001.0], [1001.0, 1000.0]])),
        ("softmax([[1000, -1000], [0, -1000]]), one column far below the other (one maximum for "
         "the whole batch underflows that column: use each column's own)",
         np.array([[1000.0, -1000.0], [0.0, -1000.0]])),
    ]
    return Task([Case(context, (z,), partial(compare, "softmax(x)", expected=reference(z.copy())))
                 for context, z in cases])


def grade_sigmoid(seed, reference):
    """sigmoid: values, and no overflow in exp for large |x| (the docstring asks for it)."""
    moderate = draw(seed, 2).standard_normal((3, 4)) * 5
    extremes = np.array([-1000.0, -800.0, -30.0, 0.0, 30.0, 800.0, 1000.0])
    cases = [("sigmoid of x (3, 4)", moderate),
             ("sigmoid([-1000, -800, -30, 0, 30, 800, 1000]), with overflow in exp made an error "
              "(exp must never see a large positive argument)", extremes)]
    return Task([Case(context, (x,), partial(compare, "sigmoid(x)", expected=reference(x.copy())), over_raise=True)
                 for context, x in cases])


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
    """Seeded x, a0, parameters, da (and c_prev, dc for the LSTM) at the shape `dims`.

    seed -- a list of ints (the run's seed and the case's numbers)
    """
    gates = model(kind)[0]
    shape = (dims["n_x"], dims["n_a"], dims["n_y"], dims["m"], dims.get("T_x", 1))
    if gates is None:
        x, a0, parameters, da = HELPERS.random_rnn(*shape, seed=seed)
    else:
        x, a0, parameters, da = HELPERS.random_gated(gates, *shape, seed=seed)
    rng = np.random.default_rng(seed + [1000])
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


def shaped_cases(shapes, seed, number, case):
    """case(dims, seed) for every shape, each with a seed of its own and its shape as its context."""
    return [case(at(dims), dims, [seed, number, index]) for index, dims in enumerate(shapes)]


def grade_cell_forward(kind, seed, reference):
    """A cell forward: every result, the cache included, against the project's cell."""
    names = FORWARD_RESULTS[kind][0]

    def case(context, dims, case_seed):
        args, _ = cell_arguments(kind, dims, case_seed)
        return Case(context, args, partial(compare_results, expected=reference(*copy.deepcopy(args)), names=names))
    return Task(shaped_cases(CELL_SHAPES, seed, 3, case))


def grade_sequence_forward(kind, seed, reference):
    """A forward pass: every result, the caches included, against the project's pass."""
    names = FORWARD_RESULTS[kind][1]

    def case(context, dims, case_seed):
        args = random_problem(kind, dims, case_seed)[:3]
        return Case(context, args, partial(compare_results, expected=reference(*copy.deepcopy(args)), names=names))
    return Task(shaped_cases(SEQUENCE_SHAPES, seed, 4, case))


def without_checks(function):
    """`function`, skipping the cells' argument checks (inside validation.arguments_checked())."""
    def quietly(*args):
        with validation.arguments_checked():
            return function(*args)
    return quietly


def gradient_task(cases):
    """A Task whose passed cases each return their largest relative error."""
    return Task(cases, summary=gradient_note)


def grade_cell_backward(kind, seed, reference):
    """A cell backward: every gradient against the numerical gradient of the project's cell forward."""
    cell_forward = without_checks(model(kind)[1])

    def case(context, dims, case_seed):
        args, arrays = cell_arguments(kind, dims, case_seed)
        _, _, _, da, _, dc = random_problem(kind, dims, case_seed)
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
        keys = list(reference(*copy.deepcopy(upstream)))
        numeric = numerical_gradients(keys, arrays, loss)
        return Case(context, copy.deepcopy(upstream),
                    partial(check_gradients, expected_keys=keys, arrays=arrays, numeric=numeric))
    return gradient_task(shaped_cases(CELL_SHAPES, seed, 5, case))


def grade_sequence_backward(kind, seed, reference):
    """A backward pass: every gradient against the numerical gradient of the project's forward pass."""
    forward = model(kind)[2]

    def case(context, dims, case_seed):
        x, a0, parameters, da = random_problem(kind, dims, case_seed)[:4]
        caches = forward(x, a0, parameters)[-1]
        loss = lambda: np.sum(forward(x, a0, parameters)[0] * da)     # a is the first result of each forward
        keys = list(reference(*copy.deepcopy((da, caches))))
        arrays = {"x": x, "a0": a0, **parameters}
        numeric = numerical_gradients(keys, arrays, loss)
        return Case(context, copy.deepcopy((da, caches)),
                    partial(check_gradients, expected_keys=keys, arrays=arrays, numeric=numeric))
    return gradient_task(shaped_cases(SEQUENCE_SHAPES, seed, 6, case))


def grade_cross_entropy_loss(seed, reference):
    """The loss against the project's; dz against the numerical gradient of that loss in the scores."""
    softmax = rnn_utils.softmax

    def case(context, dims, case_seed):
        rng = np.random.default_rng(case_seed)
        z = rng.standard_normal((dims["n_y"], dims["m"], dims["T_x"])) * 2
        targets = rng.integers(0, dims["n_y"], size=(dims["m"], dims["T_x"]))
        expected_loss = reference(softmax(z), targets.copy())[0]
        numeric = numerical_gradients(["dz"], {"z": z}, lambda: reference(softmax(z), targets)[0])

        def check(got):
            if not isinstance(got, tuple) or len(got) != 2:
                raise Mistake(f"it returned {kind_of(got)}; it should return the two values loss, dz")
            compare("loss", got[0], expected_loss)
            return check_gradients({"dz": got[1]}, ["dz"], {"z": z}, numeric)
        return Case(context, (softmax(z), targets), check)

    shapes = ({"n_y": 4, "m": 3, "T_x": 2}, {"n_y": 2, "m": 1, "T_x": 1})
    return gradient_task(shaped_cases(shapes, seed, 7, case))


def grade_output_layer_backward(seed, reference):
    """dWy, dby, da against the numerical gradient of sum(dz * (Wy a + by)) over every step."""
    def case(context, dims, case_seed):
        rng = np.random.default_rng(case_seed)
        n_y, n_a, m, T_x = dims["n_y"], dims["n_a"], dims["m"], dims["T_x"]
        dz, a = rng.standard_normal((n_y, m, T_x)), rng.standard_normal((n_a, m, T_x))
        Wy, by = rng.standard_normal((n_y, n_a)), rng.standard_normal((n_y, 1))
        scores = lambda: np.einsum("ya,amt->ymt", Wy, a) + by[:, :, None]      # z<t> = Wy a<t> + by
        keys = ["dWy", "dby", "da"]
        arrays = {"Wy": Wy, "by": by, "a": a}
        numeric = numerical_gradients(keys, arrays, lambda: np.sum(dz * scores()))

        def check(got):
            if not isinstance(got, tuple) or len(got) != 3:
                raise Mistake(f"it returned {kind_of(got)}; it should return the three values dWy, dby, da")
            return check_gradients(dict(zip(keys, got)), keys, arrays, numeric)
        return Case(context, (dz, a.copy(), Wy.copy()), check)

    shapes = ({"n_y": 3, "n_a": 5, "m": 4, "T_x": 2}, {"n_y": 2, "n_a": 1, "m": 1, "T_x": 1})
    return gradient_task(shaped_cases(shapes, seed, 8, case))


def grade_clip_global_norm(seed, reference):
    """Clipped gradients and the norm against the project's, above, below and without a limit."""
    rng = draw(seed, 9)
    gradients = {"dWax": rng.standard_normal((5, 3)), "dWaa": rng.standard_normal((5, 5)),
                 "dba": rng.standard_normal((5, 1))}
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in gradients.values())))
    shape = "gradients dWax (5, 3), dWaa (5, 5), dba (5, 1)"
    cases = [(f"{shape}, max_norm = {norm / 4:.4g}, a quarter of their norm", norm / 4),
             (f"{shape}, max_norm = {norm * 4:.4g}, four times their norm", norm * 4),
             (f"{shape}, max_norm = None (no clipping)", None)]
    return Task([Case(context, (copy.deepcopy(gradients), max_norm),
                      partial(compare_results, expected=reference(copy.deepcopy(gradients), max_norm),
                              names=("clipped", "total_norm")), check_shared=True)
                 for context, max_norm in cases])


def grade_optimizer(seed, reference):
    """Three updates from a fresh Adam(learning_rate=0.1): parameters and state() against the project's."""
    optimizer_class = getattr(Optimizers, reference.__qualname__.split(".")[0])
    rng = draw(seed, 10)
    parameters = {"Wax": rng.standard_normal((5, 3)), "ba": rng.standard_normal((5, 1))}
    gradients = [{"d" + name: rng.standard_normal(W.shape) for name, W in parameters.items()} for _ in range(3)]
    ours, our_parameters, expected = optimizer_class(learning_rate=0.1), copy.deepcopy(parameters), []
    for gradient in gradients:
        our_parameters = reference(ours, our_parameters, copy.deepcopy(gradient))
        expected.append((our_parameters, ours.state()))
    context = f"of a fresh {optimizer_class.__name__}(learning_rate=0.1), Wax (5, 3), ba (5, 1)"
    keep_memory = "keep the optimizer's memory where __init__ puts it: state() saves it in checkpoints"

    def check(updates, error=None):
        """updates: [(parameters, state)] after each update; error: the child's record of a failure."""
        for update, ((got_parameters, got_state), (our_parameters, our_state)) in enumerate(
                zip(updates, expected), start=1):
            try:
                compare("the new parameters", got_parameters, our_parameters)
            except Mistake as mistake:
                raise Mistake(f"update {update} {context}: {mistake.lines[0]}", *mistake.lines[1:]) from None
            try:
                compare("the optimizer's state()", got_state, our_state)
            except Mistake as mistake:
                raise Mistake(f"update {update} {context}: {mistake.lines[0]}", keep_memory) from None
        if error is not None:
            update = error.get("update")
            if not update:
                raise Mistake(f"{optimizer_class.__name__}(learning_rate=0.1) fails: {error['text']}")
            if error.get("state"):
                raise Mistake(f"update {update} {context}: state() fails after it: {error['text']}", keep_memory)
            raise Mistake(f"update {update} {context}: {error['text']}")
        if len(updates) < len(expected):
            raise Mistake(f"update {len(updates) + 1} {context}: no result came back")
    return Task([Case(context, (parameters, gradients, 0.1), check)], driver="optimizer")


# ---------------------------------------------------------------------------
# grade: each step in a child process that hands back arrays; the verdict is made here
# ---------------------------------------------------------------------------

def reference_function(step):
    """The project's own version of a step's function (imported before any student code runs)."""
    owner = sys.modules[step.file[:-3]] if step.file[:-3] in sys.modules else __import__(step.file[:-3])
    for part in step.name.split("."):
        owner = getattr(owner, part)
    return owner


def argument_names(step):
    """The names of the arguments of a step's function, as its docstring calls them (self left out)."""
    names = list(inspect.signature(reference_function(step)).parameters)
    return [n for n in names if n != "self"]


def imported_names(source):
    """The top-level module names a Python source imports (import a.b -> a; from . -> nothing)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def sanitized(text, limit=300):
    """One line of a student's text fit to show: no control characters, at most `limit` characters."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def read_file_safely(path, limit):
    """The bytes of a regular file at `path` (never through a link), or None if it is not one or too large."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return file.read(limit + 1)[:limit]


def file_hashes(root):
    """{relative path: sha256} of the grader's files: the project's Python files, tests/helpers.py, __pycache__."""
    hashes = {}
    for folder in (root, os.path.join(root, "__pycache__"), os.path.join(root, "tests"),
                   os.path.join(root, "tests", "__pycache__")):
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            if not (name.endswith((".py", ".pyc")) or folder.endswith("__pycache__")):
                continue
            if folder.endswith("tests") and name not in ("helpers.py", "conftest.py"):
                continue
            data = read_file_safely(path, 64 * 1024 ** 2)
            hashes[os.path.relpath(path, root)] = hashlib.sha256(data).hexdigest() if data is not None else "?"
    return hashes


def changed_files(before, after):
    """The paths added, removed or changed between two file_hashes results."""
    return sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))


class Settings(namedtuple("Settings", "seed timeout memory jobs")):
    """How a run grades: the seed of its inputs, CPU seconds and bytes per step, students graded at once."""


def unprivileged_ids():
    """(uid, gid) of the user `nobody`, the user the children run as when the grader runs as root."""
    try:
        import pwd
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except (ImportError, KeyError):
        return 65534, 65534


def others_may_enter(folder):
    """True if every folder from the root down to `folder` lets any user through (o+x)."""
    folder = os.path.realpath(folder)
    while True:
        try:
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        parent = os.path.dirname(folder)
        if parent == folder:
            return True
        folder = parent


def platform_note():
    """What this platform cannot limit (said once per run), or None."""
    try:
        import resource  # noqa: F401
    except ImportError:
        return ("this platform has no per-process limits (no `resource` module, e.g. Windows): "
                "a step is stopped by the wall clock only, memory, file size and processes are not limited")
    return None


class Grader:
    """One grading run: the seed, the limits, the project's files and the expected results, fixed at the start.

    Everything a verdict depends on is read here, before any student code
    runs: the project's sources (from which the children's files are made),
    the reference functions (imported with this module), each step's inputs,
    expected results and numerical gradients.
    """

    def __init__(self, settings):
        self.settings = settings
        self.steps = exercise_steps()
        self.sources = {}                     # the project's modules, as text, read once
        for name in sorted(os.listdir(PROJECT)):
            if name.endswith(".py") and not is_grader_file(name):
                data = read_file_safely(os.path.join(PROJECT, name), MAX_STUDENT_FILE)
                if data is not None:
                    self.sources[name] = data.decode("utf-8")
        self.child_source = read_file_safely(os.path.join(PROJECT, "exercise_child.py"), MAX_STUDENT_FILE).decode()
        self.hashes = file_hashes(PROJECT)
        self.tasks = {step.number: step.grader(settings.seed, reference_function(step)) for step in self.steps}
        self.arguments = {step.number: argument_names(step) for step in self.steps}
        self.graded_files = sorted({step.file for step in self.steps})
        self.project_parts, self.preload = {}, {}
        for step in self.steps:
            self.project_parts[step.number], self.preload[step.number] = self.project_files_for(step)
        self.drop_to = unprivileged_ids() if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.running, self.stopping = set(), False       # the children running now; True after Ctrl-C
        self.starting = threading.Lock()                 # a child is started and listed, or stopped, never between
        self.scratch = tempfile.mkdtemp(prefix="exercises-grading-")
        if self.drop_to and not others_may_enter(os.path.dirname(self.scratch)):
            print(f"Exercises.py: running as root, but the user nobody cannot enter {tempfile.gettempdir()}: "
                  f"the students' code runs as root (set TMPDIR to a folder anyone may enter, e.g. /tmp)",
                  file=sys.stderr)
            self.drop_to = None
        if self.drop_to:
            os.chmod(self.scratch, 0o711)     # `nobody` may enter its own folder, not list the others

    def close(self):
        """Remove the children's working directories."""
        shutil.rmtree(self.scratch, ignore_errors=True)

    def stop(self):
        """Ctrl-C: start no more children, kill the running ones (and what they started)."""
        with self.starting:                   # a child being started now is listed before we look
            self.stopping = True
            running = list(self.running)
        for process in running:
            kill_group(process, wait=False)

    def graded_in_parallel(self, work):
        """[function() for function in work], up to `jobs` at a time; on Ctrl-C every child is stopped."""
        pool = concurrent.futures.ThreadPoolExecutor(self.settings.jobs)
        try:
            futures = [pool.submit(function) for function in work]
            for future in concurrent.futures.as_completed(futures):
                yield future.result()
        except BaseException:
            self.stop()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()

    def project_files_for(self, step):
        """The project's modules a child of `step` needs, and the other modules they import.

        Every module the step's file imports (and so on), from the project's
        own text; in those holding graded functions, every step from this
        one on is blanked, so the child holds the reference of the steps
        this one builds on and not of this step. The step's own file comes
        from the student (see student_files_for).
        """
        files, outside, todo = {}, set(), [step.file]
        while todo:
            name = todo.pop()
            if name in files or name not in self.sources:
                continue
            text = self.sources[name]
            later = [s for s in self.steps if s.file == name and s.number >= step.number]
            files[name] = exercise_source(text, later) if later else text
            for imported in imported_names(text):
                if imported + ".py" in self.sources:
                    todo.append(imported + ".py")
                else:
                    outside.add(imported)
        del files[step.file]
        return files, sorted(outside - {"__future__"})

    def student_files_for(self, step, student):
        """The student's own file of `step`, with the functions of the steps before it the project's own.

        student -- {file name: text} of the student's .py files
        """
        text = student[step.file]
        earlier = [s for s in self.steps if s.file == step.file and s.number < step.number]
        for other in earlier:
            text = with_function_of(text, self.sources[step.file], other.name)
        return text

    def plan(self, step):
        """What the child is told: the file, the function, the cases, the limits."""
        task = self.tasks[step.number]
        arrays = {}
        cases = [{"args": exercise_child.flatten(case.args, arrays),
                  "over_raise": case.over_raise, "check_shared": case.check_shared} for case in task.cases]
        plan = {"file": step.file, "function": step.name, "driver": task.driver, "cases": cases,
                "cpu_seconds": self.settings.timeout, "memory_bytes": self.settings.memory,
                "file_bytes": FILE_LIMIT, "extra_processes": EXTRA_PROCESSES,
                "drop_to": list(self.drop_to) if self.drop_to else None, "preload": self.preload[step.number]}
        return exercise_child.pack(plan, arrays)

    def grade_step(self, step, student):
        """(status, lines) of one step: status "passed", "blank" or "failed"."""
        if step.file not in student:
            return "failed", [f"the copy has no file {step.file}"]
        if still_blank(student[step.file], step.name):
            return "blank", []                # nothing to run: the blank as `make` left it
        files = dict(student)
        files.update(self.project_parts[step.number])
        files[step.file] = self.student_files_for(step, student)
        record, trouble = self.run_child(step, files)
        if record is None:
            return "failed", trouble
        try:
            note = self.verdict(step, record)
            return "passed", [note] if note else []
        except Blank:
            return "blank", []
        except Mistake as mistake:
            return "failed", [sanitized(line, 2000) for line in mistake.lines]
        except Exception as error:          # a result the checks did not foresee
            return "failed", [f"the grader could not check this step's results ({type(error).__name__}: "
                              f"{sanitized(error)})"]

    def verdict(self, step, record):
        """Check what the child handed back against the expected results; a note or Mistake/Blank."""
        task = self.tasks[step.number]
        if "load_error" in record:
            raise Mistake(sanitized(record["load_error"]))
        entries = record["cases"]
        if task.driver == "optimizer":
            entry = entries[0] if entries else {}
            error = entry.get("error")
            if error and error.get("kind") == "blank":
                raise Blank()
            updates = [(u.get("result"), u.get("state")) for u in entry.get("updates", [])]
            task.cases[0].check(updates, error and dict(error, text=sanitized(error.get("text", ""))))
            return None
        notes = []
        for index, case in enumerate(task.cases):
            entry = entries[index] if index < len(entries) else None
            try:
                if entry is None:
                    raise Mistake("no result came back for this case")
                if "error" in entry:
                    if entry["error"].get("kind") == "blank":
                        raise Blank()
                    text = sanitized(entry["error"].get("text", "it failed"))
                    if "MemoryError" in text:
                        text += f" (the limit is {self.settings.memory / 1024 ** 2:g} MB of memory a step)"
                    raise Mistake(text)
                after = entry.get("after")
                for name, before, now in zip(self.arguments[step.number], case.args, after or []):
                    if not same(before, now):
                        raise Mistake(f"it changed its argument {name} in place: compute new arrays instead "
                                      f"(the caller still needs {name} as it was)")
                if case.check_shared and entry.get("shared"):
                    raise Mistake(f"clipped{sanitized(entry['shared'])} is the caller's own array: return a new "
                                  f"dict of new arrays (an update in place would change the caller's gradients too)")
                notes.append(case.check(entry.get("result")))
            except Mistake as mistake:
                raise Mistake(f"{case.context}: {mistake.lines[0]}", *mistake.lines[1:]) from None
        return task.summary(notes) if task.summary else None

    def run_child(self, step, files):
        """Run one step's child; (record, None) with its results rebuilt, or (None, lines saying why not)."""
        workdir = tempfile.mkdtemp(dir=self.scratch)
        try:
            for name, text in files.items():
                with open(os.path.join(workdir, name), "w", encoding="utf-8") as file:
                    file.write(text)
            if self.drop_to:
                for path in [workdir] + [os.path.join(workdir, name) for name in files]:
                    os.chown(path, *self.drop_to)
            with self.exchange_file() as inputs, self.exchange_file() as results, tempfile.TemporaryFile() as log:
                inputs.write(self.plan(step))
                inputs.flush()
                inputs.seek(0)
                returncode, stopped = self.start_and_wait(workdir, inputs, results, log)
                data = read_results(results)
                tail = log_tail(log)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        record = None
        if data is not None:
            try:
                record = results_record(data)
            except Unreadable as why:
                return None, [f"what the process running it handed back cannot be read ({why})"]
        if record is not None:
            return record, None
        return None, self.why_no_results(returncode, stopped, tail)

    def exchange_file(self):
        """A file the grader and a child share: unnamed, passed by descriptor (POSIX), or named, outside
        the child's folder (Windows, where descriptors cannot be passed)."""
        if os.name == "posix":
            return tempfile.TemporaryFile()
        return tempfile.NamedTemporaryFile(dir=self.scratch, delete=False)

    def start_and_wait(self, workdir, inputs, results, log):
        """Start the child, wait for it (within the wall-clock allowance), kill what it left: (returncode, stopped)."""
        posix = os.name == "posix"
        command = [sys.executable, "-I", "-B", "-c", self.child_source, workdir] + \
                  ([str(inputs.fileno()), str(results.fileno())] if posix else [inputs.name, results.name])
        environment = {"PATH": os.defpath, "HOME": workdir, "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1",
                       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "SYSTEMROOT": os.environ.get("SYSTEMROOT", "")}
        with self.starting:                   # else stop() could miss a child started while it looks
            if self.stopping:
                raise KeyboardInterrupt
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=workdir,
                                       env=environment,
                                       pass_fds=(inputs.fileno(), results.fileno()) if posix else (),
                                       start_new_session=hasattr(os, "killpg"))
            self.running.add(process)
        stopped = False
        try:
            process.wait(timeout=4 * self.settings.timeout + WALL_ALLOWANCE)
        except subprocess.TimeoutExpired:
            stopped = True
        finally:                              # also on Ctrl-C: leave nothing of the student's running
            kill_group(process)
            self.running.discard(process)
        if self.stopping:
            raise KeyboardInterrupt
        return process.returncode, stopped

    def why_no_results(self, returncode, stopped, tail):
        """The lines of a step whose child handed back nothing."""
        wall = 4 * self.settings.timeout + WALL_ALLOWANCE
        if stopped:
            return [f"still running after {wall:g} s of wall-clock time (sleeping or waiting?): "
                    f"the grading of this step was stopped"]
        if returncode in (-getattr(signal, "SIGXCPU", 0), -getattr(signal, "SIGKILL", 0)) and returncode:
            return [f"used more than its {self.settings.timeout:g} s of CPU time: an endless loop? "
                    f"(the grading of this step was stopped)"]
        said = f"the Python process running it crashed (exit code {returncode})" if returncode \
            else "the Python process running it ended without handing back results (exit code 0)"
        return [said + (", its last output:" if tail else "")] + ["| " + line for line in tail]

    def grade_student(self, directory):
        """{step number: (status, lines)} of one student's copy; the reason if it is not a copy."""
        student, problem = student_sources(directory, self.graded_files)
        if problem:
            return {step.number: ("failed", [problem]) for step in self.steps}
        return {step.number: self.grade_step(step, student) for step in self.steps}

    def header(self):
        """What each results file records: seed, versions, time."""
        return {"seed": self.settings.seed, "python": platform.python_version(), "numpy": np.__version__,
                "graded_at": self.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "cpu_seconds_per_step": self.settings.timeout, "memory_bytes_per_step": self.settings.memory}


class Unreadable(Exception):
    """What a child handed back is not the plain arrays it should be."""


def kill_group(process, wait=True):
    """Kill the child this program started and everything it started in its session."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        elif process.poll() is None:
            process.kill()
    except OSError:
        pass
    if wait:
        process.wait()


def read_results(results):
    """The bytes a child wrote to its results file (at most the file-size limit), or None if none."""
    results.seek(0)
    data = results.read(FILE_LIMIT + 1)
    return data or None


def log_tail(log):
    """The last three non-empty lines of a child's output (shown, never believed)."""
    log.seek(0, os.SEEK_END)
    size = log.tell()
    log.seek(max(0, size - 4096))
    lines = [sanitized(line.strip(), 200) for line in log.read().decode("utf-8", "replace").splitlines()
             if line.strip()]
    return lines[-3:]


def results_record(data):
    """The child's .npz, read with allow_pickle=False and checked, as the record with the values rebuilt."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > 4 * FILE_LIMIT:
                raise Unreadable("it unpacks to more than the file-size limit")
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except Unreadable:
        raise
    except Exception as error:
        raise Unreadable(f"not an .npz of plain arrays: {type(error).__name__}") from None
    for key, array in arrays.items():
        if type(array) is not np.ndarray:
            raise Unreadable(f"{key} is not a plain array")
    text = arrays.pop(exercise_child.STRUCTURE_KEY, None)
    if text is None or text.dtype != np.uint8 or text.ndim != 1:
        raise Unreadable("it has no description of its results")
    try:
        record = json.loads(text.tobytes().decode("utf-8"))
    except (ValueError, RecursionError):
        raise Unreadable("its description is not JSON") from None
    if not isinstance(record, dict) or not isinstance(record.get("cases", []), list):
        raise Unreadable("its description is not a record of cases")
    try:
        for entry in record.get("cases", []):
            if not isinstance(entry, dict):
                raise Unreadable("a case is not a record")
            for key in ("result", "after"):
                if key in entry:
                    entry[key] = student_value(entry[key], arrays)
            for update in entry.get("updates", []):
                for key in ("result", "state"):
                    if key in update:
                        update[key] = student_value(update[key], arrays)
    except RecursionError:
        raise Unreadable("its results nest too deeply") from None
    return record


def student_value(structure, arrays, depth=0):
    """A value the child described (exercise_child.flatten), rebuilt from plain arrays only."""
    if not isinstance(structure, dict) or depth > 2 * exercise_child.MAX_DEPTH:
        raise Unreadable("a value is not described as the grader describes values")
    if "none" in structure:
        return None
    if "array" in structure or "number" in structure:
        key = structure.get("array", structure.get("number"))
        if not isinstance(key, str) or key not in arrays:
            raise Unreadable(f"it names an array it did not hand back ({sanitized(key, 40)})")
        array = arrays[key]
        if array.dtype.kind not in "biufc":
            raise Unreadable(f"{key} holds {array.dtype}")
        if array.dtype.kind == "c":
            return Opaque(f"complex {'array' if 'array' in structure else 'number'}")
        if "array" in structure:
            return array
        return array.item() if array.shape == () else Opaque("number that is not one number")
    if "str" in structure:
        return sanitized(structure["str"])
    for kind, container in (("tuple", tuple), ("list", list)):
        if kind in structure:
            if not isinstance(structure[kind], list):
                raise Unreadable(f"a {kind} is not described as a list")
            return container(student_value(item, arrays, depth + 1) for item in structure[kind])
    if "dict" in structure:
        items = structure["dict"]
        if not isinstance(items, list) or not all(isinstance(i, list) and len(i) == 2 for i in items):
            raise Unreadable("a dict is not described as pairs")
        return {sanitized(key, 100): student_value(item, arrays, depth + 1) for key, item in items}
    if "other" in structure:
        return Opaque(sanitized(structure["other"], 100))
    raise Unreadable("a value of no known kind")


def still_blank(text, qualname):
    """True if `qualname` in the module `text` is still a blank: its kept checks, then only the raise.

    Read with ast, never run: such a function can earn nothing, whatever its module does.
    """
    try:
        function = find_function(ast.parse(text), qualname)
        kept = kept_statements(function)
    except (SyntaxError, ValueError, LookupError):
        return False
    rest = function.body[kept:]
    if len(rest) != 1 or not isinstance(rest[0], ast.Raise) or rest[0].exc is None:
        return False
    raised = rest[0].exc.func if isinstance(rest[0].exc, ast.Call) else rest[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def with_function_of(text, reference_text, qualname):
    """`text` (a student's module) with the function `qualname` replaced by its text in `reference_text`.

    When the student's text does not parse or lacks the function, it is
    returned as it is (the child then reports why it does not load).
    """
    try:
        node = find_function(ast.parse(text), qualname)
    except (SyntaxError, ValueError, LookupError):
        return text
    ours = find_function(ast.parse(reference_text), qualname)
    reference_lines = reference_text.splitlines(keepends=True)
    first = min([ours.lineno] + [d.lineno for d in ours.decorator_list])
    replacement = reference_lines[first - 1:ours.end_lineno]
    shift = node.col_offset - ours.col_offset
    if shift > 0:
        replacement = [" " * shift + line if line.strip() else line for line in replacement]
    elif shift < 0:
        replacement = [line[-shift:] if line[:-shift].strip() == "" else line for line in replacement]
    lines = text.splitlines(keepends=True)
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    if replacement and not replacement[-1].endswith("\n"):
        replacement[-1] += "\n"
    return "".join(lines[:start - 1] + replacement + lines[node.end_lineno:])


def student_sources(directory, graded_files):
    """({name: text} of the .py files at the top of a student's folder, or None, and why it is not a copy)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError as error:
        return None, f"this folder cannot be read ({error.strerror})"
    if not names:
        return None, "this folder is empty: nothing was handed in"
    files = {}
    if sum(name.endswith(".py") for name in names) > MAX_STUDENT_FILES:
        return None, f"this folder holds more than {MAX_STUDENT_FILES} Python files: not an exercises copy"
    for name in names:
        if name.endswith(".py"):
            data = read_file_safely(os.path.join(directory, name), MAX_STUDENT_FILE)
            if data is not None:
                files[name] = data.decode("utf-8", "replace")
    if not any(name in files for name in graded_files):
        return None, (f"this folder is not an exercises copy: it holds none of the files "
                      f"{', '.join(graded_files)}")
    return files, None


# ---------------------------------------------------------------------------
# grade, grade-all: the scoreboard, the Gradescope results, the class's gradebook
# ---------------------------------------------------------------------------

WORDS = {"passed": "passed", "blank": "not implemented yet", "failed": "WRONG"}


def scoreboard(steps, results, title, header):
    """The text of one student's scoreboard, ending in `score: K/N steps`."""
    lines = [title, f"(seed {header['seed']}, Python {header['python']}, NumPy {header['numpy']}, "
                    f"{header['graded_at']}; each step alone: the steps it builds on are the project's own)", ""]
    width = max(len(s.name) for s in steps)
    for step in steps:
        status, notes = results[step.number]
        label = f"step {step.number:2d}  {step.name:<{width}}  {step.file:<22}"
        note = f" ({notes[0]})" if status == "passed" and notes else ""
        lines.append(f"{label}  {WORDS[status]}{note}")
        if status == "failed":
            lines.extend(f"          {line}" for line in notes)
    passed = sum(results[s.number][0] == "passed" for s in steps)
    lines.append(f"score: {passed}/{len(steps)} steps")
    return "\n".join(lines) + "\n"


def gradescope_results(steps, results, header, text):
    """The student's results in Gradescope's results.json format (one test per step), with the run's record."""
    tests = []
    for step in steps:
        status, notes = results[step.number]
        output = WORDS[status] + (f" ({notes[0]})" if status == "passed" and notes else "")
        if status == "failed":
            output += "\n" + "\n".join(notes)
        tests.append({"name": f"step {step.number}: {step.name} ({step.file})",
                      "score": 1 if status == "passed" else 0, "max_score": 1, "output": output})
    score = sum(test["score"] for test in tests)
    return {"score": score, "max_score": len(steps), "output": text, "tests": tests,
            "extra_data": dict(header, grader="Exercises.py")}


def write_results(path, data):
    """Write a results file atomically (a file this program writes; re-running replaces it)."""
    write_atomically(os.path.abspath(path), data)


def checked_settings(args):
    """The run's Settings from the command line, each option refused in one line if it cannot be used."""
    timeout = args.timeout
    if not (math.isfinite(timeout) and 0 < timeout <= 86400):
        raise UsageError(f"--timeout must be a number of CPU seconds in (0, 86400], got {timeout:g}")
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if not 1 <= jobs <= 256:
        raise UsageError(f"--jobs must be a whole number from 1 to 256, got {jobs}")
    seed = args.seed if args.seed is not None else secrets.randbelow(2 ** 31)
    if not 0 <= seed < 2 ** 63:
        raise UsageError(f"--seed must be a whole number from 0 to 2**63 - 1, got {seed}")
    return Settings(seed, timeout, args.memory, jobs)


def memory_size(text):
    """'2G', '512M', '1500' (megabytes) -> bytes; ValueError for anything else (argparse says it in one line)."""
    units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}
    text = text.strip().upper().removesuffix("B")
    unit = units.get(text[-1:], None)
    number = float(text[:-1] if unit else text)
    size = number * (unit or 1024 ** 2)
    if not (math.isfinite(size) and 64 * 1024 ** 2 <= size <= 1024 ** 4):
        raise ValueError(text)
    return int(size)


def whole_number(text):
    """An int from the command line (argparse's int accepts ' 1', this is the same; named for its message)."""
    return int(text)


def grade(directory, timeout=DEFAULT_TIMEOUT, out=None, *, seed=0, memory=DEFAULT_MEMORY, jobs=None,
          json_path=None):
    """Grade the copy in `directory`, print its scoreboard to `out` (stdout); give (passed, total).

    json_path -- also write its Gradescope results.json there
    """
    out = out or sys.stdout
    if not os.path.isdir(directory):
        raise UsageError(f"{directory} is not a directory")
    if json_path and not os.path.isdir(os.path.dirname(os.path.abspath(json_path))):
        raise UsageError(f"--json {json_path}: its folder does not exist")
    directory = os.path.abspath(directory)
    grader = Grader(Settings(seed, timeout, memory, jobs or os.cpu_count() or 1))
    try:
        student, problem = student_sources(directory, grader.graded_files)
        if problem:
            results = {step.number: ("failed", [problem]) for step in grader.steps}
        else:
            work = [partial(lambda step: (step.number, grader.grade_step(step, student)), step)
                    for step in grader.steps]
            results = dict(grader.graded_in_parallel(work))
    finally:
        grader.close()
    text = scoreboard(grader.steps, results, f"Grading {directory}", grader.header())
    print(text, end="", file=out)
    if json_path:
        data = gradescope_results(grader.steps, results, grader.header(), text)
        write_results(json_path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))
    passed = sum(status == "passed" for status, _ in results.values())
    return passed, len(grader.steps)


def class_folders(submissions, out):
    """The students' folders (sorted by name) and the names of what is skipped, refusing impossible layouts."""
    if not os.path.isdir(submissions):
        raise UsageError(f"{submissions} is not a directory")
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out} exists and is not a directory")
    inside = os.path.realpath(out) + os.sep
    if inside.startswith(os.path.realpath(submissions) + os.sep):
        raise UsageError(f"--out {out} is inside {submissions}: it would be graded as a student; choose another place")
    students, skipped = [], []
    for name in sorted(os.listdir(submissions)):
        path = os.path.join(submissions, name)
        if name.startswith("."):
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            students.append(name)
        else:
            skipped.append(name)
    return students, skipped


def grade_all(submissions, out, settings, console=None):
    """Grade every student's folder in `submissions` into `out`; give the exit code (0, or 1 if the grader changed)."""
    console = console or sys.stdout
    students, skipped = class_folders(submissions, out)
    refuse_impossible_target(out)
    os.makedirs(out, exist_ok=True)
    for name in skipped:
        print(f"skipped {name}: not a folder (or a link to one)", file=console)
    grader = Grader(settings)
    steps, lock, finished = grader.steps, threading.Lock(), []
    rows, changed = {}, None
    try:
        sources = {}
        for name in students:
            sources[name] = student_sources(os.path.join(submissions, name), grader.graded_files)
        pending = {name: {} for name in students}
        in_progress = set()

        def grade_one(name, step):
            student, problem = sources[name]
            with lock:
                in_progress.add(name)
            return name, step, ("failed", [problem]) if problem else grader.grade_step(step, student)

        work = [partial(grade_one, name, step) for name in students for step in steps]
        for name, step, result in grader.graded_in_parallel(work):
            with lock:
                pending[name][step.number] = result
                if len(pending[name]) < len(steps):
                    continue
                in_progress.discard(name)
                finished.append(name)
            results = pending[name]
            text = scoreboard(steps, results, f"Grading {os.path.join(submissions, name)}", grader.header())
            write_results(os.path.join(out, name + ".txt"), text.encode("utf-8"))
            data = gradescope_results(steps, results, grader.header(), text)
            write_results(os.path.join(out, name + ".json"), (json.dumps(data, indent=1) + "\n").encode())
            rows[name] = [int(results[s.number][0] == "passed") for s in steps]
            print(f"[{len(finished)}/{len(students)}] {name}: {sum(rows[name])}/{len(steps)} steps",
                  file=console, flush=True)
            if changed is None:
                now = changed_files(grader.hashes, file_hashes(PROJECT))
                if now:
                    changed = (name, sorted(in_progress), now)
        table = io.StringIO()
        writer = csv.writer(table, lineterminator="\n")
        writer.writerow(["student", "score", "max_score"] + [s.name for s in steps])
        for name in students:
            writer.writerow([name, sum(rows[name]), len(steps)] + rows[name])
        write_results(os.path.join(out, "grades.csv"), table.getvalue().encode("utf-8"))
    finally:
        grader.close()
    print(f"graded {len(students)} students (seed {settings.seed}) into {out}", file=console)
    if changed:
        name, others, paths = changed
        also = f" (graded at the same time: {', '.join(others)})" if others else ""
        print(f"WARNING: the grader's files changed while the class was graded: {', '.join(paths[:5])}; "
              f"first seen after grading {name}{also}. Every verdict was made with the files as they were "
              f"at the start; restore the project's files (git checkout, delete __pycache__) before grading again.",
              file=console)
        return 1
    return 0


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake on the command line is one line (UsageError), not the usage text."""

    def error(self, message):
        raise UsageError(message)


def not_dumpable():
    """Linux: make this process's /proc entries (its files, its memory) closed to its own children."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)       # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError, ImportError):
        pass


def interrupted(number, frame):
    """A signal handler: stop as on Ctrl-C."""
    raise KeyboardInterrupt


def main(argv=None):
    """Command line: make, grade, grade-all."""
    parser = OneLineParser(prog="Exercises.py", description="Exercises with blanks, and their grader.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    make_parser = commands.add_parser("make", help="write a copy of the project with blanks into DIR")
    make_parser.add_argument("directory", metavar="DIR")
    make_parser.add_argument("--force", action="store_true",
                             help="remake an earlier exercises copy in DIR (its answers are overwritten)")
    grade_parser = commands.add_parser("grade", help="grade the exercises in DIR")
    grade_parser.add_argument("directory", metavar="DIR")
    grade_parser.add_argument("--json", metavar="FILE", help="also write Gradescope's results.json to FILE")
    all_parser = commands.add_parser("grade-all", help="grade a class: one folder per student in SUBMISSIONS")
    all_parser.add_argument("submissions", metavar="SUBMISSIONS")
    all_parser.add_argument("--out", metavar="RESULTS", required=True,
                            help="where grades.csv, STUDENT.txt and STUDENT.json go")
    for sub in (grade_parser, all_parser):
        sub.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                         help=f"CPU seconds allowed per step (default {DEFAULT_TIMEOUT:g})")
        sub.add_argument("--memory", type=memory_size, default=DEFAULT_MEMORY,
                         help="memory allowed per step, e.g. 512M or 2G (default 2G)")
        sub.add_argument("--seed", type=whole_number, default=None,
                         help="seed of the inputs (default: a new one, written into the results)")
        sub.add_argument("--jobs", type=whole_number, default=None,
                         help="steps graded at once (default: the number of cores)")
    try:
        args = parser.parse_args(argv)
        if args.command == "make":
            files, steps = make(args.directory, args.force)
            print(f"wrote {len(files)} files to {args.directory}, with {len(steps)} functions to write:")
            for step in steps:
                print(f"  step {step.number:2d}  {step.name} in {step.file}")
            print(f"grade them with: python {os.path.relpath(os.path.abspath(__file__))} grade {args.directory}")
            return 0
        settings = checked_settings(args)
        for name in ("SIGTERM", "SIGHUP"):         # stopped: like Ctrl-C, the children are stopped and removed
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), interrupted)
        note = platform_note()
        if note:
            print(f"Exercises.py: {note}", file=sys.stderr)
        not_dumpable()
        if args.command == "grade":
            passed, total = grade(args.directory, settings.timeout, seed=settings.seed, memory=settings.memory,
                                  jobs=settings.jobs, json_path=args.json)
            return 0 if passed == total else 1
        return grade_all(args.submissions, args.out, settings)
    except UsageError as error:
        print(f"Exercises.py: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Exercises.py: interrupted (nothing of the students' is left running)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
