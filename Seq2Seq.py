"""Train the encoder-decoder of Seq2SeqModel.py to add numbers written as text ("57+641" -> "698").

    python Seq2Seq.py                  # trains reversed + peeky to 0.99+, 1 to 2 minutes on 2 cores
    python Seq2Seq.py --quick          # a small run in seconds (a smoke test: it learns little)
    python Seq2Seq.py --compare DIR    # plain, reversed, reversed + peeky at the same budget; plot in DIR
    python Seq2Seq.py --help

The model (data, parameters, forward, loss and gradients, greedy decoding,
exact match) is Seq2SeqModel.py; this file is the program around it, as
Deep Learning from Scratch 2 keeps train_seq2seq.py apart from seq2seq.py:
its options, the training loop (Adam, clipping, a learning rate that decays
over the second half, the held-out exact match after every epoch), the
checkpoint that a resume continues exactly, and the comparison of the two
tricks. The plumbing every program shares (progress line, save points,
saving on Ctrl-C and SIGTERM, exit codes) is program_support.py's.
"""
import os

# One BLAS thread, unless the user's environment says otherwise. The products here are small
# ((m, n_a) by (n_a, 4 n_a) per step), and a second thread costs more in waiting than it gains:
# on the project's shared 2-core Xeon (docs/encoder-decoder.md), 1.1-1.6e-4 s per training problem with one thread,
# 6-7e-4 s with two. numpy's BLAS reads this once, when numpy is first imported, so it only
# takes effect when this file starts the program (python Seq2Seq.py): hence the imports after it.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import math
import sys

import numpy as np

from checkpoint import (UsageError, check_can_save, interrupt_on_signals, non_negative, parse_options, positive,
                        random_seed)
from Optimizers import Adam
from program_support import (SavePoints, StatusLine, load_epoch_state, pyplot, resolve_options, run_program,
                             state_arrays, train_epochs)
from Seq2SeqModel import (V, decode, exact_match, init_parameters, make_problems, one_hot_problems,
                          seq2seq_loss_and_gradients)


# ---------------------------------------------------------------- training

PROGRAM = "Seq2Seq.py"               # stamped into its checkpoints (checkpoint.py)
SETTINGS = {"plain": (False, False), "reversed": (True, False), "reversed + peeky": (True, True)}


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
    train_data, test_data -- (x_enc, x_dec, targets) from Seq2SeqModel.one_hot_problems
    epochs -- total epochs, counted across resumes
    progress -- a program_support.StatusLine, or None for silence
    save -- function() called after every epoch (SavePoints.save), or None

    The loop itself is program_support.train_epochs: this gives it the loss of
    a batch of problems and the held-out exact match.
    """
    peeky = state["config"]["peeky"]
    x_enc, x_dec, targets = train_data

    def loss_and_gradients(parameters, rows):
        return seq2seq_loss_and_gradients(parameters, x_enc[:, rows], x_dec[:, rows], targets[rows], peeky)

    def held_out_accuracy(parameters):
        return exact_match(parameters, test_data[0], test_data[2], peeky)[0]

    return train_epochs(state, epochs, len(targets), loss_and_gradients, held_out_accuracy, progress, save)


# ---------------------------------------------------------------- checkpoints

CONFIG_KINDS = {"hidden": "iu", "batch": "iu", "lr": "f", "epochs": "iu", "train_size": "iu", "test_size": "iu",
                "clip": "f", "seed": "iu", "reverse": "b", "peeky": "b"}   # what a checkpoint's configuration holds
CONFIG_KEYS = tuple(CONFIG_KINDS)


def load_state(path):
    """Read a checkpoint of this program back into a state; one-line UsageError if it is not one.

    program_support.load_epoch_state checks everything (see its docstring); this
    says what the configuration holds and what shapes its parameters must have.
    """
    return load_epoch_state(path, PROGRAM, CONFIG_KINDS, OPTION_TYPES, lambda config: init_parameters(
        V, config["hidden"], config["peeky"], np.random.default_rng(0)), "training problems")


# ---------------------------------------------------------------- the program

DEFAULT_CHECKPOINT = os.path.join("checkpoints", "seq2seq.npz")
QUICK_CHECKPOINT = os.path.join("checkpoints", "seq2seq_quick.npz")
# option: (default, --quick's)
DEFAULTS = {"hidden": (96, 32), "batch": (128, 64), "lr": (0.005, 0.01), "epochs": (10, 2),
            "train_size": (45_000, 2_000), "test_size": (5_000, 500), "clip": (5.0, 5.0), "seed": (1, 1)}
MODEL_OPTIONS = ("hidden", "train_size", "test_size", "seed", "reverse", "peeky")   # fixed by a checkpoint
# The checks of every numeric option, used twice: on the command line and on a checkpoint's configuration.
OPTION_TYPES = {"hidden": positive(int, 4096), "batch": positive(int), "lr": positive(float),
                "epochs": non_negative(int), "train_size": positive(int), "test_size": positive(int),
                "clip": non_negative(float), "seed": random_seed()}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Train an LSTM encoder-decoder to add numbers written as text (\"57+641\" -> \"698\").")
    add = parser.add_argument
    add("--hidden", type=OPTION_TYPES["hidden"], help=f"hidden units of both LSTMs (default {DEFAULTS['hidden'][0]})")
    add("--batch", type=OPTION_TYPES["batch"], help=f"problems per batch (default {DEFAULTS['batch'][0]})")
    add("--lr", type=OPTION_TYPES["lr"], help=f"Adam's learning rate, decayed over the second half "
                                              f"(default {DEFAULTS['lr'][0]})")
    add("--epochs", type=OPTION_TYPES["epochs"],
        help=f"total epochs, counted across resumes; 0 only evaluates (default {DEFAULTS['epochs'][0]})")
    add("--train-size", type=OPTION_TYPES["train_size"], help=f"training problems (default {DEFAULTS['train_size'][0]:,})")
    add("--test-size", type=OPTION_TYPES["test_size"], help=f"held-out problems (default {DEFAULTS['test_size'][0]:,})")
    add("--clip", type=OPTION_TYPES["clip"], help="clip the gradient's global norm to this; 0 for none (default 5)")
    add("--seed", type=OPTION_TYPES["seed"], help="seed of the weights and of the batches' order (default 1)")
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
    args = parse_options(parser, argv)
    if args.resume and args.overwrite:
        parser.error("--resume continues the checkpoint and --overwrite replaces it: give only one")
    if args.compare is not None and (args.resume or args.checkpoint):
        parser.error("--compare trains from scratch and saves no model: no --resume or --checkpoint")
    if args.compare is not None and (args.reverse is not None or args.peeky is not None):
        parser.error("--compare runs every setting of --reverse and --peeky itself: leave them out")
    return args


def resolve(args, saved=None):
    """The run's configuration: the options given, else the checkpoint's, else the defaults (both tricks on).

    UsageError if an option given contradicts the model or data of the checkpoint.
    """
    return resolve_options(args, saved, MODEL_OPTIONS, {**DEFAULTS, "reverse": (True, True), "peeky": (True, True)})


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


def where(state):
    """Where training is, in words: "epoch 2 (+1,280 problems)"."""
    return f"epoch {state['epoch']}" + (f" (+{state['position']:,} problems)" if state["position"] else "")


def run_training(args):
    """Train one model (or resume one), save it, show examples; return the exit status."""
    path = args.checkpoint or (QUICK_CHECKPOINT if args.quick else DEFAULT_CHECKPOINT)
    check_can_save(path, PROGRAM, resume=args.resume,
                   overwrite=args.overwrite or (args.quick and args.checkpoint is None))
    if args.resume:
        state = load_state(path)
        state["config"] = resolve(args, state["config"])
        print(f"resumed from {path} at {where(state)}, held-out exact match {state['history']['accuracy'][-1]:.4f}")
    else:
        state = new_state(resolve(args))
    config = state["config"]
    test_pairs, train_data, test_data = load_data(config)
    print(f"seq2seq: {describe(config)}", flush=True)

    started = where(state)
    save_points = SavePoints(path, PROGRAM, arrays=lambda: state_arrays(state),
                             where=lambda: None if where(state) == started else where(state),
                             resume=f"python Seq2Seq.py --resume --checkpoint {path}")
    status = StatusLine()
    with save_points.on_stop(status):            # Ctrl-C, SIGTERM, SIGHUP: save, say how to resume, exit
        train(state, train_data, test_data, config["epochs"], status, save=save_points.save)
    if where(state) == started:
        print(f"nothing to train (the model has done {state['epoch']} of --epochs {config['epochs']})")
    elif save_points.save():
        print(f"trained {state['epoch']} epochs in {state['seconds']:.0f} s; the model is saved in {path}")
    else:
        print(f"{PROGRAM}: error: the model could not be saved to {path} (see above)", file=sys.stderr)
        return 1
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
        with interrupt_on_signals():             # SIGTERM too ends the comparison, which saves nothing
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
    plt = pyplot()
    if plt is None:
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
    return run_program(PROGRAM, run_compare if args.compare is not None else run_training, args,
                       out_of_memory="try a smaller --hidden, --batch or --test-size")


if __name__ == "__main__":
    sys.exit(main())
