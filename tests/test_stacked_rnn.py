"""StackedRNN.py: each layer reads the one below, every gradient checked, clear errors, nothing mutated."""
import copy

import numpy as np
import pytest

from ForwardPropagation import rnn_forward
from helpers import assert_gradients_match, random_rnn
from StackedRNN import stacked_rnn_backward, stacked_rnn_forward

STATE_KEYS = ("Wax", "Waa", "ba")
# (n_x, [n_a of every layer], m, T_x): one, two and three layers, every dimension at 1 somewhere
SHAPES = [(3, [4, 5], 2, 4), (1, [1, 1], 1, 1), (1, [3], 2, 3), (2, [3, 2, 4], 1, 3), (3, [2, 2], 4, 1),
          (2, [1, 3], 3, 2)]


def random_stack(n_x, sizes, m, T_x, seed=0, dtype=np.float64):
    """x, a0 (list), parameters (list of layers) and an upstream gradient of the top layer's states."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_x, m, T_x)).astype(dtype)
    a0, parameters, n_in = [], [], n_x
    for l, n_a in enumerate(sizes):
        _, a0_layer, layer, _ = random_rnn(n_in, n_a, 1, m, T_x, seed=seed + 10 * (l + 1), dtype=dtype)
        a0.append(a0_layer)
        parameters.append({k: layer[k] for k in STATE_KEYS})
        n_in = n_a
    da = rng.standard_normal((sizes[-1], m, T_x)).astype(dtype)
    return x, a0, parameters, da


@pytest.mark.parametrize("shape", SHAPES)
def test_each_layer_is_the_tutorial_rnn_on_the_states_below(shape):
    x, a0, parameters, _ = random_stack(*shape, seed=len(shape[1]))
    a, _ = stacked_rnn_forward(x, a0, parameters)
    inputs = x
    for l, layer in enumerate(parameters):
        n_a = layer["Waa"].shape[0]
        full = {**layer, "Wya": np.zeros((1, n_a)), "by": np.zeros((1, 1))}   # rnn_forward needs an output layer
        expected = rnn_forward(inputs, a0[l], full)[0]
        np.testing.assert_allclose(a[l], expected, rtol=1e-12, atol=1e-12)
        inputs = expected


@pytest.mark.parametrize("shape", SHAPES)
def test_every_gradient_against_the_numerical_gradient(shape):
    x, a0, parameters, da = random_stack(*shape, seed=sum(shape[1]) + 1)
    a, cache = stacked_rnn_forward(x, a0, parameters)
    gradients = stacked_rnn_backward(da, cache)
    assert set(gradients) == {"dx", "layers"} and len(gradients["layers"]) == len(parameters)

    def loss():
        return np.sum(stacked_rnn_forward(x, a0, parameters)[0][-1] * da)   # dL/d(top states) = da

    assert_gradients_match({"dx": gradients["dx"]}, {"dx": x}, loss)
    for l, layer in enumerate(parameters):
        checked = {"d" + key: layer[key] for key in STATE_KEYS}
        checked["da0"] = a0[l]
        assert_gradients_match(gradients["layers"][l], checked, loss)


def test_nothing_is_modified_and_backward_twice_is_the_same():
    x, a0, parameters, da = random_stack(3, [4, 2, 3], 3, 5, seed=7)
    before = copy.deepcopy((x, a0, parameters, da))
    a, cache = stacked_rnn_forward(x, a0, parameters)
    first = stacked_rnn_backward(da, cache)
    second = stacked_rnn_backward(da, cache)
    np.testing.assert_array_equal(first["dx"], second["dx"])
    for one, two in zip(first["layers"], second["layers"]):
        for key in one:
            np.testing.assert_array_equal(one[key], two[key])
    np.testing.assert_array_equal(before[0], x)
    np.testing.assert_array_equal(before[3], da)
    for l in range(3):
        np.testing.assert_array_equal(before[1][l], a0[l])
        for key in STATE_KEYS:
            np.testing.assert_array_equal(before[2][l][key], parameters[l][key])


def test_float32_stays_float32():
    x, a0, parameters, da = random_stack(3, [4, 2], 2, 5, seed=8, dtype=np.float32)
    a, cache = stacked_rnn_forward(x, a0, parameters)
    gradients = stacked_rnn_backward(da, cache)
    assert all(states.dtype == np.float32 for states in a) and gradients["dx"].dtype == np.float32
    assert all(g.dtype == np.float32 for layer in gradients["layers"] for g in layer.values())


def test_bad_input_names_the_argument():
    x, a0, parameters, da = random_stack(3, [4, 2], 2, 5, seed=9)
    wrong = copy.deepcopy(parameters)
    wrong[1]["Wax"] = np.zeros((2, 3))          # layer 2 reads layer 1's 4 states, not x's 3 features
    with pytest.raises(ValueError, match=r"parameters\[1\]\['Wax'\]: expected shape \(n_a, n_x\) = \(2, 4\), "
                                         r"got \(2, 3\)"):
        stacked_rnn_forward(x, a0, wrong)
    with pytest.raises(KeyError, match=r"parameters\[0\] is missing 'ba'"):
        stacked_rnn_forward(x, a0, [{"Wax": parameters[0]["Wax"], "Waa": parameters[0]["Waa"]}, parameters[1]])
    with pytest.raises(ValueError, match="a0 has 1 states for 2 layers"):
        stacked_rnn_forward(x, a0[:1], parameters)
    with pytest.raises(ValueError, match=r"a0\[1\]: expected shape \(n_a, m\) = \(2, 2\), got \(4, 2\)"):
        stacked_rnn_forward(x, [a0[0], a0[0]], parameters)
    with pytest.raises(TypeError, match="parameters must be a list with one entry per layer, got dict"):
        stacked_rnn_forward(x, a0, parameters[0])
    with pytest.raises(TypeError, match="a0 must be a list with one entry per layer, got ndarray"):
        stacked_rnn_forward(x, a0[0], parameters)
    with pytest.raises(ValueError, match="at least one layer"):
        stacked_rnn_forward(x, [], [])
    with pytest.raises(TypeError, match=r"parameters\[0\] must be a dict"):
        stacked_rnn_forward(x, a0, [None, parameters[1]])
    a, cache = stacked_rnn_forward(x, a0, parameters)
    with pytest.raises(ValueError, match=r"da: expected the top layer's 2 rows, got shape \(4, 2, 5\)"):
        stacked_rnn_backward(np.zeros((4, 2, 5)), cache)
    with pytest.raises(ValueError, match="da"):
        stacked_rnn_backward(da[:, :, :3], cache)
    with pytest.raises(TypeError, match="cache must be the tuple returned by stacked_rnn_forward"):
        stacked_rnn_backward(da, cache[0])
