"""From NumPy to PyTorch: the same networks, the same numbers (chapter: Next: PyTorch).

    python TorchBridge.py --checkpoint checkpoints/char_rnn.npz --text README.md
    python TorchBridge.py --help

What was built here by hand is what torch.nn computes, once the weights are
laid out the way torch wants them. Three differences of convention:

- Rows, not columns. torch keeps one example per *row* and computes
  x W^T, where this project keeps one example per column and computes W x.
  The two products hold the same numbers, so a weight matrix is copied as
  it is, (hidden, input) in both: never transposed. Only the data moves:
  our x (n_x, m, T_x) is torch's (T_x, m, n_x), our a0 (n_a, m) its
  h0 (1, m, n_a) (one layer).
- Two biases. torch adds bias_ih after the input product and bias_hh after
  the hidden one; we add one, ba. Going to torch, ba goes into bias_ih and
  bias_hh is zero; coming back, the two are summed.
- The LSTM's gates. We keep four matrices Wf, Wi, Wc, Wo, each (n_a, n_a + n_x)
  and applied to [a_prev; xt] (a_prev on top, so its columns come first).
  torch stacks the gates in the order i, f, g, o (its g is our candidate c)
  into weight_ih (4 n_a, n_x) for the input and weight_hh (4 n_a, n_a) for
  the hidden state: each of our matrices is cut into its a_prev columns and
  its x columns.

The GRU cannot be carried over to torch.nn.GRU, and the reason is one line
of the equations (see GRU_UNIT_CELL.py): our candidate is
tanh(Wc [r * a_prev; xt] + bc), the reset gate applied *before* the product
(Cho et al., 2014), while torch.nn.GRU computes
tanh(W_in xt + b_in + r * (W_hn a_prev + b_hn)), the gate applied *after* it.
No choice of weights makes the two equal for every input. (torch's update
gate z keeps the old state where our u keeps the new one; that part would
map exactly, since 1 - sigmoid(s) = sigmoid(-s).) So gru_to_torch gives a
small torch.nn.Module, ChoGRU, with our equations, to train or to run in
torch, and gru_from_torch reads one back.

torch is optional, and imported once, at the top of this file: no other
file of the project imports it. Without torch this file still imports (so
the tests and the rest of the project never need it); each function that
needs torch then raises an ImportError saying how to install it.
"""
import argparse
import os
import sys

import numpy as np

try:
    import torch
except ImportError:                  # optional: require_torch() says how to install it
    torch = None

from CharRNN import DEFAULT_CHECKPOINT, DEFAULT_TEXT, load_checkpoint, read_text, sharpen
from ForwardPropagation import gate_keys
from checkpoint import UsageError, parse_options, positive, random_seed
from GRU_UNIT_CELL import GRU_GATES
from LSTM_UNIT_CELL import LSTM_GATES
from RNN_UNIT_CELL import RNN_PARAMETER_KEYS, check_rnn_parameters, rnn_cell_forward
from program_support import one_hot, run_program
from VectorizedRNN import rnn_forward_vectorized
from validation import check_array, check_gated_parameters, check_parameters, result_dtype

TORCH_MISSING = "TorchBridge needs torch: python -m pip install torch"
TORCH_LSTM_ORDER = "ifco"      # our gate letters in the order torch stacks them (its g is our c)


def require_torch():
    """Nothing if torch is installed; else an ImportError whose message says how to install it."""
    if torch is None:
        raise ImportError(TORCH_MISSING)


# ---------------------------------------------------------------- small pieces

def to_tensor(array):
    """A copy of a numpy array as a torch tensor of the same dtype."""
    return torch.tensor(np.asarray(array))


def to_array(tensor):
    """A copy of a torch tensor as a numpy array; float16 and bfloat16 become float64."""
    tensor = tensor.detach().cpu()
    if tensor.dtype not in (torch.float32, torch.float64):
        tensor = tensor.double()
    return tensor.numpy().copy()


def column(bias):
    """torch's bias vector (n,) as our column (n, 1)."""
    return bias.reshape(-1, 1)


def torch_dtype(parameters, keys):
    """The torch dtype matching the parameters' (float32 stays float32, anything else float64)."""
    return getattr(torch, result_dtype(*(parameters[key] for key in keys)).name)


def gated_dims(parameters, gates):
    """Check an LSTM ("fico") or GRU ("ruc") parameters dict; give n_x, n_a, n_y.

    n_x is not given by any input here, so it is read off the first gate's
    weight: (n_a, n_a + n_x), with n_a the width of Wy.
    """
    check_parameters(parameters, gate_keys(gates))
    first = "W" + gates[0]
    check_array(first, parameters[first], 2)
    check_array("Wy", parameters["Wy"], 2)
    n_x = parameters[first].shape[1] - parameters["Wy"].shape[1]
    if n_x < 1:
        raise ValueError(f"{first} has {parameters[first].shape[1]} columns for n_a = "
                         f"{parameters['Wy'].shape[1]} (the width of Wy): it needs n_a + n_x with n_x >= 1")
    return check_gated_parameters(parameters, gates, n_x=n_x)


def output_layer_to_torch(parameters, weight_key, dtype):
    """Our output layer (Wy (n_y, n_a), by (n_y, 1)) as torch.nn.Linear(n_a, n_y)."""
    n_y, n_a = parameters[weight_key].shape
    linear = torch.nn.Linear(n_a, n_y, dtype=dtype)
    with torch.no_grad():
        linear.weight.copy_(to_tensor(parameters[weight_key]))     # (out, in), as ours
        linear.bias.copy_(to_tensor(parameters["by"][:, 0]))
    return linear


def output_layer_from_torch(linear, hidden_size):
    """torch.nn.Linear(n_a, n_y) back to (Wy, by); TypeError or ValueError if it does not fit."""
    if not isinstance(linear, torch.nn.Linear):
        raise TypeError(f"linear must be a torch.nn.Linear, got {type(linear).__name__}")
    if linear.in_features != hidden_size:
        raise ValueError(f"linear reads {linear.in_features} features, the recurrent layer gives "
                         f"hidden_size = {hidden_size}")
    weight = to_array(linear.weight)
    bias = to_array(linear.bias) if linear.bias is not None else np.zeros(weight.shape[0], weight.dtype)
    return weight, column(bias)


def check_one_layer(module, kind):
    """Refuse what our single-layer, one-direction cells cannot represent."""
    if not isinstance(module, getattr(torch.nn, kind)):
        raise TypeError(f"expected a torch.nn.{kind}, got {type(module).__name__}")
    if module.num_layers != 1:
        raise ValueError(f"the torch.nn.{kind} has num_layers = {module.num_layers}; our cell is one "
                         f"layer, so only num_layers = 1 can be converted")
    if module.bidirectional:
        raise ValueError(f"the torch.nn.{kind} is bidirectional; our cell reads in one direction only")
    if getattr(module, "proj_size", 0):
        raise ValueError(f"the torch.nn.{kind} has proj_size = {module.proj_size}; our LSTM has no "
                         f"projection of the hidden state")


def summed_biases(module, rows):
    """bias_ih_l0 + bias_hh_l0 as a column (rows, 1): the one bias of ours; zeros without biases."""
    if not module.bias:
        return np.zeros((rows, 1), dtype=to_array(module.weight_ih_l0).dtype)
    return column(to_array(module.bias_ih_l0) + to_array(module.bias_hh_l0))


# ---------------------------------------------------------------- the basic RNN

def rnn_to_torch(parameters):
    """The basic RNN as torch.nn.RNN (tanh) and torch.nn.Linear, with the same numbers.

    Arguments:
    parameters -- python dictionary with Wax (n_a, n_x), Waa (n_a, n_a),
                  Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1), as in rnn_forward

    Returns:
    rnn -- torch.nn.RNN(n_x, n_a): weight_ih_l0 = Wax, weight_hh_l0 = Waa,
           bias_ih_l0 = ba, bias_hh_l0 = 0; input (T_x, m, n_x), h0 (1, m, n_a)
    linear -- torch.nn.Linear(n_a, n_y): weight = Wya, bias = by;
              softmax(linear(output), dim=-1) is our y_pred, as (T_x, m, n_y)
    Both in float32 if every parameter is float32, else float64.
    """
    require_torch()
    check_parameters(parameters, RNN_PARAMETER_KEYS)
    check_array("Wax", parameters["Wax"], 2)
    dims = check_rnn_parameters(parameters, n_x=parameters["Wax"].shape[1])
    dtype = torch_dtype(parameters, RNN_PARAMETER_KEYS)

    rnn = torch.nn.RNN(dims["n_x"], dims["n_a"], nonlinearity="tanh", dtype=dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(to_tensor(parameters["Wax"]))
        rnn.weight_hh_l0.copy_(to_tensor(parameters["Waa"]))
        rnn.bias_ih_l0.copy_(to_tensor(parameters["ba"][:, 0]))
        rnn.bias_hh_l0.zero_()                   # our one bias is all in bias_ih
    return rnn, output_layer_to_torch(parameters, "Wya", dtype)


def rnn_from_torch(rnn, linear):
    """A one-layer tanh torch.nn.RNN and its torch.nn.Linear output as our parameters dict.

    Arguments:
    rnn -- torch.nn.RNN with num_layers = 1, not bidirectional, nonlinearity "tanh"
           (batch_first does not matter: it changes the data's layout, not the weights)
    linear -- torch.nn.Linear(rnn.hidden_size, n_y)

    Returns:
    parameters -- dict with Wax, Waa, Wya, ba, by (new numpy arrays);
                  ba = bias_ih_l0 + bias_hh_l0

    Raises TypeError for anything but those modules, ValueError for a module
    our cell cannot represent (more layers, two directions, relu, a Linear
    of the wrong width).
    """
    require_torch()
    check_one_layer(rnn, "RNN")
    if rnn.nonlinearity != "tanh":
        raise ValueError(f"the torch.nn.RNN uses {rnn.nonlinearity!r}; our cell uses tanh")
    Wya, by = output_layer_from_torch(linear, rnn.hidden_size)
    return {"Wax": to_array(rnn.weight_ih_l0), "Waa": to_array(rnn.weight_hh_l0), "Wya": Wya,
            "ba": summed_biases(rnn, rnn.hidden_size), "by": by}


# ---------------------------------------------------------------- the LSTM

def lstm_to_torch(parameters):
    """Our LSTM as torch.nn.LSTM and torch.nn.Linear, with the same numbers.

    Arguments:
    parameters -- python dictionary with Wf, Wi, Wc, Wo (n_a, n_a + n_x),
                  bf, bi, bc, bo (n_a, 1), Wy (n_y, n_a), by (n_y, 1), as in lstm_forward

    Returns:
    lstm -- torch.nn.LSTM(n_x, n_a): weight_ih_l0 (4 n_a, n_x) stacks the
            x columns of Wi, Wf, Wc, Wo (torch's order i, f, g, o),
            weight_hh_l0 (4 n_a, n_a) their a_prev columns, bias_ih_l0 stacks
            bi, bf, bc, bo and bias_hh_l0 is zero. lstm_forward starts the
            cell state at zero: pass (h0, zeros) to match it.
    linear -- torch.nn.Linear(n_a, n_y): weight = Wy, bias = by
    """
    require_torch()
    dims = gated_dims(parameters, LSTM_GATES)
    n_a = dims["n_a"]
    dtype = torch_dtype(parameters, gate_keys(LSTM_GATES))
    p = parameters
    # [a_prev; xt] puts a_prev first: the first n_a columns of Wg read a_prev, the rest read x.
    weight_hh = np.concatenate([p["W" + g][:, :n_a] for g in TORCH_LSTM_ORDER])
    weight_ih = np.concatenate([p["W" + g][:, n_a:] for g in TORCH_LSTM_ORDER])
    bias = np.concatenate([p["b" + g][:, 0] for g in TORCH_LSTM_ORDER])

    lstm = torch.nn.LSTM(dims["n_x"], n_a, dtype=dtype)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(to_tensor(weight_ih))
        lstm.weight_hh_l0.copy_(to_tensor(weight_hh))
        lstm.bias_ih_l0.copy_(to_tensor(bias))
        lstm.bias_hh_l0.zero_()
    return lstm, output_layer_to_torch(parameters, "Wy", dtype)


def lstm_from_torch(lstm, linear):
    """A one-layer torch.nn.LSTM and its torch.nn.Linear output as our parameters dict.

    Arguments:
    lstm -- torch.nn.LSTM with num_layers = 1, not bidirectional, proj_size = 0
    linear -- torch.nn.Linear(lstm.hidden_size, n_y)

    Returns:
    parameters -- dict with Wf, Wi, Wc, Wo (n_a, n_a + n_x), bf, bi, bc, bo
                  (n_a, 1) (bias_ih + bias_hh of the gate), Wy, by

    Raises TypeError or ValueError as rnn_from_torch.
    """
    require_torch()
    check_one_layer(lstm, "LSTM")
    n_a = lstm.hidden_size
    Wy, by = output_layer_from_torch(linear, n_a)
    weight_ih, weight_hh = to_array(lstm.weight_ih_l0), to_array(lstm.weight_hh_l0)
    bias = summed_biases(lstm, 4 * n_a)
    parameters = {}
    for k, g in enumerate(TORCH_LSTM_ORDER):       # gate k is rows k n_a .. (k + 1) n_a
        rows = slice(k * n_a, (k + 1) * n_a)
        parameters["W" + g] = np.concatenate((weight_hh[rows], weight_ih[rows]), axis=1)   # [a_prev | x]
        parameters["b" + g] = bias[rows].copy()
    parameters["Wy"], parameters["by"] = Wy, by
    return {key: parameters[key] for key in gate_keys(LSTM_GATES)}


# ---------------------------------------------------------------- the GRU

class ChoGRU(torch.nn.Module if torch is not None else object):     # without torch: a class that cannot be built
    """Our GRU (GRU_UNIT_CELL.py) as a torch module: the reset gate before the product with Wc.

    Parameters, named and shaped as ours except that biases are torch's
    vectors: Wr, Wu, Wc (n_a, n_a + n_x), br, bu, bc (n_a,).
    Called like torch.nn.GRU: module(x, h0) with x (T_x, m, n_x) and
    h0 (1, m, n_a) (zeros if omitted) returns (output (T_x, m, n_a),
    h_n (1, m, n_a)). Autograd gives the gradients gru_backward computes.
    """

    def __init__(self, input_size, hidden_size, dtype=None):
        require_torch()
        super().__init__()
        dtype = dtype or torch.float64
        self.input_size, self.hidden_size = input_size, hidden_size
        for g in GRU_GATES:
            self.register_parameter("W" + g, torch.nn.Parameter(
                torch.zeros(hidden_size, hidden_size + input_size, dtype=dtype)))
            self.register_parameter("b" + g, torch.nn.Parameter(torch.zeros(hidden_size, dtype=dtype)))

    def forward(self, x, h0=None):
        a = h0[0] if h0 is not None else x.new_zeros(x.shape[1], self.hidden_size)
        outputs = []
        for xt in x:                               # one time step, (m, n_x): a row per example
            concat = torch.cat((a, xt), dim=1)     # [a_prev; xt] as rows, so W acts as concat W^T
            r = torch.sigmoid(concat @ self.Wr.T + self.br)
            u = torch.sigmoid(concat @ self.Wu.T + self.bu)
            candidate = torch.tanh(torch.cat((r * a, xt), dim=1) @ self.Wc.T + self.bc)
            a = u * candidate + (1 - u) * a
            outputs.append(a)
        output = torch.stack(outputs)
        return output, output[-1:]


def gru_to_torch(parameters):
    """Our GRU as a ChoGRU module (our equations, not torch.nn.GRU's) and torch.nn.Linear.

    Arguments:
    parameters -- python dictionary with Wr, Wu, Wc (n_a, n_a + n_x),
                  br, bu, bc (n_a, 1), Wy (n_y, n_a), by (n_y, 1), as in gru_forward

    Returns:
    gru -- ChoGRU(n_x, n_a) holding the same numbers
    linear -- torch.nn.Linear(n_a, n_y): weight = Wy, bias = by
    """
    require_torch()
    dims = gated_dims(parameters, GRU_GATES)
    dtype = torch_dtype(parameters, gate_keys(GRU_GATES))
    gru = ChoGRU(dims["n_x"], dims["n_a"], dtype=dtype)
    with torch.no_grad():
        for g in GRU_GATES:
            getattr(gru, "W" + g).copy_(to_tensor(parameters["W" + g]))
            getattr(gru, "b" + g).copy_(to_tensor(parameters["b" + g][:, 0]))
    return gru, output_layer_to_torch(parameters, "Wy", dtype)


def gru_from_torch(gru, linear):
    """A ChoGRU and its torch.nn.Linear output as our parameters dict.

    Raises TypeError for a torch.nn.GRU: its reset gate acts after the
    product with the hidden weights, which our cell cannot represent.
    """
    require_torch()
    if isinstance(gru, torch.nn.GRU):
        raise TypeError("a torch.nn.GRU applies its reset gate after the product with its hidden weights, "
                        "our GRU before it: no weights of ours compute the same; only a ChoGRU converts")
    if not isinstance(gru, ChoGRU):
        raise TypeError(f"expected a ChoGRU (from gru_to_torch), got {type(gru).__name__}")
    parameters = {}
    for g in GRU_GATES:
        parameters["W" + g] = to_array(getattr(gru, "W" + g))
        parameters["b" + g] = column(to_array(getattr(gru, "b" + g)))
    parameters["Wy"], parameters["by"] = output_layer_from_torch(linear, gru.hidden_size)
    return parameters


# ---------------------------------------------------------------- the checkpoint, in both

def read_model(path):
    """The parameters and vocabulary of a TruncatedBPTT.py checkpoint; UsageError if it is not one."""
    if not os.path.exists(path):
        raise UsageError(f"no checkpoint at {path} (train one with: python TruncatedBPTT.py --checkpoint {path})")
    # load_checkpoint checks every array (kind, shape, finite values) and says what is wrong in one line
    loaded = load_checkpoint(path)
    parameters, chars = loaded[0], loaded[3]
    return parameters, chars


def text_indices(text, chars, path):
    """The text as indices into the checkpoint's vocabulary; UsageError for characters it lacks."""
    char_to_index = {c: i for i, c in enumerate(chars)}
    unknown = sorted(set(text) - set(chars))
    if unknown:
        raise UsageError(f"{path} has {len(unknown)} characters the checkpoint's vocabulary lacks: "
                         + ", ".join(repr(c) for c in unknown[:10]))
    return np.array([char_to_index[c] for c in text], dtype=np.int64)


def probabilities_numpy(parameters, indices):
    """Next-character probabilities at every position, our forward pass: (V, N)."""
    vocab_size, hidden = parameters["Wya"].shape
    _, y_pred, _ = rnn_forward_vectorized(one_hot(indices[None, :], vocab_size), np.zeros((hidden, 1)),
                                          parameters)
    return y_pred[:, 0, :]


def probabilities_torch(rnn, linear, indices, vocab_size):
    """The same with torch.nn.RNN and Linear: (V, N), as a numpy array."""
    require_torch()
    with torch.no_grad():
        x = torch.nn.functional.one_hot(torch.from_numpy(indices), vocab_size)      # (N, V)
        output, _ = rnn(x[:, None, :].to(rnn.weight_ih_l0.dtype))                  # (N, 1, n_a), h0 = 0
        return to_array(torch.softmax(linear(output[:, 0, :]), dim=1).T)


def draw(probabilities, uniform, temperature):
    """A character index from probabilities (V,) and one uniform number in [0, 1): the inverse CDF.

    The index is the first one whose cumulative probability passes `uniform`,
    so the same uniform gives the same character from the same probabilities.
    The temperature is applied by CharRNN.sharpen, as in CharRNN.sample: in
    logarithms, so that no probability underflows even at T = 0.001.
    """
    cumulative = np.cumsum(sharpen(probabilities, temperature))
    return min(int(np.searchsorted(cumulative, uniform, side="right")), len(cumulative) - 1)


def sample_with(step, state, first_index, uniforms, temperature):
    """Let a model write: step(index, state) -> (probabilities (V,), state); one uniform per character."""
    index, drawn = first_index, []
    for uniform in uniforms:
        probabilities, state = step(index, state)
        index = draw(probabilities, uniform, temperature)
        drawn.append(index)
    return drawn


def numpy_step(parameters):
    """One step of our RNN cell, for sample_with: the state is a (n_a, 1)."""
    vocab_size = parameters["Wax"].shape[1]

    def step(index, a):
        x = np.zeros((vocab_size, 1))
        x[index] = 1
        a, probabilities, _ = rnn_cell_forward(x, a, parameters)
        return probabilities[:, 0], a
    return step


def torch_step(rnn, linear):
    """One step of torch.nn.RNN, for sample_with: the state is h (1, 1, n_a)."""
    require_torch()

    def step(index, h):
        with torch.no_grad():
            x = rnn.weight_ih_l0.new_zeros(1, 1, rnn.input_size)
            x[0, 0, index] = 1
            output, h = rnn(x, h)
            return to_array(torch.softmax(linear(output[0, 0]), dim=0)), h
    return step


def compare(checkpoint, text_path, length, temperature, seed):
    """Run the checkpoint in NumPy and in torch on the same text; print and return the differences."""
    require_torch()
    parameters, chars = read_model(checkpoint)
    indices = text_indices(read_text(text_path), chars, text_path)
    rnn, linear = rnn_to_torch(parameters)
    print(f"checkpoint: {checkpoint} ({len(chars)} characters, {parameters['Waa'].shape[0]} hidden units); "
          f"torch {torch.__version__}")

    difference = float(np.max(np.abs(probabilities_numpy(parameters, indices)
                                     - probabilities_torch(rnn, linear, indices, len(chars)))))
    print(f"next-character probabilities at all {len(indices):,} positions of {text_path}: "
          f"largest |NumPy - torch| = {difference:.3g}")

    uniforms = np.random.default_rng(seed).random(length)        # the same draws for both models
    hidden = parameters["Waa"].shape[0]
    ours = sample_with(numpy_step(parameters), np.zeros((hidden, 1)), indices[0], uniforms, temperature)
    theirs = sample_with(torch_step(rnn, linear), torch.zeros(1, 1, hidden, dtype=rnn.weight_ih_l0.dtype),
                         indices[0], uniforms, temperature)
    for name, drawn in (("NumPy", ours), ("torch", theirs)):
        print(f"--- sample from {name} (seed {seed}, temperature {temperature}) ---\n"
              f"{''.join(chars[i] for i in drawn)}\n---")
    same = sum(a == b for a, b in zip(ours, theirs))
    print(f"largest probability difference {difference:.3g}; "
          f"the samples agree on {same} of {length} characters")
    return difference, same


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Run a TruncatedBPTT.py checkpoint in NumPy and in PyTorch "
                                                 "and show that they compute the same.")
    parser.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT,
                        help=f"checkpoint written by TruncatedBPTT.py (default {DEFAULT_CHECKPOINT})")
    parser.add_argument("--text", default=DEFAULT_TEXT, help="UTF-8 text to read (default: TruncatedBPTT.py's, data/alice29.txt)")
    parser.add_argument("--length", type=positive(int, high=1_000_000), default=200, help="characters to sample (default 200)")
    parser.add_argument("--temperature", type=positive(float), default=0.8, help="default 0.8")
    parser.add_argument("--seed", type=random_seed(), default=1, help="seed of the uniform draws (default 1)")
    return parse_options(parser, argv)


def main(argv=None):
    args = parse_arguments(argv)
    if torch is None:
        print(TORCH_MISSING, file=sys.stderr)
        return 2
    # One short sequence of small products: a second thread has nothing to share and only
    # waits (sampling took 56 ms a character with two threads on a busy machine, 1 ms with one).
    torch.set_num_threads(1)
    return run_program("TorchBridge.py", bridge, args)


def bridge(args):
    """Compare, and judge: float64 in both, so anything above rounding means a mistake in the mapping."""
    difference, same = compare(args.checkpoint, args.text, args.length, args.temperature, args.seed)
    return 0 if difference <= 1e-10 and same == args.length else 1


if __name__ == "__main__":
    sys.exit(main())
