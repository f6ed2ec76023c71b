"""softmax, tanh and sigmoid: values from their definitions, and no overflow."""
import math

import numpy as np
import pytest

from rnn_utils import sigmoid, softmax, tanh


def test_softmax_matches_definition_and_columns_sum_to_one():
    z = np.array([[1.0, -2.0, 0.5], [2.0, 0.0, 0.5], [3.0, 1.0, 0.5]])
    p = softmax(z)
    for j in range(3):
        exps = [math.exp(v) for v in z[:, j]]
        expected = [e / sum(exps) for e in exps]
        np.testing.assert_allclose(p[:, j], expected, rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, rtol=1e-12)


def test_softmax_of_huge_scores_is_finite():
    z = np.array([[1000.0, -1000.0], [1001.0, -1001.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = softmax(z)
    np.testing.assert_allclose(p[:, 0], [1 / (1 + math.e), math.e / (1 + math.e)], rtol=1e-12)
    np.testing.assert_allclose(p[:, 1], [math.e / (1 + math.e), 1 / (1 + math.e)], rtol=1e-12)


def test_softmax_column_far_below_the_batch_max_is_not_nan():
    # With one max over the whole batch, column 1 would become exp(-2000) = 0 everywhere, then 0/0.
    z = np.array([[1000.0, -1000.0], [0.0, -1000.0]])
    p = softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p[:, 1], [0.5, 0.5])


def test_softmax_works_on_a_whole_sequence_over_axis_0():
    z = np.random.default_rng(0).standard_normal((4, 3, 5))
    p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=0), np.ones((3, 5)), rtol=1e-12)
    np.testing.assert_allclose(p[:, 1, 2], softmax(z[:, 1:2, 2])[:, 0], rtol=1e-12)


def test_sigmoid_matches_definition_and_does_not_overflow():
    moderate = np.linspace(-30, 30, 61)
    expected = np.array([1 / (1 + math.exp(-v)) for v in moderate])
    np.testing.assert_allclose(sigmoid(moderate), expected, rtol=1e-12)
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # underflow to 0 is fine
        extremes = sigmoid(np.array([-1e4, -800.0, 800.0, 1e4]))
    np.testing.assert_array_equal(extremes, [0.0, 0.0, 1.0, 1.0])


def test_tanh_matches_definition():
    z = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(tanh(z), [math.tanh(v) for v in z], rtol=1e-12)


@pytest.mark.parametrize("function", [softmax, tanh, sigmoid])
def test_float32_stays_float32(function):
    z = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    assert function(z).dtype == np.float32
