"""An encoder-decoder (sequence to sequence) LSTM that learns to add numbers written as text.

    python Seq2Seq.py                  # trains reversed + peeky, about 4 minutes on 2 cores
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
  first answer digit depends most on the last digits of the numbers, and
  reversed, those are read last, a few steps before the decoder starts: the
  paths the gradient must travel get shorter.
- --peeky also gives the decoder h at EVERY step, concatenated under the
  symbol it reads: x_dec<t> = [one_hot(symbol); h]. The decoder no longer
  has to keep the whole question alive in its own state.

Backward, the gradient reaches h by two roads: through the decoder's da0
and, with peeky, through the bottom n_a rows of the decoder's dx at every
step. Their sum is the only upstream gradient of the encoder, at its last
step (its other steps have no loss of their own).
"""
import argparse
import math
import os
import signal
import sys
import time

import numpy as np

from BackwardPropagation import lstm_backward
from ForwardPropagation import lstm_forward
from LSTM_UNIT_CELL import LSTM_GATES, lstm_cell_forward
from Loss import cross_entropy_loss, output_layer_backward
from Optimizers import Adam, clip_global_norm
from TruncatedBPTT import number, one_hot
from rnn_utils import softmax
from validation import check_array, check_parameters, check_shape


# ---------------------------------------------------------------- the LSTM passes we compose

def lstm_states_loop(x, a0, parameters):
    """The hidden states of the tutorial-style lstm_forward, without its output layer.

    Stand-in for VectorizedLSTM.lstm_states_vectorized (same results): lstm_forward
    wants an output layer, so it gets a throw-away one of zeros.

    Returns a (n_a, m, T_x), c (n_a, m, T_x), cache for lstm_backward.
    """
    n_a = a0.shape[0]
    gates = {key: parameters[key] for g in LSTM_GATES for key in ("W" + g, "b" + g)}
    gates["Wy"], gates["by"] = np.zeros((1, n_a), a0.dtype), np.zeros((1, 1), a0.dtype)
    a, _, c, cache = lstm_forward(x, a0, gates)
    return a, c, cache


# The sequence passes the model is built from: hidden states forward, gradients back.
LSTM_STATES, LSTM_STATES_BACKWARD = lstm_states_loop, lstm_backward


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
    for suffix, inputs in (("_enc", n_x), ("_dec", n_x + n_a * peeky)):
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
    dims = {"n_a": n_a, "V": n_x, "n_a + V + n_a" if peeky else "n_a + V": n_a + n_x + n_a * peeky}
    check_shape("Wf_dec", parameters["Wf_dec"], ("n_a", "n_a + V + n_a" if peeky else "n_a + V"), dims)
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


def seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, peeky):
    """The loss of a batch with teacher forcing, and its gradient with respect to every parameter.

    Arguments:
    parameters -- dict with PARAMETER_KEYS (see init_parameters)
    x_enc -- the questions, one-hot, shape (V, m, T_e)
    x_dec -- the decoder's inputs, one-hot: the true answer behind the separator, (V, m, T_d)
    targets -- the symbol each decoder step must write, int array (m, T_d)
    peeky -- feed the encoder's state to every decoder step

    Returns:
    loss -- float, cross-entropy summed over the T_d steps, averaged over the m problems
    gradients -- dict "d" + every key of parameters, each of its parameter's shape
    """
    n_a, m = check_model(parameters, x_enc, x_dec, peeky)
    decoder = part(parameters, "_dec")

    # forward: encoder, then decoder from its last state, then the output layer
    h, encoder_cache = encode_question(parameters, x_enc)
    decoder_input = peek(x_dec, h) if peeky else x_dec
    a_dec, _, decoder_cache = LSTM_STATES(decoder_input, h, decoder)
    scores = np.tensordot(decoder["Wy"], a_dec, axes=1) + decoder["by"][:, :, None]   # Wy a<t> + by, every t
    loss, dz = cross_entropy_loss(softmax(scores), targets)

    # backward: output layer, decoder, then everything that reached h goes into the encoder
    dWy, dby, da_dec = output_layer_backward(dz, a_dec, decoder["Wy"])
    decoder_gradients = LSTM_STATES_BACKWARD(da_dec, decoder_cache)
    dh = decoder_gradients["da0"]
    if peeky:                                     # h was read at every step: add up every step's share
        dh = dh + decoder_gradients["dx"][x_dec.shape[0]:].sum(axis=2)
    da_enc = np.zeros((n_a, m, x_enc.shape[2]), dh.dtype)
    da_enc[:, :, -1] = dh                         # the encoder's only loss is through its last state
    encoder_gradients = LSTM_STATES_BACKWARD(da_enc, encoder_cache)

    gradients = {"dWy_dec": dWy, "dby_dec": dby}
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
    for t in range(steps):
        xt = one_hot(symbol[:, None], n_x, h.dtype)[:, :, 0]      # (n_x, m)
        if peeky:
            xt = np.concatenate([xt, h], axis=0)
        a, c, y, _ = lstm_cell_forward(xt, a, c, decoder, validate=False)
        symbol = y.argmax(axis=0)                     # greedy: the likeliest symbol, fed back
        written[:, t] = symbol
    return written


# ---------------------------------------------------------------- saving (switched to checkpoint.py when it lands)

PROGRAM = "Seq2Seq.py"


class UsageError(Exception):
    """A problem with the user's input: reported in one line, without a traceback."""


def save_arrays(path, arrays):
    """Write a dict of arrays to `path` atomically: a temporary file of our own, then a rename."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp.npz")
    np.savez(temporary, program=np.array(PROGRAM), **arrays)
    os.replace(temporary, path)


def load_arrays(path):
    """Read what save_arrays wrote; UsageError for a missing file or anything else."""
    if not os.path.exists(path):
        raise UsageError(f"--resume: no checkpoint at {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError) as error:
        raise UsageError(f"{path} is not a checkpoint ({error})")
    if str(arrays.pop("program", "")) != PROGRAM:
        raise UsageError(f"{path} was not written by {PROGRAM}")
    return arrays


def check_can_save(path, resume, overwrite):
    """Before the first epoch: refuse to write over a file this program did not write, or over a
    checkpoint of its own unless --resume or --overwrite says so. UsageError otherwise."""
    if os.path.isdir(path):
        raise UsageError(f"--checkpoint {path} is a directory; give a file name")
    if os.path.exists(path) and not resume:
        load_arrays(path)                  # UsageError if it is not one of ours: never overwritten
        if not overwrite:
            raise UsageError(f"{path} already holds a model; --resume to continue it or --overwrite to start over")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    if not os.access(directory, os.W_OK):
        raise UsageError(f"cannot write to {directory}")


# ---------------------------------------------------------------- training

SETTINGS = {"plain": (False, False), "reversed": (True, False), "reversed + peeky": (True, True)}


def one_hot_problems(pairs, reverse, dtype):
    """The model's arrays for a set of problems: x_enc (V, N, 7), x_dec (V, N, 4), targets (N, 4)."""
    questions, decoder_inputs, targets = encode_problems(pairs, reverse)
    return one_hot(questions, V, dtype), one_hot(decoder_inputs, V, dtype), targets


def exact_match(parameters, x_enc, targets, peeky, chunk=2500):
    """Greedy answers to every problem and the fraction that are right in every symbol.

    Returns (accuracy, written): written is the int64 array (N, 4) of the model's answers.
    """
    written = np.concatenate([greedy_decode(parameters, x_enc[:, start:start + chunk], peeky)
                              for start in range(0, x_enc.shape[1], chunk)])
    return float(np.mean(np.all(written == targets, axis=1))), written


def learning_rate(epoch, epochs, base):
    """The step size of an epoch: `base` for the first half, then down in a straight line to base / 10.

    Large steps find the solution quickly; the smaller ones at the end settle
    into it, which is where the last percent of exact matches comes from.
    """
    half = epochs / 2
    return base if epoch < half else base * (1 - 0.9 * (epoch - half) / max(1.0, epochs - 1 - half))


class Progress:
    """One line on stderr: epoch, batch, loss, held-out accuracy, time. Rewritten in place on a terminal."""

    def __init__(self, enabled=True):
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.open = False

    def show(self, text, final=False):
        if not self.enabled:
            return
        if self.tty:
            now = time.perf_counter()
            if now - self.last < 0.1 and not final:
                return                                   # ten updates a second are plenty to read
            self.last = now
            sys.stderr.write("\r" + text.ljust(78))
            self.open = True
        elif final:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def close(self):
        if self.open:
            sys.stderr.write("\n")
            self.open = False


def checkpoint_arrays(state):
    """Everything needed to resume, as plain arrays (no pickle)."""
    arrays = {"param_" + key: value for key, value in state["parameters"].items()}
    arrays.update({"adam_" + key: value for key, value in state["optimizer"].state().items()})
    arrays.update({"config_" + key: np.array(value) for key, value in state["config"].items()})
    arrays.update({"history_" + key: np.array(value) for key, value in state["history"].items()})
    arrays["epoch"] = np.array(state["epoch"])
    return arrays


def state_from_arrays(arrays):
    """The inverse of checkpoint_arrays."""
    try:
        config = {key[7:]: value.item() for key, value in arrays.items() if key.startswith("config_")}
        optimizer = Adam(config["lr"])
        optimizer.load_state({key[5:]: value for key, value in arrays.items() if key.startswith("adam_")})
        return {"parameters": {key: arrays["param_" + key] for key in PARAMETER_KEYS},
                "optimizer": optimizer, "config": config, "epoch": int(arrays["epoch"]),
                "history": {key[8:]: list(value) for key, value in arrays.items() if key.startswith("history_")}}
    except KeyError as error:
        raise UsageError(f"the checkpoint lacks {error}: not a model of this program")


def new_state(config):
    """A fresh model (float32 weights: training runs twice as fast as in float64), its optimizer, no history."""
    rng = np.random.default_rng(config["seed"])
    return {"parameters": init_parameters(V, config["hidden"], config["peeky"], rng, np.float32),
            "optimizer": Adam(config["lr"]), "config": dict(config), "epoch": 0,
            "history": {"epoch": [0], "accuracy": [0.0], "loss": [math.nan], "seconds": [0.0]}}


def train(state, train_data, test_data, epochs, clip, save=None, progress=None):
    """Train `state` until it has done `epochs` epochs; evaluate on the held-out set after each.

    Arguments:
    state -- dict from new_state or state_from_arrays; updated in place
    train_data, test_data -- (x_enc, x_dec, targets) from one_hot_problems
    epochs -- total epochs, counted across resumes
    clip -- global-norm clipping threshold (0: none)
    save -- function(state) called after every epoch, or None
    progress -- a Progress, or None for silence

    The batches of an epoch are a permutation seeded by (seed, epoch), so a
    resumed run sees exactly the batches an uninterrupted one would.
    """
    config, optimizer = state["config"], state["optimizer"]
    x_enc, x_dec, targets = train_data
    N, batch = targets.shape[0], config["batch"]
    started = time.perf_counter() - state["history"]["seconds"][-1]
    progress = progress or Progress(enabled=False)
    while state["epoch"] < epochs:
        epoch = state["epoch"]
        optimizer.learning_rate = learning_rate(epoch, epochs, config["lr"])
        order = np.random.default_rng([config["seed"], epoch]).permutation(N)
        total_loss = 0.0
        for start in range(0, N, batch):
            rows = order[start:start + batch]
            loss, gradients = seq2seq_loss_and_gradients(state["parameters"], x_enc[:, rows], x_dec[:, rows],
                                                         targets[rows], config["peeky"])
            gradients, _ = clip_global_norm(gradients, clip)          # tame the occasional explosion
            state["parameters"] = optimizer.update(state["parameters"], gradients)
            total_loss += loss * len(rows)
            elapsed = time.perf_counter() - started
            progress.show(f"epoch {epoch + 1}/{epochs}  problems {start + len(rows):,}/{N:,}  "
                          f"loss {loss:.3f}  held-out {state['history']['accuracy'][-1]:.3f}  {elapsed:.0f} s")
        accuracy, _ = exact_match(state["parameters"], test_data[0], test_data[2], config["peeky"])
        state["epoch"] = epoch + 1
        history = state["history"]
        for key, value in (("epoch", epoch + 1), ("accuracy", accuracy), ("loss", total_loss / N),
                           ("seconds", time.perf_counter() - started)):
            history[key].append(value)
        progress.show(f"epoch {epoch + 1}/{epochs}  loss {total_loss / N:.3f}  held-out exact match "
                      f"{accuracy:.4f}  {history['seconds'][-1]:.0f} s", final=True)
        if save:
            save(state)
    progress.close()
    return state


def show_examples(pairs, written, targets, reverse, count=4):
    """Print a few held-out problems with the model's answer: right ones first, then wrong ones."""
    right = np.flatnonzero(np.all(written == targets, axis=1))
    wrong = np.flatnonzero(~np.all(written == targets, axis=1))
    print(f"held-out problems ({len(right):,} right, {len(wrong):,} wrong); the model reads the question"
          + (" reversed" if reverse else "") + ":")
    for index in list(right[:count]) + list(wrong[:count]):
        a, b = pairs[index]
        answer = decode(written[index])
        verdict = "right" if index in right[:count] else f"WRONG (true {a + b})"
        print(f"  {a:>3}+{b:<3} = {answer:<4}  {verdict}")


# ---------------------------------------------------------------- the program

DEFAULT_CHECKPOINT = os.path.join("checkpoints", "seq2seq.npz")
QUICK_CHECKPOINT = os.path.join("checkpoints", "seq2seq_quick.npz")
# name: (default, --quick value); model and data options must match a checkpoint on --resume
DEFAULTS = {"hidden": (128, 32), "batch": (128, 64), "lr": (0.005, 0.01), "epochs": (20, 2),
            "train_size": (45_000, 2_000), "test_size": (5_000, 500), "clip": (5.0, 5.0), "seed": (1, 1)}
MODEL_OPTIONS = ("hidden", "train_size", "test_size", "seed", "reverse", "peeky")


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Train an LSTM encoder-decoder to add numbers written as text (\"57+641\" -> \"698\").")
    add = parser.add_argument
    add("--hidden", type=number(int), help=f"hidden units of both LSTMs (default {DEFAULTS['hidden'][0]})")
    add("--batch", type=number(int), help=f"problems per batch (default {DEFAULTS['batch'][0]})")
    add("--lr", type=number(float), help=f"Adam's learning rate, decayed over the second half "
                                         f"(default {DEFAULTS['lr'][0]})")
    add("--epochs", type=number(int, allow_zero=True),
        help=f"total epochs, counted across resumes; 0 only evaluates (default {DEFAULTS['epochs'][0]})")
    add("--train-size", type=number(int), help=f"training problems (default {DEFAULTS['train_size'][0]:,})")
    add("--test-size", type=number(int), help=f"held-out problems (default {DEFAULTS['test_size'][0]:,})")
    add("--clip", type=number(float, allow_zero=True), help="clip the gradient's global norm to this; 0 for none "
                                                            "(default 5)")
    add("--seed", type=int, help="seed of the weights and of the batches' order (default 1)")
    add("--reverse", action=argparse.BooleanOptionalAction, default=None,
        help="read the question backwards (default: on)")
    add("--peeky", action=argparse.BooleanOptionalAction, default=None,
        help="give the encoder's state to every decoder step (default: on)")
    add("--checkpoint", help=f"where to save the model (default {DEFAULT_CHECKPOINT}; "
                             f"with --quick {QUICK_CHECKPOINT}, overwritten)")
    add("--resume", action="store_true", help="continue from the checkpoint")
    add("--overwrite", action="store_true", help="start over even if the checkpoint holds a model of ours")
    add("--quick", action="store_true", help="a small model for a few seconds: a smoke test")
    add("--compare", metavar="DIR", help="train plain, reversed and reversed + peeky at the same budget, "
                                         "print the table and write DIR/seq2seq_accuracy.png (no checkpoints)")
    args = parser.parse_args(argv)
    if args.resume and args.compare:
        parser.error("--compare trains from scratch; it cannot --resume")
    return args


def resolve(args, saved=None):
    """The run's configuration: the options given, else the checkpoint's, else the defaults.

    UsageError if an option given contradicts the checkpoint's model or data.
    """
    config = {}
    for name in list(DEFAULTS) + ["reverse", "peeky"]:
        given = getattr(args, name)
        if saved is not None and name in MODEL_OPTIONS:
            if given is not None and given != saved[name]:
                flag = "--" + name.replace("_", "-")
                raise UsageError(f"{flag} {given} does not match the checkpoint's {saved[name]}")
            config[name] = saved[name]
        elif given is not None:
            config[name] = given
        elif name in ("reverse", "peeky"):
            config[name] = True
        else:
            config[name] = DEFAULTS[name][1 if args.quick else 0]
    return config


def load_data(config):
    """The training and held-out sets of a configuration, as the model's float32 arrays."""
    try:
        train_pairs, test_pairs = make_problems(config["train_size"], config["test_size"])
    except ValueError as error:
        raise UsageError(f"--train-size + --test-size: {error}")
    return (test_pairs, one_hot_problems(train_pairs, config["reverse"], np.float32),
            one_hot_problems(test_pairs, config["reverse"], np.float32))


def describe(config):
    tricks = [name for name in ("reverse", "peeky") if config[name]] or ["neither trick"]
    return (f"hidden {config['hidden']}, {' + '.join(tricks)}, {config['train_size']:,} training and "
            f"{config['test_size']:,} held-out problems, batch {config['batch']}, Adam lr {config['lr']}")


def final_line(accuracy, count):
    return f"seq2seq addition: exact match {accuracy:.4f} on {count} held-out problems"


def run_training(args):
    """Train one model (or resume one), save it, show examples; return the exit status."""
    path = args.checkpoint or (QUICK_CHECKPOINT if args.quick else DEFAULT_CHECKPOINT)
    overwrite = args.overwrite or (args.quick and args.checkpoint is None)
    check_can_save(path, args.resume, overwrite)
    if args.resume:
        state = state_from_arrays(load_arrays(path))
        state["config"].update(resolve(args, state["config"]))
        state["optimizer"].learning_rate = state["config"]["lr"]
        print(f"resumed from {path} after epoch {state['epoch']} "
              f"(held-out exact match {state['history']['accuracy'][-1]:.4f})")
    else:
        state = new_state(resolve(args))
    config = state["config"]
    test_pairs, train_data, test_data = load_data(config)
    print(f"seq2seq: {describe(config)}; {config['epochs']} epochs", flush=True)

    def save(state):
        save_arrays(path, checkpoint_arrays(state))

    try:
        train(state, train_data, test_data, config["epochs"], config["clip"], save, Progress())
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)          # a second Ctrl-C must not break the save
        sys.stderr.write("\n")
        save(state)
        print(f"interrupted in epoch {state['epoch'] + 1}; the model after epoch {state['epoch']} is saved in "
              f"{path}\nresume with: python Seq2Seq.py --resume --checkpoint {path}", file=sys.stderr)
        return 130
    save(state)
    seconds = state["history"]["seconds"][-1]
    print(f"trained {state['epoch']} epochs in {seconds:.0f} s; the model is saved in {path}")
    accuracy, written = exact_match(state["parameters"], test_data[0], test_data[2], config["peeky"])
    show_examples(test_pairs, written, test_data[2], config["reverse"])
    print(final_line(accuracy, len(test_pairs)))
    return 0


def run_compare(args):
    """The three settings at one budget: a table on stdout and the accuracy curves in DIR."""
    if any(getattr(args, name) is not None for name in ("reverse", "peeky")):
        raise UsageError("--compare runs every setting of --reverse and --peeky itself; leave them out")
    os.makedirs(args.compare, exist_ok=True)
    results = {}
    for name, (reverse, peeky) in SETTINGS.items():
        args.reverse, args.peeky = reverse, peeky
        state = new_state(resolve(args))
        test_pairs, train_data, test_data = load_data(state["config"])
        print(f"--- {name}: {describe(state['config'])}; {state['config']['epochs']} epochs", flush=True)
        train(state, train_data, test_data, state["config"]["epochs"], state["config"]["clip"], None, Progress())
        results[name] = state["history"]
    print("\n| setting | held-out exact match | best epoch | training time |\n| --- | ---: | ---: | ---: |")
    for name, history in results.items():
        best = int(np.argmax(history["accuracy"]))
        print(f"| {name} | {history['accuracy'][-1]:.4f} | {history['accuracy'][best]:.4f} at "
              f"{history['epoch'][best]} | {history['seconds'][-1]:.0f} s |")
    plot = os.path.join(args.compare, "seq2seq_accuracy.png")
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
                label=f"{name} (final {history['accuracy'][-1]:.3f})")
    ax.axhline(0.99, color="#2a9d8f", linestyle=":", label="0.99")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"exact match on {count:,} held-out problems")
    ax.set_ylim(0, 1.01)
    ax.set_title("An LSTM encoder-decoder learning to add: the two tricks")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def main(argv=None):
    args = parse_arguments(argv)
    try:
        return run_compare(args) if args.compare else run_training(args)
    except UsageError as error:
        print(f"Seq2Seq.py: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
