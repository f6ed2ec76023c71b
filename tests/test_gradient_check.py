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


# ---------------------------------------------------------------- its own arguments (issue 17)

def test_integer_x_is_refused_not_stepped_by_truncated_amounts():
    x = np.array([1, 2, 3])
    with pytest.raises(TypeError, match="x must be a float array"):
        numerical_gradient(lambda: float(np.sum(x ** 2)), x)
    np.testing.assert_array_equal(x, [1, 2, 3])


@pytest.mark.parametrize("bad", [np.array([1.0], dtype=np.float16), np.array([True]), np.array([1j]),
                                 np.ma.masked_array([1.0, 2.0]), [1.0, 2.0]])
def test_x_must_be_a_float32_or_float64_array(bad):
    with pytest.raises(TypeError, match="x"):
        numerical_gradient(lambda: 0.0, bad)


@pytest.mark.parametrize("h", [0, -1e-3, np.inf, np.nan])
def test_h_must_be_finite_and_positive(h):
    with pytest.raises(ValueError, match="h"):
        numerical_gradient(lambda: 0.0, np.zeros(2), h=h)
    with pytest.raises(TypeError, match="h"):
        numerical_gradient(lambda: 0.0, np.zeros(2), h="0.001")


def test_x_is_restored_even_when_the_function_raises():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f():
        calls.append(1)
        if len(calls) == 6:              # in the middle of the second entry's steps
            raise RuntimeError("boom")
        return float(np.sum(x ** 2))
    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("value, error", [(np.zeros(2), ValueError), ("1.0", TypeError), (None, TypeError),
                                          (1j, TypeError), (np.array([1j]), TypeError), (True, TypeError),
                                          (np.nan, ValueError), (np.inf, ValueError)])
def test_a_function_that_does_not_return_a_real_scalar(value, error):
    x = np.zeros(2)
    with pytest.raises(error, match="f"):
        numerical_gradient(lambda: value, x)
    np.testing.assert_array_equal(x, np.zeros(2))


def test_one_element_arrays_and_numpy_scalars_are_scalars():
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(numerical_gradient(lambda: np.sum(x ** 2, keepdims=True), x), [2.0, 4.0])
    np.testing.assert_allclose(numerical_gradient(lambda: np.float64(np.sum(x)), x), [1.0, 1.0], rtol=1e-10)


def test_relative_error_refuses_complex_instead_of_dropping_imaginary_parts():
    with pytest.raises(TypeError, match="analytic"):
        relative_error(np.array([1.0 + 5j]), np.array([1.0]))
    with pytest.raises(TypeError, match="numerical"):
        relative_error(np.array([1.0]), np.array([1.0 + 5j]))


def test_relative_error_converts_integers():
    assert relative_error(np.array([2 ** 62, 3], dtype=np.int64), np.array([2.0 ** 62, 3.0])) == 0.0
    assert relative_error(np.array([200], dtype=np.uint8), np.array([100], dtype=np.uint8)) == pytest.approx(1 / 3)
