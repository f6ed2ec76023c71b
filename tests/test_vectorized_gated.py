"""VectorizedLSTM.py and VectorizedGRU.py give the tutorial passes' results, with the same errors and dtypes."""
import itertools
import re
from types import SimpleNamespace

import numpy as np
import pytest

from BackwardPropagation import gru_backward, lstm_backward
from ForwardPropagation import gru_forward, lstm_forward
from GRU_UNIT_CELL import GRU_GATES
from helpers import assert_gradients_match, random_gated, recycled_memory  # noqa: F401 (autouse: runs twice)
from LSTM_UNIT_CELL import LSTM_GATES
from VectorizedGRU import gru_backward_vectorized, gru_forward_vectorized, gru_states_vectorized
from VectorizedLSTM import lstm_backward_vectorized, lstm_forward_vectorized, lstm_states_vectorized

# What each function returns before its cache, named.
MODELS = {
    "lstm": SimpleNamespace(gates=LSTM_GATES, outputs=("a", "y", "c"), states=("a", "c"),
                            forward=lstm_forward, backward=lstm_backward, forward_v=lstm_forward_vectorized,
                            states_v=lstm_states_vectorized, backward_v=lstm_backward_vectorized),
    "gru": SimpleNamespace(gates=GRU_GATES, outputs=("a", "y"), states=("a",),
                           forward=gru_forward, backward=gru_backward, forward_v=gru_forward_vectorized,
                           states_v=gru_states_vectorized, backward_v=gru_backward_vectorized),
}
SHAPES = [(3, 5, 2, 10, 4), (1, 1, 1, 1, 1), (1, 4, 3, 2, 3), (3, 1, 2, 4, 3), (2, 3, 2, 1, 5),
          (4, 3, 2, 3, 1), (3, 4, 1, 2, 2), (6, 8, 5, 7, 20)]


def named(results, names):
    """Split a forward function's results into a dict of its named outputs and its cache."""
    *outputs, cache = results
    assert len(outputs) == len(names)
    return dict(zip(names, outputs)), cache


def assert_close(got, expected, tolerance, what):
    assert got.shape == expected.shape, what
    np.testing.assert_allclose(got, expected, rtol=tolerance,
                               atol=tolerance * max(1.0, float(np.abs(expected).max())), err_msg=what)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_same_results_as_the_tutorial_passes(model, shape, dtype, tolerance):
    net = MODELS[model]
    x, a0, parameters, da = random_gated(net.gates, *shape, seed=sum(shape), dtype=dtype)
    expected, caches = named(net.forward(x, a0, parameters), net.outputs)
    got, cache = named(net.forward_v(x, a0, parameters), net.outputs)
    for name in net.outputs:
        assert got[name].dtype == dtype, name
        assert_close(got[name], expected[name], tolerance, name)
    gradients = net.backward(da, caches)
    gradients_v = net.backward_v(da, cache)
    assert set(gradients_v) == set(gradients)
    for key in gradients:
        assert gradients_v[key].dtype == dtype, key
        assert_close(gradients_v[key], gradients[key], tolerance, key)
    assert all(item.dtype == dtype for item in cache[:-1])
    assert all(weight.dtype == dtype for weight in cache[-1].values())


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("shape", SHAPES[:4])
def test_states_only_are_the_forward_states_and_backpropagate_the_same(model, shape):
    net = MODELS[model]
    x, a0, parameters, da = random_gated(net.gates, *shape, seed=sum(shape) + 7)
    gates_only = {key: value for key, value in parameters.items() if key not in ("Wy", "by")}
    states, states_cache = named(net.states_v(x, a0, gates_only), net.states)
    outputs, cache = named(net.forward_v(x, a0, parameters), net.outputs)
    for name in net.states:
        np.testing.assert_array_equal(states[name], outputs[name], err_msg=name)
    from_states, from_forward = net.backward_v(da, states_cache), net.backward_v(da, cache)
    assert set(from_states) == set(from_forward)
    for key in from_forward:
        np.testing.assert_array_equal(from_states[key], from_forward[key], err_msg=key)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("shape", [(3, 4, 2, 3, 3), (1, 1, 1, 1, 1), (2, 3, 2, 1, 5), (4, 3, 2, 3, 1), (1, 2, 2, 3, 4)])
def test_gradients_match_numerical_gradients(model, shape):
    net = MODELS[model]
    x, a0, parameters, da = random_gated(net.gates, *shape, seed=sum(shape) + 1)
    gradients = net.backward_v(da, net.forward_v(x, a0, parameters)[-1])
    loss = lambda: np.sum(net.forward_v(x, a0, parameters)[0] * da)
    checked = {"dx": x, "da0": a0}
    checked.update({"d" + key: parameters[key] for key in parameters if key not in ("Wy", "by")})
    assert_gradients_match(gradients, checked, loss)


def bad_calls(x, a0, parameters, gate):
    """Wrong arguments, each paired with what it breaks; `gate` is one of the model's gate letters."""
    drop = lambda key: {k: v for k, v in parameters.items() if k != key}
    n_a, n_x = a0.shape[0], x.shape[0]
    return [(x, a0, {**parameters, "b" + gate: parameters["b" + gate].ravel()}),
            (x, a0, {**parameters, "W" + gate: np.zeros((n_a, n_a + n_x + 1))}),
            (x, a0, {**parameters, "W" + gate: "W"}), (x, a0, drop("W" + gate)), (x, a0, drop("b" + gate)),
            (x, np.zeros((n_a + 1, a0.shape[1])), parameters), (x, a0[:, :, None], parameters),
            (x[:, :, :0], a0, parameters), (x.tolist(), a0, parameters), (x.astype(str), a0, parameters),
            (x, a0, [1, 2])]


def assert_same_error(tutorial, vectorized, args, states_of=None):
    """The vectorized function raises what the tutorial's raises, word for word.

    states_of -- the gate letters, if `vectorized` computes only the states: then
                 a missing key's message lists only the gates' keys as needed
    """
    with pytest.raises(Exception) as expected:
        tutorial(*args)
    with pytest.raises(type(expected.value)) as got:
        vectorized(*args)
    if states_of and isinstance(got.value, KeyError):
        needed = ", ".join(k for g in states_of for k in ("W" + g, "b" + g))
        assert str(expected.value).endswith(f"(a cell needs {needed}, Wy, by)\"")
        assert str(got.value) == str(expected.value).replace(", Wy, by)", ")")
    else:
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("model", MODELS)
def test_same_errors_as_the_tutorial_passes(model):
    net = MODELS[model]
    x, a0, parameters, da = random_gated(net.gates, 3, 5, 2, 4, 6, seed=0)
    drop = lambda key: {k: v for k, v in parameters.items() if k != key}
    output_layer_broken = [(x, a0, drop("Wy")), (x, a0, drop("by")),
                           (x, a0, {**parameters, "by": parameters["by"].ravel()})]
    for gate in net.gates:
        for args in bad_calls(x, a0, parameters, gate):
            assert_same_error(net.forward, net.forward_v, args)
            assert_same_error(net.forward, net.states_v, args, states_of=net.gates)   # the same checks
    for args in output_layer_broken:
        assert_same_error(net.forward, net.forward_v, args)
        net.states_v(*args)            # the states need no output layer

    _, caches = named(net.forward(x, a0, parameters), net.outputs)
    _, cache = named(net.forward_v(x, a0, parameters), net.outputs)
    for bad_da in (da[:, :, :5], da[:, :3], da[0], da.tolist(), da.astype(str)):
        assert_same_error(lambda d, c: net.backward(d, caches), lambda d, c: net.backward_v(d, cache),
                          (bad_da, None))
    with pytest.raises(ValueError, match=r"da: expected shape \(n_a, m, T_x\) = \(5, 4, 6\), got \(5, 4, 5\)"):
        net.backward_v(da[:, :, :5], cache)
    for bad_cache in (list(cache), cache[:-1], caches):
        with pytest.raises(TypeError, match="cache must be the tuple"):
            net.backward_v(da, bad_cache)


@pytest.mark.parametrize("model", MODELS)
def test_inputs_untouched_outputs_never_alias_them_and_backward_repeats(model):
    net = MODELS[model]
    x, a0, parameters, da = random_gated(net.gates, 3, 5, 2, 4, 6, seed=2)
    inputs = [x, a0, da, *parameters.values()]
    before = [array.copy() for array in inputs]
    outputs, cache = named(net.forward_v(x, a0, parameters), net.outputs)
    states, states_cache = named(net.states_v(x, a0, parameters), net.states)
    first = net.backward_v(da, cache)
    second = net.backward_v(da, cache)
    from_states = net.backward_v(da, states_cache)
    for old, new in zip(before, inputs):
        np.testing.assert_array_equal(old, new)
    results = [*outputs.values(), *states.values(), *first.values(), *from_states.values()]
    for result, array in itertools.product(results, inputs):
        assert not np.shares_memory(result, array)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
        assert not np.shares_memory(first[key], second[key])


@pytest.mark.parametrize("model", MODELS)
def test_mixed_dtypes_promote_like_the_tutorial_passes(model):
    net = MODELS[model]
    x, a0, parameters, da = random_gated(net.gates, 3, 5, 2, 4, 6, seed=3, dtype=np.float32)
    wide_x = x.astype(np.float64)
    assert net.forward_v(wide_x, a0, parameters)[0].dtype == net.forward(wide_x, a0, parameters)[0].dtype
    wide_wy = {**parameters, "Wy": parameters["Wy"].astype(np.float64)}
    assert net.forward_v(x, a0, wide_wy)[0].dtype == net.forward(x, a0, wide_wy)[0].dtype == np.float64
    assert net.states_v(x, a0, wide_wy)[0].dtype == np.float32     # the states never read Wy
    gradients = net.backward_v(da.astype(np.float64), net.forward_v(x, a0, parameters)[-1])
    expected = net.backward(da.astype(np.float64), net.forward(x, a0, parameters)[-1])
    for key in expected:
        assert gradients[key].dtype == expected[key].dtype == np.float64, key
        assert_close(gradients[key], expected[key], 1e-5, key)


@pytest.mark.parametrize("model", MODELS)
def test_results_kept_from_one_call_survive_the_next_calls(model):
    net = MODELS[model]
    x, a0, parameters, da = random_gated(net.gates, 3, 5, 2, 4, 6, seed=4)
    outputs, cache = named(net.forward_v(x, a0, parameters), net.outputs)
    gradients = net.backward_v(da, cache)
    kept = [*outputs.values(), *cache[:-1], *gradients.values()]
    copies = [array.copy() for array in kept]
    for _ in range(3):                  # new calls, whose buffers may come from the pool
        later, later_cache = named(net.forward_v(x * 2, a0, parameters), net.outputs)
        later_gradients = net.backward_v(da * 3, later_cache)
        new = [*later.values(), *later_cache[:-1], *later_gradients.values()]
        for old, fresh in itertools.product(kept, new):
            assert not np.shares_memory(old, fresh)
        del later, later_cache, later_gradients, new
    for array, copy in zip(kept, copies):
        np.testing.assert_array_equal(array, copy)


CACHE_BUFFERS = {"lstm": ("X", "S", "C", "TC", "GATES"), "gru": ("X", "S", "RA", "GATES")}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("other_shape", [(3, 5, 2, 3, 2), (3, 4, 2, 2, 3), (3, 5, 2, 1, 3)])
def test_a_cache_that_does_not_belong_with_its_gradient_is_named_with_both_shapes(model, other_shape):
    """A buffer of the cache from a call at another shape: a ValueError naming it, never a broadcast."""
    net = MODELS[model]
    x, a0, parameters, da = random_gated(net.gates, 3, 5, 2, 2, 3, seed=4)   # m = 2, T_x = 3
    cache = named(net.forward_v(x, a0, parameters), net.outputs)[1]
    other = named(net.forward_v(*random_gated(net.gates, *other_shape, seed=5)[:3]), net.outputs)[1]
    expected_shapes = {"C": (8, 5), "TC": (6, 5), "RA": (6, 5), "GATES": (3, len(net.gates), 2, 5)}
    for position, name in enumerate(CACHE_BUFFERS[model]):
        if name in ("X", "S") or other[position].shape == cache[position].shape:
            continue                   # X and S give the sizes; a buffer of the very same shape cannot be told apart
        mixed = cache[:position] + (other[position],) + cache[position + 1:]
        got = other[position].shape
        message = (rf"{name} in the cache: expected shape \(.*\) = {re.escape(str(expected_shapes[name]))} "
                   rf"\(from X and S in the cache\), got {re.escape(str(got))}: the cache mixes arrays of "
                   rf"different calls of {model}_forward_vectorized or {model}_states_vectorized")
        with pytest.raises(ValueError, match=message):
            net.backward_v(da, mixed)
    with pytest.raises(ValueError, match=r"da: expected shape \(n_a, m, T_x\) = \(5, 2, 3\), got \("):
        net.backward_v(random_gated(net.gates, *other_shape, seed=5)[3], cache)     # the gradient of another call
    assert net.backward_v(da, cache)["dx"].shape == x.shape       # the cache itself is fine
