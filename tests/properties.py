"""What the property tests (tests/test_properties*.py) share: arrays drawn in every form, and the promise.

The promise of every public function (validation.py's input policy): for any
arguments it either
- returns what it returns for the same numbers as contiguous arrays of the
  computation's dtype (float64, or float32 when every float array is float32
  or float16), in that dtype; or
- raises TypeError, ValueError or KeyError whose message names an argument
  the caller passed (or the key inside it that is wrong);
and it never changes its arguments.

Hypothesis draws the choices (sizes, dtypes, layouts, which values are
special, which argument is broken and how); the numbers themselves come from
a numpy generator seeded by a drawn seed, which is far faster than drawing
every entry and still reproducible.
"""
import math
import os
import re

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, settings, strategies as st  # noqa: E402

# No example database (nothing written into the repository), no deadline (the machine's speed decides
# nothing). The suite draws the same examples on every run (derandomize), so that a run passes or fails
# for the code and not for the luck of the draw; to hunt for new failures, draw fresh ones, many:
#     PROPERTY_EXPLORE=500 python -m pytest tests/test_properties*.py
EXPLORE = int(os.environ.get("PROPERTY_EXPLORE", "0") or 0)
PROPERTY_SETTINGS = settings(max_examples=EXPLORE or 60, deadline=None, database=None, derandomize=not EXPLORE,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                    HealthCheck.function_scoped_fixture])

ACCEPTED = [np.float64, np.float32, np.float16, np.int8, np.int32, np.int64, np.uint8, np.uint64]
REFUSED = [np.bool_, np.complex128, object, np.longdouble, "datetime64[s]", "U3"]
LAYOUTS = ["C", "F", "strided", "reversed", "read-only"]
SPECIALS = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e300, -1e300, 1e-310, -7.0, 40.0]


def laid_out(values, layout):
    """The same numbers in another memory layout (Fortran order, every other entry, negative strides, read-only)."""
    if values.ndim == 0 or layout == "C":
        return values
    if layout == "F":
        return np.asfortranarray(values)
    if layout == "strided":
        wide = np.zeros(values.shape[:-1] + (2 * values.shape[-1],), dtype=values.dtype)
        wide[..., ::2] = values
        return wide[..., ::2]
    if layout == "reversed":
        return values[..., ::-1].copy()[..., ::-1]
    frozen = values.copy()
    frozen.flags.writeable = False
    return frozen


def numbers(rng, shape, dtype, special):
    """Random numbers of `dtype` (standard normal for floats, small integers), some `special` ones mixed in."""
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        return rng.integers(0, 4, size=shape).astype(dtype)
    if dtype.kind == "i":
        return rng.integers(-3, 4, size=shape).astype(dtype)
    values = rng.standard_normal(shape)
    if special:
        mask = rng.random(shape) < 0.3
        values[mask] = rng.choice(SPECIALS, size=int(mask.sum()))
    with np.errstate(over="ignore"):
        return values.astype(dtype)


def refused_array(rng, shape, dtype):
    """An array of a dtype the input policy refuses, of the right shape."""
    dtype = np.dtype(dtype)
    if dtype.kind == "M":
        return np.zeros(shape, dtype=dtype)
    if dtype.kind == "U":
        return np.full(shape, "abc", dtype=dtype)
    return rng.standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------- nested arguments

def leaves(tree, path=()):
    """(path, array) of every numpy array in nested dicts, lists and tuples."""
    if isinstance(tree, np.ndarray):
        yield path, tree
    elif isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, path + (key,))
    elif isinstance(tree, (list, tuple)):
        for i, value in enumerate(tree):
            yield from leaves(value, path + (i,))


def replaced(tree, path, new):
    """A copy of the nesting of `tree` with the leaf at `path` replaced by `new` (other leaves shared)."""
    if not path:
        return new
    if isinstance(tree, dict):
        return {key: replaced(value, path[1:], new) if key == path[0] else value for key, value in tree.items()}
    items = [replaced(value, path[1:], new) if i == path[0] else value for i, value in enumerate(tree)]
    return tuple(items) if isinstance(tree, tuple) else items


def mapped(tree, function):
    """The same nesting with function(path, array) at every leaf."""
    for path, array in list(leaves(tree)):
        tree = replaced(tree, path, function(path, array))
    return tree


def fingerprint(tree):
    """Everything about the arrays in `tree` that a function must not change: bytes, dtype, shape."""
    return [(path, array.dtype.str, array.shape, array.tobytes()) for path, array in leaves(tree)]


# ---------------------------------------------------------------- the promise

def computation_dtype(arrays):
    """float32 if every float array is float32 or float16 (and there are no integers), else float64."""
    if not arrays:
        return np.dtype(np.float64)
    for array in arrays:
        if array.dtype.kind != "f" or array.dtype.itemsize > 4:
            return np.dtype(np.float64)
    return np.dtype(np.float32)


def assert_same_result(got, expected, dtype, where="result"):
    """`got` equals the reference `expected` (NaN where it has NaN), float arrays in `dtype`."""
    if isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray), f"{where}: {type(got).__name__} instead of an array"
        assert got.shape == expected.shape, f"{where}: shape {got.shape}, reference {expected.shape}"
        if expected.dtype.kind == "f":
            assert got.dtype == dtype, f"{where}: dtype {got.dtype}, the computation's is {dtype}"
            tolerance = 1e-9 if dtype == np.float64 else 1e-4
            np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance, equal_nan=True, err_msg=where)
        else:
            np.testing.assert_array_equal(got, expected, err_msg=where)
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and set(got) == set(expected), f"{where}: keys differ"
        for key in expected:
            assert_same_result(got[key], expected[key], dtype, f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), f"{where}: length differs"
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same_result(g, e, dtype, f"{where}[{i}]")
    elif isinstance(expected, float):
        assert (math.isnan(got) and math.isnan(expected)) or math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-9), \
            f"{where}: {got} against the reference {expected}"
    else:
        assert got == expected, f"{where}: {got!r} against {expected!r}"


def names_an_argument(message, names):
    """True if `message` names one of `names` as a word (x, a0['forward'], output['by'], model ... )."""
    message = message.strip("\"'")
    return any(re.search(r"(^|[\s(\[\"'])" + re.escape(str(name)) + r"($|[\s\[\]'\":,.)])", message) for name in names)


def assert_refused_clearly(error, names):
    assert isinstance(error, (TypeError, ValueError, KeyError)), f"{type(error).__name__}: {error}"
    message = str(error)
    assert names_an_argument(message, names), f"the message names none of {sorted(map(str, names))}: {message}"
    assert "\n" not in message.strip(), f"a message of several lines: {message}"


def check_promise(call, arguments, broken, label_paths=()):
    """Call `call(**arguments)` and check the promise; `broken` says whether an argument was broken on purpose.

    arguments -- dict from argument name to its value (arrays, possibly nested)
    broken -- None if every argument is valid, else the names an error may give
    label_paths -- paths of integer label arrays (they keep their dtype in the reference)
    """
    before = fingerprint(arguments)
    try:
        with np.errstate(all="ignore"):
            got = call(**arguments)
    except (TypeError, ValueError, KeyError) as error:
        assert broken is not None, f"valid arguments refused: {type(error).__name__}: {error}"
        assert_refused_clearly(error, broken)
        got = None
    assert fingerprint(arguments) == before, "an argument was changed"
    if got is None:
        return
    assert broken is None, "a broken argument was accepted"
    floats = [array for path, array in leaves(arguments) if path not in label_paths]
    dtype = computation_dtype(floats)
    reference_arguments = mapped(arguments, lambda path, array: np.ascontiguousarray(
        array if path in label_paths else array.astype(dtype)))
    with np.errstate(all="ignore"):
        expected = call(**reference_arguments)
    assert_same_result(got, expected, dtype)


# ---------------------------------------------------------------- drawing arguments in every form

@st.composite
def forms(draw, arguments, label_paths=(), breakable=True, follows=(), free=()):
    """Draw one way to present `arguments` (float64, contiguous): dtypes, layouts, special values, one break.

    free -- (path, axis) of sizes the function does not fix (ManyToOne's T_x): one longer is no break
    follows -- paths of arrays that always take the main dtype (the upstream gradient of a backward
               called after its forward: a dtype of its own would be another call's policy)

    Returns (arguments as the call gets them, None or the names an error may give).
    """
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    special = draw(st.booleans())
    float_dtype = draw(st.sampled_from([np.float64, np.float64, np.float32] + ACCEPTED))
    paths = [path for path, _ in leaves(arguments)]
    # every float array in the same dtype, or one array in another (mixed dtypes)
    odd_one = draw(st.sampled_from([None] + [path for path in paths if path not in follows]))
    odd_dtype = draw(st.sampled_from(ACCEPTED))

    def present(path, array):
        if path in label_paths:
            values = array
        else:
            dtype = odd_dtype if path == odd_one else float_dtype
            values = numbers(rng, array.shape, dtype, special)
        return laid_out(values, draw(st.sampled_from(LAYOUTS)))

    arguments = mapped(arguments, present)
    if not breakable or not draw(st.booleans()):
        return arguments, None
    path = draw(st.sampled_from(paths))
    array = dict(leaves(arguments))[path]
    how = draw(st.sampled_from(["dtype", "list", "extra axis", "one axis fewer", "one longer", "size 0"]))
    names = set(path)
    if how == "dtype":
        bad = refused_array(rng, array.shape, draw(st.sampled_from(REFUSED)))
        if path in label_paths:
            bad = array.astype(float)
    elif how == "list":
        bad = array.tolist()
    elif how == "extra axis":
        bad = array[..., None]
    elif how == "one axis fewer":
        if array.ndim == 0:
            return arguments, None
        bad = array[..., 0]
    else:
        if array.ndim == 0:
            return arguments, None
        axis = draw(st.integers(0, array.ndim - 1))
        if how == "one longer" and (path, axis) in free:
            return arguments, None
        shape = list(array.shape)
        shape[axis] = 0 if how == "size 0" else shape[axis] + 1
        bad = np.zeros(shape, dtype=array.dtype)
    names |= {"n_x", "n_a", "n_y", "m", "T_x", "n_af", "n_ab", "n_a[l]"} if how == "size 0" else set()
    return replaced(arguments, path, bad), names | set(arguments)
