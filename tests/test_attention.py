"""Attention.py: the layer's numbers against a plain loop, its gradients against numerical ones, its input policy."""
import numpy as np
import pytest

from Attention import attention_backward, attention_forward
from gradient_check import numerical_gradient, relative_error

TOLERANCE = 1e-7
# (n_a, m, T_x, T_y): several shapes, and every dimension at 1
SHAPES = [(3, 2, 4, 5), (5, 3, 6, 2), (1, 2, 3, 4), (3, 1, 4, 3), (3, 2, 1, 4), (3, 2, 4, 1), (1, 1, 1, 1)]


def random_attention(score, n_a, m, T_x, T_y, seed=0, dtype=np.float64, n_a_dec=None, n_att=4):
    """a_enc, a_dec, parameters (None for dot) and an upstream gradient dcontext."""
    rng = np.random.default_rng(seed)
    n_a_dec = n_a if n_a_dec is None else n_a_dec
    a_enc = rng.standard_normal((n_a, m, T_x)).astype(dtype)
    a_dec = rng.standard_normal((n_a_dec, m, T_y)).astype(dtype)
    parameters = None
    if score == "additive":
        parameters = {"Wa": rng.standard_normal((n_att, n_a_dec)).astype(dtype),
                      "Ua": rng.standard_normal((n_att, n_a)).astype(dtype),
                      "va": rng.standard_normal((n_att, 1)).astype(dtype)}
    dcontext = rng.standard_normal((n_a, m, T_y)).astype(dtype)
    return a_enc, a_dec, parameters, dcontext


def loop_attention(a_enc, a_dec, score, parameters):
    """The layer's definition, one example and one pair of steps at a time (the reference)."""
    n_a, m, T_x = a_enc.shape
    T_y = a_dec.shape[2]
    context, alphas = np.zeros((n_a, m, T_y)), np.zeros((T_x, m, T_y))
    for i in range(m):
        for t in range(T_y):
            e = np.zeros(T_x)
            for s in range(T_x):
                if score == "dot":
                    e[s] = sum(a_enc[k, i, s] * a_dec[k, i, t] for k in range(n_a))
                else:
                    hidden = np.tanh(parameters["Wa"] @ a_dec[:, i, t] + parameters["Ua"] @ a_enc[:, i, s])
                    e[s] = parameters["va"][:, 0] @ hidden
            w = np.exp(e - e.max()) / np.exp(e - e.max()).sum()
            alphas[:, i, t] = w
            context[:, i, t] = sum(w[s] * a_enc[:, i, s] for s in range(T_x))
    return context, alphas


@pytest.mark.parametrize("score", ["dot", "additive"])
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_is_the_definition(score, shape):
    a_enc, a_dec, parameters, _ = random_attention(score, *shape)
    context, alphas, _ = attention_forward(a_enc, a_dec, score, parameters)
    expected_context, expected_alphas = loop_attention(a_enc, a_dec, score, parameters)
    n_a, m, T_x, T_y = shape
    assert context.shape == (n_a, m, T_y) and alphas.shape == (T_x, m, T_y)
    np.testing.assert_allclose(alphas, expected_alphas, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(context, expected_context, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(alphas.sum(axis=0), 1.0, rtol=1e-12)


def test_dot_score_by_hand():
    """Two encoder steps, one decoder step, one example: the numbers worked out on paper."""
    a_enc = np.array([[[1.0, 0.0]], [[0.0, 2.0]]])      # a_enc<1> = (1, 0), a_enc<2> = (0, 2)
    a_dec = np.array([[[3.0]], [[1.0]]])                # a_dec<1> = (3, 1): scores 3 and 2
    context, alphas, _ = attention_forward(a_enc, a_dec)
    w1 = np.exp(3) / (np.exp(3) + np.exp(2))            # 0.7311
    np.testing.assert_allclose(alphas[:, 0, 0], [w1, 1 - w1], rtol=1e-14)
    np.testing.assert_allclose(context[:, 0, 0], [w1, 2 * (1 - w1)], rtol=1e-14)


def checked_arrays(a_enc, a_dec, parameters):
    arrays = {"da_enc": a_enc, "da_dec": a_dec}
    if parameters is not None:
        arrays.update({"d" + key: value for key, value in parameters.items()})
    return arrays


@pytest.mark.parametrize("score", ["dot", "additive"])
@pytest.mark.parametrize("shape", SHAPES)
def test_gradients(score, shape):
    """Every gradient attention_backward returns against centered differences, float64."""
    a_enc, a_dec, parameters, dcontext = random_attention(score, *shape, seed=sum(shape))
    _, _, cache = attention_forward(a_enc, a_dec, score, parameters)
    gradients = attention_backward(dcontext, cache)

    def loss():                  # a scalar whose gradient with respect to the context is dcontext
        return float(np.sum(attention_forward(a_enc, a_dec, score, parameters)[0] * dcontext))

    checked = checked_arrays(a_enc, a_dec, parameters)
    assert set(gradients) == set(checked)
    for key, array in checked.items():
        assert gradients[key].shape == array.shape and gradients[key].dtype == np.float64, key
        error = relative_error(gradients[key], numerical_gradient(loss, array))
        assert error <= TOLERANCE, f"{score} {shape} {key}: relative error {error:.2e}"


def test_additive_gradients_with_states_of_different_sizes():
    a_enc, a_dec, parameters, dcontext = random_attention("additive", 3, 2, 4, 3, n_a_dec=5, n_att=2)
    _, _, cache = attention_forward(a_enc, a_dec, "additive", parameters)
    gradients = attention_backward(dcontext, cache)

    def loss():
        return float(np.sum(attention_forward(a_enc, a_dec, "additive", parameters)[0] * dcontext))

    for key, array in checked_arrays(a_enc, a_dec, parameters).items():
        assert relative_error(gradients[key], numerical_gradient(loss, array)) <= TOLERANCE, key


def test_gradients_are_not_zero_where_they_should_not_be():
    """A check of zeros against zeros proves nothing: at T_x > 1 every gradient has non-zero entries."""
    for score in ("dot", "additive"):
        a_enc, a_dec, parameters, dcontext = random_attention(score, 3, 2, 4, 3)
        gradients = attention_backward(dcontext, attention_forward(a_enc, a_dec, score, parameters)[2])
        assert all(np.abs(g).max() > 1e-3 for g in gradients.values()), score


@pytest.mark.parametrize("score", ["dot", "additive"])
def test_inputs_are_not_modified_and_backward_repeats(score):
    a_enc, a_dec, parameters, dcontext = random_attention(score, 3, 2, 4, 5)
    copies = [a.copy() for a in (a_enc, a_dec, dcontext)]
    parameter_copies = {k: v.copy() for k, v in (parameters or {}).items()}
    context, alphas, cache = attention_forward(a_enc, a_dec, score, parameters)
    first = attention_backward(dcontext, cache)
    second = attention_backward(dcontext, cache)
    for array, copy in zip((a_enc, a_dec, dcontext), copies):
        np.testing.assert_array_equal(array, copy)
    for key, value in parameter_copies.items():
        np.testing.assert_array_equal(parameters[key], value)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
        assert not np.shares_memory(first[key], dcontext)


@pytest.mark.parametrize("score", ["dot", "additive"])
def test_float32_stays_float32(score):
    a_enc, a_dec, parameters, dcontext = random_attention(score, 3, 2, 4, 5, dtype=np.float32)
    context, alphas, cache = attention_forward(a_enc, a_dec, score, parameters)
    assert context.dtype == alphas.dtype == np.float32
    gradients = attention_backward(dcontext, cache)
    assert all(g.dtype == np.float32 for g in gradients.values())
    reference = attention_forward(*(a.astype(np.float64) for a in (a_enc, a_dec)), score,
                                  None if parameters is None else
                                  {k: v.astype(np.float64) for k, v in parameters.items()})[0]
    np.testing.assert_allclose(context, reference, rtol=1e-4, atol=1e-5)
    # a float64 upstream gradient on a float32 forward computes in float64, as the LSTM passes do
    assert attention_backward(dcontext.astype(np.float64), cache)["da_enc"].dtype == np.float64


def test_integers_are_computed_in_float64():
    a_enc = np.arange(12).reshape(2, 2, 3)
    context, alphas, _ = attention_forward(a_enc, a_enc[:, :, :2] - 3)
    assert context.dtype == alphas.dtype == np.float64


def test_huge_scores_stay_finite():
    """The softmax is shifted by each column's own max: scores of 1e6 give weights, not NaN."""
    a_enc, a_dec, _, dcontext = random_attention("dot", 3, 2, 4, 5)
    context, alphas, cache = attention_forward(1e3 * a_enc, 1e3 * a_dec)
    assert np.all(np.isfinite(context)) and np.all(np.isfinite(alphas))
    np.testing.assert_allclose(alphas.sum(axis=0), 1.0)
    assert all(np.all(np.isfinite(g)) for g in attention_backward(dcontext, cache).values())


# ---------------------------------------------------------------- bad input: clear errors


def test_dot_with_states_of_different_sizes_names_both():
    a_enc, a_dec, _, _ = random_attention("dot", 3, 2, 4, 5, n_a_dec=4)
    with pytest.raises(ValueError, match=r"a_enc has shape .*\(3, 2, 4\) and a_dec \(4, 2, 5\)"):
        attention_forward(a_enc, a_dec)


def test_different_batches_name_both():
    a_enc = np.zeros((3, 2, 4))
    with pytest.raises(ValueError, match=r"a_enc .*\(3, 2, 4\) and a_dec .*\(3, 5, 4\).* same m"):
        attention_forward(a_enc, np.zeros((3, 5, 4)))


@pytest.mark.parametrize("bad, error, message", [
    ([[[1.0]]], TypeError, "a_enc must be a numpy array, got list"),
    (np.ones((1, 1, 1), dtype=bool), TypeError, "a_enc must hold numbers, not booleans"),
    (np.ones((1, 1, 1), dtype=complex), TypeError, "a_enc must hold real numbers"),
    (np.ones((1, 1)), ValueError, r"a_enc must have 3 dimensions, got shape \(1, 1\)"),
    (np.ones((1, 0, 1)), ValueError, "m = 0"),
])
def test_bad_encoder_states(bad, error, message):
    with pytest.raises(error, match=message):
        attention_forward(bad, np.ones((1, 1, 1)))


def test_zero_decoder_steps():
    with pytest.raises(ValueError, match="T_y = 0"):
        attention_forward(np.ones((2, 1, 3)), np.ones((2, 1, 0)))


def test_unknown_score():
    with pytest.raises(ValueError, match="score must be one of 'dot', 'additive', got 'cosine'"):
        attention_forward(np.ones((2, 1, 3)), np.ones((2, 1, 3)), score="cosine")


def test_parameters_belong_to_the_additive_score():
    a_enc, a_dec, parameters, _ = random_attention("additive", 3, 2, 4, 5)
    with pytest.raises(ValueError, match="the dot score has no parameters"):
        attention_forward(a_enc, a_dec, "dot", parameters)
    with pytest.raises(TypeError, match="the additive score needs parameters"):
        attention_forward(a_enc, a_dec, "additive")


@pytest.mark.parametrize("key, shape, message", [
    ("Wa", (4, 2), r"Wa: expected shape \(n_att, n_a_dec\) = \(4, 3\), got \(4, 2\)"),
    ("Ua", (3, 3), r"Ua: expected shape \(n_att, n_a\) = \(4, 3\), got \(3, 3\)"),
    ("va", (4,), r"va must have 2 dimensions"),
])
def test_additive_parameters_of_the_wrong_shape(key, shape, message):
    a_enc, a_dec, parameters, _ = random_attention("additive", 3, 2, 4, 5)
    parameters[key] = np.ones(shape)
    with pytest.raises(ValueError, match=message):
        attention_forward(a_enc, a_dec, "additive", parameters)


def test_additive_parameters_missing_a_key():
    a_enc, a_dec, parameters, _ = random_attention("additive", 3, 2, 4, 5)
    del parameters["va"]
    with pytest.raises(KeyError, match="'va'"):
        attention_forward(a_enc, a_dec, "additive", parameters)


def test_backward_refuses_a_wrong_upstream_gradient_or_cache():
    a_enc, a_dec, _, dcontext = random_attention("dot", 3, 2, 4, 5)
    outputs = attention_forward(a_enc, a_dec)
    with pytest.raises(ValueError, match=r"dcontext: expected shape \(n_a, m, T_y\) = \(3, 2, 5\), got \(3, 2, 4\)"):
        attention_backward(dcontext[:, :, :4], outputs[2])
    with pytest.raises(TypeError, match="pass only its last item"):
        attention_backward(dcontext, outputs)
    with pytest.raises(TypeError, match="cache must be the tuple of 6 items"):
        attention_backward(dcontext, (1, 2))
    with pytest.raises(TypeError, match="dcontext must be a numpy array"):
        attention_backward(dcontext.tolist(), outputs[2])
