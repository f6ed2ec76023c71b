"""One-to-many: a whole sequence out of one start symbol.

    python OneToMany.py            # a few seconds
    python OneToMany.py --quick    # a smoke run

Given a start digit d, write the last digits of its multiples 2d, 3d, 4d, ...:

    start 3   ->   6 9 2 5 8 1 4 7 0 3
    start 4   ->   8 2 6 0 4 8 2 6 0 4

One input, many outputs: the shape of the character model's sampling
(CharRNN.sample: one character in, a text out), of music generation
and of captioning an image. The trick that makes it trainable is the
character model's: each output is fed back as the next input,

    x<1> = d,    x<t+1> = y<t>,    y<t> = softmax(Wya a<t> + by)

so training is an aligned many-to-many problem on the known sequence (the
input at step t+1 is the true digit of step t: "teacher forcing"), and
writing is sampling, one step at a time, from the start symbol alone. The
previous digit is not enough to know the next (after a 0, a start of 2
continues with 2 and a start of 4 with 4): the hidden state must remember
the start.
"""
import argparse
import sys

import numpy as np

from CharRNN import sample
from checkpoint import parse_options, random_seed
from program_support import one_hot
from sequence_training import init_output, init_states, one_dtype, output_loss, train, zero_state
from VectorizedRNN import rnn_backward_vectorized, rnn_states_vectorized

DIGITS = 10


def multiples(starts, length):
    """The digits each start writes: (starts[i] * (t + 2)) mod 10 for t = 0..length-1, integers (m, length)."""
    return (starts[:, None] * np.arange(2, length + 2)[None, :]) % DIGITS


def teacher_forced_batch(batch, length, rng):
    """Inputs d, y<1>, ..., y<T-1> (one-hot, (10, batch, length)) and targets y<1>, ..., y<T> (batch, length)."""
    starts = rng.integers(0, DIGITS, size=batch)
    targets = multiples(starts, length)
    inputs = np.concatenate([starts[:, None], targets[:, :-1]], axis=1)
    return one_hot(inputs, DIGITS), targets


def loss_and_gradients(model, x, targets):
    """Loss at every step; gradients of the hidden-state RNN and of the output layer.

    Its gradient check: tests/test_kinds_of_rnn.py::test_every_models_gradient_against_the_numerical_gradient.
    """
    model, x = one_dtype(model, x)
    a0 = zero_state(x, model["rnn"])
    a, cache = rnn_states_vectorized(x, a0, model["rnn"])
    loss, output_gradients, da = output_loss(a, targets, model["output"])
    return loss, {"rnn": rnn_backward_vectorized(da, cache), "output": output_gradients}


def write(model, start, length, rng):
    """Sample `length` digits from the start digit alone, as the character model writes text.

    CharRNN.sample feeds every digit it draws back in; a low temperature
    (0.05: probabilities raised to the power 20) makes it all but pick the
    likeliest digit at every step.
    """
    return sample({**model["rnn"], **model["output"]}, start, length, temperature=0.05, rng=rng)


def run(quick=False, seed=0):
    """Train, then let the model write from every start digit; return a dict of the results."""
    length, n_a, iterations = 10, 32, (100 if quick else 1500)
    rng = np.random.default_rng(seed)
    model = {"rnn": init_states(DIGITS, n_a, rng), "output": init_output(n_a, DIGITS, rng)}
    model, losses = train(model, loss_and_gradients, lambda: teacher_forced_batch(32, length, rng), iterations,
                          learning_rate=0.01, label="one-to-many (multiples)")
    starts = np.arange(DIGITS)
    written = np.array([write(model, d, length, np.random.default_rng(seed)) for d in starts])
    right = written == multiples(starts, length)
    return {"digits right": float(right.mean()), "sequences right": int(right.all(axis=1).sum()),
            "written": written, "length": length, "n_a": n_a, "iterations": iterations}


def main(argv=None):
    parser = argparse.ArgumentParser(description="One-to-many: write the multiples of a start digit.")
    parser.add_argument("--quick", action="store_true", help="a smoke run in a second or two")
    parser.add_argument("--seed", type=random_seed(), default=0)
    args = parse_options(parser, argv)
    result = run(args.quick, args.seed)
    print(f"one-to-many: the last digits of 2d, 3d, ..., from the start digit d alone, "
          f"n_a = {result['n_a']}, {result['iterations']} iterations of 32 sequences")
    for d, digits in enumerate(result["written"]):
        truth = multiples(np.array([d]), result["length"])[0]
        mark = "right" if np.array_equal(digits, truth) else "wrong, should be " + " ".join(map(str, truth))
        print(f"start {d}  ->  {' '.join(map(str, digits))}   {mark}")
    print(f"written from the start digit alone: {result['sequences right']} of {DIGITS} sequences right, "
          f"{result['digits right']:.2f} of the digits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
