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
import numpy as np


def numerical_gradient(f, x, h=1e-3):
    """Centered-difference gradient of a scalar function with respect to an array.

    Arguments:
    f -- function of no arguments returning a scalar; it must read `x`
         (usually a lambda that closes over it)
    x -- numpy float64 array of any shape. Each entry is moved to x +- h and
         x +- 2h in turn and then set back to its exact original value, so x
         is unchanged when the function returns.
    h -- step size; 1e-3 suits float64 with this four-point formula

    Returns:
    grad -- numpy array of the shape of x, grad[i] ~ df/dx[i]
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        original = x[i]
        values = []
        for step in (-2 * h, -h, h, 2 * h):
            x[i] = original + step
            values.append(float(f()))
        x[i] = original           # restore exactly
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
    analytic -- gradient from a backward function, numpy array
    numerical -- gradient from numerical_gradient, same shape

    Returns:
    the largest relative error, a float
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numerical = np.asarray(numerical, dtype=np.float64)
    if analytic.shape != numerical.shape:
        raise ValueError(f"shapes differ: analytic {analytic.shape}, numerical {numerical.shape}")
    error = np.abs(analytic - numerical) / np.maximum(1e-8, np.abs(analytic) + np.abs(numerical))
    return float(np.max(error)) if error.size else 0.0
