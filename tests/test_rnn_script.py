"""python RNN.py runs and prints every quantity the tutorial prints."""
import os
import subprocess
import sys

from conftest import ROOT


def test_rnn_script_prints_both_passes():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "RNN.py")], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert out.index("Forward propagation") < out.index("Backward propagation")
    for label in ["a[4][1]", "a.shape", "y_pred[1][3]", "y_pred.shape", "caches[1][1][3]", "len(caches)",
                  "['dx'][1][2]", "['dx'].shape", "['da0'][2][3]", "['da0'].shape", "['dWax'][3][1]",
                  "['dWax'].shape", "['dWaa'][1][2]", "['dWaa'].shape", "['dba'][4]", "['dba'].shape"]:
        assert label in out, label
    lines = dict(line.split(None, 1) for line in out.splitlines() if line.strip() and "  " in line)
    # Shapes are the tutorial's sizes; one value is the course's published dWax[3][1].
    assert lines["a.shape"].endswith("(5, 10, 4)")
    assert lines["y_pred.shape"].endswith("(2, 10, 4)")
    assert lines["len(caches)"].endswith("2")
    assert lines["gradients['dba'].shape"].endswith("(5, 1)")
    assert lines["gradients['dWax'][3][1]"].strip().endswith("11.264104496527771")


def test_lstm_and_gru_scripts_print_both_passes():
    for script, keys in (("LSTM.py", ["dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo", "c[4][1]"]),
                         ("GRU.py", ["dWr", "dbr", "dWu", "dbu", "dWc", "dbc", "y_pred[1][3]"])):
        result = subprocess.run([sys.executable, os.path.join(ROOT, script)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert out.index("Forward propagation") < out.index("Backward propagation")
        for key in keys + ["a[4][1]", "['dx'][1][2]", "['da0'][2][3]", "(n_a, n_a + n_x):"]:
            assert key in out, (script, key)


def test_rnn_script_in_the_course_order_says_so_and_prints_the_course_forward_values():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "RNN.py"), "--order", "course"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("DataGenerator(order='course'): Waa drawn before Wax")
    # the course notebook's expected a[4][1] for its rnn_forward test
    assert "[-0.99999375  0.77911235 -0.99861469 -0.99833267]" in result.stdout
    bad = subprocess.run([sys.executable, os.path.join(ROOT, "RNN.py"), "--order", "notebook"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "invalid choice: 'notebook'" in bad.stderr
