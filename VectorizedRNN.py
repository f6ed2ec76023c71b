"""The same forward and backward passes, with only the recurrence left in a loop.

rnn_forward and rnn_backward are the right way to *read* an RNN: one cell,
one step at a time. They are a slow way to *run* one, because every step
makes its own small matrix products, and a small product wastes most of
what the processor can do. Look at which work really depends on the step
before:

Forward.
    z<t> = Wax x<t> + ba  +  Waa a<t-1>        a<t> = tanh(z<t>)
    The first part does not involve a<t-1> at all. Put the T_x inputs side by
    side as the columns of one (n_x, T_x * m) matrix X and it is ONE product,
    Wax X + ba, for every step at once. Only Waa a<t-1> and the tanh must
    wait for the previous step: that short loop is all that stays sequential.
    Then the output layer of every step is again one product and one softmax:
    Y = softmax(Wya A + by), A the (n_a, T_x * m) matrix of all hidden states.
    rnn_states_vectorized stops before the output layer, for a model with a
    head of its own; rnn_forward_vectorized is the states and then the output
    layer, and rnn_backward_vectorized takes the cache of either.

Backward.
    dz<t> = (1 - a<t>^2) * (da<t> + Waa^T dz<t+1>)
    Only this carried gradient is sequential. Once every dz<t> is known, the
    parameter gradients are sums over steps of products, which are single
    products over the side-by-side matrices:
        dWax = DZ X^T        dWaa = DZ A_prev^T      dba = row sums of DZ
        dx   = Wax^T DZ      (DZ = all dz<t> side by side, A_prev = a<0..T_x-1>)

The bias rides along. X gets one more row, all ones, and ba becomes one more
column of Wax: [Wax | ba] [x ; 1] = Wax x + ba. So the input product adds the
bias for free, and in the backward pass the same trick hands back dba: the
product DZ [X ; 1]^T is [dWax | dba], because multiplying by a row of ones is
summing over the steps and examples.

Memory layout. A matrix and its transpose are the same numbers; a product can
read either without a copy (the BLAS library takes a "transposed" flag). So
each buffer is stored the way its busiest user wants it, allocated once per call:
- X (n_x + 1, T_x * m): the inputs as columns, step-major (columns
  [t*m, (t+1)*m) are step t), last row all ones. Going from x's
  (n_x, m, T_x) to this only swaps the last two axes, feature by feature:
  a cheap copy.
- S ((T_x + 1) * m, n_a): the states as ROWS, step-major, a<0> in the first
  m rows. The loop reads and writes one contiguous block of m rows per step,
  and S without its last block is A_prev^T, with no copy.
- DZ (T_x * m, n_a): the dz<t> as rows like S. da arrives as (n_a, m, T_x),
  so filling DZ is a real transpose; done one example at a time, the data
  being moved stays in the cache.
- Y (n_y, T_x * m) and dx (n_x, T_x * m): the products that make y_pred
  and dx write their results as columns, step-major, which is faster for
  them than rows.

Small functions build these layouts (inputs_as_columns, input_weights,
gradients_as_rows, softmax_output and the views rows_as_sequence,
columns_as_sequence and, for the gates, rows_by_gate); VectorizedLSTM.py
and VectorizedGRU.py use the same ones.

float32 inputs are computed in float32 from end to end (float64 would
double the memory traffic and halve the speed of the products).

Memory that comes back. Each of these five buffers (X, S, Y, DZ, dx) is
allocated once per call: megabytes at the medium benchmark size, tens of
megabytes at the large one. New memory that big costs more than it seems:
the C library gives freed blocks that big back to the operating system, and
gets brand-new pages for the next call, which the kernel must zero and map
one by one (in our runs, 5 ms of an 11 ms call at the medium size, up to
250 ms of a 500 ms call at the large size in float64). So the buffers come
from memory_pool.empty, which reuses the memory of an earlier buffer of the
same size once no array uses it any more. Below 128 KiB it is np.empty.

The results are the same as rnn_forward/rnn_backward to rounding
(tests/test_vectorized.py). The arrays returned with the tutorial's shapes,
a (n_a, m, T_x), y_pred (n_y, m, T_x), dx (n_x, m, T_x) and da0 (n_a, m), are
transposed *views* of those step-major buffers: read them like any array;
call np.ascontiguousarray on them if a library needs contiguous memory. They
never share memory with the arguments. `a` is a view of the cache's S, so
writing into `a` before the backward pass would change what it computes:
copy it first if you want to edit it.

Dimension letters as in RNN_UNIT_CELL.py: n_x inputs, n_a hidden units,
n_y classes, m examples, T_x time steps.
"""
import numpy as np

import memory_pool
from validation import check_vectorized_cache, checked_sequence_arguments, checked_vectorized_gradients  # noqa: F401


# ---------------------------------------------------------------- the layouts (shared with VectorizedLSTM/GRU.py)

def inputs_as_columns(x, dtype):
    """The inputs of every step side by side as columns, step-major, with a row of ones under them.

    Arguments:
    x -- inputs, shape (n_x, m, T_x)
    dtype -- the dtype to compute in

    Returns:
    X -- shape (n_x + 1, T_x * m): column t*m + i is x<t> of example i, and
         the last row is all ones (it carries the bias; see the docstring above)
    """
    n_x, m, T_x = x.shape
    X = memory_pool.empty((n_x + 1, T_x, m), dtype)
    X[:n_x] = x.transpose(0, 2, 1)     # (n_x, m, T_x) -> (n_x, T_x, m): a swap inside each feature's row
    X[n_x] = 1
    return X.reshape(n_x + 1, T_x * m)


def input_weights(weights, biases, dtype):
    """[W | b]^T for one product with inputs_as_columns: X^T [W | b]^T = (W x + b)^T of every step.

    Arguments:
    weights -- list of the input weights of each gate (or the one of the RNN), each (k, n_x)
    biases -- list of the matching biases, each (k, 1)
    dtype -- the dtype to compute in

    Returns:
    W_T -- shape (n_x + 1, total k): the gates' weights stacked side by side, as
           columns, with the biases as the last row
    """
    W = np.concatenate([np.concatenate((w, b), axis=1) for w, b in zip(weights, biases)], axis=0)
    return np.ascontiguousarray(W.T, dtype=dtype)


def gradients_as_rows(da, dtype):
    """The upstream gradient of every step as rows, step-major, like the states.

    Arguments:
    da -- gradient with respect to every hidden state, shape (n_a, m, T_x)
    dtype -- the dtype to compute in

    Returns:
    D -- shape (T_x * m, n_a): row t*m + i is da<t> of example i (a new buffer, free to overwrite)
    """
    n_a, m, T_x = da.shape
    D = memory_pool.empty((T_x * m, n_a), dtype)
    steps = D.reshape(T_x, m, n_a)
    for i in range(m):                 # a real transpose, one example at a time: what is moved stays in the cache
        steps[:, i, :] = da[:, i, :].T
    return D


def rows_as_sequence(R, m):
    """View step-major rows (T_x * m, n) in the tutorial's shape (n, m, T_x)."""
    return R.reshape(-1, m, R.shape[1]).transpose(2, 1, 0)


def columns_as_sequence(M, m):
    """View step-major columns (n, T_x * m) in the tutorial's shape (n, m, T_x)."""
    return M.reshape(M.shape[0], -1, m).transpose(0, 2, 1)


def rows_by_gate(R, m, n_gates):
    """View step-major rows of stacked gates (T_x * m, n_gates * n_a) as (T_x, n_gates, m, n_a).

    Row t*m + i of R holds the gates of example i at step t side by side; the
    view puts each gate of a step in its own (m, n_a) block, so that it can be
    copied into (or from) a buffer where every gate of every step is contiguous.
    """
    n_a = R.shape[1] // n_gates
    return R.reshape(-1, m, n_gates, n_a).transpose(0, 2, 1, 3)


def softmax_output(states, Wy, by, dtype):
    """The output layer of every step in one product, and the softmax of every column.

    Arguments:
    states -- hidden states of every step as rows, step-major, shape (T_x * m, n_a)
    Wy -- output weights, shape (n_y, n_a)
    by -- output bias, shape (n_y, 1)
    dtype -- the dtype to compute in

    Returns:
    Y -- predictions as columns, step-major, shape (n_y, T_x * m)
    """
    Y = memory_pool.empty((Wy.shape[0], states.shape[0]), dtype)
    np.dot(Wy.astype(dtype, copy=False), states.T, out=Y)
    Y += by.astype(dtype, copy=False)
    Y -= Y.max(axis=0)                 # softmax of every column, shifted by its max
    np.exp(Y, out=Y)
    Y *= 1 / Y.sum(axis=0)
    return Y


# ---------------------------------------------------------------- the RNN

def rnn_states_vectorized(x, a0, parameters):
    """Run the RNN's recurrence over a whole sequence: the hidden states only, no output layer.

    For a model with its own head (a loss on the last state only, another
    output layer, ...): rnn_backward_vectorized takes this cache too.

    Arguments:
    x -- inputs of every time step, shape (n_x, m, T_x)
    a0 -- initial hidden state, shape (n_a, m)
    parameters -- python dictionary with Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a, 1)
                  (any other keys, such as Wya and by, are ignored)

    Returns:
    a -- hidden states of every step, shape (n_a, m, T_x) (a view, see above)
    cache -- tuple (X, S, parameters) for rnn_backward_vectorized:
             X (n_x + 1, T_x * m) the inputs as columns, step-major, and a row of ones;
             S ((T_x + 1) * m, n_a) the states a<0>, a<1>, ..., a<T_x> as rows;
             Wax, Waa, ba in the computation's dtype
    """
    x, a0, parameters = checked_sequence_arguments(x, a0, parameters, output_layer=False)
    return _rnn_states(x, a0, parameters)


def _rnn_states(x, a0, parameters):
    """rnn_states_vectorized after the argument checks: x, a0 and the parameters in one dtype."""
    n_x, m, T_x = x.shape
    n_a = a0.shape[0]
    dtype = x.dtype
    p = {key: parameters[key] for key in ("Wax", "Waa", "ba")}     # the cache keeps what the backward needs

    X = inputs_as_columns(x, dtype)
    W_T = input_weights([p["Wax"]], [p["ba"]], dtype)     # [Wax | ba]^T
    Waa_T = np.ascontiguousarray(p["Waa"].T)   # as rows, Waa a becomes a Waa^T

    S = memory_pool.empty(((T_x + 1) * m, n_a), dtype)    # a<0> in the first m rows, then a<1>, ...
    S[:m] = a0.T
    states = S[m:]
    np.dot(X.T, W_T, out=states)       # Wax x<t> + ba of every step in ONE product

    recurrent = np.empty((m, n_a), dtype=dtype)
    for t in range(T_x):               # the only sequential part: Waa a<t-1> and the tanh
        block = S[(t + 1) * m:(t + 2) * m]
        np.dot(S[t * m:(t + 1) * m], Waa_T, out=recurrent)
        block += recurrent
        np.tanh(block, out=block)      # z<t> is overwritten by a<t>: nothing else needs z

    return rows_as_sequence(states, m), (X, S, p)


def rnn_forward_vectorized(x, a0, parameters):
    """Run the RNN over a whole sequence; only the recurrence is a Python loop.

    Arguments:
    x -- inputs of every time step, shape (n_x, m, T_x)
    a0 -- initial hidden state, shape (n_a, m)
    parameters -- python dictionary with Wax (n_a, n_x), Waa (n_a, n_a),
                  Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1)

    Returns:
    a -- hidden states of every step, shape (n_a, m, T_x) (a view, see above)
    y_pred -- predictions of every step, shape (n_y, m, T_x) (a view)
    cache -- tuple (X, S, parameters) for rnn_backward_vectorized, as rnn_states_vectorized's
    """
    x, a0, parameters = checked_sequence_arguments(x, a0, parameters)

    a, cache = _rnn_states(x, a0, parameters)    # the states, then the output layer of every step
    Y = softmax_output(cache[1][x.shape[1]:], parameters["Wya"], parameters["by"], x.dtype)
    return a, columns_as_sequence(Y, x.shape[1]), cache


def rnn_backward_vectorized(da, cache):
    """Backpropagate through the whole sequence; only the carried gradient is a loop.

    Arguments:
    da -- upstream gradient of the loss with respect to every hidden state,
          shape (n_a, m, T_x), as for rnn_backward (not the gradient carried
          between steps: that is added here)
    cache -- tuple returned by rnn_forward_vectorized or rnn_states_vectorized

    Returns:
    gradients -- python dictionary with dx (n_x, m, T_x) (a view), da0 (n_a, m) (a view),
                 dWax (n_a, n_x), dWaa (n_a, n_a), dba (n_a, 1)

    Its gradient check: tests/test_vectorized.py::test_gradients_match_numerical_gradients.
    The first line checks the arguments and converts them to one dtype (a
    float64 da on a float32 forward computes in float64, as rnn_backward).
    """
    da, cache = checked_vectorized_gradients(da, cache, **RNN_CACHE)

    X, S, p = cache
    n_a, m, T_x = da.shape
    n_x = X.shape[0] - 1
    dtype = da.dtype
    Wax, Waa = p["Wax"], p["Waa"]

    DZ = gradients_as_rows(da, dtype)  # becomes dz<t> of every step, as rows like the states
    da_carried = np.zeros((m, n_a), dtype=dtype)
    tanh_slope = np.empty((m, n_a), dtype=dtype)
    for t in reversed(range(T_x)):     # the only sequential part
        block = DZ[t * m:(t + 1) * m]
        a_t = S[(t + 1) * m:(t + 2) * m]
        block += da_carried            # da<t> + the gradient from step t+1
        np.multiply(a_t, a_t, out=tanh_slope)
        np.subtract(1, tanh_slope, out=tanh_slope)     # tanh'(z<t>) = 1 - a<t>^2
        block *= tanh_slope            # backprop through tanh
        np.dot(block, Waa, out=da_carried)   # rows: (Waa^T dz)^T = dz^T Waa, handed to step t-1

    dW = np.dot(DZ.T, X.T)             # [dWax | dba]: sums over steps and examples in one product
    dWaa = np.dot(DZ.T, S[:-m])        # S[:-m] holds a<0> ... a<T_x-1>: each step's a_prev
    dx = memory_pool.empty((n_x, T_x * m), dtype)
    np.dot(np.ascontiguousarray(Wax.T), DZ.T, out=dx)  # as columns, step-major
    return {"dx": columns_as_sequence(dx, m), "da0": da_carried.T,
            "dWax": np.ascontiguousarray(dW[:, :n_x]), "dWaa": dWaa, "dba": dW[:, n_x:].copy()}


# ---------------------------------------------------------------- the cache, for the argument checks

# What rnn_backward_vectorized finds in the cache: the buffers, the forwards that make them, the weights it reads.
RNN_CACHE = dict(buffers=("X", "S"), produced_by="rnn_forward_vectorized or rnn_states_vectorized",
                 weights=(("Wax", ("n_a", "n_x")), ("Waa", ("n_a", "n_a"))))
