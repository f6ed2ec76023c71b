"""Train the encoder-decoder with attention (AttentionSeq2SeqModel.py) to read dates, and measure the bottleneck.

    python AttentionSeq2Seq.py                          # dates to 0.999+ on 5,000 unseen dates, ~80 s of CPU
    python AttentionSeq2Seq.py --translate "Tuesday, September 25, 1984"     # prints 1984-09-25
    python AttentionSeq2Seq.py --translate - < questions.txt                 # one answer per line
    python AttentionSeq2Seq.py --translate "9/25/84" --plot map.png          # where each answer character looked
    python AttentionSeq2Seq.py --lengths --plot lengths.png   # copying digits, with and without: ~4 min
    python AttentionSeq2Seq.py --compare --plot compare.png   # dates, with attention against reversed + peeky
    python AttentionSeq2Seq.py --quick                        # seconds (a smoke test; also with --lengths, --compare)

The model is AttentionSeq2SeqModel.py, the layer Attention.py, the data
Dates.py, the chapter docs/attention.md; this file is the program around
them: its options, the training loop, the checkpoint a resume continues, and
the two experiments of the chapter. The plumbing every program shares
(progress line, save points, saving on Ctrl-C and SIGTERM, exit codes,
matplotlib) is program_support.py's.
"""
import os

# One BLAS thread, unless the user's environment says otherwise: the products are small
# ((m, n_a) by (n_a, 4 n_a) per step) and a second thread costs more in waiting than it gains
# (Seq2Seq.py measures it). numpy reads this when it is first imported: hence the imports after it.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import math
import sys
import time
from collections import namedtuple

import numpy as np

import AttentionSeq2SeqModel as attention_model
import Seq2SeqModel as plain_model
from checkpoint import (UsageError, check_can_save, interrupt_on_signals, non_negative, parse_options, positive,
                        random_seed)
from Dates import (ANSWER_LENGTH, QUESTION_LENGTH, SEPARATOR, SYMBOLS, decode, encode, encode_dates, make_dates,
                   unreadable)
from Optimizers import Adam
from program_support import (SavePoints, StatusLine, check_can_plot, load_epoch_state, one_hot, pyplot,
                             resolve_options, run_program, state_arrays, train_epochs)
from sequence_training import train as train_iterations

PROGRAM = "AttentionSeq2Seq.py"      # stamped into its checkpoints (checkpoint.py)
V = len(SYMBOLS)


# ---------------------------------------------------------------- the two models, as the training loop sees them

# init(rng) -> parameters; loss_and_gradients(parameters, x_enc, x_dec, targets); answer(parameters, x_enc, steps, start)
Model = namedtuple("Model", "name init loss_and_gradients answer")


def with_attention(n_x, n_a, score="dot"):
    """This chapter's model: the decoder reads [its state; the context]."""
    return Model(f"attention ({score})",
                 lambda rng: attention_model.init_parameters(n_x, n_a, score, rng, np.float32),
                 lambda p, x_enc, x_dec, targets: attention_model.attention_seq2seq_loss_and_gradients(
                     p, x_enc, x_dec, targets, score),
                 lambda p, x_enc, steps, start: attention_model.greedy_decode(p, x_enc, steps, start, score)[0])


def without_attention(n_x, n_a):
    """The previous chapter's best: the question read backwards, h given to every decoder step (peeky)."""
    return Model("reversed + peeky, no attention",
                 lambda rng: plain_model.init_parameters(n_x, n_a, True, rng, np.float32),
                 lambda p, x_enc, x_dec, targets: plain_model.seq2seq_loss_and_gradients(
                     p, x_enc[:, :, ::-1], x_dec, targets, True),
                 lambda p, x_enc, steps, start: plain_model.greedy_decode(p, x_enc[:, :, ::-1], True, steps, start))


def exact_match(model, parameters, questions, targets, n_x, start, chunk=2500):
    """The fraction of answers right in every character (greedy decoding), and the answers (N, steps).

    questions and targets are symbol indices, (N, T_e) and (N, T_d); n_x is the vocabulary's size.
    """
    written = np.concatenate([model.answer(parameters, one_hot(questions[first:first + chunk], n_x, np.float32),
                                           targets.shape[1], start)
                              for first in range(0, len(questions), chunk)])
    return float(np.mean(np.all(written == targets, axis=1))), written


# ---------------------------------------------------------------- dates: data and training

def load_dates(config):
    """The questions of a configuration: the held-out pairs, then the training and held-out symbols.

    Each set of symbols is (questions (N, 29), decoder inputs (N, 10), targets (N, 10)), from
    Dates.encode_dates; a batch is made one-hot only when it is used (45,000 one-hot
    questions would take 300 MB).
    """
    try:
        train_pairs, test_pairs = make_dates(config["train_size"], config["test_size"])
    except ValueError as error:
        raise UsageError(f"--train-size, --test-size: {error}")
    return test_pairs, encode_dates(train_pairs), encode_dates(test_pairs)


def new_state(config, model):
    """A fresh model (float32), its optimizer, nothing done yet: everything a checkpoint holds."""
    return {"parameters": model.init(np.random.default_rng(config["seed"])), "optimizer": Adam(config["lr"]),
            "config": dict(config), "epoch": 0, "position": 0, "epoch_loss": 0.0, "seconds": 0.0,
            "history": {"epoch": [0], "accuracy": [0.0], "loss": [math.nan], "seconds": [0.0]}}


def train(state, model, train_data, test_data, epochs, progress, save=None):
    """Train until `epochs` epochs are done, judging the model on the held-out dates after each.

    model is a Model; train_data and test_data are the symbols load_dates gives; progress a
    program_support.StatusLine; save a function called after every epoch (SavePoints.save), or None.
    state is updated in place (also when interrupted). The loop is program_support.train_epochs,
    as in Seq2Seq.py: this gives it the loss of a batch, made one-hot when it is used, and the judge.
    """
    questions, decoder_inputs, targets = train_data

    def loss_and_gradients(parameters, rows):
        x_enc, x_dec = (one_hot(symbols[rows], V, np.float32) for symbols in (questions, decoder_inputs))
        return model.loss_and_gradients(parameters, x_enc, x_dec, targets[rows])

    def held_out_accuracy(parameters):
        return exact_match(model, parameters, test_data[0], test_data[2], V, SEPARATOR)[0]

    return train_epochs(state, epochs, len(targets), loss_and_gradients, held_out_accuracy, progress, save,
                        noun="dates")


# ---------------------------------------------------------------- checkpoints

CONFIG_KINDS = {"hidden": "iu", "batch": "iu", "lr": "f", "epochs": "iu", "train_size": "iu", "test_size": "iu",
                "clip": "f", "seed": "iu", "score": "U"}   # what a checkpoint's configuration holds
CONFIG_KEYS = tuple(CONFIG_KINDS)


def load_state(path):
    """Read a checkpoint of this program back into a state; one-line UsageError if it is not one.

    program_support.load_epoch_state checks everything (see its docstring); this
    says what the configuration holds and what shapes its parameters must have.
    """
    return load_epoch_state(path, PROGRAM, CONFIG_KINDS, OPTION_TYPES, lambda config: attention_model.init_parameters(
        V, config["hidden"], config["score"], np.random.default_rng(0)), "training questions")


# ---------------------------------------------------------------- options

DEFAULT_CHECKPOINT = os.path.join("checkpoints", "attention.npz")
QUICK_CHECKPOINT = os.path.join("checkpoints", "attention_quick.npz")
# option: (default, --quick's)
DEFAULTS = {"hidden": (64, 16), "batch": (128, 64), "lr": (0.005, 0.01), "epochs": (5, 1),
            "train_size": (45_000, 1_000), "test_size": (5_000, 200), "clip": (5.0, 5.0), "seed": (1, 1),
            "score": ("dot", "dot")}
MODEL_OPTIONS = ("hidden", "train_size", "test_size", "seed", "score")   # fixed by a checkpoint


# the command line's option types, also what load_state checks a checkpoint's configuration with
def score_name(text):
    """An argparse type: the name of an attention score."""
    if text not in ("dot", "additive"):
        raise argparse.ArgumentTypeError(f"must be dot or additive, got {text[:40]!r}")
    return text


OPTION_TYPES = {"hidden": positive(int, 4096), "batch": positive(int), "lr": positive(float),
                "epochs": non_negative(int, 1000), "train_size": positive(int), "test_size": positive(int),
                "clip": non_negative(float), "seed": random_seed(), "score": score_name}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Train an LSTM encoder-decoder with attention to read dates "
                    "(\"Tuesday, September 25, 1984\" -> \"1984-09-25\"), and measure the bottleneck it removes.")
    add = parser.add_argument
    add("--hidden", type=OPTION_TYPES["hidden"], help=f"hidden units of both LSTMs (default {DEFAULTS['hidden'][0]})")
    add("--score", choices=("dot", "additive"), help="the attention score (default dot)")
    add("--batch", type=OPTION_TYPES["batch"], help=f"dates per batch (default {DEFAULTS['batch'][0]})")
    add("--lr", type=OPTION_TYPES["lr"], help=f"Adam's learning rate, decayed over the second half "
                                           f"(default {DEFAULTS['lr'][0]})")
    add("--epochs", type=OPTION_TYPES["epochs"],
        help=f"passes over the training dates, counted across resumes (default {DEFAULTS['epochs'][0]})")
    add("--train-size", type=OPTION_TYPES["train_size"], help=f"training questions (default {DEFAULTS['train_size'][0]:,})")
    add("--test-size", type=OPTION_TYPES["test_size"], help=f"held-out dates (default {DEFAULTS['test_size'][0]:,})")
    add("--clip", type=OPTION_TYPES["clip"], help="clip the gradient's global norm to this; 0 for none (default 5)")
    add("--seed", type=OPTION_TYPES["seed"], help="seed of the weights and of the batches' order (default 1)")
    add("--checkpoint", help=f"the model's file (default {DEFAULT_CHECKPOINT}; "
                             f"with --quick {QUICK_CHECKPOINT}, which --quick replaces)")
    add("--resume", action="store_true", help="continue training the checkpoint")
    add("--overwrite", action="store_true", help="start again over an existing checkpoint of this program")
    add("--quick", action="store_true", help="a small run of a few seconds: a smoke test")
    add("--translate", metavar="TEXT", help="answer one question with the saved model; - reads one per line "
                                            "from standard input")
    add("--plot", metavar="PATH", help="write the figure as a PNG: the attention maps of a few held-out dates "
                                       "(training), of the question (--translate), or the curves "
                                       "(--lengths, --compare)")
    add("--lengths", action="store_true", help="copy strings of 5 to 40 digits with and without attention, "
                                               "three seeds each (saves no model)")
    add("--compare", action="store_true", help="dates with attention against reversed + peeky without it, "
                                               "the same budget (saves no model)")
    args = parse_options(parser, argv)
    modes = [name for name in ("translate", "lengths", "compare") if getattr(args, name)]
    if len(modes) > 1:
        parser.error(f"--{modes[0]} and --{modes[1]} are two different runs: give one")
    if args.resume and args.overwrite:
        parser.error("--resume continues the checkpoint and --overwrite replaces it: give only one")
    if (args.lengths or args.compare) and (args.resume or args.checkpoint or args.overwrite):
        parser.error("--lengths and --compare train from scratch and save no model: "
                     "no --resume, --overwrite or --checkpoint")
    if args.translate is not None and (args.resume or args.overwrite):
        parser.error("--translate uses the saved model as it is: no --resume or --overwrite")
    if args.translate == "-" and args.plot:
        parser.error("--plot draws the map of one question: give it with --translate TEXT, not -")
    return args


def resolve(args, saved=None):
    """The run's configuration: the options given, else the checkpoint's, else the defaults.

    UsageError if an option given contradicts the model or data of the checkpoint.
    """
    return resolve_options(args, saved, MODEL_OPTIONS, DEFAULTS)


# ---------------------------------------------------------------- the default run: dates

def final_line(accuracy, count):
    return f"attention, dates: exact match {accuracy:.4f} on {count} held-out dates"


def where(state):
    """Where training is, in words: "at epoch 2 (+1,280 dates)"."""
    return f"at epoch {state['epoch']}" + (f" (+{state['position']:,} dates)" if state["position"] else "")


def show_examples(pairs, written, count=6):
    """Print a few held-out questions with the model's answers: some right ones, then the wrong ones."""
    right = np.array([decode(w) == a for w, (_, a) in zip(written, pairs)])
    print(f"held-out dates ({right.sum():,} right, {(~right).sum():,} wrong):")
    for index in list(np.flatnonzero(right)[:count]) + list(np.flatnonzero(~right)[:count]):
        question, answer = pairs[index]
        verdict = "right" if right[index] else f"wrong, it is {answer}"
        print(f"  {question:<30} -> {decode(written[index])}  {verdict}")


def run_training(args):
    """Train one model (or resume one), save it, show examples; return the exit status."""
    path = args.checkpoint or (QUICK_CHECKPOINT if args.quick else DEFAULT_CHECKPOINT)
    check_can_save(path, PROGRAM, resume=args.resume,
                   overwrite=args.overwrite or (args.quick and args.checkpoint is None))
    if args.plot:
        check_can_plot(args.plot, "the attention maps")
    state = load_state(path) if args.resume else None
    config = resolve(args, state and state["config"])
    model = with_attention(V, config["hidden"], config["score"])
    if state is None:
        state = new_state(config, model)
    else:
        state["config"] = config
        print(f"resumed from {path} {where(state)}, held-out exact match {state['history']['accuracy'][-1]:.4f}")
    test_pairs, train_data, test_data = load_dates(config)
    print(f"attention: hidden {config['hidden']}, {config['score']} score, {config['train_size']:,} training "
          f"questions, {config['test_size']:,} held-out dates, batch {config['batch']}, Adam lr {config['lr']}, "
          f"{config['epochs']} epochs", flush=True)

    started = where(state)
    save_points = SavePoints(path, PROGRAM, arrays=lambda: state_arrays(state),
                             where=lambda: None if where(state) == started else where(state),
                             resume=f"python {PROGRAM} --resume --checkpoint {path}")
    status = StatusLine()
    with save_points.on_stop(status):            # Ctrl-C, SIGTERM, SIGHUP: save, say how to resume, exit
        train(state, model, train_data, test_data, config["epochs"], status, save=save_points.save)
    if where(state) == started:
        print(f"nothing to train (the model has done {state['epoch']} of --epochs {config['epochs']})")
    elif save_points.save():
        print(f"trained {state['epoch']} epochs in {state['seconds']:.0f} s; the model is saved in {path}")
    else:
        print(f"{PROGRAM}: error: the model could not be saved to {path} (see above)", file=sys.stderr)
        return 1
    accuracy, written = exact_match(model, state["parameters"], test_data[0], test_data[2], V, SEPARATOR)
    show_examples(test_pairs, written)
    if args.plot:
        shown = [pairs_index for pairs_index in example_questions(test_pairs)]
        draw_maps(args.plot, state["parameters"], config["score"], [test_pairs[i][0] for i in shown])
    print(final_line(accuracy, len(test_pairs)))
    return 0


def example_questions(pairs):
    """One held-out question of each kind (long, short, with the weekday, numeric): their indices."""
    kinds = (lambda q: "," in q and q.count(",") == 1 and len(q.split()[0]) > 3,
             lambda q: "," in q and q.count(",") == 1 and len(q.split()[0]) == 3,
             lambda q: q.count(",") == 2, lambda q: "/" in q)
    return [next(i for i, (q, _) in enumerate(pairs) if kind(q)) for kind in kinds]


# ---------------------------------------------------------------- --translate

def read_questions(text):
    """The questions to answer: TEXT itself, or the lines of standard input for "-"; UsageError naming a bad one."""
    questions = [text] if text != "-" else [line.rstrip("\r\n") for line in sys.stdin]
    for number, question in enumerate(questions, start=1):
        problem = unreadable(question)
        if problem:
            raise UsageError(problem if text != "-" else f"line {number} of standard input: {problem}")
    return questions


def run_translate(args):
    """Answer questions with the saved model: one answer per line on stdout, nothing else."""
    path = args.checkpoint or (QUICK_CHECKPOINT if args.quick else DEFAULT_CHECKPOINT)
    if not os.path.exists(path):
        raise UsageError(f"there is no model in {path}: train one first (python {PROGRAM})")
    if args.plot:
        check_can_plot(args.plot, "the attention map")
    questions = read_questions(args.translate)
    state = load_state(path)
    parameters, score = state["parameters"], state["config"]["score"]
    x_enc = one_hot(encode(questions, QUESTION_LENGTH), V, np.float32)
    written, _ = attention_model.greedy_decode(parameters, x_enc, ANSWER_LENGTH, SEPARATOR, score)
    for row in written:
        print(decode(row))
    if args.plot:
        draw_maps(args.plot, parameters, score, questions)
    return 0


def draw_maps(path, parameters, score, questions):
    """The attention map of each question: rows the answer's characters, columns the question's."""
    plt = pyplot()
    if plt is None:
        print("the maps need matplotlib (python -m pip install matplotlib); none written", file=sys.stderr)
        return
    x_enc = one_hot(encode(questions, QUESTION_LENGTH), V, np.float32)
    written, alphas = attention_model.greedy_decode(parameters, x_enc, ANSWER_LENGTH, SEPARATOR, score)
    columns = 2 if len(questions) > 1 else 1
    rows = math.ceil(len(questions) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns + 1, 3.4 * rows), dpi=120, squeeze=False,
                             layout="constrained")
    fig.suptitle("Where each character of the answer looked in the question (greedy decoding)", fontsize=10)
    for k, question in enumerate(questions):
        ax = axes.flat[k]
        # (10 answer characters, the question's characters + one column: all the padding's weight together)
        weights = np.vstack([alphas[:len(question), k], alphas[len(question):, k].sum(axis=0)]).T
        image = ax.imshow(weights, cmap="Greys", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(question) + 1), list(question) + ["pad"], fontsize=8, fontfamily="monospace")
        ax.set_yticks(range(ANSWER_LENGTH), list(decode(written[k]).ljust(ANSWER_LENGTH)), fontsize=8,
                      fontfamily="monospace")
        ax.set_title(f"{question!r} -> {decode(written[k])}", fontsize=9)
    for ax in list(axes.flat)[len(questions):]:
        ax.axis("off")
    fig.colorbar(image, ax=axes, shrink=0.8, label="attention weight")
    fig.savefig(path)
    plt.close(fig)
    print(f"wrote {path}", file=sys.stderr)


# ---------------------------------------------------------------- --lengths: the bottleneck, measured

DIGIT_SYMBOLS = 11                   # the digits 0-9, and the separator, 10
DIGIT_SEPARATOR = 10
LENGTHS = (5, 10, 15, 20, 30, 40)
SEEDS = (1, 2, 3)


def digit_strings(rng, count, length):
    """`count` random strings of `length` digits: x_enc (11, count, length), x_dec ("_" + all but the last), targets."""
    digits = rng.integers(10, size=(count, length))
    fed = np.concatenate([np.full((count, 1), DIGIT_SEPARATOR), digits[:, :-1]], axis=1)
    return one_hot(digits, DIGIT_SYMBOLS, np.float32), one_hot(fed, DIGIT_SYMBOLS, np.float32), digits


def copy_by_length(model, seed, iterations, hidden, tested=500):
    """Train one model to copy digit strings (lengths 5..40 drawn per batch), then exact match at each length."""
    rng = np.random.default_rng(seed)
    parameters = model.init(rng)
    next_batch = lambda: digit_strings(rng, 64, int(rng.integers(5, 41)))
    parameters, _ = train_iterations(parameters, model.loss_and_gradients, next_batch, iterations,
                                     learning_rate=0.005, max_norm=5.0, label=f"{model.name}, seed {seed}")
    fresh = np.random.default_rng([seed, 99])          # strings never trained on
    results = []
    for length in LENGTHS:
        _, _, digits = digit_strings(fresh, tested, length)
        results.append(exact_match(model, parameters, digits, digits, DIGIT_SYMBOLS, DIGIT_SEPARATOR)[0])
    return results


def run_lengths(args):
    """Copying digits: exact match by length, with and without attention, three seeds; a table and a figure."""
    if args.plot:
        check_can_plot(args.plot, "the length curves")
    hidden = args.hidden or (16 if args.quick else 64)
    iterations, tested = (30, 50) if args.quick else (1500, 500)
    models = (with_attention(DIGIT_SYMBOLS, hidden), without_attention(DIGIT_SYMBOLS, hidden))
    print(f"copying strings of digits: hidden {hidden}, {iterations} iterations of 64 strings of 5 to 40 digits, "
          f"Adam 0.005, clipping 5; exact match on {tested} fresh strings per length", flush=True)
    results = {}
    with interrupt_on_signals():                 # SIGTERM too ends the measurement, which saves nothing
        for model in models:
            for s in SEEDS:
                began = time.process_time()
                results[model.name, s] = copy_by_length(model, s, iterations, hidden, tested)
                print(f"  {model.name}, seed {s}: {time.process_time() - began:.0f} s of CPU", flush=True)
    print("\n| model | seed | " + " | ".join(f"length {n}" for n in LENGTHS) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in LENGTHS) + " |")
    for (name, s), accuracy in results.items():
        print(f"| {name} | {s} | " + " | ".join(f"{a:.3f}" for a in accuracy) + " |")
    if args.plot:
        plot_lengths(args.plot, results)
    at_30 = {name: ",".join(f"{results[name, s][LENGTHS.index(30)]:.3f}" for s in SEEDS)
             for name in (model.name for model in models)}
    print(f"attention, copy by length 30: with attention {at_30[models[0].name]}; without {at_30[models[1].name]}")
    return 0


# ---------------------------------------------------------------- --compare: dates, with and without attention

def run_compare(args):
    """Dates at one budget, with attention and with the previous chapter's best: table and curves."""
    if args.plot:
        check_can_plot(args.plot, "the comparison")
    config = resolve(args)
    test_pairs, train_data, test_data = load_dates(config)
    histories = {}
    for model in (with_attention(V, config["hidden"], config["score"]), without_attention(V, config["hidden"])):
        print(f"--- {model.name}: hidden {config['hidden']}, {config['train_size']:,} training questions, "
              f"{config['epochs']} epochs", flush=True)
        state = new_state(config, model)
        with interrupt_on_signals():
            train(state, model, train_data, test_data, config["epochs"], StatusLine())
        histories[model.name] = state["history"]
    print("\n| model | " + " | ".join(f"epoch {e}" for e in histories[model.name]["epoch"][1:]) + " | training time |")
    print("| --- | " + " | ".join("---:" for _ in histories[model.name]["epoch"][1:]) + " | ---: |")
    for name, history in histories.items():
        print(f"| {name} | " + " | ".join(f"{a:.4f}" for a in history["accuracy"][1:])
              + f" | {history['seconds'][-1]:.0f} s |")
    if args.plot:
        plot_compare(args.plot, histories, len(test_pairs))
    print(final_line(next(iter(histories.values()))["accuracy"][-1], len(test_pairs)))
    return 0


# ---------------------------------------------------------------- the curves

def plot_lengths(path, results):
    """Exact match against the string's length, every seed a point, both models."""
    plt = pyplot()
    if plt is None:
        print("the plot needs matplotlib (python -m pip install matplotlib); none written", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=120)
    names = list(dict.fromkeys(name for name, _ in results))
    for name, color in zip(names, ("#e07a1f", "#4c72b0")):
        runs = np.array([results[name, s] for s in SEEDS])
        ax.plot(LENGTHS, runs.mean(axis=0), color=color, label=f"{name} (mean of {len(SEEDS)} seeds)")
        for run in runs:
            ax.plot(LENGTHS, run, "o", color=color, markersize=4, alpha=0.7)
    ax.set_xlabel("length of the digit string to copy")
    ax.set_ylabel("exact match on fresh strings")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xticks(LENGTHS)
    ax.set_title("One vector is a bottleneck: copying digits with and without attention")
    ax.legend(loc="center right")                  # the empty corner: long strings, middling scores
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"wrote {path}")


def plot_compare(path, histories, count):
    """Held-out exact match on dates after every epoch, both models."""
    plt = pyplot()
    if plt is None:
        print("the plot needs matplotlib (python -m pip install matplotlib); none written", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=120)
    for (name, history), color in zip(histories.items(), ("#e07a1f", "#4c72b0")):
        ax.plot(history["epoch"], history["accuracy"], marker="o", markersize=4, color=color,
                label=f"{name} (last epoch {history['accuracy'][-1]:.4f})")
    ax.set_xlabel("epoch (passes over the training questions)")
    ax.set_ylabel(f"exact match on the {count:,} held-out dates")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Reading dates: attention against the previous chapter's best, same budget")
    ax.legend(loc="lower right", fontsize=8)      # under the slower curve
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv=None):
    args = parse_arguments(argv)
    body = (run_translate if args.translate is not None else run_lengths if args.lengths
            else run_compare if args.compare else run_training)
    return run_program(PROGRAM, body, args, out_of_memory="try a smaller --hidden, --batch or --test-size")


if __name__ == "__main__":
    sys.exit(main())
