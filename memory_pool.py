"""Recycle the memory of big arrays instead of asking the OS for new pages each call.

A helper of VectorizedRNN.py (the chapter "Running faster", docs/running-faster.md).

Why. When NumPy frees an array of more than 32 MiB, the C library (glibc)
hands its pages straight back to the operating system, and the next array
of that size gets brand-new pages, which the kernel must find, zero and map
before the first write. On the virtual machines this project was measured
on, one fresh 50 MB array took from 5 ms to 40 ms of kernel time, changing
from one call to the next (benchmarks/bench_rnn.py prints it as "kernel
time"). At the large benchmark size in float64 the vectorized passes use two
such buffers on every call, and three of 26 MB whose pages the C library
also often gives back, so they paid this toll again and again, up to 250 ms
in a 500 ms call, for memory they had just returned. Blocks of a few
megabytes fare no better: glibc also trims the free memory at the top of its
heap. At the medium size (buffers of 1.6 to 3.3 MB) one call of the two
passes took about 2,500 page faults and 5 ms of kernel time out of 11.

What. empty(shape, dtype) works like np.empty for a C-ordered array of
numbers. Below MIN_BYTES (128 KiB, glibc's initial threshold for fresh
pages, which grows up to 32 MiB) it *is* np.empty: the C library reuses
blocks that small. At or above it, the array's memory comes from a buffer
that an earlier array of exactly the same size no longer uses, if there is
one. A buffer goes back to the pool only when no array made from it is
alive any more (not the array, not a view, not a cache holding it), so an
array you keep is never handed out again and never changes behind your
back. (Code that keeps only a raw address, such as arr.ctypes.data, without
keeping the array, was already unsafe; with the pool it would touch another
live array rather than freed memory.)

Cost. Up to MAX_IDLE_BYTES of idle memory stay with the process between
calls; if keeping one more buffer would go over that, the pool lets go of
all it holds and starts again. release() gives all idle memory back.
"""
import math
import numbers
import threading

import numpy as np

MIN_BYTES = 1 << 17           # 128 KiB: smaller arrays are plain np.empty
MAX_IDLE_BYTES = 1 << 29      # 512 MiB of idle buffers at most

_idle = {}                    # size in bytes -> list of idle buffers (1-D uint8 arrays)
_idle_bytes = 0
_lock = threading.RLock()     # re-entrant: a buffer can come back while the lock is held,
                              # if the garbage collector runs in the middle of a call


class _Loan:
    """Owns one buffer while any array made from it is alive; then returns it to the pool.

    np.asarray(loan) builds an array on the buffer through __array_interface__,
    and that array (and every view of it) keeps the loan alive as its base.
    """

    def __init__(self, buffer):
        self.buffer = buffer
        self.__array_interface__ = buffer.__array_interface__

    def __del__(self):
        _give_back(self.buffer)


def _give_back(buffer):
    global _idle_bytes
    if buffer.nbytes > MAX_IDLE_BYTES:
        return                # bigger than the cap on its own: not kept
    with _lock:
        if _idle_bytes + buffer.nbytes > MAX_IDLE_BYTES:
            _idle.clear()     # full: drop what is idle (often sizes no longer asked for)
            _idle_bytes = 0
        _idle.setdefault(buffer.nbytes, []).append(buffer)
        _idle_bytes += buffer.nbytes


def _take(nbytes):
    global _idle_bytes
    with _lock:
        buffers = _idle.get(nbytes)
        if not buffers:
            return None
        _idle_bytes -= nbytes
        return buffers.pop()


def empty(shape, dtype):
    """An uninitialized C-ordered array, like np.empty(shape, dtype).

    Arguments:
    shape -- int or tuple of ints
    dtype -- the element type (object dtypes get a plain np.empty)

    Returns:
    an array of that shape and dtype whose contents are arbitrary; from
    MIN_BYTES up, its memory is recycled (see the module docstring)
    """
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < MIN_BYTES or dtype.hasobject or dtype.subdtype is not None:
        return np.empty(shape, dtype)
    buffer = _take(nbytes)
    if buffer is None:
        buffer = np.empty(nbytes, np.uint8)
    return np.asarray(_Loan(buffer)).view(dtype).reshape(shape)


def idle_bytes():
    """How many bytes of idle buffers the pool holds right now."""
    return _idle_bytes


def release():
    """Drop every idle buffer, so that its memory can go back to the OS."""
    global _idle_bytes
    with _lock:
        _idle.clear()
        _idle_bytes = 0
