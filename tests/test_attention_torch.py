"""Attention.py against PyTorch's autograd of the same equations (skipped without torch).

torch writes the layer batch-first, the way its users would (torch.bmm over the
examples, torch.softmax over the encoder's steps); autograd then differentiates it.
Everything is float64, and "the same" means equal to 1e-10 relative to the size of the numbers.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (optional): python -m pip install torch "
                                            "to compare the layer with PyTorch's autograd")

from Attention import attention_backward, attention_forward  # noqa: E402
from test_attention import SHAPES, random_attention  # noqa: E402

TOLERANCE = 1e-10


def torch_attention(a_enc, a_dec, score, parameters):
    """context (n_a, m, T_y) and alphas (T_x, m, T_y) computed by torch from tensors in our layout."""
    enc, dec = a_enc.permute(1, 2, 0), a_dec.permute(1, 2, 0)          # (m, T_x, n_a), (m, T_y, n_a)
    if score == "dot":
        e = torch.bmm(enc, dec.transpose(1, 2))                         # (m, T_x, T_y)
    else:
        hidden = torch.tanh((dec @ parameters["Wa"].T)[:, None, :, :]     # (m, 1, T_y, n_att)
                            + (enc @ parameters["Ua"].T)[:, :, None, :])  # (m, T_x, 1, n_att)
        e = (hidden @ parameters["va"])[..., 0]                          # (m, T_x, T_y)
    alphas = torch.softmax(e, dim=1)
    context = torch.bmm(alphas.transpose(1, 2), enc)                    # (m, T_y, n_a)
    return context.permute(2, 0, 1), alphas.permute(1, 0, 2)


def assert_close(ours, theirs, name):
    theirs = theirs.detach().numpy()
    scale = max(1.0, float(np.abs(theirs).max()))
    assert np.abs(ours - theirs).max() <= TOLERANCE * scale, name


@pytest.mark.parametrize("score", ["dot", "additive"])
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_and_gradients_match_torch(score, shape):
    a_enc, a_dec, parameters, dcontext = random_attention(score, *shape, seed=7)
    context, alphas, cache = attention_forward(a_enc, a_dec, score, parameters)
    gradients = attention_backward(dcontext, cache)

    tensors = {"a_enc": torch.tensor(a_enc, requires_grad=True), "a_dec": torch.tensor(a_dec, requires_grad=True)}
    torch_parameters = None
    if parameters is not None:
        torch_parameters = {key: torch.tensor(value, requires_grad=True) for key, value in parameters.items()}
        tensors.update(torch_parameters)
    torch_context, torch_alphas = torch_attention(tensors["a_enc"], tensors["a_dec"], score, torch_parameters)
    torch_context.backward(torch.tensor(dcontext))

    assert_close(context, torch_context, "context")
    assert_close(alphas, torch_alphas, "alphas")
    assert set(gradients) == {"d" + key for key in tensors}
    for key, tensor in tensors.items():
        assert_close(gradients["d" + key], tensor.grad, "d" + key)
