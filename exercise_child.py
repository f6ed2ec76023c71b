"""The child process of the grader: runs ONE student's function of ONE step, hands back plain arrays.

Exercises.py starts this file's text as `python -I -B -c TEXT WORKDIR INPUTS RESULTS`
for every step of every student. It is the only code of the grader that runs
next to the student's code, and nothing it does decides a grade: it calls the
student's function on the inputs the grader drew and writes what came back
(arrays, and the shape of the structure holding them) into an .npz file. The
grader reads that file with allow_pickle=False, checks every array, and
compares it with the reference it computed itself.

What happens, in order (everything before step 4 runs before any student code):
1. import what the project's modules will need (numpy, ...), read the plan
   and the inputs from INPUTS_FD (an .npz the grader wrote), close it;
2. drop to the user `nobody` when started as root; set the limits: CPU time,
   memory (address space), file size, processes;
3. put WORKDIR (a copy of the student's files) first on sys.path: the
   project's own directory is not on it, so the reference of the step being
   graded cannot be imported (WORKDIR holds the reference versions only of
   the steps this one builds on);
4. import the student's module, call the function on every case;
5. write the results to RESULTS_FD and end with os._exit (no atexit handler,
   no thread left running).

This file imports nothing of the project: it must also run where the project is not.
"""
import json
import os
import sys

STRUCTURE_KEY = "structure"     # the JSON text (as uint8) that says how the arrays nest
MAX_NODES = 20000               # beyond this a returned structure is reported as "too large"
MAX_DEPTH = 12
MAX_TEXT = 300                  # characters of an error message kept
# Imported before the student's code runs: numpy's parts it loads only when used, and the standard
# modules a student may reach for (a child that runs as `nobody` may not be able to read them later).
PRELOADED = ("numpy.linalg", "numpy.random", "numpy.ma", "numpy.fft", "numpy.polynomial", "numpy.lib.stride_tricks",
             "math", "cmath", "random", "itertools", "functools", "collections", "operator", "numbers",
             "dataclasses", "typing", "statistics", "string", "re", "time", "heapq", "bisect", "enum")


# ---------------------------------------------------------------------------
# values <-> (structure, arrays): the only form anything crosses the process boundary in
# ---------------------------------------------------------------------------

def flatten(value, arrays, budget=None, depth=0):
    """A JSON-able description of `value`, its arrays stored in `arrays` under "a0", "a1", ...

    Arrays (subclasses included) become plain ndarray copies; Python and numpy
    numbers become 0-d arrays; tuples, lists and dicts nest; None and strings
    stay; anything else is named by its type only.
    """
    import numpy as np
    budget = [MAX_NODES] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        return {"other": "a structure too large or too deep to read"}
    if value is None:
        return {"none": True}
    if isinstance(value, (bool, int, float, np.bool_, np.number)) or isinstance(value, np.ndarray):
        number = not isinstance(value, np.ndarray)
        array = np.array(value, copy=True, subok=False)
        if array.dtype.kind not in "biufc":
            return {"other": f"an array of {array.dtype}"}
        key = f"a{len(arrays)}"
        arrays[key] = array
        return {"number" if number else "array": key, "type": type(value).__name__}
    if isinstance(value, str):
        return {"str": value[:MAX_TEXT]}
    if isinstance(value, (tuple, list)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [flatten(item, arrays, budget, depth + 1) for item in list(value)[:MAX_NODES]]}
    if isinstance(value, dict):
        return {"dict": [[key if isinstance(key, str) else repr(key)[:MAX_TEXT],
                          flatten(item, arrays, budget, depth + 1)] for key, item in list(value.items())]}
    return {"other": type(value).__name__[:MAX_TEXT]}


def rebuild(structure, arrays):
    """The value `flatten` described (used here for the grader's inputs, which are trusted)."""
    if "none" in structure:
        return None
    if "array" in structure:
        return arrays[structure["array"]].copy()
    if "number" in structure:
        number = arrays[structure["number"]]
        return None if number.shape != () else number.item()
    if "str" in structure:
        return structure["str"]
    if "tuple" in structure:
        return tuple(rebuild(item, arrays) for item in structure["tuple"])
    if "list" in structure:
        return [rebuild(item, arrays) for item in structure["list"]]
    if "dict" in structure:
        return {key: rebuild(item, arrays) for key, item in structure["dict"]}
    raise ValueError(f"cannot rebuild {structure!r}")


def pack(structure, arrays):
    """The .npz bytes of a structure and its arrays."""
    import io
    import numpy as np
    buffer = io.BytesIO()
    text = np.frombuffer(json.dumps(structure).encode("utf-8"), dtype=np.uint8)
    np.savez(buffer, **{STRUCTURE_KEY: text}, **arrays)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# the child's own work
# ---------------------------------------------------------------------------

def text_of(error, path):
    """'it raised ValueError: ... (RNN_UNIT_CELL.py, line 88: dz = ...)', safe against a hostile __str__."""
    import traceback
    try:
        message = str(error)[:MAX_TEXT]
    except BaseException:
        message = "(its message cannot be shown)"
    text = f"it raised {type(error).__name__}: {message}"
    try:
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if os.path.abspath(f.filename) == os.path.abspath(path)]
        if frames:
            text += f" ({os.path.basename(path)}, line {frames[-1].lineno}: {(frames[-1].line or '').strip()})"
    except BaseException:
        pass
    return text


def error_of(error, path):
    """The record of an exception the student's code raised."""
    if isinstance(error, NotImplementedError):
        return {"kind": "blank"}
    if isinstance(error, SystemExit):
        return {"kind": "exit", "text": f"it called exit({str(error.code)[:MAX_TEXT]}): "
                                        f"a function should return its results"}
    return {"kind": "raised", "text": text_of(error, path)}


def shared_path(result, given):
    """Where `result` holds an array that is (a view of) an array of `given`, as text, or None."""
    import numpy as np
    mine = []

    def arrays_of(value, path, out):
        if isinstance(value, np.ndarray):
            out.append((path, value))
        elif isinstance(value, (tuple, list)):
            for i, item in enumerate(value):
                arrays_of(item, f"{path}[{i}]", out)
        elif isinstance(value, dict):
            for key, item in value.items():
                arrays_of(item, f"{path}[{key!r}]", out)
        return out
    theirs = arrays_of(given, "", [])
    for path, array in arrays_of(result, "", mine):
        if any(np.shares_memory(array, other) for _, other in theirs):
            return path
    if isinstance(result, (tuple, list)) and result and isinstance(given, (tuple, list)) and given:
        if result[0] is given[0]:
            return "[0]"
    return None


def set_limits(plan):
    """Drop to `nobody` when root; limit CPU time, memory, file size and processes (each where the platform can)."""
    try:
        import resource
    except ImportError:             # Windows: the grader says so once
        return
    import signal
    drop = plan.get("drop_to")
    if drop and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(drop[1])
        os.setuid(drop[0])
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime + plan["cpu_seconds"]) + 1
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)              # a write past the limit raises instead
    tasks = tasks_of_this_user()
    limits = [(resource.RLIMIT_CPU, cpu, cpu + 2),             # SIGXCPU, then SIGKILL 2 s later
              (resource.RLIMIT_AS, plan["memory_bytes"], plan["memory_bytes"]),
              (resource.RLIMIT_FSIZE, plan["file_bytes"], plan["file_bytes"]),
              (resource.RLIMIT_CORE, 0, 0)]
    if tasks is not None:
        limits.append((resource.RLIMIT_NPROC, tasks + plan["extra_processes"], tasks + plan["extra_processes"]))
    for kind, soft, hard in limits:
        try:
            resource.setrlimit(kind, (soft, hard))
        except (ValueError, OSError):       # e.g. macOS refuses some: the others still hold
            pass


def tasks_of_this_user():
    """How many processes and threads this user runs now (what RLIMIT_NPROC counts), or None."""
    uid, count = os.getuid(), 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", "rb") as status:
                text = status.read().decode("latin-1")
            fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields.get("Threads", "1"))
        except (OSError, ValueError, KeyError):
            continue
    return count


def run_cases(plan, arrays, workdir):
    """Import the student's module and run every case: the results' description (arrays into `arrays`)."""
    import contextlib
    import importlib
    import numpy as np
    import warnings
    path = os.path.join(workdir, plan["file"])
    record = {"cases": []}
    warnings.simplefilter("ignore")
    try:
        module = importlib.import_module(plan["file"][:-3])
    except BaseException as error:
        if isinstance(error, SystemExit):
            record["load_error"] = f"{plan['file']} calls exit({str(error.code)[:MAX_TEXT]}) when it is imported"
        else:
            record["load_error"] = f"{plan['file']} does not load: {text_of(error, path)[len('it raised '):]}"
        return record
    *classes, name = plan["function"].split(".")
    owner = module
    for class_name in classes:
        owner = getattr(owner, class_name, None)
    function = getattr(owner, name, None)
    if function is None or not callable(function):
        record["load_error"] = f"{plan['file']} has no function {plan['function']}"
        return record
    inputs = [rebuild(case["args"], arrays) for case in plan["cases"]]
    arrays.clear()
    if plan["driver"] == "optimizer":
        record["cases"].append(run_optimizer(owner, inputs[0], arrays, path))
        return record
    for case, args in zip(plan["cases"], inputs):
        entry = {}
        errors = np.errstate(over="raise") if case.get("over_raise") else contextlib.nullcontext()
        try:
            with errors:
                result = function(*args)
        except BaseException as error:
            entry["error"] = error_of(error, path)
            record["cases"].append(entry)
            break
        entry["result"] = flatten(result, arrays)
        entry["after"] = flatten(list(args), arrays)
        if case.get("check_shared"):
            entry["shared"] = shared_path(result, args)
        record["cases"].append(entry)
    return record


def run_optimizer(optimizer_class, inputs, arrays, path):
    """A fresh optimizer(learning_rate), then one update per gradient: parameters and state() after each."""
    import copy
    parameters, gradients, learning_rate = inputs
    entry = {"updates": []}
    try:
        optimizer = optimizer_class(learning_rate=learning_rate)
    except BaseException as error:
        entry["error"] = error_of(error, path)
        return entry
    for update, gradient in enumerate(gradients, start=1):
        try:
            parameters = optimizer.update(parameters, copy.deepcopy(gradient))
        except BaseException as error:
            entry["error"] = dict(error_of(error, path), update=update)
            return entry
        try:
            state = optimizer.state()
        except BaseException as error:
            entry["error"] = dict(error_of(error, path), update=update, state=True)
            entry["updates"].append({"result": flatten(parameters, arrays)})
            return entry
        entry["updates"].append({"result": flatten(parameters, arrays), "state": flatten(state, arrays)})
    return entry


def main():
    """Steps 1-5 of the docstring."""
    workdir, inputs, results = sys.argv[1:4]      # descriptors (POSIX) or paths of files (Windows)
    inputs_fd = int(inputs) if inputs.isdigit() else os.open(inputs, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    results_fd = int(results) if results.isdigit() else os.open(results, os.O_WRONLY | getattr(os, "O_BINARY", 0))
    os.set_inheritable(results_fd, False)
    # Everything this file uses is imported now, while the interpreter's files can still be read
    # (after the drop to `nobody` they may not be).
    import contextlib, copy, encodings.ascii, encodings.latin_1, encodings.utf_8, importlib, io  # noqa: F401,E401
    import traceback, warnings, zipfile  # noqa: F401,E401
    import numpy as np
    for name in PRELOADED:
        try:
            __import__(name)
        except ImportError:
            pass
    with os.fdopen(inputs_fd, "rb") as source:
        inputs = np.load(io.BytesIO(source.read()), allow_pickle=False)
        arrays = {key: inputs[key] for key in inputs.files}
    plan = json.loads(arrays.pop(STRUCTURE_KEY).tobytes().decode("utf-8"))
    for name in plan["preload"]:
        try:
            __import__(name)
        except BaseException:
            pass
    set_limits(plan)
    for stream in (sys.stdout, sys.stderr):      # what the student prints is kept up to a crash
        stream.reconfigure(line_buffering=True)
    os.chdir(workdir)
    sys.path.insert(0, workdir)
    sys.dont_write_bytecode = True
    me = os.getpid()
    try:
        record = run_cases(plan, arrays, workdir)
        data = pack(record, arrays)
    except BaseException as error:           # e.g. MemoryError while copying a huge result
        record = {"cases": [], "load_error": f"its results could not be handed back ({type(error).__name__})"}
        data = pack(record, {})
    if os.getpid() == me:                    # not a copy the student's code forked
        os.ftruncate(results_fd, 0)          # whatever the student's code wrote there is gone
        os.lseek(results_fd, 0, os.SEEK_SET)
        with os.fdopen(results_fd, "wb") as results:
            results.write(data)
    os._exit(0)


if __name__ == "__main__":
    main()
