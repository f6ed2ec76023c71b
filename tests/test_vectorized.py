"""VectorizedRNN.py gives the tutorial's results, with the same errors and dtypes."""
import itertools
import re

import numpy as np
import pytest

from BackwardPropagation import rnn_backward
from ForwardPropagation import rnn_forward
from gradient_check import numerical_gradient, relative_error
from helpers import random_rnn, recycled_memory  # noqa: F401 (autouse: every test runs twice, see helpers)
from VectorizedRNN import rnn_backward_vectorized, rnn_forward_vectorized, rnn_states_vectorized

SHAPES = [(3, 5, 2, 10, 4), (1, 1, 1, 1, 1), (1, 4, 3, 2, 3), (3, 1, 2, 4, 3), (2, 3, 2, 1, 5),
          (4, 3, 2, 3, 1), (6, 8, 5, 7, 20)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_same_results_as_the_tutorial_loops(shape, dtype, tolerance):
    x, a0, parameters, da = random_rnn(*shape, seed=sum(shape), dtype=dtype)
    a, y_pred, caches = rnn_forward(x, a0, parameters)
    a_v, y_v, cache = rnn_forward_vectorized(x, a0, parameters)
    assert a_v.shape == a.shape and y_v.shape == y_pred.shape
    np.testing.assert_allclose(a_v, a, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(y_v, y_pred, rtol=tolerance, atol=tolerance)
    gradients = rnn_backward(da, caches)
    gradients_v = rnn_backward_vectorized(da, cache)
    assert set(gradients_v) == set(gradients)
    for key in gradients:
        assert gradients_v[key].shape == gradients[key].shape, key
        assert gradients_v[key].dtype == dtype, key
        np.testing.assert_allclose(gradients_v[key], gradients[key], rtol=tolerance,
                                   atol=tolerance * max(1.0, np.abs(gradients[key]).max()), err_msg=key)
    assert a_v.dtype == y_v.dtype == dtype
    X, S, cached_parameters = cache
    assert X.dtype == S.dtype == dtype and all(w.dtype == dtype for w in cached_parameters.values())


@pytest.mark.parametrize("shape", [(3, 5, 2, 10, 4), (1, 1, 1, 1, 1), (2, 3, 2, 1, 5), (4, 3, 2, 3, 1)])
def test_gradients_match_numerical_gradients(shape):
    x, a0, parameters, da = random_rnn(*shape, seed=sum(shape) + 1)
    gradients = rnn_backward_vectorized(da, rnn_forward_vectorized(x, a0, parameters)[2])
    loss = lambda: np.sum(rnn_forward_vectorized(x, a0, parameters)[0] * da)
    for key, array in {"dx": x, "da0": a0, "dWax": parameters["Wax"], "dWaa": parameters["Waa"],
                       "dba": parameters["ba"]}.items():
        error = relative_error(gradients[key], numerical_gradient(loss, array))
        assert error <= 1e-7, f"{key}: relative error {error:.2e}"


def test_same_errors_as_the_tutorial_loops():
    x, a0, parameters, da = random_rnn(3, 5, 2, 4, 6, seed=0)
    bad_calls = [(x, a0, {**parameters, "ba": parameters["ba"].ravel()}), (x, np.zeros((5, 3)), parameters),
                 (x, a0, {k: v for k, v in parameters.items() if k != "Wya"}), (x[:, :, :0], a0, parameters),
                 (x.tolist(), a0, parameters), (x, a0, [1, 2])]
    for args in bad_calls:
        with pytest.raises(Exception) as expected:
            rnn_forward(*args)
        with pytest.raises(type(expected.value)) as got:
            rnn_forward_vectorized(*args)
        assert str(got.value) == str(expected.value)
    cache = rnn_forward_vectorized(x, a0, parameters)[2]
    with pytest.raises(ValueError, match=r"da: expected shape \(n_a, m, T_x\) = \(5, 4, 6\), got \(5, 4, 5\)"):
        rnn_backward_vectorized(da[:, :, :5], cache)
    with pytest.raises(TypeError, match="cache must be the tuple"):
        rnn_backward_vectorized(da, list(cache))


def test_inputs_untouched_outputs_never_alias_them_and_backward_repeats():
    x, a0, parameters, da = random_rnn(3, 5, 2, 4, 6, seed=2)
    inputs = [x, a0, da, *parameters.values()]
    before = [array.copy() for array in inputs]
    a, y_pred, cache = rnn_forward_vectorized(x, a0, parameters)
    first = rnn_backward_vectorized(da, cache)
    second = rnn_backward_vectorized(da, cache)
    for old, new in zip(before, inputs):
        np.testing.assert_array_equal(old, new)
    outputs = [a, y_pred, *first.values()]
    for output, array in itertools.product(outputs, inputs):
        assert not np.shares_memory(output, array)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
        assert not np.shares_memory(first[key], second[key])


def test_mixed_dtypes_promote_like_the_tutorial_loops():
    x, a0, parameters, da = random_rnn(3, 5, 2, 4, 6, seed=3, dtype=np.float32)
    a, _, cache = rnn_forward_vectorized(x.astype(np.float64), a0, parameters)
    assert a.dtype == np.float64
    a32, _, cache32 = rnn_forward_vectorized(x, a0, parameters)
    gradients = rnn_backward_vectorized(da.astype(np.float64), cache32)
    expected = rnn_backward(da.astype(np.float64), rnn_forward(x, a0, parameters)[2])
    for key in expected:
        assert gradients[key].dtype == expected[key].dtype == np.float64, key


def test_results_kept_from_one_call_survive_the_next_calls():
    x, a0, parameters, da = random_rnn(3, 5, 2, 4, 6, seed=4)
    a, y_pred, cache = rnn_forward_vectorized(x, a0, parameters)
    gradients = rnn_backward_vectorized(da, cache)
    kept = [a, y_pred, *cache[:2], *gradients.values()]
    copies = [array.copy() for array in kept]
    for _ in range(3):                  # new calls, whose buffers may come from the pool
        later = rnn_forward_vectorized(x * 2, a0, parameters)
        later_gradients = rnn_backward_vectorized(da * 3, later[2])
        for old, new in itertools.product(kept, [*later[:2], *later[2][:2], *later_gradients.values()]):
            assert not np.shares_memory(old, new)
        del later, later_gradients
    for array, copy in zip(kept, copies):
        np.testing.assert_array_equal(array, copy)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_states_only_are_the_tutorial_states_and_backpropagate_the_same(shape, dtype, tolerance):
    x, a0, parameters, da = random_rnn(*shape, seed=sum(shape) + 5, dtype=dtype)
    a, _, caches = rnn_forward(x, a0, parameters)
    states_only = {key: parameters[key] for key in ("Wax", "Waa", "ba")}   # no output layer at all
    a_s, cache = rnn_states_vectorized(x, a0, states_only)
    assert a_s.shape == a.shape and a_s.dtype == dtype
    np.testing.assert_allclose(a_s, a, rtol=tolerance, atol=tolerance)
    gradients = rnn_backward(da, caches)
    gradients_s = rnn_backward_vectorized(da, cache)
    assert set(gradients_s) == set(gradients)
    for key in gradients:
        assert gradients_s[key].dtype == dtype, key
        np.testing.assert_allclose(gradients_s[key], gradients[key], rtol=tolerance,
                                   atol=tolerance * max(1.0, np.abs(gradients[key]).max()), err_msg=key)


def test_states_only_ignore_the_output_layer_but_check_the_rest():
    x, a0, parameters, da = random_rnn(3, 5, 2, 4, 6, seed=6)
    a_s = rnn_states_vectorized(x, a0, parameters)[0]      # Wya and by present: not needed, not read
    np.testing.assert_array_equal(a_s, rnn_forward_vectorized(x, a0, parameters)[0])
    bad_wya = {**parameters, "Wya": np.zeros((2, 7))}      # a wrong output layer is not the states' business
    np.testing.assert_array_equal(rnn_states_vectorized(x, a0, bad_wya)[0], a_s)
    for missing in ("Wax", "Waa", "ba"):
        with pytest.raises(KeyError, match=f"parameters is missing '{missing}'"):
            rnn_states_vectorized(x, a0, {k: v for k, v in parameters.items() if k != missing})
    bad_calls = [(x, a0, {**parameters, "ba": parameters["ba"].ravel()}), (x, np.zeros((5, 3)), parameters),
                 (x, a0, {**parameters, "Wax": np.zeros((5, 2))}), (x[:, :, :0], a0, parameters),
                 (x.tolist(), a0, parameters), (x, a0, [1, 2]), (x, a0, {**parameters, "Waa": "Waa"})]
    for args in bad_calls:            # the same errors, word for word, as the tutorial's rnn_forward
        with pytest.raises(Exception) as expected:
            rnn_forward(*args)
        with pytest.raises(type(expected.value)) as got:
            rnn_states_vectorized(*args)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("other_shape", [(3, 5, 2, 3, 2), (3, 4, 2, 2, 3), (3, 5, 2, 1, 3)])
def test_a_cache_that_does_not_belong_with_its_gradient_is_named_with_both_shapes(other_shape):
    """The gradient of another call, or a cache whose X and S come from two calls: a ValueError naming it."""
    x, a0, parameters, da = random_rnn(3, 5, 2, 2, 3, seed=4)               # m = 2, T_x = 3
    cache = rnn_forward_vectorized(x, a0, parameters)[2]
    x2, a2, parameters2, da2 = random_rnn(*other_shape, seed=5)
    other = rnn_forward_vectorized(x2, a2, parameters2)[2]
    with pytest.raises(ValueError, match=r"da: expected shape \(n_a, m, T_x\) = \(5, 2, 3\), got " +
                       re.escape(str(da2.shape))):
        rnn_backward_vectorized(da2, cache)
    if other_shape[1] != 5:            # the weights of a model with another n_a
        with pytest.raises(ValueError, match=r"Wax in the cache: expected shape \(n_a, n_x\) = \(5, 3\), got \(4, 3\)"):
            rnn_backward_vectorized(da, cache[:2] + (other[2],))
    else:                              # S of another call: its rows and X's columns give another m, or none
        with pytest.raises(ValueError, match=r"cache: X has 6 columns and S \d+ rows|"
                                             r"da: expected shape \(n_a, m, T_x\) = \(5, 3, 2\), got \(5, 2, 3\)"):
            rnn_backward_vectorized(da, (cache[0], other[1], cache[2]))
