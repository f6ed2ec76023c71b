"""Activation functions used by the cells (tutorial: "rnn_utils.py").

Every function works element by element on numpy arrays of any shape, except
softmax, which normalises over axis 0: in this project a column is one
example, so the classes of an example run down a column.

All three take the same inputs: numpy arrays, lists or numbers of real
values, as in the input policy of validation.py (integers are computed in
float64, float16 in float32; bool, complex, object, masked arrays and
np.matrix are refused with a TypeError). float32 in, float32 out.
"""
import numpy as np

from validation import as_real_array


def softmax(x):
    """Turn scores into probabilities down each column.

        softmax(x)[i, j] = exp(x[i, j]) / sum over k of exp(x[k, j])

    Arguments:
    x -- scores, numpy array of shape (n_y, ...) with the classes on axis 0,
         e.g. (n_y, m) for one time step or (n_y, m, T_x) for a sequence

    Returns:
    probabilities of the same shape; every column is positive and sums to 1

    Infinite scores get their limit: a column holding +inf puts all of its
    probability on its +inf entries, shared equally when there are several
    (and a column of -inf only is shared equally too, being all alike); a
    column holding NaN is NaN.
    """
    # softmax(z) == softmax(z - c) for any constant c in the column. Taking c as
    # the column's own max makes the largest exponent exp(0) = 1, so nothing
    # overflows. (One max over the whole batch would not do: a column far below
    # it would underflow to all zeros and divide 0 by 0.)
    x = as_real_array("x", x)
    if x.ndim == 0 or x.shape[0] == 0:
        raise ValueError(f"x: softmax needs at least one class on axis 0, got shape {x.shape}")
    shift = x.max(axis=0, keepdims=True)
    if np.isinf(shift).any():
        return _softmax_with_infinities(x, shift)
    e = np.exp(x - shift)
    return e / e.sum(axis=0, keepdims=True)


def _softmax_with_infinities(x, shift):
    """softmax when a column's max is infinite: inf - inf is NaN, so the infinite maxima are shifted to 0 by hand."""
    with np.errstate(invalid="ignore"):
        z = x - shift                                       # NaN where x and its column's max are the same infinity
    z[(x == shift) & np.isinf(shift)] = 0                   # every entry equal to an infinite max: exp(0) = 1
    e = np.exp(z)                                           # the finite entries below +inf: exp(-inf) = 0
    return e / e.sum(axis=0, keepdims=True)


def tanh(x):
    """Hyperbolic tangent, squashing any real number into (-1, 1).

    Its derivative is written in terms of its output a = tanh(z):
    d tanh(z) / dz = 1 - a**2, which is why the backward pass of a cell only
    needs the cell's output a_next, not its input z.
    """
    return np.tanh(as_real_array("x", x))


def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), squashing any real number into (0, 1).

    Written so that exp never sees a large positive argument: for x >= 0 use
    1 / (1 + exp(-x)), for x < 0 the equal form exp(x) / (1 + exp(x)). Both
    are computed from e = exp(-|x|) <= 1, so sigmoid(-1000) is 0 without an
    overflow warning. Used by the LSTM and GRU gates.
    """
    x = as_real_array("x", x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
