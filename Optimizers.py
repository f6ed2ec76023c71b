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

Every argument is checked first (check_step, check_rate, check_limit): a
learning rate must be a finite positive number, a clipping limit a finite
number >= 0, and each parameter needs a gradient "d" + name of its very
shape, so a (5,) gradient is never broadcast into a (5, 5) parameter. The
arrays follow the input policy of validation.py (integer gradients compute in
float64). Extra gradients that are not a parameter's (dx, da0) are ignored, so
a backward's whole result can be passed.

Squares of huge numbers. The root of a sum of squares, sqrt(a**2 + b**2), is
at most about 1.4 times the largest of a and b, yet its squares overflow
for entries above 1e154 (1e200**2 is inf in float64, and a step dW / inf
is 0). So the sums of squares that the global norm, Adagrad and Adam need are
computed divided by their largest entry first (root_sum_of_squares), and
Adagrad and Adam keep the ROOTS sqrt(G) and sqrt(v), never G and v.
"""
import math
from numbers import Real

import numpy as np

from validation import cast, check_array, check_parameters, result_dtype

# Between these, squares and their sums neither overflow ((1e150)**2 * 1e8 entries < 1.8e308)
# nor underflow to 0 ((1e-150)**2 = 1e-300 > 2.2e-308, the smallest normal float64).
SAFE_TO_SQUARE = (1e-150, 1e150)


def check_rate(name, value):
    """ValueError (TypeError for a non-number) unless `value` is a finite number > 0, e.g. a learning rate."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")


def check_limit(name, value):
    """A clipping limit: None or 0 mean no clipping; else a finite number > 0. Returns it as a float (0.0 = off)."""
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number or None, got {type(value).__name__}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0 (0 or None: no clipping), got {value}")
    return float(value)


def check_gradients(gradients):
    """Check a dict of gradients (the policy of validation.py) and give it back converted to compute in."""
    if not isinstance(gradients, dict):
        raise TypeError(f"gradients must be a dict, got {type(gradients).__name__}")
    converted = {}
    for key, value in gradients.items():
        check_array(key, value)
        converted[key] = cast(result_dtype(value), value)
    return converted


def check_step(parameters, gradients, *states):
    """Check the arguments of an optimizer's update; give (parameters, gradients) to compute with.

    Arguments:
    parameters -- dict of arrays, e.g. {"Wax": ..., ...}
    gradients -- dict with the key "d" + name for every parameter, each of its shape
    states -- dicts of the optimizer's own arrays by parameter name (Adagrad's
              roots, Adam's moments): each one present must have its parameter's shape

    Returns new dicts (the arguments are not modified) in which every
    parameter and its gradient are converted to one dtype (validation.py's
    policy: float32 if both are float32, else float64).
    Raises TypeError for what is not a dict of real arrays, KeyError naming a
    missing gradient, ValueError naming a gradient of the wrong shape.
    """
    check_parameters(parameters, ())
    if not isinstance(gradients, dict):
        raise TypeError(f"gradients must be a dict, got {type(gradients).__name__}")
    ready_parameters, ready_gradients = {}, {}
    for name, W in parameters.items():
        check_array(name, W)
        key = "d" + name
        if key not in gradients:
            raise KeyError(f"gradients is missing {key!r}, the gradient of the parameter {name!r}")
        dW = gradients[key]
        check_array(key, dW)
        if dW.shape != W.shape:
            raise ValueError(f"{key}: expected the shape of {name}, {W.shape}, got {dW.shape}")
        for state in states:
            if name in state and state[name].shape != W.shape:
                raise ValueError(f"the optimizer's memory of {name} has shape {state[name].shape}, but {name} "
                                 f"has {W.shape}: was it loaded from a checkpoint of another model?")
        dtype = result_dtype(W, dW)
        ready_parameters[name], ready_gradients[key] = cast(dtype, W), cast(dtype, dW)
    return ready_parameters, ready_gradients


def root_sum_of_squares(a, b):
    """sqrt(a**2 + b**2) element-wise, without squaring numbers too large to square.

    Arguments:
    a, b -- numpy arrays of one shape (or a number and an array)

    When the largest entry L is in the SAFE_TO_SQUARE range this is the plain
    formula; else both are divided by L first: L * sqrt((a/L)**2 + (b/L)**2)
    is the same number, no square exceeds 1, and the largest is exactly 1.
    """
    largest = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    low, high = SAFE_TO_SQUARE
    if low < largest < high or largest == 0 or not math.isfinite(largest):
        return np.sqrt(a * a + b * b)
    return largest * np.sqrt((a / largest) ** 2 + (b / largest) ** 2)


def global_norm(gradients):
    """sqrt of the sum of the squares of every entry of every array in the dict, without overflow.

    Computed in float64 and divided by the largest entry first, so a gradient
    of 1e200 has norm 1e200, not inf. inf or nan in a gradient give inf or nan.
    """
    arrays = [np.asarray(g, dtype=np.float64) for g in gradients.values()]
    largest = max((float(np.max(np.abs(g))) for g in arrays if g.size), default=0.0)
    if largest == 0 or not math.isfinite(largest):
        return largest if largest == 0 or math.isinf(largest) else math.nan
    return largest * math.sqrt(sum(float(np.sum(np.square(g / largest))) for g in arrays))


def clip_elementwise(gradients, max_value):
    """Clip every entry of every gradient into [-max_value, max_value].

    Arguments:
    gradients -- dict of numpy arrays
    max_value -- finite number > 0, or 0 / None for no clipping

    Returns:
    a new dict with the clipped arrays; the direction of the whole gradient
    may change, since only the large entries are cut
    """
    max_value = check_limit("max_value", max_value)
    gradients = check_gradients(gradients)
    if not max_value:
        return {key: value.copy() for key, value in gradients.items()}
    return {key: np.clip(value, -max_value, max_value) for key, value in gradients.items()}


def clip_global_norm(gradients, max_norm):
    """Scale all gradients together so that their joint norm is at most max_norm.

    The global norm is sqrt(sum of the squares of every entry of every
    gradient) (global_norm: without overflow). Scaling all of them by one
    factor keeps the direction of the step and only shortens it.

    Arguments:
    gradients -- dict of numpy arrays
    max_norm -- finite number > 0, or 0 / None for no clipping

    Returns:
    clipped -- a new dict of new arrays (integer gradients become float64)
    total_norm -- the global norm before clipping, a float; inf or nan if a
                  gradient holds inf or nan, which is then returned unscaled
                  (no factor makes it finite: check total_norm)
    """
    max_norm = check_limit("max_norm", max_norm)
    gradients = check_gradients(gradients)
    total_norm = global_norm(gradients)
    scale = 1.0
    if max_norm and math.isfinite(total_norm) and total_norm > max_norm:
        scale = max_norm / total_norm
    clipped = {key: (value * value.dtype.type(scale)) for key, value in gradients.items()}
    return clipped, total_norm


class SGD:
    """Plain gradient descent: W <- W - learning_rate * dW."""

    name = "sgd"

    def __init__(self, learning_rate):
        check_rate("learning_rate", learning_rate)
        self.learning_rate = learning_rate

    def update(self, parameters, gradients):
        """Return new parameters one step against the gradients.

        Arguments:
        parameters -- dict of arrays, e.g. {"Wax": ..., ...}
        gradients -- dict with the key "d" + name for every parameter, of its shape

        Returns:
        a new dict of new arrays; the arguments are not modified
        """
        parameters, gradients = check_step(parameters, gradients)
        return {name: W - self.learning_rate * gradients["d" + name] for name, W in parameters.items()}

    def state(self):
        """The optimizer's state as plain arrays, for a checkpoint (SGD has none)."""
        return {}

    def load_state(self, state):
        """Restore what state() returned."""
        load_arrays_of(state, {})


def load_arrays_of(state, prefixes):
    """Check a state dict for load_state and split it by key prefix.

    Arguments:
    state -- dict from key to array, as state() returned it
    prefixes -- dict from prefix to the name of what it holds, e.g. {"sqrt_G_": "roots"};
                each such array must be real, finite and (for roots) >= 0

    Returns:
    dict from prefix to {parameter name: array copy}; any key that has none
    of the prefixes (but "step") is a KeyError naming it.
    """
    if not isinstance(state, dict):
        raise TypeError(f"state must be a dict, got {type(state).__name__}")
    split = {prefix: {} for prefix in prefixes}
    for key, value in state.items():
        if key == "step":
            continue
        prefix = next((p for p in prefixes if key.startswith(p)), None)
        if prefix is None:
            raise KeyError(f"state has an unknown key {key!r} (expected {', '.join(p + '<name>' for p in prefixes) or 'nothing'})")
        check_array(key, value)
        if not np.all(np.isfinite(value)) or (prefixes[prefix] == "roots" and np.any(value < 0)):
            raise ValueError(f"state {key!r} must hold finite numbers" +
                             (" >= 0" if prefixes[prefix] == "roots" else ""))
        split[prefix][key[len(prefix):]] = np.array(value, dtype=result_dtype(value))
    return split


class Adagrad:
    """Adagrad: W <- W - learning_rate * dW / (sqrt(G) + epsilon), G the running sum of dW**2.

    It keeps the root sqrt(G) of every parameter, not G (see the top of the
    file): sqrt(G + dW**2) = root_sum_of_squares(sqrt(G), dW).
    """

    name = "adagrad"

    def __init__(self, learning_rate, epsilon=1e-8):
        check_rate("learning_rate", learning_rate)
        check_limit("epsilon", epsilon)     # 0 is allowed: the bare formula
        self.learning_rate = learning_rate
        self.epsilon = epsilon
        self.root = {}                      # sqrt(G) for every parameter, created at the first update

    def update(self, parameters, gradients):
        """Return new parameters one Adagrad step against the gradients.

        Arguments and result as SGD.update. The optimizer's own memory
        sqrt(G) is updated (it belongs to the optimizer, not to the caller).
        """
        parameters, gradients = check_step(parameters, gradients, self.root)
        new_parameters, new_root = {}, {}
        for name, W in parameters.items():
            dW = gradients["d" + name]
            previous = self.root.get(name)
            root = np.abs(dW) if previous is None else root_sum_of_squares(previous, dW)
            new_root[name] = root
            new_parameters[name] = W - self.learning_rate * dW / (root + self.epsilon)
        self.root.update(new_root)          # only once every step is computed: an error leaves it as it was
        return new_parameters

    def state(self):
        """sqrt(G) of every parameter, as plain arrays keyed "sqrt_G_" + the parameter's name."""
        return {"sqrt_G_" + name: root.copy() for name, root in self.root.items()}

    def load_state(self, state):
        """Restore what state() returned (checked: real, finite, >= 0)."""
        self.root = load_arrays_of(state, {"sqrt_G_": "roots"})["sqrt_G_"]


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

    It keeps the root s = sqrt(v), not v (see the top of the file):
    sqrt(beta2 v + (1 - beta2) g**2) = root_sum_of_squares(sqrt(beta2) s, sqrt(1 - beta2) g),
    and sqrt(v_hat) = s / sqrt(1 - beta2**t).
    """

    name = "adam"

    def __init__(self, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8):
        check_rate("learning_rate", learning_rate)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if check_limit(name, beta) >= 1:
                raise ValueError(f"{name} must be in [0, 1), got {beta}")
        check_limit("epsilon", epsilon)
        self.learning_rate = learning_rate
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.step = 0                       # t, the number of updates made so far
        self.first, self.root = {}, {}      # m and sqrt(v) of every parameter, created at the first update

    def update(self, parameters, gradients):
        """Return new parameters one Adam step against the gradients.

        Arguments and result as SGD.update. The moments m and sqrt(v) and the
        step count belong to the optimizer and are updated here.
        """
        parameters, gradients = check_step(parameters, gradients, self.first, self.root)
        t, beta1, beta2 = self.step + 1, self.beta1, self.beta2
        new_parameters, new_first, new_root = {}, {}, {}
        for name, W in parameters.items():
            g = gradients["d" + name]
            m = beta1 * self.first.get(name, 0) + (1 - beta1) * g
            s = root_sum_of_squares(math.sqrt(beta2) * self.root.get(name, np.zeros_like(g)), math.sqrt(1 - beta2) * g)
            new_first[name], new_root[name] = m, s
            m_hat = m / (1 - beta1 ** t)
            root_v_hat = s / math.sqrt(1 - beta2 ** t)
            new_parameters[name] = W - self.learning_rate * m_hat / (root_v_hat + self.epsilon)
        # only once every step is computed: an error leaves the optimizer as it was
        self.step = t
        self.first.update(new_first)
        self.root.update(new_root)
        return new_parameters

    def state(self):
        """m and sqrt(v) of every parameter (keys "m_" / "sqrt_v_" + name) and the step count, as plain arrays."""
        state = {"step": np.array(self.step)}
        state.update({"m_" + name: m.copy() for name, m in self.first.items()})
        state.update({"sqrt_v_" + name: s.copy() for name, s in self.root.items()})
        return state

    def load_state(self, state):
        """Restore what state() returned (checked: real and finite, sqrt(v) >= 0, step a whole number >= 0)."""
        split = load_arrays_of(state, {"m_": "moments", "sqrt_v_": "roots"})
        step = np.asarray(state.get("step", 0))
        if step.shape != () or step.dtype.kind not in "iu" or int(step) < 0:
            raise ValueError(f"state 'step' must be a whole number >= 0, got {state.get('step')!r}")
        self.step = int(step)
        self.first, self.root = split["m_"], split["sqrt_v_"]


OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "adam": Adam}
