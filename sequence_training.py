"""What the training scripts of the kinds-of-RNN chapter share.

The kinds of RNN differ in where the inputs go in and where the losses come
out; the pieces are always the same, and they live here:

- init_states, init_output: small random weights for the hidden-state part
  of an RNN (Wax, Waa, ba) and for the output layer (Wya, by);
- output_loss: the output layer on a sequence of hidden states, its
  cross-entropy loss and the gradient it hands back to the states (the
  composition of rnn_utils.softmax and Loss.py's cross_entropy_loss and
  output_layer_backward);
- train: Adam with global-norm clipping (Optimizers.py) on a model whose
  parameters are nested dicts and lists, e.g. {"forward": {...},
  "backward": {...}, "output": {...}} for a bidirectional RNN.

Dimension letters as in RNN_UNIT_CELL.py: n_x inputs, n_a hidden units,
n_y classes, m examples, T_x steps.
"""
import sys
import time

import numpy as np

from Loss import cross_entropy_loss, output_layer_backward
from Optimizers import Adam, clip_global_norm
from rnn_utils import softmax


def init_states(n_x, n_a, rng):
    """Wax (n_a, n_x), Waa (n_a, n_a) scaled by 1/sqrt(fan-in), so a state starts near tanh's linear part; ba zero."""
    return {"Wax": rng.standard_normal((n_a, n_x)) / np.sqrt(n_x),
            "Waa": rng.standard_normal((n_a, n_a)) / np.sqrt(n_a),
            "ba": np.zeros((n_a, 1))}


def init_output(n_a, n_y, rng):
    """Wya (n_y, n_a) scaled by 1/sqrt(n_a), by zero."""
    return {"Wya": rng.standard_normal((n_y, n_a)) / np.sqrt(n_a), "by": np.zeros((n_y, 1))}


def output_probabilities(a, output):
    """softmax(Wya a<t> + by) at every step given: a (n_a, m, T) -> (n_y, m, T)."""
    return softmax(np.tensordot(output["Wya"], a, axes=1) + output["by"][:, :, None])


def output_loss(a, targets, output):
    """The output layer and its loss on the hidden states it reads.

    Arguments:
    a -- the hidden states the loss is computed on, shape (n_a, m, T): all the
         steps for a label at every step, a[:, :, -1:] for one label per sequence
    targets -- the correct class at each of those steps, integers (m, T)
    output -- dict with Wya (n_y, n_a) and by (n_y, 1)

    Returns:
    loss -- cross-entropy summed over the T steps, averaged over the m examples
    gradients -- dict dWya, dby
    da -- gradient of the loss with respect to a, shape (n_a, m, T)
    """
    loss, dz = cross_entropy_loss(output_probabilities(a, output), targets)
    dWya, dby, da = output_layer_backward(dz, a, output["Wya"])
    return loss, {"dWya": dWya, "dby": dby}, da


def leaves(tree, path=()):
    """Every array of nested dicts and lists, with its path: (("forward", "Wax"), array), ..."""
    if isinstance(tree, np.ndarray):
        yield path, tree
        return
    for key, value in (tree.items() if isinstance(tree, dict) else enumerate(tree)):
        yield from leaves(value, path + (key,))


def gradient_of(gradients, path):
    """The gradient of the parameter at `path`: same path, last key with a "d" in front."""
    for key in path[:-1]:
        gradients = gradients[key]
    return gradients["d" + path[-1]]


def rebuilt(tree, values, path=()):
    """A tree of the same shape as `tree` holding values[path] at every leaf."""
    if isinstance(tree, np.ndarray):
        return values[path]
    if isinstance(tree, dict):
        return {key: rebuilt(value, values, path + (key,)) for key, value in tree.items()}
    return [rebuilt(value, values, path + (i,)) for i, value in enumerate(tree)]


def train(parameters, loss_and_gradients, next_batch, iterations, learning_rate=0.01, max_norm=5.0, label=""):
    """Train with Adam, the whole gradient clipped to a global norm first.

    The model's arrays are given one name each ("forward/Wax", "layers/1/Waa",
    ...), so that one optimizer and one global norm cover all of them,
    whatever the nesting.

    Arguments:
    parameters -- the model: nested dicts and lists of arrays
    loss_and_gradients -- function(parameters, *batch) -> (loss, gradients);
        gradients nested like parameters, keyed "d" + name at the leaves
        (other keys, such as dx or da0, are ignored)
    next_batch -- function() -> the tuple `batch` of one iteration
    iterations -- how many updates
    learning_rate, max_norm -- Adam's step size; the clipping norm (0: none)
    label -- name shown in the progress line on a terminal

    Returns:
    parameters -- the trained model, nested like the argument (new arrays)
    losses -- the loss of every iteration, a list of floats
    """
    names = {path: "/".join(str(key) for key in path) for path, _ in leaves(parameters)}
    flat = {names[path]: value for path, value in leaves(parameters)}
    optimizer, losses, shown = Adam(learning_rate), [], time.perf_counter()
    for iteration in range(1, iterations + 1):
        loss, gradients = loss_and_gradients(parameters, *next_batch())
        flat_gradients = {"d" + names[path]: gradient_of(gradients, path) for path in names}
        flat_gradients, _ = clip_global_norm(flat_gradients, max_norm)
        flat = optimizer.update(flat, flat_gradients)
        parameters = rebuilt(parameters, {path: flat[name] for path, name in names.items()})
        losses.append(loss)
        if sys.stderr.isatty() and (time.perf_counter() - shown > 0.2 or iteration == iterations):
            shown = time.perf_counter()
            end = "\n" if iteration == iterations else ""
            sys.stderr.write(f"\r{label}: iteration {iteration}/{iterations}, loss {loss:.3f}   {end}")
    return parameters, losses


def accuracy_by_step(predicted, targets):
    """Fraction of the m examples right at each step: predicted, targets (m, T) -> (T,)."""
    return np.mean(predicted == targets, axis=0)
