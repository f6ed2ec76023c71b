"""An encoder-decoder (sequence to sequence) LSTM that learns to add numbers written as text.

    python Seq2Seq.py                  # trains reversed + peeky to 0.99+, 1 to 2 minutes on 2 cores
    python Seq2Seq.py --quick          # a small run in seconds (a smoke test: it learns little)
    python Seq2Seq.py --compare DIR    # plain, reversed, reversed + peeky at the same budget; plot in DIR
    python Seq2Seq.py --help

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

Two tricks, each a flag (both on by default, the best setting):
- --reverse feeds the question backwards (Sutskever et al., 2014). The
  answer is written leading digit first, and that digit depends most on
  the leading digits of the numbers: read normally, the first number's
  leading digit is the first symbol read, a whole encoder before the
  answer; reversed, it is the last, just before the decoder starts. Short
  paths carry strong gradients, and learning starts from them.
- --peeky also gives the decoder h at EVERY step, concatenated under the
  symbol it reads: x_dec<t> = [one_hot(symbol); h]. The decoder no longer
  has to keep the whole question alive in its own state.

Backward, the gradient reaches h by two roads: through the decoder's da0
and, with peeky, through the bottom n_a rows of the decoder's dx at every
step. Their sum is the only upstream gradient of the encoder, at its last
step (its other steps have no loss of their own).
"""
import os

# One BLAS thread, unless the user's environment says otherwise. The products here are small
# ((m, n_a) by (n_a, 4 n_a) per step), and a second thread costs more in waiting than it gains:
# on the shared 2-core machine of the README, 1.1-1.6e-4 s per training problem with one thread,
# 6-7e-4 s with two. numpy's BLAS reads this once, when numpy is first imported, so it only
# takes effect when this file starts the program (python Seq2Seq.py): hence the imports after it.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import math
import signal
import sys
import time

import numpy as np

from checkpoint import (UsageError, check_can_save, interrupt_on_signals, load_arrays, non_negative, positive,
                        save_arrays, signals_ignored)
from LSTM_UNIT_CELL import LSTM_GATES, lstm_cell_forward
from Optimizers import Adam, clip_global_norm
from sequence_training import output_loss
from TruncatedBPTT import StatusLine, exit_status, one_hot
from validation import arguments_checked, check_array, check_parameters, check_shape
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
    """Check the arguments of the model's functions once; give (n_a, m).

    The LSTM passes check the gate shapes against their inputs; this checks
    what only the model knows: every key is there, both inputs have the same
    m and V, and the decoder's weights match peeky.

    Arguments as seq2seq_loss_and_gradients; x_dec None when there is none (greedy decoding).
    """
    check_parameters(parameters, PARAMETER_KEYS)
    check_array("x_enc", x_enc, 3)
    n_x, m, _ = x_enc.shape
    n_a = parameters["Wf_enc"].shape[0]
    if x_dec is not None:
        check_array("x_dec", x_dec, 3)
        check_shape("x_dec", x_dec, ("V", "m", x_dec.shape[2]), {"V": n_x, "m": m})
    check_array("Wf_dec", parameters["Wf_dec"], 2)
    width = "n_a + V + n_a" if peeky else "n_a + V"          # the decoder reads [a_prev; symbol (; h)]
    dims = {"n_a": n_a, "V": n_x, width: n_a + n_x + (n_a if peeky else 0)}
    check_shape("Wf_dec", parameters["Wf_dec"], ("n_a", width), dims)
    check_shape("Wy_dec", parameters["Wy_dec"], ("V", "n_a"), dims)
    return n_a, m


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
    check_model(parameters, x_enc, x_dec, peeky)
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
    n_a, m = check_model(parameters, x_enc, None, peeky)
    decoder = part(parameters, "_dec")
    n_x = x_enc.shape[0]
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


# ---------------------------------------------------------------- training

PROGRAM = "Seq2Seq.py"               # stamped into its checkpoints (checkpoint.py)
SETTINGS = {"plain": (False, False), "reversed": (True, False), "reversed + peeky": (True, True)}


def one_hot_problems(pairs, reverse, dtype):
    """The model's arrays for a set of problems: x_enc (V, N, 7), x_dec (V, N, 4), targets (N, 4)."""
    questions, decoder_inputs, targets = encode_problems(pairs, reverse)
    return one_hot(questions, V, dtype), one_hot(decoder_inputs, V, dtype), targets


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
    written = np.concatenate([greedy_decode(parameters, x_enc[:, start:start + chunk], peeky)
                              for start in range(0, x_enc.shape[1], chunk)])
    return float(np.mean(np.all(written == targets, axis=1))), written


def learning_rate(epoch, epochs, base):
    """The step size of an epoch: `base` for the first half, then down in a straight line to base / 10.

    Arguments: epoch (0-based), epochs (the total), base (--lr). Returns a float.

    Large steps find the solution quickly; the smaller ones at the end settle
    into it, which is where the last percent of exact matches comes from.
    """
    half = epochs // 2
    if epoch < half:
        return base
    return base * (1 - 0.9 * (epoch - half) / max(1, epochs - 1 - half))


def new_state(config):
    """A fresh model (float32 weights: twice as fast as float64), its optimizer, nothing done yet.

    The state is everything a checkpoint holds: parameters, Adam, the
    configuration, where training is (epoch, problems done in it, their loss,
    seconds spent) and the history of held-out accuracy after every epoch.
    """
    rng = np.random.default_rng(config["seed"])
    return {"parameters": init_parameters(V, config["hidden"], config["peeky"], rng, np.float32),
            "optimizer": Adam(config["lr"]), "config": dict(config),
            "epoch": 0, "position": 0, "epoch_loss": 0.0, "seconds": 0.0,
            "history": {"epoch": [0], "accuracy": [0.0], "loss": [math.nan], "seconds": [0.0]}}


def train(state, train_data, test_data, epochs, progress=None, save=None):
    """Train `state` until it has done `epochs` epochs, judging it on the held-out set after each.

    Arguments:
    state -- dict from new_state or load_state; updated in place (also when interrupted)
    train_data, test_data -- (x_enc, x_dec, targets) from one_hot_problems
    epochs -- total epochs, counted across resumes
    progress -- a TruncatedBPTT.StatusLine, or None for silence
    save -- function(state) called after every epoch, or None

    The batches of epoch e are a permutation seeded by (seed, e), and the
    state says how far into it training got, so a resumed run sees exactly
    the batches an uninterrupted one would have seen.
    """
    config, optimizer, history = state["config"], state["optimizer"], state["history"]
    x_enc, x_dec, targets = train_data
    N, batch = len(targets), config["batch"]
    progress = progress or StatusLine(enabled=False)
    while state["epoch"] < epochs:
        epoch = state["epoch"]
        optimizer.learning_rate = learning_rate(epoch, epochs, config["lr"])
        order = np.random.default_rng([config["seed"], epoch]).permutation(N)
        while state["position"] < N:
            began = time.perf_counter()
            rows = order[state["position"]:state["position"] + batch]
            loss, gradients = seq2seq_loss_and_gradients(state["parameters"], x_enc[:, rows], x_dec[:, rows],
                                                         targets[rows], config["peeky"])
            gradients, _ = clip_global_norm(gradients, config["clip"])   # tame the occasional explosion
            state["parameters"] = optimizer.update(state["parameters"], gradients)
            state["position"] += len(rows)
            state["epoch_loss"] += loss * len(rows)
            state["seconds"] += time.perf_counter() - began
            progress.show(f"epoch {epoch + 1}/{epochs}  problems {state['position']:,}/{N:,}  loss {loss:.3f}  "
                          f"held-out {history['accuracy'][-1]:.3f}  {state['seconds']:.0f} s")
        accuracy, _ = exact_match(state["parameters"], test_data[0], test_data[2], config["peeky"])
        for key, value in (("epoch", epoch + 1), ("accuracy", accuracy), ("loss", state["epoch_loss"] / N),
                           ("seconds", state["seconds"])):
            history[key].append(value)
        state.update(epoch=epoch + 1, position=0, epoch_loss=0.0)
        progress.show(f"epoch {epoch + 1}/{epochs}  loss {history['loss'][-1]:.3f}  held-out exact match "
                      f"{accuracy:.4f}  {state['seconds']:.0f} s", keep=True)
        if save:
            save(state)
    progress.close()
    return state


# ---------------------------------------------------------------- checkpoints

CONFIG_KEYS = ("hidden", "batch", "lr", "epochs", "train_size", "test_size", "clip", "seed", "reverse", "peeky")
PROGRESS_KEYS = ("epoch", "position", "epoch_loss", "seconds")


def state_arrays(state):
    """Everything needed to resume, as plain arrays (no pickled objects)."""
    arrays = {"param_" + key: value for key, value in state["parameters"].items()}
    arrays.update({"adam_" + key: value for key, value in state["optimizer"].state().items()})
    arrays.update({"config_" + key: np.array(state["config"][key]) for key in CONFIG_KEYS})
    arrays.update({"history_" + key: np.array(value) for key, value in state["history"].items()})
    arrays.update({key: np.array(state[key]) for key in PROGRESS_KEYS})
    return arrays


def load_state(path):
    """Read a checkpoint of this program back into a state; one-line UsageError if it is not one.

    The parameters' shapes are checked against the configuration saved with
    them, so a damaged or edited file is refused before training starts.
    """
    arrays = load_arrays(path, PROGRAM)
    try:
        config = {key: arrays["config_" + key].item() for key in CONFIG_KEYS}
        expected = init_parameters(V, config["hidden"], config["peeky"], np.random.default_rng(0))
        parameters = {key: arrays["param_" + key] for key in PARAMETER_KEYS}
        optimizer = Adam(config["lr"])
        optimizer.load_state({key[5:]: value for key, value in arrays.items() if key.startswith("adam_")})
        state = {"parameters": parameters, "optimizer": optimizer, "config": config,
                 "history": {key: list(arrays["history_" + key]) for key in ("epoch", "accuracy", "loss", "seconds")}}
        state.update({key: arrays[key].item() for key in PROGRESS_KEYS})
    except KeyError as error:
        raise UsageError(f"{path}: the checkpoint has no {error}")
    for key, value in parameters.items():
        if value.shape != expected[key].shape or value.dtype.kind != "f" or not np.all(np.isfinite(value)):
            raise UsageError(f"{path}: {key} should be finite floats of shape {expected[key].shape}, "
                             f"got {value.dtype} {value.shape}")
    return state


# ---------------------------------------------------------------- the program

DEFAULT_CHECKPOINT = os.path.join("checkpoints", "seq2seq.npz")
QUICK_CHECKPOINT = os.path.join("checkpoints", "seq2seq_quick.npz")
# option: (default, --quick's)
DEFAULTS = {"hidden": (96, 32), "batch": (128, 64), "lr": (0.005, 0.01), "epochs": (10, 2),
            "train_size": (45_000, 2_000), "test_size": (5_000, 500), "clip": (5.0, 5.0), "seed": (1, 1)}
MODEL_OPTIONS = ("hidden", "train_size", "test_size", "seed", "reverse", "peeky")   # fixed by a checkpoint


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Train an LSTM encoder-decoder to add numbers written as text (\"57+641\" -> \"698\").")
    add = parser.add_argument
    add("--hidden", type=positive(int, 4096), help=f"hidden units of both LSTMs (default {DEFAULTS['hidden'][0]})")
    add("--batch", type=positive(int), help=f"problems per batch (default {DEFAULTS['batch'][0]})")
    add("--lr", type=positive(float), help=f"Adam's learning rate, decayed over the second half "
                                           f"(default {DEFAULTS['lr'][0]})")
    add("--epochs", type=non_negative(int),
        help=f"total epochs, counted across resumes; 0 only evaluates (default {DEFAULTS['epochs'][0]})")
    add("--train-size", type=positive(int), help=f"training problems (default {DEFAULTS['train_size'][0]:,})")
    add("--test-size", type=positive(int), help=f"held-out problems (default {DEFAULTS['test_size'][0]:,})")
    add("--clip", type=non_negative(float), help="clip the gradient's global norm to this; 0 for none (default 5)")
    add("--seed", type=int, help="seed of the weights and of the batches' order (default 1)")
    add("--reverse", action=argparse.BooleanOptionalAction, default=None,
        help="read the question backwards (default: on)")
    add("--peeky", action=argparse.BooleanOptionalAction, default=None,
        help="give the encoder's state to every decoder step (default: on)")
    add("--checkpoint", help=f"where to save the model (default {DEFAULT_CHECKPOINT}; "
                             f"with --quick {QUICK_CHECKPOINT}, which --quick replaces)")
    add("--resume", action="store_true", help="continue from the checkpoint")
    add("--overwrite", action="store_true", help="start again over an existing checkpoint of this program")
    add("--quick", action="store_true", help="a small model for a few seconds: a smoke test")
    add("--compare", metavar="DIR", help="train plain, reversed and reversed + peeky at the same budget, print "
                                         "the table and write DIR/Seq2SeqAccuracy.png (saves no model)")
    args = parser.parse_args(argv)
    if args.resume and args.overwrite:
        parser.error("--resume continues the checkpoint and --overwrite replaces it: give only one")
    if args.compare is not None and (args.resume or args.checkpoint):
        parser.error("--compare trains from scratch and saves no model: no --resume or --checkpoint")
    if args.compare is not None and (args.reverse is not None or args.peeky is not None):
        parser.error("--compare runs every setting of --reverse and --peeky itself: leave them out")
    return args


def resolve(args, saved=None):
    """The run's configuration: the options given, else the checkpoint's, else the defaults.

    UsageError if an option given contradicts the model or data of the checkpoint.
    """
    config = {}
    for name in CONFIG_KEYS:
        given = getattr(args, name)
        if saved is not None and name in MODEL_OPTIONS:
            if given is not None and given != saved[name]:
                flag = "--" + name.replace("_", "-")
                raise UsageError(f"{flag} {given} does not match the checkpoint's {saved[name]} "
                                 f"(a checkpoint fixes {', '.join(MODEL_OPTIONS)})")
            config[name] = saved[name]
        elif given is not None:
            config[name] = given
        elif saved is not None:
            config[name] = saved[name]
        elif name in ("reverse", "peeky"):
            config[name] = True
        else:
            config[name] = DEFAULTS[name][1 if args.quick else 0]
    return config


def load_data(config):
    """The problems of a configuration: (held-out pairs, training arrays, held-out arrays), float32."""
    try:
        train_pairs, test_pairs = make_problems(config["train_size"], config["test_size"])
    except ValueError as error:
        raise UsageError(f"--train-size + --test-size: {error}")
    return (test_pairs, one_hot_problems(train_pairs, config["reverse"], np.float32),
            one_hot_problems(test_pairs, config["reverse"], np.float32))


def describe(config):
    tricks = [name for name in ("reverse", "peeky") if config[name]] or ["neither trick"]
    return (f"hidden {config['hidden']}, {' + '.join(tricks)}, {config['train_size']:,} training and "
            f"{config['test_size']:,} held-out problems, batch {config['batch']}, Adam lr {config['lr']}, "
            f"{config['epochs']} epochs")


def show_examples(pairs, written, targets, reverse, count=4):
    """Print a few held-out problems with the model's answer: some right ones, then some wrong ones."""
    right = np.all(written == targets, axis=1)
    print(f"held-out problems ({right.sum():,} right, {(~right).sum():,} wrong)"
          + ("; the model read each question reversed" if reverse else "") + ":")
    for index in list(np.flatnonzero(right)[:count]) + list(np.flatnonzero(~right)[:count]):
        a, b = pairs[index]
        verdict = "right" if right[index] else f"wrong, the sum is {a + b}"
        print(f"  {a:>3} + {b:<3} = {decode(written[index]):<4}  {verdict}")


def final_line(accuracy, count):
    return f"seq2seq addition: exact match {accuracy:.4f} on {count} held-out problems"


def run_training(args):
    """Train one model (or resume one), save it, show examples; return the exit status."""
    path = args.checkpoint or (QUICK_CHECKPOINT if args.quick else DEFAULT_CHECKPOINT)
    check_can_save(path, PROGRAM, resume=args.resume,
                   overwrite=args.overwrite or (args.quick and args.checkpoint is None))
    if args.resume:
        state = load_state(path)
        state["config"] = resolve(args, state["config"])
        print(f"resumed from {path} at epoch {state['epoch']}"
              + (f" (+{state['position']:,} problems)" if state["position"] else "")
              + f", held-out exact match {state['history']['accuracy'][-1]:.4f}")
    else:
        state = new_state(resolve(args))
    config = state["config"]
    test_pairs, train_data, test_data = load_data(config)
    print(f"seq2seq: {describe(config)}", flush=True)
    done = (state["epoch"], state["position"])

    try:
        with interrupt_on_signals():                 # SIGTERM and SIGHUP are saved like Ctrl-C
            train(state, train_data, test_data, config["epochs"], StatusLine(),
                  save=lambda state: save_arrays(path, PROGRAM, state_arrays(state)))
    except KeyboardInterrupt as stop:
        with signals_ignored():                      # a second Ctrl-C must not break the save
            sys.stderr.write("\n")
            save_arrays(path, PROGRAM, state_arrays(state))
            print(f"stopped by {str(stop) or 'Ctrl-C'} in epoch {state['epoch'] + 1}; the model is saved in {path}"
                  f"\nresume with: python Seq2Seq.py --resume --checkpoint {path}", file=sys.stderr)
        return exit_status(stop)
    if (state["epoch"], state["position"]) != done:
        save_arrays(path, PROGRAM, state_arrays(state))
        print(f"trained {state['epoch']} epochs in {state['seconds']:.0f} s; the model is saved in {path}")
    else:
        print(f"nothing to train (the model has done {state['epoch']} of --epochs {config['epochs']})")
    accuracy, written = exact_match(state["parameters"], test_data[0], test_data[2], config["peeky"])
    show_examples(test_pairs, written, test_data[2], config["reverse"])
    print(final_line(accuracy, len(test_pairs)))
    return 0


def run_compare(args):
    """The three settings at one budget: a table on stdout and the accuracy curves in DIR."""
    try:
        os.makedirs(args.compare, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--compare: cannot make the folder {args.compare}: {error.strerror}")
    results = {}
    for name, (reverse, peeky) in SETTINGS.items():
        args.reverse, args.peeky = reverse, peeky
        state = new_state(resolve(args))
        test_pairs, train_data, test_data = load_data(state["config"])
        print(f"--- {name}: {describe(state['config'])}", flush=True)
        with interrupt_on_signals():
            train(state, train_data, test_data, state["config"]["epochs"], StatusLine())
        results[name] = state["history"]
    print("\n| setting | held-out exact match | best epoch | training time |\n| --- | ---: | ---: | ---: |")
    for name, history in results.items():
        best = int(np.argmax(history["accuracy"]))
        print(f"| {name} | {history['accuracy'][-1]:.4f} | {history['accuracy'][best]:.4f} at "
              f"{history['epoch'][best]} | {history['seconds'][-1]:.0f} s |")
    plot = os.path.join(args.compare, "Seq2SeqAccuracy.png")
    if plot_accuracy(plot, results, len(test_pairs)):
        print(f"wrote {plot}")
    print(final_line(results["reversed + peeky"]["accuracy"][-1], len(test_pairs)))
    return 0


def plot_accuracy(path, results, count):
    """Held-out exact match against epoch for every setting, as a PNG; False without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("the plot needs matplotlib (python -m pip install matplotlib); none written", file=sys.stderr)
        return False
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=150)
    for (name, history), color in zip(results.items(), ("#888888", "#4c72b0", "#e07a1f")):
        ax.plot(history["epoch"], history["accuracy"], marker="o", markersize=3, color=color,
                label=f"{name} (last epoch {history['accuracy'][-1]:.3f})")
    ax.axhline(0.99, color="#2a9d8f", linestyle=":", label="0.99")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"exact match on the {count:,} held-out problems")
    ax.set_ylim(0, 1.01)
    ax.set_title("An LSTM encoder-decoder learning to add: the two tricks")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.96), fontsize=9)   # the empty corner, under 0.99
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def main(argv=None):
    args = parse_arguments(argv)
    try:
        return run_compare(args) if args.compare is not None else run_training(args)
    except UsageError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:     # outside the training loop, or in --compare: nothing to save
        print("\ninterrupted", file=sys.stderr)
        return exit_status(stop)


if __name__ == "__main__":
    sys.exit(main())
