"""Clipping and the optimizers."""
import numpy as np
import pytest

from Optimizers import SGD, Adagrad, clip_elementwise, clip_global_norm


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


@pytest.mark.parametrize("optimizer, steps", [(SGD(0.1), 200), (Adagrad(0.5), 500)])
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
