"""Train the character-level RNN of CharRNN.py with truncated backpropagation through time.

    python TruncatedBPTT.py                       # trains on data/alice29.txt (Alice in Wonderland)
    python TruncatedBPTT.py --text my_book.txt    # on any UTF-8 text
    python TruncatedBPTT.py --help

The model (the data streams, the parameters, truncated BPTT's gradients,
sampling, the loss over a text, the checkpoint's contents) is CharRNN.py;
this file is the program around it, as Deep Learning from Scratch 2 keeps
its training scripts apart from its models: the options, the training loop
(one chunk of k = --seq-length characters of every stream per iteration,
the hidden states carried from chunk to chunk, the gradient clipped and
handed to an optimizer of Optimizers.py), a sample every 1000 iterations,
and the checkpoint a resume continues. The plumbing every program shares
(progress line, save points, saving on Ctrl-C and SIGTERM, exit codes, the
optional matplotlib) is program_support.py's.
"""
import argparse
import math
import os
import sys

# One BLAS thread, unless you have chosen a number yourself. NumPy's BLAS reads
# these variables once, when it loads, so they are set before numpy is imported.
# The matrices of this program are small (100 x 100 against 100 x 16): a second
# thread has little work to share, and on a busy machine it spins waiting for a
# core that the main thread needs. Measured on the default run, 1000 iterations
# on a shared 2-core machine: 5 to 12 times slower with two threads (docs/training.md,
# "One BLAS thread, on purpose"). The number of threads also changes the last digits of every sum,
# so one fixed number keeps the default run the same from one run to the next.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402  (the imports from here on come after the thread settings)

from CharRNN import (BACKWARD, DEFAULT_CHECKPOINT, DEFAULT_TEXT, FORWARD, MAX_HIDDEN, TRAINER,  # noqa: E402
                     checkpoint_arrays, evaluate, init_parameters, load_checkpoint, make_streams, read_text, sample)
from checkpoint import UsageError, check_can_save, non_negative, parse_options, positive, random_seed  # noqa: E402
from Loss import rnn_loss_and_gradients  # noqa: E402
from Optimizers import OPTIMIZERS, clip_global_norm  # noqa: E402
from program_support import (Progress, SavePoints, check_can_plot, matplotlib_available, one_hot,  # noqa: E402
                             pyplot, run_program)

PROGRAM = TRAINER                     # "TruncatedBPTT.py", stamped into its checkpoints (checkpoint.py)
# Each optimizer's step size means something different (Adagrad's and Adam's steps are
# normalised, SGD's is not), so each has its own default, measured on the default run.
DEFAULT_LEARNING_RATES = {"adagrad": 0.1, "adam": 0.002, "sgd": 0.1}


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
    return parse_options(parser, argv)


def plot_losses(path, history, vocab_size):
    """Write the smoothed training loss per character against the iteration as a PNG."""
    plt = pyplot()
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


def start(args, text, rng):
    """The model to train: a new one, or the checkpoint's (--resume) after checking it fits the options and text.

    Returns (parameters, optimizer, chars, iteration, smoothed loss per character).
    Everything that could refuse the run does so here, in one line, before any work.
    """
    if args.resume:
        parameters, optimizer_name, state, chars, hidden, iteration, smooth = load_checkpoint(args.checkpoint)
    # before any work: the checkpoint can be written and replaces nothing it should not
    check_can_save(args.checkpoint, PROGRAM, resume=args.resume, overwrite=args.overwrite)
    if args.plot:
        check_can_plot(args.plot)
    if not args.resume:
        chars = sorted(set(text))
        parameters = init_parameters(len(chars), args.hidden or 100, rng)
        return parameters, make_optimizer(args.optimizer or "adagrad", args.lr), chars, 0, math.log(len(chars))
    if args.hidden is not None and args.hidden != hidden:
        raise UsageError(f"--hidden {args.hidden} does not match the checkpoint's hidden size {hidden}")
    unknown = sorted(set(text) - set(chars))
    if unknown:
        shown = ", ".join(repr(c) for c in unknown[:10])
        raise UsageError(f"the text has {len(unknown)} characters the checkpoint's vocabulary lacks "
                         f"(the model cannot predict them): {shown}")
    optimizer = make_optimizer(args.optimizer or optimizer_name, args.lr)
    if optimizer.name == optimizer_name:
        optimizer.load_state(state)
    else:
        print(f"note: the checkpoint was trained with {optimizer_name}; {optimizer.name} "
              f"starts with an empty state", file=sys.stderr)
    return parameters, optimizer, chars, iteration, smooth


def train(args):
    """Train (or resume) the model as the options say, saving as it goes; return the exit status."""
    if args.resume and args.overwrite:
        raise UsageError("--resume continues the checkpoint and --overwrite replaces it: give only one")
    text = read_text(args.text)
    rng = np.random.default_rng(args.seed)
    parameters, optimizer, chars, iteration, smooth = start(args, text, rng)
    vocab_size, hidden, k = len(chars), parameters["Waa"].shape[0], args.seq_length
    char_to_index = {c: i for i, c in enumerate(chars)}
    indices = np.array([char_to_index[c] for c in text], dtype=np.int64)
    streams = make_streams(indices, args.batch, k)
    chunks_per_pass = (streams.shape[1] - 1) // k
    print(f"text: {args.text} ({len(text):,} characters, {vocab_size} distinct); "
          f"hidden {hidden}, {args.batch} streams of {streams.shape[1] - 1:,}, chunks of {k}")
    print(f"loss per character of a uniform guess: ln {vocab_size} = {math.log(vocab_size):.3f}", flush=True)
    if args.plot and not matplotlib_available():
        print("--plot needs matplotlib (python -m pip install matplotlib); no plot will be written",
              file=sys.stderr)
    if args.resume:
        print(f"resumed from {args.checkpoint} at iteration {iteration} "
              f"(smoothed loss per character {smooth:.3f})")

    first, history = iteration, [(iteration, smooth)]
    progress = Progress(args.iterations, every=max(1, (args.iterations - iteration) // 20), unit="chars")
    save_points = SavePoints(args.checkpoint, PROGRAM,
                             arrays=lambda: checkpoint_arrays(parameters, optimizer, chars, iteration, smooth),
                             where=lambda: f"iteration {iteration}" if iteration > first else None,
                             resume=resume_command(args))
    a_prev = np.zeros((hidden, args.batch))
    with save_points.on_stop(progress):          # Ctrl-C, SIGTERM, SIGHUP: save, say how to resume, exit
        while iteration < args.iterations:
            chunk = iteration % chunks_per_pass
            if chunk == 0:
                a_prev = np.zeros((hidden, args.batch))             # back to the start of every stream
            inputs = streams[:, chunk * k: chunk * k + k]
            targets = streams[:, chunk * k + 1: chunk * k + k + 1]  # every character's next one
            loss, gradients, a_prev = rnn_loss_and_gradients(one_hot(inputs, vocab_size), a_prev, targets,
                                                             parameters, FORWARD, BACKWARD)
            gradients, _ = clip_global_norm({"d" + name: gradients["d" + name] for name in parameters}, args.clip)
            parameters = finite_or_stop(optimizer.update(parameters, gradients), iteration + 1, save_points)
            iteration += 1
            smooth = 0.98 * smooth + 0.02 * loss / k
            history.append((iteration, smooth))
            progress.step(iteration, iteration - first, f"loss/char {smooth:.3f}", args.batch * k)
            if iteration % 1000 == 0 or iteration == args.iterations:
                progress.close()
                save_points.save()              # first: whatever happens to the print, the model is safe
                drawn = sample(parameters, int(inputs[0, 0]), 200, args.temperature, rng)
                print(f"--- sample at iteration {iteration} ---\n{''.join(chars[i] for i in drawn)}\n---",
                      flush=True)
    progress.close()

    if iteration == first:
        print(f"no iteration to run (the model is at iteration {iteration} of --iterations {args.iterations}); "
              f"nothing new to save")
    elif save_points.saved == save_points.where():
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


def finite_or_stop(parameters, iteration, save_points):
    """The parameters, if every weight is a finite number; else the one-line error of a diverged run."""
    if all(math.isfinite(float(np.sum(value))) for value in parameters.values()):   # a sum is inf or nan
        return parameters                                                           # if one entry is
    kept = f"the checkpoint keeps {save_points.saved}" if save_points.saved else "nothing of this run was saved"
    raise UsageError(f"training diverged at iteration {iteration}: the weights are no longer "
                     f"finite numbers; {kept}; try a smaller --lr or a --clip")


def resume_command(args):
    """The command that continues this run where it stops."""
    return (f"python TruncatedBPTT.py --resume --checkpoint {args.checkpoint} --iterations {args.iterations}"
            + (f" --text {args.text}" if args.text != DEFAULT_TEXT else ""))


def main(argv=None):
    return run_program(PROGRAM, train, parse_arguments(argv),
                       out_of_memory="try a smaller --hidden, --batch or --seq-length")


if __name__ == "__main__":
    sys.exit(main())
