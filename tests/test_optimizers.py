"""Clipping and the optimizers."""
import numpy as np
import pytest

import math

from Optimizers import SGD, Adagrad, Adam, clip_elementwise, clip_global_norm


def gradients():
    return {"dW": np.array([[3.0, -4.0]]), "db": np.array([[12.0]])}    # global norm 13


def test_clip_elementwise():
    original = gradients()
    clipped = clip_elementwise(original, 5.0)
    np.testing.assert_array_equal(clipped["dW"], [[3.0, -4.0]])
    np.testing.assert_array_equal(clipped["db"], [[5.0]])
    np.testing.assert_array_equal(original["db"], [[12.0]])      # not modified


def test_clip_global_norm_keeps_the_direction():
    original = gradients()
    clipped, norm = clip_global_norm(original, 6.5)
    assert norm == pytest.approx(13.0)
    np.testing.assert_allclose(clipped["dW"], [[1.5, -2.0]])        # everything halved
    np.testing.assert_allclose(clipped["db"], [[6.0]])
    np.testing.assert_array_equal(original["db"], [[12.0]])
    assert clipped["db"] is not original["db"]


@pytest.mark.parametrize("max_norm", [0, None, 13.0, 100.0])
def test_clip_global_norm_off_or_below_the_limit_changes_nothing(max_norm):
    clipped, norm = clip_global_norm(gradients(), max_norm)
    assert norm == pytest.approx(13.0)
    for key, value in gradients().items():
        np.testing.assert_array_equal(clipped[key], value)


def test_clipping_keeps_float32():
    g = {"dW": np.ones((2, 2), dtype=np.float32) * 10}
    assert clip_global_norm(g, 1.0)[0]["dW"].dtype == np.float32
    assert clip_elementwise(g, 1.0)["dW"].dtype == np.float32


@pytest.mark.parametrize("optimizer, steps", [(SGD(0.1), 200), (Adagrad(0.5), 500), (Adam(0.05), 2000)])
def test_optimizers_find_the_minimum_of_a_quadratic(optimizer, steps):
    # f(W, b) = 0.5 * sum(A * (W - W_star)**2) + 0.5 * (b - b_star)**2, minimum at (W_star, b_star)
    A = np.array([[1.0, 4.0], [0.5, 2.0]])
    W_star, b_star = np.array([[1.0, -2.0], [3.0, 0.5]]), np.array([[-1.0]])
    parameters = {"W": np.zeros((2, 2)), "b": np.zeros((1, 1))}
    start = {k: v.copy() for k, v in parameters.items()}
    first = parameters
    for _ in range(steps):
        grads = {"dW": A * (parameters["W"] - W_star), "db": parameters["b"] - b_star}
        parameters = optimizer.update(parameters, grads)
    np.testing.assert_allclose(parameters["W"], W_star, atol=1e-3)
    np.testing.assert_allclose(parameters["b"], b_star, atol=1e-3)
    for key in start:                                   # the first dict was never written to
        np.testing.assert_array_equal(first[key], start[key])


def test_adagrad_step_by_hand_and_state_round_trip():
    optimizer = Adagrad(0.1, epsilon=0.0)
    p = optimizer.update({"W": np.array([[1.0]])}, {"dW": np.array([[2.0]])})
    assert p["W"][0, 0] == pytest.approx(1.0 - 0.1 * 2.0 / 2.0)        # G = 4, step = lr * g / sqrt(G)
    p = optimizer.update(p, {"dW": np.array([[1.0]])})
    assert p["W"][0, 0] == pytest.approx(0.9 - 0.1 * 1.0 / np.sqrt(5.0))
    restored = Adagrad(0.1, epsilon=0.0)
    restored.load_state(optimizer.state())
    a = optimizer.update(p, {"dW": np.array([[3.0]])})
    b = restored.update(p, {"dW": np.array([[3.0]])})
    np.testing.assert_array_equal(a["W"], b["W"])


def test_adam_first_two_steps_by_hand():
    # Kingma & Ba, Algorithm 1, written out with the default betas for one scalar weight
    lr, beta1, beta2, eps = 0.1, 0.9, 0.999, 1e-8
    optimizer = Adam(lr)
    w0, g1, g2 = 1.0, 2.0, -1.0
    p = optimizer.update({"W": np.array([[w0]])}, {"dW": np.array([[g1]])})
    # t = 1: m = 0.2, v = 0.004; the corrections give m_hat = 2 = g1 and v_hat = 4 = g1**2
    w1 = w0 - lr * 2.0 / (math.sqrt(4.0) + eps)
    assert p["W"][0, 0] == pytest.approx(w1, rel=1e-15)
    p = optimizer.update(p, {"dW": np.array([[g2]])})
    # t = 2: m = 0.9 * 0.2 + 0.1 * (-1) = 0.08, v = 0.999 * 0.004 + 0.001 * 1 = 0.004996
    m_hat, v_hat = 0.08 / (1 - 0.9 ** 2), 0.004996 / (1 - 0.999 ** 2)
    w2 = w1 - lr * m_hat / (math.sqrt(v_hat) + eps)
    assert p["W"][0, 0] == pytest.approx(w2, rel=1e-14)
    assert optimizer.state()["step"] == 2


def test_adam_first_step_is_the_learning_rate_whatever_the_scale():
    optimizer = Adam(0.01)
    p = optimizer.update({"W": np.zeros((2, 2))}, {"dW": np.array([[1e-3, -5.0], [1e6, -1e-2]])})
    np.testing.assert_allclose(p["W"], -0.01 * np.array([[1, -1], [1, -1]]), rtol=1e-4)


def test_adam_state_round_trip_continues_exactly_and_keeps_float32():
    rng = np.random.default_rng(0)
    parameters = {"W": rng.standard_normal((3, 2)).astype(np.float32), "b": np.zeros((3, 1), np.float32)}
    grads = lambda: {"dW": rng.standard_normal((3, 2)).astype(np.float32),
                     "db": rng.standard_normal((3, 1)).astype(np.float32)}
    optimizer = Adam()
    for _ in range(3):
        parameters = optimizer.update(parameters, grads())
    assert all(value.dtype == np.float32 for value in parameters.values())
    restored = Adam()
    restored.load_state({key: np.array(value) for key, value in optimizer.state().items()})
    g = grads()
    a, b = optimizer.update(parameters, g), restored.update(parameters, g)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
