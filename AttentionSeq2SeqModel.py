"""The encoder-decoder with attention: the decoder looks back at every state of the encoder.

This file is the model a learner reads (the parameters, the forward pass,
the loss and its gradient, greedy decoding, exact match); AttentionSeq2Seq.py
is the program that trains it on dates, measures the bottleneck and draws
the attention maps. The chapter is docs/attention.md.

The encoder-decoder of Seq2SeqModel.py hands the decoder ONE vector, the
encoder's last hidden state h. Here the decoder keeps all of the encoder's
states and, at every step, reads a weighted average of them, the context
(Attention.py), next to its own state. With V symbols, n_a hidden units,
m questions, T_e question steps and T_d answer steps:

    encoder:    a_enc = LSTM_enc(x_enc, a0 = 0)                 (n_a, m, T_e)
    decoder:    a_dec = LSTM_dec(x_dec, a0 = a_enc<T_e>)        (n_a, m, T_d)
    attention:  context, alphas = attention(a_enc, a_dec)       (n_a, m, T_d), (T_e, m, T_d)
    output:     y = softmax(Wy [a_dec; context] + by)           Wy (V, 2 n_a), y (V, m, T_d)
    loss:       cross-entropy of y and the answer               (summed over steps, averaged over m)

The same pieces as the chapter before: the LSTM passes of VectorizedLSTM.py,
the output layer and loss of sequence_training.py (Loss.py underneath), and
one new layer, Attention.py. The decoder's LSTM does not read the context
(Luong et al.'s form of attention, and Deep Learning from Scratch 2's), so
with teacher forcing the decoder's whole sequence is one LSTM pass, and the
attention of every step one call.

Backward, in the reverse order: the output layer gives the gradient of
[a_dec; context]; the context's half goes through attention_backward, which
hands back a gradient for every encoder state and every decoder state; the
decoder's states get the sum of both roads; the decoder pass gives da0, the
gradient of the encoder's last state, added to what attention gave that
state; and the encoder pass takes it from there. Every encoder state now has
a loss of its own, not only the last one: that is the cure.

The score is an argument: "dot" (no parameters; the default) or "additive"
(Wa, Ua, va of shape (n_att, n_a), (n_att, n_a), (n_att, 1)).
"""
import math

import numpy as np

from Attention import ADDITIVE_KEYS, SCORES, attention_forward, attention_backward
from LSTM_UNIT_CELL import lstm_cell_forward
from program_support import one_hot
from Seq2SeqModel import DECODER_KEYS, ENCODER_KEYS, LSTM_STATES, LSTM_STATES_BACKWARD, part
from Seq2SeqModel import init_parameters as init_encoder_decoder
from sequence_training import output_loss
from validation import agreed_size, arguments_checked, cast, check_array, check_parameters, check_shape, \
    result_dtype


def parameter_keys(score):
    """The names of the model's parameters: the two LSTMs, the output layer, and the additive score's."""
    return ENCODER_KEYS + DECODER_KEYS + (list(ADDITIVE_KEYS) if score == "additive" else [])


def init_parameters(n_x, n_a, score, rng, dtype=np.float64, n_att=None):
    """Random weights: the encoder and decoder of Seq2SeqModel.py, an output layer twice as wide, the score's.

    Arguments:
    n_x -- symbols in the vocabulary (V)
    n_a -- hidden units of both LSTMs
    score -- "dot" or "additive"
    rng -- numpy Generator
    dtype -- float64 (gradient checks) or float32 (training: twice as fast)
    n_att -- hidden units of the additive score (default n_a)

    Returns:
    parameters -- dict with parameter_keys(score): W*_enc (n_a, n_a + n_x), W*_dec (n_a, n_a + n_x),
        b* (n_a, 1), Wy_dec (n_x, 2 n_a), by_dec (n_x, 1), and Wa, Ua (n_att, n_a), va (n_att, 1)
    """
    if score not in SCORES:
        raise ValueError(f"score must be one of {', '.join(repr(s) for s in SCORES)}, got {score!r}")
    parameters = init_encoder_decoder(n_x, n_a, False, rng)
    parameters["Wy_dec"] = rng.standard_normal((n_x, 2 * n_a)) / math.sqrt(2 * n_a)   # reads [a_dec; context]
    if score == "additive":
        n_att = n_a if n_att is None else n_att
        parameters["Wa"] = rng.standard_normal((n_att, n_a)) / math.sqrt(n_a)
        parameters["Ua"] = rng.standard_normal((n_att, n_a)) / math.sqrt(n_a)
        parameters["va"] = rng.standard_normal((n_att, 1)) / math.sqrt(n_att)
    return {key: value.astype(dtype) for key, value in parameters.items()}


def score_parameters(parameters, score):
    """What attention_forward takes as parameters: None for "dot", {Wa, Ua, va} for "additive"."""
    return {key: parameters[key] for key in ADDITIVE_KEYS} if score == "additive" else None


def output_layer(parameters):
    """The output layer under the names sequence_training's output functions use."""
    return {"Wya": parameters["Wy_dec"], "by": parameters["by_dec"]}


def check_model(parameters, x_enc, x_dec, score):
    """Check the model's arguments once; give them back in the call's dtype, with (n_a, m).

    Every key is there, both inputs have the same V and m, every gate is
    checked under its own name, and the output layer reads 2 n_a rows;
    attention_forward checks its score's parameters. One dtype for the whole
    call (validation.py's policy): a float64 decoder under a float32 encoder
    makes both float64. x_dec is None in greedy decoding.
    """
    if score not in SCORES:
        raise ValueError(f"score must be one of {', '.join(repr(s) for s in SCORES)}, got {score!r}")
    check_parameters(parameters, parameter_keys(score))
    check_array("x_enc", x_enc, 3)
    n_x, m, _ = x_enc.shape
    if x_dec is not None:
        check_array("x_dec", x_dec, 3)
        check_shape("x_dec", x_dec, ("V", "m", x_dec.shape[2]), {"V": n_x, "m": m})
    for key in parameter_keys(score):               # under their own names: the LSTM passes say "Wf", not "Wf_enc"
        check_array(key, parameters[key], 2)
    p = parameters                                   # n_a: what most of the gates say, so the odd one out is named
    n_a = agreed_size([p[key].shape[0] for key in ENCODER_KEYS + DECODER_KEYS[:-2]])
    dims = {"V": n_x, "n_a": n_a, "n_a + V": n_a + n_x, "2 n_a": 2 * n_a}
    for key in ENCODER_KEYS + DECODER_KEYS[:-2]:
        check_shape(key, p[key], ("n_a", "n_a + V") if key.startswith("W") else ("n_a", 1), dims)
    check_shape("Wy_dec", p["Wy_dec"], ("V", "2 n_a"), dims)
    check_shape("by_dec", p["by_dec"], ("V", 1), dims)
    inputs = [x_enc] + ([] if x_dec is None else [x_dec])
    keys = parameter_keys(score)
    dtype = result_dtype(*inputs, *(p[key] for key in keys))
    parameters, x_enc, x_dec = cast(dtype, ({key: p[key] for key in keys}, x_enc, x_dec))
    return parameters, x_enc, x_dec, n_a, m


def encode(parameters, x_enc):
    """Run the encoder: all its hidden states (n_a, m, T_e), and the cache for the backward."""
    n_a, m = parameters["Wf_enc"].shape[0], x_enc.shape[1]
    a_enc, _, cache = LSTM_STATES(x_enc, np.zeros((n_a, m), x_enc.dtype), part(parameters, "_enc"))
    return a_enc, cache


def attention_seq2seq_forward(parameters, x_enc, x_dec, score="dot"):
    """The forward pass with teacher forcing, up to what the output layer reads.

    Arguments:
    parameters -- dict with parameter_keys(score) (see init_parameters)
    x_enc -- the questions, one-hot, shape (V, m, T_e)
    x_dec -- the decoder's inputs, one-hot: the true answer behind the separator, (V, m, T_d)
    score -- "dot" or "additive"

    Returns:
    readout -- [a_dec; context], shape (2 n_a, m, T_d): what the output layer reads
    alphas -- the attention weights, shape (T_e, m, T_d)
    caches -- (encoder cache, decoder cache, attention cache) for the backward
    """
    parameters, x_enc, x_dec, _, _ = check_model(parameters, x_enc, x_dec, score)
    a_enc, encoder_cache = encode(parameters, x_enc)
    a_dec, _, decoder_cache = LSTM_STATES(x_dec, a_enc[:, :, -1], part(parameters, "_dec"))
    context, alphas, attention_cache = attention_forward(a_enc, a_dec, score, score_parameters(parameters, score))
    readout = np.concatenate([a_dec, context], axis=0)
    return readout, alphas, (encoder_cache, decoder_cache, attention_cache)


def attention_seq2seq_loss(parameters, x_enc, x_dec, targets, score="dot"):
    """The loss alone (no backward pass): what the gradient checks differentiate numerically."""
    readout, _, _ = attention_seq2seq_forward(parameters, x_enc, x_dec, score)
    return output_loss(readout, targets, output_layer(parameters))[0]


def attention_seq2seq_loss_and_gradients(parameters, x_enc, x_dec, targets, score="dot"):
    """The loss of a batch with teacher forcing, and its gradient with respect to every parameter.

    Arguments:
    parameters, x_enc, x_dec, score -- as for attention_seq2seq_forward
    targets -- the symbol each decoder step must write, int array (m, T_d)

    Returns:
    loss -- float, cross-entropy summed over the T_d steps, averaged over the m questions
    gradients -- dict "d" + every key of parameters, each of its parameter's shape

    Its gradient check: tests/test_attention_model.py::test_every_gradient_of_the_whole_model.
    """
    readout, _, (encoder_cache, decoder_cache, attention_cache) = \
        attention_seq2seq_forward(parameters, x_enc, x_dec, score)
    n_a = readout.shape[0] // 2
    loss, output_gradients, dreadout = output_loss(readout, targets, output_layer(parameters))

    attention_gradients = attention_backward(dreadout[n_a:], attention_cache)        # the context's half
    da_dec = dreadout[:n_a] + attention_gradients["da_dec"]        # a_dec is read twice: directly and by attention
    decoder_gradients = LSTM_STATES_BACKWARD(da_dec, decoder_cache)
    da_enc = attention_gradients["da_enc"]                         # every encoder state has a loss of its own
    da_enc[:, :, -1] += decoder_gradients["da0"]                   # the last one also started the decoder
    encoder_gradients = LSTM_STATES_BACKWARD(da_enc, encoder_cache)

    gradients = {"dWy_dec": output_gradients["dWya"], "dby_dec": output_gradients["dby"]}
    for key in ENCODER_KEYS:
        gradients["d" + key] = encoder_gradients["d" + key[:-4]]
    for key in DECODER_KEYS[:-2]:
        gradients["d" + key] = decoder_gradients["d" + key[:-4]]
    for key in (ADDITIVE_KEYS if score == "additive" else ()):
        gradients["d" + key] = attention_gradients["d" + key]
    return loss, gradients


def greedy_decode(parameters, x_enc, steps, start, score="dot"):
    """Write answers without teacher forcing, and say where each step looked.

    The encoder runs as in training; the decoder runs one LSTM cell at a time
    (LSTM_UNIT_CELL.py's, its cell state carried by hand), because what it
    reads at step t is only known once step t-1 has chosen; each step then
    attends over the encoder's states and writes the likeliest symbol.

    Arguments:
    parameters -- dict with parameter_keys(score)
    x_enc -- the questions, one-hot, shape (V, m, T_e)
    steps -- how many symbols to write
    start -- index of the first symbol the decoder reads (the separator)
    score -- "dot" or "additive", as the model was trained

    Returns:
    written -- int64 array (m, steps): the symbol chosen at every step
    alphas -- the attention weights of every step, shape (T_e, m, steps)
    """
    parameters, x_enc, _, n_a, m = check_model(parameters, x_enc, None, score)
    n_x = x_enc.shape[0]
    a_enc, _ = encode(parameters, x_enc)
    # the cell's own output layer (Wy a + by) is not this model's: its y is not used
    decoder = dict(part(parameters, "_dec"), Wy=parameters["Wy_dec"][:, :n_a])
    a, c = a_enc[:, :, -1], np.zeros((n_a, m), a_enc.dtype)
    symbol = np.full(m, start)
    written = np.zeros((m, steps), dtype=np.int64)
    alphas = np.zeros((a_enc.shape[2], m, steps), a_enc.dtype)
    with arguments_checked():                         # checked once above: the cell skips its checks
        for t in range(steps):
            xt = one_hot(symbol[:, None], n_x, a.dtype)[:, :, 0]                 # (n_x, m)
            a, c, _, _ = lstm_cell_forward(xt, a, c, decoder)
            context, alphas[:, :, t:t + 1], _ = attention_forward(a_enc, a[:, :, None], score,
                                                                  score_parameters(parameters, score))
            scores = parameters["Wy_dec"] @ np.concatenate([a, context[:, :, 0]]) + parameters["by_dec"]
            symbol = scores.argmax(axis=0)            # greedy: the likeliest symbol (softmax keeps the order)
            written[:, t] = symbol
    return written, alphas


def exact_match(parameters, x_enc, targets, start, score="dot", chunk=2500):
    """Greedy answers to every question and the fraction right in every symbol.

    Arguments:
    parameters -- dict with parameter_keys(score)
    x_enc -- the questions, one-hot, shape (V, N, T_e)
    targets -- the true answers, int array (N, T_d)
    start -- index of the separator
    score -- "dot" or "additive"
    chunk -- questions decoded at once (bounds the memory of a big held-out set)

    Returns:
    accuracy -- float, the fraction of the N answers right in all T_d symbols
    written -- int64 array (N, T_d), the model's answers
    """
    steps = targets.shape[1]
    written = np.concatenate([greedy_decode(parameters, x_enc[:, first:first + chunk], steps, start, score)[0]
                              for first in range(0, x_enc.shape[1], chunk)])
    return float(np.mean(np.all(written == targets, axis=1))), written
