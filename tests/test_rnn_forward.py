"""Forward values against computations written independently of the project's code."""
import math

import numpy as np
import pytest

from DataGenerator import DataGenerator
from ForwardPropagation import rnn_forward
from helpers import random_rnn
from RNN_UNIT_CELL import rnn_cell_forward


def test_one_cell_by_hand_with_one_unit_and_two_classes():
    parameters = {"Wax": np.array([[0.5]]), "Waa": np.array([[-1.0]]), "ba": np.array([[0.1]]),
                  "Wya": np.array([[2.0], [-1.0]]), "by": np.array([[0.0], [0.5]])}
    xt, a_prev = np.array([[2.0]]), np.array([[0.3]])
    a_next, yt_pred, cache = rnn_cell_forward(xt, a_prev, parameters)

    a = math.tanh(-1.0 * 0.3 + 0.5 * 2.0 + 0.1)              # tanh(0.8)
    scores = [2.0 * a + 0.0, -1.0 * a + 0.5]
    probabilities = [math.exp(s) / sum(math.exp(v) for v in scores) for s in scores]
    assert a_next[0, 0] == pytest.approx(a, rel=1e-14)
    np.testing.assert_allclose(yt_pred[:, 0], probabilities, rtol=1e-14)
    assert cache[0] is a_next and cache[1] is a_prev and cache[2] is xt and cache[3] is parameters


def test_rnn_forward_matches_a_loop_written_from_the_equations():
    x, a0, p, _ = random_rnn(3, 4, 5, 6, 7, seed=11)
    a, y_pred, caches = rnn_forward(x, a0, p)
    a_t = a0
    for t in range(x.shape[2]):
        z = np.einsum("ij,jk->ik", p["Waa"], a_t) + np.einsum("ij,jk->ik", p["Wax"], x[:, :, t]) + p["ba"]
        a_t = np.tanh(z)
        scores = np.einsum("ij,jk->ik", p["Wya"], a_t) + p["by"]
        probabilities = np.exp(scores) / np.exp(scores).sum(axis=0)
        np.testing.assert_allclose(a[:, :, t], a_t, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(y_pred[:, :, t], probabilities, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(y_pred.sum(axis=0), 1.0, rtol=1e-12)
    cell_caches, x_cached = caches
    assert len(cell_caches) == 7 and x_cached is x
    assert cell_caches[0][1] is a0                         # a_prev of the first step is a0
    np.testing.assert_array_equal(cell_caches[3][1], a[:, :, 2])  # then the state before


@pytest.mark.parametrize("order, parameter_order", [
    ("tutorial", ["Wax", "Waa", "Wya", "ba", "by"]),       # the original tutorial's DataGenerator
    ("course", ["Waa", "Wax", "Wya", "ba", "by"]),         # the course notebook's rnn_forward test
])
def test_data_generator_draws_in_the_order_asked_for(order, parameter_order):
    shapes = {"x": (3, 10, 4), "a0": (5, 10), "Wax": (5, 3), "Waa": (5, 5),
              "Wya": (2, 5), "ba": (5, 1), "by": (2, 1), "da": (5, 10, 4)}
    x, a0, parameters, da = DataGenerator(order)
    np.random.seed(1)
    got = {"x": x, "a0": a0, "da": da, **parameters}
    for name in ["x", "a0"] + parameter_order + ["da"]:
        np.testing.assert_array_equal(got[name], np.random.randn(*shapes[name]), err_msg=name)
    assert set(parameters) == {"Wax", "Waa", "Wya", "ba", "by"}


def test_data_generator_defaults_to_the_tutorials_order_and_refuses_others():
    for expected, got in zip(DataGenerator("tutorial"), DataGenerator()):
        if isinstance(expected, dict):
            assert all(np.array_equal(expected[k], got[k]) for k in expected)
        else:
            np.testing.assert_array_equal(expected, got)
    with pytest.raises(ValueError, match="order must be one of 'tutorial', 'course', got 'Course'"):
        DataGenerator("Course")


def test_forward_in_the_course_order_matches_the_course_published_values():
    # The course notebook's rnn_forward test draws Waa before Wax and publishes
    # these expected outputs (its reference implementation, not this project's code).
    x, a0, parameters, _ = DataGenerator("course")
    a, y_pred, caches = rnn_forward(x, a0, parameters)
    np.testing.assert_allclose(a[4][1], [-0.99999375, 0.77911235, -0.99861469, -0.99833267], atol=1e-8)
    np.testing.assert_allclose(y_pred[1][3], [0.79560373, 0.86224861, 0.11118257, 0.81515947], atol=1e-8)
    np.testing.assert_allclose(caches[1][1][3], [-1.1425182, -0.34934272, -0.20889423, 0.58662319], atol=1e-8)


def test_backward_on_the_tutorial_data_matches_the_course_published_values():
    # The course that the tutorial follows publishes these expected outputs of
    # rnn_backward for exactly this seed and order of draws (its rnn_backward test
    # draws Wax before Waa, like the original tutorial; its reference
    # implementation, not this project's code).
    from BackwardPropagation import rnn_backward
    x, a0, parameters, da = DataGenerator()
    gradients = rnn_backward(da, rnn_forward(x, a0, parameters)[2])
    np.testing.assert_allclose(gradients["dx"][1][2], [-2.07101689, -0.59255627, 0.02466855, 0.01483317], atol=1e-8)
    assert gradients["da0"][2][3] == pytest.approx(-0.314942375127, abs=1e-11)
    assert gradients["dWax"][3][1] == pytest.approx(11.2641044965, abs=1e-9)
    assert gradients["dWaa"][1][2] == pytest.approx(2.30333312658, abs=1e-10)
    assert gradients["dba"][4][0] == pytest.approx(-0.74747722, abs=1e-8)
