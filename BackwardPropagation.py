"""The backward pass through time (tutorial step 4).

rnn_backward walks the sequence from the last step to the first, calling the
cell's backward of RNN_UNIT_CELL.py at each step. Two things make it more than
a loop of independent cells:

- the gradient a step hands back to a_prev (da_prev) is carried to the step
  before, where it is added to that step's own upstream gradient da[:, :, t];
- the parameters are the same at every step, so their gradients are the sum
  of the per-step gradients.

lstm_backward and gru_backward (the vanishing-gradient chapter) follow the
same pattern; the LSTM carries two gradients back, one for each of its states.

Dimension letters as in RNN_UNIT_CELL.py:
n_x inputs, n_a hidden units, m examples, T_x time steps.
"""
import numpy as np

from GRU_UNIT_CELL import GRU_GATES, check_gru_cell_cache, gru_cell_backward
from LSTM_UNIT_CELL import LSTM_GATES, check_lstm_cell_cache, lstm_cell_backward
from RNN_UNIT_CELL import check_rnn_cell_cache, rnn_cell_backward
from validation import arguments_checked, check_sequence_caches, checked_sequence_gradients  # noqa: F401


def rnn_backward(da, caches):
    """Backpropagate through the whole sequence.

    Arguments:
    da -- upstream gradient of the loss with respect to every hidden state,
          shape (n_a, m, T_x). This is what the loss says directly about a<t>
          (for example through the output of step t), *not* the gradient that
          flows from step t+1 to step t: rnn_backward adds that itself.
    caches -- tuple (list of cell caches, x) returned by rnn_forward

    Returns:
    gradients -- python dictionary containing:
        dx -- gradient with respect to the inputs x, shape (n_x, m, T_x)
        da0 -- gradient with respect to the initial hidden state a0, shape (n_a, m)
        dWax -- gradient with respect to Wax, shape (n_a, n_x)
        dWaa -- gradient with respect to Waa, shape (n_a, n_a)
        dba -- gradient with respect to ba, shape (n_a, 1)

    Its gradient check: tests/test_rnn_gradients.py::test_rnn_backward_matches_numerical_gradient.
    The first line checks the arguments and converts them to one dtype (a
    float64 da on a float32 forward: every step in float64); the cells then
    skip their own checks (arguments_checked).
    """
    da, caches = checked_sequence_gradients(da, caches, check_rnn_cell_cache, "rnn_forward")

    cell_caches, x = caches
    n_x, m, T_x = x.shape
    n_a = da.shape[0]
    dtype = da.dtype

    dx = np.zeros((n_x, m, T_x), dtype=dtype)
    dWax = np.zeros((n_a, n_x), dtype=dtype)
    dWaa = np.zeros((n_a, n_a), dtype=dtype)
    dba = np.zeros((n_a, 1), dtype=dtype)
    da_prevt = np.zeros((n_a, m), dtype=dtype)   # nothing flows back from after the last step

    with arguments_checked():         # checked once above: the cells skip theirs
        for t in reversed(range(T_x)):
            # a<t> influences the loss directly (da[:, :, t]) and through a<t+1> (da_prevt).
            # The sum is a new array: da itself is never written to.
            gradients = rnn_cell_backward(da[:, :, t] + da_prevt, cell_caches[t])
            dx[:, :, t] = gradients["dxt"]
            da_prevt = gradients["da_prev"]
            dWax += gradients["dWax"]    # shared weights: add up every step's share
            dWaa += gradients["dWaa"]
            dba += gradients["dba"]

    da0 = da_prevt   # what is left after the first step is the gradient of a0
    return {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def lstm_backward(da, caches):
    """Backpropagate through the whole LSTM sequence.

    Arguments:
    da -- upstream gradient of the loss with respect to every hidden state,
          shape (n_a, m, T_x) (as for rnn_backward: not the carried gradient)
    caches -- tuple (list of cell caches, x) returned by lstm_forward

    Returns:
    gradients -- python dictionary containing:
        dx (n_x, m, T_x), da0 (n_a, m),
        dWf, dWi, dWc, dWo, each (n_a, n_a + n_x), dbf, dbi, dbc, dbo, each (n_a, 1)

    Its gradient check: tests/test_lstm.py::test_lstm_backward_matches_numerical_gradient.
    """
    da, caches = checked_sequence_gradients(da, caches, check_lstm_cell_cache, "lstm_forward")

    cell_caches, x = caches
    n_x, m, T_x = x.shape
    n_a = da.shape[0]
    dtype = da.dtype

    dx = np.zeros((n_x, m, T_x), dtype=dtype)
    gradients = {"dW" + g: np.zeros((n_a, n_a + n_x), dtype=dtype) for g in LSTM_GATES}
    gradients.update({"db" + g: np.zeros((n_a, 1), dtype=dtype) for g in LSTM_GATES})
    da_prevt = np.zeros((n_a, m), dtype=dtype)   # both carried gradients start at zero
    dc_prevt = np.zeros((n_a, m), dtype=dtype)

    with arguments_checked():
        for t in reversed(range(T_x)):
            step = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, cell_caches[t])
            dx[:, :, t] = step["dxt"]
            da_prevt, dc_prevt = step["da_prev"], step["dc_prev"]
            for key in gradients:                    # shared weights: add up every step's share
                gradients[key] += step[key]

    gradients["dx"] = dx
    gradients["da0"] = da_prevt
    return gradients


def gru_backward(da, caches):
    """Backpropagate through the whole GRU sequence.

    Arguments:
    da -- upstream gradient of the loss with respect to every hidden state,
          shape (n_a, m, T_x) (as for rnn_backward: not the carried gradient)
    caches -- tuple (list of cell caches, x) returned by gru_forward

    Returns:
    gradients -- python dictionary containing:
        dx (n_x, m, T_x), da0 (n_a, m),
        dWr, dWu, dWc, each (n_a, n_a + n_x), dbr, dbu, dbc, each (n_a, 1)

    Its gradient check: tests/test_gru.py::test_gru_backward_matches_numerical_gradient.
    """
    da, caches = checked_sequence_gradients(da, caches, check_gru_cell_cache, "gru_forward")

    cell_caches, x = caches
    n_x, m, T_x = x.shape
    n_a = da.shape[0]
    dtype = da.dtype

    dx = np.zeros((n_x, m, T_x), dtype=dtype)
    gradients = {"dW" + g: np.zeros((n_a, n_a + n_x), dtype=dtype) for g in GRU_GATES}
    gradients.update({"db" + g: np.zeros((n_a, 1), dtype=dtype) for g in GRU_GATES})
    da_prevt = np.zeros((n_a, m), dtype=dtype)

    with arguments_checked():
        for t in reversed(range(T_x)):
            step = gru_cell_backward(da[:, :, t] + da_prevt, cell_caches[t])
            dx[:, :, t] = step["dxt"]
            da_prevt = step["da_prev"]
            for key in gradients:
                gradients[key] += step[key]

    gradients["dx"] = dx
    gradients["da0"] = da_prevt
    return gradients
