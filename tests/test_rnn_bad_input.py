"""Every wrong argument of the basic RNN gets a clear error before any computation."""
import re

import numpy as np
import pytest

from BackwardPropagation import rnn_backward
from ForwardPropagation import rnn_forward
from helpers import random_rnn
from RNN_UNIT_CELL import rnn_cell_backward, rnn_cell_forward

# (n_x, n_a, n_y, m, T_x) = (3, 5, 2, 4, 6)


@pytest.fixture
def data():
    return random_rnn(3, 5, 2, 4, 6, seed=0)


def replaced(parameters, key, value):
    return {**parameters, key: value}


@pytest.mark.parametrize("key, bad_shape, expected", [
    ("ba", (5,), "ba: expected shape (n_a, 1) = (5, 1), got (5,)"),
    ("ba", (1, 5), "ba: expected shape (n_a, 1) = (5, 1), got (1, 5)"),
    ("by", (2,), "by: expected shape (n_y, 1) = (2, 1), got (2,)"),
    ("Wax", (5, 4), "Wax: expected shape (n_a, n_x) = (5, 3), got (5, 4)"),
    ("Wax", (3, 5), "Wax: expected shape (n_a, n_x) = (5, 3), got (3, 5)"),
    ("Waa", (5, 4), "Waa: expected shape (n_a, n_a) = (5, 5), got (5, 4)"),
    ("Wya", (2, 4), "Wya: expected shape (n_y, n_a) = (2, 5), got (2, 4)"),
])
def test_wrong_parameter_shape(data, key, bad_shape, expected):
    x, a0, parameters, _ = data
    bad = replaced(parameters, key, np.zeros(bad_shape))
    message = re.escape(expected) if len(bad_shape) == 2 else None
    for call in (lambda: rnn_forward(x, a0, bad), lambda: rnn_cell_forward(x[:, :, 0], a0, bad)):
        with pytest.raises(ValueError) as error:
            call()
        assert key in str(error.value)
        if message:
            assert re.search(message, str(error.value))
        else:  # a 1-D bias: wrong number of dimensions, shape named
            assert str(bad_shape) in str(error.value)


def test_one_dimensional_bias_is_refused_not_broadcast(data):
    x, a0, parameters, _ = data
    with pytest.raises(ValueError, match=r"ba must have 2 dimensions, got shape \(5,\)"):
        rnn_forward(x, a0, replaced(parameters, "ba", parameters["ba"].ravel()))


def test_x_that_disagrees_with_wax(data):
    x, a0, parameters, _ = data
    with pytest.raises(ValueError, match=re.escape("Wax: expected shape (n_a, n_x) = (5, 4), got (5, 3)")):
        rnn_forward(np.zeros((4, 4, 6)), a0, parameters)


def test_a0_that_disagrees_with_waa_or_the_batch(data):
    x, a0, parameters, _ = data
    with pytest.raises(ValueError, match=re.escape("a0: expected shape (n_a, m) = (5, 4), got (6, 4)")):
        rnn_forward(x, np.zeros((6, 4)), parameters)
    with pytest.raises(ValueError, match=re.escape("a0: expected shape (n_a, m) = (5, 4), got (5, 3)")):
        rnn_forward(x, np.zeros((5, 3)), parameters)
    with pytest.raises(ValueError, match=re.escape("a_prev: expected shape (n_a, m) = (5, 4), got (5, 3)")):
        rnn_cell_forward(x[:, :, 0], np.zeros((5, 3)), parameters)


def test_wrong_number_of_dimensions(data):
    x, a0, parameters, da = data
    with pytest.raises(ValueError, match=r"x must have 3 dimensions, got shape \(3, 4\)"):
        rnn_forward(x[:, :, 0], a0, parameters)
    with pytest.raises(ValueError, match=r"xt must have 2 dimensions, got shape \(3, 4, 6\)"):
        rnn_cell_forward(x, a0, parameters)
    with pytest.raises(ValueError, match=r"a0 must have 2 dimensions, got shape \(5,\)"):
        rnn_forward(x, a0[:, 0], parameters)


def test_zero_time_steps_is_a_clear_value_error(data):
    x, a0, parameters, _ = data
    with pytest.raises(ValueError, match="T_x = 0"):
        rnn_forward(x[:, :, :0], a0, parameters)


def test_missing_parameter_names_the_key(data):
    x, a0, parameters, _ = data
    incomplete = {k: v for k, v in parameters.items() if k != "Wya"}
    for call in (lambda: rnn_forward(x, a0, incomplete), lambda: rnn_cell_forward(x[:, :, 0], a0, incomplete)):
        with pytest.raises(KeyError, match="'Wya'"):
            call()


def test_wrong_types(data):
    x, a0, parameters, _ = data
    with pytest.raises(TypeError, match="parameters must be a dict, got list"):
        rnn_forward(x, a0, list(parameters.values()))
    with pytest.raises(TypeError, match="x must be a numpy array, got list"):
        rnn_forward(x.tolist(), a0, parameters)
    with pytest.raises(TypeError, match="Waa must hold real numbers, got dtype <U1"):
        rnn_forward(x, a0, replaced(parameters, "Waa", np.full((5, 5), "a")))
    with pytest.raises(TypeError, match="a0 must hold real numbers, got dtype object"):
        rnn_forward(x, a0.astype(object), parameters)
    with pytest.raises(TypeError, match="complex"):
        rnn_cell_forward(x[:, :, 0].astype(complex), a0, parameters)


def test_backward_checks_da_against_the_caches(data):
    x, a0, parameters, da = data
    _, _, caches = rnn_forward(x, a0, parameters)
    with pytest.raises(ValueError, match=re.escape("da: expected shape (n_a, m, T_x) = (5, 4, 6), got (5, 4, 5)")):
        rnn_backward(da[:, :, :5], caches)
    with pytest.raises(ValueError, match=re.escape("da: expected shape (n_a, m, T_x) = (5, 4, 6), got (4, 4, 6)")):
        rnn_backward(da[:4], caches)
    with pytest.raises(ValueError, match=r"da must have 3 dimensions, got shape \(5, 4\)"):
        rnn_backward(da[:, :, 0], caches)
    with pytest.raises(TypeError, match="caches must be the tuple"):
        rnn_backward(da, caches[0])
    with pytest.raises(ValueError, match="caches holds 5 cell caches for an x of 6 time steps"):
        rnn_backward(da, (caches[0][:5], x))


def test_cell_backward_checks_da_next_against_the_cache(data):
    x, a0, parameters, da = data
    _, _, cache = rnn_cell_forward(x[:, :, 0], a0, parameters)
    with pytest.raises(ValueError, match=re.escape("da_next: expected shape (n_a, m) = (5, 4), got (5, 3)")):
        rnn_cell_backward(da[:, :3, 0], cache)
    with pytest.raises(ValueError, match=re.escape("da_next: expected shape (n_a, m) = (5, 4), got (4, 5)")):
        rnn_cell_backward(da[:, :, 0].T[:, :5].copy(), cache)
    with pytest.raises(TypeError, match="cache must be the tuple"):
        rnn_cell_backward(da[:, :, 0], list(cache))
