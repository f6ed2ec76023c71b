"""The numerical-gradient helper itself, checked on functions with known gradients."""
import numpy as np
import pytest

from gradient_check import numerical_gradient, relative_error


def test_numerical_gradient_of_a_closed_form_function():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((3, 4))
    # f(x) = sum(w * sin(x) + x**3 / 3)  has  df/dx = w * cos(x) + x**2
    f = lambda: np.sum(w * np.sin(x) + x ** 3 / 3)
    assert relative_error(w * np.cos(x) + x ** 2, numerical_gradient(f, x)) < 1e-9


def test_numerical_gradient_of_a_quadratic_form():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 5))
    v = rng.standard_normal((5, 1))
    f = lambda: (v.T @ A @ v).item()          # d/dv v^T A v = (A + A^T) v
    assert relative_error((A + A.T) @ v, numerical_gradient(f, v)) < 1e-9


def test_numerical_gradient_leaves_its_input_unchanged():
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    before = x.copy()
    numerical_gradient(lambda: np.sum(np.tanh(x)), x)
    np.testing.assert_array_equal(x, before)


def test_relative_error_formula():
    a = np.array([1.0, 0.0, -2.0, 1e-12])
    n = np.array([1.1, 0.0, -2.0, 0.0])
    # entries: 0.1/2.1, 0/max(1e-8, 0) = 0, 0, 1e-12/1e-8 (the floor)
    assert relative_error(a, n) == pytest.approx(0.1 / 2.1, rel=1e-12)
    assert relative_error(a[1:], n[1:]) == pytest.approx(1e-12 / 1e-8, rel=1e-12)


def test_a_wrong_gradient_is_caught():
    x = np.random.default_rng(3).standard_normal((3, 3))
    f = lambda: np.sum(np.tanh(x))
    right = 1 - np.tanh(x) ** 2
    wrong = 1 - np.tanh(x)          # a classic slip: forgetting the square
    numeric = numerical_gradient(f, x)
    assert relative_error(right, numeric) < 1e-9
    assert relative_error(wrong, numeric) > 1e-2
