"""Seeded random inputs for the RNN (tutorial step 5).

There is no data set in the tutorial: to look at the two passes we only need
arrays of the right shapes. The seed and the order of the draws are the
original tutorial's, so the numbers RNN.py prints match the tutorial's.
"""
import numpy as np


def DataGenerator():
    """Draw the tutorial's inputs, parameters and upstream gradient.

    Sizes: n_x = 3 input features, n_a = 5 hidden units, n_y = 2 classes,
    m = 10 examples, T_x = 4 time steps.

    Returns:
    x -- inputs, shape (3, 10, 4) = (n_x, m, T_x)
    a0 -- initial hidden state, shape (5, 10) = (n_a, m)
    parameters -- python dictionary with Wax (5, 3), Waa (5, 5), Wya (2, 5),
                  ba (5, 1), by (2, 1)
    da -- an upstream gradient for every hidden state, shape (5, 10, 4) = (n_a, m, T_x),
          standing in for what a loss would send back
    """
    np.random.seed(1)
    # The order of the draws fixes the numbers: keep it.
    x = np.random.randn(3, 10, 4)
    a0 = np.random.randn(5, 10)
    Wax = np.random.randn(5, 3)
    Waa = np.random.randn(5, 5)
    Wya = np.random.randn(2, 5)
    ba = np.random.randn(5, 1)
    by = np.random.randn(2, 1)
    da = np.random.randn(5, 10, 4)
    parameters = {"Wax": Wax, "Waa": Waa, "Wya": Wya, "ba": ba, "by": by}
    return x, a0, parameters, da


def gated_parameters(gates, n_x, n_a, n_y):
    """Random gate weights (n_a, n_a + n_x) and biases (n_a, 1), and an output layer."""
    parameters = {}
    for g in gates:
        parameters["W" + g] = np.random.randn(n_a, n_a + n_x)
        parameters["b" + g] = np.random.randn(n_a, 1)
    parameters["Wy"] = np.random.randn(n_y, n_a)
    parameters["by"] = np.random.randn(n_y, 1)
    return parameters


def gated_data(gates):
    """x (3, 10, 4), a0 (5, 10), gate parameters, da (5, 10, 4), drawn after np.random.seed(1)."""
    np.random.seed(1)
    x = np.random.randn(3, 10, 4)
    a0 = np.random.randn(5, 10)
    parameters = gated_parameters(gates, n_x=3, n_a=5, n_y=2)
    da = np.random.randn(5, 10, 4)
    return x, a0, parameters, da


def LSTMDataGenerator():
    """Seeded inputs for the LSTM, the same sizes as DataGenerator.

    Returns x (3, 10, 4), a0 (5, 10), parameters (Wf, bf, Wi, bi, Wc, bc,
    Wo, bo with W of shape (5, 8) and b of shape (5, 1); Wy (2, 5), by (2, 1))
    and da (5, 10, 4).
    """
    return gated_data("fico")


def GRUDataGenerator():
    """Seeded inputs for the GRU, the same sizes as DataGenerator.

    Returns x (3, 10, 4), a0 (5, 10), parameters (Wr, br, Wu, bu, Wc, bc
    with W of shape (5, 8) and b of shape (5, 1); Wy (2, 5), by (2, 1))
    and da (5, 10, 4).
    """
    return gated_data("ruc")
