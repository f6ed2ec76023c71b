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

Backward.
    dz<t> = (1 - a<t>^2) * (da<t> + Waa^T dz<t+1>)
    Only this carried gradient is sequential. (1 - a<t>^2) for every step is
    one element-wise operation before the loop. Once every dz<t> is known,
    the parameter gradients are sums over steps of products, which are
    single products over the side-by-side matrices:
        dWax = DZ X^T        dWaa = DZ A_prev^T      dba = row sums of DZ
        dx   = Wax^T DZ      (DZ = all dz<t> side by side, A_prev = a<0..T_x-1>)

Memory. The code stores the matrices above transposed, one ROW per
(step, example), step-major: the inputs X ((T_x * m), n_x), the states
S ((T_x + 1) * m, n_a) with a<0> in the first m rows, and the dz in DZ
((T_x * m), n_a), each allocated once per call. Step t is the contiguous
block of rows [t*m, (t+1)*m), and A_prev is simply S without its last
block, with no copy. The big products read whole buffers.
float32 inputs are computed in float32 from end to end (float64 would
double the memory traffic and halve the speed of the products).

The results are the same as rnn_forward/rnn_backward to rounding
(tests/test_vectorized.py). The arrays returned with the tutorial's shapes,
a (n_a, m, T_x), y_pred (n_y, m, T_x) and dx (n_x, m, T_x), are transposed
*views* of those time-major buffers: read them like any array; call
np.ascontiguousarray on them if a library needs contiguous memory. They
never share memory with the arguments.

Dimension letters as in RNN_UNIT_CELL.py: n_x inputs, n_a hidden units,
n_y classes, m examples, T_x time steps.
"""
import numpy as np

from ForwardPropagation import check_sequence
from RNN_UNIT_CELL import RNN_PARAMETER_KEYS, check_rnn_parameters
from validation import check_array, check_shape, result_dtype


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
    cache -- tuple (X, S, parameters) for rnn_backward_vectorized:
             X ((T_x * m), n_x) the inputs, one row per (step, example), a copy of x;
             S ((T_x + 1) * m, n_a) the states a<0>, a<1>, ..., a<T_x> as rows;
             parameters in the computation's dtype
    """
    dims, dtype = check_sequence(x, a0, parameters, check_rnn_parameters, RNN_PARAMETER_KEYS)
    n_x, m, T_x = x.shape
    n_a, n_y = dims["n_a"], dims["n_y"]
    p = {key: parameters[key].astype(dtype, copy=False) for key in RNN_PARAMETER_KEYS}

    # One row per (step, example), step-major: rows [t*m, (t+1)*m) are step t.
    X = np.empty((T_x * m, n_x), dtype=dtype)
    X.reshape(T_x, m, n_x)[...] = x.transpose(2, 1, 0)
    S = np.empty(((T_x + 1) * m, n_a), dtype=dtype)    # a<0> in the first m rows, then a<1>, ...
    S[:m] = a0.T
    states = S[m:]
    # As rows, W x becomes x W^T. W^T is copied to contiguous memory: BLAS is
    # measurably faster on it than on a transposed view, in float32 especially.
    Wax_T, Waa_T, Wya_T = (np.ascontiguousarray(p[key].T) for key in ("Wax", "Waa", "Wya"))
    np.dot(X, Wax_T, out=states)       # Wax x<t> of every step in ONE product
    states += p["ba"].T

    recurrent = np.empty((m, n_a), dtype=dtype)
    for t in range(T_x):               # the only sequential part: Waa a<t-1> and the tanh
        block = S[(t + 1) * m:(t + 2) * m]
        np.dot(S[t * m:(t + 1) * m], Waa_T, out=recurrent)
        block += recurrent
        np.tanh(block, out=block)      # z<t> is overwritten by a<t>: nothing else needs z

    Y = np.dot(states, Wya_T)          # the output layer of every step in one product
    Y += p["by"].T
    Y -= Y.max(axis=1, keepdims=True)  # softmax over the classes of every row, shifted by its max
    np.exp(Y, out=Y)
    Y /= Y.sum(axis=1, keepdims=True)

    a = states.reshape(T_x, m, n_a).transpose(2, 1, 0)
    y_pred = Y.reshape(T_x, m, n_y).transpose(2, 1, 0)
    return a, y_pred, (X, S, p)


def rnn_backward_vectorized(da, cache):
    """Backpropagate through the whole sequence; only the carried gradient is a loop.

    Arguments:
    da -- upstream gradient of the loss with respect to every hidden state,
          shape (n_a, m, T_x), as for rnn_backward (not the gradient carried
          between steps: that is added here)
    cache -- tuple returned by rnn_forward_vectorized

    Returns:
    gradients -- python dictionary with dx (n_x, m, T_x) (a view), da0 (n_a, m) (a view),
                 dWax (n_a, n_x), dWaa (n_a, n_a), dba (n_a, 1)
    """
    if not isinstance(cache, tuple) or len(cache) != 3:
        raise TypeError("cache must be the tuple (X, S, parameters) returned by rnn_forward_vectorized")
    X, S, p = cache
    n_x, n_a = X.shape[1], S.shape[1]
    m = (S.shape[0] - X.shape[0])
    T_x = X.shape[0] // m
    check_array("da", da, 3)
    check_shape("da", da, ("n_a", "m", "T_x"), {"n_a": n_a, "m": m, "T_x": T_x})
    dtype = result_dtype(da, S)        # float64 da on a float32 forward computes in float64, as rnn_backward
    X, S = X.astype(dtype, copy=False), S.astype(dtype, copy=False)
    Wax, Waa = p["Wax"].astype(dtype, copy=False), p["Waa"].astype(dtype, copy=False)

    DZ = np.empty((T_x * m, n_a), dtype=dtype)     # dz<t> of every step, as rows like the states
    DZ.reshape(T_x, m, n_a)[...] = da.transpose(2, 1, 0)
    da_carried = np.zeros((m, n_a), dtype=dtype)
    for t in reversed(range(T_x)):     # the only sequential part
        block = DZ[t * m:(t + 1) * m]
        a_t = S[(t + 1) * m:(t + 2) * m]
        block += da_carried            # da<t> + the gradient from step t+1
        block *= 1 - a_t * a_t         # backprop through tanh
        np.dot(block, Waa, out=da_carried)   # rows: (Waa^T dz)^T = dz^T Waa, handed to step t-1

    dWax = np.dot(DZ.T, X)             # sum over steps and examples in one product
    dWaa = np.dot(DZ.T, S[:-m])        # S[:-m] holds a<0> ... a<T_x-1>: each step's a_prev
    dba = DZ.sum(axis=0)[:, None]
    dx = np.dot(DZ, Wax).reshape(T_x, m, n_x).transpose(2, 1, 0)
    return {"dx": dx, "da0": da_carried.T, "dWax": dWax, "dWaa": dWaa, "dba": dba}
