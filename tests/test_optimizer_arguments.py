"""Optimizers and clipping check their arguments, and compute huge gradients without overflow."""
import math

import numpy as np
import pytest

from Optimizers import OPTIMIZERS, SGD, Adagrad, Adam, clip_elementwise, clip_global_norm

OPTIMIZER_CLASSES = [SGD, Adagrad, Adam]


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES)
@pytest.mark.parametrize("rate", [0, -0.1, math.inf, -math.inf, math.nan])
def test_the_learning_rate_must_be_finite_and_positive(cls, rate):
    with pytest.raises(ValueError, match="learning_rate"):
        cls(rate)


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES)
@pytest.mark.parametrize("rate", ["0.1", None, True, np.array([0.1, 0.2])])
def test_the_learning_rate_must_be_a_number(cls, rate):
    with pytest.raises(TypeError, match="learning_rate"):
        cls(rate)


def test_adam_betas_and_epsilon():
    for bad in (1.0, 1.5, -0.1, math.nan):
        with pytest.raises(ValueError, match="beta1"):
            Adam(beta1=bad)
        with pytest.raises(ValueError, match="beta2"):
            Adam(beta2=bad)
    with pytest.raises(ValueError, match="epsilon"):
        Adam(epsilon=-1e-8)
    with pytest.raises(ValueError, match="epsilon"):
        Adagrad(0.1, epsilon=math.inf)


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES)
def test_a_gradient_of_another_shape_is_refused_not_broadcast(cls):
    optimizer = cls(0.1)
    parameters = {"W": np.ones((5, 5))}
    for shape in [(5,), (5, 1), (1, 5), (5, 5, 1), ()]:
        with pytest.raises(ValueError, match=r"dW: expected the shape of W, \(5, 5\), got"):
            optimizer.update(parameters, {"dW": np.ones(shape)})


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES)
def test_missing_gradients_and_bad_types(cls):
    optimizer = cls(0.1)
    parameters = {"W": np.ones((2, 2)), "b": np.ones((2, 1))}
    with pytest.raises(KeyError, match="'db'"):
        optimizer.update(parameters, {"dW": np.ones((2, 2))})
    with pytest.raises(TypeError, match="dW"):
        optimizer.update(parameters, {"dW": [[1.0, 1.0], [1.0, 1.0]], "db": np.ones((2, 1))})
    with pytest.raises(TypeError, match="dW"):
        optimizer.update(parameters, {"dW": np.ones((2, 2), dtype=complex), "db": np.ones((2, 1))})
    with pytest.raises(TypeError, match="gradients"):
        optimizer.update(parameters, [np.ones((2, 2)), np.ones((2, 1))])
    # extra entries, such as dx and da0 of a backward's result, are not parameters: ignored
    optimizer.update(parameters, {"dW": np.ones((2, 2)), "db": np.ones((2, 1)), "dx": np.ones((3, 4, 5))})


@pytest.mark.parametrize("cls", [Adagrad, Adam])
def test_memory_of_another_model_is_refused(cls):
    optimizer = cls(0.1)
    optimizer.update({"W": np.ones((3, 3))}, {"dW": np.ones((3, 3))})
    with pytest.raises(ValueError, match="memory of W"):
        optimizer.update({"W": np.ones((2, 2))}, {"dW": np.ones((2, 2))})


@pytest.mark.parametrize("cls", [Adagrad, Adam])
def test_a_failed_update_leaves_the_optimizer_as_it_was(cls):
    optimizer = cls(0.1)
    parameters = {"W": np.ones((2, 2)), "b": np.ones((2, 1))}
    optimizer.update(parameters, {"dW": np.ones((2, 2)), "db": np.ones((2, 1))})
    before = {key: np.array(value) for key, value in optimizer.state().items()}
    with pytest.raises(ValueError):
        optimizer.update(parameters, {"dW": np.ones((2, 2)), "db": np.ones((2,))})
    after = optimizer.state()
    assert set(after) == set(before)
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


@pytest.mark.parametrize("cls", [Adagrad, Adam])
def test_bad_states_are_refused_on_load(cls):
    optimizer = cls(0.1)
    optimizer.update({"W": np.ones((2, 2))}, {"dW": np.ones((2, 2))})
    state = optimizer.state()
    root_key = next(key for key in state if key.startswith("sqrt_"))
    for bad in ({**state, root_key: -state[root_key]}, {**state, root_key: state[root_key] * np.nan},
                {**state, root_key: state[root_key].astype(complex)}, {**state, "rubbish": np.ones(2)}):
        with pytest.raises((ValueError, TypeError, KeyError)):
            cls(0.1).load_state(bad)


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES)
def test_integer_gradients_and_parameters_compute_in_float64(cls):
    parameters = {"W": np.array([[3, -2]], dtype=np.int8)}
    gradients = {"dW": np.array([[100, -100]], dtype=np.int8)}      # 100 * 100 wraps in int8
    got = cls(0.5).update(parameters, gradients)["W"]
    expected = cls(0.5).update({"W": parameters["W"].astype(float)}, {"dW": gradients["dW"].astype(float)})["W"]
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("cls", [Adagrad, Adam])
@pytest.mark.parametrize("scale", [1e200, 1e300, 1e-200])
def test_the_first_step_is_the_learning_rate_whatever_the_scale_of_the_gradient(cls, scale):
    # at t = 1 both steps are lr * g / |g| (Adagrad: sqrt(G) = |g|; Adam: m_hat = g, sqrt(v_hat) = |g|)
    optimizer = cls(0.01, epsilon=0.0)
    p = optimizer.update({"W": np.zeros((1, 2))}, {"dW": np.array([[scale, -scale]])})
    np.testing.assert_allclose(p["W"], [[-0.01, 0.01]], rtol=1e-12)
    p = optimizer.update(p, {"dW": np.array([[scale, -scale]])})       # and the second step is finite too
    assert np.all(np.isfinite(p["W"]))


def test_adagrad_second_step_with_huge_gradients_by_hand():
    optimizer = Adagrad(0.1, epsilon=0.0)
    p = optimizer.update({"W": np.array([[0.0]])}, {"dW": np.array([[3e200]])})
    p = optimizer.update(p, {"dW": np.array([[4e200]])})
    # sqrt(G) = sqrt(9 + 16) * 1e200 = 5e200: the second step is 0.1 * 4/5
    assert p["W"][0, 0] == pytest.approx(-0.1 - 0.1 * 4 / 5, rel=1e-14)


# ---------------------------------------------------------------- clipping

@pytest.mark.parametrize("limit", [-1.0, math.nan, math.inf, -math.inf])
def test_clipping_limits_must_be_finite_and_not_negative(limit):
    g = {"dW": np.ones((2, 2))}
    with pytest.raises(ValueError, match="max_norm"):
        clip_global_norm(g, limit)
    with pytest.raises(ValueError, match="max_value"):
        clip_elementwise(g, limit)


@pytest.mark.parametrize("limit", [0, None])
def test_zero_or_none_turns_clipping_off(limit):
    g = {"dW": np.array([[30.0, -40.0]])}
    np.testing.assert_array_equal(clip_elementwise(g, limit)["dW"], g["dW"])
    np.testing.assert_array_equal(clip_global_norm(g, limit)[0]["dW"], g["dW"])
    assert clip_elementwise(g, limit)["dW"] is not g["dW"]


def test_clipping_refuses_what_is_not_a_dict_of_real_arrays():
    with pytest.raises(TypeError, match="dW"):
        clip_global_norm({"dW": [1.0, 2.0]}, 1.0)
    with pytest.raises(TypeError, match="dW"):
        clip_elementwise({"dW": np.ones(2, dtype=complex)}, 1.0)
    with pytest.raises(TypeError, match="max_norm"):
        clip_global_norm({"dW": np.ones(2)}, "5")


@pytest.mark.parametrize("scale", [1e160, 1e200, 1e300])
def test_the_global_norm_of_huge_gradients_does_not_overflow(scale):
    g = {"dW": np.array([[3.0, 0.0]]) * scale, "db": np.array([[4.0]]) * scale}    # norm 5 * scale
    clipped, norm = clip_global_norm(g, 1.0)
    assert norm == pytest.approx(5 * scale, rel=1e-14)
    np.testing.assert_allclose(clipped["dW"], [[0.6, 0.0]], rtol=1e-14)
    np.testing.assert_allclose(clipped["db"], [[0.8]], rtol=1e-14)


def test_the_global_norm_of_tiny_gradients_does_not_underflow():
    g = {"dW": np.array([[3e-200, 4e-200]])}
    assert clip_global_norm(g, 1.0)[1] == pytest.approx(5e-200, rel=1e-14)


def test_integer_gradients_are_scaled_in_float():
    clipped, norm = clip_global_norm({"dW": np.array([[3, 4]], dtype=np.int64)}, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped["dW"], [[0.6, 0.8]], rtol=1e-15)
    big = {"dW": np.array([[2 ** 40, 2 ** 40]], dtype=np.int64)}       # its squares overflow int64
    assert clip_global_norm(big, 0)[1] == pytest.approx(math.sqrt(2) * 2 ** 40, rel=1e-15)


def test_non_finite_gradients_give_a_non_finite_norm_and_are_not_scaled_to_zero():
    for bad, expected in ((math.inf, math.inf), (math.nan, math.nan)):
        clipped, norm = clip_global_norm({"dW": np.array([[1.0, bad]])}, 1.0)
        assert (math.isnan(norm) and math.isnan(expected)) or norm == expected
        assert clipped["dW"][0, 0] == 1.0


def test_every_optimizer_is_in_the_table():
    assert set(OPTIMIZERS.values()) == set(OPTIMIZER_CLASSES)
