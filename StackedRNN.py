"""The stacked (deep) RNN: the states of one RNN are the inputs of the next.

One RNN layer turns a sequence of inputs into a sequence of states. Nothing
stops us from feeding that sequence of states to a second RNN, and its
states to a third: L layers, each with its own parameters, all reading the
same time steps. With a[0]<t> = x<t>,

    a[l]<t> = tanh(Waa[l] a[l]<t-1> + Wax[l] a[l-1]<t> + ba[l])      for l = 1 .. L

so Wax of layer l is (n_a[l], n_a[l-1]), with n_a[0] = n_x. An output layer
on top reads the last layer, softmax(Wya a[L]<t> + by). A deeper stack can
compute more steps of processing per time step; the price is more
parameters and a longer path for the gradient (through layers as well as
through time).

Each layer is the states-only vectorized pass of VectorizedRNN.py, called
in a loop over the layers: no new cell, no new loop over time. Backward,
the layers are visited top down, and what layer l hands back for its inputs
(its dx) is the upstream gradient of the states of layer l-1:

    da[L] = the gradient from the output layer,   da[l-1] = dx of layer l,   dx = dx of layer 1

In code, layer l is index l-1 of the lists: parameters[0] is the first layer.

Dimension letters as in RNN_UNIT_CELL.py: n_x inputs, m examples, T_x steps;
n_a[l] the hidden units of layer l (they may differ from layer to layer).
"""
from validation import cast, check_array, check_shape, check_state_parameters, result_dtype
from VectorizedRNN import rnn_backward_vectorized, rnn_states_vectorized


def check_stacked_arguments(x, a0, parameters):
    """Check the arguments of stacked_rnn_forward once; give the hidden sizes, one per layer."""
    check_array("x", x, 3)
    n_x, m, T_x = x.shape
    if T_x == 0:
        raise ValueError("x has T_x = 0 time steps: a sequence needs at least one")
    for name, value in (("parameters", parameters), ("a0", a0)):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be a list with one entry per layer, got {type(value).__name__}")
    if not parameters:
        raise ValueError("parameters is an empty list: a stacked RNN needs at least one layer")
    if len(a0) != len(parameters):
        raise ValueError(f"a0 has {len(a0)} states for {len(parameters)} layers of parameters")
    sizes, n_in = [], n_x
    for l, layer in enumerate(parameters):
        n_a = check_state_parameters(f"parameters[{l}]", layer, n_in)   # layer l reads layer l-1's states
        check_array(f"a0[{l}]", a0[l], 2)
        check_shape(f"a0[{l}]", a0[l], ("n_a", "m"), {"n_a": n_a, "m": m})
        sizes.append(n_a)
        n_in = n_a
    return sizes


def stacked_rnn_forward(x, a0, parameters):
    """Run every layer over the whole sequence, each reading the states of the one below.

    Arguments:
    x -- inputs of every time step, shape (n_x, m, T_x)
    a0 -- list of the L initial states, a0[l] of shape (n_a[l], m)
    parameters -- list of L dicts, parameters[l] with Wax (n_a[l], n_in),
          Waa (n_a[l], n_a[l]), ba (n_a[l], 1); n_in is n_x for the first
          layer and n_a[l-1] for the others

    Returns:
    a -- list of the L layers' states, a[l] of shape (n_a[l], m, T_x);
         a[-1] is what an output layer reads, a[l][:, :, -1] the state layer l
         ends with (the a0 of the next chunk in truncated BPTT)
    cache -- tuple (list of the L layers' caches, list of the L sizes n_a[l]), for stacked_rnn_backward
    """
    sizes = check_stacked_arguments(x, a0, parameters)
    # one dtype for the whole call (validation.py's policy), not one per layer
    dtype = result_dtype(x, *a0, *[layer[key] for layer in parameters for key in ("Wax", "Waa", "ba")])
    x, a0, parameters = cast(dtype, (x, list(a0), list(parameters)))
    a, caches, inputs = [], [], x
    for layer, a0_layer in zip(parameters, a0):
        states, cache = rnn_states_vectorized(inputs, a0_layer, layer)
        a.append(states)
        caches.append(cache)
        inputs = states                   # this layer's states are the next layer's inputs
    return a, (caches, sizes)


def stacked_rnn_backward(da, cache):
    """Backpropagate through every layer, from the top one down.

    Arguments:
    da -- upstream gradient of the loss with respect to the TOP layer's
          states, shape (n_a[L], m, T_x) (what the output layer hands back)
    cache -- tuple returned by stacked_rnn_forward

    Returns:
    gradients -- python dictionary containing:
        dx -- gradient with respect to x, shape (n_x, m, T_x)
        layers -- list of L dicts, layers[l] with dWax, dWaa, dba (the shapes of
                  layer l's parameters) and da0 (n_a[l], m)

    Its gradient check: tests/test_stacked_rnn.py::test_every_gradient_against_the_numerical_gradient.
    """
    if (not isinstance(cache, tuple) or len(cache) != 2 or not isinstance(cache[0], list)
            or not isinstance(cache[1], list) or len(cache[1]) != len(cache[0]) or not cache[0]):
        raise TypeError("cache must be the tuple returned by stacked_rnn_forward")
    caches, sizes = cache
    check_array("da", da, 3)
    if da.shape[0] != sizes[-1]:
        raise ValueError(f"da: expected the top layer's {sizes[-1]} rows, got shape {da.shape}")
    layers = [None] * len(caches)
    for l in reversed(range(len(caches))):
        step = rnn_backward_vectorized(da, caches[l])       # checks m and T_x against the layer's cache
        layers[l] = {key: step[key] for key in ("dWax", "dWaa", "dba", "da0")}
        da = step["dx"]                   # the gradient of this layer's inputs: the layer below's states
    return {"dx": da, "layers": layers}
