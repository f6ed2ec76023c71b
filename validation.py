"""Argument checks shared by every public function of the project.

Not a step of the tutorial, but the reason its code never hands a learner a
silently wrong answer: numpy broadcasting would happily add a bias of shape
(n_a,) to a matrix of shape (n_a, m) and return a result of shape (n_a, n_a),
and a forgotten transpose often still "works". Every public function checks
its arguments here once, before computing anything, and fails with a message
that names the argument and gives the shape it expected and the shape it got.

Dimension letters used in the messages (the tutorial's):
    n_x  input features      n_a  hidden units      n_y  output classes
    m    examples per batch  T_x  time steps
"""
import contextvars
from collections.abc import Mapping

import numpy as np

# A pass over a sequence checks the whole sequence once and then calls its cell
# T_x times: checking each of those calls again would repeat the same work. So
# the pass runs its loop inside `arguments_checked()`, and a cell checks only
# when `checks_wanted()`. This is a flag here and not an extra argument of the
# cells so that a cell written as the tutorial writes it, without any extra
# keyword, works with the passes unchanged. (A ContextVar is a global value of
# which every thread has its own, so one thread never turns off another's checks.)
_ARGUMENTS_CHECKED = contextvars.ContextVar("arguments_checked", default=False)


class arguments_checked:
    """`with arguments_checked():` the cells skip their own checks, the caller has checked everything once.

    A small class rather than a @contextmanager generator: entering and
    leaving it costs about half as much, and a pass enters it on every call.
    Blocks may nest: leaving one restores what was in force before it.
    """
    __slots__ = ("token",)

    def __enter__(self):
        self.token = _ARGUMENTS_CHECKED.set(True)

    def __exit__(self, *error):
        _ARGUMENTS_CHECKED.reset(self.token)      # also when the block raised; the error goes on


def checks_wanted():
    """True when a cell is called on its own; False inside arguments_checked()."""
    return not _ARGUMENTS_CHECKED.get()


def check_array(name, value, ndim):
    """Check that `value` is a real-valued numpy array with `ndim` dimensions.

    Arguments:
    name -- the argument's name, used in the error message
    value -- the object to check
    ndim -- the number of dimensions it must have

    Raises TypeError for anything but a numpy array of integers or floats,
    ValueError for the wrong number of dimensions.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(value).__name__}")
    if value.dtype.kind not in "iuf":  # signed int, unsigned int, float
        raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
    if value.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {value.shape}")


def check_shape(name, value, spec, dims):
    """Check the shape of an array against a spec written in dimension letters.

    Arguments:
    name -- the argument's name, used in the error message
    value -- numpy array, already checked with check_array
    spec -- tuple of dimension letters or integers, e.g. ("n_a", 1)
    dims -- dict from dimension letter to its size, e.g. {"n_a": 5}

    Raises ValueError such as
    "ba: expected shape (n_a, 1) = (5, 1), got (5,)".
    """
    expected = tuple([dims.get(d, d) for d in spec])   # letters looked up, integers kept
    if value.shape != expected:
        letters = "(" + ", ".join(str(d) for d in spec) + ("," if len(spec) == 1 else "") + ")"
        raise ValueError(f"{name}: expected shape {letters} = {expected}, got {value.shape}")


def check_parameters(parameters, keys):
    """Check that `parameters` is a mapping that holds every key in `keys`.

    Arguments:
    parameters -- the parameters dict of a cell
    keys -- the names the cell needs, e.g. ("Wax", "Waa", "Wya", "ba", "by")

    Raises TypeError if `parameters` is not a dict-like mapping and KeyError
    naming the first missing key. The values are checked by the caller.
    """
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a dict, got {type(parameters).__name__}")
    for key in keys:
        if key not in parameters:
            raise KeyError(f"parameters is missing {key!r} (a cell needs {', '.join(keys)})")


def check_cache(cache, length, produced_by):
    """Check that `cache` is a cell's cache tuple of `length` items; give its first item, a_next.

    Arguments:
    cache -- what the caller passed as a cache
    length -- how many items the cell's cache has
    produced_by -- the name of the forward function that makes it, for the message
    """
    if not isinstance(cache, tuple) or len(cache) != length:
        raise TypeError(f"cache must be the tuple of {length} items returned by {produced_by}")
    check_array("a_next in the cache", cache[0], 2)
    return cache[0]


def result_dtype(*arrays):
    """The floating dtype the computation runs in: float32 only if nothing is wider.

    float32 inputs stay float32 (half the memory traffic of float64); any
    float64 input, and integer input, gives float64, the default.
    """
    dtype = np.result_type(*arrays)
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


def check_gated_parameters(parameters, gates, n_x, output_layer=True):
    """Check the parameters of an LSTM or GRU cell and return their dimensions.

    Every gate g has a weight Wg of shape (n_a, n_a + n_x), applied to the
    stacked column [a_prev; xt], and a bias bg of shape (n_a, 1); the output
    layer is Wy (n_y, n_a) and by (n_y, 1).

    Arguments:
    parameters -- the parameters dict
    gates -- the gate letters, e.g. "fico" for the LSTM, "ruc" for the GRU
    n_x -- number of input features, read from the input
    output_layer -- False to check only the gates (what the hidden states
                    need): Wy and by may be absent, n_a is read from the
                    first gate's weight

    Returns:
    dims -- dict with the sizes "n_x", "n_a" and, with the output layer, "n_y"
    """
    keys = tuple(k for g in gates for k in ("W" + g, "b" + g)) + (("Wy", "by") if output_layer else ())
    check_parameters(parameters, keys)
    for key in keys:
        check_array(key, parameters[key], 2)
    if output_layer:
        dims = {"n_x": n_x, "n_a": parameters["Wy"].shape[1], "n_y": parameters["Wy"].shape[0]}
    else:
        dims = {"n_x": n_x, "n_a": parameters["W" + gates[0]].shape[0]}
    dims["n_a + n_x"] = dims["n_a"] + n_x
    for g in gates:
        check_shape("W" + g, parameters["W" + g], ("n_a", "n_a + n_x"), dims)
        check_shape("b" + g, parameters["b" + g], ("n_a", 1), dims)
    if output_layer:
        check_shape("by", parameters["by"], ("n_y", 1), dims)
    return dims


def check_state_parameters(name, parameters, n_x):
    """Check the hidden-state parameters of one RNN inside a bigger model; give its n_a.

    A bidirectional RNN holds two of these dicts (one per direction) and a
    stacked RNN one per layer; the output layer is not part of them.

    Arguments:
    name -- how the caller names this dict in messages, e.g. "parameters['forward']"
    parameters -- dict with Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a, 1)
    n_x -- number of input features this RNN reads

    Returns:
    n_a -- its number of hidden units, read from Waa

    Raises TypeError if it is not a dict, KeyError naming a missing key,
    ValueError naming a wrong shape, e.g.
    "parameters['backward']['Wax']: expected shape (n_a, n_x) = (5, 3), got (5, 4)".
    """
    if not isinstance(parameters, Mapping):
        raise TypeError(f"{name} must be a dict, got {type(parameters).__name__}")
    keys = ("Wax", "Waa", "ba")
    for key in keys:
        if key not in parameters:
            raise KeyError(f"{name} is missing {key!r} (an RNN's hidden state needs {', '.join(keys)})")
        check_array(f"{name}[{key!r}]", parameters[key], 2)
    dims = {"n_x": n_x, "n_a": parameters["Waa"].shape[0]}
    check_shape(f"{name}['Waa']", parameters["Waa"], ("n_a", "n_a"), dims)
    check_shape(f"{name}['Wax']", parameters["Wax"], ("n_a", "n_x"), dims)
    check_shape(f"{name}['ba']", parameters["ba"], ("n_a", 1), dims)
    return dims["n_a"]
