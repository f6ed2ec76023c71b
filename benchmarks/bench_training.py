"""How well and how fast does TruncatedBPTT.py train with its defaults?

    python benchmarks/bench_training.py            # the defaults: about a minute
    python benchmarks/bench_training.py --quick    # a few hundred iterations

Prints the loss per character before and after training against ln(V), the
characters per second, and how much one training iteration costs compared
with the forward and backward passes it contains (the vectorized ones) (timed alternately, medians).
"""
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# TruncatedBPTT first: it sets one BLAS thread before numpy loads, so this
# benchmark times what the program runs.
import TruncatedBPTT as tb  # noqa: E402
import numpy as np  # noqa: E402
import CharRNN as char_rnn  # noqa: E402
from Loss import rnn_loss_and_gradients  # noqa: E402
from Optimizers import Adagrad, clip_global_norm  # noqa: E402
from program_support import one_hot  # noqa: E402


def main():
    quick = "--quick" in sys.argv
    unknown = [a for a in sys.argv[1:] if a != "--quick"]
    if unknown:                                    # a typo (--quik) must not start the full run
        sys.exit(f"bench_training.py: unknown option {unknown[0]} (use --quick)")
    args = tb.parse_arguments([])
    iterations = 300 if quick else args.iterations
    text = char_rnn.read_text(args.text)
    chars = sorted(set(text))
    V, hidden, k, m = len(chars), 100, args.seq_length, args.batch
    index = {c: i for i, c in enumerate(chars)}
    indices = np.array([index[c] for c in text])
    streams = char_rnn.make_streams(indices, m, k)
    chunks = (streams.shape[1] - 1) // k
    rng = np.random.default_rng(args.seed)
    parameters = char_rnn.init_parameters(V, hidden, rng)
    optimizer = Adagrad(tb.DEFAULT_LEARNING_RATES["adagrad"])
    start_loss = char_rnn.evaluate(parameters, indices, stretch=streams.shape[1] - 1)

    def iteration_step(i, parameters, a_prev):
        start = (i % chunks) * k
        x = one_hot(streams[:, start: start + k], V)
        loss, gradients, a_prev = rnn_loss_and_gradients(x, a_prev, streams[:, start + 1: start + k + 1], parameters,
                                                         char_rnn.FORWARD, char_rnn.BACKWARD)
        clipped, _ = clip_global_norm({"d" + n: gradients["d" + n] for n in parameters}, args.clip)
        return optimizer.update(parameters, clipped), a_prev

    a_prev = np.zeros((hidden, m))
    print(f"training {iterations} iterations; progress every {max(1, iterations // 10)} on stderr", flush=True)
    began = time.perf_counter()
    for i in range(iterations):
        if i % chunks == 0:
            a_prev = np.zeros((hidden, m))
        parameters, a_prev = iteration_step(i, parameters, a_prev)
        if (i + 1) % max(1, iterations // 10) == 0:      # a minute without a word looks like a hang
            print(f"  iteration {i + 1}/{iterations}, {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - began
    end_loss = char_rnn.evaluate(parameters, indices, stretch=streams.shape[1] - 1)

    # one whole iteration against its forward + backward alone, alternately
    x = one_hot(streams[:, :k], V)
    da = np.ones((hidden, m, k))
    whole, passes = [], []
    for _ in range(51):
        t0 = time.perf_counter()
        iteration_step(0, parameters, np.zeros((hidden, m)))
        t1 = time.perf_counter()
        char_rnn.BACKWARD(da, char_rnn.FORWARD(x, np.zeros((hidden, m)), parameters)[2])
        t2 = time.perf_counter()
        whole.append(t1 - t0)
        passes.append(t2 - t1)

    print(f"text: {args.text}, {len(text):,} characters, V = {V}; hidden {hidden}, batch {m}, chunk {k}, "
          f"{iterations} iterations")
    print(f"loss per character before training: {start_loss:.3f}   ln V = {math.log(V):.3f}   "
          f"ln V / 2 = {math.log(V) / 2:.3f}")
    print(f"loss per character after training:  {end_loss:.3f}   ({end_loss / math.log(V):.2f} of ln V)")
    print(f"training speed: {iterations * m * k / elapsed:,.0f} characters per second "
          f"({iterations / elapsed:.0f} iterations/s, {elapsed:.1f} s)")
    print(f"one iteration / its forward + backward passes ({char_rnn.FORWARD.__name__}, {char_rnn.BACKWARD.__name__}): "
          f"{statistics.median(whole) / statistics.median(passes):.2f} "
          f"(medians of 51 alternate timings: {statistics.median(whole) * 1e3:.2f} ms vs "
          f"{statistics.median(passes) * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
