"""The LSTM and the GRU: tutorial passes, vectorized passes and torch, side by side.

    python benchmarks/bench_gated.py            # every size, float64 and float32 (a few minutes)
    python benchmarks/bench_gated.py --quick    # small sizes, few samples (seconds; CI smoke)
    python benchmarks/bench_gated.py --threads 1   # one thread for numpy's BLAS and for torch

Every contender does the same work: the forward pass with the output layer
and softmax at every step (the cell state of the LSTM starting at zero),
then the backward pass from an upstream gradient `da` on the hidden states,
returning dx, da0 and the gradient of every gate's weight and bias.

- tutorial path: ForwardPropagation.lstm_forward + BackwardPropagation.lstm_backward
  (gru_forward + gru_backward), one cell per step
- vectorized: VectorizedLSTM.py / VectorizedGRU.py
- floor: only the matrix products nobody can avoid (the input projections,
  the recurrent products of every step forward and backward, the output
  layer, the weight gradients and dx), into buffers allocated beforehand,
  with no element-wise work at all: a lower bound, not an LSTM
- torch (if installed; optional): for the LSTM, torch.nn.LSTM (bias_hh fixed
  at zero: the tutorial has one bias per gate) + nn.Linear + softmax. For the
  GRU, torch.nn.GRU would not do: it applies its reset gate after the
  recurrent product, r * (W a_prev), where our cell multiplies r * a_prev
  before it. So the torch GRU is our cell's equations written with torch
  tensors, the input projections of all steps in one product like
  torch.nn.GRU does, the recurrence in a Python loop; backward with autograd.
- torch, no oneDNN: the same, with torch.backends.mkldnn switched off. In
  float32, torch.nn.LSTM runs oneDNN's fused LSTM kernel (forward and
  backward in compiled code); this column shows what torch does without it.

The measuring (rotating turns, medians, the machine line) is bench_rnn.py's,
imported from it: see its docstring. Sizes are (n_x, n_a, n_y, m, T_x): the
chapter's clue task (VanishingGradient.py), a medium and a large size.
"""
import os
import sys
import warnings


def threads_option(argv):
    """The N of --threads N (None if absent); exits with a one-line error if N is not a positive integer."""
    if "--threads" not in argv:
        return None
    position = argv.index("--threads") + 1
    if position >= len(argv) or not argv[position].isdigit() or not 1 <= int(argv[position]) <= 1024:
        sys.exit("bench_gated.py: --threads needs a whole number from 1 to 1024, e.g. --threads 1")
    return int(argv[position])


THREADS = threads_option(sys.argv)
if THREADS is not None:                # before numpy loads its BLAS, which reads these once
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(THREADS)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_rnn import format_time, machine, time_interleaved, torch  # noqa: E402
from BackwardPropagation import gru_backward, lstm_backward  # noqa: E402
from ForwardPropagation import gru_forward, lstm_forward  # noqa: E402
from GRU_UNIT_CELL import GRU_GATES  # noqa: E402
from LSTM_UNIT_CELL import LSTM_GATES  # noqa: E402
from VectorizedGRU import gru_backward_vectorized, gru_forward_vectorized  # noqa: E402
from VectorizedLSTM import lstm_backward_vectorized, lstm_forward_vectorized  # noqa: E402

SIZES = {"chapter": (8, 32, 4, 32, 100), "medium": (64, 128, 64, 32, 100), "large": (128, 256, 128, 64, 200)}
QUICK_SIZES = {"tiny": (3, 5, 2, 10, 4), "small": (16, 32, 16, 8, 20)}
BUDGET = {"chapter": (21, 2), "medium": (15, 1), "large": (5, 1), "tiny": (3, 2), "small": (3, 1)}   # samples, repeats
CONTENDERS = ("tutorial path", "vectorized", "floor", "torch", "torch, no oneDNN")


# ---------------------------------------------------------------- contenders: setup -> run() -> (a, y, gradients)

def numpy_contender(forward, backward):
    """Both passes of this project; forward returns (a, y, [c,] cache)."""
    def setup(x, a0, parameters, da):
        def run():
            a, y, *_, cache = forward(x, a0, parameters)
            return a, y, backward(da, cache)
        return run
    return setup


def torch_tensors(x, a0, da):
    """x, a0 and da in torch's batch-second layout: (T_x, m, n_x), (1, m, n_a), (T_x, m, n_a)."""
    x_t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 1, 0))).requires_grad_(True)
    h0 = torch.from_numpy(np.ascontiguousarray(a0.T))[None].requires_grad_(True)
    da_t = torch.from_numpy(np.ascontiguousarray(da.transpose(2, 1, 0)))
    return x_t, h0, da_t


def torch_output_layer(parameters, dtype):
    n_y, n_a = parameters["Wy"].shape
    layer = torch.nn.Linear(n_a, n_y).to(dtype)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(parameters["Wy"]))
        layer.bias.copy_(torch.from_numpy(parameters["by"][:, 0]))
    return layer


def to_numpy(tensor):
    return tensor.detach().numpy()


def torch_lstm_setup(x, a0, parameters, da):
    """torch.nn.LSTM with the same weights. Its gate rows are in the order i, f, g (= our c), o."""
    dtype = torch.float64 if x.dtype == np.float64 else torch.float32
    n_x, m, T_x = x.shape
    n_a = a0.shape[0]
    torch_order = "ifco"
    lstm = torch.nn.LSTM(n_x, n_a).to(dtype)
    with torch.no_grad():       # our Wg acts on [a_prev; x]: its first n_a columns are torch's weight_hh
        lstm.weight_hh_l0.copy_(torch.from_numpy(np.concatenate([parameters["W" + g][:, :n_a] for g in torch_order])))
        lstm.weight_ih_l0.copy_(torch.from_numpy(np.concatenate([parameters["W" + g][:, n_a:] for g in torch_order])))
        lstm.bias_ih_l0.copy_(torch.from_numpy(np.concatenate([parameters["b" + g][:, 0] for g in torch_order])))
        lstm.bias_hh_l0.zero_()
    lstm.bias_hh_l0.requires_grad_(False)
    out_layer = torch_output_layer(parameters, dtype)
    x_t, h0, da_t = torch_tensors(x, a0, da)
    c0 = torch.zeros((1, m, n_a), dtype=dtype)
    leaves = (x_t, h0, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0)

    def run():
        for tensor in leaves:
            tensor.grad = None
        h, _ = lstm(x_t, (h0, c0))
        y = torch.softmax(out_layer(h), dim=2)
        h.backward(da_t)
        gradients = {"dx": to_numpy(x_t.grad).transpose(2, 1, 0), "da0": to_numpy(h0.grad[0]).T}
        for k, g in enumerate(torch_order):
            rows = slice(k * n_a, (k + 1) * n_a)
            gradients["dW" + g] = np.concatenate((to_numpy(lstm.weight_hh_l0.grad[rows]),
                                                  to_numpy(lstm.weight_ih_l0.grad[rows])), axis=1)
            gradients["db" + g] = to_numpy(lstm.bias_ih_l0.grad[rows])[:, None]
        return to_numpy(h).transpose(2, 1, 0), to_numpy(y).transpose(2, 1, 0), gradients
    return run


def torch_gru_setup(x, a0, parameters, da):
    """Our GRU cell's equations (GRU_UNIT_CELL.py) in torch, autograd for the backward pass."""
    dtype = torch.float64 if x.dtype == np.float64 else torch.float32
    n_a = a0.shape[0]
    W = {g: torch.from_numpy(parameters["W" + g].copy()).requires_grad_(True) for g in GRU_GATES}
    b = {g: torch.from_numpy(parameters["b" + g][:, 0].copy()).requires_grad_(True) for g in GRU_GATES}
    out_layer = torch_output_layer(parameters, dtype)
    x_t, h0, da_t = torch_tensors(x, a0, da)
    leaves = (x_t, h0, *W.values(), *b.values())

    def run():
        for tensor in leaves:
            tensor.grad = None
        W_input = torch.cat([W[g][:, n_a:] for g in GRU_GATES])         # (3 n_a, n_x)
        inputs = torch.matmul(x_t, W_input.T) + torch.cat([b[g] for g in GRU_GATES])   # every step at once
        # unbind, not inputs[t]: the backward of each slice would fill a gradient of the whole
        # (T_x, m, 3 n_a) tensor, T_x times over; unbind's backward stacks the steps once
        ru_inputs, c_inputs = (part.unbind(0) for part in inputs.split([2 * n_a, n_a], dim=2))
        W_ru, W_c = torch.cat([W["r"][:, :n_a], W["u"][:, :n_a]]).T, W["c"][:, :n_a].T
        h, states = h0[0], []
        for ru_input, c_input in zip(ru_inputs, c_inputs):
            r, u = torch.sigmoid(ru_input + h @ W_ru).chunk(2, dim=1)
            candidate = torch.tanh(c_input + (r * h) @ W_c)
            h = h + u * (candidate - h)
            states.append(h)
        a = torch.stack(states)
        y = torch.softmax(out_layer(a), dim=2)
        a.backward(da_t)
        gradients = {"dx": to_numpy(x_t.grad).transpose(2, 1, 0), "da0": to_numpy(h0.grad[0]).T}
        for g in GRU_GATES:
            gradients["dW" + g] = to_numpy(W[g].grad)
            gradients["db" + g] = to_numpy(b[g].grad)[:, None]
        return to_numpy(a).transpose(2, 1, 0), to_numpy(y).transpose(2, 1, 0), gradients
    return run


def floor_setup(recurrent_splits):
    """Only the matrix products nobody can avoid, into buffers allocated beforehand: a lower bound.

    recurrent_splits -- how many gates each recurrent product of a step serves:
                        [4] for the LSTM, [2, 1] for the GRU (r and u, then the candidate)
    """
    def setup(x, a0, parameters, da):
        n_x, m, T_x = x.shape
        n_a, n_y = a0.shape[0], parameters["Wy"].shape[0]
        n_gates, dtype = sum(recurrent_splits), x.dtype
        rng = np.random.default_rng(0)
        X = np.ascontiguousarray(x.transpose(0, 2, 1)).reshape(n_x, T_x * m)
        W_input = rng.standard_normal((n_gates * n_a, n_x)).astype(dtype)
        W_parts = [rng.standard_normal((k * n_a, n_a)).astype(dtype) for k in recurrent_splits]
        Wy = parameters["Wy"]
        S = rng.standard_normal(((T_x + 1) * m, n_a)).astype(dtype)
        Z = np.empty((T_x * m, n_gates * n_a), dtype)
        DG = rng.standard_normal((T_x * m, n_gates * n_a)).astype(dtype)
        Y = np.empty((n_y, T_x * m), dtype)
        steps = [np.empty((m, k * n_a), dtype) for k in recurrent_splits]
        back = np.empty((m, n_a), dtype)
        dW_in, dW_rec = np.empty((n_gates * n_a, n_x), dtype), np.empty((n_gates * n_a, n_a), dtype)
        dX = np.empty((n_x, T_x * m), dtype)

        def run():
            np.dot(X.T, W_input.T, out=Z)
            for t in range(T_x):
                for W, out in zip(W_parts, steps):
                    np.dot(S[t * m:(t + 1) * m], W.T, out=out)
            np.dot(Wy, S[m:].T, out=Y)
            for t in range(T_x):
                start = 0
                for W in W_parts:
                    np.dot(DG[t * m:(t + 1) * m, start:start + W.shape[0]], W, out=back)
                    start += W.shape[0]
            np.dot(DG.T, X.T, out=dW_in)
            np.dot(DG.T, S[:-m], out=dW_rec)
            np.dot(W_input.T, DG.T, out=dX)
            return None
        return run
    return setup


def without_onednn(setup):
    """The same torch contender with oneDNN (mkldnn) switched off: torch's float32 nn.LSTM is then
    its own per-step ATen code, as in float64, instead of oneDNN's fused LSTM kernel."""
    def setup_off(x, a0, parameters, da):
        run = setup(x, a0, parameters, da)

        def run_off():
            with torch.backends.mkldnn.flags(enabled=False):
                return run()
        return run_off
    return setup_off


MODELS = {
    "LSTM": {"gates": LSTM_GATES, "tutorial path": numpy_contender(lstm_forward, lstm_backward),
             "vectorized": numpy_contender(lstm_forward_vectorized, lstm_backward_vectorized),
             "torch": torch_lstm_setup, "torch, no oneDNN": without_onednn(torch_lstm_setup),
             "floor": floor_setup([4])},
    "GRU": {"gates": GRU_GATES, "tutorial path": numpy_contender(gru_forward, gru_backward),
            "vectorized": numpy_contender(gru_forward_vectorized, gru_backward_vectorized),
            "torch": torch_gru_setup, "torch, no oneDNN": without_onednn(torch_gru_setup),
            "floor": floor_setup([2, 1])},
}


# ---------------------------------------------------------------- measuring

def inputs(gates, sizes, dtype, seed=0):
    """Seeded x, a0, parameters, da, scaled so that no gate saturates at any size."""
    n_x, n_a, n_y, m, T_x = sizes
    rng = np.random.default_rng(seed)
    parameters = {}
    for g in gates:
        parameters["W" + g] = rng.standard_normal((n_a, n_a + n_x)) / np.sqrt(n_a + n_x)
        parameters["b" + g] = rng.standard_normal((n_a, 1)) * 0.1
    parameters["Wy"] = rng.standard_normal((n_y, n_a)) / np.sqrt(n_a)
    parameters["by"] = rng.standard_normal((n_y, 1)) * 0.1
    x = rng.standard_normal((n_x, m, T_x))
    a0 = rng.standard_normal((n_a, m)) * 0.1
    da = rng.standard_normal((n_a, m, T_x))
    cast = lambda array: array.astype(dtype)
    return cast(x), cast(a0), {k: cast(v) for k, v in parameters.items()}, cast(da)


def check_agreement(runs, dtype):
    """Every contender must give the tutorial path's a, y and every gradient."""
    reference_a, reference_y, reference_g = runs["tutorial path"]()
    tolerance = 1e-9 if dtype == np.float64 else 2e-3
    scale = lambda r: tolerance * max(1.0, float(np.abs(r).max()))
    for name, run in runs.items():
        if name == "floor":
            continue
        a, y, g = run()
        assert np.allclose(a, reference_a, rtol=tolerance, atol=scale(reference_a)), name
        assert np.allclose(y, reference_y, rtol=tolerance, atol=scale(reference_y)), name
        assert set(g) == set(reference_g), name
        for key, value in reference_g.items():
            assert np.allclose(g[key], value, rtol=tolerance, atol=scale(value)), (name, key)


def measure(model, size, dtype, names, budget):
    """Check that the contenders agree, then give the median time of each (interleaved turns)."""
    setups = MODELS[model]
    runs = {name: setups[name](*inputs(setups["gates"], size, dtype)) for name in names}
    check_agreement(runs, dtype)
    return time_interleaved(runs, *budget)[0]


def ratio(medians, first, second):
    return f"{medians[first] / medians[second]:.2f}" if first in medians and second in medians else "-"


def main():
    quick = "--quick" in sys.argv
    unknown = [a for a in sys.argv[1:] if a not in ("--quick", "--threads") and a != str(THREADS)]
    if unknown:
        sys.exit(f"bench_gated.py: unknown option {unknown[0]} (use --quick, --threads N)")
    threads = THREADS or os.cpu_count() or 1
    if torch is not None:
        torch.set_num_threads(threads)     # as many as numpy's BLAS uses: every core unless --threads
        warnings.filterwarnings("ignore", message="TF32 acceleration")   # torch's note on switching oneDNN
    print(machine())
    print(f"threads: {threads} for numpy's BLAS and for torch" + ("" if THREADS else " (every core; --threads N to change)"))
    print()
    sizes = QUICK_SIZES if quick else SIZES
    if quick:
        print("--quick: a smoke run with few samples; its times are too noisy to quote.")
        print()
    names = [n for n in CONTENDERS if not n.startswith("torch") or torch is not None]
    print("Median time of forward + backward, interleaved samples")
    print(f"{'model':<6}{'size':<9}{'dtype':<9}" + "".join(f"{name:>18}" for name in names))
    results = []
    for model in MODELS:
        for size_name, size in sizes.items():
            for dtype in (np.float64, np.float32):
                medians = measure(model, size, dtype, names, BUDGET[size_name])
                results.append((model, size_name, np.dtype(dtype).name, medians))
                print(f"{model:<6}{size_name:<9}{np.dtype(dtype).name:<9}" +
                      "".join(f"{format_time(medians[n]):>18}" for n in names), flush=True)
    print()
    print("Ratios (below 1 means the first is faster)")
    print(f"{'model':<6}{'size':<9}{'dtype':<9}{'vectorized/torch':>18}{'vec./torch no DNN':>19}"
          f"{'vectorized/floor':>18}{'tutorial/vector.':>18}")
    for model, size_name, dtype_name, medians in results:
        print(f"{model:<6}{size_name:<9}{dtype_name:<9}{ratio(medians, 'vectorized', 'torch'):>18}"
              f"{ratio(medians, 'vectorized', 'torch, no oneDNN'):>19}{ratio(medians, 'vectorized', 'floor'):>18}"
              f"{ratio(medians, 'tutorial path', 'vectorized'):>18}")
    print()
    print("sizes (n_x, n_a, n_y, m, T_x): " + ", ".join(f"{name} {size}" for name, size in sizes.items()))


if __name__ == "__main__":
    main()
