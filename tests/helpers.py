"""Random, seeded inputs of any size for the tests."""
import numpy as np
import pytest

import memory_pool

from gradient_check import numerical_gradient, relative_error

TOLERANCE = 1e-7


def assert_gradients_match(gradients, checked, loss):
    """Every returned gradient against the numerical gradient of `loss`.

    gradients -- what a backward function returned
    checked -- dict from gradient key to the array it is the gradient of
    loss -- function of no arguments reading those arrays
    """
    assert set(gradients) == set(checked)
    for key, array in checked.items():
        assert gradients[key].shape == array.shape, key
        error = relative_error(gradients[key], numerical_gradient(loss, array))
        assert error <= TOLERANCE, f"{key}: relative error {error:.2e}"


def random_rnn(n_x, n_a, n_y, m, T_x, seed=0, dtype=np.float64):
    """Inputs, parameters and an upstream gradient for the basic RNN.

    Returns x (n_x, m, T_x), a0 (n_a, m), parameters, da (n_a, m, T_x).
    Waa is scaled down so the hidden states do not all saturate at +-1,
    where tanh is flat and a gradient check would prove little.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_x, m, T_x)).astype(dtype)
    a0 = rng.standard_normal((n_a, m)).astype(dtype)
    parameters = {
        "Wax": rng.standard_normal((n_a, n_x)).astype(dtype),
        "Waa": (0.5 * rng.standard_normal((n_a, n_a))).astype(dtype),
        "Wya": rng.standard_normal((n_y, n_a)).astype(dtype),
        "ba": rng.standard_normal((n_a, 1)).astype(dtype),
        "by": rng.standard_normal((n_y, 1)).astype(dtype),
    }
    da = rng.standard_normal((n_a, m, T_x)).astype(dtype)
    return x, a0, parameters, da


def random_gated(gates, n_x, n_a, n_y, m, T_x, seed=0, dtype=np.float64):
    """Inputs, LSTM ("fico") or GRU ("ruc") parameters and an upstream gradient.

    Returns x (n_x, m, T_x), a0 (n_a, m), parameters, da (n_a, m, T_x).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_x, m, T_x)).astype(dtype)
    a0 = rng.standard_normal((n_a, m)).astype(dtype)
    parameters = {}
    for g in gates:
        parameters["W" + g] = (0.7 * rng.standard_normal((n_a, n_a + n_x))).astype(dtype)
        parameters["b" + g] = (0.5 * rng.standard_normal((n_a, 1))).astype(dtype)
    parameters["Wy"] = rng.standard_normal((n_y, n_a)).astype(dtype)
    parameters["by"] = rng.standard_normal((n_y, 1)).astype(dtype)
    da = rng.standard_normal((n_a, m, T_x)).astype(dtype)
    return x, a0, parameters, da


@pytest.fixture(autouse=True, params=["pool for every size", "pool as shipped"])
def recycled_memory(request, monkeypatch):
    """Run every test of a file that imports this twice: with every buffer recycled
    by memory_pool (even the small ones of the tests' shapes), and as shipped."""
    if request.param == "pool for every size":
        monkeypatch.setattr(memory_pool, "MIN_BYTES", 0)
    memory_pool.release()
    yield
    memory_pool.release()
