"""The vanishing gradient, measured; and what LSTM and GRU do about it.

    python VanishingGradient.py                 # both parts, 90 s on 2 cores
    python VanishingGradient.py --quick         # a small version in seconds
    python VanishingGradient.py --long          # also 200 steps, and 100 steps from the usual starts
    python VanishingGradient.py --out DIR       # ... and the two figures in DIR (needs matplotlib)

Part 1, gradient over time. A loss at the last step only; how large is its
gradient with respect to every earlier hidden state, ||dL/da<t>||? For the
basic RNN with Waa scaled so that its largest singular value is below, at
and above 1, and for an LSTM and a GRU of the same size, with their gates
at the usual start and open.

Part 2, the detective's problem. Each sequence opens with a clue, one of K
symbols; every later step is a random distractor; at the last step the
model must name the clue. The basic RNN, the LSTM and the GRU (gates open
at the start) are trained with the same budget, Adam, at 10, 30 and 100
steps, three seeds each, and tested on sequences they have never seen. The
last line gives every seed's accuracy at 100 steps.
"""
import argparse
import os
import sys
import time

# One BLAS thread unless you chose otherwise: the matrices here are small (n_a = 32),
# and a second thread only waits for a core (TruncatedBPTT.py says more).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402  (after the thread settings)

from checkpoint import parse_options, random_seed  # noqa: E402
from ForwardPropagation import gru_forward, lstm_forward, rnn_forward  # noqa: E402
from GRU_UNIT_CELL import gru_cell_backward  # noqa: E402
from Loss import cross_entropy_loss, output_layer_backward  # noqa: E402
from LSTM_UNIT_CELL import lstm_cell_backward  # noqa: E402
from Optimizers import Adam, clip_global_norm  # noqa: E402
from program_support import matplotlib_available, pyplot  # noqa: E402
from RNN_UNIT_CELL import rnn_cell_backward  # noqa: E402
from rnn_utils import softmax  # noqa: E402
from VectorizedGRU import gru_backward_vectorized, gru_states_vectorized  # noqa: E402
from VectorizedLSTM import lstm_backward_vectorized, lstm_states_vectorized  # noqa: E402
from VectorizedRNN import rnn_backward_vectorized, rnn_states_vectorized  # noqa: E402


# ---------------------------------------------------------------- the three models, one interface

def init_rnn(n_x, n_a, n_y, rng):
    return {"Wax": rng.standard_normal((n_a, n_x)) / np.sqrt(n_x),
            "Waa": rng.standard_normal((n_a, n_a)) / np.sqrt(n_a),
            "Wya": rng.standard_normal((n_y, n_a)) / np.sqrt(n_a),
            "ba": np.zeros((n_a, 1)), "by": np.zeros((n_y, 1))}


def init_gated(gates, n_x, n_a, n_y, rng, bias=None):
    """Gate weights scaled by 1/sqrt(fan-in), biases zero unless `bias` says otherwise."""
    parameters = {}
    for g in gates:
        parameters["W" + g] = rng.standard_normal((n_a, n_a + n_x)) / np.sqrt(n_a + n_x)
        parameters["b" + g] = np.full((n_a, 1), (bias or {}).get(g, 0.0))
    parameters["Wy"] = rng.standard_normal((n_y, n_a)) / np.sqrt(n_a)
    parameters["by"] = np.zeros((n_y, 1))
    return parameters


# The start Part 2 trains from: the gates that guard the memory open, so that at the
# first iteration the memory path already carries the gradient (Part 1 shows how far).
LSTM_FORGET_BIAS = 5.0      # forget gate sigmoid(5) = 0.993: keep c
GRU_UPDATE_BIAS = -4.0      # update gate sigmoid(-4) = 0.018: keep a


def lstm_passes(x, a0, parameters):
    a, y, c, caches = lstm_forward(x, a0, parameters)
    return a, y, caches


def lstm_states(x, a0, parameters):
    a, c, cache = lstm_states_vectorized(x, a0, parameters)
    return a, cache


# Part 1 reads the gradient at every step, so it walks the tutorial's passes and cells.
TUTORIAL_FORWARD = {"RNN": rnn_forward, "LSTM": lstm_passes, "GRU": gru_forward}
# Part 2 only trains, so it runs the vectorized passes (the same numbers, tested, faster):
# the hidden states, and the backward pass from the gradient on them.
TRAINING_PASSES = {"RNN": (rnn_states_vectorized, rnn_backward_vectorized),
                   "LSTM": (lstm_states, lstm_backward_vectorized),
                   "GRU": (gru_states_vectorized, gru_backward_vectorized)}
OUTPUT_WEIGHT = {"RNN": "Wya", "LSTM": "Wy", "GRU": "Wy"}
MODELS = tuple(TRAINING_PASSES)
# Part 2's initialisers: (n_x, n_a, n_y, rng) -> parameters
START = {"RNN": init_rnn,
         "LSTM": lambda n_x, n_a, n_y, rng: init_gated("fico", n_x, n_a, n_y, rng, bias={"f": LSTM_FORGET_BIAS}),
         "GRU": lambda n_x, n_a, n_y, rng: init_gated("ruc", n_x, n_a, n_y, rng, bias={"u": GRU_UPDATE_BIAS})}
# The usual starts, for comparison (--long): label -> (model, initialiser)
USUAL_START = {"LSTM, forget bias 1": ("LSTM", lambda n_x, n_a, n_y, rng: init_gated("fico", n_x, n_a, n_y, rng,
                                                                                     bias={"f": 1.0})),
               "GRU, update bias 0": ("GRU", lambda n_x, n_a, n_y, rng: init_gated("ruc", n_x, n_a, n_y, rng))}


# ---------------------------------------------------------------- part 1: gradient norm over time

def gradient_norms_over_time(model, parameters, x, a0, rng):
    """||dL/da<t>|| for every t, for a loss at the last step only.

    The loss is L = sum(a<T_x> * g) for a random g: its gradient reaches
    a<T_x> directly and every earlier a<t> only through the chain of steps.
    The backward loop is written out here (on the cells' backward functions)
    because the sequence functions return only da0, not every step's gradient.

    Returns a numpy array of T_x norms, index 0 for a<1>.
    """
    a, _, (caches, _) = TUTORIAL_FORWARD[model](x, a0, parameters)
    n_a, m, T_x = a.shape
    da_t = rng.standard_normal((n_a, m)) / np.sqrt(n_a * m)   # dL/da<T_x>, norm about 1
    dc_t = np.zeros((n_a, m))
    norms = np.zeros(T_x)
    for t in reversed(range(T_x)):
        norms[t] = np.linalg.norm(da_t)                      # the whole gradient of a<t>
        if model == "RNN":
            da_t = rnn_cell_backward(da_t, caches[t])["da_prev"]
        elif model == "LSTM":
            step = lstm_cell_backward(da_t, dc_t, caches[t])
            da_t, dc_t = step["da_prev"], step["dc_prev"]
        else:
            da_t = gru_cell_backward(da_t, caches[t])["da_prev"]
    return norms


def part1(T_x, n_a, n_x, m, seed):
    """Rows of (label, norms over time)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_x, m, T_x))
    a0 = np.zeros((n_a, m))
    rows = []
    for sigma in (0.5, 1.0, 2.0, 3.0):
        parameters = init_rnn(n_x, n_a, 2, np.random.default_rng(seed))
        parameters["Wax"] = parameters["Wax"] * 0.1            # small inputs: tanh stays near its linear part
        Waa = parameters["Waa"]
        parameters["Waa"] = Waa * (sigma / np.linalg.norm(Waa, 2))   # largest singular value = sigma
        rows.append((f"RNN, Waa's largest singular value {sigma}",
                     gradient_norms_over_time("RNN", parameters, x, a0, np.random.default_rng(seed))))
    usual = {"LSTM": ("fico", {"f": 1.0}, "LSTM, untrained (forget bias 1)"),   # the usual starts
             "GRU": ("ruc", {}, "GRU, untrained")}
    for model, (gates, bias, label) in usual.items():
        parameters = init_gated(gates, n_x, n_a, 2, np.random.default_rng(seed), bias=bias)
        rows.append((label, gradient_norms_over_time(model, parameters, x, a0, np.random.default_rng(seed))))
    # Gates open, as Part 2 starts (and as training can set them): the memory path multiplies
    # the gradient by almost 1 at every step.
    for model, label in (("LSTM", f"LSTM, forget gate open (bf = {LSTM_FORGET_BIAS:g})"),
                         ("GRU", f"GRU, update gate shut (bu = {GRU_UPDATE_BIAS:g})")):
        parameters = START[model](n_x, n_a, 2, np.random.default_rng(seed))
        rows.append((label, gradient_norms_over_time(model, parameters, x, a0, np.random.default_rng(seed))))
    return rows


def print_part1(rows, T_x):
    steps = sorted({T_x - 1 - k for k in (0, 1, 2, 5, 10, 20, 40, 80) if k < T_x} | {0})[::-1]
    print(f"Part 1. ||dL/da<t>|| for a loss at step T_x = {T_x} only (the gradient at a<{T_x}> has norm ~1)")
    print(f"{'':<42}" + "".join(f"{'t=' + str(t + 1):>10}" for t in steps))
    for label, norms in rows:
        print(f"{label:<42}" + "".join(f"{norms[t]:>10.1e}" for t in steps))
    print()


# ---------------------------------------------------------------- part 2: the long-range memory task

def memory_task(length, batch, K, distractors, rng):
    """A batch of sequences: a clue (one of K symbols) at step 1, distractors after it.

    Returns x (K + distractors, batch, length) one-hot, and the clue of every
    sequence, integers (batch,).
    """
    clue = rng.integers(0, K, size=batch)
    symbols = np.empty((batch, length), dtype=int)
    symbols[:, 0] = clue
    symbols[:, 1:] = K + rng.integers(0, distractors, size=(batch, length - 1))
    x = np.zeros((K + distractors, batch, length))
    x[symbols, np.arange(batch)[:, None], np.arange(length)[None, :]] = 1
    return x, clue


def last_step_scores(parameters, Wy, a):
    """The output layer read at the last step only: z = Wy a<T_x> + by, shape (n_y, m, 1)."""
    return (np.dot(parameters[Wy], a[:, :, -1]) + parameters["by"])[:, :, None]


def train_on_memory_task(model, length, iterations, n_a, K, distractors, batch, seed, learning_rate,
                         initialise=None):
    """Train with a loss at the last step only; return the accuracy on 1000 held-out sequences.

    initialise -- function (n_x, n_a, n_y, rng) -> parameters; START[model] (gates open) by default
    """
    states, backward = TRAINING_PASSES[model]
    Wy = OUTPUT_WEIGHT[model]
    rng = np.random.default_rng(seed)
    parameters = (initialise or START[model])(K + distractors, n_a, K, rng)
    optimizer = Adam(learning_rate)
    a0 = np.zeros((n_a, batch))
    for _ in range(iterations):
        x, clue = memory_task(length, batch, K, distractors, rng)
        a, cache = states(x, a0, parameters)
        y_last = softmax(last_step_scores(parameters, Wy, a))
        loss, dz = cross_entropy_loss(y_last, clue[:, None])          # only the last step counts
        dWy, dby, da_last = output_layer_backward(dz, a[:, :, -1:], parameters[Wy])
        da = np.zeros(a.shape)
        da[:, :, -1] = da_last[:, :, 0]                               # the loss reaches a<T_x> only
        gradients = backward(da, cache)
        gradients["d" + Wy], gradients["dby"] = dWy, dby
        gradients, _ = clip_global_norm({"d" + k: gradients["d" + k] for k in parameters}, 5.0)
        parameters = optimizer.update(parameters, gradients)
    x, clue = memory_task(length, 1000, K, distractors, np.random.default_rng(seed + 10_000))  # held out
    a, _ = states(x, np.zeros((n_a, 1000)), parameters)
    return float(np.mean(np.argmax(last_step_scores(parameters, Wy, a)[:, :, 0], axis=0) == clue))


def part2(lengths, iterations, n_a, K, distractors, batch, seeds, learning_rate, starts=None):
    """Held-out accuracy at every length for every seed: {label: {length: [accuracy per seed]}}.

    starts -- label -> (model, initialiser); by default the three models with their gates open
    """
    starts = starts or {model: (model, START[model]) for model in MODELS}
    results = {label: {length: [] for length in lengths} for label in starts}
    runs, done, start = len(lengths) * len(starts) * len(seeds), 0, time.perf_counter()
    for length in lengths:
        for label, (model, initialise) in starts.items():
            for seed in seeds:
                accuracy = train_on_memory_task(model, length, iterations, n_a, K, distractors, batch, seed,
                                                learning_rate, initialise)
                results[label][length].append(accuracy)
                done += 1
                print(f"  [{done}/{runs}] {label:<4} length {length:>3}, seed {seed}: accuracy {accuracy:.2f}"
                      f"  ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
    return results


def print_part2(lengths, results, K, iterations, n_a, batch, seeds, learning_rate):
    print(f"Part 2. Name the clue of step 1 at the last step: held-out accuracy (1000 sequences; "
          f"chance = 1/{K} = {1 / K:.2f}), seeds {', '.join(map(str, seeds))}")
    print(f"        {iterations} iterations of {batch} sequences, n_a = {n_a}, Adam (lr {learning_rate}), "
          f"clipping at global norm 5; gates open at the start: LSTM forget bias {LSTM_FORGET_BIAS:g}, "
          f"GRU update bias {GRU_UPDATE_BIAS:g}")
    print_accuracy_table(lengths, results, len(seeds))


def print_accuracy_table(lengths, results, n_seeds):
    """One row per length, one column per label, every seed's accuracy in it."""
    width = max(5 * n_seeds + 2, max(len(label) for label in results) + 2)
    print(f"{'length T_x':<12}" + "".join(f"{label:>{width}}" for label in results))
    for length in lengths:
        print(f"{length:<12}" + "".join(f"{' '.join(f'{acc:.2f}' for acc in results[label][length]):>{width}}"
                                       for label in results))
    print()


def summary_line(results, length):
    """The last line: every seed's accuracy of every model at one length."""
    return f"long-range memory, {length} steps: " + "; ".join(
        f"{model} " + ",".join(f"{acc:.2f}" for acc in results[model][length]) for model in results)


# ---------------------------------------------------------------- figures

def draw(out, rows1, T_x, lengths, results, K):
    plt = pyplot()
    os.makedirs(out, exist_ok=True)
    colours = ["#c6dbef", "#6baed6", "#2171b5", "#08306b", "#e07a1f", "#2a9d8f", "#e07a1f", "#2a9d8f"]
    styles = ["-"] * 6 + ["--", "--"]
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=150)
    steps = np.arange(1, T_x + 1)
    for (label, norms), colour, style in zip(rows1, colours, styles):
        ax.semilogy(steps, norms, label=label, color=colour, linewidth=2, linestyle=style)
    ax.set_xlabel("time step t (the loss is at the last step)")
    ax.set_ylabel(r"$\|\partial L / \partial a^{\langle t \rangle}\|$ (log scale)")
    ax.set_title("How much gradient reaches each earlier hidden state")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "VanishingGradient.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 5), dpi=150)
    # Every seed is a point (shifted a little sideways per model, so equal results stay
    # visible); the line joins the means.
    # The lines join the means; the LSTM's is drawn wide under the GRU's, so both stay visible.
    for index, (model, colour, marker, width) in enumerate(zip(results, ["#08306b", "#e07a1f", "#2a9d8f"],
                                                               ["o", "s", "^"], [2, 5, 1.5])):
        shift = 1.07 ** (index - 1)
        means = [np.mean(results[model][length]) for length in lengths]
        ax.plot([n * shift for n in lengths], means, color=colour, linewidth=width, alpha=0.5)
        for length in lengths:
            accuracies = results[model][length]
            ax.scatter([length * shift] * len(accuracies), accuracies, color=colour, marker=marker, s=60,
                       zorder=3, label=model if length == lengths[0] else None, edgecolor="white")
    ax.axhline(1 / K, color="#888888", linestyle="--", label=f"chance (1/{K})")
    ax.set_xscale("log")
    ax.set_xticks(lengths)
    ax.set_xticklabels([str(n) for n in lengths])
    ax.minorticks_off()
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("sequence length T_x (clue at step 1, answer at step T_x)")
    ax.set_ylabel("held-out accuracy (each seed a point)")
    ax.set_title("The detective's problem: remember the first clue")
    ax.grid(alpha=0.3)
    ax.legend(loc="center left")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "LongRangeMemory.png"))
    plt.close(fig)
    print(f"wrote {os.path.join(out, 'VanishingGradient.png')} and {os.path.join(out, 'LongRangeMemory.png')}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Measure the vanishing gradient and the LSTM/GRU cure.")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a small version in seconds")
    size.add_argument("--long", action="store_true", help="also train at 200 steps, and at 100 from the usual gate biases")
    parser.add_argument("--out", metavar="DIR", help="write the two figures into DIR (needs matplotlib)")
    parser.add_argument("--seed", type=random_seed(), default=0, help="first of the three seeds (default 0)")
    args = parse_options(parser, argv)
    if args.out and not matplotlib_available():
        parser.error("--out needs matplotlib (python -m pip install matplotlib)")

    start = time.perf_counter()
    T_x = 30 if args.quick else 100
    rows1 = part1(T_x, n_a=32, n_x=8, m=16, seed=args.seed)
    print_part1(rows1, T_x)

    K, distractors, batch, n_a, learning_rate, iterations = 4, 4, 32, 32, 1e-3, 500
    seeds = [args.seed, args.seed + 1, args.seed + 2]
    lengths = [10, 30, 100] + ([200] if args.long else [])
    if args.quick:
        lengths, iterations, seeds = [10], 150, [args.seed]
    print(f"Part 2: training {len(MODELS) * len(lengths) * len(seeds)} models "
          f"(progress on stderr) ...", flush=True)
    results = part2(lengths, iterations, n_a, K, distractors, batch, seeds, learning_rate)
    print_part2(lengths, results, K, iterations, n_a, batch, seeds, learning_rate)
    if args.long:     # the same budget from the usual starts: what the open gates bought
        usual = part2([100], iterations, n_a, K, distractors, batch, seeds, learning_rate, starts=USUAL_START)
        print("The same at 100 steps from the usual starts (gates half open):")
        print_accuracy_table([100], usual, len(seeds))
    if args.out:
        draw(args.out, rows1, T_x, lengths, results, K)
    print(f"done in {time.perf_counter() - start:.0f} s")
    if args.long:
        print(summary_line(results, 200))
    print(summary_line(results, 100 if 100 in lengths else lengths[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
