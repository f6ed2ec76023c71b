"""Tutorial loops, vectorized passes, a matrix-product floor and torch.nn.RNN, side by side.

    python benchmarks/bench_rnn.py            # every size, float64 and float32 (a few minutes)
    python benchmarks/bench_rnn.py --quick    # small sizes, few samples (seconds; CI smoke)

Every contender does the same work: the forward pass with the output layer
and softmax at every step, then the backward pass from an upstream gradient
`da` on the hidden states, returning dx, da0, dWax, dWaa, dba.

- tutorial code: the tutorial's rnn_forward/rnn_backward exactly as printed
  in it (np.dot, one max for the whole softmax, no argument checks)
- tutorial path: this project's ForwardPropagation.rnn_forward +
  BackwardPropagation.rnn_backward (with argument checks)
- vectorized: VectorizedRNN.rnn_forward_vectorized + rnn_backward_vectorized
- floor: only the matrix products nobody can avoid, into buffers allocated
  beforehand, with no element-wise work at all: a lower bound, not an RNN
- torch: torch.nn.RNN (tanh, bias_hh fixed at zero) + nn.Linear + softmax on
  the CPU, backward with autograd, if torch is installed (optional)

Contenders are checked against each other before any timing. Then they run
in turns, the order rotating every round, and the medians are compared: on
a shared machine only ratios measured side by side mean much. Between
samples the script sleeps a little so that BLAS worker threads, which spin
for a while after a call, stop competing with the next contender. For the
long calls it also prints how much of each median was kernel time (Unix):
new arrays of tens of megabytes get fresh memory pages from the operating
system, and that cost comes and goes with the state of the machine. The
vectorized path recycles its big buffers (memory_pool.py), so after its
first call it should show none.
"""
import os
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np

try:
    import resource                    # Unix only: the kernel-time column
except ImportError:
    resource = None

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from BackwardPropagation import rnn_backward  # noqa: E402
from ForwardPropagation import rnn_forward  # noqa: E402
import memory_pool  # noqa: E402
from VectorizedRNN import rnn_backward_vectorized, rnn_forward_vectorized  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

SIZES = {"tutorial": (3, 5, 2, 10, 4), "medium": (64, 128, 64, 32, 100), "large": (256, 512, 256, 64, 200)}


# ---------------------------------------------------------------- the tutorial's own code, as printed

def tutorial_softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def tutorial_rnn_cell_forward(xt, a_prev, parameters):
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]
    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)
    yt_pred = tutorial_softmax(np.dot(Wya, a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def tutorial_rnn_forward(x, a0, parameters):
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = tutorial_rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    caches = (caches, x)
    return a, y_pred, caches


def tutorial_rnn_cell_backward(da_next, cache):
    (a_next, a_prev, xt, parameters) = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    dtanh = (1 - a_next ** 2) * da_next
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = np.sum(dtanh, 1, keepdims=True)
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def tutorial_rnn_backward(da, caches):
    (caches, x) = caches
    (a1, a0, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        gradients = tutorial_rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        dxt, da_prevt, dWaxt, dWaat, dbat = (gradients["dxt"], gradients["da_prev"], gradients["dWax"],
                                            gradients["dWaa"], gradients["dba"])
        dx[:, :, t] = dxt
        dWax += dWaxt
        dWaa += dWaat
        dba += dbat
    da0 = da_prevt
    return {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}


# ---------------------------------------------------------------- contenders: setup -> run() -> results

def numpy_contender(forward, backward):
    def setup(x, a0, parameters, da):
        def run():
            a, y_pred, cache = forward(x, a0, parameters)
            return a, y_pred, backward(da, cache)
        return run
    return setup


def floor_setup(x, a0, parameters, da):
    """Only the products: Wax X, Waa a<t-1> (T_x times), Wya A; Waa^T dz (T_x times), DZ X^T, DZ A^T, Wax^T DZ."""
    n_x, m, T_x = x.shape
    n_a, n_y = parameters["Waa"].shape[0], parameters["Wya"].shape[0]
    dtype = x.dtype
    X = np.ascontiguousarray(x.transpose(0, 2, 1)).reshape(n_x, T_x * m)
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    WaaT, WaxT = np.ascontiguousarray(Waa.T), np.ascontiguousarray(Wax.T)
    A = np.empty((n_a, T_x * m), dtype)
    Y = np.empty((n_y, T_x * m), dtype)
    DZ = np.ascontiguousarray(da.transpose(0, 2, 1)).reshape(n_a, T_x * m)
    step = np.empty((n_a, m), dtype)
    dWax, dWaa, dX = np.empty((n_a, n_x), dtype), np.empty((n_a, n_a), dtype), np.empty((n_x, T_x * m), dtype)

    def run():
        np.dot(Wax, X, out=A)
        h = a0
        for t in range(T_x):
            np.dot(Waa, h, out=step)
            h = step
        np.dot(Wya, A, out=Y)
        for t in range(T_x):
            np.dot(WaaT, DZ[:, t * m:(t + 1) * m], out=step)
        np.dot(DZ, X.T, out=dWax)
        np.dot(DZ, A.T, out=dWaa)
        np.dot(WaxT, DZ, out=dX)
        return None
    return run


def torch_setup(x, a0, parameters, da):
    """torch.nn.RNN with the same weights; torch is batch-second: (T_x, m, features)."""
    dtype = torch.float64 if x.dtype == np.float64 else torch.float32
    n_x, m, T_x = x.shape
    n_a, n_y = parameters["Waa"].shape[0], parameters["Wya"].shape[0]
    rnn = torch.nn.RNN(n_x, n_a, nonlinearity="tanh", bias=True).to(dtype)
    out_layer = torch.nn.Linear(n_a, n_y).to(dtype)
    with torch.no_grad():   # row vectors in torch: h W^T, so the weights need no transposing
        rnn.weight_ih_l0.copy_(torch.from_numpy(parameters["Wax"]))
        rnn.weight_hh_l0.copy_(torch.from_numpy(parameters["Waa"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(parameters["ba"][:, 0]))
        rnn.bias_hh_l0.zero_()                       # the tutorial has one hidden bias, not two
        out_layer.weight.copy_(torch.from_numpy(parameters["Wya"]))
        out_layer.bias.copy_(torch.from_numpy(parameters["by"][:, 0]))
    rnn.bias_hh_l0.requires_grad_(False)
    x_t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 1, 0))).requires_grad_(True)     # (T_x, m, n_x)
    h0 = torch.from_numpy(np.ascontiguousarray(a0.T))[None].requires_grad_(True)                # (1, m, n_a)
    da_t = torch.from_numpy(np.ascontiguousarray(da.transpose(2, 1, 0)))                       # (T_x, m, n_a)

    def run():
        for tensor in (x_t, h0, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0):
            tensor.grad = None
        h, _ = rnn(x_t, h0)
        y = torch.softmax(out_layer(h), dim=2)
        h.backward(da_t)
        to = lambda t: t.detach().numpy()
        gradients = {"dx": to(x_t.grad).transpose(2, 1, 0), "da0": to(h0.grad[0]).T,
                     "dWax": to(rnn.weight_ih_l0.grad), "dWaa": to(rnn.weight_hh_l0.grad),
                     "dba": to(rnn.bias_ih_l0.grad)[:, None]}
        return to(h).transpose(2, 1, 0), to(y).transpose(2, 1, 0), gradients
    return run


def contenders():
    found = {"tutorial code": numpy_contender(tutorial_rnn_forward, tutorial_rnn_backward),
             "tutorial path": numpy_contender(rnn_forward, rnn_backward),
             "vectorized": numpy_contender(rnn_forward_vectorized, rnn_backward_vectorized),
             "floor": floor_setup}
    if torch is not None:
        found["torch"] = torch_setup
    return found


# ---------------------------------------------------------------- measuring

def inputs(sizes, dtype, seed=0):
    n_x, n_a, n_y, m, T_x = sizes
    rng = np.random.default_rng(seed)
    scale = 1 / np.sqrt(n_a)           # keeps tanh out of saturation at every size
    parameters = {"Wax": rng.standard_normal((n_a, n_x)) / np.sqrt(n_x), "Waa": rng.standard_normal((n_a, n_a)) * scale,
                  "Wya": rng.standard_normal((n_y, n_a)) * scale, "ba": rng.standard_normal((n_a, 1)) * 0.1,
                  "by": rng.standard_normal((n_y, 1)) * 0.1}
    x = rng.standard_normal((n_x, m, T_x))
    a0 = rng.standard_normal((n_a, m)) * 0.1
    da = rng.standard_normal((n_a, m, T_x))
    cast = lambda a: a.astype(dtype)
    return cast(x), cast(a0), {k: cast(v) for k, v in parameters.items()}, cast(da)


def check_agreement(runs, dtype):
    """Every contender (but the floor) must give the tutorial path's answers."""
    reference_a, reference_y, reference_g = runs["tutorial path"]()
    tolerance = 1e-9 if dtype == np.float64 else 2e-3
    for name, run in runs.items():
        if name == "floor":
            continue
        a, y, g = run()
        scale = lambda r: tolerance * max(1.0, float(np.abs(r).max()))
        assert np.allclose(a, reference_a, rtol=tolerance, atol=scale(reference_a)), name
        assert np.allclose(y, reference_y, rtol=tolerance, atol=scale(reference_y)), name
        for key, value in reference_g.items():
            assert np.allclose(g[key], value, rtol=tolerance, atol=scale(value)), (name, key)


def kernel_seconds():
    """CPU time the operating system spent for this process so far (0 where unknown)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime if resource else 0.0


def time_interleaved(runs, samples, repeats):
    """Median wall time of each contender, and median kernel time (see kernel_seconds)."""
    times = {name: [] for name in runs}
    kernel = {name: [] for name in runs}
    names = list(runs)
    pause = 0.005
    for sample in range(samples):
        shift = sample % len(names)
        for name in names[shift:] + names[:shift]:      # rotate who goes first
            time.sleep(pause)                          # let spinning BLAS/OpenMP threads go idle
            kernel_start, start = kernel_seconds(), time.perf_counter()
            for _ in range(repeats):
                runs[name]()
            elapsed = time.perf_counter() - start
            times[name].append(elapsed / repeats)
            kernel[name].append((kernel_seconds() - kernel_start) / repeats)
            pause = min(0.25, max(0.005, elapsed / 2))  # longer calls leave threads spinning longer
    median = lambda table: {name: statistics.median(values) for name, values in table.items()}
    return median(times), median(kernel)


def peak_memory(run):
    memory_pool.release()              # or the vectorized path would reuse memory allocated before tracing
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def format_time(seconds):
    return f"{seconds * 1e3:9.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:9.1f} us"


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = "?"
    try:
        config = np.show_config(mode="dicts")
        blas = f"{config['Build Dependencies']['blas']['name']} {config['Build Dependencies']['blas'].get('version', '')}"
    except Exception:
        pass
    lines = [f"machine: {cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}",
             f"numpy {np.__version__} with {blas.strip()}"]
    if torch is not None:
        lines.append(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    else:
        lines.append("torch: not installed (python -m pip install torch to compare; optional)")
    return "\n".join(lines)


def main():
    quick = "--quick" in sys.argv
    unknown = [a for a in sys.argv[1:] if a != "--quick"]
    if unknown:                                    # a typo (--quik) must not start the full run
        sys.exit(f"bench_rnn.py: unknown option {unknown[0]} (use --quick)")
    if torch is not None:
        torch.set_num_threads(os.cpu_count() or 1)     # as many as numpy's BLAS uses: every core
    print(machine())
    print()
    sizes = {"tutorial": SIZES["tutorial"], "small": (16, 32, 16, 8, 20)} if quick else SIZES
    budget = {"tutorial": (31, 50), "medium": (21, 3), "large": (9, 1)}
    if quick:
        budget = {"tutorial": (5, 5), "small": (5, 2)}
        print("--quick: a smoke run with few samples; its times are too noisy to quote.")
        print()

    header = f"{'size':<10}{'dtype':<9}" + "".join(f"{name:>15}" for name in contenders())
    print("Median time of forward + backward, interleaved samples")
    print(header)
    ratios, kernel_rows = [], []
    for size_name, size in sizes.items():
        for dtype in (np.float64, np.float32):
            if dtype == np.float32:
                runs = {n: setup(*inputs(size, dtype)) for n, setup in contenders().items()
                        if n != "tutorial code"}                  # the tutorial's code is float64 only
            else:
                runs = {n: setup(*inputs(size, dtype)) for n, setup in contenders().items()}
            check_agreement(runs, dtype)
            samples, repeats = budget[size_name]
            print(f"(timing {size_name} {np.dtype(dtype).name}: {samples} rounds of {len(runs)} contenders)",
                  file=sys.stderr, flush=True)        # the large rows take half a minute each
            medians, kernel = time_interleaved(runs, samples, repeats)
            print(f"{size_name:<10}{np.dtype(dtype).name:<9}" +
                  "".join(f"{format_time(medians[n]) if n in medians else '-':>15}" for n in contenders()))
            ratios.append((size_name, np.dtype(dtype).name, medians))
            if max(medians.values()) >= 0.05:   # the kernel's clock is coarse: only long calls show it
                kernel_rows.append((size_name, np.dtype(dtype).name, kernel))

    print()
    print("Ratios (below 1 means the first is faster)")
    print(f"{'size':<10}{'dtype':<9}{'vectorized/torch':>18}{'vectorized/floor':>18}"
          f"{'tutorial/vector.':>18}{'path/tut. code':>16}")
    for size_name, dtype_name, medians in ratios:
        vs_torch = f"{medians['vectorized'] / medians['torch']:.2f}" if "torch" in medians else "-"
        vs_code = (f"{medians['tutorial path'] / medians['tutorial code']:.2f}"
                   if "tutorial code" in medians else "-")
        print(f"{size_name:<10}{dtype_name:<9}{vs_torch:>18}{medians['vectorized'] / medians['floor']:>18.2f}"
              f"{medians['tutorial path'] / medians['vectorized']:>18.2f}{vs_code:>16}")

    if resource and kernel_rows:
        print()
        print("Of which kernel time (median; mostly the OS handing out fresh memory pages for new arrays)")
        print(header)
        for size_name, dtype_name, kernel in kernel_rows:
            print(f"{size_name:<10}{dtype_name:<9}" +
                  "".join(f"{format_time(kernel[n]) if n in kernel else '-':>15}" for n in contenders()))

    print()
    print("Peak memory of forward + backward (tracemalloc)")
    for size_name, size in sizes.items():
        for dtype in (np.float64, np.float32):
            data = inputs(size, dtype)
            tutorial = peak_memory(numpy_contender(rnn_forward, rnn_backward)(*data))
            vectorized = peak_memory(numpy_contender(rnn_forward_vectorized, rnn_backward_vectorized)(*data))
            print(f"{size_name:<10}{np.dtype(dtype).name:<9} tutorial path {tutorial / 2**20:8.2f} MiB   "
                  f"vectorized {vectorized / 2**20:8.2f} MiB   ratio {vectorized / tutorial:.2f}")

    if quick:
        return
    print()
    print("How time grows (float64, medians; n_x = n_y = 64, m = 32)")
    print(f"{'T_x':>6}{'n_a':>6}{'tutorial path':>16}{'vectorized':>14}{'ratio':>8}")
    for T_x, n_a in [(25, 128), (50, 128), (100, 128), (200, 128), (100, 64), (100, 256), (100, 512)]:
        data = inputs((64, n_a, 64, 32, T_x), np.float64)
        runs = {"tutorial path": numpy_contender(rnn_forward, rnn_backward)(*data),
                "vectorized": numpy_contender(rnn_forward_vectorized, rnn_backward_vectorized)(*data)}
        medians = time_interleaved(runs, 7, 1)[0]
        print(f"{T_x:>6}{n_a:>6}{format_time(medians['tutorial path']):>16}{format_time(medians['vectorized']):>14}"
              f"{medians['tutorial path'] / medians['vectorized']:>8.2f}")


if __name__ == "__main__":
    main()
