"""The vanishing gradient, measured; and what LSTM and GRU do about it.

    python VanishingGradient.py                 # tables + Images/VanishingGradient.png, Images/LongRangeMemory.png
    python VanishingGradient.py --quick         # small version in seconds, tables only (numpy only)
    python VanishingGradient.py --quick --out DIR   # ... and its figures in DIR

Part 1, gradient over time. A loss at the last step only; how large is its
gradient with respect to every earlier hidden state, ||dL/da<t>||? For the
basic RNN with Waa scaled so that its largest singular value is below, at
and above 1, and for an LSTM and a GRU of the same size.

Part 2, the detective's problem. Each sequence opens with a clue, one of K
symbols; every later step is a random distractor; at the last step the
model must name the clue. The basic RNN, the LSTM and the GRU are trained
with the same budget at several sequence lengths and tested on sequences
they have never seen.
"""
import argparse
import os
import sys
import time

import numpy as np

from BackwardPropagation import gru_backward, lstm_backward, rnn_backward
from ForwardPropagation import gru_forward, lstm_forward, rnn_forward
from GRU_UNIT_CELL import gru_cell_backward
from Loss import cross_entropy_loss, output_layer_backward
from LSTM_UNIT_CELL import lstm_cell_backward
from Optimizers import Adagrad, clip_global_norm
from RNN_UNIT_CELL import rnn_cell_backward

HERE = os.path.dirname(os.path.abspath(__file__))


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


def lstm_passes(x, a0, parameters):
    a, y, c, caches = lstm_forward(x, a0, parameters)
    return a, y, caches


# name -> (initialiser, forward returning (a, y, caches), backward, output weight name)
MODELS = {
    "RNN": (init_rnn, rnn_forward, rnn_backward, "Wya"),
    # A forget-gate bias of 1 is the usual LSTM start: remember by default.
    "LSTM": (lambda n_x, n_a, n_y, rng: init_gated("fico", n_x, n_a, n_y, rng, bias={"f": 1.0}),
             lstm_passes, lstm_backward, "Wy"),
    "GRU": (lambda n_x, n_a, n_y, rng: init_gated("ruc", n_x, n_a, n_y, rng), gru_forward, gru_backward, "Wy"),
}


# ---------------------------------------------------------------- part 1: gradient norm over time

def gradient_norms_over_time(model, parameters, x, a0, rng):
    """||dL/da<t>|| for every t, for a loss at the last step only.

    The loss is L = sum(a<T_x> * g) for a random g: its gradient reaches
    a<T_x> directly and every earlier a<t> only through the chain of steps.
    The backward loop is written out here (on the cells' backward functions)
    because the sequence functions return only da0, not every step's gradient.

    Returns a numpy array of T_x norms, index 0 for a<1>.
    """
    init, forward, backward, _ = MODELS[model]
    a, _, (caches, _) = forward(x, a0, parameters)
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
    for model in ("LSTM", "GRU"):
        parameters = MODELS[model][0](n_x, n_a, 2, np.random.default_rng(seed))
        label = f"{model}, untrained" + (" (forget bias 1)" if model == "LSTM" else "")
        rows.append((label, gradient_norms_over_time(model, parameters, x, a0, np.random.default_rng(seed))))
    # What training can do: push the gates that guard the memory to "keep".
    # LSTM: forget gate ft ~ 1 (bf = 5, sigmoid(5) = 0.993); GRU: update gate ut ~ 0 (bu = -5).
    for model, gate, bias, label in (("LSTM", "f", 5.0, "LSTM, forget gate open (bf = 5)"),
                                     ("GRU", "u", -5.0, "GRU, update gate shut (bu = -5)")):
        parameters = MODELS[model][0](n_x, n_a, 2, np.random.default_rng(seed))
        parameters["b" + gate] = np.full((n_a, 1), bias)
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


def train_on_memory_task(model, length, iterations, n_a, K, distractors, batch, seed, learning_rate=0.05):
    """Train with a loss at the last step only; return held-out accuracy."""
    init, forward, backward, Wy = MODELS[model]
    rng = np.random.default_rng(seed)
    n_x = K + distractors
    parameters = init(n_x, n_a, K, rng)
    optimizer = Adagrad(learning_rate)
    a0 = np.zeros((n_a, batch))
    for _ in range(iterations):
        x, clue = memory_task(length, batch, K, distractors, rng)
        a, y_pred, caches = forward(x, a0, parameters)
        loss, dz = cross_entropy_loss(y_pred[:, :, -1:], clue[:, None])   # only the last step counts
        dWy, dby, da_last = output_layer_backward(dz, a[:, :, -1:], parameters[Wy])
        da = np.zeros(a.shape)
        da[:, :, -1] = da_last[:, :, 0]
        gradients = backward(da, caches)
        gradients["d" + Wy], gradients["dby"] = dWy, dby
        gradients, _ = clip_global_norm({"d" + k: gradients["d" + k] for k in parameters}, 5.0)
        parameters = optimizer.update(parameters, gradients)
    x, clue = memory_task(length, 1000, K, distractors, np.random.default_rng(seed + 10_000))  # held out
    y_pred = forward(x, np.zeros((n_a, 1000)), parameters)[1]
    return float(np.mean(np.argmax(y_pred[:, :, -1], axis=0) == clue))


def part2(lengths, iterations, n_a, K, distractors, batch, seeds, learning_rate):
    """Mean held-out accuracy over `seeds` (training is noisy) of every model at every length."""
    results = {model: [] for model in MODELS}
    for length in lengths:
        for model in MODELS:
            runs = [train_on_memory_task(model, length, iterations, n_a, K, distractors, batch, seed, learning_rate)
                    for seed in seeds]
            results[model].append(float(np.mean(runs)))
    return results


def print_part2(lengths, results, K, iterations, n_a, batch, seeds, learning_rate):
    print(f"Part 2. Name the clue of step 1 at the last step: held-out accuracy (1000 sequences; "
          f"chance = 1/{K} = {1 / K:.2f}), mean of {len(seeds)} training run(s)")
    print(f"        {iterations} iterations of {batch} sequences each, n_a = {n_a}, Adagrad (lr {learning_rate}), "
          f"clipping at global norm 5, for every model")
    print(f"{'length T_x':<12}" + "".join(f"{model:>8}" for model in results))
    for i, length in enumerate(lengths):
        print(f"{length:<12}" + "".join(f"{results[model][i]:>8.2f}" for model in results))
    print()


# ---------------------------------------------------------------- figures

def draw(out, rows1, T_x, lengths, results, K):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
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
    # Drawn thick to thin with different markers, so that equal results stay visible.
    for (model, accuracy), colour, marker, width in zip(results.items(), ["#08306b", "#e07a1f", "#2a9d8f"],
                                                        ["o", "s", "^"], [5, 3.5, 2]):
        ax.plot(lengths, accuracy, marker=marker, markersize=4 + 2 * width, label=model, color=colour,
                linewidth=width)
    ax.axhline(1 / K, color="#888888", linestyle="--", label=f"chance (1/{K})")
    ax.set_xscale("log", base=2)
    ax.set_xticks(lengths)
    ax.set_xticklabels([str(n) for n in lengths])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("sequence length T_x (clue at step 1, answer at step T_x)")
    ax.set_ylabel("held-out accuracy")
    ax.set_title("The detective's problem: remember the first clue")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "LongRangeMemory.png"))
    plt.close(fig)
    print(f"wrote {os.path.join(out, 'VanishingGradient.png')} and {os.path.join(out, 'LongRangeMemory.png')}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Measure the vanishing gradient and the LSTM/GRU cure.")
    parser.add_argument("--quick", action="store_true",
                        help="a small version in seconds; no figure unless --out is given")
    parser.add_argument("--out", help="folder for the two figures (default: Images/, unless --quick)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = args.out or (None if args.quick else os.path.join(HERE, "Images"))
    if out:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("the figures need matplotlib (python -m pip install matplotlib); printing the tables only",
                  file=sys.stderr)
            out = None

    start = time.perf_counter()
    T_x = 30 if args.quick else 100
    rows1 = part1(T_x, n_a=32, n_x=8, m=16, seed=args.seed)
    print_part1(rows1, T_x)

    K, distractors, batch, n_a, learning_rate = 4, 4, 32, 24, 0.1
    if args.quick:
        lengths, iterations, seeds = [2, 8], 150, [args.seed]
    else:
        lengths, iterations, seeds = [5, 10, 20, 30, 50], 3000, [args.seed, args.seed + 1]
    results = part2(lengths, iterations, n_a, K, distractors, batch, seeds, learning_rate)
    print_part2(lengths, results, K, iterations, n_a, batch, seeds, learning_rate)
    if out:
        draw(out, rows1, T_x, lengths, results, K)
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
