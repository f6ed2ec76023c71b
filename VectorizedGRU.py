"""The GRU's forward and backward passes with only the recurrence in a loop.

The chapter "Running faster" (docs/running-faster.md), applied to the GRU of the chapter
"The vanishing gradient, seen and fixed": the same numbers as gru_forward and
gru_backward (ForwardPropagation.py, BackwardPropagation.py), computed the way
VectorizedRNN.py computes the RNN's (read its docstring for the layouts and
the memory pool) and VectorizedLSTM.py the LSTM's (read it for the stacked
gates and the one tanh that makes a sigmoid). What the GRU changes:

The candidate reads r * a_prev, not a_prev. Every weight acts on the stacked
column ([a_prev; xt] for the gates r and u, [r * a_prev; xt] for the
candidate), so each splits into a recurrent and an input part. The input
parts of all three, stacked in the order r, u, c, make ONE product with the
inputs of every step, as rows (T_x * m, 3 n_a). The loop then has two small
products per step instead of one, because the candidate needs r first:

    [r, u] = sigmoid([Wr; Wu]_recurrent a<t-1> + input part)   (one product)
    cct    = tanh(Wc_recurrent (r * a<t-1>) + input part)       (the second)
    a<t>   = a<t-1> + u * (cct - a<t-1>)   (= u cct + (1 - u) a<t-1>)

As in the LSTM, the sums land gate by gate in GATES (T_x, 3, m, n_a), where
each gate of each step is contiguous, and RA (T_x * m, n_a) keeps every
r * a<t-1>: the gradient of Wc's recurrent part needs it.

Backward. From the gradient reaching a<t> (da<t> plus the carried one):

    dcct = da * u * (1 - cct^2)          du = da * (cct - a<t-1>) * u (1 - u)
    dra  = dcct Wc_recurrent             dr = dra * a<t-1> * r (1 - r)
    da_carried = da * (1 - u) + dra * r + [dr, du] [Wr; Wu]_recurrent

(as rows, gate by gate, then copied into the rows of DG). After the loop,
DG = [dr, du, dcct] of every step (T_x * m, 3 n_a) gives every weight
gradient in three products: DG^T [X; 1]^T the input parts and biases,
[dr, du]^T A_prev and dcct^T RA the recurrent parts; dx = W_input^T DG^T.

Buffers: X, S ((T_x + 1) * m, n_a) the states (a<0> first), GATES, RA, and
in the backward pass the rows of da and DG; float32 stays float32; a, y_pred
and dx are transposed views, a a view of the cache (copy it before editing it).

Dimension letters as in RNN_UNIT_CELL.py: n_x inputs, n_a hidden units,
n_y classes, m examples, T_x time steps.
"""
import numpy as np

import memory_pool
from GRU_UNIT_CELL import GRU_GATES
from validation import checked_sequence_arguments, checked_vectorized_gradients, gate_keys
from VectorizedRNN import (columns_as_sequence, gradients_as_rows, input_weights, inputs_as_columns,
                           rows_as_sequence, rows_by_gate, softmax_output)

GRU_STATE_KEYS = tuple(gate_keys(GRU_GATES)[:-2])      # the gates' W and b: no output layer


def stacked_weights(p, n_a, halve_sigmoid_gates=False):
    """The weights of r, u and c stacked in that order, split into recurrent and input parts.

    Arguments:
    p -- the GRU's parameters, in the computation's dtype
    n_a -- number of hidden units
    halve_sigmoid_gates -- halve the r and u rows (for sigmoid(z) = (1 + tanh(z / 2)) / 2)

    Returns:
    recurrent -- shape (3 n_a, n_a): [Wr; Wu] act on a_prev, Wc on r * a_prev
    inputs -- shape (3 n_a, n_x), the parts acting on xt
    biases -- shape (3 n_a, 1)
    """
    scale = [0.5, 0.5, 1.0] if halve_sigmoid_gates else [1.0, 1.0, 1.0]
    W = np.concatenate([s * p["W" + g] for s, g in zip(scale, GRU_GATES)], axis=0)
    b = np.concatenate([s * p["b" + g] for s, g in zip(scale, GRU_GATES)], axis=0)
    return W[:, :n_a], W[:, n_a:], b


def gru_states_vectorized(x, a0, parameters):
    """Run the GRU's recurrence over a whole sequence: the hidden states only, no output layer.

    Arguments:
    x -- inputs of every time step, shape (n_x, m, T_x)
    a0 -- initial hidden state, shape (n_a, m)
    parameters -- python dictionary with Wr, Wu, Wc (each (n_a, n_a + n_x)) and
                  br, bu, bc (each (n_a, 1)); other keys (Wy, by) are ignored

    Returns:
    a -- hidden states of every step, shape (n_a, m, T_x) (a view of the cache)
    cache -- tuple (X, S, RA, GATES, parameters) for gru_backward_vectorized (see above)
    """
    x, a0, parameters = checked_sequence_arguments(x, a0, parameters, gates=GRU_GATES, output_layer=False)
    return _gru_states(x, a0, parameters)


def _gru_states(x, a0, parameters):
    """gru_states_vectorized after the argument checks: x, a0 and the gates' parameters in one dtype."""
    n_x, m, T_x = x.shape
    n_a = a0.shape[0]
    dtype = x.dtype
    p = {key: parameters[key] for key in GRU_STATE_KEYS}
    recurrent, inputs, biases = stacked_weights(p, n_a, halve_sigmoid_gates=True)
    ru_recurrent_T = np.ascontiguousarray(recurrent[:2 * n_a].T)    # rows: W a_prev becomes a_prev W^T
    c_recurrent_T = np.ascontiguousarray(recurrent[2 * n_a:].T)

    X = inputs_as_columns(x, dtype)
    projected = memory_pool.empty((T_x * m, 3 * n_a), dtype)
    np.dot(X.T, input_weights([inputs], [biases], dtype), out=projected)   # all three, every step: ONE product
    projected = rows_by_gate(projected, m, 3)             # (T_x, 3, m, n_a) view
    GATES = memory_pool.empty((T_x, 3, m, n_a), dtype)    # r, u, cct of each step, each contiguous

    S = memory_pool.empty(((T_x + 1) * m, n_a), dtype)    # a<0>, a<1>, ... as rows
    RA = memory_pool.empty((T_x * m, n_a), dtype)         # r * a_prev of every step
    S[:m] = a0.T
    gates_recurrent = np.empty((m, 2 * n_a), dtype=dtype)
    recurrent_by_gate = rows_by_gate(gates_recurrent, m, 2)[0]      # the same numbers, (2, m, n_a)
    candidate_recurrent = np.empty((m, n_a), dtype=dtype)
    for t in range(T_x):               # the only sequential part
        # Rows of step t in RA; in S, which starts with a<0>, the same rows
        # hold the state before step t, and the next block the state after it.
        step, after = slice(t * m, (t + 1) * m), slice((t + 1) * m, (t + 2) * m)
        gates, a_prev, a_t = GATES[t], S[step], S[after]
        ru, (r, u, cct) = gates[:2], gates
        np.dot(a_prev, ru_recurrent_T, out=gates_recurrent)
        np.add(projected[t, :2], recurrent_by_gate, out=ru)
        np.tanh(ru, out=ru)            # tanh(z / 2) ...
        ru *= 0.5
        ru += 0.5                      # ... to sigmoid(z) = (1 + tanh(z / 2)) / 2
        np.multiply(r, a_prev, out=RA[step])
        np.dot(RA[step], c_recurrent_T, out=candidate_recurrent)
        np.add(projected[t, 2], candidate_recurrent, out=cct)
        np.tanh(cct, out=cct)
        np.subtract(cct, a_prev, out=a_t)                  # a<t> = a<t-1> + u * (cct - a<t-1>)
        a_t *= u
        a_t += a_prev

    return rows_as_sequence(S[m:], m), (X, S, RA, GATES, p)


def gru_forward_vectorized(x, a0, parameters):
    """Run the GRU over a whole sequence, like gru_forward; only the recurrence is a loop.

    Arguments:
    x -- inputs of every time step, shape (n_x, m, T_x)
    a0 -- initial hidden state, shape (n_a, m)
    parameters -- as for gru_forward: Wr, br, Wu, bu, Wc, bc, Wy (n_y, n_a), by (n_y, 1)

    Returns:
    a -- hidden states of every step, shape (n_a, m, T_x) (a view of the cache)
    y_pred -- predictions of every step, shape (n_y, m, T_x) (a view)
    cache -- tuple for gru_backward_vectorized, as gru_states_vectorized's
    """
    x, a0, parameters = checked_sequence_arguments(x, a0, parameters, gates=GRU_GATES)

    a, cache = _gru_states(x, a0, parameters)
    m = x.shape[1]
    Y = softmax_output(cache[1][m:], parameters["Wy"], parameters["by"], x.dtype)
    return a, columns_as_sequence(Y, m), cache


def gru_backward_vectorized(da, cache):
    """Backpropagate through the whole GRU sequence; only the carried gradient is a loop.

    Arguments:
    da -- upstream gradient of the loss with respect to every hidden state,
          shape (n_a, m, T_x), as for gru_backward (not the carried gradient)
    cache -- tuple returned by gru_forward_vectorized or gru_states_vectorized

    Returns:
    gradients -- python dictionary with dx (n_x, m, T_x) (a view), da0 (n_a, m) (a view),
                 dWr, dWu, dWc, each (n_a, n_a + n_x), dbr, dbu, dbc, each (n_a, 1)

    Its gradient check: tests/test_vectorized_gated.py::test_gradients_match_numerical_gradients
    (the parameter gru of that test). The first line checks the arguments, the cache's
    buffers against each other included, and converts them to one dtype.
    """
    da, cache = checked_vectorized_gradients(da, cache, **GRU_CACHE)

    X, S, RA, GATES, p = cache
    n_a, m, T_x = da.shape
    n_x = X.shape[0] - 1
    dtype = da.dtype
    recurrent, inputs, _ = stacked_weights(p, n_a)
    ru_recurrent, c_recurrent = np.ascontiguousarray(recurrent[:2 * n_a]), np.ascontiguousarray(recurrent[2 * n_a:])
    ru_columns, c_columns = slice(0, 2 * n_a), slice(2 * n_a, 3 * n_a)   # of DG

    DA = gradients_as_rows(da, dtype)  # da<t> as rows; the carried gradient is added in place
    DG = memory_pool.empty((T_x * m, 3 * n_a), dtype)     # gradient of every pre-activation, as rows
    DG_by_gate = rows_by_gate(DG, m, 3)
    dgates = np.empty((3, m, n_a), dtype=dtype)           # the same for one step, gate by gate: dr, du, dcct
    dr, du, dcct = dgates
    da_carried = np.zeros((m, n_a), dtype=dtype)
    dra = np.empty((m, n_a), dtype=dtype)
    keep = np.empty((m, n_a), dtype=dtype)
    work = np.empty((m, n_a), dtype=dtype)
    for t in reversed(range(T_x)):     # the only sequential part
        step = slice(t * m, (t + 1) * m)   # step t in DG, DA; the state before it in S
        (r, u, cct), da_t, a_prev = GATES[t], DA[step], S[step]
        da_t += da_carried             # all that reaches a<t>
        np.multiply(cct, cct, out=work)                    # dcct = da * u * (1 - cct^2)
        np.subtract(1, work, out=work)
        work *= u
        np.multiply(da_t, work, out=dcct)
        np.subtract(1, u, out=keep)                        # 1 - u: how much of a<t-1> a<t> keeps
        np.multiply(keep, u, out=work)                     # du = da * (cct - a<t-1>) * u (1 - u)
        work *= da_t
        np.subtract(cct, a_prev, out=du)
        du *= work
        np.dot(dcct, c_recurrent, out=dra)                 # into r * a<t-1>
        np.subtract(1, r, out=work)                        # dr = dra * a<t-1> * r (1 - r)
        work *= r
        work *= a_prev
        np.multiply(dra, work, out=dr)
        np.copyto(DG_by_gate[t], dgates)                   # into the rows of DG, for the products
        np.dot(DG[step, ru_columns], ru_recurrent, out=da_carried)   # through the gates r and u,
        keep *= da_t                   # the direct path (the GRU's gradient highway),
        da_carried += keep
        dra *= r                       # and through r * a<t-1>
        da_carried += dra

    dW_inputs = np.dot(DG.T, X.T)      # [input parts | biases] of r, u, c, summed over steps and examples
    dW_ru_recurrent = np.dot(DG[:, ru_columns].T, S[:-m])     # S[:-m] holds each step's a_prev
    dWc_recurrent = np.dot(DG[:, c_columns].T, RA)            # the candidate read r * a_prev
    dx = memory_pool.empty((n_x, T_x * m), dtype)
    np.dot(np.ascontiguousarray(inputs.T), DG.T, out=dx)   # as columns, step-major
    dW_recurrent = np.concatenate((dW_ru_recurrent, dWc_recurrent), axis=0)
    gradients = {"dx": columns_as_sequence(dx, m), "da0": da_carried.T}
    for k, gate in enumerate(GRU_GATES):
        rows = slice(k * n_a, (k + 1) * n_a)
        gradients["dW" + gate] = np.concatenate((dW_recurrent[rows], dW_inputs[rows, :n_x]), axis=1)
        gradients["db" + gate] = dW_inputs[rows, n_x:].copy()
    return gradients


# ---------------------------------------------------------------- the cache, for the argument checks

# What gru_backward_vectorized finds in the cache: the buffers and the shapes the sizes of X and S give
# them, the forwards that make them, the weights it reads.
GRU_CACHE = dict(buffers=("X", "S", "RA", "GATES"),
                 shapes={"RA": ("T_x * m", "n_a"), "GATES": ("T_x", 3, "m", "n_a")},
                 produced_by="gru_forward_vectorized or gru_states_vectorized",
                 weights=[("W" + g, ("n_a", "n_a + n_x")) for g in GRU_GATES])
