"""GRU: gradient checks of every returned gradient, values by hand, errors, properties."""
import math
import re

import numpy as np
import pytest

from BackwardPropagation import gru_backward
from ForwardPropagation import gru_forward
from GRU_UNIT_CELL import gru_cell_backward, gru_cell_forward
from helpers import assert_gradients_match, random_gated

SHAPES = [(3, 5, 2, 4, 3), (1, 1, 1, 1, 1), (1, 3, 2, 2, 3), (3, 1, 2, 3, 2), (2, 3, 2, 1, 4), (4, 3, 2, 3, 1)]
GATE_KEYS = ["dWr", "dbr", "dWu", "dbu", "dWc", "dbc"]


@pytest.mark.parametrize("shape", SHAPES)
def test_gru_cell_backward_matches_numerical_gradient(shape):
    x, a0, p, da = random_gated("ruc", *shape, seed=sum(shape))
    xt, da_next = x[:, :, 0].copy(), da[:, :, 0]
    gradients = gru_cell_backward(da_next, gru_cell_forward(xt, a0, p)[2])
    loss = lambda: np.sum(gru_cell_forward(xt, a0, p)[0] * da_next)
    checked = {"dxt": xt, "da_prev": a0}
    checked.update({key: p[key[1:]] for key in GATE_KEYS})
    assert_gradients_match(gradients, checked, loss)


@pytest.mark.parametrize("shape", SHAPES)
def test_gru_backward_matches_numerical_gradient(shape):
    x, a0, p, da = random_gated("ruc", *shape, seed=sum(shape) + 50)
    gradients = gru_backward(da, gru_forward(x, a0, p)[2])
    loss = lambda: np.sum(gru_forward(x, a0, p)[0] * da)
    checked = {"dx": x, "da0": a0}
    checked.update({key: p[key[1:]] for key in GATE_KEYS})
    assert_gradients_match(gradients, checked, loss)


def test_one_step_by_hand():
    p = {"Wr": np.array([[0.5, -1.0]]), "br": np.array([[0.1]]), "Wu": np.array([[1.0, 0.5]]),
         "bu": np.array([[-0.2]]), "Wc": np.array([[-0.3, 0.8]]), "bc": np.array([[0.05]]),
         "Wy": np.array([[1.0], [-1.0]]), "by": np.array([[0.0], [0.0]])}
    a_prev, x = 0.4, 1.5
    s = lambda z: 1 / (1 + math.exp(-z))
    r, u = s(0.5 * a_prev - 1.0 * x + 0.1), s(1.0 * a_prev + 0.5 * x - 0.2)
    cc = math.tanh(-0.3 * r * a_prev + 0.8 * x + 0.05)
    a = u * cc + (1 - u) * a_prev
    a_next, y, cache = gru_cell_forward(np.array([[x]]), np.array([[a_prev]]), p)
    assert a_next[0, 0] == pytest.approx(a, rel=1e-14)
    assert y[0, 0] == pytest.approx(math.exp(a) / (math.exp(a) + math.exp(-a)), rel=1e-14)
    assert len(cache) == 7 and cache[6] is p


def test_bad_input():
    x, a0, p, da = random_gated("ruc", 3, 5, 2, 4, 6, seed=0)
    with pytest.raises(ValueError, match=re.escape("Wu: expected shape (n_a, n_a + n_x) = (5, 8), got (8, 5)")):
        gru_forward(x, a0, {**p, "Wu": np.zeros((8, 5))})
    with pytest.raises(KeyError, match="'br'"):
        gru_cell_forward(x[:, :, 0], a0, {k: v for k, v in p.items() if k != "br"})
    with pytest.raises(ValueError, match=re.escape("by: expected shape (n_y, 1) = (2, 1), got (1, 2)")):
        gru_forward(x, a0, {**p, "by": np.zeros((1, 2))})
    with pytest.raises(TypeError, match="x must be a numpy array"):
        gru_forward(x.tolist(), a0, p)
    caches = gru_forward(x, a0, p)[2]
    with pytest.raises(ValueError, match=re.escape("da: expected shape (n_a, m, T_x) = (5, 4, 6), got (4, 4, 6)")):
        gru_backward(da[:4], caches)
    with pytest.raises(TypeError, match="caches must be the tuple"):
        gru_backward(da, caches[0])


def test_no_mutation_twice_backward_and_float32():
    x, a0, p, da = random_gated("ruc", 3, 5, 2, 4, 6, seed=4)
    before = [v.copy() for v in (x, a0, da, *p.values())]
    caches = gru_forward(x, a0, p)[2]
    first, second = gru_backward(da, caches), gru_backward(da, caches)
    for old, new in zip(before, (x, a0, da, *p.values())):
        np.testing.assert_array_equal(old, new)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    x, a0, p, da = random_gated("ruc", 3, 5, 2, 4, 6, seed=4, dtype=np.float32)
    a, y, caches = gru_forward(x, a0, p)
    assert a.dtype == y.dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru_backward(da, caches).values())
