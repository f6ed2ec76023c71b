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
n_y classes, m examples, T_x steps. Every function checks its arguments
with validation.py's helpers and names the argument you passed.
"""
import numbers
import sys
import time
from collections.abc import Mapping

import numpy as np

from Loss import cross_entropy_loss, output_layer_backward
from Optimizers import Adam, clip_global_norm
from rnn_utils import softmax
from validation import cast, check_array, check_dims, check_shape, check_state_parameters, result_dtype


# ---------------------------------------------------------------- checks

def check_count(name, value, low=1):
    """TypeError unless `value` is a whole number (not a bool), ValueError unless it is at least `low`."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return int(value)


def check_rng(rng):
    """TypeError unless `rng` is a numpy Generator (np.random.default_rng(seed))."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")


def check_model(model, parts):
    """Check that `model` is a dict holding every key of `parts` (e.g. ("rnn", "output"))."""
    if not isinstance(model, Mapping):
        raise TypeError(f"model must be a dict with keys {', '.join(map(repr, parts))}, got {type(model).__name__}")
    for part in parts:
        if part not in model:
            raise KeyError(f"model is missing {part!r} (it needs {', '.join(map(repr, parts))})")


def check_states(name, a):
    """Check a sequence of hidden states (n_a, m, T): a 3-D array with no dimension of size 0."""
    check_array(name, a, 3)
    check_dims(dict(zip(("n_a", "m", "T_x"), a.shape)), f"{name} has shape {a.shape}")


def check_output(output, n_a, name="output"):
    """Check the output layer: a dict with Wya (n_y, n_a) and by (n_y, 1); give n_y."""
    if not isinstance(output, Mapping):
        raise TypeError(f"{name} must be a dict with 'Wya' and 'by', got {type(output).__name__}")
    for key in ("Wya", "by"):
        if key not in output:
            raise KeyError(f"{name} is missing {key!r} (an output layer needs 'Wya' and 'by')")
        check_array(f"{name}[{key!r}]", output[key], 2)
    dims = {"n_a": n_a, "n_y": output["Wya"].shape[0]}
    check_shape(f"{name}['Wya']", output["Wya"], ("n_y", "n_a"), dims)
    check_shape(f"{name}['by']", output["by"], ("n_y", 1), dims)
    return dims["n_y"]


def check_labels(name, labels, shape):
    """Check class labels: a numpy array of integers of the given shape (the classes' range is the loss's to check)."""
    check_array(name, labels, len(shape))
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name} must be a numpy array of integer class indices, got dtype {labels.dtype}")
    if labels.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}, got {labels.shape}")


def one_dtype(model, x, parts=("rnn", "output")):
    """`model` and `x`, checked, in the one dtype the whole call computes in (validation.py's policy).

    A model function runs several passes; each would pick its own dtype from
    the arrays it is given, so a float32 RNN under a float64 output layer
    would compute its states in float32. Casting everything once first makes
    any float64 (or integer) array make the whole call float64.
    """
    check_model(model, parts)
    check_array("x", x, 3)
    arrays = list(leaves(model, name="model"))
    for path, array in arrays:
        check_array("model" + "".join(f"[{key!r}]" for key in path), array)
    dtype = result_dtype(x, *[array for _, array in arrays])
    return cast(dtype, model), cast(dtype, x)


def zero_state(x, rnn, name="model['rnn']"):
    """The state before step 1, zeros (n_a, m), in the dtype the pass will compute in.

    Checks x (n_x, m, T_x) and the RNN's parameters `rnn` (named `name` in
    messages) on the way: a model function calls it first. A float64 zero
    state would make a float32 model compute in float64 (validation.py's policy).
    """
    check_array("x", x, 3)
    check_dims(dict(zip(("n_x", "m", "T_x"), x.shape)), f"x has shape {x.shape}")
    n_a = check_state_parameters(name, rnn, x.shape[0])
    return np.zeros((n_a, x.shape[1]), dtype=result_dtype(x, rnn["Wax"], rnn["Waa"], rnn["ba"]))


# ---------------------------------------------------------------- the pieces


def init_states(n_x, n_a, rng):
    """Wax (n_a, n_x), Waa (n_a, n_a) scaled by 1/sqrt(fan-in), so a state starts near tanh's linear part; ba zero."""
    check_count("n_x", n_x), check_count("n_a", n_a), check_rng(rng)
    return {"Wax": rng.standard_normal((n_a, n_x)) / np.sqrt(n_x),
            "Waa": rng.standard_normal((n_a, n_a)) / np.sqrt(n_a),
            "ba": np.zeros((n_a, 1))}


def init_output(n_a, n_y, rng):
    """Wya (n_y, n_a) scaled by 1/sqrt(n_a), by zero."""
    check_count("n_a", n_a), check_count("n_y", n_y), check_rng(rng)
    return {"Wya": rng.standard_normal((n_y, n_a)) / np.sqrt(n_a), "by": np.zeros((n_y, 1))}


def output_probabilities(a, output):
    """softmax(Wya a<t> + by) at every step given: a (n_a, m, T) -> (n_y, m, T)."""
    check_states("a", a)
    check_output(output, a.shape[0])
    a, Wya, by = cast(result_dtype(a, output["Wya"], output["by"]), (a, output["Wya"], output["by"]))
    return softmax(np.tensordot(Wya, a, axes=1) + by[:, :, None])


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

    Its gradient check: tests/test_kinds_of_rnn.py::test_output_loss_gradients_against_the_numerical_gradient.
    """
    check_states("a", a)
    check_output(output, a.shape[0])
    check_labels("targets", targets, a.shape[1:])
    loss, dz = cross_entropy_loss(output_probabilities(a, output), targets)
    dWya, dby, da = output_layer_backward(dz, a, output["Wya"])
    return loss, {"dWya": dWya, "dby": dby}, da


def leaves(tree, path=(), name="parameters"):
    """Every array of nested dicts and lists, with its path: (("forward", "Wax"), array), ...

    Anything else at a leaf is a TypeError naming it (as name[key][key]...).
    """
    if isinstance(tree, np.ndarray):
        yield path, tree
        return
    if not isinstance(tree, (Mapping, list, tuple)):
        where = "".join(f"[{key!r}]" for key in path)
        raise TypeError(f"{name}{where} must be an array, or a dict or list of them, got {type(tree).__name__}")
    for key, value in (tree.items() if isinstance(tree, Mapping) else enumerate(tree)):
        yield from leaves(value, path + (key,), name)


def gradient_of(gradients, path):
    """The gradient of the parameter at `path`: same path, last key with a "d" in front."""
    try:
        for key in path[:-1]:
            gradients = gradients[key]
        return gradients["d" + str(path[-1])]
    except (KeyError, IndexError, TypeError):
        where = "".join(f"[{key!r}]" for key in path[:-1]) + f"[{'d' + str(path[-1])!r}]"
        raise KeyError(f"loss_and_gradients returned no gradient{where} for parameters"
                       f"{''.join(f'[{key!r}]' for key in path)}") from None


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
    check_train_arguments(parameters, loss_and_gradients, next_batch, iterations, label)
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


def check_train_arguments(parameters, loss_and_gradients, next_batch, iterations, label):
    """Check train's arguments (the optimizer checks learning_rate and max_norm)."""
    arrays = list(leaves(parameters))
    if not arrays:
        raise ValueError("parameters holds no array: there is nothing to train")
    for path, array in arrays:
        check_array("parameters" + "".join(f"[{key!r}]" for key in path), array)
    for name, function in (("loss_and_gradients", loss_and_gradients), ("next_batch", next_batch)):
        if not callable(function):
            raise TypeError(f"{name} must be a function, got {type(function).__name__}")
    check_count("iterations", iterations, low=0)   # 0 is asked for: the model comes back as it was
    if not isinstance(label, str):
        raise TypeError(f"label must be a string, got {type(label).__name__}")


def accuracy_by_step(predicted, targets):
    """Fraction of the m examples right at each step: predicted, targets (m, T) -> (T,)."""
    for name, labels in (("predicted", predicted), ("targets", targets)):
        check_array(name, labels, 2)
        if labels.dtype.kind not in "iu":
            raise TypeError(f"{name} must be a numpy array of integer class indices, got dtype {labels.dtype}")
    if predicted.shape != targets.shape:
        raise ValueError(f"predicted has shape {predicted.shape} but targets {targets.shape}: one class per example and step")
    check_dims(dict(zip(("m", "T_x"), targets.shape)), f"targets has shape {targets.shape}")
    return np.mean(predicted == targets, axis=0)
