"""Argument checks shared by every public function of the project, and the input policy.

Not a step of the tutorial, but the reason its code never hands a learner a
silently wrong answer: numpy broadcasting would happily add a bias of shape
(n_a,) to a matrix of shape (n_a, m) and return a result of shape (n_a, n_a),
and a forgotten transpose often still "works". Every public function checks
its arguments here once, before computing anything, and fails with a message
that names the argument and gives the shape it expected and the shape it got.

Dimension letters used in the messages (the tutorial's):
    n_x  input features      n_a  hidden units      n_y  output classes
    m    examples per batch  T_x  time steps

The input policy: what every public function accepts, and what it computes in
-----------------------------------------------------------------------------
Accepted (check_array), and computed as follows (result_dtype, then cast):
- float64: computed in float64, the default.
- float32: computed in float32 if every array of the call is float32 (half
  the memory traffic); results and gradients are float32.
- float16: widened to float32 on purpose. Its 11-bit mantissa cannot carry
  a sum of many terms (a softmax over 5000 classes in float16 does not sum
  to 1) and NumPy's products in float16 are slow; float32 is the smallest
  precision computed here, so float16 in gives float32 out.
- integers of every width, signed or not (int8 ... uint64): converted to
  float64 before any arithmetic, so nothing wraps (uint8 200 - 255 is -55,
  not 201), nothing is computed in float16 (NumPy's tanh of int8 would be),
  and int64 extremes are the nearest float64 (exact up to 2**53).
- Mixed dtypes: float32 only if every array is float32 or float16; any
  float64 or integer array makes the whole call float64, and every array
  is converted before the first operation, so the result is as accurate as
  an all-float64 call (a float32 product of two float32 arrays is never
  added into a float64 result).

Refused with a TypeError that names the argument:
- anything that is not a numpy array (lists, tuples, Python numbers) in the
  cells, passes, loss and optimizers. The three activations of rnn_utils are
  the exception: they are mathematical functions and take anything
  np.asarray turns into real numbers (lists, Python numbers), all three alike.
- bool (True is not a number of the model), complex (the models are real;
  a complex input would silently drop or mix imaginary parts), object,
  strings, dates, and float96/float128 (long double: it would be computed
  in float64, silently losing the precision it was chosen for).
- masked arrays (np.ma): NumPy's products ignore the mask and use the hidden
  values underneath; fill them first (x.filled(0)) to say what they mean.
- np.matrix: `*` is a matrix product for it, so the element-wise gates of
  the LSTM and GRU would silently become matrix products whenever n_a == m.
  Pass np.asarray(x).

Zero-size dimensions are a ValueError naming the letter ("m = 0"): every
dimension n_x, n_a, n_y, m and T_x must be at least 1. An RNN with no
hidden units, a softmax over no classes, a loss averaged over no examples
have no meaning, and refusing them early is clearer than a 0 / 0 later. The
element-wise activations return an empty array for an empty input; softmax
refuses zero classes.

Results are new arrays: no function writes into its arguments.

New code: call check_array on every array argument, check_shape on its
shape, result_dtype on all of them and cast before computing; or use a
helper that does (ForwardPropagation.check_sequence + cast for a pass over
a sequence, check_cache for a cache, Optimizers' check_step for an update).
"""
import contextvars
from collections.abc import Mapping

import numpy as np

_COMPUTED = (np.dtype(np.float32), np.dtype(np.float64))

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



def _refusal(name, value):
    """The reason `value` is refused by the policy above, or None if it is accepted."""
    if isinstance(value, np.matrix):
        return "must not be an np.matrix (its * is a matrix product); pass np.asarray(...) of it"
    if isinstance(value, np.ma.MaskedArray):
        return ("must not be a masked array (the computation would use the hidden values and drop the "
                "mask); pass x.filled(value) to say what the masked entries are")
    dtype = value.dtype
    if dtype.kind == "b":
        return f"must hold numbers, not booleans (dtype {dtype}); convert with .astype(float) if you mean 0 and 1"
    if dtype.kind == "c":
        return f"must hold real numbers, got dtype {dtype} (complex)"
    if dtype.kind == "f" and dtype.itemsize > 8:
        return f"must be float64 or narrower, got dtype {dtype} (it would be computed in float64)"
    if dtype.kind not in "iuf":
        return f"must hold real numbers, got dtype {dtype}"
    return None


def check_array(name, value, ndim=None):
    """Check that `value` is a numpy array the policy accepts, with `ndim` dimensions.

    Arguments:
    name -- the argument's name, used in the error message
    value -- the object to check
    ndim -- the number of dimensions it must have (None: any)

    Raises TypeError for anything but a numpy array of integers or floats
    (see the policy above: bool, complex, object, long double, masked arrays
    and np.matrix are refused), ValueError for the wrong number of dimensions.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(value).__name__}")
    if type(value) is not np.ndarray or value.dtype not in _COMPUTED:    # the common case needs no more
        reason = _refusal(name, value)
        if reason:
            raise TypeError(f"{name} {reason}")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {value.shape}")


def as_real_array(name, value):
    """The activations' version of check_array: any array-like of real numbers, as an array to compute with.

    Arguments:
    name -- the argument's name, used in the error message
    value -- a numpy array, a list, or a number

    Returns:
    a float32 or float64 numpy array (integers become float64, float16
    becomes float32, as in the policy above); `value` itself when it is
    already one. Raises TypeError as check_array does.
    """
    if type(value) is np.ndarray and value.dtype in _COMPUTED:     # the common case, checked quickly
        return value
    if not isinstance(value, np.ndarray):
        try:
            value = np.asarray(value)
        except (ValueError, TypeError) as error:                    # ragged lists and the like
            raise TypeError(f"{name} must be an array of real numbers ({error})")
    reason = _refusal(name, value)
    if reason:
        raise TypeError(f"{name} {reason}")
    return value.astype(result_dtype(value), copy=False)


def check_shape(name, value, spec, dims):
    """Check the shape of an array against a spec written in dimension letters.

    Arguments:
    name -- the argument's name, used in the error message
    value -- numpy array, already checked with check_array
    spec -- tuple of dimension letters or integers, e.g. ("n_a", 1)
    dims -- dict from dimension letter to its size, e.g. {"n_a": 5}

    Raises ValueError such as
    "ba: expected shape (n_a, 1) = (5, 1), got (5,)", and
    "m = 0 (a0 would have shape (n_a, m) = (5, 0)): ..." for a zero-size dimension.
    """
    expected = tuple([dims.get(d, d) for d in spec])   # letters looked up, integers kept
    if value.shape == expected and 0 not in expected:
        return                                         # the messages below are only built when needed
    letters = "(" + ", ".join(str(d) for d in spec) + ("," if len(spec) == 1 else "") + ")"
    check_dims(dict(zip(spec, expected)), f"{name} would have shape {letters} = {expected}")
    raise ValueError(f"{name}: expected shape {letters} = {expected}, got {value.shape}")


def check_dims(dims, source):
    """ValueError naming the first dimension of size 0 (the policy above: every one must be at least 1).

    Arguments:
    dims -- dict from dimension letter to size, e.g. {"n_x": 3, "m": 0}
    source -- where the sizes come from, for the message, e.g. "the shape of x"
    """
    for letter, size in dims.items():
        if size == 0:
            raise ValueError(f"{letter} = 0 ({source}): every dimension (n_x, n_a, n_y, m, T_x) "
                             f"must be at least 1")


def agreed_size(sources):
    """The size of one dimension, as most of the arrays that hold it say.

    Arguments:
    sources -- list of sizes, one per place an array holds the dimension,
               the most trusted first (it wins a tie)

    Reading n_a from one array only (say Wy) blames every other array when
    that one is wrong; with a vote, the odd one out is the one named.
    """
    return max(sources, key=sources.count)             # the first of the most frequent


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


def check_not_forward_output(cache, produced_by, name="cache"):
    """TypeError if `cache` is everything a forward function returned instead of only its cache.

    Every forward returns its outputs (arrays) first and its cache last, and
    no cache starts with an array and ends with a tuple, so such a tuple is
    the whole output: a, y_pred, cache = ... was meant.
    """
    if isinstance(cache, tuple) and len(cache) >= 2 and isinstance(cache[0], np.ndarray) \
            and isinstance(cache[-1], tuple):
        raise TypeError(f"{name}: this is everything {produced_by} returned; pass only its last item, "
                        f"the cache (a, ..., {name} = {produced_by}(...))")


def check_cache(cache, length, produced_by, input_index=None, keys=()):
    """Check that `cache` is a cell's cache tuple of `length` items; give its first item, a_next.

    Arguments:
    cache -- what the caller passed as a cache
    length -- how many items the cell's cache has
    produced_by -- the name of the forward function that makes it, for the message
    input_index -- position of xt in the cache; every other array in it is a
                   state or gate of the shape of a_next (n_a, m), and xt has
                   the same m. None checks a_next only.
    keys -- parameter names the backward reads from the cache's last item,
            the parameters dict (checked to be there and to be arrays)
    """
    check_not_forward_output(cache, produced_by)
    if not isinstance(cache, tuple) or len(cache) != length:
        raise TypeError(f"cache must be the tuple of {length} items returned by {produced_by}")
    check_array("a_next in the cache", cache[0], 2)
    if input_index is not None:
        a_next = cache[0]
        for position, item in enumerate(cache[1:-1], start=1):      # the last item is the parameters
            name = "xt in the cache" if position == input_index else f"item {position} of the cache"
            check_array(name, item, 2)
            if item.shape[1] != a_next.shape[1] or (position != input_index and item.shape != a_next.shape):
                raise ValueError(f"{name} has shape {item.shape} but a_next {a_next.shape}: the cache "
                                 f"mixes arrays of different calls of {produced_by}")
    if keys:
        check_parameters(cache[-1], keys)
        for key in keys:
            check_array(f"{key} in the cache", cache[-1][key], 2)
    return cache[0]


def result_dtype(*arrays):
    """The floating dtype the computation runs in (the policy above).

    float32 if every array is float32 or float16; float64 as soon as one is
    float64 or an integer.
    """
    for array in arrays:
        if array.dtype.kind != "f" or array.dtype.itemsize > 4:
            return np.dtype(np.float64)
    return np.dtype(np.float32)


def cast(dtype, value, _converted=None):
    """`value` with every numpy array in it converted to `dtype`, without copying what already is.

    Arguments:
    dtype -- the computation's dtype (from result_dtype)
    value -- an array, or a dict / tuple / list of them (parameters, caches)

    Returns the same object when nothing needs converting (so a cache still
    holds the very parameters dict it was given), else a new one of the same
    kind; the arguments are never modified. An object met several times (the
    parameters dict that every cell cache of a sequence shares) is converted
    once, and stays shared.
    """
    if isinstance(value, np.ndarray):
        return value if value.dtype == dtype else value.astype(dtype)
    if not isinstance(value, (Mapping, tuple, list)):
        return value
    for item in (value.values() if isinstance(value, Mapping) else value):
        if type(item) is not np.ndarray or item.dtype != dtype:
            break
    else:
        return value                        # the common case: nothing to convert, nothing to walk
    _converted = {} if _converted is None else _converted
    if id(value) not in _converted:
        if isinstance(value, Mapping):
            new = {key: cast(dtype, item, _converted) for key, item in value.items()}
            same = all(new[key] is value[key] for key in value)
        else:
            new = [cast(dtype, item, _converted) for item in value]
            same = all(a is b for a, b in zip(new, value))
            new = new if isinstance(value, list) else tuple(new)
        _converted[id(value)] = value if same else new
    return _converted[id(value)]


def gate_keys(gates):
    """The parameter names of a gated cell: W and b of every gate, then Wy, by."""
    return [k for g in gates for k in ("W" + g, "b" + g)] + ["Wy", "by"]


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
    keys = gate_keys(gates) if output_layer else gate_keys(gates)[:-2]
    check_parameters(parameters, keys)
    for key in keys:
        check_array(key, parameters[key], 2)
    p = parameters
    # n_a is held by every gate (rows of Wg and bg, columns of Wg less n_x) and by Wy's columns:
    # the size most of them agree on wins, so the one array that disagrees is the one named
    n_a = agreed_size([size for g in gates for size in (p["W" + g].shape[0], p["b" + g].shape[0],
                                                        p["W" + g].shape[1] - n_x)]
                      + ([p["Wy"].shape[1]] if output_layer else []))
    dims = {"n_x": n_x, "n_a": n_a}
    if output_layer:
        dims["n_y"] = agreed_size([p["Wy"].shape[0], p["by"].shape[0]])
    dims["n_a + n_x"] = dims["n_a"] + n_x
    for g in gates:
        check_shape("W" + g, parameters["W" + g], ("n_a", "n_a + n_x"), dims)
        check_shape("b" + g, parameters["b" + g], ("n_a", 1), dims)
    if output_layer:
        check_shape("Wy", parameters["Wy"], ("n_y", "n_a"), dims)
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
    n_a -- its number of hidden units

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
    p = parameters                          # n_a: what most of the arrays holding it say (see agreed_size)
    dims = {"n_x": n_x, "n_a": agreed_size([p["Waa"].shape[0], p["Waa"].shape[1], p["Wax"].shape[0],
                                            p["ba"].shape[0]])}
    check_shape(f"{name}['Waa']", parameters["Waa"], ("n_a", "n_a"), dims)
    check_shape(f"{name}['Wax']", parameters["Wax"], ("n_a", "n_x"), dims)
    check_shape(f"{name}['ba']", parameters["ba"], ("n_a", 1), dims)
    return dims["n_a"]
