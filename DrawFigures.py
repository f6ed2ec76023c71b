"""Draw the tutorial's figures from code.

    python DrawFigures.py --out DIR                # the diagrams, into DIR
    python DrawFigures.py --out Images             # redraw the committed diagrams
    python DrawFigures.py --out Images --results   # and the four plots of results (a quarter of an hour)

The folder is always named by the user: nothing is rewritten in Images/
unless you say --out Images. --results also runs the three programs whose
measurements the other figures show, with their defaults, and has them plot
into the same folder: TruncatedBPTT.py (the default training run, its
checkpoint kept in a temporary folder), VanishingGradient.py and
Seq2Seq.py --compare (three trainings, no checkpoint).

Each figure is a function below that places boxes and arrows on a grid of
data coordinates (1 unit is about a centimetre). The names on the figures
are the names in the code: Wax, Waa, ba, Wya, by, a_prev, da_next, ...
Needs matplotlib (python -m pip install matplotlib); nothing else in the
project does.
"""
import argparse
import os
import subprocess
import sys
import tempfile

from program_support import pyplot

# Colours: inputs, hidden state, outputs/loss, gradients, neutral.
INPUT, STATE, OUTPUT, GRAD, CELL, NOTE = "#4c72b0", "#2a9d8f", "#e07a1f", "#c0392b", "#eef3f8", "#555555"


def t(symbol, index="t"):
    """A time-indexed symbol in mathtext, e.g. t("a", "t-1") -> a<t-1>."""
    return rf"${symbol}^{{\langle {index} \rangle}}$"


def new_figure(plt, width, height):
    """A figure whose data coordinates run over [0, width] x [0, height]."""
    fig = plt.figure(figsize=(width * 0.62, height * 0.62), dpi=150)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    return fig, ax


def box(ax, x, y, w, h, text, face=CELL, edge="#34495e", size=13, weight="normal", color="black", style="round"):
    """A rounded box centred on (x, y) with text in it."""
    from matplotlib.patches import FancyBboxPatch
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"{style},pad=0.02,rounding_size=0.15"
                                if style == "round" else style, facecolor=face, edgecolor=edge, linewidth=1.6))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=size, weight=weight, color=color)


def arrow(ax, start, end, color="black", text=None, offset=(0, 0.25), size=13, style="-|>", dashed=False, width=1.8):
    """An arrow from start to end, with an optional label near its middle."""
    from matplotlib.patches import FancyArrowPatch
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=18, color=color, linewidth=width,
                                 linestyle="--" if dashed else "-", shrinkA=0, shrinkB=0))
    if text:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, text, ha="center", va="center", fontsize=size, color=color)


def label(ax, x, y, text, size=13, color="black", ha="center", **kwargs):
    """Text centred on (x, y) unless ha says otherwise."""
    ax.text(x, y, text, ha=ha, va="center", fontsize=size, color=color, **kwargs)


def draw_unrolled(plt):
    """Images/RNN1.2.png: the RNN unrolled over time, one weight set for every step."""
    fig, ax = new_figure(plt, 22, 11)
    steps = [("1", 3.5), ("2", 8.0), ("3", 12.5), ("T", 18.5)]
    label(ax, 2.0 + 0.2, 9.9, "An RNN unrolled over time", size=17, weight="bold", ha="left")
    label(ax, 0.8, 5.0, t("a", "0"), size=16, color=STATE)
    previous_right = 1.25
    for i, (index, x) in enumerate(steps):
        box(ax, x, 5.0, 2.6, 1.6, "RNN cell\nWax, Waa, ba\nWya, by", size=12)
        # input below, prediction and loss above
        label(ax, x, 1.6, t("x", index), size=16, color=INPUT)
        arrow(ax, (x, 2.05), (x, 4.2), color=INPUT)
        label(ax, x, 7.4, t(r"\hat{y}", index), size=16, color=OUTPUT)
        arrow(ax, (x, 5.8), (x, 7.0), color=OUTPUT)
        label(ax, x, 8.9, t(r"\mathcal{L}", index), size=16, color=OUTPUT)
        arrow(ax, (x, 7.8), (x, 8.5), color=OUTPUT)
        # hidden state from the previous step
        if index == "T":
            label(ax, 15.5, 5.0, r"$\cdots$", size=22, color=STATE)
            arrow(ax, (16.1, 5.0), (x - 1.3, 5.0), color=STATE, text=t("a", "T-1"), offset=(0, 0.45))
        else:
            previous_label = t("a", str(int(index) - 1)) if i else None
            arrow(ax, (previous_right, 5.0), (x - 1.3, 5.0), color=STATE, text=previous_label, offset=(0, 0.45))
        previous_right = x + 1.3
    arrow(ax, (steps[-1][1] + 1.3, 5.0), (21.4, 5.0), color=STATE, text=t("a", "T"), offset=(0, 0.45))
    arrow(ax, (12.5 + 1.3, 5.0), (14.9, 5.0), color=STATE, text=t("a", "3"), offset=(0, 0.45))
    label(ax, 11.0, 10.05, r"loss of the sequence  $\mathcal{L} = \sum_t \mathcal{L}^{\langle t \rangle}$",
          size=14, color=OUTPUT)
    label(ax, 11.0, 0.4, "the same parameters Wax, Waa, ba, Wya, by in every cell: the weights are shared in time",
          size=12.5, color=NOTE, style="italic")
    return fig


def draw_cell(plt):
    """Images/RNN-cell.png: one RNN cell with the parameter names of the code."""
    fig, ax = new_figure(plt, 20, 11)
    box(ax, 9.6, 5.0, 13.2, 7.4, None, face="#f7f9fb", edge="#34495e")
    label(ax, 3.6, 8.35, "rnn_cell_forward(xt, a_prev, parameters)", size=13, color=NOTE, ha="left", family="monospace")
    # the linear part and the tanh
    box(ax, 7.6, 4.2, 6.4, 1.3, r"$z$ = Waa $a^{\langle t-1 \rangle}$ + Wax $x^{\langle t \rangle}$ + ba", size=14)
    box(ax, 12.9, 4.2, 1.9, 1.3, "tanh", face="#d8f0ec", size=15, weight="bold")
    arrow(ax, (10.8, 4.2), (11.95, 4.2))
    # inputs
    label(ax, 1.0, 4.2, t("a", "t-1") + "\na_prev", size=15, color=STATE)
    arrow(ax, (1.9, 4.2), (4.4, 4.2), color=STATE)
    label(ax, 7.6, 0.45, t("x", "t") + "   xt", size=15, color=INPUT)
    arrow(ax, (7.6, 0.9), (7.6, 3.55), color=INPUT)
    # the new state leaves to the right and goes up to the output layer
    arrow(ax, (13.85, 4.2), (18.4, 4.2), color=STATE)
    label(ax, 19.1, 4.2, t("a", "t") + "\na_next", size=15, color=STATE)
    label(ax, 16.6, 3.55, "to the next step", size=11.5, color=NOTE)
    arrow(ax, (15.2, 4.2), (15.2, 6.05), color=STATE)
    box(ax, 12.4, 6.75, 7.0, 1.3, r"softmax(Wya $a^{\langle t \rangle}$ + by)", face="#fdebd9", size=14)
    arrow(ax, (12.4, 7.4), (12.4, 9.6), color=OUTPUT)
    label(ax, 12.4, 10.15, t(r"\hat{y}", "t") + "   yt_pred", size=15, color=OUTPUT)
    label(ax, 3.6, 6.95, r"$a^{\langle t \rangle} = \tanh(z)$", size=14, color=NOTE, ha="left")
    label(ax, 8.6, 1.95, "returns a_next, yt_pred and\ncache = (a_next, a_prev, xt, parameters)", size=11.5,
          color=NOTE, family="monospace", ha="left")
    return fig


def draw_forward(plt):
    """Images/ForwardProp.png: rnn_forward runs the cell once per step and keeps every cache."""
    fig, ax = new_figure(plt, 22, 11)
    xs = [4.0, 9.0, 14.0, 19.0]
    names = ["1", "2", "3", "4"]
    label(ax, 11.0, 10.3, "rnn_forward(x, a0, parameters): the loop over t, left to right", size=15, weight="bold")
    label(ax, 0.9, 6.0, t("a", "0") + "\na0", size=15, color=STATE)
    arrow(ax, (1.6, 6.0), (xs[0] - 1.5, 6.0), color=STATE)
    for i, (x, n) in enumerate(zip(xs, names)):
        box(ax, x, 6.0, 3.0, 1.5, "rnn_cell_forward", size=12.5)
        label(ax, x, 3.05 + 0.0, t("x", n) + f"\nx[:, :, {i}]", size=13, color=INPUT)
        arrow(ax, (x, 3.75), (x, 5.25), color=INPUT)
        arrow(ax, (x, 6.75), (x, 8.1), color=OUTPUT)
        label(ax, x, 8.75, t(r"\hat{y}", n) + f"  y_pred[:, :, {i}]", size=12.5, color=OUTPUT)
        if i + 1 < len(xs):
            arrow(ax, (x + 1.5, 6.0), (xs[i + 1] - 1.5, 6.0), color=STATE, text=t("a", n), offset=(0, 0.42))
        # the cache goes down into the list kept for the backward pass
        box(ax, x + 1.15, 1.35, 1.9, 0.8, f"cache {n}", face="#f2f2f2", size=11.5)
        arrow(ax, (x + 1.15, 5.25), (x + 1.15, 1.75), color=NOTE, dashed=True, width=1.2)
    arrow(ax, (20.5, 6.0), (21.6, 6.0), color=STATE)
    label(ax, 21.1, 6.55, t("a", "4"), size=14, color=STATE)
    label(ax, 11.0, 0.35, "caches = ([cache 1, ..., cache T_x], x): kept for rnn_backward", size=12.5,
          color=NOTE, family="monospace")
    label(ax, 11.0, 9.55, "each new hidden state is also stored in a[:, :, t]", size=12, color=STATE, style="italic")
    return fig


def draw_backward(plt):
    """Images/BackwardProp.png: rnn_backward, right to left, da enters at every step."""
    fig, ax = new_figure(plt, 22, 11)
    xs = [3.5, 8.3, 13.1, 17.9]
    label(ax, 11.0, 10.3, "rnn_backward(da, caches): the loop over t, right to left", size=15, weight="bold")
    for i, x in enumerate(xs):
        n = str(i + 1)
        box(ax, x, 5.4, 3.0, 1.5, "rnn_cell_backward", size=12.5, face="#fbeeee")
        # the plus node where the upstream gradient of step t joins the carried one
        ax.add_patch(__import__("matplotlib.patches", fromlist=["Circle"]).Circle((x + 1.9, 7.3), 0.32,
                                                                                   facecolor="white", edgecolor=GRAD, linewidth=1.6))
        label(ax, x + 1.9, 7.3, "+", size=15, color=GRAD)
        label(ax, x + 1.9, 9.05, f"da[:, :, {i}]", size=12, color=GRAD, family="monospace")
        arrow(ax, (x + 1.9, 8.65), (x + 1.9, 7.62), color=GRAD)
        arrow(ax, (x + 1.58, 7.3), (x, 6.15), color=GRAD, text="da_next", offset=(-0.75, 0.35), size=11.5)
        # dx out below
        arrow(ax, (x, 4.65), (x, 3.2), color=INPUT)
        label(ax, x, 2.75, f"dx[:, :, {i}]", size=12, color=INPUT, family="monospace")
        # da_prev goes to the plus node of the step before
        if i > 0:
            arrow(ax, (x - 1.5, 5.4), (xs[i - 1] + 1.9, 6.98), color=GRAD, text="da_prev", offset=(0.0, -0.55), size=11.5)
    # nothing arrives from after the last step
    label(ax, 21.3, 7.3, "0", size=14, color=GRAD)
    arrow(ax, (21.0, 7.3), (xs[-1] + 2.22, 7.3), color=GRAD)
    arrow(ax, (xs[0] - 1.5, 5.4), (0.5, 5.4), color=GRAD)
    label(ax, 1.1, 6.0, "da0", size=13, color=GRAD, family="monospace")
    box(ax, 10.7, 1.0, 17.0, 1.0, "dWax, dWaa, dba = the sum over t of every cell's dWax, dWaa, dba",
        face="#f2f2f2", size=12.5)
    for x in xs:
        arrow(ax, (x - 1.2, 4.65), (x - 1.2, 1.5), color=NOTE, dashed=True, width=1.2)
    return fig


def draw_truncated(plt):
    """Images/TBTT.png: forward through every chunk, backward only inside each chunk."""
    fig, ax = new_figure(plt, 25, 11)
    k, chunks = 3, 3
    spacing, start = 2.3, 2.2
    label(ax, 12.5, 10.35, "Truncated backpropagation through time (chunks of k = 3 steps)", size=15, weight="bold")
    xs = [start + i * spacing + (i // k) * 1.2 for i in range(k * chunks)]
    for c in range(chunks):
        left, right = xs[c * k] - 1.0, xs[c * k + k - 1] + 1.0
        box(ax, (left + right) / 2, 5.0, right - left, 6.2, None, face=["#f4f8fc", "#f7fbf4", "#fcf7f2"][c], edge="#bbbbbb")
        label(ax, (left + right) / 2, 7.65, f"chunk {c + 1}: forward, loss, backward, update", size=11.5, color=NOTE)
    label(ax, 0.55, 5.9, t("a", "0"), size=14, color=STATE)
    arrow(ax, (0.9, 5.9), (xs[0] - 0.55, 5.9), color=STATE)
    for i, x in enumerate(xs):
        box(ax, x, 5.0, 1.1, 2.2, None, face="white")
        label(ax, x, 3.1, t("x", str(i + 1)), size=13, color=INPUT)
        arrow(ax, (x, 3.45), (x, 3.9), color=INPUT)
        arrow(ax, (x, 6.1), (x, 6.75), color=OUTPUT)
        label(ax, x, 7.05, t(r"\mathcal{L}", str(i + 1)), size=11, color=OUTPUT)
        if i + 1 < len(xs):
            nxt = xs[i + 1]
            arrow(ax, (x + 0.55, 5.9), (nxt - 0.55, 5.9), color=STATE)         # forward: always
            if (i + 1) % k:                                                      # backward: only inside a chunk
                arrow(ax, (nxt - 0.55, 4.1), (x + 0.55, 4.1), color=GRAD)
            else:
                mid = (x + nxt) / 2
                ax.plot([mid - 0.25, mid + 0.25], [3.85, 4.35], color=GRAD, linewidth=2.5)
                ax.plot([mid - 0.25, mid + 0.25], [4.35, 3.85], color=GRAD, linewidth=2.5)
                ax.plot([mid, mid], [1.5, 8.3], color="#888888", linewidth=1.2, linestyle=":")
    label(ax, 12.5, 9.2, "forward: the hidden state is carried across every cut", size=13, color=STATE)
    label(ax, 12.5, 1.0, "backward: each chunk starts from a zero gradient at its end and stops at its start;"
          "  X = no gradient crosses the cut", size=12.5, color=GRAD)
    return fig


def op(ax, x, y, symbol, color="black"):
    """A small circle with an operation in it: the element-wise * and + of the gated cells."""
    from matplotlib.patches import Circle
    ax.add_patch(Circle((x, y), 0.38, facecolor="white", edgecolor=color, linewidth=1.6, zorder=3))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=15, color=color, zorder=4)


def gate(ax, x, y, name, formula, face):
    """A gate box with its activation inside and its formula underneath."""
    box(ax, x, y, 2.3, 1.1, name, face=face, size=13, weight="bold")
    label(ax, x, y - 1.05, formula, size=10.5, color=NOTE)


def stacked_input(ax, xs, y_gate, width):
    """a<t-1> from the left and x<t> from below, stacked into [a<t-1>; x<t>] that feeds every gate."""
    label(ax, 0.9, 1.6, t("a", "t-1"), size=15, color=STATE)
    arrow(ax, (1.5, 1.6), (3.0, 1.6), color=STATE)
    label(ax, 3.9, 0.35, t("x", "t"), size=15, color=INPUT)
    arrow(ax, (3.9, 0.7), (3.9, 1.45), color=INPUT)
    ax.plot([3.0, width], [1.6, 1.6], color="#34495e", linewidth=1.8)
    label(ax, 5.6, 1.2, r"$[a^{\langle t-1 \rangle}; x^{\langle t \rangle}]$", size=12, color=NOTE)
    for x in xs:
        arrow(ax, (x, 1.6), (x, y_gate - 1.6), color="#34495e")


def draw_lstm_cell(plt):
    """Images/LSTM-cell.png: one LSTM cell, the cell state c running along the top."""
    fig, ax = new_figure(plt, 22, 13)
    box(ax, 11.0, 6.35, 17.6, 10.9, None, face="#f7f9fb", edge="#34495e")
    label(ax, 2.6, 11.35, "lstm_cell_forward(xt, a_prev, c_prev, parameters)", size=12.5, color=NOTE,
          ha="left", family="monospace")
    # the cell state: only a multiply and an add on its way through
    label(ax, 0.9, 10.0, t("c", "t-1"), size=15, color=OUTPUT)
    arrow(ax, (1.5, 10.0), (5.62, 10.0), color=OUTPUT)
    op(ax, 6.0, 10.0, "×", OUTPUT)
    arrow(ax, (6.38, 10.0), (10.62, 10.0), color=OUTPUT)
    op(ax, 11.0, 10.0, "+", OUTPUT)
    arrow(ax, (11.38, 10.0), (21.0, 10.0), color=OUTPUT)
    label(ax, 21.4, 10.55, t("c", "t"), size=15, color=OUTPUT)
    label(ax, 8.5, 10.5, "c_next = ft * c_prev + it * cct", size=11, color=OUTPUT, family="monospace")
    # the four gates, all reading [a_prev; xt]
    y = 5.2
    gate(ax, 6.0, y, "σ   ft", "ft = σ(Wf [a, x] + bf)", "#fde2e2")
    gate(ax, 9.3, y, "σ   it", "it = σ(Wi [a, x] + bi)", "#fde2e2")
    gate(ax, 12.6, y, "tanh  cct", "cct = tanh(Wc [a, x] + bc)", "#d8f0ec")
    gate(ax, 15.9, y, "σ   ot", "ot = σ(Wo [a, x] + bo)", "#fde2e2")
    stacked_input(ax, [6.0, 9.3, 12.6, 15.9], y, 15.9)
    arrow(ax, (6.0, y + 0.55), (6.0, 9.62))                       # forget gate scales c_prev
    op(ax, 11.0, 7.6, "×")
    arrow(ax, (9.3, y + 0.55), (10.7, 7.3))                       # it * cct
    arrow(ax, (12.6, y + 0.55), (11.3, 7.3))
    arrow(ax, (11.0, 7.98), (11.0, 9.62))
    # the output: a = ot * tanh(c)
    ax.plot([18.6, 18.6], [10.0, 8.9], color=OUTPUT, linewidth=1.8)
    box(ax, 18.6, 8.35, 1.6, 0.9, "tanh", face="#d8f0ec", size=12)
    arrow(ax, (18.6, 7.9), (18.6, 6.88))
    op(ax, 18.6, 6.5, "×")
    arrow(ax, (15.9, y + 0.55), (18.25, 6.35))
    arrow(ax, (18.98, 6.5), (21.0, 6.5), color=STATE)
    label(ax, 21.4, 7.0, t("a", "t"), size=15, color=STATE)
    label(ax, 19.8, 5.75, "a_next = ot * tanh(c_next)", size=10.5, color=STATE, family="monospace")
    arrow(ax, (20.3, 6.5), (20.3, 12.1), color=STATE)
    label(ax, 17.6, 12.55, r"$\hat{y}^{\langle t \rangle}$ = softmax(Wy $a^{\langle t \rangle}$ + by)",
          size=12.5, color=NOTE)
    return fig


def draw_gru_cell(plt):
    """Images/GRU-cell.png: one GRU cell; a_prev reaches a_next through (1 - ut) directly."""
    fig, ax = new_figure(plt, 22, 13)
    box(ax, 11.0, 6.35, 17.6, 10.9, None, face="#f7f9fb", edge="#34495e")
    label(ax, 2.6, 11.35, "gru_cell_forward(xt, a_prev, parameters)", size=12.5, color=NOTE,
          ha="left", family="monospace")
    # the direct path of the old state, along the top
    label(ax, 0.9, 10.0, t("a", "t-1"), size=15, color=STATE)
    arrow(ax, (1.5, 10.0), (10.62, 10.0), color=STATE)
    op(ax, 11.0, 10.0, "×", STATE)
    label(ax, 11.0, 10.75, "(1 − ut)", size=12, color=STATE)
    arrow(ax, (11.38, 10.0), (15.62, 10.0), color=STATE)
    op(ax, 16.0, 10.0, "+", STATE)
    arrow(ax, (16.38, 10.0), (21.0, 10.0), color=STATE)
    label(ax, 21.4, 10.55, t("a", "t"), size=15, color=STATE)
    label(ax, 16.0, 11.0, "a_next = ut * cct + (1 − ut) * a_prev", size=11, color=STATE, family="monospace")
    y = 5.2
    gate(ax, 6.0, y, "σ   rt", "rt = σ(Wr [a, x] + br)", "#fde2e2")
    gate(ax, 10.0, y, "σ   ut", "ut = σ(Wu [a, x] + bu)", "#fde2e2")
    stacked_input(ax, [6.0, 10.0], y, 13.5)
    # the candidate reads [rt * a_prev; xt]
    op(ax, 6.0, 7.6, "×")
    arrow(ax, (6.0, y + 0.55), (6.0, 7.22))
    ax.plot([3.0, 3.0, 5.62], [1.6, 7.6, 7.6], color=STATE, linewidth=1.6)
    arrow(ax, (6.38, 7.6), (14.3, 7.6), text="rt * a_prev", offset=(1.5, 0.35), size=11)
    ax.plot([13.5, 13.5], [1.6, 6.9], color=INPUT, linewidth=1.6)
    arrow(ax, (13.5, 6.9), (14.5, 6.9), color=INPUT)
    box(ax, 15.6, 7.25, 2.2, 1.1, "tanh  cct", face="#d8f0ec", size=13, weight="bold")
    label(ax, 15.6, 6.15, "cct = tanh(Wc [rt*a, x] + bc)", size=10.5, color=NOTE)
    op(ax, 16.0, 8.9, "×")
    arrow(ax, (15.8, 7.8), (15.9, 8.52))
    arrow(ax, (10.0, y + 0.55), (10.0, 9.62), text="ut", offset=(0.4, -1.0), size=12)
    arrow(ax, (10.0, 8.9), (15.62, 8.9))                          # ut also scales cct
    arrow(ax, (16.0, 9.28), (16.0, 9.62))
    arrow(ax, (20.3, 10.0), (20.3, 12.1), color=STATE)
    label(ax, 17.6, 12.55, r"$\hat{y}^{\langle t \rangle}$ = softmax(Wy $a^{\langle t \rangle}$ + by)",
          size=12.5, color=NOTE)
    return fig


def chain(ax, xs, y, inputs, outputs, face=CELL, state_in=True, size=0.9):
    """A row of small cells at (x, y) for x in xs; inputs[i] / outputs[i] a label or None (no arrow).

    Used by the row of shapes: inputs come in from below, outputs leave upwards,
    the hidden state runs from left to right.
    """
    for i, x in enumerate(xs):
        if inputs[i] is not None:
            text, colour = inputs[i]
            label(ax, x, y - 1.75, text, size=12, color=colour)
            arrow(ax, (x, y - 1.4), (x, y - size / 2), color=colour)
        if outputs[i] is not None:
            arrow(ax, (x, y + size / 2), (x, y + 1.4), color=OUTPUT)
            label(ax, x, y + 1.75, outputs[i], size=12, color=OUTPUT)
        if i:
            arrow(ax, (xs[i - 1] + size / 2, y), (x - size / 2, y), color=STATE)
    for x in xs:
        box(ax, x, y, size, size, None, face=face)


def draw_kinds(plt):
    """Images/KindsOfRNN.png: one-to-one, one-to-many, many-to-one, many-to-many aligned and not aligned."""
    fig, ax = new_figure(plt, 34, 8.6)
    step, y = 1.5, 4.3
    panels = [  # title, left edge, number of cells, what it is, where it is in this project
        ("one-to-one", 1.5, 1, "a plain network", "an image -> its class"),
        ("one-to-many", 5.3, 4, "one input, a sequence out", "OneToMany.py; sampling text"),
        ("many-to-one", 12.2, 4, "a sequence in, one label", "ManyToOne.py; the clue"),
        ("many-to-many, aligned", 19.1, 4, "a label at every step", "ManyToMany.py; characters"),
        ("many-to-many, not aligned", 26.0, 5, "read it all, then write", "Seq2Seq.py: encoder-decoder"),
    ]
    for title, left, cells, what, where in panels:
        xs = [left + 0.6 + i * step for i in range(cells)]
        centre = (xs[0] + xs[-1]) / 2
        if title == "one-to-one":
            chain(ax, xs, y, [(t("x", "1"), INPUT)], [t(r"\hat{y}", "1")])
        elif title == "one-to-many":
            # each output is fed back as the next input, as the character model samples
            inputs = [(t("x", "1"), INPUT)] + [(t(r"\hat{y}", str(i)), NOTE) for i in range(1, cells)]
            chain(ax, xs, y, inputs, [t(r"\hat{y}", str(i + 1)) for i in range(cells)])
        elif title == "many-to-one":
            chain(ax, xs, y, [(t("x", str(i + 1)), INPUT) for i in range(cells)], [None] * (cells - 1) + [r"$\hat{y}$"])
        elif title == "many-to-many, aligned":
            chain(ax, xs, y, [(t("x", str(i + 1)), INPUT) for i in range(cells)],
                  [t(r"\hat{y}", str(i + 1)) for i in range(cells)])
        else:
            reads, writes = 2, cells - 2
            inputs = [(t("x", str(i + 1)), INPUT) for i in range(reads)] + [None] + \
                     [(t(r"\hat{y}", str(i)), NOTE) for i in range(1, writes)]
            outputs = [None] * reads + [t(r"\hat{y}", str(i + 1)) for i in range(writes + 1)]
            chain(ax, xs, y, inputs, outputs[:cells])
            for x in xs[reads:]:               # the decoder's cells, in another colour
                box(ax, x, y, 0.9, 0.9, None, face="#fdebd9")
            label(ax, (xs[0] + xs[reads - 1]) / 2, y + 2.55, "encoder", size=11, color=NOTE)
            label(ax, (xs[reads] + xs[-1]) / 2, y + 2.55, "decoder", size=11, color=NOTE)
        label(ax, centre, 7.75, title, size=14, weight="bold")
        label(ax, centre, 1.35, what, size=11.5, color=NOTE)
        label(ax, centre, 0.6, where, size=11.5, color=NOTE, family="monospace")
    return fig


def curved_arrow(ax, start, end, color, bend):
    """An arrow bowed sideways by `bend` (a fraction of its length; the sign picks the side)."""
    from matplotlib.patches import FancyArrowPatch
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18, color=color, linewidth=1.8,
                                 connectionstyle=f"arc3,rad={bend}", shrinkA=0, shrinkB=0))


def draw_bidirectional(plt):
    """Images/BidirectionalRNN.png: a forward and a backward RNN over the same x, states stacked."""
    fig, ax = new_figure(plt, 24, 14.5)
    BACK = "#7b4fa0"
    xs = [5.0, 9.5, 14.0, 18.5]
    y_forward, y_backward, y_join = 4.6, 7.6, 10.0
    label(ax, 12.0, 14.0, "birnn_forward(x, a0, parameters): two RNNs over the same inputs", size=15, weight="bold")
    label(ax, 12.0, 13.2, "forward: rnn_states_vectorized(x, a0['forward'], parameters['forward'])", size=11.5,
          color=STATE, family="monospace")
    label(ax, 12.0, 12.6, "backward: the same pass on x[:, :, ::-1], its states reversed back in time", size=11.5,
          color=BACK, family="monospace")
    for i, x in enumerate(xs):
        n = str(i + 1)
        label(ax, x, 1.4, t("x", n), size=15, color=INPUT)
        arrow(ax, (x - 0.3, 1.85), (x - 0.3, y_forward - 0.6), color=INPUT)
        curved_arrow(ax, (x + 0.3, 1.85), (x + 0.5, y_backward - 0.6), INPUT, 0.4)     # around the forward cell
        ax.add_patch(__import__("matplotlib.patches", fromlist=["Circle"]).Circle(
            (x, y_join), 0.42, facecolor="white", edgecolor=OUTPUT, linewidth=1.6, zorder=3))
        label(ax, x, y_join, "[ ; ]", size=10.5, color=OUTPUT, zorder=4)
        curved_arrow(ax, (x - 0.5, y_forward + 0.6), (x - 0.3, y_join - 0.32), STATE, -0.4)  # around the backward cell
        arrow(ax, (x + 0.3, y_backward + 0.6), (x + 0.25, y_join - 0.33), color=BACK)
        arrow(ax, (x, y_join + 0.42), (x, 11.1), color=OUTPUT)
        label(ax, x, 11.55, t(r"\hat{y}", n), size=14, color=OUTPUT)
        if i + 1 < len(xs):
            arrow(ax, (x + 1.0, y_forward), (xs[i + 1] - 1.0, y_forward), color=STATE)
            label(ax, x + 2.25, y_forward - 0.45, r"$af^{\langle %s \rangle}$" % n, size=12, color=STATE)
            arrow(ax, (xs[i + 1] - 1.0, y_backward), (x + 1.0, y_backward), color=BACK)
            label(ax, x + 2.25, y_backward + 0.45, r"$ab^{\langle %d \rangle}$" % (i + 2), size=12, color=BACK)
    for x in xs:
        box(ax, x, y_forward, 2.0, 1.2, "forward", size=12)
        box(ax, x, y_backward, 2.0, 1.2, "backward", size=12, face="#f1eaf7")
    label(ax, 1.3, y_forward, r"$af^{\langle 0 \rangle}$", size=14, color=STATE)
    arrow(ax, (2.0, y_forward), (xs[0] - 1.0, y_forward), color=STATE)
    label(ax, 22.9, y_backward, r"$ab^{\langle 5 \rangle}$", size=14, color=BACK)
    arrow(ax, (22.2, y_backward), (xs[-1] + 1.0, y_backward), color=BACK)
    label(ax, 12.0, 0.45, r"$a^{\langle t \rangle} = [af^{\langle t \rangle}; ab^{\langle t \rangle}]$, "
          r"shape (2 n_a, m): every output sees the inputs before and after it", size=12.5, color=NOTE)
    return fig


def draw_stacked(plt):
    """Images/StackedRNN.png: three layers, each reading the states of the layer below."""
    fig, ax = new_figure(plt, 24, 13)
    xs = [4.8, 9.3, 13.8, 18.3]
    ys = [3.6, 6.2, 8.8]
    label(ax, 12.0, 12.4, "stacked_rnn_forward(x, a0, parameters): layer l reads the states of layer l-1",
          size=15, weight="bold")
    for i, x in enumerate(xs):
        n = str(i + 1)
        label(ax, x, 1.3, t("x", n), size=15, color=INPUT)
        arrow(ax, (x, 1.75), (x, ys[0] - 0.6), color=INPUT)
        for l in range(1, len(ys)):
            arrow(ax, (x, ys[l - 1] + 0.6), (x, ys[l] - 0.6), color=STATE,
                  text=r"$a[%d]^{\langle %s \rangle}$" % (l, n) if i == 0 else None, offset=(-0.85, 0), size=11.5)
        arrow(ax, (x, ys[-1] + 0.6), (x, 10.7), color=OUTPUT)
        label(ax, x, 11.15, t(r"\hat{y}", n), size=14, color=OUTPUT)
        for l, y in enumerate(ys):
            box(ax, x, y, 2.2, 1.2, f"layer {l + 1}", size=12, face=["#eef3f8", "#e3f1ee", "#f1eaf7"][l])
            if i + 1 < len(xs):
                arrow(ax, (x + 1.1, y), (xs[i + 1] - 1.1, y), color=STATE)
    for l, y in enumerate(ys):
        label(ax, 1.6, y, r"$a[%d]^{\langle 0 \rangle}$" % (l + 1), size=13, color=STATE)
        arrow(ax, (2.5, y), (xs[0] - 1.1, y), color=STATE)
        label(ax, 19.7, y, ["Wax[1] (n_a[1], n_x)", "Wax[2] (n_a[2], n_a[1])", "Wax[3] (n_a[3], n_a[2])"][l],
              size=11, color=NOTE, family="monospace", ha="left")
    label(ax, 12.0, 0.35, "each layer is rnn_states_vectorized on the states below; backward, "
          "a layer's dx is the da of the layer below", size=12, color=NOTE)
    return fig


def draw_seq2seq(plt):
    """Images/Seq2Seq.png: the encoder reads the question (reversed), the decoder writes the answer from h."""
    fig, ax = new_figure(plt, 30, 13)
    PEEK = "#7b4fa0"
    enc_xs = [1.9 + 1.95 * i for i in range(7)]
    dec_xs = [18.2 + 2.9 * i for i in range(4)]
    y = 5.4
    label(ax, 15.0, 12.45, "An encoder-decoder learning to add: 57+641 -> 698", size=16, weight="bold")
    box(ax, (enc_xs[0] + enc_xs[-1]) / 2, y, enc_xs[-1] - enc_xs[0] + 2.1, 3.2, None, face="#f4f8fc", edge="#bbbbbb")
    box(ax, (dec_xs[0] + dec_xs[-1]) / 2, y + 1.6, dec_xs[-1] - dec_xs[0] + 2.6, 6.6, None, face="#fcf7f2",
        edge="#bbbbbb")
    label(ax, (enc_xs[0] + enc_xs[-1]) / 2, 7.6, "encoder: LSTM_enc reads the question, reversed (--reverse)",
          size=12, color=NOTE)
    label(ax, (dec_xs[0] + dec_xs[-1]) / 2, 11.55, "decoder: LSTM_dec from a0 = h (c0 = 0)", size=12, color=NOTE)
    # the encoder: reversed question " 146+75" (the padding space first), one symbol per step, no outputs
    for i, (x, symbol) in enumerate(zip(enc_xs, "\u2423146+75")):
        box(ax, x, y, 1.3, 1.1, "LSTM", size=10)
        label(ax, x, 2.2, f"'{symbol}'", size=14, color=INPUT, family="monospace")
        arrow(ax, (x, 2.6), (x, y - 0.55), color=INPUT)
        if i + 1 < len(enc_xs):
            arrow(ax, (x + 0.65, y), (enc_xs[i + 1] - 0.65, y), color=STATE)
    label(ax, enc_xs[0] - 1.35, y, t("a", "0"), size=12, color=STATE)
    label(ax, (enc_xs[0] + enc_xs[-1]) / 2, 1.2, "read as one-hot columns x_enc (V, m, 7); its own steps have no loss",
          size=11, color=NOTE)
    # h: the encoder's last state, handed to the decoder as its a0
    arrow(ax, (enc_xs[-1] + 0.65, y), (dec_xs[0] - 0.65, y), color=STATE, width=2.6)
    label(ax, (enc_xs[-1] + dec_xs[0]) / 2 - 0.1, y + 0.55, "h", size=16, color=STATE, weight="bold")
    # peeky: h also goes into every decoder step's input
    y_peek = 3.15
    ax.plot([enc_xs[-1] + 1.4, enc_xs[-1] + 1.4, dec_xs[-1] + 0.35], [y, y_peek, y_peek], color=PEEK,
            linewidth=1.6, linestyle="--")
    label(ax, 15.95, 2.2, "--peeky: h joins\nevery step's input", size=11, color=PEEK)
    for x, fed, target in zip(dec_xs, "_698", "698\u2423"):
        box(ax, x, y, 1.3, 1.1, "LSTM", face="#fdebd9", size=10)
        label(ax, x - 0.35, 1.45, f"'{fed}'", size=14, color=INPUT, family="monospace")
        arrow(ax, (x - 0.35, 1.85), (x - 0.35, y - 0.55), color=INPUT)
        arrow(ax, (x + 0.35, y_peek), (x + 0.35, y - 0.55), color=PEEK, dashed=True, width=1.4)
        box(ax, x, y + 2.35, 2.3, 0.9, "softmax(Wy a + by)", face="#fdebd9", size=9.5)
        arrow(ax, (x, y + 0.55), (x, y + 1.9), color=STATE)
        arrow(ax, (x, y + 2.8), (x, y + 3.65), color=OUTPUT)
        label(ax, x, y + 4.05, f"'{target}'", size=14, color=OUTPUT, family="monospace")
        label(ax, x, y + 4.75, r"$\mathcal{L}^{\langle t \rangle}$", size=12, color=OUTPUT)
    for i in range(3):                                   # greedy decoding: each choice is the next input
        from matplotlib.patches import FancyArrowPatch
        ax.add_patch(FancyArrowPatch((dec_xs[i] + 0.5, y + 4.05), (dec_xs[i + 1] - 0.85, 1.45), arrowstyle="-|>",
                                     mutation_scale=14, color=GRAD, linewidth=1.1, linestyle=":",
                                     connectionstyle="arc3,rad=-0.25"))
    label(ax, (dec_xs[0] + dec_xs[-1]) / 2, 0.45, "training: the true answer is fed in (teacher forcing);\n"
          "testing: greedy, each written symbol is fed back (dotted)", size=11, color=NOTE)
    return fig


FIGURES = {
    "RNN1.2.png": draw_unrolled,
    "RNN-cell.png": draw_cell,
    "ForwardProp.png": draw_forward,
    "BackwardProp.png": draw_backward,
    "TBTT.png": draw_truncated,
    "LSTM-cell.png": draw_lstm_cell,
    "GRU-cell.png": draw_gru_cell,
    "KindsOfRNN.png": draw_kinds,
    "BidirectionalRNN.png": draw_bidirectional,
    "StackedRNN.png": draw_stacked,
    "Seq2Seq.png": draw_seq2seq,
}


def run_programs_that_plot(out):
    """Run the programs whose results are plotted, each writing its figure(s) into `out`.

    Returns the exit code of the first that fails, or 0. Their own progress
    goes to the terminal as they run.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as scratch:
        runs = [("TruncatedBPTT.py", ["--plot", os.path.join(out, "TrainingLoss.png"),
                                      "--checkpoint", os.path.join(scratch, "char_rnn.npz")], "about a minute"),
                ("VanishingGradient.py", ["--out", out], "a few minutes"),
                ("Seq2Seq.py", ["--compare", out], "about ten minutes")]
        for program, arguments, duration in runs:
            print(f"running python {program} {' '.join(arguments)} ({duration})", flush=True)
            code = subprocess.call([sys.executable, os.path.join(here, program), *arguments])
            if code != 0:
                print(f"DrawFigures.py: {program} failed (exit code {code})", file=sys.stderr)
                return code
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description="Draw the tutorial's figures into the folder you name.")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="folder to write the PNGs to; --out Images redraws the committed figures")
    parser.add_argument("--results", action="store_true",
                        help="also run TruncatedBPTT.py, VanishingGradient.py and Seq2Seq.py --compare to plot "
                             "their results into DIR")
    args = parser.parse_args(argv)
    plt = pyplot()
    if plt is None:
        print("DrawFigures.py needs matplotlib: python -m pip install matplotlib", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    for name, draw in FIGURES.items():
        fig = draw(plt)
        path = os.path.join(args.out, name)
        fig.savefig(path, facecolor="white")
        plt.close(fig)
        print(f"wrote {path}", flush=True)
    return run_programs_that_plot(args.out) if args.results else 0


if __name__ == "__main__":
    sys.exit(main())
