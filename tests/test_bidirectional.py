"""Bidirectional.py: both directions right, every gradient checked, clear errors, nothing mutated."""
import copy

import numpy as np
import pytest

from Bidirectional import birnn_backward, birnn_forward
from ForwardPropagation import rnn_forward
from helpers import assert_gradients_match, random_rnn
from RNN_UNIT_CELL import rnn_cell_forward

STATE_KEYS = ("Wax", "Waa", "ba")
# (n_x, n_af, n_ab, m, T_x): the sizes of the directions may differ; every dimension at 1 somewhere
SHAPES = [(3, 4, 4, 2, 5), (1, 1, 1, 1, 1), (1, 3, 2, 2, 4), (2, 3, 3, 1, 3), (3, 2, 2, 4, 1), (2, 1, 3, 3, 2)]


def random_birnn(n_x, n_af, n_ab, m, T_x, seed=0, dtype=np.float64):
    """x, a0 by direction, parameters by direction, and an upstream gradient da (n_af + n_ab, m, T_x)."""
    x, a0_f, forward, _ = random_rnn(n_x, n_af, 1, m, T_x, seed=seed, dtype=dtype)
    _, a0_b, backward, _ = random_rnn(n_x, n_ab, 1, m, T_x, seed=seed + 100, dtype=dtype)
    parameters = {"forward": {k: forward[k] for k in STATE_KEYS}, "backward": {k: backward[k] for k in STATE_KEYS}}
    da = np.random.default_rng(seed + 200).standard_normal((n_af + n_ab, m, T_x)).astype(dtype)
    return x, {"forward": a0_f, "backward": a0_b}, parameters, da


def with_output_layer(parameters, n_a):
    """The tutorial's rnn_forward needs Wya and by; any will do, only its states are compared."""
    return {**parameters, "Wya": np.zeros((1, n_a)), "by": np.zeros((1, 1))}


@pytest.mark.parametrize("shape", SHAPES)
def test_states_are_a_forward_and_a_backward_reading(shape):
    n_x, n_af, n_ab, m, T_x = shape
    x, a0, parameters, _ = random_birnn(*shape, seed=sum(shape))
    a, _ = birnn_forward(x, a0, parameters)
    assert a.shape == (n_af + n_ab, m, T_x)
    # forward half: the tutorial's rnn_forward
    expected_forward = rnn_forward(x, a0["forward"], with_output_layer(parameters["forward"], n_af))[0]
    np.testing.assert_allclose(a[:n_af], expected_forward, rtol=1e-12, atol=1e-12)
    # backward half: the cell stepped from t = T_x down to 1, no reversal trick
    state = a0["backward"]
    cell_parameters = with_output_layer(parameters["backward"], n_ab)
    for t in reversed(range(T_x)):
        state = rnn_cell_forward(x[:, :, t], state, cell_parameters)[0]
        np.testing.assert_allclose(a[n_af:, :, t], state, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_every_gradient_against_the_numerical_gradient(shape):
    x, a0, parameters, da = random_birnn(*shape, seed=sum(shape) + 1)
    a, cache = birnn_forward(x, a0, parameters)
    gradients = birnn_backward(da, cache)
    assert set(gradients) == {"dx", "forward", "backward"}

    def loss():
        return np.sum(birnn_forward(x, a0, parameters)[0] * da)   # dL/da is exactly da

    assert_gradients_match({"dx": gradients["dx"]}, {"dx": x}, loss)
    for direction in ("forward", "backward"):
        checked = {"d" + key: parameters[direction][key] for key in STATE_KEYS}
        checked["da0"] = a0[direction]
        assert_gradients_match(gradients[direction], checked, loss)


def test_nothing_is_modified_and_backward_twice_is_the_same():
    x, a0, parameters, da = random_birnn(3, 4, 2, 3, 5, seed=7)
    before = copy.deepcopy((x, a0, parameters, da))
    a, cache = birnn_forward(x, a0, parameters)
    first = birnn_backward(da, cache)
    second = birnn_backward(da, cache)
    np.testing.assert_array_equal(first["dx"], second["dx"])
    for direction in ("forward", "backward"):
        for key in first[direction]:
            np.testing.assert_array_equal(first[direction][key], second[direction][key])
    after = (x, a0, parameters, da)
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[3], after[3])
    for direction in ("forward", "backward"):
        np.testing.assert_array_equal(before[1][direction], after[1][direction])
        for key in STATE_KEYS:
            np.testing.assert_array_equal(before[2][direction][key], after[2][direction][key])
    assert not np.shares_memory(a, x) and not np.shares_memory(first["dx"], da)


def test_float32_stays_float32():
    x, a0, parameters, da = random_birnn(3, 4, 4, 2, 5, seed=8, dtype=np.float32)
    a, cache = birnn_forward(x, a0, parameters)
    gradients = birnn_backward(da, cache)
    assert a.dtype == gradients["dx"].dtype == np.float32
    assert all(g.dtype == np.float32 for d in ("forward", "backward") for g in gradients[d].values())


def test_bad_input_names_the_argument():
    x, a0, parameters, da = random_birnn(3, 4, 2, 2, 5, seed=9)
    with pytest.raises(KeyError, match="parameters is missing 'backward'"):
        birnn_forward(x, a0, {"forward": parameters["forward"]})
    with pytest.raises(KeyError, match=r"parameters\['backward'\] is missing 'Waa'"):
        birnn_forward(x, a0, {**parameters, "backward": {"Wax": parameters["backward"]["Wax"],
                                                        "ba": parameters["backward"]["ba"]}})
    wrong = copy.deepcopy(parameters)
    wrong["backward"]["Wax"] = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"parameters\['backward'\]\['Wax'\]: expected shape \(n_a, n_x\) "
                                         r"= \(2, 3\), got \(2, 4\)"):
        birnn_forward(x, a0, wrong)
    with pytest.raises(ValueError, match=r"a0\['forward'\]: expected shape \(n_a, m\) = \(4, 2\), got \(4, 3\)"):
        birnn_forward(x, {**a0, "forward": np.zeros((4, 3))}, parameters)
    with pytest.raises(TypeError, match="a0 must be a dict"):
        birnn_forward(x, a0["forward"], parameters)
    with pytest.raises(TypeError, match="parameters must be a dict"):
        birnn_forward(x, a0, [parameters["forward"], parameters["backward"]])
    with pytest.raises(ValueError, match="x must have 3 dimensions"):
        birnn_forward(x[:, :, 0], a0, parameters)
    with pytest.raises(ValueError, match="T_x = 0"):
        birnn_forward(x[:, :, :0], a0, parameters)
    a, cache = birnn_forward(x, a0, parameters)
    with pytest.raises(ValueError, match=r"da: expected shape \(n_af \+ n_ab, m, T_x\) = \(6, 2, 5\), got \(4, 2, 5\)"):
        birnn_backward(da[:4], cache)
    with pytest.raises(TypeError, match="cache must be the tuple returned by birnn_forward"):
        birnn_backward(da, cache[0])
