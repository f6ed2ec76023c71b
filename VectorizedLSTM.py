"""The LSTM's forward and backward passes with only the recurrence in a loop.

The chapter "Running faster" (docs/running-faster.md), applied to the cure of the
chapter "The vanishing gradient, seen and fixed": the same numbers as
lstm_forward and lstm_backward (ForwardPropagation.py, BackwardPropagation.py),
computed the way VectorizedRNN.py computes the RNN's. Read that file first:
its docstring explains the layouts (inputs as columns with a row of ones,
states as rows, step-major) and why the big buffers come from memory_pool;
this one reuses its functions and only says what the gates change.

All four gates in one product. Each gate's weight Wg (n_a, n_a + n_x) acts
on [a_prev; xt], so it splits into a recurrent part Wg[:, :n_a] and an input
part Wg[:, n_a:]. Stack the four gates' rows into one (4 n_a, ...) matrix
and every gate's pre-activation of every step is, on the input side, ONE
product with the inputs of all the steps:

    Z = [Wf; Wi; Wo; Wc]_input X + [bf; bi; bo; bc]      (4 n_a, T_x * m)

computed as rows, (T_x * m, 4 n_a), the gate blocks side by side in the
order f, i, o, c (the three sigmoid gates next to each other). The loop adds
only the recurrent part, one (m, n_a) by (n_a, 4 n_a) product per step, then

    f, i, o = sigmoid(...)   cct = tanh(...)
    c<t> = f * c<t-1> + i * cct          a<t> = o * tanh(c<t>)

with c<0> = 0, as lstm_forward. One tanh serves all four gates, because
sigmoid(z) = (1 + tanh(z / 2)) / 2: the sigmoid gates' weights and biases are
halved before the products (halving is exact in binary floating point), one
tanh runs over all four gates of the step, and the sigmoid gates are then
halved and shifted by 1/2. (A gate near 0 is then exact to about one unit of
rounding of 1, not of its own size: 1e-16 in float64, 6e-8 in float32.)

Gate by gate, contiguous. In a row block (m, 4 n_a) one gate is a column
slice (m, n_a), and NumPy's element-wise functions are several times slower
on such slices than on contiguous blocks (about 3.6 against 1.1 us for one
multiply at the chapter's size). So the step's two sums, input part plus
recurrent part, are written straight into GATES (T_x, 4, m, n_a), where each
gate of each step is one contiguous (m, n_a) block, and all the element-wise
work of the step runs on those blocks. GATES keeps the gates' values for
the backward pass.

Backward. Going back through the steps, from the gradient reaching a<t>
(da<t> plus the carried one) and the one carried to c<t>:

    do   = da * tanh(c) * o (1 - o)
    dc   = dc_carried + da * o * (1 - tanh(c)^2)
    df   = dc * c<t-1> * f (1 - f)      di = dc * cct * i (1 - i)
    dcct = dc * i * (1 - cct^2)
    dc_carried = dc * f                 da_carried = dG<t> W_recurrent

(dG<t> = [df, di, do, dcct], the gradient of the pre-activations, computed
gate by gate in contiguous blocks, then copied as an (m, 4 n_a) row block into
DG (T_x * m, 4 n_a)). Once every dG<t> is known, the weight gradients of all
gates are two products: DG^T [X; 1]^T gives the input parts and the biases,
DG^T A_prev the recurrent parts; dx = W_input^T DG^T.

Buffers: X (n_x + 1, T_x * m), S ((T_x + 1) * m, n_a) the hidden states and
C ((T_x + 1) * m, n_a) the cell states (a<0> and c<0> first), TC (T_x * m, n_a)
tanh(c<t>), GATES, and in the backward pass the rows of da and DG. float32
stays float32. The returned a, c, y and dx are transposed views of those
buffers, as in VectorizedRNN.py; a and c are views of the cache: copy them
before editing them in place.

Dimension letters as in RNN_UNIT_CELL.py: n_x inputs, n_a hidden units,
n_y classes, m examples, T_x time steps.
"""
import numpy as np

import memory_pool
from LSTM_UNIT_CELL import LSTM_GATES
from validation import checked_sequence_arguments, checked_vectorized_gradients, gate_keys
from VectorizedRNN import (columns_as_sequence, gradients_as_rows, input_weights, inputs_as_columns,
                           rows_as_sequence, rows_by_gate, softmax_output)

STACK = "fioc"                 # order of the gate blocks in the stacked matrices: the sigmoid gates first
SIGMOID_GATES = 3              # how many of them are sigmoids (f, i, o); the last block, c, is a tanh
LSTM_STATE_KEYS = tuple(gate_keys(LSTM_GATES)[:-2])    # the gates' W and b: no output layer


def stacked_weights(p, n_a, halve_sigmoid_gates=False):
    """The four gates' weights stacked in STACK order, split into recurrent and input parts.

    Arguments:
    p -- the LSTM's parameters, in the computation's dtype
    n_a -- number of hidden units
    halve_sigmoid_gates -- halve the f, i, o rows (for sigmoid(z) = (1 + tanh(z / 2)) / 2)

    Returns:
    recurrent -- shape (4 n_a, n_a), the parts acting on a_prev
    inputs -- shape (4 n_a, n_x), the parts acting on xt
    biases -- shape (4 n_a, 1)
    """
    scale = [0.5 if halve_sigmoid_gates and k < SIGMOID_GATES else 1.0 for k in range(len(STACK))]
    W = np.concatenate([s * p["W" + g] for s, g in zip(scale, STACK)], axis=0)
    b = np.concatenate([s * p["b" + g] for s, g in zip(scale, STACK)], axis=0)
    return W[:, :n_a], W[:, n_a:], b


def lstm_states_vectorized(x, a0, parameters):
    """Run the LSTM's recurrence over a whole sequence: hidden and cell states, no output layer.

    Arguments:
    x -- inputs of every time step, shape (n_x, m, T_x)
    a0 -- initial hidden state, shape (n_a, m); the cell state starts at zero
    parameters -- python dictionary with Wf, Wi, Wc, Wo (each (n_a, n_a + n_x)) and
                  bf, bi, bc, bo (each (n_a, 1)); other keys (Wy, by) are ignored

    Returns:
    a -- hidden states of every step, shape (n_a, m, T_x) (a view of the cache)
    c -- cell states of every step, shape (n_a, m, T_x) (a view of the cache)
    cache -- tuple (X, S, C, TC, GATES, parameters) for lstm_backward_vectorized (see above)
    """
    x, a0, parameters = checked_sequence_arguments(x, a0, parameters, gates=LSTM_GATES, output_layer=False)
    return _lstm_states(x, a0, parameters)


def _lstm_states(x, a0, parameters):
    """lstm_states_vectorized after the argument checks: x, a0 and the gates' parameters in one dtype."""
    n_x, m, T_x = x.shape
    n_a = a0.shape[0]
    dtype = x.dtype
    p = {key: parameters[key] for key in LSTM_STATE_KEYS}
    recurrent, inputs, biases = stacked_weights(p, n_a, halve_sigmoid_gates=True)
    recurrent_T = np.ascontiguousarray(recurrent.T)       # rows: W a_prev becomes a_prev W^T

    X = inputs_as_columns(x, dtype)
    projected = memory_pool.empty((T_x * m, 4 * n_a), dtype)
    np.dot(X.T, input_weights([inputs], [biases], dtype), out=projected)   # every gate, every step: ONE product
    projected = rows_by_gate(projected, m, 4)             # (T_x, 4, m, n_a) view
    GATES = memory_pool.empty((T_x, 4, m, n_a), dtype)    # each gate of each step contiguous

    S = memory_pool.empty(((T_x + 1) * m, n_a), dtype)    # a<0>, a<1>, ... as rows
    C = memory_pool.empty(((T_x + 1) * m, n_a), dtype)    # c<0> = 0, c<1>, ...
    TC = memory_pool.empty((T_x * m, n_a), dtype)         # tanh(c<1>), tanh(c<2>), ...
    S[:m] = a0.T
    C[:m] = 0
    gates_recurrent = np.empty((m, 4 * n_a), dtype=dtype)
    recurrent_by_gate = rows_by_gate(gates_recurrent, m, 4)[0]      # the same numbers, (4, m, n_a)
    written = np.empty((m, n_a), dtype=dtype)
    for t in range(T_x):               # the only sequential part
        # Rows of step t in TC; in S and C, which start with a<0> and c<0>, the
        # same rows hold the states before step t, and the next block the states after it.
        step, after = slice(t * m, (t + 1) * m), slice((t + 1) * m, (t + 2) * m)
        gates, c_prev, c_t = GATES[t], C[step], C[after]
        np.dot(S[step], recurrent_T, out=gates_recurrent)
        np.add(projected[t], recurrent_by_gate, out=gates)   # into each gate's contiguous block
        np.tanh(gates, out=gates)      # tanh(z / 2) for f, i, o; tanh(z) for cct
        sigmoids = gates[:SIGMOID_GATES]
        sigmoids *= 0.5
        sigmoids += 0.5                # (1 + tanh(z / 2)) / 2 = sigmoid(z)
        f, i, o, cct = gates
        np.multiply(f, c_prev, out=c_t)                    # c<t> = f * c<t-1> + i * cct
        np.multiply(i, cct, out=written)
        c_t += written
        np.tanh(c_t, out=TC[step])
        np.multiply(o, TC[step], out=S[after])             # a<t> = o * tanh(c<t>)

    a, c = rows_as_sequence(S[m:], m), rows_as_sequence(C[m:], m)
    return a, c, (X, S, C, TC, GATES, p)


def lstm_forward_vectorized(x, a0, parameters):
    """Run the LSTM over a whole sequence, like lstm_forward; only the recurrence is a loop.

    Arguments:
    x -- inputs of every time step, shape (n_x, m, T_x)
    a0 -- initial hidden state, shape (n_a, m); the cell state starts at zero
    parameters -- as for lstm_forward: Wf, bf, Wi, bi, Wc, bc, Wo, bo, Wy (n_y, n_a), by (n_y, 1)

    Returns:
    a -- hidden states of every step, shape (n_a, m, T_x) (a view of the cache)
    y -- predictions of every step, shape (n_y, m, T_x) (a view)
    c -- cell states of every step, shape (n_a, m, T_x) (a view of the cache)
    cache -- tuple for lstm_backward_vectorized, as lstm_states_vectorized's
    """
    x, a0, parameters = checked_sequence_arguments(x, a0, parameters, gates=LSTM_GATES)

    a, c, cache = _lstm_states(x, a0, parameters)
    m = x.shape[1]
    Y = softmax_output(cache[1][m:], parameters["Wy"], parameters["by"], x.dtype)
    return a, columns_as_sequence(Y, m), c, cache


def lstm_backward_vectorized(da, cache):
    """Backpropagate through the whole LSTM sequence; only the carried gradients are a loop.

    Arguments:
    da -- upstream gradient of the loss with respect to every hidden state,
          shape (n_a, m, T_x), as for lstm_backward (not the carried gradient)
    cache -- tuple returned by lstm_forward_vectorized or lstm_states_vectorized

    Returns:
    gradients -- python dictionary with dx (n_x, m, T_x) (a view), da0 (n_a, m) (a view),
                 dWf, dWi, dWc, dWo, each (n_a, n_a + n_x), dbf, dbi, dbc, dbo, each (n_a, 1)

    Its gradient check: tests/test_vectorized_gated.py::test_gradients_match_numerical_gradients
    (the parameter lstm of that test). The first line checks the arguments, the cache's
    buffers against each other included, and converts them to one dtype.
    """
    da, cache = checked_vectorized_gradients(da, cache, **LSTM_CACHE)

    X, S, C, TC, GATES, p = cache
    n_a, m, T_x = da.shape
    n_x = X.shape[0] - 1
    dtype = da.dtype
    recurrent, inputs, _ = stacked_weights(p, n_a)

    DA = gradients_as_rows(da, dtype)  # da<t> as rows; the carried gradient is added in place
    DG = memory_pool.empty((T_x * m, 4 * n_a), dtype)     # gradient of every gate's pre-activation, as rows
    DG_by_gate = rows_by_gate(DG, m, 4)
    dgates = np.empty((4, m, n_a), dtype=dtype)           # the same for one step, gate by gate
    df, di, do, dcct = dgates
    da_carried = np.zeros((m, n_a), dtype=dtype)
    dc_carried = np.zeros((m, n_a), dtype=dtype)
    dc = np.empty((m, n_a), dtype=dtype)
    work = np.empty((m, n_a), dtype=dtype)
    slopes = np.empty((SIGMOID_GATES, m, n_a), dtype=dtype)
    for t in reversed(range(T_x)):     # the only sequential part
        step = slice(t * m, (t + 1) * m)   # step t in DG, DA, TC; the cell state before it in C
        gates, da_t, tc, c_prev = GATES[t], DA[step], TC[step], C[step]
        f, i, o, cct = gates
        da_t += da_carried             # all that reaches a<t>
        np.multiply(tc, tc, out=work)  # dc = dc_carried + da * o * (1 - tanh(c)^2)
        np.subtract(1, work, out=work)
        work *= o
        work *= da_t
        np.add(dc_carried, work, out=dc)
        np.multiply(dc, c_prev, out=df)                    # what each sigmoid gate's value multiplies,
        np.multiply(dc, cct, out=di)
        np.multiply(da_t, tc, out=do)
        np.subtract(1, gates[:SIGMOID_GATES], out=slopes)  # times sigmoid' = s (1 - s), all three at once
        slopes *= gates[:SIGMOID_GATES]
        dgates[:SIGMOID_GATES] *= slopes
        np.multiply(cct, cct, out=work)                    # dcct = dc * i * (1 - cct^2)
        np.subtract(1, work, out=work)
        work *= i
        np.multiply(dc, work, out=dcct)
        np.multiply(dc, f, out=dc_carried)                 # the cell state's path: one multiply
        np.copyto(DG_by_gate[t], dgates)                   # into the rows of DG, for the products
        np.dot(DG[step], recurrent, out=da_carried)        # rows: every gate read a<t-1>

    dW_inputs = np.dot(DG.T, X.T)      # [input parts | biases] of every gate, summed over steps and examples
    dW_recurrent = np.dot(DG.T, S[:-m])                    # S[:-m] holds each step's a_prev
    dx = memory_pool.empty((n_x, T_x * m), dtype)
    np.dot(np.ascontiguousarray(inputs.T), DG.T, out=dx)   # as columns, step-major
    gradients = {"dx": columns_as_sequence(dx, m), "da0": da_carried.T}
    for k, gate in enumerate(STACK):
        rows = slice(k * n_a, (k + 1) * n_a)
        gradients["dW" + gate] = np.concatenate((dW_recurrent[rows], dW_inputs[rows, :n_x]), axis=1)
        gradients["db" + gate] = dW_inputs[rows, n_x:].copy()
    return gradients


# ---------------------------------------------------------------- the cache, for the argument checks

# What lstm_backward_vectorized finds in the cache: the buffers and the shapes the sizes of X and S give
# them, the forwards that make them, the weights it reads.
LSTM_CACHE = dict(buffers=("X", "S", "C", "TC", "GATES"),
                  shapes={"C": ("(T_x + 1) * m", "n_a"), "TC": ("T_x * m", "n_a"), "GATES": ("T_x", 4, "m", "n_a")},
                  produced_by="lstm_forward_vectorized or lstm_states_vectorized",
                  weights=[("W" + g, ("n_a", "n_a + n_x")) for g in LSTM_GATES])
