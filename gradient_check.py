"""Numerical gradients, to prove a backward pass right.

A backward pass is easy to get subtly wrong, and a wrong gradient still lets
a network "train", only badly. The remedy is to compare it with the
definition of the derivative. For a scalar loss L and one entry w of an array,
the centered difference

    dL/dw  ~  (L(w + h) - L(w - h)) / (2 h)                    error ~ h**2

needs no calculus at all, so it is an independent check of the calculus in
the backward functions. We use its next refinement, which samples two points
on each side and cancels the h**2 term as well:

    dL/dw  ~  (L(w - 2h) - 8 L(w - h) + 8 L(w + h) - L(w + 2h)) / (12 h)
                                                               error ~ h**4

Why bother: the step h trades two errors. Smaller h shrinks the formula's
error but makes L(w + h) - L(w - h) a difference of two nearly equal numbers,
which loses digits to rounding. With the h**4 formula, h = 1e-3 keeps both
errors near 1e-12, and even tiny entries of a gradient agree to better than
1e-8 relative error; with the two-point formula the worst entries
only get down to about 1e-7, whatever h.

The tests in tests/ use it on every gradient the project returns; you can use
it on your own functions the same way:

    from gradient_check import numerical_gradient, relative_error
    num = numerical_gradient(lambda: loss(W), W)
    print(relative_error(analytic_dW, num))   # about 1e-10 when right

Run it in float64: in float32 the differences lose most of their digits and
the check says nothing.
"""
import math
from numbers import Real

import numpy as np

from validation import as_real_array, check_array


def check_step_size(h):
    """TypeError unless h is a real number, ValueError unless it is finite and > 0."""
    if isinstance(h, (bool, np.bool_)) or not isinstance(h, Real):
        raise TypeError(f"h must be a number, got {type(h).__name__}")
    if not (math.isfinite(h) and h > 0):
        raise ValueError(f"h must be a finite number > 0, got {h}")


def check_writeable(x):
    """ValueError naming x unless numerical_gradient can move its entries one at a time.

    Working on a copy instead would check nothing: f reads x itself, so f
    would never see the steps. So a read-only x (np.broadcast_to, a frozen
    array) and an x whose entries share memory (a stride of 0, so moving one
    entry moves them all) are refused, saying what to pass instead.
    """
    if not x.flags.writeable:
        raise ValueError("x is read-only: numerical_gradient moves x's entries in place so that f sees them; "
                         "pass a writeable copy (x = x.copy()) and let f read that copy")
    if any(stride == 0 and size > 1 for stride, size in zip(x.strides, x.shape)):
        raise ValueError(f"x's entries share memory (strides {x.strides} for shape {x.shape}), so moving one "
                         f"moves several; pass x = x.copy() and let f read that copy")


def real_scalar(value):
    """The value f returned, as a float; TypeError or ValueError unless it is one finite real number.

    Python and NumPy numbers and one-element arrays count; bools, complex
    numbers, strings and larger arrays do not (a loss is one real number).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.ndarray, np.generic)):
        raise TypeError(f"f must return a real number, got {type(value).__name__}")
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"f must return a real number, got dtype {array.dtype}")
    if array.size != 1:
        raise ValueError(f"f must return a scalar (one number), got an array of shape {array.shape}")
    number = float(array.reshape(()))
    if not math.isfinite(number):
        raise ValueError(f"f returned {number}: a gradient of a non-finite value means nothing")
    return number


def numerical_gradient(f, x, h=1e-3):
    """Centered-difference gradient of a scalar function with respect to an array.

    Arguments:
    f -- function of no arguments returning one real number (a Python or NumPy
         number, or a one-element array); it must read `x` (usually a lambda
         that closes over it)
    x -- numpy float64 (or float32) array of any shape, which f reads. Each
         entry is moved to x +- h and x +- 2h in turn and then set back to its
         exact original value, so x is unchanged when the function returns,
         also when f raises. Integer arrays are refused: they cannot hold
         x + h, so the steps would be truncated (and f would see 1 + 0 = 1);
         so are read-only arrays and arrays whose entries share memory
         (check_writeable says why a copy would not do).
    h -- step size, a finite number > 0; 1e-3 suits float64 with this four-point formula

    Returns:
    grad -- float64 numpy array of the shape of x, grad[i] ~ df/dx[i]
    """
    check_array("x", x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"x must be a float array (float64 for a meaningful check; float32 works), got dtype "
                        f"{x.dtype}: numerical_gradient moves x's entries by h in place, so pass "
                        f"x = x.astype(float) and let f read that array")
    check_writeable(x)
    check_step_size(h)
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        original = x[i]
        values = []
        try:
            for step in (-2 * h, -h, h, 2 * h):
                x[i] = original + step
                values.append(real_scalar(f()))
        finally:
            x[i] = original           # restore exactly, whatever happened
        f_m2, f_m1, f_p1, f_p2 = values
        # differences first: when f does not depend on x[i] they are exactly 0
        grad[i] = (8 * (f_p1 - f_m1) - (f_p2 - f_m2)) / (12 * h)
    return grad


def relative_error(analytic, numerical):
    """Largest element-wise relative error between two gradients.

    |a - n| / max(1e-8, |a| + |n|) for every entry, then the maximum. Dividing
    by the sum of sizes makes the number comparable across gradients of very
    different scales; the 1e-8 floor keeps entries where both are zero from
    dividing 0 by 0. For smooth functions such as tanh and softmax, a correct
    gradient in float64 gives about 1e-10; above 1e-7 something is wrong.

    Arguments:
    analytic -- gradient from a backward function, array of real numbers
    numerical -- gradient from numerical_gradient, same shape

    Both are compared in float64 (integers converted exactly as in
    validation.py); complex arrays are refused rather than their imaginary
    parts dropped.

    Returns:
    the largest relative error, a float; NaN when an entry of either is NaN or
    both are the same infinity (no number measures that: `error <= 1e-7` is then
    False, so a gradient check fails)
    """
    analytic = as_real_array("analytic", analytic).astype(np.float64, copy=False)
    numerical = as_real_array("numerical", numerical).astype(np.float64, copy=False)
    if analytic.shape != numerical.shape:
        raise ValueError(f"shapes differ: analytic {analytic.shape}, numerical {numerical.shape}")
    with np.errstate(invalid="ignore"):      # inf - inf: NaN, said by the result, not by a warning
        error = np.abs(analytic - numerical) / np.maximum(1e-8, np.abs(analytic) + np.abs(numerical))
    return float(np.max(error)) if error.size else 0.0
