"""The loss, the output layer and the full gradient of all five parameters, checked numerically."""
import math

import numpy as np
import pytest

from gradient_check import numerical_gradient, relative_error
from helpers import random_rnn
from Loss import cross_entropy_loss, output_layer_backward, rnn_loss_and_gradients
from ForwardPropagation import rnn_forward

SHAPES = [(3, 5, 4, 6, 4), (1, 1, 2, 1, 1), (1, 3, 3, 2, 5), (4, 2, 3, 1, 3), (2, 4, 5, 3, 1)]


def random_targets(n_y, m, T_x, seed):
    return np.random.default_rng(seed).integers(0, n_y, size=(m, T_x))


def test_loss_by_hand():
    # one example, two steps, two classes: L = -log 0.7 - log 0.4
    y_pred = np.array([[[0.7, 0.6]], [[0.3, 0.4]]])      # (n_y=2, m=1, T_x=2)
    loss, dz = cross_entropy_loss(y_pred, np.array([[0, 1]]))
    assert loss == pytest.approx(-math.log(0.7) - math.log(0.4), rel=1e-14)
    np.testing.assert_allclose(dz[:, 0, :], [[0.7 - 1, 0.6], [0.3, 0.4 - 1]])


def test_loss_is_averaged_over_the_batch():
    y_pred = np.full((4, 3, 2), 0.25)
    loss, dz = cross_entropy_loss(y_pred, np.zeros((3, 2), dtype=int))
    assert loss == pytest.approx(2 * math.log(4))        # two steps of ln 4, mean over 3 examples
    np.testing.assert_allclose(dz.sum(axis=0), 0.0, atol=1e-15)


def test_a_zero_probability_gives_a_finite_loss():
    y_pred = np.array([[[1.0]], [[0.0]]])
    loss, _ = cross_entropy_loss(y_pred, np.array([[1]]))
    assert math.isfinite(loss) and loss > 700


@pytest.mark.parametrize("shape", SHAPES)
def test_full_gradient_of_the_loss_matches_numerical(shape):
    n_x, n_a, n_y, m, T_x = shape
    x, a0, parameters, _ = random_rnn(*shape, seed=sum(shape))
    targets = random_targets(n_y, m, T_x, seed=sum(shape))
    loss, gradients, a_last = rnn_loss_and_gradients(x, a0, targets, parameters)

    def total_loss():
        return cross_entropy_loss(rnn_forward(x, a0, parameters)[1], targets)[0]

    assert loss == pytest.approx(total_loss(), rel=1e-14)
    checked = {"dx": x, "da0": a0, **{"d" + name: value for name, value in parameters.items()}}
    assert set(gradients) == set(checked)
    for key, array in checked.items():
        error = relative_error(gradients[key], numerical_gradient(total_loss, array))
        assert error <= 1e-7, f"{key}: relative error {error:.2e}"
    np.testing.assert_array_equal(a_last, rnn_forward(x, a0, parameters)[0][:, :, -1])


@pytest.mark.parametrize("shape", [(5, 4, 6, 4), (1, 1, 1, 1), (3, 2, 1, 5), (2, 4, 3, 1)])
def test_output_layer_backward_matches_numerical_gradient(shape):
    """dWy, dby and da of sum(dz * (Wy a + by)), the scores of every step, against the numerical gradient."""
    n_a, n_y, m, T_x = shape
    rng = np.random.default_rng(sum(shape))
    a, dz = rng.standard_normal((n_a, m, T_x)), rng.standard_normal((n_y, m, T_x))
    Wy, by = rng.standard_normal((n_y, n_a)), rng.standard_normal((n_y, 1))

    def loss():
        scores = np.einsum("ya,amt->ymt", Wy, a) + by[:, :, None]
        return np.sum(scores * dz)

    dWy, dby, da = output_layer_backward(dz, a, Wy)
    for got, array in ((dWy, Wy), (dby, by), (da, a)):
        assert got.shape == array.shape
        error = relative_error(got, numerical_gradient(loss, array))
        assert error <= 1e-7, f"relative error {error:.2e}"


def test_output_layer_backward_against_a_loop_over_steps():
    rng = np.random.default_rng(0)
    dz, a, Wy = rng.standard_normal((3, 4, 5)), rng.standard_normal((6, 4, 5)), rng.standard_normal((3, 6))
    dWy, dby, da = output_layer_backward(dz, a, Wy)
    np.testing.assert_allclose(dWy, sum(dz[:, :, t] @ a[:, :, t].T for t in range(5)), rtol=1e-12)
    np.testing.assert_allclose(dby, dz.sum(axis=(1, 2))[:, None], rtol=1e-12)
    for t in range(5):
        np.testing.assert_allclose(da[:, :, t], Wy.T @ dz[:, :, t], rtol=1e-12)


def test_bad_input():
    y_pred = np.full((4, 3, 2), 0.25)
    with pytest.raises(ValueError, match=r"targets: expected shape \(m, T_x\) = \(3, 2\), got \(2, 3\)"):
        cross_entropy_loss(y_pred, np.zeros((2, 3), dtype=int))
    with pytest.raises(TypeError, match="integer class indices"):
        cross_entropy_loss(y_pred, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        cross_entropy_loss(y_pred, np.full((3, 2), 4))
    with pytest.raises(ValueError, match=r"Wy: expected shape \(n_y, n_a\) = \(4, 5\), got \(5, 4\)"):
        output_layer_backward(y_pred, np.zeros((5, 3, 2)), np.zeros((5, 4)))


def test_nothing_is_modified_and_float32_is_kept():
    x, a0, parameters, _ = random_rnn(3, 5, 4, 6, 4, seed=3, dtype=np.float32)
    targets = random_targets(4, 6, 4, seed=3)
    before = [v.copy() for v in (x, a0, targets, *parameters.values())]
    loss, gradients, a_last = rnn_loss_and_gradients(x, a0, targets, parameters)
    for old, new in zip(before, (x, a0, targets, *parameters.values())):
        np.testing.assert_array_equal(old, new)
    assert all(g.dtype == np.float32 for g in gradients.values())
    assert a_last.dtype == np.float32
