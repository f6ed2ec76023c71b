"""AttentionSeq2SeqModel.py: the whole model's gradient, greedy decoding against the forward pass, its checks."""
import numpy as np
import pytest

from AttentionSeq2SeqModel import (attention_seq2seq_forward, attention_seq2seq_loss,
                                   attention_seq2seq_loss_and_gradients, exact_match, greedy_decode, init_parameters,
                                   output_layer, parameter_keys)
from gradient_check import numerical_gradient, relative_error
from program_support import one_hot
from sequence_training import output_probabilities

TOLERANCE = 1e-7


def random_model(n_x, n_a, score, rng):
    """Parameters away from the start, float64, as tests/test_seq2seq.py makes them.

    The larger output layer makes the loss react strongly to every state, so
    that few gradient entries are small enough to drown in the rounding of the
    numerical gradient (about 1e-13 for a loss near 5).
    """
    shapes = init_parameters(n_x, n_a, score, rng)
    parameters = {key: 0.5 * rng.standard_normal(value.shape) for key, value in shapes.items()}
    parameters["Wy_dec"] *= 6
    if score == "additive":             # scores that differ: the weights, and so dWa, dUa, dva, are not tiny
        parameters["va"] *= 3
        parameters["Wa"] *= 2
    for suffix in ("_enc", "_dec"):
        parameters["bf" + suffix] += 1.0
    return parameters


def check_whole_model(parameters, x_enc, x_dec, targets, score):
    loss, gradients = attention_seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, score)
    assert set(gradients) == {"d" + key for key in parameter_keys(score)}
    for key in parameter_keys(score):
        numerical = numerical_gradient(lambda: attention_seq2seq_loss(parameters, x_enc, x_dec, targets, score),
                                       parameters[key])
        assert gradients["d" + key].shape == parameters[key].shape, key
        error = relative_error(gradients["d" + key], numerical)
        assert error <= TOLERANCE, f"{score} d{key}: relative error {error:.2e}"
    assert loss == attention_seq2seq_loss(parameters, x_enc, x_dec, targets, score)


@pytest.mark.parametrize("score", ["dot", "additive"])
@pytest.mark.parametrize("n_x, n_a, m, T_e, T_d", [(4, 3, 2, 3, 2), (2, 1, 1, 1, 1), (3, 2, 3, 4, 1),
                                                    (3, 2, 1, 2, 3)])
def test_every_gradient_of_the_whole_model(score, n_x, n_a, m, T_e, T_d):
    """End to end, float64: both LSTMs, the attention, the output layer, the score's weights."""
    rng = np.random.default_rng(n_x * 10 + m + T_e)
    parameters = random_model(n_x, n_a, score, rng)
    x_enc = rng.standard_normal((n_x, m, T_e))         # any input works; random ones reach every weight
    x_dec = rng.standard_normal((n_x, m, T_d))
    targets = rng.integers(n_x, size=(m, T_d))
    check_whole_model(parameters, x_enc, x_dec, targets, score)


@pytest.mark.parametrize("score", ["dot", "additive"])
def test_every_gradient_on_one_hot_questions(score):
    rng = np.random.default_rng(5)
    parameters = random_model(5, 3, score, rng)
    symbols = rng.integers(5, size=(2, 6))
    x_enc, x_dec = one_hot(symbols, 5), one_hot(symbols[:, :3], 5)
    check_whole_model(parameters, x_enc, x_dec, symbols[:, 1:4], score)


def test_every_encoder_state_gets_a_gradient():
    """The cure, in one assertion: with attention the loss reaches the encoder's first steps directly,
    so the first step's input weights get a gradient even if the LSTM forgets everything between steps."""
    rng = np.random.default_rng(3)
    parameters = random_model(4, 3, "dot", rng)
    parameters["bf_enc"][:] = -30.0                    # forget gate shut: nothing travels along the encoder
    x_enc = np.zeros((4, 1, 5))
    x_enc[0, 0, 0] = 1.0                               # only the first step reads symbol 0
    x_enc[1, 0, 1:] = 1.0
    x_dec = one_hot(np.array([[2, 3]]), 4)
    _, gradients = attention_seq2seq_loss_and_gradients(parameters, x_enc, x_dec, np.array([[0, 1]]))
    first_symbol_weights = gradients["dWi_enc"][:, 3]    # column n_a + 0: the input weights of symbol 0
    assert np.abs(first_symbol_weights).max() > 1e-3


@pytest.mark.parametrize("score", ["dot", "additive"])
def test_greedy_decoding_is_the_forward_pass_fed_its_own_answers(score):
    """Step by step with the cell, or all at once with the passes: the same states, weights and choices."""
    rng = np.random.default_rng(11)
    parameters = random_model(6, 4, score, rng)
    x_enc = one_hot(rng.integers(6, size=(5, 7)), 6)
    written, alphas = greedy_decode(parameters, x_enc, steps=4, start=5, score=score)
    fed = np.concatenate([np.full((5, 1), 5), written[:, :-1]], axis=1)
    readout, forward_alphas, _ = attention_seq2seq_forward(parameters, x_enc, one_hot(fed, 6), score)
    np.testing.assert_allclose(alphas, forward_alphas, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(output_probabilities(readout, output_layer(parameters)).argmax(axis=0), written)
    accuracy, again = exact_match(parameters, x_enc, written, start=5, score=score, chunk=2)
    assert accuracy == 1.0 and np.array_equal(again, written)


def test_gradients_repeat_and_inputs_are_untouched():
    rng = np.random.default_rng(2)
    parameters = random_model(4, 3, "additive", rng)
    x_enc, x_dec = rng.standard_normal((4, 2, 5)), rng.standard_normal((4, 2, 3))
    targets = rng.integers(4, size=(2, 3))
    copies = {key: value.copy() for key, value in parameters.items()}
    inputs = (x_enc.copy(), x_dec.copy(), targets.copy())
    first = attention_seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, "additive")
    second = attention_seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, "additive")
    assert first[0] == second[0]
    for key in first[1]:
        np.testing.assert_array_equal(first[1][key], second[1][key])
    for key, value in copies.items():
        np.testing.assert_array_equal(parameters[key], value)
    for array, copy in zip((x_enc, x_dec, targets), inputs):
        np.testing.assert_array_equal(array, copy)


def test_float32_model_trains_in_float32():
    rng = np.random.default_rng(0)
    parameters = init_parameters(5, 4, "dot", rng, np.float32)
    symbols = rng.integers(5, size=(3, 4))
    _, gradients = attention_seq2seq_loss_and_gradients(parameters, one_hot(symbols, 5, np.float32),
                                                        one_hot(symbols, 5, np.float32), symbols)
    assert all(g.dtype == np.float32 for g in gradients.values())
    written, alphas = greedy_decode(parameters, one_hot(symbols, 5, np.float32), steps=2, start=0)
    assert alphas.dtype == np.float32 and written.shape == (3, 2)


def test_the_model_checks_what_only_it_knows():
    rng = np.random.default_rng(0)
    parameters = init_parameters(5, 4, "dot", rng)
    x = one_hot(rng.integers(5, size=(3, 4)), 5)
    targets = rng.integers(5, size=(3, 4))
    with pytest.raises(ValueError, match=r"Wy_dec: expected shape \(V, 2 n_a\) = \(5, 8\), got \(5, 4\)"):
        attention_seq2seq_loss_and_gradients(dict(parameters, Wy_dec=np.zeros((5, 4))), x, x, targets)
    with pytest.raises(ValueError, match=r"x_dec: expected shape \(V, m, 4\) = \(5, 3, 4\), got \(5, 2, 4\)"):
        attention_seq2seq_loss_and_gradients(parameters, x, x[:, :2], targets)
    with pytest.raises(KeyError, match="'Wa'"):
        attention_seq2seq_loss_and_gradients(parameters, x, x, targets, "additive")
    with pytest.raises(ValueError, match="score must be one of 'dot', 'additive', got 'general'"):
        init_parameters(5, 4, "general", rng)
