"""One GRU cell, forward and backward (chapter: the vanishing gradient, fixed).

The GRU is the second cure, lighter than the LSTM: no separate cell state,
two gates. With [a_prev; xt] the two columns stacked (a_prev on top):

    rt      = sigmoid(Wr [a_prev; xt] + br)         relevance (reset) gate
    ut      = sigmoid(Wu [a_prev; xt] + bu)         update gate
    cct     = tanh(Wc [rt * a_prev; xt] + bc)       candidate state
    a_next  = ut * cct + (1 - ut) * a_prev          keep a_prev where ut is near 0
    yt_pred = softmax(Wy a_next + by)

This is the GRU of Cho et al. (2014), the form the course teaches. Two
differences from torch.nn.GRU (and cuDNN's GRU) matter when comparing:

- Where the reset gate acts. Here it scales a_prev *before* the product:
  Wc [rt * a_prev; xt]. torch scales the product *after* it:
  W_in xt + b_in + rt * (W_hn a_prev + b_hn). The two are different
  functions (they agree only if the candidate ignores a_prev), so no
  choice of weights turns this cell into a torch.nn.GRU or back; Keras
  offers both forms (reset_after=False is this one).
- Which state the update gate keeps. Here a_next = ut * cct + (1 - ut) * a_prev,
  so ut near 1 takes the new candidate; torch writes
  h' = (1 - z) * n + z * h, so its z near 1 keeps the old state: ut plays
  the role of 1 - z. That one maps exactly: 1 - sigmoid(s) = sigmoid(-s),
  so z's weights are minus ours.

TorchBridge.py's ChoGRU is a small torch module with these equations
(tests/test_torch_bridge.py: it equals gru_forward and gru_backward).

Dimension letters as in RNN_UNIT_CELL.py (n_x, n_a, n_y, m).
"""
import numpy as np

from rnn_utils import sigmoid, softmax, tanh
from validation import check_cache, checked_cell_arguments, checked_cell_gradients, gate_keys

GRU_GATES = "ruc"


def gru_cell_forward(xt, a_prev, parameters):
    """Run one time step of the GRU.

    Arguments:
    xt -- input at time step t, shape (n_x, m)
    a_prev -- hidden state at time step t-1, shape (n_a, m)
    parameters -- python dictionary containing:
        Wr, Wu, Wc -- weights, each of shape (n_a, n_a + n_x)
        br, bu, bc -- biases, each of shape (n_a, 1)
        Wy -- output weights, shape (n_y, n_a); by -- output bias, shape (n_y, 1)

    Returns:
    a_next -- hidden state, shape (n_a, m)
    yt_pred -- prediction, shape (n_y, m)
    cache -- tuple (a_next, a_prev, xt, rt, ut, cct, parameters)

    The first line checks the arguments and converts them to one dtype, except
    inside gru_forward: it has checked the whole sequence once (see validation.arguments_checked).
    """
    xt, a_prev, parameters = checked_cell_arguments(xt, a_prev, parameters, gates=GRU_GATES)

    p = parameters
    concat = np.concatenate((a_prev, xt), axis=0)
    rt = sigmoid(np.dot(p["Wr"], concat) + p["br"])
    ut = sigmoid(np.dot(p["Wu"], concat) + p["bu"])
    cct = tanh(np.dot(p["Wc"], np.concatenate((rt * a_prev, xt), axis=0)) + p["bc"])
    a_next = ut * cct + (1 - ut) * a_prev
    yt_pred = softmax(np.dot(p["Wy"], a_next) + p["by"])
    cache = (a_next, a_prev, xt, rt, ut, cct, parameters)
    return a_next, yt_pred, cache


def gru_cell_backward(da_next, cache):
    """Backpropagate through one time step of the GRU.

    Arguments:
    da_next -- gradient of the loss with respect to a_next, shape (n_a, m)
    cache -- tuple from gru_cell_forward

    Returns:
    gradients -- python dictionary containing:
        dxt (n_x, m), da_prev (n_a, m),
        dWr, dWu, dWc, each (n_a, n_a + n_x), dbr, dbu, dbc, each (n_a, 1)

    Its gradient check: tests/test_gru.py::test_gru_cell_backward_matches_numerical_gradient.
    The first line checks the arguments and converts them to one dtype, except
    inside gru_backward (it has done both).
    """
    da_next, cache = checked_cell_gradients(da_next, cache, check_cell_cache=check_gru_cell_cache)

    a_next, a_prev, xt, rt, ut, cct, p = cache
    n_a = a_next.shape[0]

    dcct = da_next * ut * (1 - cct ** 2)              # through a = u cct + ..., then tanh
    dut = da_next * (cct - a_prev) * ut * (1 - ut)    # a depends on u through u cct - u a_prev
    da_prev = da_next * (1 - ut)                      # the direct path: the GRU's gradient highway

    concat_r = np.concatenate((rt * a_prev, xt), axis=0)
    dconcat_r = np.dot(p["Wc"].T, dcct)               # into [rt * a_prev; xt]
    dra = dconcat_r[:n_a]                             # gradient of rt * a_prev
    drt = dra * a_prev * rt * (1 - rt)
    da_prev = da_prev + dra * rt

    concat = np.concatenate((a_prev, xt), axis=0)
    dconcat = np.dot(p["Wr"].T, drt) + np.dot(p["Wu"].T, dut)   # rt and ut both read [a_prev; xt]
    return {"dxt": dconcat[n_a:] + dconcat_r[n_a:],
            "da_prev": da_prev + dconcat[:n_a],
            "dWr": np.dot(drt, concat.T), "dbr": drt.sum(axis=1, keepdims=True),
            "dWu": np.dot(dut, concat.T), "dbu": dut.sum(axis=1, keepdims=True),
            "dWc": np.dot(dcct, concat_r.T), "dbc": dcct.sum(axis=1, keepdims=True)}


# ---------------------------------------------------------------- the cache, for the argument checks

def check_gru_cell_cache(cache):
    """Check that `cache` is the tuple gru_cell_forward returns; give its a_next."""
    return check_cache(cache, 7, "gru_cell_forward", input_index=2, keys=gate_keys(GRU_GATES)[:-2])
