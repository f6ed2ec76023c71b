"""The forward pass through time (tutorial step 2).

rnn_forward runs the cell of RNN_UNIT_CELL.py once per time step, handing
each step's hidden state to the next, and keeps every step's cache for the
backward pass. lstm_forward and gru_forward (the vanishing-gradient chapter)
do the same with the cells of LSTM_UNIT_CELL.py and GRU_UNIT_CELL.py. Dimension letters as in RNN_UNIT_CELL.py:
n_x inputs, n_a hidden units, n_y classes, m examples, T_x time steps.
"""
import numpy as np

from GRU_UNIT_CELL import GRU_GATES, gru_cell_forward
from LSTM_UNIT_CELL import LSTM_GATES, lstm_cell_forward
from RNN_UNIT_CELL import rnn_cell_forward
from validation import arguments_checked, check_sequence, checked_sequence_arguments, gate_keys  # noqa: F401


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

    The first line checks the arguments once for every step and converts them
    to one dtype; the cells then skip their own checks (arguments_checked).
    """
    x, a0, parameters = checked_sequence_arguments(x, a0, parameters)

    n_x, m, T_x = x.shape
    n_a, n_y = a0.shape[0], parameters["Wya"].shape[0]
    dtype = x.dtype

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
    x, a0, parameters = checked_sequence_arguments(x, a0, parameters, gates=LSTM_GATES)

    n_x, m, T_x = x.shape
    n_a, n_y = a0.shape[0], parameters["Wy"].shape[0]
    dtype = x.dtype

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
    x, a0, parameters = checked_sequence_arguments(x, a0, parameters, gates=GRU_GATES)

    n_x, m, T_x = x.shape
    n_a, n_y = a0.shape[0], parameters["Wy"].shape[0]
    dtype = x.dtype

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
