"""What does argument checking cost? rnn_forward/rnn_backward against the same loops without it.

    python benchmarks/bench_validation.py

The unchecked versions below are rnn_forward and rnn_backward with their
checks deleted and nothing else changed. The two are timed alternately, many
times, and the medians compared: on a shared machine only such side-by-side
ratios mean anything.
"""
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from BackwardPropagation import rnn_backward  # noqa: E402
from ForwardPropagation import rnn_forward  # noqa: E402
from RNN_UNIT_CELL import rnn_cell_backward, rnn_cell_forward  # noqa: E402
from validation import arguments_checked  # noqa: E402


def rnn_forward_unchecked(x, a0, parameters):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x), dtype=x.dtype)
    y_pred = np.zeros((n_y, m, T_x), dtype=x.dtype)
    caches, a_next = [], a0
    with arguments_checked():
        for t in range(T_x):
            a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
            a[:, :, t] = a_next
            y_pred[:, :, t] = yt_pred
            caches.append(cache)
    return a, y_pred, (caches, x)


def rnn_backward_unchecked(da, caches):
    cell_caches, x = caches
    n_x, m, T_x = x.shape
    n_a = da.shape[0]
    dx = np.zeros((n_x, m, T_x), dtype=da.dtype)
    dWax = np.zeros((n_a, n_x), dtype=da.dtype)
    dWaa = np.zeros((n_a, n_a), dtype=da.dtype)
    dba = np.zeros((n_a, 1), dtype=da.dtype)
    da_prevt = np.zeros((n_a, m), dtype=da.dtype)
    with arguments_checked():
        for t in reversed(range(T_x)):
            gradients = rnn_cell_backward(da[:, :, t] + da_prevt, cell_caches[t])
            dx[:, :, t] = gradients["dxt"]
            da_prevt = gradients["da_prev"]
            dWax += gradients["dWax"]
            dWaa += gradients["dWaa"]
            dba += gradients["dba"]
    return {"dx": dx, "da0": da_prevt, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def both_passes(forward, backward, x, a0, parameters, da):
    _, _, caches = forward(x, a0, parameters)
    return backward(da, caches)


def median_ratio(sizes, samples, repeats):
    rng = np.random.default_rng(0)
    n_x, n_a, n_y, m, T_x = sizes
    x = rng.standard_normal((n_x, m, T_x))
    a0 = rng.standard_normal((n_a, m))
    parameters = {"Wax": rng.standard_normal((n_a, n_x)), "Waa": 0.5 * rng.standard_normal((n_a, n_a)),
                  "Wya": rng.standard_normal((n_y, n_a)), "ba": rng.standard_normal((n_a, 1)),
                  "by": rng.standard_normal((n_y, 1))}
    da = rng.standard_normal((n_a, m, T_x))
    checked = both_passes(rnn_forward, rnn_backward, x, a0, parameters, da)
    unchecked = both_passes(rnn_forward_unchecked, rnn_backward_unchecked, x, a0, parameters, da)
    for key in checked:  # same work, same answer
        np.testing.assert_array_equal(checked[key], unchecked[key])

    times = {"checked": [], "unchecked": []}
    contenders = [("checked", rnn_forward, rnn_backward),
                  ("unchecked", rnn_forward_unchecked, rnn_backward_unchecked)]
    for sample in range(samples):
        for name, forward, backward in contenders[:: 1 if sample % 2 else -1]:  # alternate who goes first
            start = time.perf_counter()
            for _ in range(repeats):
                both_passes(forward, backward, x, a0, parameters, da)
            times[name].append((time.perf_counter() - start) / repeats)
    checked_s, unchecked_s = statistics.median(times["checked"]), statistics.median(times["unchecked"])
    return checked_s, unchecked_s


def main():
    quick = "--quick" in sys.argv
    unknown = [a for a in sys.argv[1:] if a != "--quick"]
    if unknown:                                    # a typo (--quik) must not start the full run
        sys.exit(f"bench_validation.py: unknown option {unknown[0]} (use --quick)")
    print("Forward + backward, median of interleaved samples; ratio = with checks / without"
          + ("" if quick else " (about a minute: one row per size)"), flush=True)
    print(f"{'(n_x, n_a, n_y, m, T_x)':<28}{'with checks':>14}{'without':>14}{'ratio':>8}")
    for sizes, repeats in [((3, 5, 2, 10, 4), 200), ((10, 32, 10, 16, 50), 10), ((64, 128, 64, 32, 100), 2)]:
        checked_s, unchecked_s = median_ratio(sizes, samples=5 if quick else 31, repeats=1 if quick else repeats)
        print(f"{str(sizes):<28}{checked_s * 1e6:>11.1f} us{unchecked_s * 1e6:>11.1f} us"
              f"{checked_s / unchecked_s:>8.3f}")


if __name__ == "__main__":
    main()
