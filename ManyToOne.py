"""Many-to-one: one label for a whole sequence.

    python ManyToOne.py            # a few seconds
    python ManyToOne.py --quick    # a smoke run

Two tasks. In the first the input is a string of bits and the label its
parity, 1 if it holds an odd number of ones:

    input    1 0 1 1 0     label  1   (three ones)

In the second the input is a sequence of numbers drawn uniformly from
[-1, 1] and the label says whether their sum is positive.

The whole sequence is read, and only the state after the last step is
judged: the shape of sentiment analysis (a review in, a mark out) and of
the detective's problem of VanishingGradient.py (a story in, the culprit
out). For parity every bit matters and flipping any one of them flips the
answer, so the state must carry one running bit through the whole string;
for the sign it must carry a running sum. The loss is at the last step only,

    y = softmax(Wya a<T_x> + by),    L = -log y[label]

so the upstream gradient da is zero at every step but the last; the
backward pass carries it back from there to every input.

Parity is the hard one: it gives no partial credit (knowing all the bits
but one is no better than knowing none), so the loss stays flat at ln 2
until the whole running bit works. With this budget the plain RNN learns it
for 5 bits; at 6 and at 10 bits it stayed at chance in our runs.
"""
import argparse
import sys

import numpy as np

from checkpoint import parse_options, random_seed
from sequence_training import (check_labels, init_output, init_states, one_dtype, output_loss,
                               output_probabilities, train, zero_state)
from VectorizedRNN import rnn_backward_vectorized, rnn_states_vectorized


def parity_task(batch, length, rng):
    """Random bit strings, one-hot (2, batch, length), and their parity, integers (batch,)."""
    bits = rng.integers(0, 2, size=(batch, length))
    x = np.eye(2)[bits].transpose(2, 0, 1)
    return x, bits.sum(axis=1) % 2


def sign_task(batch, length, rng):
    """Random numbers in [-1, 1], (1, batch, length), and whether their sum is positive, integers (batch,)."""
    x = rng.uniform(-1, 1, size=(1, batch, length))
    return x, (x.sum(axis=(0, 2)) > 0).astype(int)


# name -> (make a batch, input features n_x, sequence length T_x, iterations)
TASKS = {"parity": (parity_task, 2, 5, 2000), "sign of a sum": (sign_task, 1, 20, 1000)}


def loss_and_gradients(model, x, labels):
    """Loss on the last state only; gradients of the hidden-state RNN and of the output layer.

    Its gradient check: tests/test_kinds_of_rnn.py::test_every_models_gradient_against_the_numerical_gradient.
    """
    model, x = one_dtype(model, x)
    a0 = zero_state(x, model["rnn"])
    check_labels("labels", labels, x.shape[1:2])
    a, cache = rnn_states_vectorized(x, a0, model["rnn"])
    loss, output_gradients, da_last = output_loss(a[:, :, -1:], labels[:, None], model["output"])
    da = np.zeros(a.shape, dtype=da_last.dtype)
    da[:, :, -1:] = da_last                  # nothing is asked of the earlier states directly
    return loss, {"rnn": rnn_backward_vectorized(da, cache), "output": output_gradients}


def predict(model, x):
    """The most probable label of every sequence, integers (m,)."""
    model, x = one_dtype(model, x)
    a0 = zero_state(x, model["rnn"])
    a, _ = rnn_states_vectorized(x, a0, model["rnn"])
    return np.argmax(output_probabilities(a[:, :, -1:], model["output"])[:, :, 0], axis=0)


def run(task, quick=False, seed=0):
    """Train on one of TASKS and test; return a dict of the results (held-out accuracy and the setting)."""
    make_batch, n_x, length, iterations = TASKS[task]
    n_a, iterations = 16, (iterations // 10 if quick else iterations)
    rng = np.random.default_rng(seed)
    model = {"rnn": init_states(n_x, n_a, rng), "output": init_output(n_a, 2, rng)}
    model, losses = train(model, loss_and_gradients, lambda: make_batch(64, length, rng), iterations,
                          learning_rate=0.01, label=f"many-to-one ({task})")
    x, labels = make_batch(1000, length, np.random.default_rng(seed + 10_000))    # held out
    accuracy = float(np.mean(predict(model, x) == labels))
    return {"task": task, "accuracy": accuracy, "length": length, "n_a": n_a, "iterations": iterations}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Many-to-one: the parity of a bit string, the sign of a sum.")
    parser.add_argument("--quick", action="store_true", help="a smoke run in a second or two")
    parser.add_argument("--seed", type=random_seed(), default=0)
    args = parse_options(parser, argv)
    for task in TASKS:
        result = run(task, args.quick, args.seed)
        print(f"many-to-one, {task} of T_x = {result['length']} inputs, n_a = {result['n_a']}, "
              f"{result['iterations']} iterations of 64 sequences: held-out accuracy (1000 sequences) "
              f"{result['accuracy']:.3f}  (chance 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
