"""Many-to-many, aligned: a label at every step.

    python ManyToMany.py            # a few seconds
    python ManyToMany.py --quick    # a smoke run

The input is a string of the symbols "a" and "b"; at every step the model
must say how many "a"s it has read so far, modulo 3:

    input    a b a a b b a a a b
    target   1 1 2 0 0 0 1 2 0 0

One input and one label per step, in step: the sequence of outputs is
aligned with the sequence of inputs, the shape of the character model
(input: a character, label: the next one) and of tagging every word of a
sentence. The answer at step t depends on every input up to t, so the
hidden state must carry a counter; the output layer reads it at every step:

    a<t> = tanh(Waa a<t-1> + Wax x<t> + ba),    y<t> = softmax(Wya a<t> + by),    L = sum_t L<t>

(When the output sequence has its own length and starts only after the
input has been read, many-to-many is not aligned: that is the
encoder-decoder of Seq2Seq.py.)
"""
import argparse
import sys

import numpy as np

from checkpoint import parse_options, random_seed
from sequence_training import (accuracy_by_step, init_output, init_states, one_dtype, output_loss,
                               output_probabilities, train, zero_state)
from VectorizedRNN import rnn_backward_vectorized, rnn_states_vectorized

SYMBOLS = "ab"


def count_task(batch, length, rng):
    """Random strings of a and b, one-hot, with the running count of a modulo 3 at every step.

    Returns x (2, batch, length) one-hot, targets integers (batch, length).
    """
    symbols = rng.integers(0, 2, size=(batch, length))          # 0 is "a"
    targets = np.cumsum(symbols == 0, axis=1) % 3
    x = np.eye(2)[symbols].transpose(2, 0, 1)                    # (batch, length, 2) -> (2, batch, length)
    return x, targets


def loss_and_gradients(model, x, targets):
    """Loss at every step; gradients of the hidden-state RNN and of the output layer.

    Its gradient check: tests/test_kinds_of_rnn.py::test_every_models_gradient_against_the_numerical_gradient.
    """
    model, x = one_dtype(model, x)
    a0 = zero_state(x, model["rnn"])
    a, cache = rnn_states_vectorized(x, a0, model["rnn"])
    loss, output_gradients, da = output_loss(a, targets, model["output"])
    return loss, {"rnn": rnn_backward_vectorized(da, cache), "output": output_gradients}


def predict(model, x):
    """The most probable class at every step, integers (m, T_x)."""
    model, x = one_dtype(model, x)
    a0 = zero_state(x, model["rnn"])
    a, _ = rnn_states_vectorized(x, a0, model["rnn"])
    return np.argmax(output_probabilities(a, model["output"]), axis=0)


def run(quick=False, seed=0):
    """Train and test; return a dict of the results (accuracy by step on held-out strings, an example)."""
    length, n_a, iterations = 20, 16, (150 if quick else 1500)
    rng = np.random.default_rng(seed)
    model = {"rnn": init_states(2, n_a, rng), "output": init_output(n_a, 3, rng)}
    model, losses = train(model, loss_and_gradients, lambda: count_task(32, length, rng), iterations,
                          learning_rate=0.01, label="many-to-many (count of a mod 3)")
    x, targets = count_task(1000, length, np.random.default_rng(seed + 10_000))    # held out
    predicted = predict(model, x)
    by_step = accuracy_by_step(predicted, targets)
    example = "".join(SYMBOLS[i] for i in np.argmax(x[:, 0, :], axis=0))
    return {"accuracy": float(by_step.mean()), "by_step": by_step, "iterations": iterations, "n_a": n_a,
            "length": length, "example": (example, targets[0], predicted[0])}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Many-to-many, aligned: the running count of a modulo 3.")
    parser.add_argument("--quick", action="store_true", help="a smoke run in a second or two")
    parser.add_argument("--seed", type=random_seed(), default=0)
    args = parse_options(parser, argv)
    result = run(args.quick, args.seed)
    text, target, predicted = result["example"]
    print(f"many-to-many, aligned: count of 'a' modulo 3 at every step, T_x = {result['length']}, "
          f"n_a = {result['n_a']}, {result['iterations']} iterations of 32 strings")
    print(f"input      {' '.join(text)}")
    print(f"target     {' '.join(str(c) for c in target)}")
    print(f"predicted  {' '.join(str(c) for c in predicted)}")
    print("held-out accuracy by step t = 1..T_x: " + " ".join(f"{v:.2f}" for v in result["by_step"]))
    print(f"held-out accuracy (1000 strings, every step): {result['accuracy']:.3f}  (chance 1/3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
