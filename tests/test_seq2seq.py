"""Seq2Seq.py: the whole model's gradient, the data set, greedy decoding, and the program as a user runs it."""
import contextlib
import io
import os
import re
import signal

import numpy as np
import pytest

import Seq2Seq
from helpers import assert_gradients_match
from LSTM_UNIT_CELL import LSTM_GATES
from program_support import one_hot
from Seq2SeqModel import (PARAMETER_KEYS, SEPARATOR, SYMBOLS, V, decode, encode_problems, greedy_decode,
                          init_parameters, make_problems, output_layer, random_numbers, seq2seq_forward, seq2seq_loss,
                          seq2seq_loss_and_gradients)
from sequence_training import output_probabilities

TINY = ["--hidden", "8", "--train-size", "300", "--test-size", "60", "--batch", "50"]


def random_model(n_x, n_a, peeky, rng):
    """Parameters away from the start (gates neither saturated nor at one half), float64.

    A larger output layer makes the loss react strongly to every state, so
    that gradient entries are rarely small enough to drown in rounding: the
    numerical gradient of a loss near 5 carries about 1e-13 of float64
    rounding, more than 1e-7 of an entry near 1e-6 (docs/encoder-decoder.md).
    """
    shapes = init_parameters(n_x, n_a, peeky, rng)
    parameters = {key: 0.5 * rng.standard_normal(value.shape) for key, value in shapes.items()}
    parameters["Wy_dec"] *= 6
    for suffix in ("_enc", "_dec"):
        parameters["bf" + suffix] += 1.0
    return parameters


def check_whole_model(parameters, x_enc, x_dec, targets, peeky):
    loss, gradients = seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, peeky)
    assert set(gradients) == {"d" + key for key in PARAMETER_KEYS}
    assert_gradients_match(gradients, {"d" + key: parameters[key] for key in PARAMETER_KEYS},
                           lambda: seq2seq_loss(parameters, x_enc, x_dec, targets, peeky))
    assert loss == seq2seq_loss(parameters, x_enc, x_dec, targets, peeky)


# ---------------------------------------------------------------- gradients

@pytest.mark.parametrize("peeky", [False, True])
@pytest.mark.parametrize("n_x, n_a, m, T_e, T_d", [(4, 3, 2, 3, 2), (2, 1, 1, 1, 1), (3, 2, 3, 2, 3)])
def test_every_gradient_of_the_whole_model(peeky, n_x, n_a, m, T_e, T_d):
    # Any input works (a one-hot is a special case): random ones reach every weight.
    rng = np.random.default_rng(n_x * 10 + m)
    parameters = random_model(n_x, n_a, peeky, rng)
    x_enc = rng.standard_normal((n_x, m, T_e))
    x_dec = rng.standard_normal((n_x, m, T_d))
    targets = rng.integers(0, n_x, (m, T_d))
    check_whole_model(parameters, x_enc, x_dec, targets, peeky)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("peeky", [False, True])
def test_every_gradient_on_real_problems(reverse, peeky):
    rng = np.random.default_rng(3)
    pairs = np.array([[57, 641], [9, 88]])
    questions, decoder_inputs, targets = encode_problems(pairs, reverse)
    parameters = random_model(V, 2, peeky, rng)
    check_whole_model(parameters, one_hot(questions, V), one_hot(decoder_inputs, V), targets, peeky)


def test_the_gradient_is_the_same_twice_and_the_inputs_are_untouched():
    rng = np.random.default_rng(0)
    parameters = random_model(4, 3, True, rng)
    x_enc, x_dec = rng.standard_normal((4, 2, 3)), rng.standard_normal((4, 2, 2))
    targets = rng.integers(0, 4, (2, 2))
    copies = {key: value.copy() for key, value in parameters.items()}
    first = seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, True)[1]
    second = seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, True)[1]
    for key in first:
        assert np.array_equal(first[key], second[key]), key
    for key in parameters:
        assert np.array_equal(parameters[key], copies[key]), key


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    parameters = init_parameters(V, 4, True, rng, np.float32)
    questions, decoder_inputs, targets = encode_problems(np.array([[1, 2]]), True)
    _, gradients = seq2seq_loss_and_gradients(parameters, one_hot(questions, V, np.float32),
                                              one_hot(decoder_inputs, V, np.float32), targets, True)
    assert all(g.dtype == np.float32 for g in gradients.values())


def test_bad_arguments_name_what_is_wrong():
    rng = np.random.default_rng(0)
    parameters = init_parameters(4, 3, False, rng)
    x_enc, x_dec, targets = np.zeros((4, 2, 3)), np.zeros((4, 2, 2)), np.zeros((2, 2), dtype=int)
    with pytest.raises(ValueError, match="Wf_dec.*n_a \\+ V \\+ n_a"):
        seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, peeky=True)
    with pytest.raises(ValueError, match="x_dec"):
        seq2seq_loss_and_gradients(parameters, x_enc, np.zeros((4, 3, 2)), targets, peeky=False)
    del parameters["Wy_dec"]
    with pytest.raises(KeyError, match="Wy_dec"):
        seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, peeky=False)


# ---------------------------------------------------------------- the data

def test_the_held_out_problems_are_never_trained_on():
    train, test = make_problems(20_000, 5_000)
    assert train.shape == (20_000, 2) and test.shape == (5_000, 2)
    as_sets = [{(min(a, b), max(a, b)) for a, b in pairs.tolist()} for pairs in (train, test)]
    assert len(as_sets[0]) == 20_000 and len(as_sets[1]) == 5_000      # distinct, a+b and b+a as one
    assert not as_sets[0] & as_sets[1]
    assert train.min() >= 0 and train.max() <= 999
    again_train, again_test = make_problems(20_000, 5_000)
    assert np.array_equal(train, again_train) and np.array_equal(test, again_test)   # seeded
    digits = np.array([len(str(n)) for n in train.ravel()])
    for d in (1, 2, 3):                               # every length is trained on
        assert np.mean(digits == d) > 0.05, d


def test_each_length_of_number_is_drawn_a_third_of_the_time():
    numbers = random_numbers(np.random.default_rng(0), 30_000)
    digits = np.array([len(str(n)) for n in numbers])
    for d in (1, 2, 3):
        assert abs(np.mean(digits == d) - 1 / 3) < 0.02, d


def test_the_text_of_a_problem():
    questions, decoder_inputs, targets = encode_problems(np.array([[57, 641], [999, 999], [0, 3]]), reverse=False)
    assert ["".join(SYMBOLS[i] for i in row) for row in questions] == ["57+641 ", "999+999", "0+3    "]
    assert ["".join(SYMBOLS[i] for i in row) for row in decoder_inputs] == ["_698", "_199", "_3  "]
    assert ["".join(SYMBOLS[i] for i in row) for row in targets] == ["698 ", "1998", "3   "]
    reversed_questions, _, _ = encode_problems(np.array([[57, 641]]), reverse=True)
    assert "".join(SYMBOLS[i] for i in reversed_questions[0]) == " 146+75"
    assert decode(targets[0]) == "698"


# ---------------------------------------------------------------- greedy decoding

def successor_decoder(n_a, peeky, successor, rng):
    """A model whose decoder writes successor(s) after reading symbol s, whatever the question.

    Forget gate shut (bf = -20), input and output gates open (+20), and the
    candidate cct = tanh(20 one_hot(s)): the state holds the symbol just
    read, a = tanh(tanh(20)) ~ 0.76 in unit s. Wy sends unit s to class successor(s).
    """
    parameters = init_parameters(V, n_a, peeky, rng)
    for g, bias in zip("fico", (-20.0, 20.0, 0.0, 20.0)):
        parameters["W" + g + "_dec"][:] = 0
        parameters["b" + g + "_dec"][:] = bias
    parameters["Wc_dec"][:, n_a:n_a + V] = 20 * np.eye(V)          # the columns that read the symbol
    parameters["Wy_dec"][:] = 0
    for s in range(V):
        parameters["Wy_dec"][successor(s), s] = 10
    parameters["by_dec"][:] = 0
    return parameters


@pytest.mark.parametrize("peeky", [False, True])
def test_greedy_decoding_feeds_back_what_it_wrote(peeky):
    def successor(s):
        return (s + 5) % V
    rng = np.random.default_rng(0)
    parameters = successor_decoder(V, peeky, successor, rng)
    questions, _, _ = encode_problems(np.array([[1, 2], [345, 67]]), reverse=True)
    written = greedy_decode(parameters, one_hot(questions, V), peeky)
    expected, symbol = [], SEPARATOR            # written out by hand: 12 -> 4 -> 9 -> 1 -> 6
    for _ in range(4):
        symbol = successor(symbol)
        expected.append(symbol)
    assert expected == [4, 9, 1, 6]
    assert written.tolist() == [expected, expected]


@pytest.mark.parametrize("peeky", [False, True])
def test_greedy_answers_are_what_teacher_forcing_predicts_on_them(peeky):
    # Fed its own answers as if they were the truth, the sequence pass must predict the same symbols.
    rng = np.random.default_rng(1)
    parameters = random_model(V, 6, peeky, rng)
    questions, _, _ = encode_problems(make_problems(20, 5)[0], reverse=False)
    x_enc = one_hot(questions, V)
    written = greedy_decode(parameters, x_enc, peeky)
    fed = np.concatenate([np.full((len(written), 1), SEPARATOR), written[:, :-1]], axis=1)
    a_dec, _ = seq2seq_forward(parameters, x_enc, one_hot(fed, V), peeky)
    predicted = output_probabilities(a_dec, output_layer(parameters)).argmax(axis=0)
    assert np.array_equal(predicted, written)
    assert len(set(written.ravel().tolist())) > 1       # not a model that always writes one symbol


# ---------------------------------------------------------------- the program

class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(*args):
    """Seq2Seq.main as `python Seq2Seq.py ARGS` would run it, in this process (no second numpy import)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = Seq2Seq.main(list(args))
        except SystemExit as stop:              # argparse's errors
            code = stop.code
    return Result(code, stdout.getvalue(), stderr.getvalue())


def assert_clean_error(result, *fragments):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def saved_parameters(path):
    with np.load(path) as data:
        return {key: data["param_" + key] for key in PARAMETER_KEYS}


def test_a_run_ends_with_the_exact_match_line_and_resumes_exactly(tmp_path):
    straight, halves = str(tmp_path / "straight.npz"), str(tmp_path / "halves.npz")
    result = run(*TINY, "--epochs", "2", "--checkpoint", straight)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"seq2seq addition: exact match \d\.\d{4} on 60 held-out problems",
                        result.stdout.strip().splitlines()[-1])
    assert "wrong, the sum is" in result.stdout                 # a tiny model: wrong answers shown
    assert "epoch 2/2" in result.stderr                         # the progress line
    assert run(*TINY, "--epochs", "1", "--checkpoint", halves).returncode == 0
    resumed = run("--resume", "--epochs", "2", "--checkpoint", halves)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from" in resumed.stdout and "at epoch 1" in resumed.stdout
    one, other = saved_parameters(straight), saved_parameters(halves)
    for key in PARAMETER_KEYS:                                   # the same batches, the same Adam state
        assert np.array_equal(one[key], other[key]), key
    assert resumed.stdout.splitlines()[-1] == result.stdout.splitlines()[-1]
    assert not [name for name in os.listdir(tmp_path) if "tmp" in name]


def test_sigterm_saves_in_the_middle_of_an_epoch_and_resume_goes_on(tmp_path, monkeypatch):
    # SIGTERM is sent as soon as the progress line reports a position inside the first epoch, so the
    # test does not depend on how fast the machine trains (a timer would: a fast one ends the epoch first).
    class SigtermInFirstEpoch(Seq2Seq.StatusLine):
        def show(self, text, keep=False):
            super().show(text, keep)
            if text.startswith("epoch 1/") and "problems 400/" in text:
                os.kill(os.getpid(), signal.SIGTERM)      # the handler runs at once, in this (the main) thread
    monkeypatch.setattr(Seq2Seq, "StatusLine", SigtermInFirstEpoch)
    path = str(tmp_path / "model.npz")
    result = run(*TINY, "--train-size", "2000", "--batch", "20", "--epochs", "50", "--checkpoint", path)
    assert result.returncode == 128 + signal.SIGTERM, result.stderr
    assert "Traceback" not in result.stderr and "--resume" in result.stderr
    assert "stopped by SIGTERM at epoch 0 (+400 problems)" in result.stderr
    with np.load(path) as data:
        assert int(data["epoch"]) == 0 and int(data["position"]) == 400
    monkeypatch.undo()
    resumed = run("--resume", "--epochs", "0", "--checkpoint", path)
    assert resumed.returncode == 0, resumed.stderr
    assert "at epoch 0 (+400 problems)" in resumed.stdout.splitlines()[0]


def test_it_never_overwrites_what_it_did_not_write(tmp_path):
    precious = tmp_path / "notes.npz"
    precious.write_text("my notes")
    assert_clean_error(run(*TINY, "--epochs", "1", "--checkpoint", str(precious)), "refusing to overwrite")
    assert precious.read_text() == "my notes"
    own = str(tmp_path / "model.npz")
    assert run(*TINY, "--epochs", "1", "--checkpoint", own).returncode == 0
    assert_clean_error(run(*TINY, "--epochs", "1", "--checkpoint", own), "--resume", "--overwrite")
    assert run(*TINY, "--epochs", "1", "--checkpoint", own, "--overwrite").returncode == 0
    assert_clean_error(run("--resume", "--hidden", "16", "--checkpoint", own), "--hidden 16", "checkpoint's 8")
    assert_clean_error(run("--resume", "--no-peeky", "--checkpoint", own), "--peeky False")


@pytest.mark.parametrize("arguments, fragment", [
    (["--hidden", "0"], "--hidden"), (["--batch", "-1"], "--batch"), (["--lr", "0"], "--lr"),
    (["--epochs", "-1"], "--epochs"), (["--hidden", "ten"], "--hidden"), (["--test-size", "nan"], "--test-size"),
    (["--resume", "--overwrite"], "only one"), (["--compare", "x", "--reverse"], "leave them out"),
    (["--train-size", "400000", "--test-size", "5000"], "at most 400,000"),
])
def test_bad_options_give_one_line(arguments, fragment, tmp_path):
    assert_clean_error(run(*arguments, "--checkpoint", str(tmp_path / "m.npz"))
                       if "--compare" not in arguments else run(*arguments), fragment)


def test_resume_without_a_checkpoint(tmp_path):
    assert_clean_error(run("--resume", "--checkpoint", str(tmp_path / "none.npz")), "no checkpoint at")


def test_compare_prints_the_three_settings(tmp_path):
    result = run("--compare", str(tmp_path / "out"), "--hidden", "4", "--train-size", "100", "--test-size", "20",
                 "--epochs", "1")
    assert result.returncode == 0, result.stderr
    for name in ("| plain |", "| reversed |", "| reversed + peeky |"):
        assert name in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("seq2seq addition: exact match")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert (tmp_path / "out" / "Seq2SeqAccuracy.png").read_bytes()[:4] == b"\x89PNG"
