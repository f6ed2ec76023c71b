"""The bidirectional RNN: one RNN reads the sequence forward, another backward.

A one-directional RNN's state at step t has read x<1> ... x<t> only, so its
prediction at step t can never depend on what comes later. A bidirectional
RNN runs two RNNs over the same input, each with its own parameters:

    forward direction   af<t> = tanh(Waa_f af<t-1> + Wax_f x<t> + ba_f),   af<0>     = a0["forward"]
    backward direction  ab<t> = tanh(Waa_b ab<t+1> + Wax_b x<t> + ba_b),   ab<T_x+1> = a0["backward"]

and gives every step both states, stacked: a<t> = [af<t>; ab<t>]. An output
layer on top (softmax(Wya a<t> + by), Wya of shape (n_y, n_af + n_ab)) then
sees the whole sequence from every step.

The backward direction is no new code: it is the same RNN run on x reversed
in time, x[:, :, ::-1], whose states are then reversed back, so that ab<t>
sits at index t like af<t>. Both directions are the states-only vectorized
pass of VectorizedRNN.py, and so is their backward pass:

    dx<t> = dx_f<t> + dx_b<t>       x<t> feeds both directions, so its gradient is the sum
    da    = [da_f; da_b]            split in two, da_b reversed in time like x was

Arguments are dicts keyed by direction: parameters = {"forward": {"Wax",
"Waa", "ba"}, "backward": {"Wax", "Waa", "ba"}} (the output layer is the
caller's), a0 = {"forward": (n_af, m), "backward": (n_ab, m)}. The two sizes
may differ; usually n_af = n_ab = n_a, and a has 2 n_a rows.

Dimension letters as in RNN_UNIT_CELL.py: n_x inputs, m examples, T_x steps;
n_af, n_ab the hidden units of the forward and backward directions.
"""
from collections.abc import Mapping

import numpy as np

from validation import cast, check_array, check_shape, check_state_parameters, result_dtype
from VectorizedRNN import rnn_backward_vectorized, rnn_states_vectorized

DIRECTIONS = ("forward", "backward")


def reverse_time(array):
    """The same array with its last axis (time) reversed: a view, no copy."""
    return array[..., ::-1]


def arrays_of(tree, path=()):
    """Every numpy array of nested dicts, lists and tuples, with its path (to find the call's dtype)."""
    if isinstance(tree, np.ndarray):
        yield path, tree
    elif isinstance(tree, Mapping):
        for key, value in tree.items():
            yield from arrays_of(value, path + (key,))
    elif isinstance(tree, (list, tuple)):
        for i, value in enumerate(tree):
            yield from arrays_of(value, path + (i,))


def check_by_direction(name, value):
    """Check that `value` is a dict with a "forward" and a "backward" entry."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict with keys 'forward' and 'backward', got {type(value).__name__}")
    for direction in DIRECTIONS:
        if direction not in value:
            raise KeyError(f"{name} is missing {direction!r} (a bidirectional RNN needs 'forward' and 'backward')")


def check_birnn_arguments(x, a0, parameters):
    """Check the arguments of birnn_forward once; give the hidden sizes {"forward": n_af, "backward": n_ab}."""
    check_array("x", x, 3)
    n_x, m, T_x = x.shape
    if T_x == 0:
        raise ValueError("x has T_x = 0 time steps: a sequence needs at least one")
    check_by_direction("parameters", parameters)
    check_by_direction("a0", a0)
    sizes = {}
    for direction in DIRECTIONS:
        sizes[direction] = check_state_parameters(f"parameters[{direction!r}]", parameters[direction], n_x)
        check_array(f"a0[{direction!r}]", a0[direction], 2)
        check_shape(f"a0[{direction!r}]", a0[direction], ("n_a", "m"), {"n_a": sizes[direction], "m": m})
    return sizes


def birnn_forward(x, a0, parameters):
    """Run both directions over the sequence and stack their states.

    Arguments:
    x -- inputs of every time step, shape (n_x, m, T_x)
    a0 -- dict: "forward" the state before step 1, (n_af, m); "backward" the
          state after step T_x, where the backward direction starts, (n_ab, m)
    parameters -- dict: "forward" and "backward", each a dict with
          Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a, 1) of that direction

    Returns:
    a -- the stacked states of every step, shape (n_af + n_ab, m, T_x):
         a[:n_af, :, t] is af<t>, a[n_af:, :, t] is ab<t> (a new array)
    cache -- tuple (dict of the two directions' caches, dict of the sizes), for birnn_backward
    """
    sizes = check_birnn_arguments(x, a0, parameters)
    # one dtype for the whole call (validation.py's policy), not one per direction
    x, a0, parameters = cast(result_dtype(*[array for _, array in arrays_of((x, a0, parameters))]), (x, a0, parameters))
    a_forward, cache_forward = rnn_states_vectorized(x, a0["forward"], parameters["forward"])
    # the backward direction reads x<T_x>, x<T_x - 1>, ..., x<1>: the same RNN on x reversed
    a_reversed, cache_backward = rnn_states_vectorized(reverse_time(x), a0["backward"], parameters["backward"])
    a = np.concatenate([a_forward, reverse_time(a_reversed)], axis=0)   # ab<t> back at index t
    dims = {"n_af": sizes["forward"], "n_af + n_ab": a.shape[0], "m": x.shape[1], "T_x": x.shape[2]}
    return a, ({"forward": cache_forward, "backward": cache_backward}, dims)


def birnn_backward(da, cache):
    """Backpropagate through both directions.

    Arguments:
    da -- upstream gradient of the loss with respect to the stacked states a,
          shape (n_af + n_ab, m, T_x) (what the output layer hands back; the
          gradient carried between steps is added inside each direction)
    cache -- tuple returned by birnn_forward

    Returns:
    gradients -- python dictionary containing:
        dx -- gradient with respect to x, shape (n_x, m, T_x): the sum of both directions'
        "forward" -- dict dWax (n_af, n_x), dWaa (n_af, n_af), dba (n_af, 1), da0 (n_af, m)
        "backward" -- the same for the backward direction (da0 is that of a0["backward"])

    Its gradient check: tests/test_bidirectional.py::test_every_gradient_against_the_numerical_gradient.
    """
    if (not isinstance(cache, tuple) or len(cache) != 2 or not isinstance(cache[0], Mapping)
            or set(cache[0]) != set(DIRECTIONS) or not isinstance(cache[1], Mapping)
            or set(cache[1]) != {"n_af", "n_af + n_ab", "m", "T_x"}):
        raise TypeError("cache must be the tuple returned by birnn_forward")
    caches, dims = cache
    check_array("da", da, 3)
    check_shape("da", da, ("n_af + n_ab", "m", "T_x"), dims)
    n_af = dims["n_af"]
    forward = rnn_backward_vectorized(da[:n_af], caches["forward"])
    backward = rnn_backward_vectorized(reverse_time(da[n_af:]), caches["backward"])
    gradients = {"dx": forward["dx"] + reverse_time(backward["dx"])}
    for direction, step in (("forward", forward), ("backward", backward)):
        gradients[direction] = {key: step[key] for key in ("dWax", "dWaa", "dba", "da0")}
    return gradients
