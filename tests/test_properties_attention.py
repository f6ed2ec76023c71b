"""Property tests (Hypothesis) of the attention chapter: the layer and the model keep tests/properties.py's promise.

Hypothesis draws sizes (every one may be 1), dtypes, memory layouts, special
values and, half of the time, one broken argument; the promise: the float64
reference's answer on a contiguous copy, or a TypeError/ValueError naming an
argument, and the inputs untouched. Optional like torch: skipped without Hypothesis.
"""
import numpy as np

from properties import PROPERTY_SETTINGS, check_promise, forms

from hypothesis import given, strategies as st  # noqa: E402  (properties skips the file without Hypothesis)

size = st.integers(1, 4)

# ---------------------------------------------------------------- attention

@PROPERTY_SETTINGS
@given(st.data(), size, size, size, size, size, st.sampled_from(["dot", "additive"]))
def test_attention_forward_and_backward_keep_the_promise(data, n_a, n_att, m, T_x, T_y, score):
    from Attention import attention_backward, attention_forward
    rng = np.random.default_rng(7)
    arguments = {"a_enc": rng.standard_normal((n_a, m, T_x)), "a_dec": rng.standard_normal((n_a, m, T_y)),
                 "dcontext": rng.standard_normal((n_a, m, T_y))}
    if score == "additive":
        arguments["parameters"] = {"Wa": rng.standard_normal((n_att, n_a)), "Ua": rng.standard_normal((n_att, n_a)),
                                   "va": rng.standard_normal((n_att, 1))}

    def both(a_enc, a_dec, dcontext, parameters=None):
        context, alphas, cache = attention_forward(a_enc, a_dec, score, parameters)
        return context, alphas, attention_backward(dcontext, cache)

    free = [(("a_enc",), 2)]                       # T_x and T_y are each the caller's
    check_promise(both, *data.draw(forms(arguments, follows=[("dcontext",)], free=free)))


@PROPERTY_SETTINGS
@given(st.data(), st.sampled_from([3, 5]), size, size, size, size, st.sampled_from(["dot", "additive"]))
def test_the_attention_models_functions_keep_the_promise(data, V, n_a, m, T_e, T_d, score):
    import AttentionSeq2SeqModel as model
    rng = np.random.default_rng(8)
    arguments = {"parameters": model.init_parameters(V, n_a, score, rng), "x_enc": rng.standard_normal((V, m, T_e)),
                 "x_dec": rng.standard_normal((V, m, T_d)), "targets": rng.integers(0, V, size=(m, T_d))}
    labels = [("targets",)]
    free = [(("x_enc",), 2)]                       # a question of any length T_e
    arguments, broken = data.draw(forms(arguments, label_paths=labels, free=free))
    check_promise(lambda **a: model.attention_seq2seq_loss_and_gradients(**a, score=score), arguments, broken, labels)
    if broken is None:
        arguments.pop("x_dec")
        arguments.pop("targets")
        check_promise(lambda **a: model.greedy_decode(**a, steps=3, start=1, score=score), arguments, None)
