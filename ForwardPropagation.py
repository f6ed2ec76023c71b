"""The forward pass through time (tutorial step 2).

rnn_forward runs the cell of RNN_UNIT_CELL.py once per time step, handing
each step's hidden state to the next, and keeps every step's cache for the
backward pass. lstm_forward and gru_forward (the vanishing-gradient chapter)
do the same with the cells of LSTM_UNIT_CELL.py and GRU_UNIT_CELL.py. Dimension letters as in RNN_UNIT_CELL.py:
n_x inputs, n_a hidden units, n_y classes, m examples, T_x time steps.
"""
from functools import partial

import numpy as np

from GRU_UNIT_CELL import GRU_GATES, gru_cell_forward
from LSTM_UNIT_CELL import LSTM_GATES, lstm_cell_forward
from RNN_UNIT_CELL import RNN_PARAMETER_KEYS, check_rnn_parameters, rnn_cell_forward
from validation import arguments_checked, cast, check_array, check_dims, check_gated_parameters, check_shape, \
    gate_keys, result_dtype


def check_sequence(x, a0, parameters, check_cell_parameters, keys):
    """Check the arguments of a forward pass over a sequence, once for every step.

    Arguments:
    x -- inputs, must be (n_x, m, T_x) with T_x >= 1
    a0 -- initial hidden state, must be (n_a, m)
    parameters -- the cell's parameters dict
    check_cell_parameters -- function(parameters, n_x) -> dims, e.g. check_rnn_parameters
    keys -- the parameter names, for the dtype

    Returns:
    dims -- dict of the sizes n_x, n_a, n_y, m
    dtype -- the dtype to compute in (see validation.result_dtype); the caller
             converts its arguments with validation.cast(dtype, ...) before computing
    """
    check_array("x", x, 3)
    check_array("a0", a0, 2)
    n_x, m, T_x = x.shape
    if T_x == 0:
        raise ValueError("x has T_x = 0 time steps: a sequence needs at least one")
    check_dims({"n_x": n_x, "m": m}, f"x has shape {x.shape}")
    dims = check_cell_parameters(parameters, n_x=n_x)
    dims["m"] = m
    check_shape("a0", a0, ("n_a", "m"), dims)
    return dims, result_dtype(x, a0, *(parameters[key] for key in keys))


def rnn_forward(x, a0, parameters):
    """Run the RNN over a whole sequence.

    Arguments:
    x -- inputs of every time step, numpy array of shape (n_x, m, T_x)
    a0 -- initial hidden state, shape (n_a, m); often zeros
    parameters -- python dictionary containing:
        Wax -- weights applied to the input, shape (n_a, n_x)
        Waa -- weights applied to the previous hidden state, shape (n_a, n_a)
        Wya -- weights from the hidden state to the output, shape (n_y, n_a)
        ba -- hidden bias, shape (n_a, 1)
        by -- output bias, shape (n_y, 1)

    Returns:
    a -- hidden states of every time step, shape (n_a, m, T_x)
    y_pred -- predictions of every time step, shape (n_y, m, T_x)
    caches -- tuple (list of the T_x cell caches, x), what rnn_backward needs
    """
    dims, dtype = check_sequence(x, a0, parameters, check_rnn_parameters, RNN_PARAMETER_KEYS)
    x, a0, parameters = cast(dtype, (x, a0, parameters))    # every step computes in one dtype
    n_x, m, T_x = x.shape
    n_a, n_y = dims["n_a"], dims["n_y"]

    a = np.zeros((n_a, m, T_x), dtype=dtype)
    y_pred = np.zeros((n_y, m, T_x), dtype=dtype)
    caches = []

    a_next = a0
    with arguments_checked():        # checked once above, for every step at once: the cells skip theirs
        for t in range(T_x):
            a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
            a[:, :, t] = a_next          # keep the hidden state of step t
            y_pred[:, :, t] = yt_pred    # and its prediction
            caches.append(cache)

    caches = (caches, x)
    return a, y_pred, caches


def lstm_forward(x, a0, parameters):
    """Run the LSTM over a whole sequence (the cell state starts at zero).

    Arguments:
    x -- inputs of every time step, shape (n_x, m, T_x)
    a0 -- initial hidden state, shape (n_a, m)
    parameters -- as in lstm_cell_forward (Wf, bf, Wi, bi, Wc, bc, Wo, bo, Wy, by)

    Returns:
    a -- hidden states of every step, shape (n_a, m, T_x)
    y -- predictions of every step, shape (n_y, m, T_x)
    c -- cell states of every step, shape (n_a, m, T_x)
    caches -- tuple (list of the T_x cell caches, x), what lstm_backward needs
    """
    dims, dtype = check_sequence(x, a0, parameters, partial(check_gated_parameters, gates=LSTM_GATES),
                                 gate_keys(LSTM_GATES))
    x, a0, parameters = cast(dtype, (x, a0, parameters))
    n_x, m, T_x = x.shape
    n_a, n_y = dims["n_a"], dims["n_y"]

    a = np.zeros((n_a, m, T_x), dtype=dtype)
    c = np.zeros((n_a, m, T_x), dtype=dtype)
    y = np.zeros((n_y, m, T_x), dtype=dtype)
    caches = []

    a_next = a0
    c_next = np.zeros((n_a, m), dtype=dtype)    # the cell state starts empty
    with arguments_checked():
        for t in range(T_x):
            a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
            a[:, :, t] = a_next
            c[:, :, t] = c_next
            y[:, :, t] = yt
            caches.append(cache)

    return a, y, c, (caches, x)


def gru_forward(x, a0, parameters):
    """Run the GRU over a whole sequence.

    Arguments:
    x -- inputs of every time step, shape (n_x, m, T_x)
    a0 -- initial hidden state, shape (n_a, m)
    parameters -- as in gru_cell_forward (Wr, br, Wu, bu, Wc, bc, Wy, by)

    Returns:
    a -- hidden states of every step, shape (n_a, m, T_x)
    y_pred -- predictions of every step, shape (n_y, m, T_x)
    caches -- tuple (list of the T_x cell caches, x), what gru_backward needs
    """
    dims, dtype = check_sequence(x, a0, parameters, partial(check_gated_parameters, gates=GRU_GATES),
                                 gate_keys(GRU_GATES))
    x, a0, parameters = cast(dtype, (x, a0, parameters))
    n_x, m, T_x = x.shape
    n_a, n_y = dims["n_a"], dims["n_y"]

    a = np.zeros((n_a, m, T_x), dtype=dtype)
    y_pred = np.zeros((n_y, m, T_x), dtype=dtype)
    caches = []

    a_next = a0
    with arguments_checked():
        for t in range(T_x):
            a_next, yt_pred, cache = gru_cell_forward(x[:, :, t], a_next, parameters)
            a[:, :, t] = a_next
            y_pred[:, :, t] = yt_pred
            caches.append(cache)

    return a, y_pred, (caches, x)
