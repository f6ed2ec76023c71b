"""The character-level RNN of the training chapter: its data, its model, and the model as saved.

What a learner reads beside the chapter on truncated backpropagation through
time; the program that trains it is TruncatedBPTT.py (python TruncatedBPTT.py
--help), as Deep Learning from Scratch 2 keeps its models apart from their
training scripts. Built from Loss.py's loss and the vectorized
rnn_forward/rnn_backward of VectorizedRNN.py (same results as the tutorial's
passes, faster).

- Every character is a class. The input at step t is the one-hot vector of
  character t, the target is character t + 1: the model learns to predict
  the next character.
- The batch dimension m is used for real: the text is split into m equal
  stretches (make_streams), and row i of every batch reads its own stretch,
  so the m hidden states are m independent readers.
- Truncation (truncated_bptt_gradients, and the training loop of
  TruncatedBPTT.py): each chunk of k steps starts from the hidden states the
  previous chunk ended with (the memory crosses the cut), and backpropagates
  inside the chunk only (the gradient does not).
- The model writes (sample) by feeding each character it draws back in;
  sharpen sets the temperature of the draw without underflow; evaluate gives
  the loss per character over a whole text.
- The saved model (load_checkpoint) is what TruncatedBPTT.py writes and
  TorchBridge.py reads: every array is checked before it is used.
"""
import math
import os
import sys

import numpy as np

from checkpoint import UsageError, check_member, load_arrays
from Loss import cross_entropy_loss, rnn_loss_and_gradients
from Optimizers import OPTIMIZERS
from program_support import one_hot
from RNN_UNIT_CELL import RNN_PARAMETER_KEYS, rnn_cell_forward
from VectorizedRNN import rnn_backward_vectorized, rnn_forward_vectorized
from validation import arguments_checked

# Training runs the vectorized passes (VectorizedRNN.py): the same numbers as the
# tutorial's rnn_forward/rnn_backward to rounding (tests/test_vectorized.py and
# tests/test_truncated_bptt.py check it), about 1.4 to 1.5 times as fast at this size
# (docs/running-faster.md, "Training").
FORWARD, BACKWARD = rnn_forward_vectorized, rnn_backward_vectorized

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TEXT = os.path.join(HERE, "data", "alice29.txt")   # public domain, see data/README.md
DEFAULT_CHECKPOINT = os.path.join("checkpoints", "char_rnn.npz")   # where TruncatedBPTT.py saves by default
TRAINER = "TruncatedBPTT.py"          # the program that trains and saves the model: its stamp (checkpoint.py)
# Waa, its gradient and the optimizer's memory of it are hidden**2 floats each:
# at 10,000 that is 2.4 GB, beyond what a char-RNN on a CPU can train anyway.
MAX_HIDDEN = 10_000


# ---------------------------------------------------------------- the data

def read_text(path):
    """The text of a UTF-8 file; UsageError if it is missing, unreadable, empty or not UTF-8."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}")
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path} is not UTF-8 text (byte {error.start} cannot be decoded)")
    if not text:
        raise UsageError(f"{path} is empty")
    return text


def make_streams(indices, batch, seq_length):
    """Cut the text into `batch` equal stretches, one per row of the batch.

    Arguments:
    indices -- the text as character indices, 1-D integer array of length N
    batch -- m, the number of stretches
    seq_length -- k, the chunk length

    Returns:
    streams -- integer array (m, L + 1): row i is the i-th stretch, with one
               character more than the L it reads, for the last target
    """
    length = (len(indices) - 1) // batch
    if length < seq_length:
        raise UsageError(f"the text has {len(indices)} characters; {batch} streams of {seq_length} steps "
                         f"need at least {batch * seq_length + 1}")
    return np.stack([indices[i * length: (i + 1) * length + 1] for i in range(batch)])


# ---------------------------------------------------------------- the model

def init_parameters(vocab_size, hidden, rng):
    """Small random weights and zero biases, as in min-char-rnn."""
    return {"Wax": 0.01 * rng.standard_normal((hidden, vocab_size)),
            "Waa": 0.01 * rng.standard_normal((hidden, hidden)),
            "Wya": 0.01 * rng.standard_normal((vocab_size, hidden)),
            "ba": np.zeros((hidden, 1)),
            "by": np.zeros((vocab_size, 1))}


def sample(parameters, first_index, length, temperature, rng):
    """Let the model write: feed each drawn character back in as the next input.

    Arguments:
    parameters -- the model, as in rnn_forward
    first_index -- index of the character to start from
    length -- how many characters to draw
    temperature -- > 0; below 1 the likeliest characters are favoured, above 1 the distribution flattens
    rng -- numpy random Generator (seeded, so a sample can be repeated)

    Returns:
    list of `length` character indices
    """
    vocab_size, hidden = parameters["Wya"].shape
    a = np.zeros((hidden, 1))
    x = np.zeros((vocab_size, 1))
    index, drawn = first_index, []
    with arguments_checked():            # the model was checked by training: the cell skips its checks
        for _ in range(length):
            x[:] = 0
            x[index] = 1
            a, probabilities, _ = rnn_cell_forward(x, a, parameters)
            index = int(rng.choice(vocab_size, p=sharpen(probabilities[:, 0], temperature)))
            drawn.append(index)
    return drawn


def sharpen(probabilities, temperature):
    """The distribution softmax(z / T) from p = softmax(z): proportional to p ** (1 / T).

    Computed in logarithms, relative to the likeliest class: log p - max log p
    is 0 for it and negative for the others, so dividing by a tiny T sends the
    others to -inf (probability 0) and never overflows. Raising p to 1 / T
    directly would underflow every entry to 0 for T below about 0.01, and
    0 / 0 is not a distribution.

    Arguments:
    probabilities -- 1-D array of probabilities summing to 1
    temperature -- positive float

    Returns:
    1-D array of the same length summing to 1
    """
    with np.errstate(divide="ignore"):                  # log(0) = -inf is meant: probability 0 stays 0
        logs = np.log(probabilities)
    scaled = (logs - logs.max()) / temperature
    weights = np.exp(scaled)
    return weights / weights.sum()


def evaluate(parameters, indices, stretch=None, chunk=500):
    """Mean cross-entropy per character (natural log) of the model over the whole text.

    Arguments:
    parameters -- the model, as for rnn_forward
    indices -- the text as character indices, 1-D integer array of length N
    stretch -- read the text in stretches of this many characters, each from
               a zero hidden state, as the training streams are read; None
               reads the whole text as one stretch
    chunk -- characters per forward pass (the hidden state is carried across)

    Every character but the first is predicted from the ones before it in its
    stretch. Training resets the state at the start of every stream, so a
    model evaluated on far longer stretches than it was trained on meets
    hidden states it has never seen, and its loss drifts upwards.
    """
    vocab_size, hidden = parameters["Wya"].shape
    stretch = stretch or len(indices)
    total = 0.0
    for begin in range(0, len(indices) - 1, stretch):
        end = min(begin + stretch, len(indices) - 1)       # predict characters begin+1 .. end
        a_prev = np.zeros((hidden, 1))                     # every stretch starts from nothing
        for start in range(begin, end, chunk):
            stop = min(start + chunk, end)
            inputs = indices[start:stop][None, :]
            targets = indices[start + 1:stop + 1][None, :]
            a, y_pred, _ = FORWARD(one_hot(inputs, vocab_size), a_prev, parameters)
            total += cross_entropy_loss(y_pred, targets)[0]
            a_prev = a[:, :, -1]
    return total / (len(indices) - 1)


def truncated_bptt_gradients(x, a0, targets, parameters, k, forward=FORWARD, backward=BACKWARD):
    """Loss and gradient of every chunk of k steps, with the hidden state carried between them.

    This is one pass of truncated BPTT without the parameter updates, so it can
    be compared with full BPTT: chunk j starts from the hidden state chunk j-1
    ended with (the memory crosses the cut) but its backward pass starts from a
    zero gradient at its own end and stops at its own start (the gradient does
    not cross the cut).

    Arguments:
    x -- inputs, shape (n_x, m, T_x)
    a0 -- initial hidden state, shape (n_a, m)
    targets -- integer targets, shape (m, T_x)
    parameters -- as in rnn_forward
    k -- chunk length; k >= T_x gives one chunk, which is full BPTT
    forward, backward -- the pair of passes (the vectorized ones by default)

    Returns:
    list of (loss, gradients, a_start) for every chunk, a_start being the
    hidden state the chunk started from

    Its gradient check:
    tests/test_truncated_bptt.py::test_a_later_chunk_gets_the_gradient_of_its_own_loss_with_its_start_fixed.
    """
    results, a_start = [], a0
    for start in range(0, x.shape[2], k):
        loss, gradients, a_last = rnn_loss_and_gradients(x[:, :, start: start + k], a_start,
                                                         targets[:, start: start + k], parameters,
                                                         forward, backward)
        results.append((loss, gradients, a_start))
        a_start = a_last
    return results

# ---------------------------------------------------------------- the model as saved

def checkpoint_arrays(parameters, optimizer, chars, iteration, smooth_loss):
    """Everything needed to resume, as a dict of plain arrays (no pickled objects): what TruncatedBPTT.py saves."""
    arrays = {f"param_{name}": value for name, value in parameters.items()}
    arrays.update({f"optimizer_{name}": value for name, value in optimizer.state().items()})
    arrays["optimizer"] = np.array(optimizer.name)
    arrays["vocabulary"] = np.array([ord(c) for c in chars], dtype=np.int64)   # code points
    arrays["hidden"] = np.array(parameters["Waa"].shape[0])
    arrays["iteration"] = np.array(iteration)
    arrays["smooth_loss"] = np.array(smooth_loss)      # so a resumed run's progress and plot carry on
    return arrays


def load_checkpoint(path):
    """Read and check a checkpoint of TruncatedBPTT.py (the arrays of checkpoint_arrays).

    Returns (parameters, optimizer name, optimizer state, chars, hidden,
    iteration, smoothed loss). Raises a one-line UsageError for a file that
    is missing, damaged, not TruncatedBPTT.py's (checkpoint.load_arrays) or whose
    contents are not a model it could have written: every array
    is checked for its kind, shape and values before anything uses it.
    """
    contents = load_arrays(path, TRAINER)

    def array(key, kinds, ndim):
        return check_member(path, contents, key, kinds, ndim)      # there, of its kind and dimensions, finite

    codes = array("vocabulary", "iu", 1)
    if codes.size == 0 or codes.min() < 0 or codes.max() > sys.maxunicode or len(set(codes.tolist())) != codes.size:
        raise UsageError(f"{path}: 'vocabulary' must be distinct Unicode code points")
    chars = [chr(code) for code in codes.tolist()]
    hidden = int(array("hidden", "iu", 0))
    if not 1 <= hidden <= MAX_HIDDEN:
        raise UsageError(f"{path}: 'hidden' must be in 1..{MAX_HIDDEN}, got {hidden}")
    iteration = int(array("iteration", "iu", 0))
    if iteration < 0:
        raise UsageError(f"{path}: 'iteration' must be 0 or more, got {iteration}")
    smooth_loss = float(array("smooth_loss", "f", 0)) if "smooth_loss" in contents else math.log(len(chars))
    optimizer_name = str(array("optimizer", "U", 0))
    if optimizer_name not in OPTIMIZERS:
        raise UsageError(f"{path}: unknown optimizer {optimizer_name!r} (known: {', '.join(sorted(OPTIMIZERS))})")

    V = len(chars)
    shapes = {"Wax": (hidden, V), "Waa": (hidden, hidden), "Wya": (V, hidden), "ba": (hidden, 1), "by": (V, 1)}
    parameters = {}
    for name in RNN_PARAMETER_KEYS:
        value = array(f"param_{name}", "f", 2)
        if value.shape != shapes[name]:
            raise UsageError(f"{path}: 'param_{name}' should have shape {shapes[name]} for {hidden} hidden units "
                             f"and {V} characters, got {value.shape}")
        parameters[name] = value
    state = {key[len("optimizer_"):]: value for key, value in contents.items() if key.startswith("optimizer_")}
    check_optimizer_state(path, optimizer_name, state, parameters)
    return parameters, optimizer_name, state, chars, hidden, iteration, smooth_loss


def check_optimizer_state(path, name, state, parameters):
    """UsageError unless `state` is what optimizer `name` could have saved for these parameters.

    What it could have saved is found by asking a fresh optimizer of that kind:
    its state before any update, or after one update with zero gradients,
    gives the exact names, shapes and kinds, for any optimizer in OPTIMIZERS.
    """
    fresh = OPTIMIZERS[name](1.0)     # any step size: only the state's layout is asked
    before = fresh.state()
    fresh.update(parameters, {"d" + key: np.zeros_like(value) for key, value in parameters.items()})
    for expected in (before, fresh.state()):
        if set(state) == set(expected):
            break
    else:
        raise UsageError(f"{path}: the {name} optimizer's state should hold "
                         f"{', '.join(sorted(expected)) or 'nothing'}, got {', '.join(sorted(state)) or 'nothing'}")
    for key, value in state.items():
        model = np.asarray(expected[key])
        if value.shape != model.shape or value.dtype.kind != model.dtype.kind or \
                (value.dtype.kind == "f" and not np.all(np.isfinite(value))):
            raise UsageError(f"{path}: the optimizer's {key!r} should be a finite array of shape {model.shape} "
                             f"and kind {model.dtype}, got {value.dtype} of shape {value.shape}")
    try:
        fresh.load_state(state)                  # the optimizer's own checks of its values
    except (TypeError, KeyError, ValueError) as error:
        raise UsageError(f"{path}: the optimizer's state: {str(error).strip(chr(34))}")
