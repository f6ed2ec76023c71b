"""The encoder-decoder (sequence to sequence) model: two LSTMs that learn to add numbers written as text.

This file is the model a learner reads: the data, the parameters, the
forward pass, the loss and its gradient, greedy decoding and exact match.
The program that trains it, saves it and compares the tricks is Seq2Seq.py
(python Seq2Seq.py --help), as Deep Learning from Scratch 2 keeps seq2seq.py
apart from train_seq2seq.py.

The question "57+641" and the answer "698" have different lengths, and no
symbol of the answer belongs to one symbol of the question: a single RNN
that predicts at every step of its input cannot do this. Two LSTMs can:

- the encoder reads the question, one symbol per step, and hands on nothing
  but its last hidden state h (n_a, m): everything it knows about the sum;
- the decoder starts from that state (a0 = h) and writes the answer one
  symbol per step, each step reading the symbol written before it. The first
  input is the separator "_", which says "start writing".

Both are the LSTM passes of the earlier chapters (no new cell, no new loop),
and the loss is Loss.py's cross-entropy with the output layer Wy, by of the
decoder. With V symbols, n_a hidden units, m problems, T_e = 7 question steps
and T_d = 4 answer steps:

    encoder:  a_enc = LSTM_enc(x_enc, a0 = 0)           x_enc (V, m, T_e), a_enc (n_a, m, T_e)
              h = a_enc[:, :, -1]                       (n_a, m)
    decoder:  a_dec = LSTM_dec(x_dec, a0 = h)           x_dec (V, m, T_d), or (V + n_a, m, T_d) if peeky
              y = softmax(Wy a_dec + by)                (V, m, T_d)
              L = cross-entropy of y and the answer     (summed over steps, averaged over problems)

Training uses teacher forcing: x_dec is the TRUE answer shifted one step
right ("_698" in, "698 " out), so every step learns from a correct history
even while the model's own guesses are still wrong. At test time there is
no true answer, so decoding is greedy: feed "_", take the most likely
symbol, feed it back, four times.

The decoder's cell state starts at zero: the LSTM passes we compose take a0
only (lstm_forward starts c at zero), and h = o * tanh(c) already carries
what the encoder's cell state holds, squashed. Deep Learning from Scratch 2
hands on h alone too.

Two tricks, each an argument here and a flag of Seq2Seq.py (both on by
default, the best setting):
- reverse (--reverse) feeds the question backwards (Sutskever et al., 2014). The
  answer is written leading digit first, and that digit depends most on
  the leading digits of the numbers: read normally, the first number's
  leading digit is the first symbol read, a whole encoder before the
  answer; reversed, it is the last, just before the decoder starts. Short
  paths carry strong gradients, and learning starts from them.
- peeky (--peeky) also gives the decoder h at EVERY step, concatenated under the
  symbol it reads: x_dec<t> = [one_hot(symbol); h]. The decoder no longer
  has to keep the whole question alive in its own state.

Backward, the gradient reaches h by two roads: through the decoder's da0
and, with peeky, through the bottom n_a rows of the decoder's dx at every
step. Their sum is the only upstream gradient of the encoder, at its last
step (its other steps have no loss of their own).
"""
import math

import numpy as np

from LSTM_UNIT_CELL import LSTM_GATES, lstm_cell_forward
from program_support import one_hot
from sequence_training import check_count, check_labels, output_loss
from validation import (agreed_size, arguments_checked, cast, check_array, check_dims, check_parameters, check_shape,
                        result_dtype)
from VectorizedLSTM import lstm_backward_vectorized, lstm_states_vectorized


# The sequence passes the model is built from: hidden states forward, gradients back
# (VectorizedLSTM.py: the numbers of lstm_forward/lstm_backward, a few times faster).
LSTM_STATES, LSTM_STATES_BACKWARD = lstm_states_vectorized, lstm_backward_vectorized


# ---------------------------------------------------------------- the data

SYMBOLS = "0123456789+ _"            # digits, plus, the padding space, the separator
SYMBOL_INDEX = {s: i for i, s in enumerate(SYMBOLS)}
V = len(SYMBOLS)
SEPARATOR = SYMBOL_INDEX["_"]
QUESTION_LENGTH = 7                  # "999+999"
ANSWER_LENGTH = 4                    # "1998": the decoder writes 4 symbols after "_"
DATA_SEED = 2014                     # the problems are the same whatever --seed says


def random_numbers(rng, count):
    """`count` numbers of 1, 2 or 3 digits, each length equally likely (as Keras' example draws them).

    Returns an int64 array (count,): 0-9, 10-99 and 100-999 each a third of the time.
    """
    digits = rng.integers(1, 4, size=count)
    low = np.where(digits == 1, 0, 10 ** (digits - 1))
    return rng.integers(low, 10 ** digits)


def make_problems(train_size, test_size, seed=DATA_SEED):
    """Distinct addition problems, split at random into a training set and a held-out set.

    a+b and b+a count as the same problem (same answer, same digits): neither is
    allowed in both sets. Draws until train_size + test_size distinct problems
    exist, shuffles them, and gives the first test_size to the held-out set.

    Arguments:
    train_size -- number of training problems
    test_size -- number of held-out problems
    seed -- seed of the generator (a fixed one by default, so every run sees the same sets)

    Returns:
    train -- int64 array (train_size, 2): the two numbers of every training problem
    test -- int64 array (test_size, 2)
    """
    total = train_size + test_size
    if total > 400_000:        # there are 500,500 distinct pairs; drawing the last ones takes forever
        raise ValueError(f"train_size + test_size must be at most 400,000, got {total:,}")
    rng = np.random.default_rng(seed)
    pairs = np.zeros((0, 2), dtype=np.int64)
    while len(pairs) < total:
        new = np.stack([random_numbers(rng, total), random_numbers(rng, total)], axis=1)
        pairs = np.concatenate([pairs, new])
        key = pairs.min(axis=1) * 1000 + pairs.max(axis=1)        # one key for a+b and b+a
        _, first = np.unique(key, return_index=True)
        pairs = pairs[np.sort(first)]                             # keep each problem's first draw, in order
    pairs = rng.permutation(pairs[:total])
    return pairs[test_size:], pairs[:test_size]


def encode(texts, length):
    """Symbol indices of strings padded with spaces on the right: int64 array (len(texts), length)."""
    return np.array([[SYMBOL_INDEX[s] for s in text.ljust(length)] for text in texts], dtype=np.int64)


def encode_problems(pairs, reverse):
    """The encoder's symbols, the decoder's (teacher-forced) inputs and the targets.

    Arguments:
    pairs -- int array (N, 2) of the two numbers
    reverse -- feed the question backwards ("57+641 " is read " 146+75")

    Returns:
    questions -- int64 (N, 7): "57+641 " (or reversed)
    decoder_inputs -- int64 (N, 4): "_698", the answer shifted right behind the separator
    targets -- int64 (N, 4): "698 ", what each decoder step must write
    """
    questions = encode([f"{a}+{b}" for a, b in pairs], QUESTION_LENGTH)
    if reverse:
        questions = questions[:, ::-1].copy()
    answers = encode([f"_{a + b}" for a, b in pairs], ANSWER_LENGTH + 1)
    return questions, answers[:, :-1], answers[:, 1:]


def decode(indices):
    """The text of a row of symbol indices, trailing padding removed."""
    return "".join(SYMBOLS[i] for i in indices).rstrip()


def one_hot_problems(pairs, reverse, dtype):
    """The model's arrays for a set of problems: x_enc (V, N, 7), x_dec (V, N, 4), targets (N, 4)."""
    questions, decoder_inputs, targets = encode_problems(pairs, reverse)
    return one_hot(questions, V, dtype), one_hot(decoder_inputs, V, dtype), targets


# ---------------------------------------------------------------- the model

ENCODER_KEYS = [key + "_enc" for g in LSTM_GATES for key in ("W" + g, "b" + g)]
DECODER_KEYS = [key + "_dec" for g in LSTM_GATES for key in ("W" + g, "b" + g)] + ["Wy_dec", "by_dec"]
PARAMETER_KEYS = ENCODER_KEYS + DECODER_KEYS


def init_parameters(n_x, n_a, peeky, rng, dtype=np.float64):
    """Random weights for the encoder, the decoder and its output layer.

    Gate weights are normal with variance 1 / (number of inputs), so that every
    gate's input starts of order 1 (Xavier/Glorot's scale); biases start at
    zero, except the forget gates' at 1, the usual start that keeps the cell
    state's memory open.

    Arguments:
    n_x -- symbols in the vocabulary (V)
    n_a -- hidden units of both LSTMs
    peeky -- the decoder reads [symbol; h], n_x + n_a rows, instead of n_x
    rng -- numpy Generator
    dtype -- float64 (gradient checks) or float32 (training: twice as fast)

    Returns:
    parameters -- dict of the keys in PARAMETER_KEYS: W*_enc (n_a, n_a + n_x),
        W*_dec (n_a, n_a + n_x [+ n_a]), b* (n_a, 1), Wy_dec (n_x, n_a), by_dec (n_x, 1)
    """
    parameters = {}
    for suffix, inputs in (("_enc", n_x), ("_dec", n_x + (n_a if peeky else 0))):
        for g in LSTM_GATES:
            parameters["W" + g + suffix] = rng.standard_normal((n_a, n_a + inputs)) / math.sqrt(n_a + inputs)
            parameters["b" + g + suffix] = np.full((n_a, 1), 1.0 if g == "f" else 0.0)
    parameters["Wy_dec"] = rng.standard_normal((n_x, n_a)) / math.sqrt(n_a)
    parameters["by_dec"] = np.zeros((n_x, 1))
    return {key: value.astype(dtype) for key, value in parameters.items()}


def part(parameters, suffix):
    """The parameters of one network, named as the LSTM passes want them: part(p, "_enc")["Wf"]."""
    return {key[:-len(suffix)]: value for key, value in parameters.items() if key.endswith(suffix)}


def check_model(parameters, x_enc, x_dec, peeky):
    """Check the arguments of the model's functions once; give them back in the call's dtype, with (n_a, m).

    The LSTM passes would check the gates too, but under the names they know
    ("Wf", not "Wf_enc"); this checks every array under its own name, reads
    n_a from what most of them say (so the odd one out is named), and makes
    one dtype for the whole call (validation.py's policy): a float64 decoder
    under a float32 encoder makes both float64.

    Arguments as seq2seq_loss_and_gradients; x_dec None when there is none (greedy decoding).
    """
    check_parameters(parameters, PARAMETER_KEYS)
    for key in PARAMETER_KEYS:
        check_array(key, parameters[key], 2)
    if not isinstance(peeky, (bool, np.bool_)):
        raise TypeError(f"peeky must be True or False, got {type(peeky).__name__}")
    check_array("x_enc", x_enc, 3)
    n_x, m, T_e = x_enc.shape
    check_dims({"V": n_x, "m": m, "T_e": T_e}, f"x_enc has shape {x_enc.shape}")
    if x_dec is not None:
        check_array("x_dec", x_dec, 3)
        check_shape("x_dec", x_dec, ("V", "m", "T_d"), {"V": n_x, "m": m, "T_d": max(x_dec.shape[2], 1)})
    p = parameters
    n_a = agreed_size([p[key].shape[0] for key in PARAMETER_KEYS if not key.endswith("y_dec")] + [p["Wy_dec"].shape[1]])
    width = "n_a + V + n_a" if peeky else "n_a + V"          # the decoder reads [a_prev; symbol (; h)]
    dims = {"n_a": n_a, "V": n_x, "n_a + V": n_a + n_x, width: n_a + n_x + (n_a if peeky else 0)}
    for g in LSTM_GATES:
        for suffix, columns in (("_enc", "n_a + V"), ("_dec", width)):
            check_shape("W" + g + suffix, p["W" + g + suffix], ("n_a", columns), dims)
            check_shape("b" + g + suffix, p["b" + g + suffix], ("n_a", 1), dims)
    check_shape("Wy_dec", p["Wy_dec"], ("V", "n_a"), dims)
    check_shape("by_dec", p["by_dec"], ("V", 1), dims)
    inputs = [x_enc] + ([] if x_dec is None else [x_dec])
    parameters, x_enc, x_dec = cast(result_dtype(*inputs, *p.values()), (parameters, x_enc, x_dec))
    return parameters, x_enc, x_dec, n_a, m


def peek(x_dec, h):
    """With peeky, the decoder's input at every step is [symbol; h]: (V + n_a, m, T_d)."""
    T_d = x_dec.shape[2]
    return np.concatenate([x_dec, np.repeat(h[:, :, None], T_d, axis=2)], axis=0)


def encode_question(parameters, x_enc):
    """Run the encoder; give h, its last hidden state (n_a, m), and the cache for the backward."""
    n_a, m = parameters["Wf_enc"].shape[0], x_enc.shape[1]
    a_enc, _, cache = LSTM_STATES(x_enc, np.zeros((n_a, m), x_enc.dtype), part(parameters, "_enc"))
    return a_enc[:, :, -1], cache


def seq2seq_forward(parameters, x_enc, x_dec, peeky):
    """The forward pass with teacher forcing, up to the decoder's hidden states.

    Arguments:
    parameters -- dict with PARAMETER_KEYS (see init_parameters)
    x_enc -- the questions, one-hot, shape (V, m, T_e)
    x_dec -- the decoder's inputs, one-hot: the true answer behind the separator, (V, m, T_d)
    peeky -- feed the encoder's state to every decoder step

    Returns:
    a_dec -- the decoder's hidden states, (n_a, m, T_d): the output layer reads them
    caches -- (encoder cache, decoder cache) for seq2seq_loss_and_gradients
    """
    parameters, x_enc, x_dec, _, _ = check_model(parameters, x_enc, x_dec, peeky)
    h, encoder_cache = encode_question(parameters, x_enc)
    decoder_input = peek(x_dec, h) if peeky else x_dec
    a_dec, _, decoder_cache = LSTM_STATES(decoder_input, h, part(parameters, "_dec"))
    return a_dec, (encoder_cache, decoder_cache)


def output_layer(parameters):
    """The decoder's output layer under the names sequence_training's output functions use."""
    return {"Wya": parameters["Wy_dec"], "by": parameters["by_dec"]}


def seq2seq_loss(parameters, x_enc, x_dec, targets, peeky):
    """The loss alone (no backward pass): what the gradient checks differentiate numerically.

    Arguments as seq2seq_loss_and_gradients; returns the same loss, a float.
    """
    a_dec, _ = seq2seq_forward(parameters, x_enc, x_dec, peeky)
    return output_loss(a_dec, targets, output_layer(parameters))[0]


def seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, peeky):
    """The loss of a batch with teacher forcing, and its gradient with respect to every parameter.

    Arguments:
    parameters, x_enc, x_dec, peeky -- as for seq2seq_forward
    targets -- the symbol each decoder step must write, int array (m, T_d)

    Returns:
    loss -- float, cross-entropy summed over the T_d steps, averaged over the m problems
    gradients -- dict "d" + every key of parameters, each of its parameter's shape

    Its gradient check: tests/test_seq2seq.py::test_every_gradient_of_the_whole_model.
    """
    a_dec, (encoder_cache, decoder_cache) = seq2seq_forward(parameters, x_enc, x_dec, peeky)
    n_a, m = a_dec.shape[:2]
    # softmax(Wy a<t> + by) at every step, its cross-entropy, and the way back to a_dec
    loss, output_gradients, da_dec = output_loss(a_dec, targets, output_layer(parameters))

    # backward: the decoder, then everything that reached h goes into the encoder
    decoder_gradients = LSTM_STATES_BACKWARD(da_dec, decoder_cache)
    dh = decoder_gradients["da0"]
    if peeky:                                     # h was read at every step: add up every step's share
        dh = dh + decoder_gradients["dx"][x_dec.shape[0]:].sum(axis=2)
    da_enc = np.zeros((n_a, m, x_enc.shape[2]), dh.dtype)
    da_enc[:, :, -1] = dh                         # the encoder's only loss is through its last state
    encoder_gradients = LSTM_STATES_BACKWARD(da_enc, encoder_cache)

    gradients = {"dWy_dec": output_gradients["dWya"], "dby_dec": output_gradients["dby"]}
    for key in ENCODER_KEYS:
        gradients["d" + key] = encoder_gradients["d" + key[:-4]]
    for key in DECODER_KEYS[:-2]:
        gradients["d" + key] = decoder_gradients["d" + key[:-4]]
    return loss, gradients


def greedy_decode(parameters, x_enc, peeky, steps=ANSWER_LENGTH, start=SEPARATOR):
    """Write an answer without teacher forcing: every step reads the symbol the step before chose.

    The encoder runs as in training; the decoder then runs one LSTM cell at a
    time (the cell of LSTM_UNIT_CELL.py, its cell state carried by hand),
    because what it reads at step t is only known once step t-1 has chosen.

    Arguments:
    parameters -- dict with PARAMETER_KEYS
    x_enc -- the questions, one-hot, shape (V, m, T_e)
    peeky -- whether the model was built with peeky
    steps -- how many symbols to write
    start -- index of the first symbol the decoder reads (the separator)

    Returns:
    written -- int64 array (m, steps): the most likely symbol at every step
    """
    parameters, x_enc, _, n_a, m = check_model(parameters, x_enc, None, peeky)
    decoder = part(parameters, "_dec")
    n_x = x_enc.shape[0]
    check_count("steps", steps)
    if check_count("start", start, low=0) >= n_x:
        raise ValueError(f"start = {start} is not a symbol: x_enc has V = {n_x} symbols")
    h, _ = encode_question(parameters, x_enc)
    a, c = h, np.zeros_like(h)
    symbol = np.full(m, start)
    written = np.zeros((m, steps), dtype=np.int64)
    with arguments_checked():                         # checked once above: the cell skips its checks
        for t in range(steps):
            xt = one_hot(symbol[:, None], n_x, h.dtype)[:, :, 0]      # (n_x, m)
            if peeky:
                xt = np.concatenate([xt, h], axis=0)
            a, c, y, _ = lstm_cell_forward(xt, a, c, decoder)
            symbol = y.argmax(axis=0)                 # greedy: the likeliest symbol, fed back
            written[:, t] = symbol
    return written


def exact_match(parameters, x_enc, targets, peeky, chunk=2500):
    """Greedy answers to every problem and the fraction that are right in every symbol.

    Arguments:
    parameters -- dict with PARAMETER_KEYS
    x_enc -- the questions, one-hot, shape (V, N, T_e)
    targets -- the true answers, int array (N, 4)
    peeky -- whether the model was built with peeky
    chunk -- problems decoded at once (bounds the memory of a big held-out set)

    Returns:
    accuracy -- float, the fraction of the N answers right in all 4 symbols
    written -- int64 array (N, 4), the model's answers
    """
    check_array("x_enc", x_enc, 3)
    check_labels("targets", targets, (x_enc.shape[1], ANSWER_LENGTH))
    check_count("chunk", chunk)
    written = np.concatenate([greedy_decode(parameters, x_enc[:, start:start + chunk], peeky)
                              for start in range(0, x_enc.shape[1], chunk)])
    return float(np.mean(np.all(written == targets, axis=1))), written
