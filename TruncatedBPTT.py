"""Train a character-level RNN with truncated backpropagation through time.

    python TruncatedBPTT.py                       # trains on data/alice29.txt (Alice in Wonderland)
    python TruncatedBPTT.py --text my_book.txt    # on any UTF-8 text
    python TruncatedBPTT.py --help

The tutorial explains truncated BPTT and per-step losses; this program runs
them on real text, with the loss of Loss.py and the optimizers of
Optimizers.py around the vectorized rnn_forward/rnn_backward of
VectorizedRNN.py (same results, faster).

- Every character is a class. The input at step t is the one-hot vector of
  character t, the target is character t + 1: the model learns to predict
  the next character.
- The batch dimension m is used for real: the text is split into m equal
  stretches, and row i of every batch reads its own stretch, so the m
  hidden states are m independent readers.
- Truncation: each iteration feeds the next k = --seq-length characters of
  every stretch, starting from the hidden states the previous chunk ended
  with (the memory crosses the cut), and backpropagates inside the chunk
  only (the gradient does not).
"""
import argparse
import math
import os
import sys
import time

# One BLAS thread, unless you have chosen a number yourself. NumPy's BLAS reads
# these variables once, when it loads, so they are set before numpy is imported.
# The matrices of this program are small (100 x 100 against 100 x 16): a second
# thread has little work to share, and on a busy machine it spins waiting for a
# core that the main thread needs. Measured on the default run, 1000 iterations
# on a shared 2-core machine: 5 to 12 times slower with two threads (README,
# "Threads"). The number of threads also changes the last digits of every sum,
# so one fixed number keeps the default run the same from one run to the next.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402  (the imports from here on come after the thread settings)

from checkpoint import (UsageError, check_can_save, interrupt_on_signals, load_arrays, non_negative, positive,
                        random_seed, save_arrays, signals_ignored)
from Loss import cross_entropy_loss, rnn_loss_and_gradients
from Optimizers import OPTIMIZERS, clip_global_norm
from program_support import (StatusLine, check_can_plot, exit_status, matplotlib_available, one_hot,
                             printing_that_cannot_fail)
from RNN_UNIT_CELL import RNN_PARAMETER_KEYS, rnn_cell_forward
from VectorizedRNN import rnn_backward_vectorized, rnn_forward_vectorized
from validation import arguments_checked

# Training runs the vectorized passes (VectorizedRNN.py): the same numbers as the
# tutorial's rnn_forward/rnn_backward to rounding (tests/test_vectorized.py and
# tests/test_truncated_bptt.py check it), about 1.4 to 1.5 times as fast at this size (README, training chapter).
FORWARD, BACKWARD = rnn_forward_vectorized, rnn_backward_vectorized

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TEXT = os.path.join(HERE, "data", "alice29.txt")   # public domain, see data/README.md
DEFAULT_CHECKPOINT = os.path.join("checkpoints", "char_rnn.npz")
# Each optimizer's step size means something different (Adagrad's and Adam's steps are
# normalised, SGD's is not), so each has its own default, measured on the default run.
DEFAULT_LEARNING_RATES = {"adagrad": 0.1, "adam": 0.002, "sgd": 0.1}
PROGRAM = "TruncatedBPTT.py"          # stamped into its checkpoints (checkpoint.py)
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
    """
    results, a_start = [], a0
    for start in range(0, x.shape[2], k):
        loss, gradients, a_last = rnn_loss_and_gradients(x[:, :, start: start + k], a_start,
                                                         targets[:, start: start + k], parameters,
                                                         forward, backward)
        results.append((loss, gradients, a_start))
        a_start = a_last
    return results


# ---------------------------------------------------------------- checkpoints

def checkpoint_arrays(parameters, optimizer, chars, iteration, smooth_loss):
    """Everything needed to resume, as a dict of plain arrays (no pickled objects)."""
    arrays = {f"param_{name}": value for name, value in parameters.items()}
    arrays.update({f"optimizer_{name}": value for name, value in optimizer.state().items()})
    arrays["optimizer"] = np.array(optimizer.name)
    arrays["vocabulary"] = np.array([ord(c) for c in chars], dtype=np.int64)   # code points
    arrays["hidden"] = np.array(parameters["Waa"].shape[0])
    arrays["iteration"] = np.array(iteration)
    arrays["smooth_loss"] = np.array(smooth_loss)      # so a resumed run's progress and plot carry on
    return arrays


def save_checkpoint(path, parameters, optimizer, chars, iteration, smooth_loss):
    """Write a checkpoint atomically (checkpoint.save_arrays); raises OSError if it cannot."""
    save_arrays(path, PROGRAM, checkpoint_arrays(parameters, optimizer, chars, iteration, smooth_loss))


def load_checkpoint(path):
    """Read and check a checkpoint written by save_checkpoint.

    Returns (parameters, optimizer name, optimizer state, chars, hidden,
    iteration, smoothed loss). Raises a one-line UsageError for a file that
    is missing, damaged, not this program's (checkpoint.load_arrays) or whose
    contents are not a model this program could have written: every array
    is checked for its kind, shape and values before anything uses it.
    """
    contents = load_arrays(path, PROGRAM)

    def array(key, kinds, ndim):
        if key not in contents:
            raise UsageError(f"{path}: the checkpoint has no {key!r}")
        value = contents[key]
        if value.dtype.kind not in kinds or value.ndim != ndim:
            raise UsageError(f"{path}: {key!r} should be a {ndim}-D array of "
                             f"{'floats' if kinds == 'f' else 'integers' if kinds == 'iu' else 'text'}, "
                             f"got dtype {value.dtype} and shape {value.shape}")
        if kinds == "f" and not np.all(np.isfinite(value)):
            raise UsageError(f"{path}: {key!r} holds numbers that are not finite")
        return value

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
    fresh = OPTIMIZERS[name](DEFAULT_LEARNING_RATES[name])
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


# ---------------------------------------------------------------- progress

class Progress:
    """Iteration, smoothed loss, speed and time left, on a StatusLine.

    Every `every` iterations, and at the last, the line is kept (a log file
    gets only those); in between a terminal shows it changing.
    """

    def __init__(self, total, every):
        self.total, self.every = total, every
        self.start = time.perf_counter()
        self.line = StatusLine()

    def show(self, iteration, done_here, loss_per_char, chars_per_iteration):
        elapsed = time.perf_counter() - self.start
        speed = done_here * chars_per_iteration / elapsed if elapsed > 0 else 0.0
        left = (self.total - iteration) * elapsed / done_here if done_here else 0.0
        self.line.show(f"iteration {iteration}/{self.total}  loss/char {loss_per_char:.3f}  "
                       f"{speed:,.0f} chars/s  {left:.0f} s left",
                       keep=iteration % self.every == 0 or iteration == self.total)

    def close_line(self):
        """End the updating line before anything else is printed."""
        self.line.close()


# ---------------------------------------------------------------- the program

def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog=PROGRAM, description="Train a character-level RNN with truncated backpropagation through time.")
    parser.add_argument("--text", default=DEFAULT_TEXT, help="UTF-8 text file to learn (default: data/alice29.txt)")
    parser.add_argument("--hidden", type=positive(int, high=MAX_HIDDEN), default=None,
                        help="hidden units n_a (default 100, or the checkpoint's with --resume)")
    parser.add_argument("--seq-length", type=positive(int), default=25,
                        help="chunk length k: steps per forward/backward pass (default 25)")
    parser.add_argument("--batch", type=positive(int), default=16,
                        help="m, parallel streams through the text (default 16)")
    parser.add_argument("--lr", type=positive(float), default=None,
                        help="learning rate (default: " + ", ".join(f"{name} {rate}" for name, rate
                                                                     in DEFAULT_LEARNING_RATES.items()) + ")")
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default=None,
                        help="default adagrad, or the checkpoint's with --resume")
    parser.add_argument("--iterations", type=non_negative(int), default=12000,
                        help="total training iterations, counted across resumes; 0 only evaluates (default 12000)")
    parser.add_argument("--clip", type=non_negative(float), default=5.0,
                        help="clip the gradient's global norm to this; 0 turns clipping off (default 5)")
    parser.add_argument("--seed", type=random_seed(), default=1, help="random seed for the weights and samples (default 1)")
    parser.add_argument("--temperature", type=positive(float), default=0.8,
                        help="sampling temperature (default 0.8)")
    parser.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT,
                        help=f"where to save the model (default {DEFAULT_CHECKPOINT})")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint at --checkpoint")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the checkpoint at --checkpoint with a new model (without it, an existing "
                             "checkpoint is only ever continued, with --resume)")
    parser.add_argument("--plot", metavar="PATH", help="write the loss curve to this PNG (needs matplotlib)")
    return parser.parse_args(argv)


def plot_losses(path, history, vocab_size):
    """Write the smoothed training loss per character against the iteration as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    iterations, losses = zip(*history)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=150)
    ax.plot(iterations, losses, color="#2a9d8f", label="training loss per character (smoothed)")
    ax.axhline(math.log(vocab_size), color="#888888", linestyle="--", label=f"ln V = {math.log(vocab_size):.2f} (guessing)")
    ax.axhline(math.log(vocab_size) / 2, color="#e07a1f", linestyle=":", label="ln V / 2")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cross-entropy per character (nats)")
    ax.set_ylim(bottom=0)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def make_optimizer(name, learning_rate):
    """The optimizer called `name`, with its default learning rate unless one is given."""
    return OPTIMIZERS[name](learning_rate or DEFAULT_LEARNING_RATES[name])


def all_finite(parameters):
    """True if no weight is inf or nan: a sum is inf or nan as soon as one entry is (one pass, no copies)."""
    return all(math.isfinite(float(np.sum(value))) for value in parameters.values())


class SavePoints:
    """Save the model during training; a failed save is reported and retried, never fatal.

    A save can fail for reasons that pass (a full disk, a folder unmounted for
    a moment). Then the previous checkpoint stays as it was (save_arrays is
    atomic), the model stays in memory, training goes on, and the next save
    point tries again. `saved` is the iteration of the last save that worked.
    """

    def __init__(self, path):
        self.path = path
        self.saved = None

    def save(self, parameters, optimizer, chars, iteration, smooth):
        """Try to save; True if the checkpoint now holds this iteration."""
        try:
            save_checkpoint(self.path, parameters, optimizer, chars, iteration, smooth)
        except OSError as error:
            kept = "the previous checkpoint is kept" if os.path.exists(self.path) else "there is no checkpoint yet"
            print(f"could not save the checkpoint to {self.path} at iteration {iteration} "
                  f"({error.strerror or error}); {kept} and the model stays in memory", file=sys.stderr, flush=True)
            return False
        self.saved = iteration
        return True


def train(args):
    if args.resume and args.overwrite:
        raise UsageError("--resume continues the checkpoint and --overwrite replaces it: give only one")
    text = read_text(args.text)
    rng = np.random.default_rng(args.seed)

    if args.resume:
        parameters, optimizer_name, state, chars, hidden, iteration, smooth = load_checkpoint(args.checkpoint)
    # before any work: the checkpoint can be written and replaces nothing it should not
    check_can_save(args.checkpoint, PROGRAM, resume=args.resume, overwrite=args.overwrite)
    if args.plot:
        check_can_plot(args.plot)
    if args.resume:
        if args.hidden is not None and args.hidden != hidden:
            raise UsageError(f"--hidden {args.hidden} does not match the checkpoint's hidden size {hidden}")
        unknown = sorted(set(text) - set(chars))
        if unknown:
            shown = ", ".join(repr(c) for c in unknown[:10])
            raise UsageError(f"the text has {len(unknown)} characters the checkpoint's vocabulary lacks "
                             f"(the model cannot predict them): {shown}")
        optimizer_name_asked = args.optimizer or optimizer_name
        optimizer = make_optimizer(optimizer_name_asked, args.lr)
        if optimizer_name_asked == optimizer_name:
            optimizer.load_state(state)
        else:
            print(f"note: the checkpoint was trained with {optimizer_name}; {optimizer_name_asked} "
                  f"starts with an empty state", file=sys.stderr)
    else:
        chars = sorted(set(text))
        hidden = args.hidden or 100
        parameters = init_parameters(len(chars), hidden, rng)
        optimizer = make_optimizer(args.optimizer or "adagrad", args.lr)
        iteration = 0
        smooth = math.log(len(chars))            # a model that knows nothing guesses uniformly

    char_to_index = {c: i for i, c in enumerate(chars)}
    vocab_size = len(chars)
    indices = np.array([char_to_index[c] for c in text], dtype=np.int64)
    streams = make_streams(indices, args.batch, args.seq_length)
    chunks_per_pass = (streams.shape[1] - 1) // args.seq_length
    k = args.seq_length
    print(f"text: {args.text} ({len(text):,} characters, {vocab_size} distinct); "
          f"hidden {hidden}, {args.batch} streams of {streams.shape[1] - 1:,}, chunks of {k}")
    print(f"loss per character of a uniform guess: ln {vocab_size} = {math.log(vocab_size):.3f}", flush=True)
    if args.plot and not matplotlib_available():
        print("--plot needs matplotlib (python -m pip install matplotlib); no plot will be written",
              file=sys.stderr)

    if args.resume:
        print(f"resumed from {args.checkpoint} at iteration {iteration} "
              f"(smoothed loss per character {smooth:.3f})")
    history = [(iteration, smooth)]
    progress = Progress(args.iterations, every=max(1, (args.iterations - iteration) // 20))
    first_iteration = iteration
    save_points = SavePoints(args.checkpoint)
    a_prev = np.zeros((hidden, args.batch))
    try:
        with interrupt_on_signals():             # SIGTERM and SIGHUP are saved like Ctrl-C
            while iteration < args.iterations:
                chunk = iteration % chunks_per_pass
                if chunk == 0:
                    a_prev = np.zeros((hidden, args.batch))         # back to the start of every stream
                start = chunk * k
                inputs = streams[:, start: start + k]
                targets = streams[:, start + 1: start + k + 1]
                loss, gradients, a_prev = rnn_loss_and_gradients(one_hot(inputs, vocab_size), a_prev,
                                                                 targets, parameters, FORWARD, BACKWARD)
                parameter_gradients = {"d" + name: gradients["d" + name] for name in parameters}
                parameter_gradients, _ = clip_global_norm(parameter_gradients, args.clip)  # tame explosions
                new_parameters = optimizer.update(parameters, parameter_gradients)
                if not all_finite(new_parameters):
                    kept = (f"the checkpoint keeps iteration {save_points.saved}" if save_points.saved
                            else "nothing of this run was saved")
                    raise UsageError(f"training diverged at iteration {iteration + 1}: the weights are no longer "
                                     f"finite numbers; {kept}; try a smaller --lr or a --clip")
                parameters = new_parameters
                iteration += 1

                smooth = 0.98 * smooth + 0.02 * loss / k
                history.append((iteration, smooth))
                progress.show(iteration, iteration - first_iteration, smooth, args.batch * k)
                if iteration % 1000 == 0 or iteration == args.iterations:
                    progress.close_line()
                    # Save first: whatever happens to the print, the model is already safe.
                    save_points.save(parameters, optimizer, chars, iteration, smooth)
                    drawn = sample(parameters, int(inputs[0, 0]), 200, args.temperature, rng)
                    print(f"--- sample at iteration {iteration} ---\n{''.join(chars[i] for i in drawn)}\n---",
                          flush=True)
    except KeyboardInterrupt as stop:
        with signals_ignored():                  # a second Ctrl-C or a SIGTERM must not break the save
            progress.close_line()
            name = str(stop) or "Ctrl-C"
            if iteration == first_iteration:
                print(f"\nstopped by {name} before the first iteration; nothing new to save", file=sys.stderr)
            elif save_points.saved == iteration or save_points.save(parameters, optimizer, chars, iteration, smooth):
                print(f"\nstopped by {name} at iteration {iteration}; the model is saved in {args.checkpoint}\n"
                      f"resume with: python TruncatedBPTT.py --resume --checkpoint {args.checkpoint} "
                      f"--iterations {args.iterations}" + (f" --text {args.text}" if args.text != DEFAULT_TEXT else ""),
                      file=sys.stderr)
            else:
                print(f"\nstopped by {name} at iteration {iteration}; the model could not be saved", file=sys.stderr)
        return exit_status(stop)

    progress.close_line()
    if iteration == first_iteration:
        print(f"no iteration to run (the model is at iteration {iteration} of --iterations {args.iterations}); "
              f"nothing new to save")
    elif save_points.saved == iteration:
        print(f"saved the model after {iteration} iterations to {args.checkpoint}")
    else:
        print(f"{PROGRAM}: error: the model of iteration {iteration} could not be saved to {args.checkpoint} "
              f"(see above)", file=sys.stderr)
        return 1
    if args.plot and matplotlib_available() and len(history) > 1:
        try:
            plot_losses(args.plot, history, vocab_size)
            print(f"wrote the loss curve to {args.plot}")
        except OSError as error:
            print(f"could not write the loss curve to {args.plot} ({error.strerror or error})", file=sys.stderr)
    # judged the way it was trained: every stream's stretch from a zero state
    print(f"final loss per character: {evaluate(parameters, indices, stretch=streams.shape[1] - 1):.4f}")
    return 0


def main(argv=None):
    printing_that_cannot_fail()
    args = parse_arguments(argv)
    try:
        return train(args)
    except UsageError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"{PROGRAM}: error: out of memory: try a smaller --hidden, --batch or --seq-length", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:    # before or after the training loop: nothing new to save
        print("\ninterrupted", file=sys.stderr)
        return exit_status(stop)


if __name__ == "__main__":
    sys.exit(main())
