"""The input policy of validation.py, applied by every public function.

Each test runs the same check over every public function that takes arrays:
what a dtype is computed in, what is refused, what the result's dtype is for
mixed inputs (and that it is really computed at that precision), what
zero-size dimensions do, and the errors that used to blame the wrong thing.
"""
import re

import numpy as np
import pytest

pytestmark = pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")

from BackwardPropagation import gru_backward, lstm_backward, rnn_backward
from ForwardPropagation import gru_forward, lstm_forward, rnn_forward
from GRU_UNIT_CELL import gru_cell_backward, gru_cell_forward
from helpers import random_gated, random_rnn
from Loss import cross_entropy_loss, output_layer_backward, rnn_loss_and_gradients
from LSTM_UNIT_CELL import lstm_cell_backward, lstm_cell_forward
from RNN_UNIT_CELL import rnn_cell_backward, rnn_cell_forward
from rnn_utils import sigmoid, softmax, tanh
from VectorizedGRU import gru_backward_vectorized, gru_forward_vectorized, gru_states_vectorized
from VectorizedLSTM import lstm_backward_vectorized, lstm_forward_vectorized, lstm_states_vectorized
from VectorizedRNN import rnn_backward_vectorized, rnn_forward_vectorized, rnn_states_vectorized

N_X, N_A, N_Y, M, T_X = 3, 4, 2, 5, 3


def deep_map(f, value):
    """Apply f to every numpy array inside nested dicts, tuples and lists."""
    if isinstance(value, np.ndarray):
        return f(value)
    if isinstance(value, dict):
        return {key: deep_map(f, item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(deep_map(f, item) for item in value)
    return value


def arrays_in(value):
    """Every numpy array inside a nested result, in order."""
    found = []
    deep_map(lambda array: found.append(array), value)
    return found


def without_output_layer(parameters):
    """The hidden-state parameters only: what the *_states functions read."""
    return {key: value for key, value in parameters.items() if key not in ("Wya", "Wy", "by")}


def forward_calls(seed=0):
    """name -> (function, arguments) for every public function that starts from inputs and parameters."""
    x, a0, rnn_p, _ = random_rnn(N_X, N_A, N_Y, M, T_X, seed=seed)
    _, _, lstm_p, _ = random_gated("fico", N_X, N_A, N_Y, M, T_X, seed=seed)
    _, _, gru_p, _ = random_gated("ruc", N_X, N_A, N_Y, M, T_X, seed=seed)
    c0 = np.random.default_rng(seed).standard_normal((N_A, M))
    a = np.random.default_rng(seed + 1).standard_normal((N_A, M, T_X))
    dz = np.random.default_rng(seed + 2).standard_normal((N_Y, M, T_X))
    return {
        "rnn_cell_forward": (rnn_cell_forward, (x[:, :, 0], a0, rnn_p)),
        "lstm_cell_forward": (lstm_cell_forward, (x[:, :, 0], a0, c0, lstm_p)),
        "gru_cell_forward": (gru_cell_forward, (x[:, :, 0], a0, gru_p)),
        "rnn_forward": (rnn_forward, (x, a0, rnn_p)),
        "lstm_forward": (lstm_forward, (x, a0, lstm_p)),
        "gru_forward": (gru_forward, (x, a0, gru_p)),
        "rnn_forward_vectorized": (rnn_forward_vectorized, (x, a0, rnn_p)),
        "rnn_states_vectorized": (rnn_states_vectorized, (x, a0, without_output_layer(rnn_p))),
        "lstm_forward_vectorized": (lstm_forward_vectorized, (x, a0, lstm_p)),
        "lstm_states_vectorized": (lstm_states_vectorized, (x, a0, without_output_layer(lstm_p))),
        "gru_forward_vectorized": (gru_forward_vectorized, (x, a0, gru_p)),
        "gru_states_vectorized": (gru_states_vectorized, (x, a0, without_output_layer(gru_p))),
        "output_layer_backward": (output_layer_backward, (dz, a, rnn_p["Wya"])),
        "softmax": (softmax, (dz,)), "sigmoid": (sigmoid, (dz,)), "tanh": (tanh, (dz,)),
    }


# the backward of each forward, and how to find the cache in what the forward returns
BACKWARDS = {
    "rnn_cell_forward": (rnn_cell_backward, -1), "lstm_cell_forward": (lstm_cell_backward, -1),
    "gru_cell_forward": (gru_cell_backward, -1), "rnn_forward": (rnn_backward, -1),
    "lstm_forward": (lstm_backward, -1), "gru_forward": (gru_backward, -1),
    "rnn_forward_vectorized": (rnn_backward_vectorized, -1), "rnn_states_vectorized": (rnn_backward_vectorized, -1),
    "lstm_forward_vectorized": (lstm_backward_vectorized, -1), "lstm_states_vectorized": (lstm_backward_vectorized, -1),
    "gru_forward_vectorized": (gru_backward_vectorized, -1), "gru_states_vectorized": (gru_backward_vectorized, -1),
}


def backward_call(name, dtype=np.float64, seed=0):
    """(backward, upstream gradients, cache) for the forward `name`, the forward run in `dtype`."""
    forward, arguments = forward_calls(seed)[name]
    outputs = forward(*deep_map(lambda array: array.astype(dtype), arguments))
    backward, _ = BACKWARDS[name]
    a = outputs[0]
    rng = np.random.default_rng(seed + 3)
    upstream = [rng.standard_normal(a.shape)]
    if name == "lstm_cell_forward":
        upstream.append(rng.standard_normal(a.shape))        # dc_next
    return backward, upstream, outputs[-1]


def assert_same_results(got, expected, rtol=0.0):
    got, expected = arrays_in(got), arrays_in(expected)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype, (g.dtype, e.dtype)
        np.testing.assert_allclose(g, e, rtol=rtol, atol=0)


# ---------------------------------------------------------------- integers: exactly float64

INTEGER_TYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]


def integer_version(array, dtype, rng):
    """Integers of `dtype` large enough that their products overflow it, with the array's shape."""
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=array.shape, dtype=dtype, endpoint=True)


@pytest.mark.parametrize("dtype", INTEGER_TYPES)
@pytest.mark.parametrize("name", sorted(forward_calls()))
def test_integers_of_every_kind_compute_exactly_in_float64(name, dtype):
    function, arguments = forward_calls()[name]
    rng = np.random.default_rng(1)
    integers = deep_map(lambda array: integer_version(array, dtype, rng), arguments)
    with np.errstate(all="ignore"):        # a wrapping product would warn; the check is on the values
        got = function(*integers)
    expected = function(*deep_map(lambda array: array.astype(np.float64), integers))
    assert_same_results(got, expected)


@pytest.mark.parametrize("dtype", [np.int8, np.uint64])
@pytest.mark.parametrize("name", sorted(BACKWARDS))
def test_integer_upstream_gradients_compute_exactly_in_float64(name, dtype):
    backward, upstream, cache = backward_call(name)
    rng = np.random.default_rng(2)
    integers = [integer_version(g, dtype, rng) for g in upstream]
    got = backward(*integers, cache)
    expected = backward(*[g.astype(np.float64) for g in integers], cache)
    assert_same_results(got, expected)


def test_the_reported_integer_cases():
    np.testing.assert_allclose(softmax(np.array([0, 200], dtype=np.uint8)), [np.exp(-200.0), 1.0], rtol=1e-12)
    assert sigmoid(np.array(5, dtype=np.uint8)) == pytest.approx(1 / (1 + np.exp(-5.0)), rel=1e-15)
    assert tanh(np.array([1], dtype=np.int8)).dtype == np.float64          # not float16
    extremes = np.array([np.iinfo(np.int64).max, np.iinfo(np.int64).min])
    np.testing.assert_array_equal(softmax(extremes), [1.0, 0.0])           # x - max(x) must not wrap


# ---------------------------------------------------------------- floats: float16 widened, mixed in float64

@pytest.mark.parametrize("name", sorted(forward_calls()))
def test_float16_computes_in_float32(name):
    function, arguments = forward_calls()[name]
    half = deep_map(lambda array: array.astype(np.float16), arguments)
    got = function(*half)
    expected = function(*deep_map(lambda array: array.astype(np.float32), half))
    assert_same_results(got, expected)
    assert all(array.dtype == np.float32 for array in arrays_in(got))


def test_a_float16_softmax_over_many_classes_sums_to_one():
    scores = np.random.default_rng(0).standard_normal((5000, 3)).astype(np.float16)
    np.testing.assert_allclose(softmax(scores).sum(axis=0), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(forward_calls()))
def test_mixed_float32_and_float64_computes_in_float64_throughout(name):
    function, arguments = forward_calls()[name]
    single = deep_map(lambda array: array.astype(np.float32), arguments)
    arrays = arrays_in(single)
    for position in range(len(arrays)):    # one argument at a time in float64, the rest in float32
        counter = iter(range(len(arrays)))
        mixed = deep_map(lambda array: array.astype(np.float64) if next(counter) == position else array, single)
        got = function(*mixed)
        expected = function(*deep_map(lambda array: array.astype(np.float64), single))
        assert_same_results(got, expected, rtol=1e-14)


@pytest.mark.parametrize("name", sorted(BACKWARDS))
def test_a_float64_gradient_on_a_float32_forward_computes_in_float64(name):
    backward, upstream, cache = backward_call(name, dtype=np.float32)
    got = backward(*upstream, cache)
    expected = backward(*upstream, deep_map(lambda array: array.astype(np.float64), cache))
    assert_same_results(got, expected, rtol=1e-14)


def test_float32_stays_float32():
    for name, (function, arguments) in forward_calls().items():
        result = function(*deep_map(lambda array: array.astype(np.float32), arguments))
        assert all(array.dtype == np.float32 for array in arrays_in(result)), name


# ---------------------------------------------------------------- refused, with the argument named

def as_matrix(array):
    return np.asmatrix(array) if array.ndim == 2 else None


REFUSED = {
    "bool": lambda array: array > 0,
    "complex": lambda array: array.astype(complex),
    "object": lambda array: array.astype(object),
    "string": lambda array: array.astype(str),
    "masked": lambda array: np.ma.masked_less(array, 0),
    "matrix": as_matrix,
    "longdouble": lambda array: array.astype(np.longdouble) if np.finfo(np.longdouble).bits > 64 else None,
}


def argument_names(function, arguments):
    """The name of every array in `arguments`, in deep_map's order: the parameter's, or the dict key."""
    import inspect
    names = []
    for parameter, argument in zip(inspect.signature(function).parameters, arguments):
        if isinstance(argument, dict):
            names.extend(argument)
        else:
            names.append(parameter)
    return names


@pytest.mark.parametrize("kind", sorted(REFUSED))
@pytest.mark.parametrize("name", sorted(forward_calls()))
def test_refused_kinds_raise_type_error_naming_the_argument(name, kind):
    function, arguments = forward_calls()[name]
    for position, argument in enumerate(argument_names(function, arguments)):
        counter = iter(range(1000))
        changed = []

        def replace(array):
            if next(counter) != position:
                return array
            bad = REFUSED[kind](array)
            changed.append(bad)
            return array if bad is None else bad
        bad_arguments = deep_map(replace, arguments)
        if changed[0] is None:
            continue                          # no matrix of a 3-D array; no longdouble on this machine
        with pytest.raises(TypeError) as error:
            function(*bad_arguments)
        assert str(error.value).startswith(argument + " "), (argument, str(error.value))


def test_lists_and_numbers_are_accepted_by_all_three_activations_and_bools_by_none():
    for activation in (softmax, sigmoid, tanh):
        np.testing.assert_array_equal(activation([1.0, 2.0]), activation(np.array([1.0, 2.0])))
        np.testing.assert_array_equal(activation([[1, 2], [3, 4]]), activation(np.array([[1.0, 2.0], [3.0, 4.0]])))
        if activation is softmax:                              # a number has no axis of classes
            with pytest.raises(ValueError, match="at least one class"):
                softmax(0.5)
        else:
            assert activation(0.5) == activation(np.array(0.5))
        for bad in (True, [True, False], np.array([True])):
            with pytest.raises(TypeError, match="x"):
                activation(bad)


def test_np_matrix_would_have_changed_the_lstm_states():
    # with n_a == m, matrix * matrix is a matrix product: the element-wise gates would be wrong
    x, a0, parameters, _ = random_gated("fico", 3, 4, 2, 4, 1)
    with pytest.raises(TypeError, match="a_prev.*matrix"):
        lstm_cell_forward(x[:, :, 0], np.asmatrix(a0), np.zeros((4, 4)), parameters)


def test_a_masked_array_is_refused_not_unmasked():
    x, a0, parameters, _ = random_rnn(3, 4, 2, 5, 3)
    with pytest.raises(TypeError, match="x.*masked"):
        rnn_forward(np.ma.masked_greater(x, 1.0), a0, parameters)


def test_the_loss_follows_the_policy():
    y_pred = softmax(np.random.default_rng(0).standard_normal((4, 2, 3)))
    targets = np.array([[0, 1, 2], [3, 0, 1]])
    loss, dz = cross_entropy_loss(y_pred.astype(np.float16), targets)
    assert dz.dtype == np.float32
    with pytest.raises(TypeError, match="y_pred"):
        cross_entropy_loss(y_pred.astype(complex), targets)
    with pytest.raises(TypeError, match="targets"):
        cross_entropy_loss(y_pred, targets > 0)


# ---------------------------------------------------------------- zero-size dimensions: clear errors

@pytest.mark.parametrize("letter", ["n_x", "n_a", "n_y", "m"])
@pytest.mark.parametrize("name", ["rnn_forward", "lstm_forward", "gru_forward", "rnn_forward_vectorized",
                                  "rnn_cell_forward", "lstm_cell_forward", "gru_cell_forward"])
def test_a_zero_size_dimension_is_a_clear_error(name, letter):
    sizes = {"n_x": N_X, "n_a": N_A, "n_y": N_Y, "m": M, "T_x": T_X, letter: 0}
    gates = {"lstm": "fico", "gru": "ruc"}.get(name.split("_")[0])
    if gates:
        x, a0, parameters, _ = random_gated(gates, *(sizes[k] for k in ("n_x", "n_a", "n_y", "m", "T_x")))
    else:
        x, a0, parameters, _ = random_rnn(*(sizes[k] for k in ("n_x", "n_a", "n_y", "m", "T_x")))
    function, _ = forward_calls()[name]
    arguments = {"rnn_cell_forward": (x[:, :, 0], a0, parameters), "gru_cell_forward": (x[:, :, 0], a0, parameters),
                 "lstm_cell_forward": (x[:, :, 0], a0, np.zeros_like(a0), parameters)}.get(name, (x, a0, parameters))
    with pytest.raises(ValueError, match=f"{letter} = 0"):
        function(*arguments)


@pytest.mark.parametrize("name", [name for name in sorted(BACKWARDS) if name.endswith("_vectorized")])
def test_m_zero_or_buffers_of_two_calls_in_the_vectorized_backwards_are_clear_errors(name):
    backward, upstream, cache = backward_call(name)
    X, S = cache[0], cache[1]
    for S_other in (S[:X.shape[1]], S[:X.shape[1] + 2]):     # m = 0; m = 2 that does not divide T_x * m = 15
        with pytest.raises(ValueError, match="cache"):
            backward(*upstream, (X, S_other, *cache[2:]))


def test_the_loss_of_an_empty_batch_or_no_classes_is_a_clear_error():
    with pytest.raises(ValueError, match="m = 0"):
        cross_entropy_loss(np.zeros((3, 0, 2)), np.zeros((0, 2), dtype=int))
    with pytest.raises(ValueError, match="n_y = 0"):
        cross_entropy_loss(np.zeros((0, 2, 2)), np.zeros((2, 2), dtype=int))


# ---------------------------------------------------------------- errors that blamed the wrong array

def test_a_wrong_wy_is_blamed_on_wy_not_on_wf():
    x, a0, parameters, _ = random_gated("fico", 3, 4, 2, 5, 3)
    for function in (lambda p: lstm_forward(x, a0, p), lambda p: lstm_cell_forward(x[:, :, 0], a0, a0, p)):
        with pytest.raises(ValueError, match=re.escape("Wy: expected shape (n_y, n_a) = (2, 4), got (2, 5)")):
            function({**parameters, "Wy": np.zeros((2, 5))})
    _, _, gru_p, _ = random_gated("ruc", 3, 4, 2, 5, 3)
    with pytest.raises(ValueError, match=r"^Wy: "):
        gru_forward(x, a0, {**gru_p, "Wy": np.zeros((2, 6))})


def test_a_wrong_square_waa_is_blamed_on_waa_not_on_wax():
    x, a0, parameters, _ = random_rnn(3, 5, 2, 4, 6)
    for function in (rnn_forward, rnn_forward_vectorized):
        with pytest.raises(ValueError, match=re.escape("Waa: expected shape (n_a, n_a) = (5, 5), got (6, 6)")):
            function(x, a0, {**parameters, "Waa": np.zeros((6, 6))})


@pytest.mark.parametrize("name", sorted(BACKWARDS))
def test_the_whole_output_of_a_forward_passed_as_the_cache(name):
    forward, arguments = forward_calls()[name]
    backward, upstream, _ = backward_call(name)
    outputs = forward(*arguments)
    with pytest.raises(TypeError, match=f"everything ({name}|.* or {name}|{name} or .*) returned"):
        backward(*upstream, outputs)


def test_caches_from_another_batch_size():
    x, a0, parameters, da = random_rnn(3, 4, 2, 5, 3)
    _, _, (cell_caches, _) = rnn_forward(x, a0, parameters)
    _, _, (other_cells, other_x) = rnn_forward(x[:, :2], a0[:, :2], parameters)
    with pytest.raises(ValueError, match="caches"):
        rnn_backward(da, (cell_caches[:2] + other_cells[2:], x))            # cell caches of two batches
    with pytest.raises(ValueError, match="caches"):
        rnn_backward(da[:, :2], (cell_caches, other_x))                     # x of another batch
    _, _, (X, S, p) = rnn_forward_vectorized(x, a0, parameters)
    _, _, (X2, S2, _) = rnn_forward_vectorized(x[:, :2], a0[:, :2], parameters)
    with pytest.raises(ValueError, match="cache"):
        rnn_backward_vectorized(da, (X, S2, p))


def test_rnn_loss_and_gradients_follows_the_policy():
    x, a0, parameters, _ = random_rnn(3, 4, 2, 5, 3)
    targets = np.zeros((5, 3), dtype=int)
    single = {key: value.astype(np.float32) for key, value in parameters.items()}
    loss, gradients, _ = rnn_loss_and_gradients(x.astype(np.float32), a0, targets, single)
    reference = rnn_loss_and_gradients(x.astype(np.float32).astype(np.float64), a0, targets,
                                       {key: value.astype(np.float64) for key, value in single.items()})[1]
    for key in reference:
        np.testing.assert_allclose(gradients[key], reference[key], rtol=1e-13, atol=1e-15)
