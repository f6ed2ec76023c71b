"""One RNN cell, forward and backward (tutorial steps 1 and 3).

A cell is one time step of the network. It reads the input of this step xt and
the hidden state a_prev left by the step before, and computes

    a_next  = tanh(Waa a_prev + Wax xt + ba)     the new hidden state
    yt_pred = softmax(Wya a_next + by)           the prediction for this step

The same five parameters are used at every step: the network "shares its
weights in time".

Dimension letters, used in every docstring of the project:
    n_x  number of input features       n_a  number of hidden units
    n_y  number of output classes       m    number of examples in the batch
    T_x  number of time steps
Every vector is a column; a batch of m examples is m columns side by side.
"""
import numpy as np

from rnn_utils import softmax, tanh
from validation import agreed_size, cast, check_array, check_cache, check_dims, check_parameters, check_shape, \
    checks_wanted, result_dtype

RNN_PARAMETER_KEYS = ("Wax", "Waa", "Wya", "ba", "by")
RNN_STATE_KEYS = ("Wax", "Waa", "ba")      # what the hidden states need: no output layer


def check_rnn_parameters(parameters, n_x, output_layer=True):
    """Check the RNN's parameters dict and return its dimensions.

    Arguments:
    parameters -- python dictionary with Wax (n_a, n_x), Waa (n_a, n_a),
                  Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1)
    n_x -- number of input features, read from the input
    output_layer -- False to check only what the hidden states need
                    (Wax, Waa, ba; RNN_STATE_KEYS): Wya and by may be absent

    Returns:
    dims -- dict with the sizes "n_x", "n_a" and, with the output layer, "n_y"

    Raises TypeError, KeyError or ValueError (see validation.py).
    """
    keys = RNN_PARAMETER_KEYS if output_layer else RNN_STATE_KEYS
    check_parameters(parameters, keys)
    for key in keys:
        check_array(key, parameters[key], 2)
    # n_a and n_y are what most of the arrays holding them say (Waa's rows first), so
    # the one array that disagrees is the one named; n_x comes from the input.
    p = parameters
    n_a_sources = [p["Waa"].shape[0], p["Waa"].shape[1], p["Wax"].shape[0], p["ba"].shape[0]]
    dims = {"n_x": n_x, "n_a": agreed_size(n_a_sources + ([p["Wya"].shape[1]] if output_layer else []))}
    check_shape("Waa", parameters["Waa"], ("n_a", "n_a"), dims)
    check_shape("Wax", parameters["Wax"], ("n_a", "n_x"), dims)
    check_shape("ba", parameters["ba"], ("n_a", 1), dims)
    if output_layer:
        dims["n_y"] = agreed_size([p["Wya"].shape[0], p["by"].shape[0]])
        check_shape("Wya", parameters["Wya"], ("n_y", "n_a"), dims)
        check_shape("by", parameters["by"], ("n_y", 1), dims)
    return dims


def rnn_cell_forward(xt, a_prev, parameters):
    """Run one time step of the RNN.

    Arguments:
    xt -- input at time step t, numpy array of shape (n_x, m)
    a_prev -- hidden state at time step t-1, numpy array of shape (n_a, m)
    parameters -- python dictionary containing:
        Wax -- weights applied to the input, shape (n_a, n_x)
        Waa -- weights applied to the previous hidden state, shape (n_a, n_a)
        Wya -- weights from the hidden state to the output, shape (n_y, n_a)
        ba -- hidden bias, shape (n_a, 1)
        by -- output bias, shape (n_y, 1)

    Returns:
    a_next -- hidden state at time step t, shape (n_a, m)
    yt_pred -- prediction at time step t, shape (n_y, m)
    cache -- tuple (a_next, a_prev, xt, parameters), what rnn_cell_backward needs

    The arguments are checked first and converted to the computation's dtype
    (validation.py's policy), except when rnn_forward calls it: that has done
    both for the whole sequence once (see validation.arguments_checked).
    """
    if checks_wanted():
        check_array("xt", xt, 2)
        check_array("a_prev", a_prev, 2)
        check_dims({"n_x": xt.shape[0], "m": xt.shape[1]}, f"xt has shape {xt.shape}")
        dims = check_rnn_parameters(parameters, n_x=xt.shape[0])
        dims["m"] = xt.shape[1]
        check_shape("a_prev", a_prev, ("n_a", "m"), dims)
        dtype = result_dtype(xt, a_prev, *(parameters[key] for key in RNN_PARAMETER_KEYS))
        xt, a_prev, parameters = cast(dtype, (xt, a_prev, parameters))

    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]

    a_next = tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)  # ba (n_a, 1) is added to every column
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def check_rnn_cell_cache(cache):
    """Check that `cache` is the tuple (a_next, a_prev, xt, parameters); give its a_next."""
    return check_cache(cache, 4, "rnn_cell_forward", input_index=2, keys=("Wax", "Waa"))


def rnn_cell_backward(da_next, cache):
    """Backpropagate through one time step of the RNN.

    The hidden state's part of the loss only: the output layer (Wya, by) is not
    differentiated here. da_next is everything the loss says about a_next, from
    this step's output and from the later steps together.

    Arguments:
    da_next -- gradient of the loss with respect to a_next, shape (n_a, m)
    cache -- tuple (a_next, a_prev, xt, parameters) from rnn_cell_forward

    Returns:
    gradients -- python dictionary containing:
        dxt -- gradient with respect to xt, shape (n_x, m)
        da_prev -- gradient with respect to a_prev, shape (n_a, m)
        dWax -- gradient with respect to Wax, shape (n_a, n_x)
        dWaa -- gradient with respect to Waa, shape (n_a, n_a)
        dba -- gradient with respect to ba, shape (n_a, 1)

    The arguments are checked first and converted to the computation's dtype,
    except when rnn_backward calls it (it has done both).
    """
    if checks_wanted():
        a_next = check_rnn_cell_cache(cache)
        check_array("da_next", da_next, 2)
        check_shape("da_next", da_next, ("n_a", "m"),
                    {"n_a": a_next.shape[0], "m": a_next.shape[1]})
        dtype = result_dtype(da_next, *cache[:3], cache[3]["Wax"], cache[3]["Waa"])
        da_next, cache = cast(dtype, (da_next, cache))

    a_next, a_prev, xt, parameters = cache
    Wax, Waa = parameters["Wax"], parameters["Waa"]

    dz = (1 - a_next ** 2) * da_next      # backprop through tanh: tanh'(z) = 1 - tanh(z)^2
    dxt = np.dot(Wax.T, dz)               # z = Wax xt + ...  ->  dz/dxt is Wax
    dWax = np.dot(dz, xt.T)               # summed over the m examples by the product
    da_prev = np.dot(Waa.T, dz)           # the gradient handed to the previous step
    dWaa = np.dot(dz, a_prev.T)
    dba = dz.sum(axis=1, keepdims=True)      # ba was broadcast over m columns, so sum them

    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
