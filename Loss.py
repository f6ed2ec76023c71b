"""The per-step losses L<t> and the output layer's gradient (the training chapter).

The tutorial's figure gives every time step a loss L<t> and the sequence the
sum of them; its rnn_backward starts from `da`, "the gradient of the loss
with respect to the hidden states", without saying where it comes from. This
file computes both:

    z<t> = Wya a<t> + by            scores (logits), (n_y, m) per step
    y<t> = softmax(z<t>)            what rnn_forward returns as y_pred
    L    = (1/m) sum_t sum_i -log y<t>[target, i]

and then, by the chain rule, from the loss back to `da`:

    dz<t>  = (y<t> - one_hot(target<t>)) / m       (softmax and cross-entropy together)
    dWya   = sum_t dz<t> a<t>^T,    dby = sum_t sum_i dz<t>
    da<t>  = Wya^T dz<t>            which is what rnn_backward takes

Dimension letters as in RNN_UNIT_CELL.py: n_a hidden units, n_y classes,
m examples, T_x time steps.
"""
import numpy as np

from BackwardPropagation import rnn_backward
from ForwardPropagation import rnn_forward
from validation import checked_loss_arguments, checked_output_layer_arguments


def cross_entropy_loss(y_pred, targets):
    """Cross-entropy of the predictions, summed over time and averaged over the batch.

    Arguments:
    y_pred -- predicted probabilities, shape (n_y, m, T_x), each column summing to 1
    targets -- the correct class of every example at every step, integers in
               [0, n_y), shape (m, T_x)

    Returns:
    loss -- a Python float: (1/m) * sum over examples and steps of -log(probability of the target)
    dz -- gradient of loss with respect to the scores z = Wya a + by, shape (n_y, m, T_x)
    """
    y_pred, targets = checked_loss_arguments(y_pred, targets)

    n_y, m, T_x = y_pred.shape
    examples, steps = np.indices((m, T_x))            # pairs (i, t) to pick y_pred[target, i, t]
    p_target = y_pred[targets, examples, steps]
    # A probability that underflowed to exactly 0 would give log(0) = -inf; the smallest
    # positive float keeps the loss finite (about 708 per step in float64) without
    # changing any probability that is not already 0.
    tiny = np.finfo(y_pred.dtype).tiny
    loss = float(-np.sum(np.log(np.maximum(p_target, tiny))) / m)

    # d(-log softmax(z)[k]) / dz = softmax(z) - one_hot(k): subtract 1 at the target.
    dz = y_pred / m
    dz[targets, examples, steps] -= 1 / m
    return loss, dz


def output_layer_backward(dz, a, Wy):
    """Backpropagate through the output layer z<t> = Wy a<t> + by of every step.

    Arguments:
    dz -- gradient of the loss with respect to the scores, shape (n_y, m, T_x)
    a -- hidden states of every step, shape (n_a, m, T_x)
    Wy -- output weights, shape (n_y, n_a) (called Wya in the basic RNN, Wy in LSTM and GRU)

    Returns:
    dWy -- gradient with respect to Wy, shape (n_y, n_a), summed over steps and examples
    dby -- gradient with respect to by, shape (n_y, 1)
    da -- gradient with respect to every hidden state through the output, shape (n_a, m, T_x)

    Its gradient check: tests/test_loss.py::test_output_layer_backward_matches_numerical_gradient.
    """
    dz, a, Wy = checked_output_layer_arguments(dz, a, Wy)

    n_y, m, T_x = dz.shape
    n_a = a.shape[0]
    # Steps and examples are all columns of one big matrix: one product sums over both.
    dz_columns = dz.reshape(n_y, m * T_x)
    a_columns = a.reshape(n_a, m * T_x)
    dWy = np.dot(dz_columns, a_columns.T)
    dby = dz_columns.sum(axis=1, keepdims=True)
    da = np.dot(Wy.T, dz_columns).reshape(n_a, m, T_x)
    return dWy, dby, da


def rnn_loss_and_gradients(x, a0, targets, parameters, forward=rnn_forward, backward=rnn_backward):
    """Loss of one sequence (or chunk) and its gradient with respect to everything.

    Arguments:
    x -- inputs, shape (n_x, m, T_x)
    a0 -- hidden state before the first step, shape (n_a, m)
    targets -- correct class at every step, integers, shape (m, T_x)
    parameters -- python dictionary with Wax, Waa, Wya, ba, by (shapes as in rnn_forward)
    forward, backward -- the pair of passes to use; rnn_forward/rnn_backward by
        default, or any pair with the same arguments and results

    Returns:
    loss -- a Python float, as cross_entropy_loss
    gradients -- python dictionary with dWax, dWaa, dWya, dba, dby (shapes of the
                 parameters) and dx (n_x, m, T_x), da0 (n_a, m)
    a_last -- hidden state after the last step, shape (n_a, m): the a0 of the next chunk

    Its gradient check: tests/test_loss.py::test_full_gradient_of_the_loss_matches_numerical.
    """
    a, y_pred, caches = forward(x, a0, parameters)
    loss, dz = cross_entropy_loss(y_pred, targets)
    dWya, dby, da = output_layer_backward(dz, a, parameters["Wya"])
    gradients = backward(da, caches)          # from the hidden states back to Wax, Waa, ba, x, a0
    gradients["dWya"] = dWya
    gradients["dby"] = dby
    return loss, gradients, a[:, :, -1].copy()

