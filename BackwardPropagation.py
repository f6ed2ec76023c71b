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
from validation import arguments_checked, cast, check_array, check_not_forward_output, check_shape, result_dtype


def check_sequence_caches(caches, check_cell_cache, produced_by):
    """Check that `caches` is what a forward pass over a sequence returned; give (cell caches, x).

    Arguments:
    caches -- what the caller passed: must be (list of T_x cell caches, x)
    check_cell_cache -- the cell's cache check, e.g. check_rnn_cell_cache
    produced_by -- the forward's name, for the messages

    The first cell cache is checked whole; every one must be a cell cache
    whose a_next has the shape (n_a, m) of the first and the m of x, which
    catches caches put together from calls on different batches.
    """
    check_not_forward_output(caches, produced_by, name="caches")
    if not isinstance(caches, tuple) or len(caches) != 2 or not isinstance(caches[0], list):
        raise TypeError(f"caches must be the tuple (list of cell caches, x) returned by {produced_by}")
    cell_caches, x = caches
    check_array("x in caches", x, 3)
    if len(cell_caches) != x.shape[2] or not cell_caches:
        raise ValueError(f"caches holds {len(cell_caches)} cell caches for an x of "
                         f"{x.shape[2]} time steps; pass the caches returned by {produced_by}")
    a1 = check_cell_cache(cell_caches[0])
    expected = (a1.shape[0], x.shape[1])
    length = len(cell_caches[0])
    wrong = next((t for t, cell_cache in enumerate(cell_caches)
                  if type(cell_cache) is not tuple or len(cell_cache) != length
                  or getattr(cell_cache[0], "shape", None) != expected), None)
    if wrong is not None:
        t, cell_cache = wrong, cell_caches[wrong]
        a_next = cell_cache[0] if isinstance(cell_cache, tuple) and cell_cache else None
        got = a_next.shape if isinstance(a_next, np.ndarray) else type(cell_cache).__name__
        raise ValueError(f"caches: the cell cache of step {t} has a_next {got}, expected (n_a, m) = {expected} "
                         f"(from the first step and x in caches): caches of different calls of {produced_by}")
    return cell_caches, x


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
    """
    cell_caches, x = check_sequence_caches(caches, check_rnn_cell_cache, "rnn_forward")
    a1, a0, x1, parameters = cell_caches[0]
    n_x, m, T_x = x.shape
    n_a = a1.shape[0]
    check_array("da", da, 3)
    check_shape("da", da, ("n_a", "m", "T_x"), {"n_a": n_a, "m": m, "T_x": T_x})
    dtype = result_dtype(da, a1, x, parameters["Waa"], parameters["Wax"])
    da = cast(dtype, da)
    if dtype != a1.dtype:              # a float64 da on a float32 forward: every step in float64 (validation.py)
        cell_caches = cast(dtype, cell_caches)

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


def check_gated_backward(da, caches, check_cell_cache, produced_by):
    """Check the arguments of lstm_backward / gru_backward; give (cell caches, x, da), converted to one dtype."""
    cell_caches, x = check_sequence_caches(caches, check_cell_cache, produced_by)
    a1 = cell_caches[0][0]
    n_x, m, T_x = x.shape
    check_array("da", da, 3)
    check_shape("da", da, ("n_a", "m", "T_x"), {"n_a": a1.shape[0], "m": m, "T_x": T_x})
    dtype = result_dtype(da, a1, x, *(value for value in cell_caches[0][-1].values() if isinstance(value, np.ndarray)))
    da = cast(dtype, da)
    if dtype != a1.dtype:              # a float64 da on a float32 forward: every step in float64 (validation.py)
        cell_caches, x = cast(dtype, (cell_caches, x))
    return cell_caches, x, da


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
    """
    cell_caches, x, da = check_gated_backward(da, caches, check_lstm_cell_cache, "lstm_forward")
    dtype = da.dtype
    n_x, m, T_x = x.shape
    n_a = da.shape[0]

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
    """
    cell_caches, x, da = check_gated_backward(da, caches, check_gru_cell_cache, "gru_forward")
    dtype = da.dtype
    n_x, m, T_x = x.shape
    n_a = da.shape[0]

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
