"""Seeded random inputs for the RNN (tutorial step 5).

There is no data set in the tutorial: to look at the two passes we only need
arrays of the right shapes. Which numbers come out depends on the seed and on
the order of the draws, so two orders are offered:

- "tutorial" (the default): the original tutorial's order, Wax before Waa.
  RNN.py then prints the original tutorial's numbers; its backward numbers
  are also the ones the course publishes for its rnn_backward test, which
  draws in this order.
- "course": the order of the course notebook's rnn_forward test, Waa before
  Wax, so that the forward numbers can be compared with the notebook's.
"""
import numpy as np

# The parameters in the order they are drawn, after x and a0 and before da.
DRAW_ORDERS = {"tutorial": ("Wax", "Waa", "Wya", "ba", "by"),
               "course": ("Waa", "Wax", "Wya", "ba", "by")}


def DataGenerator(order="tutorial"):
    """Draw the tutorial's inputs, parameters and upstream gradient.

    Sizes: n_x = 3 input features, n_a = 5 hidden units, n_y = 2 classes,
    m = 10 examples, T_x = 4 time steps.

    Arguments:
    order -- "tutorial" (Wax drawn before Waa, the original tutorial's order)
             or "course" (Waa before Wax, the course notebook's forward test)

    Returns:
    x -- inputs, shape (3, 10, 4) = (n_x, m, T_x)
    a0 -- initial hidden state, shape (5, 10) = (n_a, m)
    parameters -- python dictionary with Wax (5, 3), Waa (5, 5), Wya (2, 5),
                  ba (5, 1), by (2, 1)
    da -- an upstream gradient for every hidden state, shape (5, 10, 4) = (n_a, m, T_x),
          standing in for what a loss would send back
    """
    if order not in DRAW_ORDERS:
        raise ValueError(f"order must be one of {', '.join(map(repr, DRAW_ORDERS))}, got {order!r}")
    shapes = {"Wax": (5, 3), "Waa": (5, 5), "Wya": (2, 5), "ba": (5, 1), "by": (2, 1)}
    np.random.seed(1)
    # Every draw consumes numbers from the same stream, so the order fixes the values.
    x = np.random.randn(3, 10, 4)
    a0 = np.random.randn(5, 10)
    parameters = {name: np.random.randn(*shapes[name]) for name in DRAW_ORDERS[order]}
    da = np.random.randn(5, 10, 4)
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

    The order of the draws is this project's own (the course's LSTM test has
    other sizes and another order), so LSTM.py's numbers are ours alone.

    Returns x (3, 10, 4), a0 (5, 10), parameters (Wf, bf, Wi, bi, Wc, bc,
    Wo, bo with W of shape (5, 8) and b of shape (5, 1); Wy (2, 5), by (2, 1))
    and da (5, 10, 4).
    """
    return gated_data("fico")


def GRUDataGenerator():
    """Seeded inputs for the GRU, the same sizes as DataGenerator.

    This project's own draw, like LSTMDataGenerator (the course has no GRU test).

    Returns x (3, 10, 4), a0 (5, 10), parameters (Wr, br, Wu, bu, Wc, bc
    with W of shape (5, 8) and b of shape (5, 1); Wy (2, 5), by (2, 1))
    and da (5, 10, 4).
    """
    return gated_data("ruc")
