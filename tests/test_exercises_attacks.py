"""Exercises.py against a student's code that tries to earn what it did not compute, or to do harm.

Each test is an attack that fooled (or was not limited by) the grader that
ran the student's code in the process that decided the grade. Every copy is
graded with a fixed seed and generous limits: CPU time, never wall-clock
races, so the tests do not depend on the machine's speed.
The attacks that reach the grader's own files run on a copy of the project.
"""
import csv
import json
import os
import shutil
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

import pytest


from test_exercises import ROOT, N, STEPS, SOFTMAX_RIGHT, answer, make, run, scoreboard

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the limits and attacks are POSIX ones")

CLAIM = '''
    import json, os
    claims = "".join(json.dumps({"step": n, "status": "passed", "lines": []}) + "\\n" for n in range(1, 19))
'''
FAKE_RESULT_LINES = CLAIM + '''
    for fd in range(3, 64):                  # every inherited file descriptor
        try:
            os.write(fd, claims.encode())
        except OSError:
            pass
    raise NotImplementedError
'''
FAKE_SCOREBOARD = '''
    import os, sys
    fake = "".join(f"step {n:2d}  faked  x.py  passed\\n" for n in range(1, 19)) + "score: 18/18 steps\\n"
    print(fake)
    print(fake, file=sys.stderr)
    for stream in (1, 2):                    # the grader's own output, through /proc
        try:
            with open(f"/proc/{os.getppid()}/fd/{stream}", "w") as grader:
                grader.write(fake)
        except OSError:
            pass
    raise NotImplementedError
'''
PATCH_NUMPY = '''
    import numpy
    numpy.abs = lambda value, *args, **kwargs: numpy.zeros(numpy.shape(value))
    numpy.maximum = lambda a, b, *args, **kwargs: numpy.full(numpy.broadcast(a, b).shape, numpy.inf)
    return x
'''
PATCH_GRADER = '''

import sys as _sys
for _module in list(_sys.modules.values()):         # when the module is loaded: before any comparison
    for _name in ("compare", "compare_results"):
        if hasattr(_module, _name):
            setattr(_module, _name, lambda *args, **kwargs: None)
'''
ALWAYS_EQUAL = '''
    import sys
    import numpy

    class AlwaysEqual(numpy.ndarray):
        def __eq__(self, other):
            return True

        def __ne__(self, other):
            return False

        @property
        def shape(self):                     # a grader in the same process looks at it...
            for module in list(sys.modules.values()):
                if hasattr(module, "elementwise_error"):
                    module.elementwise_error = lambda got, expected: numpy.zeros(numpy.shape(expected))
            return numpy.ndarray.shape.__get__(self)
    return numpy.zeros(x.shape).view(AlwaysEqual)
'''
EXIT_AT_IMPORT = '''

import json as _json, os as _os
for _fd in range(3, 64):
    try:
        _os.write(_fd, "".join(_json.dumps({"step": n, "status": "passed", "lines": []}) + "\\n"
                               for n in range(1, 19)).encode())
    except OSError:
        pass
_os._exit(0)
'''
ATEXIT = CLAIM + '''
    import atexit
    kept = []
    for fd in range(3, 64):
        try:
            kept.append(os.dup(fd))
        except OSError:
            pass

    def claim():
        for fd in kept:
            try:
                os.write(fd, claims.encode())
            except OSError:
                pass
        os._exit(0)                          # and end with success
    atexit.register(claim)
    raise KeyboardInterrupt                  # not an Exception: the process winds down through atexit
'''
IMPORT_THE_REFERENCE = '''
    import importlib, sys
    module = sys.modules.get("RNN_UNIT_CELL") or importlib.import_module("RNN_UNIT_CELL")
    if module.rnn_cell_forward.__code__ is not sys._getframe().f_code:     # not this very function
        return module.rnn_cell_forward(xt, a_prev, parameters)
    raise NotImplementedError
'''
HUGE_ALLOCATION = '''
    import numpy
    kept = [numpy.ones(2 ** 27) for _ in range(2)]       # 2 GB, every page touched
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
'''
FORK_BOMB = '''
    import os, time
    for _ in range(300):                     # bounded, so that a grader without a limit survives it
        if os.fork() == 0:
            time.sleep(20)
            os._exit(0)
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
'''


def graded(target, *options):
    """Grade a copy from the command line with a fixed seed: (exit code, stdout, board, results.json)."""
    result = run("grade", target, "--seed", "5", "--json", target / "results.json", *options)
    data = json.loads((target / "results.json").read_text()) if (target / "results.json").exists() else None
    return result, scoreboard(result.stdout), data


def verdicts(data):
    """{step name: score} from a results.json."""
    return {test["name"].split()[2]: test["score"] for test in data["tests"]}


def assert_only(data, passed):
    """Exactly the steps in `passed` passed."""
    assert data is not None
    assert {name for name, score in verdicts(data).items() if score} == set(passed), data
    assert data["score"] == len(passed) and data["max_score"] == N


def blank_with(tmp_path, step, body, keep_checks=True):
    """A blank copy with one step answered by `body`."""
    target = make(tmp_path / "exercises")
    answer(target, step, body, keep_checks)
    return target


def test_fake_result_lines_written_to_every_inherited_descriptor_earn_nothing(tmp_path):
    target = blank_with(tmp_path, "gru_backward", FAKE_RESULT_LINES)    # the last step: nothing comes after
    result, board, data = graded(target)
    assert_only(data, [])
    assert board["gru_backward"][0] == "not implemented yet"
    assert result.stdout.splitlines()[-1] == f"score: 0/{N} steps"


def test_a_fake_scoreboard_reaches_neither_the_verdict_nor_the_graders_output(tmp_path):
    target = blank_with(tmp_path, "softmax", FAKE_SCOREBOARD)
    result, board, data = graded(target)
    assert_only(data, [])
    assert "faked" not in result.stdout and "faked" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Grading ") and sum(line.startswith("step ") for line in lines) == N
    assert lines[-1] == f"score: 0/{N} steps"


def test_monkeypatching_numpy_changes_only_the_students_own_process(tmp_path):
    target = blank_with(tmp_path, "softmax", PATCH_NUMPY)
    result, board, data = graded(target)
    assert_only(data, [])
    assert board["softmax"][0] == "WRONG" and "softmax(x)[" in board["softmax"][1][0]


def test_monkeypatching_the_grader_reaches_no_grader(tmp_path):
    target = blank_with(tmp_path, "rnn_cell_forward", "    return None")
    with open(target / "RNN_UNIT_CELL.py", "a", encoding="utf-8") as file:
        file.write(PATCH_GRADER)
    result, board, data = graded(target)
    assert_only(data, [])
    assert "it returned None; expected the 3 values a_next, yt_pred, cache" in board["rnn_cell_forward"][1][0]


def test_an_ndarray_subclass_whose_comparisons_always_succeed_is_read_as_its_values(tmp_path):
    target = blank_with(tmp_path, "sigmoid", ALWAYS_EQUAL)
    result, board, data = graded(target)
    assert_only(data, [])
    assert "sigmoid(x)[" in board["sigmoid"][1][0] and "is 0, expected" in board["sigmoid"][1][0]


def test_exit_with_success_at_import_after_claiming_every_step_earns_nothing(tmp_path):
    target = blank_with(tmp_path, "softmax", SOFTMAX_RIGHT)
    with open(target / "rnn_utils.py", "a", encoding="utf-8") as file:
        file.write(EXIT_AT_IMPORT)
    result, board, data = graded(target)
    assert_only(data, [])
    assert board["softmax"][0] == "WRONG"            # its module never loads; the other files are the project's
    said = board["softmax"][1][0]                    # its claims are garbage in the results it never finished
    assert "cannot be read" in said or "ended without handing back results (exit code 0)" in said


def test_an_atexit_handler_that_claims_success_never_runs(tmp_path):
    target = blank_with(tmp_path, "softmax", ATEXIT)
    result, board, data = graded(target)
    assert_only(data, [])
    assert "it raised KeyboardInterrupt" in board["softmax"][1][0]


def test_the_reference_of_the_step_being_graded_cannot_be_imported(tmp_path):
    target = blank_with(tmp_path, "rnn_cell_forward", IMPORT_THE_REFERENCE, keep_checks=False)
    result, board, data = graded(target)
    assert_only(data, [])
    assert board["rnn_cell_forward"][0] == "not implemented yet"


def test_a_huge_allocation_costs_that_step_only(tmp_path):
    target = blank_with(tmp_path, "softmax", HUGE_ALLOCATION)
    answer(target, "sigmoid", "    return 0.5 * (1 + np.tanh(x / 2))")
    result, board, data = graded(target, "--memory", "512M")
    assert_only(data, ["sigmoid"])
    assert "it raised MemoryError" in board["softmax"][1][0]
    assert "the limit is 512 MB of memory a step" in board["softmax"][1][0]


def test_a_fork_bomb_is_stopped_at_the_process_limit(tmp_path):
    target = blank_with(tmp_path, "softmax", FORK_BOMB)
    answer(target, "sigmoid", "    return 0.5 * (1 + np.tanh(x / 2))")
    result, board, data = graded(target)
    assert_only(data, ["sigmoid"])
    assert "it raised BlockingIOError" in board["softmax"][1][0]


# ---------------------------------------------------------------------------
# A class, where one student's code reaches the grader's files
# ---------------------------------------------------------------------------

@pytest.fixture
def teacher():
    """A folder outside pytest's own (which only its user may enter), for a copy of the grader."""
    folder = tempfile.mkdtemp(prefix="exercises-teacher-")
    os.chmod(folder, 0o755)
    yield pathlib.Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


def grader_copy(folder):
    """A copy of the project's files the grader needs, writable by anyone (as a same-user student's code finds it)."""
    copy = folder / "grader"
    (copy / "tests").mkdir(parents=True)
    for name in os.listdir(ROOT):
        if name.endswith(".py"):
            shutil.copyfile(os.path.join(ROOT, name), copy / name)
    shutil.copyfile(os.path.join(ROOT, "tests", "helpers.py"), copy / "tests" / "helpers.py")
    for folder, folders, files in os.walk(copy):
        os.chmod(folder, 0o777)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o666)
    return copy


REWRITE_THE_GRADER = '''
    with open({path!r}, "a") as grader:
        grader.write("\\n\\ndef softmax(x):\\n    return x\\n")
    import os
    os._exit(1)
'''
PLANT_A_PYC = '''
    import os, sys
    external = sys.modules["importlib._bootstrap_external"]      # (frozen in every Python)
    source = {path!r}
    info = os.stat(source)
    with open(source) as file:
        code = compile(file.read() + "\\n\\ndef softmax(x):\\n    return x\\n", source, "exec")
    cached = os.path.join(os.path.dirname(source), "__pycache__", f"rnn_utils.{{sys.implementation.cache_tag}}.pyc")
    os.makedirs(os.path.dirname(cached), exist_ok=True)
    with open(cached, "wb") as planted:
        planted.write(external._code_to_timestamp_pyc(code, int(info.st_mtime), info.st_size))
    os._exit(1)
'''


@pytest.mark.parametrize("attack, changed", [(REWRITE_THE_GRADER, "rnn_utils.py"),
                                             (PLANT_A_PYC, "__pycache__/rnn_utils.cpython")], ids=["source", "pyc"])
def test_a_student_who_rewrites_the_graders_files_changes_no_other_verdict_and_is_named(
        tmp_path, teacher, attack, changed):
    teacher = grader_copy(teacher)
    submissions = tmp_path / "submissions"
    alice = make(submissions / "alice")
    answer(alice, "softmax", attack.format(path=str(teacher / "rnn_utils.py")))
    bob = make(submissions / "bob")
    answer(bob, "softmax", "    return x")           # wrong: right only for a grader whose softmax was replaced
    result = subprocess.run([sys.executable, str(teacher / "Exercises.py"), "grade-all", str(submissions),
                             "--out", str(tmp_path / "results"), "--jobs", "1", "--seed", "3"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stdout + result.stderr
    with open(tmp_path / "results" / "grades.csv", newline="") as file:
        rows = {row["student"]: row for row in csv.DictReader(file)}
    assert rows["bob"]["softmax"] == "0" and rows["bob"]["score"] == "0"
    warning = result.stdout.splitlines()[-1]
    assert warning.startswith("WARNING: the grader's files changed") and changed in warning
    assert "first seen after grading alice" in warning


def test_a_class_graded_at_once(tmp_path):
    submissions = tmp_path / "submissions"
    make(submissions / "blank")
    done = make(submissions / "done")
    for name in sorted({step.file for step in STEPS}):
        shutil.copyfile(os.path.join(ROOT, name), done / name)
    slip = make(submissions / "slip")
    answer(slip, "softmax", SOFTMAX_RIGHT)
    answer(slip, "sigmoid", "    return 1 / (1 + np.exp(-x))")     # overflows in exp for x = -1000
    hostile = make(submissions / "hostile")
    answer(hostile, "softmax", FAKE_RESULT_LINES)
    (submissions / "empty").mkdir()
    (submissions / "stray").mkdir()
    (submissions / "stray" / "notes.txt").write_text("not a copy")
    (submissions / "README.txt").write_text("a file, not a student")
    out = tmp_path / "results"
    out.mkdir()
    (out / "mine.txt").write_text("the teacher's")
    for attempt in (1, 2):                               # the second run replaces what the first wrote
        result = run("grade-all", submissions, "--out", out, "--seed", "7", "--jobs", "2")
        assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "skipped README.txt: not a folder (or a link to one)" in lines
    assert sorted(line.split("] ")[1] for line in lines if line.startswith("[")) == [
        "blank: 0/18 steps", "done: 18/18 steps", "empty: 0/18 steps", "hostile: 0/18 steps",
        "slip: 1/18 steps", "stray: 0/18 steps"]
    table = (out / "grades.csv").read_text().splitlines()
    assert table[0] == "student,score,max_score," + ",".join(step.name for step in STEPS)
    assert [row.split(",")[0] for row in table[1:]] == ["blank", "done", "empty", "hostile", "slip", "stray"]
    assert table[2] == "done,18,18," + ",".join(["1"] * N)
    assert table[5] == "slip,1,18,1," + ",".join(["0"] * (N - 1))
    assert sorted(os.listdir(out)) == sorted(["grades.csv", "mine.txt"] + [
        f"{name}.{kind}" for name in ("blank", "done", "empty", "hostile", "slip", "stray") for kind in ("txt", "json")])
    assert (out / "mine.txt").read_text() == "the teacher's"
    assert "this folder is empty" in (out / "empty.txt").read_text()
    assert "not an exercises copy" in (out / "stray.txt").read_text()
    slip_json = json.loads((out / "slip.json").read_text())
    assert slip_json["score"] == 1 and slip_json["max_score"] == N and len(slip_json["tests"]) == N
    sigmoid = slip_json["tests"][1]
    assert sigmoid["name"] == "step 2: sigmoid (rnn_utils.py)" and sigmoid["score"] == 0
    assert "overflow" in sigmoid["output"]
    assert slip_json["extra_data"]["seed"] == 7 and slip_json["extra_data"]["numpy"]
    assert (out / "slip.txt").read_text().splitlines()[-1] == f"score: 1/{N} steps"


def test_the_same_copy_and_seed_give_the_same_verdicts_and_messages(tmp_path):
    target = make(tmp_path / "exercises")
    answer(target, "rnn_cell_forward", """
    a_next = np.tanh(parameters["Waa"] @ a_prev + parameters["Wax"] @ xt)
    yt_pred = softmax(parameters["Wya"] @ a_next + parameters["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)""", keep_checks=False)
    first, second = (graded(target)[2] for _ in range(2))
    assert first["tests"] == second["tests"]
    assert first["extra_data"]["seed"] == second["extra_data"]["seed"] == 5
    assert "python" in first["extra_data"] and "graded_at" in first["extra_data"]


def children_of(pid):
    """The pids of the running processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as file:
                if entry.isdigit() and int(file.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the grader's children through /proc")
def test_stopping_the_grader_stops_the_students_code_and_leaves_nothing(tmp_path):
    target = blank_with(tmp_path, "softmax", "    import time\n    time.sleep(600)")
    grading = subprocess.Popen([sys.executable, os.path.join(ROOT, "Exercises.py"), "grade", str(target)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(1200):                                  # until the student's step has started
        children = children_of(grading.pid)
        if children:
            break
        assert grading.poll() is None
        time.sleep(0.1)
    grading.send_signal(signal.SIGTERM)
    out, err = grading.communicate(timeout=120)
    assert grading.returncode == 130 and err.strip().startswith("Exercises.py: interrupted"), err
    assert not any(os.path.exists(f"/proc/{pid}") for pid in children)     # killed and reaped
