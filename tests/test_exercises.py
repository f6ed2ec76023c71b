"""Exercises.py: the student's copy is the project with blanks, and the grader blames the right step.

The student answers below are written here, from the equations, not taken
from the project's code, so the tests keep their meaning when the project's
function bodies change.
"""
import ast
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

import Exercises

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = Exercises.exercise_steps()
N = len(STEPS)
EXERCISE_FILES = sorted({step.file for step in STEPS})


def run(*args, timeout=300):
    """Run Exercises.py as a user would."""
    return subprocess.run([sys.executable, os.path.join(ROOT, "Exercises.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def make(directory, force=False):
    """A fresh exercises copy in `directory` (in this process: `run` tests the command line)."""
    Exercises.make(str(directory), force)
    return directory


def scoreboard(stdout):
    """{step name: (verdict, detail lines)} from the grader's output."""
    board, name = {}, None
    for line in stdout.splitlines():
        if line.startswith("step "):
            number, rest = line[5:].split(None, 1)
            name, _, verdict = rest.split(None, 2)
            board[name] = (verdict, [])
        elif line.startswith("          ") and name:
            board[name][1].append(line.strip())
    return board


def grade(directory, timeout=Exercises.DEFAULT_TIMEOUT):
    """The grader's output and its scoreboard (the grading itself runs in its own processes)."""
    out = io.StringIO()
    Exercises.grade(str(directory), timeout, out, seed=0)
    return out.getvalue(), scoreboard(out.getvalue())


def answer(directory, step_name, body, keep_checks=True):
    """Write a student's `body` (text at the function's indentation) into the step's function in `directory`."""
    step = next(s for s in STEPS if s.name == step_name)
    path = os.path.join(directory, step.file)
    with open(path, encoding="utf-8") as file:
        source = file.read()
    lines = [line + "\n" for line in body.strip("\n").split("\n")]
    with open(path, "w", encoding="utf-8") as file:
        file.write(Exercises.replace_body(source, step_name, lines, keep_checks))


def solved_copy(directory):
    """An exercises copy with every step done: the project's own files put back."""
    make(directory)
    for name in EXERCISE_FILES:
        shutil.copyfile(os.path.join(ROOT, name), os.path.join(directory, name))
    return directory


# Student answers. Each body is what a student would type into the blank.
SOFTMAX_RIGHT = """
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)"""
SOFTMAX_NO_SHIFT = """
    e = np.exp(x)
    return e / np.sum(e, axis=0, keepdims=True)"""
SOFTMAX_ONE_MAX = """
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=0, keepdims=True)"""
RNN_CELL_FORWARD_NO_BIAS = """
    a_next = np.tanh(parameters["Waa"] @ a_prev + parameters["Wax"] @ xt)
    yt_pred = softmax(parameters["Wya"] @ a_next + parameters["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)"""
RNN_CELL_BACKWARD_NO_SQUARE = """
    a_next, a_prev, xt, parameters = cache
    dz = (1 - a_next) * da_next
    return {"dxt": parameters["Wax"].T @ dz, "da_prev": parameters["Waa"].T @ dz,
            "dWax": dz @ xt.T, "dWaa": dz @ a_prev.T, "dba": dz.sum(axis=1, keepdims=True)}"""
RNN_BACKWARD_NO_CARRY = """
    cell_caches, x = caches
    gradients = {"dx": np.zeros(x.shape), "dWax": 0, "dWaa": 0, "dba": 0}
    for t in reversed(range(x.shape[2])):
        step = rnn_cell_backward(da[:, :, t], cell_caches[t])
        gradients["dx"][:, :, t] = step["dxt"]
        for key in ("dWax", "dWaa", "dba"):
            gradients[key] = gradients[key] + step[key]
    gradients["da0"] = step["da_prev"]
    return gradients"""
CLIP_IN_PLACE = """
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in gradients.values())))
    if max_norm and total_norm > max_norm:
        for g in gradients.values():
            g *= max_norm / total_norm
    return gradients, total_norm"""
CLIP_RIGHT = """
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in gradients.values())))
    scale = max_norm / total_norm if max_norm and total_norm > max_norm else 1.0
    return {key: g * scale for key, g in gradients.items()}, total_norm"""


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    return make(tmp_path_factory.mktemp("blank") / "exercises")


def function_nodes(tree):
    """{qualname: node} of the graded functions in a parsed file."""
    return {step.name: Exercises.find_function(tree, step.name) for step in STEPS}


def outside(lines, nodes):
    """The text outside the given function nodes, as a list of chunks between them."""
    chunks, start = [], 0
    for node in sorted(nodes, key=lambda n: n.lineno):
        chunks.append("".join(lines[start:node.lineno - 1]))
        start = node.end_lineno
    return chunks + ["".join(lines[start:])]


@pytest.mark.parametrize("name", EXERCISE_FILES)
def test_make_blanks_each_graded_function_and_keeps_the_rest_byte_for_byte(blank, name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as file:
        source = file.read()
    with open(blank / name, encoding="utf-8") as file:
        copy = file.read()
    steps = [s for s in STEPS if s.file == name]
    src_tree, copy_tree = ast.parse(source), ast.parse(copy)
    src_nodes = [Exercises.find_function(src_tree, s.name) for s in steps]
    copy_nodes = [Exercises.find_function(copy_tree, s.name) for s in steps]
    src_lines, copy_lines = source.splitlines(keepends=True), copy.splitlines(keepends=True)
    assert outside(copy_lines, copy_nodes) == outside(src_lines, src_nodes)
    for step, original, blanked in zip(steps, src_nodes, copy_nodes):
        assert ast.dump(blanked.args) == ast.dump(original.args), step.name
        assert ast.get_docstring(blanked, clean=False) == ast.get_docstring(original, clean=False)
        body = copy_lines[blanked.body[0].lineno - 1:blanked.end_lineno]
        marker = f"# ---- your code here (step {step.number}: {step.name};"
        assert body[-2].strip().startswith(marker), body[-2]
        assert body[-1].strip() == f'raise NotImplementedError("step {step.number}: {step.name}")'
        # What stays above the blank is the start of the original body (docstring, argument checks).
        kept = [line for line in body[:-2] if line.strip()]
        original_body = [line for line in src_lines[original.body[0].lineno - 1:original.end_lineno]
                         if line.strip()]
        assert kept == original_body[:len(kept)]
        assert len(kept) < len(original_body)


def test_the_argument_checks_stay_and_the_maths_goes(blank):
    for step in STEPS:
        with open(os.path.join(ROOT, step.file), encoding="utf-8") as file:
            original = Exercises.find_function(ast.parse(file.read()), step.name)
        with open(blank / step.file, encoding="utf-8") as file:
            blanked = Exercises.find_function(ast.parse(file.read()), step.name)
        assert not any(isinstance(node, ast.Return) for node in ast.walk(blanked)), step.name
        first = original.body[1]
        if isinstance(first, ast.If) and "check" in ast.unparse(first):     # a cell's block of checks
            assert ast.dump(blanked.body[1]) == ast.dump(first), step.name     # kept whole


def test_the_rest_of_the_copy_is_the_project_and_still_works(blank):
    for folder, _, names in os.walk(ROOT):
        if any(part in Exercises.NOT_COPIED_DIRS for part in os.path.relpath(folder, ROOT).split(os.sep)):
            continue
        for name in names:
            relative = os.path.relpath(os.path.join(folder, name), ROOT)
            if (relative in EXERCISE_FILES or Exercises.is_grader_file(relative) or name.endswith(".pyc")
                    or name in Exercises.NOT_COPIED_DIRS):
                continue
            with open(os.path.join(ROOT, relative), "rb") as a, open(blank / relative, "rb") as b:
                assert a.read() == b.read(), relative
    assert not (blank / "Exercises.py").exists() and not (blank / "tests" / "test_exercises.py").exists()
    assert not (blank / "exercise_child.py").exists()
    script = ("import BackwardPropagation, DataGenerator, Loss, Optimizers, TruncatedBPTT, VectorizedRNN\n"
              "from ForwardPropagation import rnn_forward\n"
              "x, a0, parameters, da = DataGenerator.DataGenerator()\n"
              "w = x[:, :, 0]\n"
              "print(bool((Optimizers.SGD(0.5).update({'W': w}, {'dW': w})['W'] == 0.5 * w).all()))\n"
              "try:\n    rnn_forward(x, a0, parameters)\n"
              "except NotImplementedError as error:\n    print(error)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=blank, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True", "step 4: rnn_forward"]
    with open(blank / Exercises.MARKER, encoding="utf-8") as file:
        assert "rnn_utils.py" in json.load(file)["files"]


def test_make_refuses_a_directory_that_is_not_empty(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert Exercises.main(["make", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "not empty" in error and len(error.splitlines()) == 1
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_make_again_needs_force_and_never_overwrites_files_it_did_not_write(tmp_path):
    target = make(tmp_path / "exercises")
    answer(target, "softmax", SOFTMAX_RIGHT)
    (target / "notes.txt").write_text("mine")
    answered = (target / "rnn_utils.py").read_text()
    with pytest.raises(Exercises.UsageError, match="--force"):
        make(target)
    assert (target / "rnn_utils.py").read_text() == answered

    # A file the earlier copy did not write (here: dropped from its list) is never overwritten.
    marker = target / Exercises.MARKER
    manifest = json.loads(marker.read_text())
    manifest["files"].remove("README.md")
    marker.write_text(json.dumps(manifest))
    with pytest.raises(Exercises.UsageError, match="README.md"):
        make(target, force=True)
    assert (target / "rnn_utils.py").read_text() == answered

    manifest["files"].append("README.md")
    marker.write_text(json.dumps(manifest))
    make(target, force=True)
    assert 'raise NotImplementedError("step 1: softmax")' in (target / "rnn_utils.py").read_text()
    assert (target / "notes.txt").read_text() == "mine"


def test_an_untouched_copy_grades_zero(tmp_path):
    assert Exercises.main(["make", str(tmp_path / "exercises")]) == 0
    result = run("grade", tmp_path / "exercises")         # the command line, as a teacher runs it
    board = scoreboard(result.stdout)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == f"score: 0/{N} steps"
    assert [name for name in board] == [step.name for step in STEPS]
    assert all(verdict == "not implemented yet" for verdict, _ in board.values())


def test_the_project_itself_grades_full(capsys):
    assert Exercises.main(["grade", ROOT]) == 0
    result = capsys.readouterr().out
    assert result.splitlines()[-1] == f"score: {N}/{N} steps"
    assert all(verdict.startswith("passed") for verdict, _ in scoreboard(result).values())


def test_one_step_done_passes_alone(tmp_path):
    target = make(tmp_path / "exercises")
    answer(target, "softmax", SOFTMAX_RIGHT)
    result, board = grade(target)
    assert result.splitlines()[-1] == f"score: 1/{N} steps"
    assert board["softmax"][0] == "passed"
    assert all(verdict == "not implemented yet" for name, (verdict, _) in board.items() if name != "softmax")


def test_each_slip_is_blamed_on_its_own_step_and_no_other(tmp_path):
    target = solved_copy(tmp_path / "exercises")
    answer(target, "softmax", SOFTMAX_NO_SHIFT, keep_checks=False)
    answer(target, "rnn_cell_forward", RNN_CELL_FORWARD_NO_BIAS, keep_checks=False)
    answer(target, "rnn_cell_backward", RNN_CELL_BACKWARD_NO_SQUARE, keep_checks=False)
    answer(target, "rnn_backward", RNN_BACKWARD_NO_CARRY, keep_checks=False)
    result, board = grade(target)
    wrong = {name for name, (verdict, _) in board.items() if verdict == "WRONG"}
    assert wrong == {"softmax", "rnn_cell_forward", "rnn_cell_backward", "rnn_backward"}, result
    assert all(board[s.name][0].startswith("passed") for s in STEPS if s.name not in wrong)
    assert result.splitlines()[-1] == f"score: {N - 4}/{N} steps"
    # rnn_forward passed although the student's cell is wrong: it ran with the project's cell.
    softmax_says = " ".join(board["softmax"][1])
    assert "nan" in softmax_says and "shift the scores" in softmax_says
    assert board["rnn_cell_forward"][1][0].startswith("at n_x=3, n_a=5, n_y=2, m=4: a_next[")
    cell_says = board["rnn_cell_backward"][1]
    assert any(line.startswith("dWaa: relative error") for line in cell_says)
    assert "numerical" in " ".join(cell_says)
    carry_says = board["rnn_backward"][1]
    dx = next(line for line in carry_says if line.startswith("dx:"))
    assert "wrong at t = 0, 1, right at t = 2" in dx
    assert any(line.startswith("da0: relative error") for line in carry_says)


def test_softmax_with_one_max_for_the_batch_and_writing_into_arguments_are_caught(tmp_path):
    target = make(tmp_path / "exercises")
    answer(target, "softmax", SOFTMAX_ONE_MAX)
    answer(target, "clip_global_norm", CLIP_IN_PLACE)
    result, board = grade(target)
    assert {name for name, (verdict, _) in board.items() if verdict == "WRONG"} == {"softmax", "clip_global_norm"}
    assert "each column's own" in board["softmax"][1][0] and "nan" in board["softmax"][1][0]
    assert "changed its argument gradients in place" in board["clip_global_norm"][1][0]
    assert result.splitlines()[-1] == f"score: 0/{N} steps"


def test_an_endless_loop_or_a_crash_costs_one_step_only(tmp_path):
    target = make(tmp_path / "exercises")
    answer(target, "sigmoid", "    while True:\n        pass")
    answer(target, "rnn_cell_forward", '    print("about to crash")\n    __import__("os")._exit(3)')
    answer(target, "clip_global_norm", CLIP_RIGHT)
    result, board = grade(target, timeout=1)     # 1 s of CPU time: however loaded the machine is
    assert board["sigmoid"][0] == "WRONG"
    assert "used more than its 1 s of CPU time: an endless loop?" in board["sigmoid"][1][0]
    assert board["rnn_cell_forward"][0] == "WRONG"
    assert "crashed (exit code 3)" in board["rnn_cell_forward"][1][0]
    assert "| about to crash" in board["rnn_cell_forward"][1]
    assert board["clip_global_norm"][0] == "passed"          # graded after the crash and the loop
    assert board["rnn_forward"][0] == "not implemented yet"
    assert result.splitlines()[-1] == f"score: 1/{N} steps"


def test_bad_usage_is_one_line_and_exit_code_2(tmp_path, capsys):
    (tmp_path / "file").write_text("a regular file")
    for args in (["grade", str(tmp_path / "missing")], ["grade", str(tmp_path), "--timeout", "0"],
                 ["make", str(ROOT)], ["grade", str(tmp_path), "--timeout", "inf"],
                 ["grade", str(tmp_path), "--timeout", "nan"], ["grade", str(tmp_path), "--timeout", "1e400"],
                 ["grade", str(tmp_path), "--memory", "lots"], ["grade", str(tmp_path), "--memory", "1K"],
                 ["grade", str(tmp_path), "--jobs", "0"], ["grade", str(tmp_path), "--jobs", "x"],
                 ["grade", str(tmp_path), "--seed", "-1"], ["grade", str(tmp_path), "--json", str(tmp_path / "no/r.json")],
                 ["grade-all", str(tmp_path)], ["grade-all", str(tmp_path / "missing"), "--out", str(tmp_path / "r")],
                 ["grade-all", str(tmp_path), "--out", str(tmp_path / "file")],
                 ["grade-all", str(tmp_path), "--out", str(tmp_path / "results")],
                 ["make", str(tmp_path / "file" / "below")], ["make", "/proc/exercises"], ["frobnicate"], []):
        assert Exercises.main(args) == 2, args
        error = capsys.readouterr().err
        assert len(error.splitlines()) == 1 and error.startswith("Exercises.py: "), (args, error)
    assert sorted(os.listdir(tmp_path)) == ["file"]        # nothing was made


def test_the_validation_lines_kept_are_the_checks_at_the_top():
    source = '''def f(x):
    """Doc."""
    check_array("x", x, 2)
    n, m = x.shape
    if n == 0:
        raise ValueError("empty")
    dtype = result_dtype(x)
    size = n * m
    y = x * 2
    return y


def g(x):
    """Doc."""
    if checks_wanted():
        check_array("x", x, 2)
    n, m = x.shape
    return n

'''
    lines = Exercises.replace_body(source, "f", ["    return 0\n"]).splitlines()
    assert lines[2:7] == ['    check_array("x", x, 2)', "    n, m = x.shape", "    if n == 0:",
                          '        raise ValueError("empty")', "    dtype = result_dtype(x)"]
    assert lines[7:10] == ["", "    return 0", ""]       # `size = n * m` comes after the last check
    lines = Exercises.replace_body(source, "g", ["    return 0\n"]).splitlines()
    g = lines.index("def g(x):")
    assert lines[g + 2:g + 6] == ["    if checks_wanted():", '        check_array("x", x, 2)', "", "    return 0"]
    assert "    y = x * 2" in lines                      # f is untouched when g is blanked
    one_line = 'def c(xt, a_prev):\n    """Doc."""\n    xt, a_prev = checked_cell_arguments(xt, a_prev)\n    return xt\n'
    lines = Exercises.replace_body(one_line, "c", ["    return 0\n"]).splitlines()
    assert lines[2:] == ["    xt, a_prev = checked_cell_arguments(xt, a_prev)", "", "    return 0"]


def test_every_step_points_to_a_section_of_its_page():
    for step in STEPS:                                   # the README or a chapter's page, and a heading on it
        with open(os.path.join(ROOT, step.page), encoding="utf-8") as file:
            headings = {line.lstrip("#").strip() for line in file if line.startswith("#")}
        assert step.section in headings, (step.number, step.page, step.section)


def test_make_force_never_writes_through_a_link_planted_in_the_copy(tmp_path):
    target = make(tmp_path / "exercises")
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(target / "data")
    os.symlink(outside, target / "data")                 # a folder of the copy, now a link out of it
    with pytest.raises(Exercises.UsageError, match="symbolic link"):
        make(target, force=True)
    assert os.listdir(outside) == []
    os.remove(target / "data")
    shutil.copytree(os.path.join(ROOT, "data"), target / "data")
    os.remove(target / "README.md")
    os.symlink(outside / "README.md", target / "README.md")      # a file of the copy, now a link
    assert Exercises.main(["make", str(target), "--force"]) == 2
    assert os.listdir(outside) == []
