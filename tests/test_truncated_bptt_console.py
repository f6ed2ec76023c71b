"""TruncatedBPTT.py on any console: printing cannot crash it, the save comes before the print, one BLAS thread."""
import os
import subprocess
import sys

import numpy as np
import pytest

import TruncatedBPTT as tb
from conftest import ROOT

SCRIPT = os.path.join(ROOT, "TruncatedBPTT.py")
TINY = ["--hidden", "8", "--seq-length", "5", "--batch", "2"]


def environment(**changes):
    """The test's environment without the BLAS thread variables, plus `changes`."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                            "MKL_NUM_THREADS", "PYTHONIOENCODING")}
    env.update(changes)
    return env


def test_a_sample_the_console_cannot_encode_is_printed_with_replacements(tmp_path):
    text = tmp_path / "maths.txt"
    text.write_text("\u2202L/\u2202a " * 200, encoding="utf-8")          # the partial sign is not in cp1252
    checkpoint = tmp_path / "model.npz"
    result = subprocess.run([sys.executable, SCRIPT, "--text", str(text), *TINY, "--iterations", "3",
                             "--checkpoint", str(checkpoint)], capture_output=True, timeout=120,
                            env=environment(PYTHONIOENCODING="cp1252"))
    assert result.returncode == 0, result.stderr.decode("cp1252", "replace")
    out = result.stdout.decode("cp1252")
    sample = out.split("--- sample at iteration 3 ---\n")[1].split("\n---")[0]
    assert len(sample) == 200 and "?" in sample and set(sample) <= set("?L/a ")
    assert out.splitlines()[-1].startswith("final loss per character:")
    assert checkpoint.exists()


def test_the_checkpoint_is_saved_before_the_sample_is_drawn_or_printed(tmp_path, monkeypatch):
    text = tmp_path / "text.txt"
    text.write_text("the cat sat on the mat. " * 20, encoding="utf-8")
    checkpoint = tmp_path / "model.npz"

    def printing_fails(*args, **kwargs):
        raise RuntimeError("the console went away")
    monkeypatch.setattr(tb, "sample", printing_fails)
    with pytest.raises(RuntimeError, match="the console went away"):
        tb.main(["--text", str(text), *TINY, "--iterations", "3", "--checkpoint", str(checkpoint)])
    with np.load(checkpoint) as data:
        assert int(data["iteration"]) == 3


@pytest.mark.parametrize("setting, expected", [({}, "1 1 1"), ({"OPENBLAS_NUM_THREADS": "2"}, "2 1 1"),
                                               ({"OMP_NUM_THREADS": "3"}, "1 3 1")])
def test_one_blas_thread_unless_the_user_chose(setting, expected):
    show = ("import os, TruncatedBPTT; print(*(os.environ[v] for v in "
            "('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS')))")
    result = subprocess.run([sys.executable, "-c", show], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=environment(**setting))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
