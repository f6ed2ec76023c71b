"""One LSTM cell, forward and backward (chapter: the vanishing gradient, fixed).

The tutorial ends on the cure for the vanishing gradient; this is the first
one. Next to the hidden state a, an LSTM carries a cell state c, and gates
(numbers between 0 and 1, one per unit) decide what c forgets, what it
writes and what it shows. With [a_prev; xt] the two columns stacked (a_prev
on top, shape (n_a + n_x, m)):

    ft      = sigmoid(Wf [a_prev; xt] + bf)     forget gate
    it      = sigmoid(Wi [a_prev; xt] + bi)     update (input) gate
    cct     = tanh(Wc [a_prev; xt] + bc)        candidate value
    c_next  = ft * c_prev + it * cct            the cell state: only * and +
    ot      = sigmoid(Wo [a_prev; xt] + bo)     output gate
    a_next  = ot * tanh(c_next)
    yt_pred = softmax(Wy a_next + by)

Dimension letters as in RNN_UNIT_CELL.py (n_x, n_a, n_y, m).
"""
import numpy as np

from rnn_utils import sigmoid, softmax, tanh
from validation import check_cache, checked_cell_arguments, checked_cell_gradients, gate_keys

LSTM_GATES = "fico"


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """Run one time step of the LSTM.

    Arguments:
    xt -- input at time step t, shape (n_x, m)
    a_prev -- hidden state at time step t-1, shape (n_a, m)
    c_prev -- cell state at time step t-1, shape (n_a, m)
    parameters -- python dictionary containing:
        Wf, Wi, Wc, Wo -- gate weights, each of shape (n_a, n_a + n_x)
        bf, bi, bc, bo -- gate biases, each of shape (n_a, 1)
        Wy -- output weights, shape (n_y, n_a); by -- output bias, shape (n_y, 1)

    Returns:
    a_next -- hidden state, shape (n_a, m)
    c_next -- cell state, shape (n_a, m)
    yt_pred -- prediction, shape (n_y, m)
    cache -- tuple (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)

    The first line checks the arguments and converts them to one dtype, except
    inside lstm_forward: it has checked the whole sequence once (see validation.arguments_checked).
    """
    xt, a_prev, c_prev, parameters = checked_cell_arguments(xt, a_prev, c_prev, parameters, gates=LSTM_GATES)

    p = parameters
    concat = np.concatenate((a_prev, xt), axis=0)       # [a_prev; xt], (n_a + n_x, m)
    ft = sigmoid(np.dot(p["Wf"], concat) + p["bf"])
    it = sigmoid(np.dot(p["Wi"], concat) + p["bi"])
    cct = tanh(np.dot(p["Wc"], concat) + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(np.dot(p["Wo"], concat) + p["bo"])
    a_next = ot * tanh(c_next)
    yt_pred = softmax(np.dot(p["Wy"], a_next) + p["by"])
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_cell_backward(da_next, dc_next, cache):
    """Backpropagate through one time step of the LSTM.

    Gives the gradients of sum(a_next * da_next) + sum(c_next * dc_next).
    dc_next is the gradient reaching c_next from the later steps only; the
    path from c_next through a_next = ot * tanh(c_next) is added here.

    Arguments:
    da_next -- gradient with respect to a_next, shape (n_a, m)
    dc_next -- gradient with respect to c_next from later steps, shape (n_a, m)
    cache -- tuple from lstm_cell_forward

    Returns:
    gradients -- python dictionary containing:
        dxt (n_x, m), da_prev (n_a, m), dc_prev (n_a, m),
        dWf, dWi, dWc, dWo, each (n_a, n_a + n_x), dbf, dbi, dbc, dbo, each (n_a, 1)

    Its gradient check: tests/test_lstm.py::test_lstm_cell_backward_matches_numerical_gradient.
    The first line checks the arguments and converts them to one dtype, except
    inside lstm_backward (it has done both).
    """
    da_next, dc_next, cache = checked_cell_gradients(da_next, dc_next, cache, check_cell_cache=check_lstm_cell_cache)

    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a = a_next.shape[0]
    tanh_c = tanh(c_next)

    dot = da_next * tanh_c * ot * (1 - ot)                      # through a = o tanh(c), then the sigmoid
    dc = dc_next + da_next * ot * (1 - tanh_c ** 2)             # both ways c_next reaches the loss
    dcct = dc * it * (1 - cct ** 2)                             # through c = f c_prev + i cct, then tanh
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)
    dc_prev = dc * ft                                           # the cell state's path: one multiply

    concat = np.concatenate((a_prev, xt), axis=0)
    gradients = {}
    dconcat = 0
    for gate, dgate in (("f", dft), ("i", dit), ("c", dcct), ("o", dot)):
        gradients["dW" + gate] = np.dot(dgate, concat.T)
        gradients["db" + gate] = dgate.sum(axis=1, keepdims=True)
        dconcat = dconcat + np.dot(p["W" + gate].T, dgate)      # every gate read [a_prev; xt]
    gradients["da_prev"] = dconcat[:n_a]
    gradients["dxt"] = dconcat[n_a:]
    gradients["dc_prev"] = dc_prev
    return gradients


# ---------------------------------------------------------------- the cache, for the argument checks

def check_lstm_cell_cache(cache):
    """Check that `cache` is the tuple lstm_cell_forward returns; give its a_next."""
    return check_cache(cache, 10, "lstm_cell_forward", input_index=8, keys=gate_keys(LSTM_GATES)[:-2])
