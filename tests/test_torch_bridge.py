"""TorchBridge.py against PyTorch: forward values and every gradient, round trips, refusals, the script.

torch is optional: without it every test here is skipped (tests/test_without_torch.py
checks that nothing else needs it). Everything is float64, and "the same" means
equal to 1e-10 relative to the size of the numbers: what rounding allows.
"""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (optional): python -m pip install torch "
                                            "to compare the networks with PyTorch's")

from BackwardPropagation import gru_backward, lstm_backward, rnn_backward  # noqa: E402
from conftest import ROOT  # noqa: E402
from ForwardPropagation import gru_forward, lstm_forward, rnn_forward  # noqa: E402
from helpers import random_gated, random_rnn  # noqa: E402
from Loss import cross_entropy_loss, output_layer_backward  # noqa: E402
import TorchBridge  # noqa: E402
from TorchBridge import (ChoGRU, gru_from_torch, gru_to_torch, lstm_from_torch,  # noqa: E402
                         lstm_to_torch, rnn_from_torch, rnn_to_torch)

# (n_x, n_a, n_y, m, T_x): the tutorial's size, then each of n_x, m, T_x (and all) at 1
SHAPES = [(3, 5, 2, 10, 4), (1, 4, 3, 2, 3), (3, 4, 2, 1, 3), (2, 3, 4, 3, 1), (1, 1, 1, 1, 1), (4, 6, 5, 3, 7)]
TOLERANCE = 1e-10

# kind: (forward, backward, to_torch, name of the output weight, gate letters or None)
KINDS = {"rnn": (rnn_forward, rnn_backward, rnn_to_torch, "Wya", None),
         "lstm": (lstm_forward, lstm_backward, lstm_to_torch, "Wy", "fico"),
         "gru": (gru_forward, gru_backward, gru_to_torch, "Wy", "ruc")}


def random_problem(kind, shape, seed):
    """x, a0, parameters and integer targets (m, T_x) for one kind of network."""
    gates = KINDS[kind][4]
    x, a0, parameters, _ = random_rnn(*shape, seed=seed) if gates is None else random_gated(gates, *shape, seed=seed)
    n_y, m, T_x = shape[2], shape[3], shape[4]
    targets = np.random.default_rng(seed).integers(0, n_y, size=(m, T_x))
    return x, a0, parameters, targets


def ours(kind, x, a0, parameters, targets):
    """Our forward pass, the cross-entropy loss, and every gradient from our backward functions."""
    forward, backward, _, output_weight, _ = KINDS[kind]
    result = forward(x, a0, parameters)
    a, y, caches = result[0], result[1], result[-1]
    loss, dz = cross_entropy_loss(y, targets)
    dWy, dby, da = output_layer_backward(dz, a, parameters[output_weight])
    gradients = backward(da, caches)
    gradients["d" + output_weight], gradients["dby"] = dWy, dby
    return a, y, loss, gradients


def torch_gradients_by_our_names(kind, recurrent, linear, n_a):
    """The autograd gradients of the torch modules, laid out as our gradients (the table of docs/pytorch.md)."""
    grad = lambda tensor: tensor.grad.numpy()
    if kind == "rnn":
        # both torch biases are added where our one is: each gets our dba (to rounding)
        np.testing.assert_allclose(grad(recurrent.bias_ih_l0), grad(recurrent.bias_hh_l0), rtol=0, atol=1e-12)
        gradients = {"dWax": grad(recurrent.weight_ih_l0), "dWaa": grad(recurrent.weight_hh_l0),
                     "dba": grad(recurrent.bias_ih_l0)[:, None], "dWya": grad(linear.weight)}
    elif kind == "lstm":
        np.testing.assert_allclose(grad(recurrent.bias_ih_l0), grad(recurrent.bias_hh_l0), rtol=0, atol=1e-12)
        gradients = {"dWy": grad(linear.weight)}
        for k, gate in enumerate("ifco"):          # torch's documented order i, f, g, o; its g is our c
            rows = slice(k * n_a, (k + 1) * n_a)
            gradients["dW" + gate] = np.concatenate((grad(recurrent.weight_hh_l0)[rows],
                                                     grad(recurrent.weight_ih_l0)[rows]), axis=1)
            gradients["db" + gate] = grad(recurrent.bias_ih_l0)[rows, None]
    else:
        gradients = {"dWy": grad(linear.weight)}
        for gate in "ruc":
            gradients["dW" + gate] = grad(getattr(recurrent, "W" + gate))
            gradients["db" + gate] = grad(getattr(recurrent, "b" + gate))[:, None]
    gradients["dby"] = grad(linear.bias)[:, None]
    return gradients


def theirs(kind, x, a0, parameters, targets):
    """The same through the torch modules, with autograd doing the backward pass."""
    n_x, m, T_x = x.shape
    recurrent, linear = KINDS[kind][2](parameters)
    x_t = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)             # (T_x, m, n_x)
    h0 = torch.tensor(a0.T[None], requires_grad=True)                        # (1, m, n_a)
    state = (h0, torch.zeros_like(h0)) if kind == "lstm" else h0            # our LSTM starts c at zero
    output, _ = recurrent(x_t, state)                                        # (T_x, m, n_a)
    scores = linear(output)                                                  # (T_x, m, n_y)
    # our loss: -log p(target) summed over steps and examples, divided by m
    loss = torch.nn.functional.cross_entropy(scores.reshape(T_x * m, -1),
                                             torch.from_numpy(targets.T.reshape(-1)), reduction="sum") / m
    loss.backward()
    gradients = torch_gradients_by_our_names(kind, recurrent, linear, a0.shape[0])
    gradients["dx"] = x_t.grad.numpy().transpose(2, 1, 0)
    gradients["da0"] = h0.grad.numpy()[0].T
    a = output.detach().numpy().transpose(2, 1, 0)
    y = torch.softmax(scores, dim=2).detach().numpy().transpose(2, 1, 0)
    return a, y, loss.item(), gradients


def differences(kind, shape, seed=0):
    """Largest |ours - torch| of a, y, the loss and every gradient, each divided by (1 + largest |ours|)."""
    problem = random_problem(kind, shape, seed)
    a, y, loss, gradients = ours(kind, *problem)
    a_t, y_t, loss_t, gradients_t = theirs(kind, *problem)
    assert set(gradients) == set(gradients_t)
    pairs = {"a": (a, a_t), "y_pred": (y, y_t), "loss": (np.array(loss), np.array(loss_t))}
    pairs.update({key: (gradients[key], gradients_t[key]) for key in gradients})
    found = {}
    for name, (mine, other) in pairs.items():
        assert mine.shape == other.shape, name
        found[name] = float(np.max(np.abs(mine - other)) / (1 + np.max(np.abs(mine))))
    return found


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_and_every_gradient_equal_torch(kind, shape):
    found = differences(kind, shape, seed=sum(shape))
    worst = max(found, key=found.get)
    assert found[worst] <= TOLERANCE, f"{worst}: {found[worst]:.2e}"


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind, to_torch, from_torch",
                         [("rnn", rnn_to_torch, rnn_from_torch), ("lstm", lstm_to_torch, lstm_from_torch),
                          ("gru", gru_to_torch, gru_from_torch)])
def test_ours_to_torch_and_back_is_exact(kind, to_torch, from_torch, dtype):
    _, _, parameters, _ = random_problem(kind, (3, 4, 2, 1, 1), seed=3)
    parameters = {key: value.astype(dtype) for key, value in parameters.items()}
    recurrent, linear = to_torch(parameters)
    assert linear.weight.dtype == getattr(torch, np.dtype(dtype).name)
    back = from_torch(recurrent, linear)
    assert list(back) == list(parameters)
    for key in parameters:
        assert back[key].dtype == dtype and back[key].shape == parameters[key].shape, key
        np.testing.assert_array_equal(back[key], parameters[key], err_msg=key)
        assert not np.shares_memory(back[key], parameters[key])


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_a_torch_model_read_back_computes_what_torch_computes(kind):
    """torch's own random start, with both biases nonzero: our forward pass on the converted weights."""
    torch.manual_seed(0)
    n_x, n_a, n_y, m, T_x = 3, 5, 4, 2, 6
    module = (torch.nn.RNN if kind == "rnn" else torch.nn.LSTM)(n_x, n_a, dtype=torch.float64)
    linear = torch.nn.Linear(n_a, n_y, dtype=torch.float64)
    x = np.random.default_rng(1).standard_normal((n_x, m, T_x))
    a0 = np.random.default_rng(2).standard_normal((n_a, m))
    h0 = torch.tensor(a0.T[None])
    with torch.no_grad():
        output, _ = module(torch.tensor(x.transpose(2, 1, 0)), h0 if kind == "rnn" else (h0, torch.zeros_like(h0)))
        y_torch = torch.softmax(linear(output), dim=2).numpy().transpose(2, 1, 0)
    if kind == "rnn":
        a, y, _ = rnn_forward(x, a0, rnn_from_torch(module, linear))
    else:
        a, y, _, _ = lstm_forward(x, a0, lstm_from_torch(module, linear))
    np.testing.assert_allclose(a, output.numpy().transpose(2, 1, 0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(y, y_torch, rtol=0, atol=1e-12)


def test_modules_without_biases_convert_with_zero_biases():
    rnn, linear = torch.nn.RNN(2, 3, bias=False), torch.nn.Linear(3, 2, bias=False)
    parameters = rnn_from_torch(rnn, linear)
    assert not parameters["ba"].any() and parameters["ba"].shape == (3, 1)
    assert not parameters["by"].any() and parameters["by"].shape == (2, 1)


# ---------------------------------------------------------------- what cannot be represented

@pytest.mark.parametrize("module, fragment", [
    (lambda: torch.nn.RNN(2, 3, num_layers=2), "num_layers = 2"),
    (lambda: torch.nn.RNN(2, 3, bidirectional=True), "bidirectional"),
    (lambda: torch.nn.RNN(2, 3, nonlinearity="relu"), "'relu'"),
    (lambda: torch.nn.LSTM(2, 3), "expected a torch.nn.RNN, got LSTM"),
])
def test_rnn_from_torch_refuses_what_our_cell_cannot_be(module, fragment):
    with pytest.raises((TypeError, ValueError), match=re.escape(fragment)):
        rnn_from_torch(module(), torch.nn.Linear(3, 2))


@pytest.mark.parametrize("module, fragment", [
    (lambda: torch.nn.LSTM(2, 3, num_layers=3), "num_layers = 3"),
    (lambda: torch.nn.LSTM(2, 3, bidirectional=True), "bidirectional"),
    (lambda: torch.nn.LSTM(2, 3, proj_size=2), "proj_size = 2"),
    (lambda: torch.nn.GRU(2, 3), "expected a torch.nn.LSTM, got GRU"),
])
def test_lstm_from_torch_refuses_what_our_cell_cannot_be(module, fragment):
    with pytest.raises((TypeError, ValueError), match=re.escape(fragment)):
        lstm_from_torch(module(), torch.nn.Linear(3, 2))


def test_the_output_layer_must_fit():
    with pytest.raises(ValueError, match=re.escape("reads 4 features, the recurrent layer gives hidden_size = 3")):
        rnn_from_torch(torch.nn.RNN(2, 3), torch.nn.Linear(4, 2))
    with pytest.raises(TypeError, match="must be a torch.nn.Linear, got RNN"):
        lstm_from_torch(torch.nn.LSTM(2, 3), torch.nn.RNN(3, 2))


def test_gru_from_torch_refuses_torch_nn_gru_and_says_why():
    with pytest.raises(TypeError, match="applies its reset gate after the product"):
        gru_from_torch(torch.nn.GRU(2, 3), torch.nn.Linear(3, 2))


def test_bad_parameters_are_named():
    _, _, parameters, _ = random_problem("lstm", (3, 4, 2, 1, 1), seed=0)
    with pytest.raises(KeyError, match="'Wo'"):
        lstm_to_torch({key: value for key, value in parameters.items() if key != "Wo"})
    with pytest.raises(ValueError, match=re.escape("bi: expected shape (n_a, 1) = (4, 1), got (3, 1)")):
        lstm_to_torch(dict(parameters, bi=parameters["bi"][:3]))
    _, _, parameters, _ = random_problem("rnn", (3, 4, 2, 1, 1), seed=0)
    with pytest.raises(ValueError, match=re.escape("Waa: expected shape (n_a, n_a) = (4, 4), got (4, 3)")):
        rnn_to_torch(dict(parameters, Waa=parameters["Waa"][:, :3]))
    with pytest.raises(TypeError, match="parameters must be a dict"):
        gru_to_torch([1, 2])


# ---------------------------------------------------------------- the GRU and torch.nn.GRU

def nearest_torch_gru(parameters, n_a):
    """torch.nn.GRU with the closest weights to ours: the update gate exact (z = 1 - u), the reset not."""
    p = parameters
    gru = torch.nn.GRU(p["Wr"].shape[1] - n_a, n_a, dtype=torch.float64)
    # torch's rows are r, z, n. sigmoid(-s) = 1 - sigmoid(s), so negating Wu and bu turns our u into z.
    weights = [(p["Wr"], p["br"]), (-p["Wu"], -p["bu"]), (p["Wc"], p["bc"])]
    with torch.no_grad():
        gru.weight_hh_l0.copy_(torch.tensor(np.concatenate([W[:, :n_a] for W, _ in weights])))
        gru.weight_ih_l0.copy_(torch.tensor(np.concatenate([W[:, n_a:] for W, _ in weights])))
        gru.bias_ih_l0.copy_(torch.tensor(np.concatenate([b[:, 0] for _, b in weights])))
        gru.bias_hh_l0.zero_()
    return gru


def torch_gru_difference(parameters, x, a0):
    """Largest |our GRU's states - torch.nn.GRU's| with the nearest weights."""
    with torch.no_grad():
        output, _ = nearest_torch_gru(parameters, a0.shape[0])(torch.tensor(x.transpose(2, 1, 0)),
                                                                torch.tensor(a0.T[None]))
    return float(np.max(np.abs(gru_forward(x, a0, parameters)[0] - output.numpy().transpose(2, 1, 0))))


def test_torch_nn_gru_differs_only_where_the_reset_gate_meets_wc():
    """docs/pytorch.md's claim, checked: u is torch's 1 - z exactly, and the reset gate's place is the rest.

    When the candidate does not read a_prev (the a_prev columns of Wc are zero), where the reset
    gate stands cannot matter, and torch.nn.GRU computes our GRU to rounding; with any real Wc it does not.
    """
    x, a0, parameters, _ = random_problem("gru", (3, 5, 2, 4, 6), seed=7)
    assert torch_gru_difference(parameters, x, a0) > 1e-2
    blind = dict(parameters, Wc=parameters["Wc"].copy())
    blind["Wc"][:, :5] = 0
    assert torch_gru_difference(blind, x, a0) <= 1e-12


def test_cho_gru_is_one_class_and_a_torch_module():
    gru, _ = gru_to_torch(random_problem("gru", (2, 3, 2, 1, 1), seed=0)[2])
    assert isinstance(gru, ChoGRU) and isinstance(gru, torch.nn.Module)
    assert sorted(name for name, _ in gru.named_parameters()) == ["Wc", "Wr", "Wu", "bc", "br", "bu"]


# ---------------------------------------------------------------- the checkpoint script

TEXT = "the cat sat on the mat. the dog sat on the log. " * 4


def run_bridge(capsys, *args):
    """TorchBridge.py's main, in this process (torch is already imported here): (exit code, stdout, stderr)."""
    code = TorchBridge.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny checkpoint trained by TruncatedBPTT.py itself, and its text."""
    folder = tmp_path_factory.mktemp("bridge")
    text, checkpoint = folder / "text.txt", folder / "model.npz"
    text.write_text(TEXT, encoding="utf-8")
    result = subprocess.run([sys.executable, os.path.join(ROOT, "TruncatedBPTT.py"), "--text", str(text),
                             "--hidden", "8", "--seq-length", "5", "--batch", "2", "--iterations", "30",
                             "--checkpoint", str(checkpoint)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return checkpoint, text


def test_the_script_shows_the_same_probabilities_and_the_same_sample(capsys, trained):
    checkpoint, text = trained
    code, out, err = run_bridge(capsys, "--checkpoint", str(checkpoint), "--text", str(text), "--length", "60")
    assert code == 0, err
    found = re.search(r"at all (\d+) positions .*largest \|NumPy - torch\| = (\S+)", out)
    assert found and int(found.group(1)) == len(TEXT) and float(found.group(2)) <= 1e-10, out
    samples = re.findall(r"--- sample from (\w+) .*---\n(.*)\n---", out)
    assert [name for name, _ in samples] == ["NumPy", "torch"]
    assert samples[0][1] == samples[1][1] and len(samples[0][1]) == 60
    assert set(samples[0][1]) <= set(TEXT)
    assert re.fullmatch(r"largest probability difference \S+; the samples agree on 60 of 60 characters",
                        out.strip().splitlines()[-1])


def assert_one_line_error(result, fragment):
    code, _, err = result
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("TorchBridge.py: error: ") and fragment in err, err


def test_a_missing_or_broken_checkpoint_is_one_line(capsys, tmp_path, trained):
    _, text = trained
    assert_one_line_error(run_bridge(capsys, "--checkpoint", str(tmp_path / "none.npz"), "--text", str(text)),
                          "no checkpoint at")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a checkpoint at all")
    assert_one_line_error(run_bridge(capsys, "--checkpoint", str(broken), "--text", str(text)),
                          f"{broken} is not a readable checkpoint")
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    assert_one_line_error(run_bridge(capsys, "--checkpoint", str(other), "--text", str(text)), str(other))


def test_a_text_with_characters_the_model_lacks_is_one_line(capsys, tmp_path, trained):
    checkpoint, _ = trained
    text = tmp_path / "other.txt"
    text.write_text("QUIZ", encoding="utf-8")
    assert_one_line_error(run_bridge(capsys, "--checkpoint", str(checkpoint), "--text", str(text)),
                          "characters the checkpoint's vocabulary lacks")
