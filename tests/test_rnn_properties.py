"""Nothing is changed behind the caller's back, and dtypes are kept."""
import copy

import numpy as np
import pytest

from BackwardPropagation import rnn_backward
from ForwardPropagation import rnn_forward
from helpers import random_rnn
from RNN_UNIT_CELL import rnn_cell_backward, rnn_cell_forward


def snapshot(*objects):
    return copy.deepcopy(objects)


def assert_unchanged(before, after):
    for old, new in zip(before, after):
        if isinstance(old, dict):
            assert list(old) == list(new)
            for key in old:
                np.testing.assert_array_equal(old[key], new[key])
        else:
            np.testing.assert_array_equal(old, new)


def test_no_function_modifies_its_inputs():
    x, a0, parameters, da = random_rnn(3, 5, 2, 4, 6, seed=1)
    before = snapshot(x, a0, parameters, da)
    a, y_pred, caches = rnn_forward(x, a0, parameters)
    rnn_backward(da, caches)
    _, _, cache = rnn_cell_forward(x[:, :, 0], a0, parameters)
    rnn_cell_backward(da[:, :, 0], cache)
    assert_unchanged(before, (x, a0, parameters, da))
    assert set(parameters) == {"Wax", "Waa", "Wya", "ba", "by"}


def test_backward_twice_gives_the_same_gradients():
    x, a0, parameters, da = random_rnn(3, 5, 2, 4, 6, seed=2)
    _, _, caches = rnn_forward(x, a0, parameters)
    first = rnn_backward(da, caches)
    second = rnn_backward(da, caches)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
        assert first[key] is not second[key]


def test_float32_in_float32_out():
    x, a0, parameters, da = random_rnn(3, 5, 2, 4, 6, seed=3, dtype=np.float32)
    a, y_pred, caches = rnn_forward(x, a0, parameters)
    assert a.dtype == y_pred.dtype == np.float32
    assert all(cache[0].dtype == np.float32 for cache in caches[0])
    gradients = rnn_backward(da, caches)
    assert {key: g.dtype for key, g in gradients.items()} == dict.fromkeys(gradients, np.float32)
    cell_gradients = rnn_cell_backward(da[:, :, 0], caches[0][0])
    assert all(g.dtype == np.float32 for g in cell_gradients.values())
    # and the float32 numbers agree with a float64 run to float32 precision
    a64, _, caches64 = rnn_forward(x.astype(np.float64), a0.astype(np.float64),
                                   {k: v.astype(np.float64) for k, v in parameters.items()})
    np.testing.assert_allclose(a, a64, atol=1e-5)
    np.testing.assert_allclose(gradients["dWaa"], rnn_backward(da.astype(np.float64), caches64)["dWaa"],
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("x_dtype, expected", [(np.float64, np.float64), (np.int64, np.float64)])
def test_float64_is_the_default(x_dtype, expected):
    x, a0, parameters, da = random_rnn(3, 5, 2, 4, 6, seed=4, dtype=np.float32)
    a, y_pred, caches = rnn_forward(np.ones(x.shape, dtype=x_dtype), a0, parameters)
    assert a.dtype == y_pred.dtype == expected
    assert rnn_backward(da, caches)["dx"].dtype == expected


def test_integer_inputs_compute_in_float64():
    x = np.ones((2, 3, 4), dtype=np.int64)
    a0 = np.zeros((2, 3), dtype=np.int64)
    parameters = {"Wax": np.eye(2, dtype=int), "Waa": np.eye(2, dtype=int), "Wya": np.eye(2, dtype=int),
                  "ba": np.zeros((2, 1), dtype=int), "by": np.zeros((2, 1), dtype=int)}
    a, y_pred, _ = rnn_forward(x, a0, parameters)
    assert a.dtype == np.float64
    assert a[0, 0, 0] == pytest.approx(np.tanh(1.0))
