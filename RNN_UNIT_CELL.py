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
from validation import RNN_PARAMETER_KEYS, RNN_STATE_KEYS, check_cache, check_rnn_parameters, \
    checked_cell_arguments, checked_cell_gradients  # noqa: F401 (the keys and check_rnn_parameters: for others)


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

    The first line checks the arguments and converts them to the dtype of the
    computation (validation.py's policy); inside rnn_forward it gives them back
    as they are: the pass has checked the whole sequence once.
    """
    xt, a_prev, parameters = checked_cell_arguments(xt, a_prev, parameters)

    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]

    a_next = tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)  # ba (n_a, 1) is added to every column
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


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

    Its gradient check: tests/test_rnn_gradients.py::test_rnn_cell_backward_matches_numerical_gradient.
    The first line checks the arguments and converts them to one dtype, except
    inside rnn_backward (it has done both).
    """
    da_next, cache = checked_cell_gradients(da_next, cache, check_cell_cache=check_rnn_cell_cache)

    a_next, a_prev, xt, parameters = cache
    Wax, Waa = parameters["Wax"], parameters["Waa"]

    dz = (1 - a_next ** 2) * da_next      # backprop through tanh: tanh'(z) = 1 - tanh(z)^2
    dxt = np.dot(Wax.T, dz)               # z = Wax xt + ...  ->  dz/dxt is Wax
    dWax = np.dot(dz, xt.T)               # summed over the m examples by the product
    da_prev = np.dot(Waa.T, dz)           # the gradient handed to the previous step
    dWaa = np.dot(dz, a_prev.T)
    dba = dz.sum(axis=1, keepdims=True)      # ba was broadcast over m columns, so sum them

    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


# ---------------------------------------------------------------- the cache, for the argument checks

def check_rnn_cell_cache(cache):
    """Check that `cache` is the tuple (a_next, a_prev, xt, parameters); give its a_next."""
    return check_cache(cache, 4, "rnn_cell_forward", input_index=2, keys=("Wax", "Waa"))
