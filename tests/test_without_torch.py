"""torch is optional: the project works without it, and nothing but TorchBridge.py imports it.

These tests run whether torch is installed or not. Where it is, they hide it from a
subprocess (sys.modules["torch"] = None makes every `import torch` fail), so they
prove what a learner without torch gets.
"""
import ast
import glob
import os
import subprocess
import sys

from conftest import ROOT

CORE = sorted(os.path.splitext(os.path.basename(path))[0] for path in glob.glob(os.path.join(ROOT, "*.py")))
HIDE_TORCH = "import sys; sys.modules['torch'] = None\n"


def run_python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_every_core_module_imports_and_works_with_torch_unimportable():
    code = HIDE_TORCH + f"""
import importlib
for name in {CORE!r}:
    importlib.import_module(name)
sys.path.insert(0, "tests")
from helpers import random_gated, random_rnn
from BackwardPropagation import gru_backward, lstm_backward, rnn_backward
from ForwardPropagation import gru_forward, lstm_forward, rnn_forward
from VectorizedRNN import rnn_backward_vectorized, rnn_forward_vectorized
x, a0, p, da = random_rnn(3, 5, 2, 4, 3)
assert rnn_backward(da, rnn_forward(x, a0, p)[2])["dx"].shape == (3, 4, 3)
assert rnn_backward_vectorized(da, rnn_forward_vectorized(x, a0, p)[2])["da0"].shape == (5, 4)
x, a0, p, da = random_gated("fico", 3, 5, 2, 4, 3)
assert lstm_backward(da, lstm_forward(x, a0, p)[3])["dWf"].shape == (5, 8)
x, a0, p, da = random_gated("ruc", 3, 5, 2, 4, 3)
assert gru_backward(da, gru_forward(x, a0, p)[2])["dWc"].shape == (5, 8)
print("ok", len({CORE!r}))
from TorchBridge import rnn_to_torch
try:
    rnn_to_torch(random_rnn(2, 3, 2, 1, 1)[2])
except ImportError as error:
    print(error)
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ok", str(len(CORE))]
    assert lines[1:] == ["TorchBridge needs torch: python -m pip install torch"]    # the bridge's functions say why
    assert "TorchBridge" in CORE and "TruncatedBPTT" in CORE


def test_importing_the_core_does_not_import_torch():
    """Even where torch is installed, no module but TorchBridge (which imports it at its top) loads it."""
    core = [name for name in CORE if name != "TorchBridge"]
    code = f"import importlib, sys\nfor name in {core!r}:\n    importlib.import_module(name)\nprint('torch' in sys.modules)"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_bridge_without_torch_says_how_to_install_it():
    code = HIDE_TORCH + "import runpy\nsys.argv = ['TorchBridge.py']\nrunpy.run_path('TorchBridge.py', run_name='__main__')"
    result = run_python(code)
    assert result.returncode == 2
    assert result.stderr == "TorchBridge needs torch: python -m pip install torch\n"
    assert result.stdout == ""


def imported_modules(path):
    """Top-level names of every module a Python file imports (also inside functions)."""
    names = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), filename=path)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "importorskip":
            names.update(arg.value for arg in node.args if isinstance(arg, ast.Constant))
    return names


def test_only_the_bridge_and_its_tests_mention_torch_in_an_import():
    users = sorted(os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(ROOT, "*.py"))
                   + glob.glob(os.path.join(ROOT, "tests", "*.py")) if "torch" in imported_modules(path))
    assert users == ["TorchBridge.py", os.path.join("tests", "test_attention_torch.py"),
                     os.path.join("tests", "test_torch_bridge.py")]
