"""The kinds of RNN, each trained on a task where its shape matters, in one table.

    python KindsOfRNN.py            # the whole chapter, about 2 minutes on 2 cores
    python KindsOfRNN.py --quick    # every part, small, in seconds (a smoke run)

- one-to-many, many-to-one, many-to-many aligned: OneToMany.py, ManyToOne.py
  (and the detective's clue of VanishingGradient.py), ManyToMany.py;
- many-to-many not aligned, the encoder-decoder: Seq2Seq.py (its own chapter);
- bidirectional (Bidirectional.py), on reversing a sequence: the answer at
  step t is the input of step T_x + 1 - t, which a one-directional RNN has
  not read yet for the whole first half;
- stacked (StackedRNN.py): a character model with one layer against one
  with two, at about the same number of parameters and the same budget.

The last line is the bidirectional result:
kinds of RNN: bidirectional early-position accuracy X vs one-directional Y
"""
import argparse
import sys
import time

import numpy as np

from checkpoint import parse_options, random_seed
import ManyToMany
import ManyToOne
import OneToMany
from Bidirectional import DIRECTIONS, birnn_backward, birnn_forward, check_by_direction
from program_support import one_hot
from sequence_training import (accuracy_by_step, init_output, init_states, leaves, one_dtype, output_loss,
                               output_probabilities, train, zero_state)
from StackedRNN import stacked_rnn_backward, stacked_rnn_forward
from validation import check_array, check_state_parameters, result_dtype
from VanishingGradient import train_on_memory_task


# ---------------------------------------------------------------- bidirectional: reverse the sequence

def reversal_task(batch, length, symbols, rng):
    """Random sequences of `symbols` symbols, one-hot, and as targets the same sequences reversed.

    Returns x (symbols, batch, length) and targets (batch, length), targets[:, t] = input at length - 1 - t.
    """
    sequence = rng.integers(0, symbols, size=(batch, length))
    return one_hot(sequence, symbols), sequence[:, ::-1].copy()


def zero_states(birnn, x):
    """a0 of both directions, zeros (n_a, m): nothing read before step 1 nor after step T_x."""
    check_by_direction("model['birnn']", birnn)
    return {direction: zero_state(x, birnn[direction], f"model['birnn'][{direction!r}]") for direction in DIRECTIONS}


def bidirectional_loss(model, x, targets):
    """Loss at every step from the stacked states [af<t>; ab<t>]; gradients of both directions and the output."""
    model, x = one_dtype(model, x, ("birnn", "output"))
    a, cache = birnn_forward(x, zero_states(model["birnn"], x), model["birnn"])
    loss, output_gradients, da = output_loss(a, targets, model["output"])
    return loss, {"birnn": birnn_backward(da, cache), "output": output_gradients}


def bidirectional_predict(model, x):
    """The most probable symbol at every step, integers (m, T_x)."""
    model, x = one_dtype(model, x, ("birnn", "output"))
    a, _ = birnn_forward(x, zero_states(model["birnn"], x), model["birnn"])
    return np.argmax(output_probabilities(a, model["output"]), axis=0)


def compare_directions(length, symbols, n_a, iterations, seed):
    """Train a one-directional RNN (2 n_a units) and a bidirectional one (n_a per direction) to reverse.

    Returns {"one-directional": accuracy by position, "bidirectional": ...,
    "parameters": {model: count}} on 1000 held-out sequences.
    """
    rng = np.random.default_rng(seed)
    batch = lambda: reversal_task(32, length, symbols, rng)
    # The one-directional model gets as many hidden units as both directions together (and so more weights).
    one = {"rnn": init_states(symbols, 2 * n_a, rng), "output": init_output(2 * n_a, symbols, rng)}
    two = {"birnn": {"forward": init_states(symbols, n_a, rng), "backward": init_states(symbols, n_a, rng)},
           "output": init_output(2 * n_a, symbols, rng)}
    one, _ = train(one, ManyToMany.loss_and_gradients, batch, iterations, 0.01, label="one-directional")
    two, _ = train(two, bidirectional_loss, batch, iterations, 0.01, label="bidirectional")
    x, targets = reversal_task(1000, length, symbols, np.random.default_rng(seed + 10_000))
    return {"one-directional": accuracy_by_step(ManyToMany.predict(one, x), targets),
            "bidirectional": accuracy_by_step(bidirectional_predict(two, x), targets),
            "parameters": {"one-directional": count(one), "bidirectional": count(two)}}


def count(model):
    """Number of trained numbers in a model."""
    return sum(array.size for _, array in leaves(model))


# ---------------------------------------------------------------- stacked: a character model, 1 layer vs 2

NOUNS = [("cat", "cats"), ("dog", "dogs"), ("bird", "birds"), ("fox", "foxes")]
VERBS = [("runs", "run"), ("sleeps", "sleep"), ("sings", "sing")]
OBJECT_VERBS = [("sees", "see"), ("likes", "like")]


def sentences(count, rng):
    """A text of `count` random sentences of a tiny grammar in which the verb agrees with its subject.

    "the cat sleeps. the dogs that the fox sees run. ..." Half the sentences
    put a clause between the subject and its verb, so whether the verb ends
    in s depends on a noun read a dozen characters before.
    """
    text = []
    for _ in range(count):
        plural = rng.integers(2)
        noun, verb = NOUNS[rng.integers(len(NOUNS))][plural], VERBS[rng.integers(len(VERBS))][plural]
        clause = ""
        if rng.integers(2):
            other = rng.integers(2)
            clause = (f" that the {NOUNS[rng.integers(len(NOUNS))][other]}"
                      f" {OBJECT_VERBS[rng.integers(len(OBJECT_VERBS))][other]}")
        text.append(f"the {noun}{clause} {verb}.")
    return " ".join(text) + " "


def windows(indices, vocabulary, batch, length, rng):
    """`batch` random stretches of length + 1 characters: inputs one-hot (vocabulary, batch, length), targets."""
    starts = rng.integers(0, len(indices) - length - 1, size=batch)
    stretch = indices[starts[:, None] + np.arange(length + 1)[None, :]]
    return one_hot(stretch[:, :-1], vocabulary), stretch[:, 1:]      # the target is the next character


def character_loss(model, x, targets):
    """Loss of predicting every next character from the top layer; gradients of every layer and the output."""
    model, x = one_dtype(model, x, ("layers", "output"))
    a0 = stack_zero_states(model["layers"], x)
    a, cache = stacked_rnn_forward(x, a0, model["layers"])
    loss, output_gradients, da = output_loss(a[-1], targets, model["output"])
    return loss, {"layers": stacked_rnn_backward(da, cache)["layers"], "output": output_gradients}


def stack_zero_states(layers, x):
    """a0 of every layer, zeros (n_a[l], m), in the dtype the stack computes in; checks x and every layer."""
    check_array("x", x, 3)
    if not isinstance(layers, list) or not layers:
        raise TypeError("model['layers'] must be a list of the layers' parameters, one dict per layer")
    sizes, n_in = [], x.shape[0]
    for l, layer in enumerate(layers):                  # layer l reads the states of layer l-1
        n_in = check_state_parameters(f"model['layers'][{l}]", layer, n_in)
        sizes.append(n_in)
    dtype = result_dtype(x, *[layer[key] for layer in layers for key in ("Wax", "Waa", "ba")])
    return [np.zeros((n_a, x.shape[1]), dtype=dtype) for n_a in sizes]


def character_model(sizes, vocabulary, rng):
    """A stack of len(sizes) layers of sizes[l] units reading one-hot characters, and an output layer."""
    layers, n_in = [], vocabulary
    for n_a in sizes:
        layers.append(init_states(n_in, n_a, rng))
        n_in = n_a
    return {"layers": layers, "output": init_output(sizes[-1], vocabulary, rng)}


def same_size_stack(one_layer, vocabulary, depth):
    """The width of `depth` equal layers whose model has about as many parameters as one layer of one_layer."""
    target = count(character_model([one_layer], vocabulary, np.random.default_rng(0)))
    widths = range(1, one_layer + 1)
    return min(widths, key=lambda w: abs(count(character_model([w] * depth, vocabulary,
                                                               np.random.default_rng(0))) - target))


def compare_depths(one_layer, iterations, length, seed, held_out=1000):
    """Train a 1-layer and a 2-layer character model with the same budget.

    Returns ({model name: {"loss": held-out loss per character, "parameters": count}}, vocabulary size);
    the held-out loss is the mean over `held_out` stretches of `length` characters of another text.
    """
    train_text, test_text = sentences(4000, np.random.default_rng(seed)), sentences(500, np.random.default_rng(seed + 1))
    chars = sorted(set(train_text))
    code = {c: i for i, c in enumerate(chars)}
    train_indices = np.array([code[c] for c in train_text])
    test_indices = np.array([code[c] for c in test_text])
    results = {}
    for sizes in ([one_layer], [same_size_stack(one_layer, len(chars), 2)] * 2):
        rng = np.random.default_rng(seed)
        name = f"{len(sizes)} layer{'s' if len(sizes) > 1 else ''} of {sizes[0]}"
        model, _ = train(character_model(sizes, len(chars), rng), character_loss,
                         lambda: windows(train_indices, len(chars), 32, length, rng), iterations, 0.005, label=name)
        x, targets = windows(test_indices, len(chars), held_out, length, np.random.default_rng(seed + 2))
        loss = character_loss(model, x, targets)[0] / length
        results[name] = {"loss": loss, "parameters": count(model)}
    return results, len(chars)


# ---------------------------------------------------------------- the chapter

def shape_rows(quick, seed):
    """Rows (kind, task, model, result) of the shapes of the problem: the three scripts and the clue."""
    rows = []
    result = OneToMany.run(quick, seed)
    rows.append(("one-to-many", f"multiples of a start digit, T_y = {result['length']}", f"RNN, n_a = {result['n_a']}",
                 f"{result['sequences right']}/10 sequences written right, {result['digits right']:.2f} of digits"))
    for task in ManyToOne.TASKS:
        result = ManyToOne.run(task, quick, seed)
        rows.append(("many-to-one", f"{task}, T_x = {result['length']}", f"RNN, n_a = {result['n_a']}",
                     f"held-out accuracy {result['accuracy']:.3f} (chance 0.5)"))
    # the detective's problem, with the budget of the vanishing-gradient chapter (3000 iterations)
    clue = train_on_memory_task("RNN", 10, 100 if quick else 3000, n_a=24, K=4, distractors=4, batch=32,
                                seed=seed, learning_rate=0.1)
    rows.append(("many-to-one", "the clue of VanishingGradient.py, T_x = 10", "RNN, n_a = 24",
                 f"held-out accuracy {clue:.3f} (chance 0.25)"))
    result = ManyToMany.run(quick, seed)
    rows.append(("many-to-many, aligned", f"count of a mod 3, T_x = {result['length']}", f"RNN, n_a = {result['n_a']}",
                 f"held-out accuracy {result['accuracy']:.3f} (chance 0.33)"))
    rows.append(("many-to-many, not aligned", "encoder-decoder", "see Seq2Seq.py", "its own chapter"))
    return rows


def direction_rows(length, symbols, n_a, iterations, seed):
    """Rows of the reversal task, and the mean accuracy of each model on the early positions."""
    directions = compare_directions(length, symbols, n_a, iterations, seed)
    rows, early = [], {}
    for model in ("one-directional", "bidirectional"):
        by_position = directions[model]
        early[model] = float(by_position[:length // 2].mean())     # t = 1 .. T_x/2: the answer is still ahead
        units = f"2 x {n_a}" if model == "bidirectional" else f"{2 * n_a}"
        rows.append(("bidirectional", f"reverse {length} symbols of {symbols}",
                     f"{model}, n_a = {units}, {directions['parameters'][model]:,} parameters",
                     "accuracy at t = 1..T_x: " + " ".join(f"{v:.2f}" for v in by_position)))
    return rows, early


def depth_rows(one_layer, iterations, held_out, seed):
    """Rows of the character models, one layer against two."""
    depths, vocabulary = compare_depths(one_layer, iterations, 40, seed, held_out)
    return [("stacked", f"characters of a tiny grammar, V = {vocabulary}", f"{name}, {result['parameters']:,} parameters",
             f"held-out loss {result['loss']:.3f} nats per character") for name, result in depths.items()]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train every kind of RNN on its task and print one table.")
    parser.add_argument("--quick", action="store_true", help="every part, small, in seconds (a smoke run)")
    parser.add_argument("--seed", type=random_seed(), default=0)
    args = parse_options(parser, argv)
    quick, seed = args.quick, args.seed
    start = time.perf_counter()
    length, symbols, n_a = (4, 4, 8) if quick else (8, 4, 32)

    print("1/3 the shapes of the problem ...", file=sys.stderr)
    rows = shape_rows(quick, seed)
    print("2/3 one direction against two ...", file=sys.stderr)
    more, early = direction_rows(length, symbols, n_a, 100 if quick else 2000, seed)
    rows += more
    print("3/3 one layer against two ...", file=sys.stderr)
    rows += depth_rows(16 if quick else 64, 30 if quick else 2000, 100 if quick else 1000, seed)

    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print(f"{'kind':<{widths[0]}}  {'task':<{widths[1]}}  {'model':<{widths[2]}}  result")
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    print(f"(chance on the reversal is 1/{symbols} = {1 / symbols:.2f}; 'early' is t = 1..{length // 2}, whose "
          f"answer comes later in the input; done in {time.perf_counter() - start:.0f} s)")
    print(f"kinds of RNN: bidirectional early-position accuracy {early['bidirectional']:.2f} "
          f"vs one-directional {early['one-directional']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
