"""Truncated BPTT: the chunking, the data streams and sampling."""
import numpy as np
import pytest

from BackwardPropagation import rnn_backward
from ForwardPropagation import rnn_forward
from gradient_check import numerical_gradient, relative_error
from helpers import random_rnn
from Loss import cross_entropy_loss, rnn_loss_and_gradients
from CharRNN import BACKWARD, FORWARD, evaluate, make_streams, sample, truncated_bptt_gradients
from checkpoint import UsageError
from program_support import one_hot


def problem(T_x=9, seed=0):
    x, a0, parameters, _ = random_rnn(3, 4, 5, 2, T_x, seed=seed)
    targets = np.random.default_rng(seed).integers(0, 5, size=(2, T_x))
    return x, a0, targets, parameters


@pytest.mark.parametrize("k", [9, 10, 100])
@pytest.mark.parametrize("passes", [(rnn_forward, rnn_backward), (FORWARD, BACKWARD)])
def test_one_chunk_is_exactly_full_bptt(k, passes):
    x, a0, targets, parameters = problem()
    [(loss, gradients, a_start)] = truncated_bptt_gradients(x, a0, targets, parameters, k, *passes)
    full_loss, full_gradients, _ = rnn_loss_and_gradients(x, a0, targets, parameters, *passes)
    assert loss == full_loss and a_start is a0
    for key in full_gradients:
        np.testing.assert_array_equal(gradients[key], full_gradients[key])


def test_training_passes_agree_with_the_tutorial_passes():
    # TruncatedBPTT.py trains with the vectorized passes; the tutorial's are the reference.
    x, a0, targets, parameters = problem()
    tutorial = truncated_bptt_gradients(x, a0, targets, parameters, 4, rnn_forward, rnn_backward)
    training = truncated_bptt_gradients(x, a0, targets, parameters, 4)
    for (loss_t, grads_t, start_t), (loss_v, grads_v, start_v) in zip(tutorial, training):
        assert loss_v == pytest.approx(loss_t, rel=1e-12)
        np.testing.assert_allclose(start_v, start_t, rtol=1e-12, atol=1e-14)
        for key in grads_t:
            np.testing.assert_allclose(grads_v[key], grads_t[key], rtol=1e-10, atol=1e-13, err_msg=key)


@pytest.mark.parametrize("k, chunk", [(3, 1), (3, 2), (4, 2), (1, 5)])
def test_a_later_chunk_gets_the_gradient_of_its_own_loss_with_its_start_fixed(k, chunk):
    x, a0, targets, parameters = problem()
    results = truncated_bptt_gradients(x, a0, targets, parameters, k)
    _, gradients, a_start = results[chunk]
    # the memory crossed the cut: the chunk starts where the full forward pass was
    a_full = rnn_forward(x, a0, parameters)[0]
    np.testing.assert_allclose(a_start, a_full[:, :, chunk * k - 1], rtol=1e-12)

    steps = slice(chunk * k, (chunk + 1) * k)
    a_fixed = a_start.copy()

    def chunk_loss():   # a_fixed does not depend on the parameters: the cut
        return cross_entropy_loss(rnn_forward(x[:, :, steps], a_fixed, parameters)[1], targets[:, steps])[0]

    for name, value in parameters.items():
        error = relative_error(gradients["d" + name], numerical_gradient(chunk_loss, value))
        assert error <= 1e-7, f"d{name}: relative error {error:.2e}"
    assert relative_error(gradients["da0"], numerical_gradient(chunk_loss, a_fixed)) <= 1e-7


def test_truncation_really_cuts_the_gradient():
    x, a0, targets, parameters = problem()
    truncated = truncated_bptt_gradients(x, a0, targets, parameters, 3)
    summed = sum(g["dWaa"] for _, g, _ in truncated)
    full = rnn_loss_and_gradients(x, a0, targets, parameters)[1]["dWaa"]
    assert sum(loss for loss, _, _ in truncated) == pytest.approx(rnn_loss_and_gradients(x, a0, targets, parameters)[0])
    assert np.abs(summed - full).max() > 1e-6      # same loss, different gradient: paths across cuts are gone


def test_streams_read_their_own_stretch():
    indices = np.arange(23)
    streams = make_streams(indices, batch=3, seq_length=5)
    # (23 - 1) // 3 = 7 characters per stream, plus one for the last target
    np.testing.assert_array_equal(streams, [np.arange(0, 8), np.arange(7, 15), np.arange(14, 22)])
    with pytest.raises(UsageError, match="need at least 31"):
        make_streams(indices, batch=3, seq_length=10)


def test_one_hot():
    x = one_hot(np.array([[2, 0], [1, 1]]), 3)
    assert x.shape == (3, 2, 2)
    np.testing.assert_array_equal(x[:, 0, 0], [0, 0, 1])
    np.testing.assert_array_equal(x[:, 1, 1], [0, 1, 0])
    np.testing.assert_array_equal(x.sum(axis=0), 1)


def test_sampling_is_seeded_and_a_cold_temperature_picks_the_likeliest():
    _, _, parameters, _ = random_rnn(3, 4, 3, 1, 1, seed=5)     # vocabulary of 3: n_x = n_y
    first = sample(parameters, 0, 50, 1.0, np.random.default_rng(7))
    assert first == sample(parameters, 0, 50, 1.0, np.random.default_rng(7))
    assert all(0 <= i < 3 for i in first)
    # greedy decoding written out independently: always the most probable next character
    greedy, a, index = [], np.zeros((4, 1)), 0
    for _ in range(30):
        x = np.eye(3)[:, [index]]
        a = np.tanh(parameters["Waa"] @ a + parameters["Wax"] @ x + parameters["ba"])
        index = int(np.argmax(parameters["Wya"] @ a + parameters["by"]))
        greedy.append(index)
    assert sample(parameters, 0, 30, 0.01, np.random.default_rng(3)) == greedy



@pytest.mark.parametrize("temperature", [1e-3, 0.01, 1e-6])
def test_the_bridge_draws_the_likeliest_character_at_a_cold_temperature(temperature):
    # No probability here is above 0.3, so p ** (1 / T) underflows to 0 for every character at
    # T = 1e-3 (0.3 ** 1000 < 1e-500): drawing from it gave index 0 whatever the probabilities.
    import TorchBridge                        # imports without torch too: draw is NumPy's
    probabilities = np.array([0.1, 0.2, 0.15, 0.3, 0.25])
    for uniform in (1e-9, 0.2, 0.5, 0.999999):
        assert TorchBridge.draw(probabilities, uniform, temperature) == 3
    # at T = 1 the inverse CDF: 0.1, 0.3, 0.45, 0.75, 1.0
    assert [TorchBridge.draw(probabilities, u, 1.0) for u in (0.05, 0.29, 0.31, 0.7, 0.8)] == [0, 1, 2, 3, 4]


def mean_cross_entropy_by_hand(parameters, pieces):
    """-log P(next character), averaged over every prediction, each piece read
    from a zero state in ONE rnn_forward call (the tutorial path, no chunks)."""
    vocab_size, hidden = parameters["Wya"].shape
    total, count = 0.0, 0
    for piece in pieces:
        x = np.eye(vocab_size)[piece[:-1]].T[:, None, :]            # (V, 1, T)
        _, y_pred, _ = rnn_forward(x, np.zeros((hidden, 1)), parameters)
        total -= sum(np.log(y_pred[target, 0, t]) for t, target in enumerate(piece[1:]))
        count += len(piece) - 1
    return total / count


@pytest.mark.parametrize("chunk", [3, 500])
def test_evaluate_reads_the_whole_text_as_one_stream(chunk):
    vocab_size, hidden = 6, 4
    _, _, parameters, _ = random_rnn(vocab_size, hidden, vocab_size, 1, 1, seed=7)
    indices = np.random.default_rng(7).integers(0, vocab_size, size=23)
    expected = mean_cross_entropy_by_hand(parameters, [indices])
    assert abs(evaluate(parameters, indices, chunk=chunk) - expected) < 1e-12


@pytest.mark.parametrize("stretch, chunk", [(5, 2), (5, 500), (20, 4)])
def test_evaluate_restarts_the_state_at_every_stretch(stretch, chunk):
    vocab_size, hidden = 6, 4
    _, _, parameters, _ = random_rnn(vocab_size, hidden, vocab_size, 1, 1, seed=8)
    indices = np.random.default_rng(8).integers(0, vocab_size, size=23)
    # stretches [0..5], [5..10], ..., [20..22]: each shares its last character
    # with the next one's first, so every character but the first is predicted once
    pieces = [indices[b:b + stretch + 1] for b in range(0, len(indices) - 1, stretch)]
    expected = mean_cross_entropy_by_hand(parameters, pieces)
    assert abs(evaluate(parameters, indices, stretch=stretch, chunk=chunk) - expected) < 1e-12
    assert abs(evaluate(parameters, indices, stretch=stretch) - evaluate(parameters, indices)) > 1e-6
