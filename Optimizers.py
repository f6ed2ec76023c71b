"""Gradient clipping and three optimizers (the training chapter).

A gradient step moves every parameter W against its gradient dW. Two things
can go wrong in an RNN and are handled here:

- exploding gradients: the gradient is a product of one Jacobian per time
  step, and if those are larger than 1 it can grow without bound. Clipping
  caps it. It does nothing for the opposite problem, vanishing gradients.
- badly scaled steps: one learning rate rarely suits every weight. Adagrad
  divides each weight's step by the root of the sum of its past squared
  gradients, so weights that often get large gradients take smaller steps.
  Adam divides by the root of a running *mean* of them instead (so the step
  does not shrink for ever) and steps along a running mean of the gradients
  (momentum), both corrected for starting at zero.

Where the small epsilon goes, since the three conventions differ:
- Adagrad here: W - lr * dW / (sqrt(G) + epsilon), outside the root, as in
  Duchi, Hazan & Singer (2011), whose delta is added to sqrt(G), and as in
  torch.optim.Adagrad. min-char-rnn puts it inside: dW / sqrt(G + 1e-8).
- Adam here: W - lr * m_hat / (sqrt(v_hat) + epsilon), outside the root of
  the bias-corrected second moment, as Kingma & Ba (2015) write Algorithm 1.

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


class Adam:
    """Adam (Kingma & Ba, 2015, Algorithm 1), one step per call of update.

    For every parameter W with gradient g, at step t = 1, 2, ...:
        m     = beta1 * m + (1 - beta1) * g          running mean of the gradients
        v     = beta2 * v + (1 - beta2) * g**2       running mean of their squares
        m_hat = m / (1 - beta1**t)                   m and v start at 0, so early on
        v_hat = v / (1 - beta2**t)                   they are too small: undo that bias
        W     = W - learning_rate * m_hat / (sqrt(v_hat) + epsilon)
    At t = 1, m_hat = g and v_hat = g**2, so the first step is learning_rate
    times the sign of g, whatever the gradient's scale.
    """

    name = "adam"

    def __init__(self, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.step = 0                       # t, the number of updates made so far
        self.first, self.second = {}, {}    # m and v of every parameter, created at the first update

    def update(self, parameters, gradients):
        """Return new parameters one Adam step against the gradients.

        Arguments and result as SGD.update. The moments m and v and the step
        count belong to the optimizer and are updated here.
        """
        self.step += 1
        t, beta1, beta2 = self.step, self.beta1, self.beta2
        new_parameters = {}
        for name, W in parameters.items():
            g = gradients["d" + name]
            m = beta1 * self.first.get(name, 0) + (1 - beta1) * g
            v = beta2 * self.second.get(name, 0) + (1 - beta2) * (g * g)
            self.first[name], self.second[name] = m, v
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            new_parameters[name] = W - self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)
        return new_parameters

    def state(self):
        """m and v of every parameter (keys "m_" / "v_" + name) and the step count, as plain arrays."""
        state = {"step": np.array(self.step)}
        state.update({"m_" + name: m.copy() for name, m in self.first.items()})
        state.update({"v_" + name: v.copy() for name, v in self.second.items()})
        return state

    def load_state(self, state):
        """Restore what state() returned."""
        self.step = int(state.get("step", 0))
        self.first = {key[2:]: np.array(value) for key, value in state.items() if key.startswith("m_")}
        self.second = {key[2:]: np.array(value) for key, value in state.items() if key.startswith("v_")}


OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "adam": Adam}
