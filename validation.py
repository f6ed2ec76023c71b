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
helper that does. The tutorial's functions each open with one line that
returns their arguments checked and converted (checked_cell_arguments,
checked_cell_gradients, checked_sequence_arguments, checked_sequence_gradients,
checked_vectorized_gradients, below), so that the maths comes first; check_cache
checks a cache, Optimizers' check_step an update.
"""
import contextvars
from collections.abc import Mapping
from functools import lru_cache, partial

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


RNN_PARAMETER_KEYS = ("Wax", "Waa", "Wya", "ba", "by")      # the RNN's parameters (RNN_UNIT_CELL.py)
RNN_STATE_KEYS = ("Wax", "Waa", "ba")      # what its hidden states need: no output layer
STATE_NAMES = ("a_prev", "c_prev")         # a cell's states, in the order its forward takes them


def check_rnn_parameters(parameters, n_x, output_layer=True):
    """Check the RNN's parameters dict and return its dimensions.

    Arguments:
    parameters -- python dictionary with Wax (n_a, n_x), Waa (n_a, n_a),
                  Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1)
    n_x -- number of input features, read from the input
    output_layer -- False to check only what the hidden states need
                    (Wax, Waa, ba; RNN_STATE_KEYS): Wya and by may be absent

    Returns:
    dims -- dict with the sizes "n_x", "n_a" and, with the output layer, "n_y"

    Raises TypeError, KeyError or ValueError (see the policy above).
    """
    keys = RNN_PARAMETER_KEYS if output_layer else RNN_STATE_KEYS
    check_parameters(parameters, keys)
    for key in keys:
        check_array(key, parameters[key], 2)
    # n_a and n_y are what most of the arrays holding them say (Waa's rows first), so
    # the one array that disagrees is the one named; n_x comes from the input.
    p = parameters
    n_a_sources = [p["Waa"].shape[0], p["Waa"].shape[1], p["Wax"].shape[0], p["ba"].shape[0]]
    dims = {"n_x": n_x, "n_a": agreed_size(n_a_sources + ([p["Wya"].shape[1]] if output_layer else []))}
    check_shape("Waa", parameters["Waa"], ("n_a", "n_a"), dims)
    check_shape("Wax", parameters["Wax"], ("n_a", "n_x"), dims)
    check_shape("ba", parameters["ba"], ("n_a", 1), dims)
    if output_layer:
        dims["n_y"] = agreed_size([p["Wya"].shape[0], p["by"].shape[0]])
        check_shape("Wya", parameters["Wya"], ("n_y", "n_a"), dims)
        check_shape("by", parameters["by"], ("n_y", 1), dims)
    return dims


@lru_cache(maxsize=None)
def parameter_check(gates, output_layer=True):
    """The parameters check of a model and the names of its parameters.

    Arguments:
    gates -- the gate letters of a gated model ("fico" for the LSTM, "ruc" for
             the GRU), None for the RNN
    output_layer -- False for what the hidden states need only

    Returns:
    check -- function(parameters, n_x) -> dims (check_rnn_parameters or check_gated_parameters)
    keys -- the names of the parameters it checks
    """
    if gates is None:
        keys = RNN_PARAMETER_KEYS if output_layer else RNN_STATE_KEYS
        return partial(check_rnn_parameters, output_layer=output_layer), keys
    keys = tuple(gate_keys(gates) if output_layer else gate_keys(gates)[:-2])
    return partial(check_gated_parameters, gates=gates, output_layer=output_layer), keys


# ---------------------------------------------------------------------------
# The one line at the top of each tutorial function: its arguments, checked
# and converted to the dtype it computes in.
# ---------------------------------------------------------------------------

def checked_cell_arguments(xt, *arguments, gates=None):
    """A cell forward's arguments, checked (the policy above) and converted to one dtype.

    Arguments:
    xt -- input at time step t, must be (n_x, m)
    arguments -- the cell's states, each (n_a, m) (a_prev; for the LSTM a_prev
                 and c_prev), then its parameters dict
    gates -- the gate letters of a gated cell (LSTM_GATES, GRU_GATES), None for the RNN

    Returns:
    the tuple (xt, *states, parameters), every array in it in the computation's
    dtype. Inside a pass (arguments_checked()) the arguments come back as they
    are: the pass has checked and converted the whole sequence once.
    """
    if not checks_wanted():
        return (xt, *arguments)
    *states, parameters = arguments
    check_array("xt", xt, 2)
    for name, state in zip(STATE_NAMES, states):
        check_array(name, state, 2)
    n_x, m = xt.shape
    check_dims({"n_x": n_x, "m": m}, f"xt has shape {xt.shape}")
    if gates is None:
        dims, keys = check_rnn_parameters(parameters, n_x=n_x), RNN_PARAMETER_KEYS
    else:
        dims, keys = check_gated_parameters(parameters, gates, n_x=n_x), gate_keys(gates)
    dims["m"] = m
    for name, state in zip(STATE_NAMES, states):
        check_shape(name, state, ("n_a", "m"), dims)
    dtype = result_dtype(xt, *states, *(parameters[key] for key in keys))
    return cast(dtype, (xt, *states, parameters))


def checked_cell_gradients(*arguments, check_cell_cache):
    """A cell backward's arguments, checked and converted to one dtype.

    Arguments:
    arguments -- the upstream gradients, each (n_a, m) (da_next; for the LSTM
                 da_next and dc_next), then the cache of the cell's forward
    check_cell_cache -- the cell's cache check (e.g. check_rnn_cell_cache), which gives a_next

    Returns:
    the tuple (*gradients, cache), every array in it in the computation's
    dtype; as they are inside a pass (arguments_checked()).
    """
    if not checks_wanted():
        return arguments
    *gradients, cache = arguments
    a_next = check_cell_cache(cache)
    dims = {"n_a": a_next.shape[0], "m": a_next.shape[1]}
    for name, gradient in zip(("da_next", "dc_next"), gradients):
        check_array(name, gradient, 2)
        check_shape(name, gradient, ("n_a", "m"), dims)
    weights = (value for value in cache[-1].values() if isinstance(value, np.ndarray))
    dtype = result_dtype(*gradients, *cache[:-1], *weights)
    return cast(dtype, (*gradients, cache))


def check_sequence(x, a0, parameters, check_cell_parameters, keys):
    """Check the arguments of a forward pass over a sequence, once for every step.

    Arguments:
    x -- inputs, must be (n_x, m, T_x) with T_x >= 1
    a0 -- initial hidden state, must be (n_a, m)
    parameters -- the cell's parameters dict
    check_cell_parameters -- function(parameters, n_x) -> dims, e.g. check_rnn_parameters
    keys -- the parameter names, for the dtype

    Returns:
    dims -- dict of the sizes n_x, n_a, n_y, m
    dtype -- the dtype to compute in (see result_dtype); the caller
             converts its arguments with cast(dtype, ...) before computing
    """
    check_array("x", x, 3)
    check_array("a0", a0, 2)
    n_x, m, T_x = x.shape
    if T_x == 0:
        raise ValueError("x has T_x = 0 time steps: a sequence needs at least one")
    check_dims({"n_x": n_x, "m": m}, f"x has shape {x.shape}")
    dims = check_cell_parameters(parameters, n_x=n_x)
    dims["m"] = m
    check_shape("a0", a0, ("n_a", "m"), dims)
    return dims, result_dtype(x, a0, *(parameters[key] for key in keys))


def checked_sequence_arguments(x, a0, parameters, gates=None, output_layer=True):
    """A forward pass's arguments, checked once for every step and converted to one dtype.

    Arguments:
    x -- inputs, must be (n_x, m, T_x) with T_x >= 1
    a0 -- initial hidden state, must be (n_a, m)
    parameters -- the model's parameters dict
    gates -- the gate letters of a gated model (LSTM_GATES, GRU_GATES), None for the RNN
    output_layer -- False for a pass that computes the hidden states only: the
                    output layer's parameters may be absent, and the dict
                    returned holds only what the states need

    Returns:
    x, a0, parameters -- in the computation's dtype (the same objects when they already are)
    """
    check_model_parameters, keys = parameter_check(gates, output_layer)
    dtype = check_sequence(x, a0, parameters, check_model_parameters, keys)[1]
    if not output_layer:
        parameters = {key: parameters[key] for key in keys}
    return cast(dtype, (x, a0, parameters))


def check_sequence_caches(caches, check_cell_cache, produced_by):
    """Check that `caches` is what a forward pass over a sequence returned; give (cell caches, x).

    Arguments:
    caches -- what the caller passed: must be (list of T_x cell caches, x)
    check_cell_cache -- the cell's cache check, e.g. check_rnn_cell_cache
    produced_by -- the forward's name, for the messages

    The first cell cache is checked whole; every one must be a cell cache
    whose a_next has the shape (n_a, m) of the first and the m of x, which
    catches caches put together from calls on different batches.
    """
    check_not_forward_output(caches, produced_by, name="caches")
    if not isinstance(caches, tuple) or len(caches) != 2 or not isinstance(caches[0], list):
        raise TypeError(f"caches must be the tuple (list of cell caches, x) returned by {produced_by}")
    cell_caches, x = caches
    check_array("x in caches", x, 3)
    if len(cell_caches) != x.shape[2] or not cell_caches:
        raise ValueError(f"caches holds {len(cell_caches)} cell caches for an x of "
                         f"{x.shape[2]} time steps; pass the caches returned by {produced_by}")
    a1 = check_cell_cache(cell_caches[0])
    expected = (a1.shape[0], x.shape[1])
    length = len(cell_caches[0])
    wrong = next((t for t, cell_cache in enumerate(cell_caches)
                  if type(cell_cache) is not tuple or len(cell_cache) != length
                  or getattr(cell_cache[0], "shape", None) != expected), None)
    if wrong is not None:
        t, cell_cache = wrong, cell_caches[wrong]
        a_next = cell_cache[0] if isinstance(cell_cache, tuple) and cell_cache else None
        got = a_next.shape if isinstance(a_next, np.ndarray) else type(cell_cache).__name__
        raise ValueError(f"caches: the cell cache of step {t} has a_next {got}, expected (n_a, m) = {expected} "
                         f"(from the first step and x in caches): caches of different calls of {produced_by}")
    return cell_caches, x


def checked_sequence_gradients(da, caches, check_cell_cache, produced_by):
    """A backward pass's arguments, checked and converted to one dtype.

    Arguments:
    da -- upstream gradient of every hidden state, must be (n_a, m, T_x)
    caches -- must be the (list of cell caches, x) returned by `produced_by`
    check_cell_cache -- the cell's cache check, e.g. check_rnn_cell_cache
    produced_by -- the forward's name, for the messages

    Returns:
    da, caches -- in the computation's dtype: a float64 da on a float32
                  forward computes every step in float64 (the policy above)
    """
    cell_caches, x = check_sequence_caches(caches, check_cell_cache, produced_by)
    a1 = cell_caches[0][0]
    n_x, m, T_x = x.shape
    check_array("da", da, 3)
    check_shape("da", da, ("n_a", "m", "T_x"), {"n_a": a1.shape[0], "m": m, "T_x": T_x})
    weights = (value for value in cell_caches[0][-1].values() if isinstance(value, np.ndarray))
    dtype = result_dtype(da, a1, x, *weights)
    if dtype != a1.dtype:
        caches = cast(dtype, caches)
    return cast(dtype, da), caches


def check_vectorized_cache(cache, buffers=("X", "S"), produced_by="rnn_forward_vectorized or rnn_states_vectorized",
                           weights=(("Wax", ("n_a", "n_x")), ("Waa", ("n_a", "n_a"))), shapes=None):
    """Check a cache of the vectorized passes; give (its buffers..., parameters, sizes).

    Arguments:
    cache -- what the caller passed: the buffers, X and S first, then the parameters dict
    buffers -- the names of the arrays before the parameters, e.g. ("X", "S") for the RNN
    produced_by -- the forwards that make it, for the messages
    weights -- (key, shape spec) of every weight the backward reads from the parameters
    shapes -- dict from the name of every buffer after X and S to its shape spec,
              in dimension letters and "T_x * m", "(T_x + 1) * m"

    X (n_x + 1, T_x * m) has T_x * m columns and S ((T_x + 1) * m, n_a)
    (T_x + 1) * m rows, so S has m more rows than X has columns: that is how
    m is read back, and why an X and an S of two different calls (or an m of 0)
    cannot pass. Every other buffer must have the shape these sizes give it
    (one comparison each): a buffer of another call is named, not broadcast.

    Returns:
    the tuple (*buffers, parameters, dims), dims with n_x, n_a, m, T_x
    """
    check_not_forward_output(cache, produced_by)
    if not isinstance(cache, tuple) or len(cache) != len(buffers) + 1:
        raise TypeError(f"cache must be the tuple ({', '.join(buffers)}, parameters) returned by {produced_by}")
    for name, buffer in zip(buffers, cache):
        check_array(f"{name} in the cache", buffer, 2 if name in ("X", "S") else None)
    X, S, p = cache[0], cache[1], cache[-1]
    check_parameters(p, tuple(key for key, _ in weights))
    m = S.shape[0] - X.shape[1]
    if m < 1 or X.shape[1] % m:
        raise ValueError(f"cache: X has {X.shape[1]} columns and S {S.shape[0]} rows, which no call of "
                         f"{produced_by} makes (S has m >= 1 rows more than X has columns, "
                         f"X has T_x * m): X and S of different calls?")
    dims = {"n_x": X.shape[0] - 1, "n_a": S.shape[1], "m": m, "T_x": X.shape[1] // m}
    dims["n_a + n_x"] = dims["n_a"] + dims["n_x"]
    dims["T_x * m"], dims["(T_x + 1) * m"] = X.shape[1], S.shape[0]
    for name, buffer in zip(buffers[2:], cache[2:-1]):
        spec = (shapes or {}).get(name)
        expected = tuple([dims.get(d, d) for d in spec]) if spec else buffer.shape
        if buffer.shape != expected:
            letters = "(" + ", ".join(str(d) for d in spec) + ")"
            raise ValueError(f"{name} in the cache: expected shape {letters} = {expected} (from X and S in "
                             f"the cache), got {buffer.shape}: the cache mixes arrays of different calls "
                             f"of {produced_by}")
    for key, spec in weights:
        check_array(f"{key} in the cache", p[key], 2)
        check_shape(f"{key} in the cache", p[key], spec, dims)
    return (*cache, dims)


def checked_vectorized_gradients(da, cache, **layout):
    """A vectorized backward's arguments, checked and converted to one dtype.

    Arguments:
    da -- upstream gradient of every hidden state, must be (n_a, m, T_x)
    cache -- must be the cache of the vectorized forward that `layout` describes
    layout -- buffers, produced_by, weights, shapes: see check_vectorized_cache

    Returns:
    da, cache -- in the computation's dtype (a float64 da on a float32 forward
                 computes in float64, as the tutorial's passes do)
    """
    *_, dims = check_vectorized_cache(cache, **layout)
    check_array("da", da, 3)
    check_shape("da", da, ("n_a", "m", "T_x"), dims)
    arrays = (da, *cache[:-1], *(cache[-1][key] for key, _ in layout["weights"]))
    dtype = result_dtype(*arrays)
    if all(array.dtype == dtype for array in arrays):
        return da, cache                   # the common case: nothing to convert
    return cast(dtype, (da, cache))


def checked_loss_arguments(y_pred, targets):
    """cross_entropy_loss's arguments, checked; y_pred in the dtype the loss computes in."""
    check_array("y_pred", y_pred, 3)
    n_y, m, T_x = y_pred.shape
    check_dims({"n_y": n_y, "m": m, "T_x": T_x}, f"y_pred has shape {y_pred.shape}")
    check_array("targets", targets, 2)
    if targets.dtype.kind not in "iu":
        raise TypeError(f"targets must be a numpy array of integer class indices, got dtype {targets.dtype}")
    check_shape("targets", targets, ("m", "T_x"), {"m": m, "T_x": T_x})
    if targets.size and (targets.min() < 0 or targets.max() >= n_y):
        raise ValueError(f"targets must lie in [0, n_y) = [0, {n_y}), got values from "
                         f"{targets.min()} to {targets.max()}")
    return cast(result_dtype(y_pred), y_pred), targets


def checked_output_layer_arguments(dz, a, Wy):
    """output_layer_backward's arguments, checked and converted to one dtype."""
    check_array("dz", dz, 3)
    check_array("a", a, 3)
    check_array("Wy", Wy, 2)
    n_y, m, T_x = dz.shape
    dims = {"n_y": n_y, "n_a": a.shape[0], "m": m, "T_x": T_x}
    check_dims(dims, f"dz has shape {dz.shape} and a {a.shape}")
    check_shape("a", a, ("n_a", "m", "T_x"), dims)
    check_shape("Wy", Wy, ("n_y", "n_a"), dims)
    return cast(result_dtype(dz, a, Wy), (dz, a, Wy))


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
