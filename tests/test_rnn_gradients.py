"""Gradient checks of rnn_cell_backward and rnn_backward against numerical gradients.

The loss is L = sum(a * da) for a fixed random da: its gradient with respect
to the hidden states is exactly da, so the backward functions receive da as
their upstream gradient and must return the gradient of L with respect to
everything the hidden states depend on. All in float64; no clipping anywhere.
"""
import numpy as np
import pytest

from BackwardPropagation import rnn_backward
from ForwardPropagation import rnn_forward
from gradient_check import numerical_gradient, relative_error
from helpers import TOLERANCE, assert_gradients_match, random_rnn
from RNN_UNIT_CELL import rnn_cell_backward, rnn_cell_forward

# (n_x, n_a, n_y, m, T_x): the tutorial's size, then every dimension at 1 in turn.
SHAPES = [
    (3, 5, 2, 10, 4),
    (1, 1, 1, 1, 1),
    (1, 4, 3, 2, 3),     # n_x = 1
    (3, 1, 2, 4, 3),     # n_a = 1
    (2, 3, 2, 1, 5),     # m = 1
    (4, 3, 2, 3, 1),     # T_x = 1
    (2, 6, 3, 7, 12),    # a longer sequence
]


@pytest.mark.parametrize("shape", SHAPES)
def test_rnn_cell_backward_matches_numerical_gradient(shape):
    x, a0, parameters, da = random_rnn(*shape, seed=sum(shape))
    xt, da_next = x[:, :, 0].copy(), da[:, :, 0]
    _, _, cache = rnn_cell_forward(xt, a0, parameters)
    gradients = rnn_cell_backward(da_next, cache)

    loss = lambda: np.sum(rnn_cell_forward(xt, a0, parameters)[0] * da_next)
    checked = {"dxt": xt, "da_prev": a0, "dWax": parameters["Wax"],
               "dWaa": parameters["Waa"], "dba": parameters["ba"]}
    assert_gradients_match(gradients, checked, loss)


@pytest.mark.parametrize("shape", SHAPES)
def test_rnn_backward_matches_numerical_gradient(shape):
    x, a0, parameters, da = random_rnn(*shape, seed=sum(shape) + 100)
    _, _, caches = rnn_forward(x, a0, parameters)
    gradients = rnn_backward(da, caches)

    loss = lambda: np.sum(rnn_forward(x, a0, parameters)[0] * da)
    checked = {"dx": x, "da0": a0, "dWax": parameters["Wax"],
               "dWaa": parameters["Waa"], "dba": parameters["ba"]}
    assert_gradients_match(gradients, checked, loss)


def test_rnn_backward_carries_the_gradient_between_steps():
    # With an upstream gradient at the last step only, the first input still gets a
    # gradient: it can only have come through da_prev, step by step.
    x, a0, parameters, da = random_rnn(2, 3, 2, 2, 4, seed=7)
    da[:, :, :-1] = 0
    gradients = rnn_backward(da, rnn_forward(x, a0, parameters)[2])
    assert np.abs(gradients["dx"][:, :, 0]).max() > 1e-6
    loss = lambda: np.sum(rnn_forward(x, a0, parameters)[0] * da)
    assert relative_error(gradients["dx"], numerical_gradient(loss, x)) <= TOLERANCE
