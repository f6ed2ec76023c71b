"""The attention layer: the decoder looks back at every state of the encoder (the attention chapter).

The encoder-decoder of Seq2Seq.py hands the decoder one vector, the
encoder's last hidden state, and everything about the question must squeeze
through it. Attention keeps ALL the encoder's states a_enc<1>, ..., a_enc<T_x>
and lets every decoder step t take its own weighted average of them, the
context, with weights it computes from its own state a_dec<t>:

    e<s, t>     = score(a_enc<s>, a_dec<t>)                how well step s fits step t
    alpha<s, t> = exp(e<s, t>) / sum over s' of exp(e<s', t>)   (softmax over s)
    context<t>  = sum over s of alpha<s, t> a_enc<s>

per example (column) of the batch. Two scores:

    "dot"       e<s, t> = a_enc<s> . a_dec<t>               (Luong et al., 2015)
    "additive"  e<s, t> = va^T tanh(Wa a_dec<t> + Ua a_enc<s>)  (Bahdanau et al., 2014)

The dot score has no parameters and needs both states of the same size; the
additive one learns Wa (n_att, n_a_dec), Ua (n_att, n_a), va (n_att, 1), a
small network that judges the pair.

Every decoder step is computed at once (the decoder's states are all known
when training with teacher forcing): the products run over the batch as
matrix products of (m, ., .) stacks, the layout NumPy's matmul batches over.

Backward (docs/attention.md derives it step by step). From dcontext<t>:

    dalpha<s, t> = a_enc<s> . dcontext<t>
    da_enc<s>   += sum over t of alpha<s, t> dcontext<t>       (the weighted sum's other factor)
    de<s, t>     = alpha<s, t> (dalpha<s, t> - sum over s' of alpha<s', t> dalpha<s', t>)   (softmax)
    dot:       da_enc<s> += sum over t of de<s, t> a_dec<t>,   da_dec<t> = sum over s of de<s, t> a_enc<s>
    additive:  dz = de * va * (1 - tanh^2); dva, dWa, dUa and the two da from dz

Dimension letters as in RNN_UNIT_CELL.py, plus: T_x the encoder's steps,
T_y the decoder's, n_att the additive score's hidden units. The gradient
check is tests/test_attention.py::test_gradients (and
tests/test_attention_torch.py against torch's autograd).
"""
import numpy as np

from validation import agreed_size, cast, check_array, check_dims, check_parameters, check_shape, result_dtype

SCORES = ("dot", "additive")
ADDITIVE_KEYS = ("Wa", "Ua", "va")


def batch_first(a):
    """(n, m, T) -> (m, n, T), a view: matmul then batches over the examples."""
    return a.transpose(1, 0, 2)


def attention_forward(a_enc, a_dec, score="dot", parameters=None):
    """Weights over the encoder's steps and the context they give, for every decoder step at once.

    Arguments:
    a_enc -- the encoder's hidden states, shape (n_a, m, T_x)
    a_dec -- the decoder's hidden states, shape (n_a, m, T_y) (any n_a_dec for "additive")
    score -- "dot" (Luong) or "additive" (Bahdanau), see the module docstring
    parameters -- None for "dot"; for "additive" a dict with Wa (n_att, n_a_dec),
                  Ua (n_att, n_a), va (n_att, 1)

    Returns:
    context -- the weighted sums of the encoder's states, shape (n_a, m, T_y)
    alphas -- the weights, shape (T_x, m, T_y); alphas[:, i, t] sums to 1
    cache -- tuple (a_enc, a_dec, alphas, score, parameters, H) for attention_backward;
             H (n_att, m, T_x, T_y) holds the additive score's tanh (None for "dot")
    """
    a_enc, a_dec, parameters = checked_attention_arguments(a_enc, a_dec, score, parameters)
    A_enc, A_dec = batch_first(a_enc), batch_first(a_dec)          # (m, n_a, T_x), (m, n_a, T_y)

    if score == "dot":
        H = None
        e = np.matmul(A_enc.transpose(0, 2, 1), A_dec)             # (m, T_x, T_y): e[i, s, t] = a_enc<s> . a_dec<t>
    else:
        P = np.tensordot(parameters["Wa"], a_dec, axes=1)          # Wa a_dec<t>: (n_att, m, T_y)
        Q = np.tensordot(parameters["Ua"], a_enc, axes=1)          # Ua a_enc<s>: (n_att, m, T_x)
        H = np.tanh(P[:, :, None, :] + Q[:, :, :, None])           # every pair (s, t): (n_att, m, T_x, T_y)
        e = np.tensordot(parameters["va"][:, 0], H, axes=1)        # va^T H: (m, T_x, T_y)

    # softmax over s (axis 1), shifted by each column's own max so nothing overflows
    weights = np.exp(e - e.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)                  # (m, T_x, T_y)
    context = np.matmul(A_enc, weights)                            # (m, n_a, T_y): sum_s alpha<s, t> a_enc<s>
    alphas = weights.transpose(1, 0, 2)                            # (T_x, m, T_y), the tutorial's order
    return batch_first(context), alphas, (a_enc, a_dec, alphas, score, parameters, H)


def attention_backward(dcontext, cache):
    """Backpropagate from the context to both sets of states (and the additive score's parameters).

    Arguments:
    dcontext -- gradient of the loss with respect to the context, shape (n_a, m, T_y)
    cache -- the cache attention_forward returned

    Returns:
    gradients -- python dictionary with
        da_enc -- gradient with respect to a_enc, shape (n_a, m, T_x)
        da_dec -- gradient with respect to a_dec, shape (n_a_dec, m, T_y)
        and for "additive" dWa (n_att, n_a_dec), dUa (n_att, n_a), dva (n_att, 1)

    Its gradient check: tests/test_attention.py::test_gradients (both scores, seven shapes, every
    dimension at 1 among them); against torch: tests/test_attention_torch.py.
    """
    dcontext, (a_enc, a_dec, alphas, score, parameters, H) = checked_attention_gradients(dcontext, cache)
    A_enc, A_dec, dC = batch_first(a_enc), batch_first(a_dec), batch_first(dcontext)
    weights = alphas.transpose(1, 0, 2)                            # (m, T_x, T_y)

    # context<t> = sum_s alpha<s, t> a_enc<s>: a product, so each factor gets the other times dcontext
    dweights = np.matmul(A_enc.transpose(0, 2, 1), dC)             # (m, T_x, T_y): a_enc<s> . dcontext<t>
    dA_enc = np.matmul(dC, weights.transpose(0, 2, 1))             # (m, n_a, T_x): sum_t alpha<s, t> dcontext<t>

    # softmax over s: de = alpha * (dalpha - sum_s' alpha dalpha)
    de = weights * (dweights - np.sum(weights * dweights, axis=1, keepdims=True))

    gradients = {}
    if score == "dot":                        # e<s, t> = a_enc<s> . a_dec<t>
        dA_enc += np.matmul(A_dec, de.transpose(0, 2, 1))          # sum_t de<s, t> a_dec<t>
        dA_dec = np.matmul(A_enc, de)                              # sum_s de<s, t> a_enc<s>
        da_dec = batch_first(dA_dec)
    else:                                     # e<s, t> = va^T tanh(Wa a_dec<t> + Ua a_enc<s>)
        gradients["dva"] = np.tensordot(H, de, axes=([1, 2, 3], [0, 1, 2]))[:, None]     # sum of H * de
        dZ = parameters["va"][:, :, None, None] * de[None] * (1 - H * H)   # through tanh: (n_att, m, T_x, T_y)
        dP, dQ = dZ.sum(axis=2), dZ.sum(axis=3)                    # (n_att, m, T_y), (n_att, m, T_x)
        gradients["dWa"] = np.tensordot(dP, a_dec, axes=([1, 2], [1, 2]))
        gradients["dUa"] = np.tensordot(dQ, a_enc, axes=([1, 2], [1, 2]))
        dA_enc += batch_first(np.tensordot(parameters["Ua"].T, dQ, axes=1))
        da_dec = np.tensordot(parameters["Wa"].T, dP, axes=1)
    gradients["da_enc"] = batch_first(dA_enc)
    gradients["da_dec"] = da_dec
    return gradients


# ---------------------------------------------------------------- the argument checks

def checked_attention_arguments(a_enc, a_dec, score, parameters):
    """Check attention_forward's arguments; give a_enc, a_dec, parameters in the computation's dtype.

    ValueError naming both arrays when their m differ, or (dot) their n_a;
    ValueError for an unknown score; TypeError / KeyError / ValueError for
    the additive parameters, as every other function of the project.
    """
    if score not in SCORES:
        raise ValueError(f"score must be one of {', '.join(repr(s) for s in SCORES)}, got {score!r}")
    check_array("a_enc", a_enc, 3)
    check_array("a_dec", a_dec, 3)
    (n_a, m, T_x), (n_a_dec, m_dec, T_y) = a_enc.shape, a_dec.shape
    check_dims({"n_a": n_a, "m": m, "T_x": T_x}, f"a_enc has shape {a_enc.shape}")
    check_dims({"n_a": n_a_dec, "m": m_dec, "T_y": T_y}, f"a_dec has shape {a_dec.shape}")
    if m_dec != m:
        raise ValueError(f"a_enc has shape (n_a, m, T_x) = {a_enc.shape} and a_dec (n_a, m, T_y) = {a_dec.shape}: "
                         f"the two must have the same m (examples), got {m} and {m_dec}")
    arrays = [a_enc, a_dec]
    if score == "dot":
        if n_a_dec != n_a:
            raise ValueError(f"the dot score needs states of one size: a_enc has shape (n_a, m, T_x) = "
                             f"{a_enc.shape} and a_dec {a_dec.shape}, n_a {n_a} and {n_a_dec} "
                             f"(use score='additive' for states of different sizes)")
        if parameters is not None:
            raise ValueError("the dot score has no parameters: pass parameters=None "
                             "(Wa, Ua, va belong to score='additive')")
    else:
        if parameters is None:
            raise TypeError("the additive score needs parameters={'Wa': (n_att, n_a_dec), "
                            "'Ua': (n_att, n_a), 'va': (n_att, 1)}")
        check_parameters(parameters, ADDITIVE_KEYS)
        for key in ADDITIVE_KEYS:
            check_array(key, parameters[key], 2)
        n_att = agreed_size([parameters[key].shape[0] for key in ("va", "Wa", "Ua")])   # a vote: the odd one is named
        dims = {"n_att": n_att, "n_a": n_a, "n_a_dec": n_a_dec}
        check_shape("va", parameters["va"], ("n_att", 1), dims)
        for key, letter, states in (("Wa", "n_a_dec", a_dec), ("Ua", "n_a", a_enc)):
            try:
                check_shape(key, parameters[key], ("n_att", letter), dims)
            except ValueError as error:       # the columns come from the states: name them too
                state_name = "a_dec" if states is a_dec else "a_enc"
                raise ValueError(f"{error} ({letter} = {states.shape[0]} from {state_name}'s shape "
                                 f"{states.shape})") from None
        arrays += [parameters[key] for key in ADDITIVE_KEYS]
    return cast(result_dtype(*arrays), (a_enc, a_dec, parameters))


def check_attention_cache(cache):
    """Check that `cache` is attention_forward's cache; give it unpacked."""
    if isinstance(cache, tuple) and len(cache) == 3 and isinstance(cache[0], np.ndarray) \
            and isinstance(cache[2], tuple):
        raise TypeError("cache: this is everything attention_forward returned; pass only its last item "
                        "(context, alphas, cache = attention_forward(...))")
    if not isinstance(cache, tuple) or len(cache) != 6 or cache[3] not in SCORES:
        raise TypeError("cache must be the tuple of 6 items returned by attention_forward")
    return cache


def checked_attention_gradients(dcontext, cache):
    """Check attention_backward's arguments; give dcontext and the cache's items in one dtype."""
    a_enc, a_dec, alphas, score, parameters, H = check_attention_cache(cache)
    check_array("dcontext", dcontext, 3)
    n_a, m, T_x = a_enc.shape
    check_shape("dcontext", dcontext, ("n_a", "m", "T_y"), {"n_a": n_a, "m": m, "T_y": a_dec.shape[2]})
    dtype = result_dtype(dcontext, a_enc)     # a float64 dcontext on a float32 forward computes in float64
    dcontext, a_enc, a_dec, alphas, parameters, H = cast(dtype, (dcontext, a_enc, a_dec, alphas, parameters, H))
    return dcontext, (a_enc, a_dec, alphas, score, parameters, H)
