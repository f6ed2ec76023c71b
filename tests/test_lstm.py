"""LSTM: gradient checks of every returned gradient, values by hand, errors, properties."""
import math
import re

import numpy as np
import pytest

from BackwardPropagation import lstm_backward
from ForwardPropagation import lstm_forward
from helpers import assert_gradients_match, random_gated
from LSTM_UNIT_CELL import lstm_cell_backward, lstm_cell_forward

SHAPES = [(3, 5, 2, 4, 3), (1, 1, 1, 1, 1), (1, 3, 2, 2, 3), (3, 1, 2, 3, 2), (2, 3, 2, 1, 4), (4, 3, 2, 3, 1)]
GATE_KEYS = ["dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo"]


@pytest.mark.parametrize("shape", SHAPES)
def test_lstm_cell_backward_matches_numerical_gradient(shape):
    x, a0, p, da = random_gated("fico", *shape, seed=sum(shape))
    xt, c_prev = x[:, :, 0].copy(), np.random.default_rng(1).standard_normal(a0.shape)
    da_next, dc_next = da[:, :, 0], np.random.default_rng(2).standard_normal(a0.shape)
    gradients = lstm_cell_backward(da_next, dc_next, lstm_cell_forward(xt, a0, c_prev, p)[3])

    def loss():
        a_next, c_next, _, _ = lstm_cell_forward(xt, a0, c_prev, p)
        return np.sum(a_next * da_next) + np.sum(c_next * dc_next)

    checked = {"dxt": xt, "da_prev": a0, "dc_prev": c_prev}
    checked.update({key: p[key[1:]] for key in GATE_KEYS})
    assert_gradients_match(gradients, checked, loss)


@pytest.mark.parametrize("shape", SHAPES)
def test_lstm_backward_matches_numerical_gradient(shape):
    x, a0, p, da = random_gated("fico", *shape, seed=sum(shape) + 50)
    gradients = lstm_backward(da, lstm_forward(x, a0, p)[3])
    loss = lambda: np.sum(lstm_forward(x, a0, p)[0] * da)
    checked = {"dx": x, "da0": a0}
    checked.update({key: p[key[1:]] for key in GATE_KEYS})
    assert_gradients_match(gradients, checked, loss)


def test_one_step_by_hand():
    # n_x = n_a = 1: every gate is a scalar sigmoid or tanh of w1 * a_prev + w2 * x + b
    p = {"Wf": np.array([[0.5, -1.0]]), "bf": np.array([[0.1]]), "Wi": np.array([[1.0, 0.5]]),
         "bi": np.array([[-0.2]]), "Wc": np.array([[-0.3, 0.8]]), "bc": np.array([[0.0]]),
         "Wo": np.array([[0.2, 0.2]]), "bo": np.array([[0.3]]), "Wy": np.array([[1.0], [-1.0]]),
         "by": np.array([[0.0], [0.0]])}
    a_prev, c_prev, x = 0.4, -0.6, 1.5
    s = lambda z: 1 / (1 + math.exp(-z))
    f, i = s(0.5 * a_prev - 1.0 * x + 0.1), s(1.0 * a_prev + 0.5 * x - 0.2)
    cc, o = math.tanh(-0.3 * a_prev + 0.8 * x), s(0.2 * a_prev + 0.2 * x + 0.3)
    c = f * c_prev + i * cc
    a = o * math.tanh(c)
    a_next, c_next, y, cache = lstm_cell_forward(np.array([[x]]), np.array([[a_prev]]), np.array([[c_prev]]), p)
    assert c_next[0, 0] == pytest.approx(c, rel=1e-14)
    assert a_next[0, 0] == pytest.approx(a, rel=1e-14)
    assert y[0, 0] == pytest.approx(math.exp(a) / (math.exp(a) + math.exp(-a)), rel=1e-14)
    assert len(cache) == 10 and cache[9] is p


def test_forward_starts_from_an_empty_cell_state_and_keeps_every_step():
    x, a0, p, _ = random_gated("fico", 3, 4, 2, 5, 6, seed=3)
    a, y, c, (caches, x_cached) = lstm_forward(x, a0, p)
    assert a.shape == c.shape == (4, 5, 6) and y.shape == (2, 5, 6) and x_cached is x
    np.testing.assert_array_equal(caches[0][3], np.zeros((4, 5)))        # c_prev of step 1
    a_t, c_t = a0, np.zeros((4, 5))
    for t in range(6):
        a_t, c_t, _, _ = lstm_cell_forward(x[:, :, t], a_t, c_t, p)
        np.testing.assert_array_equal(a[:, :, t], a_t)
        np.testing.assert_array_equal(c[:, :, t], c_t)
    np.testing.assert_allclose(y.sum(axis=0), 1.0, rtol=1e-12)


def test_bad_input():
    x, a0, p, da = random_gated("fico", 3, 5, 2, 4, 6, seed=0)
    with pytest.raises(ValueError, match=re.escape("Wi: expected shape (n_a, n_a + n_x) = (5, 8), got (5, 7)")):
        lstm_forward(x, a0, {**p, "Wi": np.zeros((5, 7))})
    with pytest.raises(ValueError, match=r"bo must have 2 dimensions, got shape \(5,\)"):
        lstm_forward(x, a0, {**p, "bo": np.zeros(5)})
    with pytest.raises(KeyError, match="'Wo'"):
        lstm_forward(x, a0, {k: v for k, v in p.items() if k != "Wo"})
    with pytest.raises(ValueError, match=re.escape("a0: expected shape (n_a, m) = (5, 4), got (5, 3)")):
        lstm_forward(x, a0[:, :3], p)
    with pytest.raises(ValueError, match=re.escape("c_prev: expected shape (n_a, m) = (5, 4), got (4, 4)")):
        lstm_cell_forward(x[:, :, 0], a0, a0[:4], p)
    with pytest.raises(ValueError, match="T_x = 0"):
        lstm_forward(x[:, :, :0], a0, p)
    with pytest.raises(TypeError, match="parameters must be a dict"):
        lstm_forward(x, a0, None)
    caches = lstm_forward(x, a0, p)[3]
    with pytest.raises(ValueError, match=re.escape("da: expected shape (n_a, m, T_x) = (5, 4, 6), got (5, 4, 5)")):
        lstm_backward(da[:, :, :5], caches)
    with pytest.raises(ValueError, match=re.escape("dc_next: expected shape (n_a, m) = (5, 4), got (5, 3)")):
        lstm_cell_backward(da[:, :, 0], da[:, :3, 0], caches[0][0])


def test_no_mutation_twice_backward_and_float32():
    x, a0, p, da = random_gated("fico", 3, 5, 2, 4, 6, seed=4)
    before = [v.copy() for v in (x, a0, da, *p.values())]
    caches = lstm_forward(x, a0, p)[3]
    first, second = lstm_backward(da, caches), lstm_backward(da, caches)
    for old, new in zip(before, (x, a0, da, *p.values())):
        np.testing.assert_array_equal(old, new)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    x, a0, p, da = random_gated("fico", 3, 5, 2, 4, 6, seed=4, dtype=np.float32)
    a, y, c, caches = lstm_forward(x, a0, p)
    assert a.dtype == y.dtype == c.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm_backward(da, caches).values())
