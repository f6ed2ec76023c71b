"""memory_pool.empty recycles a buffer only when no array uses it any more."""
import threading

import numpy as np
import pytest

import memory_pool


@pytest.fixture
def pool(monkeypatch):
    """The pool with every size recycled (MIN_BYTES = 0), empty before and after."""
    monkeypatch.setattr(memory_pool, "MIN_BYTES", 0)
    memory_pool.release()
    yield memory_pool
    memory_pool.release()


def address(array):
    return array.__array_interface__["data"][0]


def test_arrays_from_the_shipped_threshold_up_are_recycled():
    memory_pool.release()
    count = memory_pool.MIN_BYTES // 8
    below = memory_pool.empty(count - 1, np.float64)
    assert below.base is None and below.shape == (count - 1,)   # plain np.empty
    array = memory_pool.empty(count, np.float64)
    first_address = address(array)
    del array
    assert memory_pool.idle_bytes() == memory_pool.MIN_BYTES
    assert address(memory_pool.empty((count,), np.float64)) == first_address
    memory_pool.release()


@pytest.mark.parametrize("shape, dtype", [((3, 4, 5), np.float32), ((7, 2), np.float64), ((1,), np.float64)])
def test_arrays_are_c_ordered_writable_and_of_the_asked_shape(pool, shape, dtype):
    array = pool.empty(shape, dtype)
    assert array.shape == shape and array.dtype == dtype
    assert array.flags.c_contiguous and array.flags.writeable
    array[...] = 2.5
    assert np.all(array == 2.5)


def test_memory_comes_back_only_when_the_last_view_is_gone(pool):
    array = pool.empty((100, 50), np.float64)
    first_address = address(array)
    view = array.T[::2]                 # a view keeps the buffer on loan
    del array
    assert pool.idle_bytes() == 0
    other = pool.empty((100, 50), np.float64)
    assert not np.shares_memory(other, view)
    del view
    assert pool.idle_bytes() == 100 * 50 * 8
    reused = pool.empty((50, 100), np.float64)   # same number of bytes, another shape
    assert address(reused) == first_address and pool.idle_bytes() == 0


def test_kept_arrays_never_change(pool):
    pool.empty((64, 64), np.float64)            # dropped at once: one idle buffer of this size
    assert pool.idle_bytes() == 64 * 64 * 8
    kept = pool.empty((64, 64), np.float64)     # takes that buffer
    kept[...] = 1.0
    for value in range(20):             # allocate, write and drop arrays of the same size
        scratch = pool.empty((64, 64), np.float64)
        assert not np.shares_memory(scratch, kept)
        scratch[...] = value
        del scratch
    assert np.all(kept == 1.0)


def test_idle_memory_is_capped_and_released(pool, monkeypatch):
    monkeypatch.setattr(memory_pool, "MAX_IDLE_BYTES", 1000)
    first, second = pool.empty((75,), np.float64), pool.empty((75,), np.float64)   # 600 bytes each
    del first
    assert pool.idle_bytes() == 600
    del second                          # 1200 > 1000: the pool starts again with this one
    assert pool.idle_bytes() == 600
    too_big = pool.empty((200,), np.float64)
    del too_big                         # 1600 bytes is more than the cap on its own: not kept
    assert pool.idle_bytes() == 600     # and what was idle stays
    pool.release()
    assert pool.idle_bytes() == 0


def test_threads_never_get_the_same_buffer(pool):
    threads_count, rounds = 3, 200
    barrier = threading.Barrier(threads_count)
    held, failures = {}, []

    def work(value):
        for _ in range(rounds):
            array = pool.empty((32, 32), np.float64)
            array[...] = value
            held[value] = array
            barrier.wait()              # every thread holds its array now
            others = [other for key, other in held.items() if key != value]
            if any(np.shares_memory(array, other) for other in others) or not np.all(array == value):
                failures.append(value)
            barrier.wait()              # nobody drops an array while another thread compares
            del held[value], array

    threads = [threading.Thread(target=work, args=(float(value),)) for value in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert pool.idle_bytes() == sum(len(buffers) * size for size, buffers in memory_pool._idle.items())
