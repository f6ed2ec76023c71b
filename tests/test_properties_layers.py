"""Property tests (Hypothesis) of the chapters' public functions: the promise of tests/properties.py.

For every function, Hypothesis draws sizes (every one may be 1), dtypes,
memory layouts, special values (0, negatives, NaN, inf, huge, subnormal) and,
half of the time, one broken argument (a refused dtype, a list, a wrong or
empty dimension). Optional like torch: skipped when Hypothesis is missing.
"""
import numpy as np
import pytest

from properties import PROPERTY_SETTINGS, check_promise, forms, fingerprint, laid_out, names_an_argument, numbers

from hypothesis import given, strategies as st  # noqa: E402  (properties skips the file without Hypothesis)

import KindsOfRNN
import ManyToMany
import ManyToOne
import OneToMany
from Bidirectional import birnn_backward, birnn_forward
from gradient_check import numerical_gradient, relative_error
from rnn_utils import softmax
from sequence_training import accuracy_by_step, init_output, init_states, output_loss, output_probabilities, train
from StackedRNN import stacked_rnn_backward, stacked_rnn_forward

size = st.integers(1, 4)


def states(rng, n_x, n_a):
    return {"Wax": rng.standard_normal((n_a, n_x)), "Waa": rng.standard_normal((n_a, n_a)),
            "ba": rng.standard_normal((n_a, 1))}


def output_layer(rng, n_a, n_y):
    return {"Wya": rng.standard_normal((n_y, n_a)), "by": rng.standard_normal((n_y, 1))}


# ---------------------------------------------------------------- the output layer and its loss

@PROPERTY_SETTINGS
@given(st.data(), size, size, size, size)
def test_output_loss_and_probabilities_keep_the_promise(data, n_a, n_y, m, T):
    rng = np.random.default_rng(0)
    targets = rng.integers(0, n_y, size=(m, T))
    arguments = {"a": rng.standard_normal((n_a, m, T)), "targets": targets, "output": output_layer(rng, n_a, n_y)}
    arguments, broken = data.draw(forms(arguments, label_paths=[("targets",)]))
    check_promise(output_loss, arguments, broken, label_paths=[("targets",)])
    arguments.pop("targets")
    broken = None if broken is None or "targets" in broken and not _still_broken(arguments, n_a) else broken
    if broken is None or _still_broken(arguments, n_a):
        check_promise(output_probabilities, arguments, broken)


def _still_broken(arguments, n_a):
    """Whether a and output (without targets) are still a broken pair: try the checks alone."""
    try:
        output_probabilities(**arguments)
        return False
    except (TypeError, ValueError, KeyError):
        return True


# ---------------------------------------------------------------- bidirectional and stacked

def birnn(a0, x, parameters, da):
    a, cache = birnn_forward(x, a0, parameters)
    return a, birnn_backward(da, cache)


@PROPERTY_SETTINGS
@given(st.data(), size, size, size, size, size)
def test_bidirectional_forward_and_backward_keep_the_promise(data, n_x, n_af, n_ab, m, T):
    rng = np.random.default_rng(1)
    arguments = {"x": rng.standard_normal((n_x, m, T)),
                 "a0": {"forward": rng.standard_normal((n_af, m)), "backward": rng.standard_normal((n_ab, m))},
                 "parameters": {"forward": states(rng, n_x, n_af), "backward": states(rng, n_x, n_ab)},
                 "da": rng.standard_normal((n_af + n_ab, m, T))}
    check_promise(birnn, *data.draw(forms(arguments, follows=[("da",)])))


def stacked(a0, x, parameters, da):
    a, cache = stacked_rnn_forward(x, a0, parameters)
    return a, stacked_rnn_backward(da, cache)


@PROPERTY_SETTINGS
@given(st.data(), size, st.lists(size, min_size=1, max_size=3), size, size)
def test_stacked_forward_and_backward_keep_the_promise(data, n_x, sizes, m, T):
    rng = np.random.default_rng(2)
    inputs = [n_x] + sizes[:-1]
    arguments = {"x": rng.standard_normal((n_x, m, T)), "a0": [rng.standard_normal((n, m)) for n in sizes],
                 "parameters": [states(rng, n_in, n) for n_in, n in zip(inputs, sizes)],
                 "da": rng.standard_normal((sizes[-1], m, T))}
    check_promise(stacked, *data.draw(forms(arguments, follows=[("da",)])))


# ---------------------------------------------------------------- the kinds of RNN's models

def model(rng, n_x, n_a, n_y):
    return {"rnn": states(rng, n_x, n_a), "output": output_layer(rng, n_a, n_y)}


@PROPERTY_SETTINGS
@given(st.data(), st.sampled_from(["OneToMany", "ManyToMany", "ManyToOne"]), size, size, size, size, size)
def test_the_shape_scripts_models_keep_the_promise(data, script, n_x, n_a, n_y, m, T):
    rng = np.random.default_rng(3)
    module = {"OneToMany": OneToMany, "ManyToMany": ManyToMany, "ManyToOne": ManyToOne}[script]
    name = "labels" if script == "ManyToOne" else "targets"
    labels = rng.integers(0, n_y, size=(m,) if script == "ManyToOne" else (m, T))
    arguments = {"model": model(rng, n_x, n_a, n_y), "x": rng.standard_normal((n_x, m, T)), name: labels}
    free = [(("x",), 2)] if script == "ManyToOne" else []          # one label per sequence, whatever its length
    arguments, broken = data.draw(forms(arguments, label_paths=[(name,)], free=free))
    check_promise(module.loss_and_gradients, arguments, broken, label_paths=[(name,)])
    if hasattr(module, "predict"):
        arguments.pop(name)
        if broken is None:
            check_promise(module.predict, arguments, None)


def bidirectional_model(rng, n_x, n_a, n_y):
    return {"birnn": {"forward": states(rng, n_x, n_a), "backward": states(rng, n_x, n_a)},
            "output": output_layer(rng, 2 * n_a, n_y)}


def character_model(rng, n_x, n_a, n_y):
    return {"layers": [states(rng, n_x, n_a), states(rng, n_a, n_a)], "output": output_layer(rng, n_a, n_y)}


@PROPERTY_SETTINGS
@given(st.data(), st.sampled_from(["bidirectional", "character"]), size, size, size, size, size)
def test_the_chapters_other_models_keep_the_promise(data, which, n_x, n_a, n_y, m, T):
    rng = np.random.default_rng(4)
    make, loss = {"bidirectional": (bidirectional_model, KindsOfRNN.bidirectional_loss),
                  "character": (character_model, KindsOfRNN.character_loss)}[which]
    arguments = {"model": make(rng, n_x, n_a, n_y), "x": rng.standard_normal((n_x, m, T)),
                 "targets": rng.integers(0, n_y, size=(m, T))}
    arguments, broken = data.draw(forms(arguments, label_paths=[("targets",)]))
    check_promise(loss, arguments, broken, label_paths=[("targets",)])
    if which == "bidirectional" and broken is None:
        arguments.pop("targets")
        check_promise(KindsOfRNN.bidirectional_predict, arguments, None)


# ---------------------------------------------------------------- softmax, the gradient check, the helpers

@PROPERTY_SETTINGS
@given(st.data(), st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_softmax_keeps_the_promise_and_every_column_is_a_distribution(data, shape):
    arguments, broken = data.draw(forms({"x": np.zeros(shape)}, breakable=False))
    check_promise(softmax, arguments, broken)
    x = arguments["x"]
    p = softmax(x)
    finite_columns = ~np.isnan(x.astype(np.float64)).any(axis=0)      # NaN in, NaN out; anything else: a distribution
    np.testing.assert_allclose(p.sum(axis=0)[finite_columns], 1, rtol=1e-3)
    assert (p[:, finite_columns] >= 0).all()


@PROPERTY_SETTINGS
@given(st.data(), st.lists(st.integers(1, 3), min_size=1, max_size=3), st.sampled_from(["C", "F", "strided", "reversed"]))
def test_numerical_gradient_is_the_same_in_every_writeable_layout(data, shape, layout):
    seed = data.draw(st.integers(0, 2**32 - 1))
    values = numbers(np.random.default_rng(seed), shape, np.float64, special=False)
    x = laid_out(values, layout)
    reference = values.copy()
    grad = numerical_gradient(lambda: float(np.sum(np.tanh(x) * np.arange(x.size).reshape(x.shape))), x)
    np.testing.assert_array_equal(x, values)                        # moved and put back exactly
    expected = numerical_gradient(lambda: float(np.sum(np.tanh(reference) * np.arange(x.size).reshape(x.shape))),
                                  reference)
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-12)


@PROPERTY_SETTINGS
@given(st.data(), st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_relative_error_keeps_the_promise(data, shape):
    arguments = {"analytic": np.zeros(shape), "numerical": np.zeros(shape)}
    arguments, broken = data.draw(forms(arguments))
    if broken is not None and any(isinstance(v, list) for v in arguments.values()):
        broken = None if all(np.asarray(v).shape == tuple(shape) for v in arguments.values()) else broken
    try:
        result = relative_error(**arguments)
    except (TypeError, ValueError) as error:
        assert broken is not None, error
        assert names_an_argument(str(error), {"analytic", "numerical", "shapes"}), error
        return
    assert isinstance(result, float) and (np.isnan(result) or 0 <= result <= 1)


whole_numbers = st.one_of(st.integers(-3, 5), st.sampled_from([2**70, True, 2.0, 1.5, "3", None, np.int8(2)]))


@PROPERTY_SETTINGS
@given(whole_numbers, whole_numbers, st.sampled_from(["generator", "seed", "legacy"]))
def test_init_functions_refuse_what_is_not_a_size_or_a_generator(n_in, n_out, rng_kind):
    rng = {"generator": np.random.default_rng(0), "seed": 0, "legacy": np.random.RandomState(0)}[rng_kind]
    big = isinstance(n_in, int) and n_in > 4096 or isinstance(n_out, int) and n_out > 4096
    for function, names in ((init_states, ("n_x", "n_a")), (init_output, ("n_a", "n_y"))):
        if big and rng_kind == "generator":
            continue                             # valid, but too large to allocate
        try:
            model = function(n_in, n_out, rng)
        except (TypeError, ValueError) as error:
            assert names_an_argument(str(error), set(names) | {"rng"}), error
            continue
        ok = all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in (n_in, n_out))
        assert ok and rng_kind == "generator", f"accepted {n_in!r}, {n_out!r}, {rng_kind}"
        assert all(np.isfinite(v).all() for v in model.values())


@PROPERTY_SETTINGS
@given(st.one_of(st.integers(-3, 3), st.sampled_from([1.5, True, None, "2"])),
       st.sampled_from([0.01, 0.0, -1.0, np.nan, np.inf, True, "0.1"]), st.sampled_from([5.0, 0.0, -1.0, np.nan, np.inf]))
def test_train_refuses_bad_options_and_changes_nothing_it_was_given(iterations, learning_rate, max_norm):
    parameters = {"W": np.ones((2, 2)), "layers": [{"b": np.zeros((2, 1))}]}
    before = fingerprint(parameters)
    step = lambda p: (float(np.sum(p["W"] ** 2)), {"dW": 2 * p["W"], "layers": [{"db": np.ones((2, 1))}]})
    try:
        trained, losses = train(parameters, step, lambda: (), iterations, learning_rate, max_norm)
    except (TypeError, ValueError) as error:
        assert names_an_argument(str(error), {"iterations", "learning_rate", "max_norm"}), error
    else:
        assert isinstance(iterations, int) and not isinstance(iterations, bool) and iterations >= 0
        assert len(losses) == iterations
        assert all(np.isfinite(v).all() for v in (trained["W"], trained["layers"][0]["b"]))
    assert fingerprint(parameters) == before


@PROPERTY_SETTINGS
@given(st.data(), size, size)
def test_accuracy_by_step_keeps_the_promise(data, m, T):
    rng = np.random.default_rng(5)
    arguments = {"predicted": rng.integers(0, 3, size=(m, T)), "targets": rng.integers(0, 3, size=(m, T))}
    labels = [("predicted",), ("targets",)]
    arguments, broken = data.draw(forms(arguments, label_paths=labels))
    check_promise(accuracy_by_step, arguments, broken, label_paths=labels)


# ---------------------------------------------------------------- the encoder-decoder's model

@PROPERTY_SETTINGS
@given(st.data(), st.sampled_from([1, 2, 13]), size, size, size, size, st.booleans())
def test_the_encoder_decoders_functions_keep_the_promise(data, V, n_a, m, T_e, T_d, peeky):
    import Seq2SeqModel as model
    rng = np.random.default_rng(6)
    parameters = model.init_parameters(V, n_a, peeky, rng)
    arguments = {"parameters": parameters, "x_enc": rng.standard_normal((V, m, T_e)),
                 "x_dec": rng.standard_normal((V, m, T_d)), "targets": rng.integers(0, V, size=(m, T_d))}
    labels = [("targets",)]
    arguments, broken = data.draw(forms(arguments, label_paths=labels))
    check_promise(lambda **a: model.seq2seq_loss_and_gradients(**a, peeky=peeky), arguments, broken, labels)
    if broken is None:
        check_promise(lambda **a: model.seq2seq_loss(**a, peeky=peeky), arguments, None, labels)
        arguments.pop("x_dec")
        arguments["targets"] = rng.integers(0, V, size=(m, 4))
        start = model.SEPARATOR if V > model.SEPARATOR else 0      # the model's separator, where it has one
        check_promise(lambda **a: model.exact_match(**a, peeky=peeky), arguments, None, labels)  if V == 13 else None
        arguments.pop("targets")
        check_promise(lambda **a: model.greedy_decode(**a, peeky=peeky, start=start), arguments, None)
        with pytest.raises(ValueError, match="start = 13 is not a symbol"):
            model.greedy_decode(**arguments, peeky=peeky, start=13)
