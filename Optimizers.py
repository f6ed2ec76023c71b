"""Gradient clipping and two optimizers (the training chapter).

A gradient step moves every parameter W against its gradient dW. Two things
can go wrong in an RNN and are handled here:

- exploding gradients: the gradient is a product of one Jacobian per time
  step, and if those are larger than 1 it can grow without bound. Clipping
  caps it. It does nothing for the opposite problem, vanishing gradients.
- badly scaled steps: one learning rate rarely suits every weight. Adagrad
  divides each weight's step by the root of the sum of its past squared
  gradients, so weights that often get large gradients take smaller steps.

Gradients are dicts keyed "d" + the parameter's name ("dWax" for "Wax"), as
the backward functions return them. Nothing here modifies what it is given:
every function returns new arrays.
"""
import numpy as np


def clip_elementwise(gradients, max_value):
    """Clip every entry of every gradient into [-max_value, max_value].

    Arguments:
    gradients -- dict of numpy arrays
    max_value -- positive float

    Returns:
    a new dict with the clipped arrays; the direction of the whole gradient
    may change, since only the large entries are cut
    """
    return {key: np.clip(value, -max_value, max_value) for key, value in gradients.items()}


def clip_global_norm(gradients, max_norm):
    """Scale all gradients together so that their joint norm is at most max_norm.

    The global norm is sqrt(sum of the squares of every entry of every
    gradient). Scaling all of them by one factor keeps the direction of the
    step and only shortens it.

    Arguments:
    gradients -- dict of numpy arrays
    max_norm -- positive float, or 0 / None for no clipping

    Returns:
    clipped -- a new dict of new arrays
    total_norm -- the global norm before clipping, a float
    """
    total_norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in gradients.values())))
    scale = 1.0
    if max_norm and total_norm > max_norm:
        scale = max_norm / total_norm
    clipped = {key: (value * value.dtype.type(scale)) for key, value in gradients.items()}
    return clipped, total_norm


class SGD:
    """Plain gradient descent: W <- W - learning_rate * dW."""

    name = "sgd"

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def update(self, parameters, gradients):
        """Return new parameters one step against the gradients.

        Arguments:
        parameters -- dict of arrays, e.g. {"Wax": ..., ...}
        gradients -- dict with the key "d" + name for every parameter

        Returns:
        a new dict of new arrays; the arguments are not modified
        """
        return {name: W - self.learning_rate * gradients["d" + name] for name, W in parameters.items()}

    def state(self):
        """The optimizer's state as plain arrays, for a checkpoint (SGD has none)."""
        return {}

    def load_state(self, state):
        """Restore what state() returned."""


class Adagrad:
    """Adagrad: W <- W - learning_rate * dW / (sqrt(G) + epsilon), G the running sum of dW**2."""

    name = "adagrad"

    def __init__(self, learning_rate, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.epsilon = epsilon
        self.memory = {}                    # G for every parameter, created at the first update

    def update(self, parameters, gradients):
        """Return new parameters one Adagrad step against the gradients.

        Arguments and result as SGD.update. The optimizer's own memory G is
        updated (it belongs to the optimizer, not to the caller).
        """
        new_parameters = {}
        for name, W in parameters.items():
            dW = gradients["d" + name]
            G = self.memory.get(name)
            G = dW * dW if G is None else G + dW * dW
            self.memory[name] = G
            new_parameters[name] = W - self.learning_rate * dW / (np.sqrt(G) + self.epsilon)
        return new_parameters

    def state(self):
        """The memory G of every parameter, as plain arrays keyed by the parameter's name."""
        return {name: G.copy() for name, G in self.memory.items()}

    def load_state(self, state):
        """Restore what state() returned."""
        self.memory = {name: np.array(G) for name, G in state.items()}


OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad}
