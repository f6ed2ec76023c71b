"""Round two of "a clear error, never a wrong answer" (issue 26): one test per failure it names.

Each of these failed before the fix it tests: an option that became a
traceback, a damaged checkpoint that was still a zip, silent broadcasting in
the kinds-of-RNN layer, softmax of +inf, a read-only x in numerical_gradient.
The property tests (tests/test_properties*.py) look for the next ones.
"""
import argparse
import importlib.util
import io
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import checkpoint
from Bidirectional import birnn_backward, birnn_forward
from conftest import ROOT
from gradient_check import numerical_gradient
from rnn_utils import softmax
from sequence_training import (accuracy_by_step, init_output, init_states, output_loss, output_probabilities,
                               train)
from StackedRNN import stacked_rnn_backward, stacked_rnn_forward


# ---------------------------------------------------------------- options: refused in one line, or saved

@pytest.mark.parametrize("text, message", [
    ("-1", "0 or more"), ("9223372036854775808", "at most 9223372036854775807"), ("1.5", "whole number"),
    pytest.param("1" * 5000, "whole number", id="5000 digits"),
])
def test_the_seed_type_refuses_what_numpy_or_a_checkpoint_cannot_take(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message) as error:
        checkpoint.random_seed()(text)
    assert len(str(error.value)) < 120                 # one short line, even for 5000 digits


def test_whole_number_options_fit_in_a_checkpoint():
    largest = checkpoint.LARGEST_INT
    assert checkpoint.positive(int)(str(largest)) == largest
    for kind in (checkpoint.positive, checkpoint.non_negative):
        with pytest.raises(argparse.ArgumentTypeError, match="largest whole number a checkpoint holds"):
            kind(int)(str(largest + 1))
    assert checkpoint.random_seed()(str(largest)) == largest


def run(script, *arguments, cwd):
    return subprocess.run([sys.executable, os.path.join(ROOT, script), *arguments], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


@pytest.mark.parametrize("seed", ["-1", str(2**63)])
def test_seq2seq_refuses_a_bad_seed_in_one_line_before_training(seed, tmp_path):
    result = run("Seq2Seq.py", "--quick", "--seed", seed, "--checkpoint", str(tmp_path / "s.npz"), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith(f"got {seed}"), result.stderr
    assert result.stdout == "" and os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", [
    ["bench_rnn.py", "--quik"], ["bench_validation.py", "quick"], ["bench_training.py", "--iterations", "5"],
    ["bench_gated.py", "--threads", "99999999999999999999"], ["bench_gated.py", "--threads", "0"],
])
def test_the_benchmarks_refuse_what_they_do_not_know_in_one_line(command, tmp_path):
    result = run(os.path.join("benchmarks", command[0]), *command[1:], cwd=tmp_path)
    assert result.returncode != 0 and result.stdout == "", result.stdout[:200]
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("script", ["OneToMany.py", "Seq2Seq.py", "TruncatedBPTT.py"])
def test_an_option_given_the_value_double_dash_is_refused(script, tmp_path):
    """Python 3.11's argparse gives --seed=-- the value [] without calling the option's type (found by Hypothesis)."""
    result = run(script, "--seed=--", "--quick" if script != "TruncatedBPTT.py" else "--iterations=0", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.strip().splitlines()[-1].endswith("expected one value")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- checkpoints: whatever is in the zip

def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def write_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


STAMP = {"written_by.npy": npy(np.array("TruncatedBPTT.py"))}


@pytest.mark.parametrize("members, message", [
    ({"written_by": b"TruncatedBPTT.py"}, "no stamp"),                       # the stamp is not an array
    ({"written_by.npy": npy(np.array(b"TruncatedBPTT.py"))}, "no stamp"),     # bytes, not text
    ({**STAMP, "notes.txt": b"hello"}, "'notes.txt' is not an array"),
    ({**STAMP, "hidden.npy": npy(np.zeros(2, dtype=[("a", "f8")]))}, "not numbers or text"),
    ({**STAMP, "hidden.npy": npy(np.array([1 + 2j]))}, "not numbers or text"),
    ({**STAMP, "hidden.npy": npy(np.array(["2020-01-01"], dtype="datetime64[D]"))}, "not numbers or text"),
    ({**STAMP, "hidden.npy": npy(np.array([object()]))}, "damaged"),           # allow_pickle=False
])
def test_load_arrays_refuses_any_zip_that_save_arrays_did_not_write(tmp_path, members, message):
    path = tmp_path / "c.npz"
    write_zip(path, members)
    with pytest.raises(checkpoint.UsageError, match=message):
        checkpoint.load_arrays(str(path), "TruncatedBPTT.py")


def test_load_arrays_checks_the_members_it_is_told_to_expect(tmp_path):
    path = str(tmp_path / "c.npz")
    checkpoint.save_arrays(path, "P", {"n": np.array(3), "w": np.array([1.0, np.nan]), "t": np.array("x")})
    assert checkpoint.load_arrays(path, "P", {"n": ("iu", 0), "t": ("U", 0)})["n"] == 3
    for expected, message in (({"m": ("iu", 0)}, "has no 'm'"), ({"n": ("f", 0)}, "'n' should be a 0-D array of floats"),
                              ({"n": ("iu", 1)}, "1-D array"), ({"w": ("f", 1)}, "not finite")):
        with pytest.raises(checkpoint.UsageError, match=message):
            checkpoint.load_arrays(path, "P", expected)


def save_and_damage(tmp_path, program, arrays, **damage):
    """A checkpoint of `program` with `arrays`, some of them replaced by `damage` (None: removed)."""
    path = str(tmp_path / "damaged.npz")
    arrays = dict(arrays)
    for key, value in damage.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    checkpoint.save_arrays(path, program, arrays)
    return path


@pytest.mark.parametrize("member", ["written_by", "notes"])
@pytest.mark.parametrize("script", ["TruncatedBPTT.py", "Seq2Seq.py", "TorchBridge.py"])
def test_the_programs_refuse_a_zip_with_a_member_that_is_not_an_array_in_one_line(tmp_path, script, member):
    if script == "TorchBridge.py" and importlib.util.find_spec("torch") is None:   # looked up, not imported
        pytest.skip("torch is not installed (optional): TorchBridge.py says so in one line before reading the file")
    path = tmp_path / "damaged.npz"
    stamp = "Seq2Seq.py" if script == "Seq2Seq.py" else "TruncatedBPTT.py"
    members = {"written_by": stamp.encode()} if member == "written_by" else \
        {"written_by.npy": npy(np.array(stamp)), "notes": b"not an array"}
    write_zip(path, members)
    arguments = ["--checkpoint", str(path)] + ([] if script == "TorchBridge.py" else ["--resume"])
    result = run(script, *arguments, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert str(path) in result.stderr


@pytest.mark.parametrize("key, value, message", [
    ("config_lr", np.array(np.inf), "not finite"), ("config_lr", np.array(True), "should be a 0-D array of floats"),
    ("config_hidden", np.array(2.5), "should be a 0-D array of integers"),
    ("config_hidden", np.array(2**40), "at most 4096"), ("config_seed", np.array(-1), "0 or more"),
    ("history_epoch", np.array(0), "1-D array"), ("position", np.array(10**6), "does not fit"),
    ("history_accuracy", np.array([0.0, 0.5]), "one entry per epoch"), ("param_by_dec", None, "has no 'param_by_dec'"),
    ("adam_step", np.array(-3), "optimizer's state"),
])
def test_seq2seq_refuses_a_checkpoint_whose_contents_are_not_its_own(tmp_path, key, value, message):
    import Seq2Seq
    config = {"hidden": 3, "batch": 4, "lr": 0.01, "epochs": 1, "train_size": 8, "test_size": 4, "clip": 5.0,
              "seed": 1, "reverse": True, "peeky": True}
    arrays = Seq2Seq.state_arrays(Seq2Seq.new_state(config))
    assert key in arrays
    path = save_and_damage(tmp_path, "Seq2Seq.py", arrays, **{key: value})
    with pytest.raises(checkpoint.UsageError, match=message):
        Seq2Seq.load_state(path)
    Seq2Seq.load_state(save_and_damage(tmp_path, "Seq2Seq.py", arrays))       # the undamaged one loads


# ---------------------------------------------------------------- the kinds-of-RNN layer: no broadcasting

def layer(n_a=4, n_y=3, m=2, T=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_a, m, T)), rng.integers(0, n_y, size=(m, T)), init_output(n_a, n_y, rng)


@pytest.mark.parametrize("key, shape, named", [
    ("by", (1, 1), "output['by']"), ("by", (3,), "output['by']"), ("by", (1, 3), "output['by']"),
    ("Wya", (3, 5), "output['Wya']"), ("Wya", (3, 4, 1), "output['Wya']"),
])
def test_output_loss_names_a_wrong_output_layer_and_never_broadcasts_it(key, shape, named):
    a, targets, output = layer()
    output[key] = np.zeros(shape)
    for function in (lambda: output_loss(a, targets, output), lambda: output_probabilities(a, output)):
        with pytest.raises(ValueError) as error:
            function()
        assert str(error.value).startswith(named), error.value


@pytest.mark.parametrize("bad, named", [
    (lambda a, t: (a[:, :, 0], t), "a must have 3 dimensions"), (lambda a, t: (a, t[:, :-1]), "targets: expected shape"),
    (lambda a, t: (a, t[None]), "targets must have 2 dimensions"), (lambda a, t: (a[:, :0], t[:0]), "m = 0"),
    (lambda a, t: (a, t.astype(float)), "targets must be a numpy array of integer"),
    (lambda a, t: (a.tolist(), t), "a must be a numpy array"),
])
def test_output_loss_names_the_arguments_the_user_passed(bad, named):
    a, targets, output = layer()
    a, targets = bad(a, targets)
    with pytest.raises((TypeError, ValueError), match=named) as error:
        output_loss(a, targets, output)
    assert "Wy " not in str(error.value) and "Wy:" not in str(error.value)


def test_output_loss_refuses_an_output_layer_that_is_not_a_dict_or_lacks_a_key():
    a, targets, output = layer()
    with pytest.raises(TypeError, match="output must be a dict"):
        output_loss(a, targets, [output["Wya"], output["by"]])
    with pytest.raises(KeyError, match="output is missing 'by'"):
        output_loss(a, targets, {"Wya": output["Wya"]})


@pytest.mark.parametrize("iterations, error", [(-1, ValueError), (2.5, TypeError), (True, TypeError), ("3", TypeError)])
def test_train_refuses_a_number_of_iterations_that_is_not_one(iterations, error):
    model = {"W": np.ones((2, 2))}
    with pytest.raises(error, match="iterations"):
        train(model, lambda p: (0.0, {"dW": p["W"]}), lambda: (), iterations)


def test_train_names_what_is_wrong_with_the_model_and_the_gradients():
    step = lambda p: (0.0, {"dW": p["W"]})
    with pytest.raises(ValueError, match="holds no array"):
        train({}, step, lambda: (), 1)
    with pytest.raises(TypeError, match=r"parameters\['W'\] must be an array"):
        train({"W": 3.0}, step, lambda: (), 1)
    with pytest.raises(TypeError, match="next_batch must be a function"):
        train({"W": np.ones(2)}, step, (), 1)
    with pytest.raises(KeyError, match=r"no gradient\['dV'\] for parameters\['V'\]"):
        train({"V": np.ones(2)}, lambda p: (0.0, {"dW": np.ones(2)}), lambda: (), 1)


def test_init_and_accuracy_refuse_bad_arguments():
    rng = np.random.default_rng(0)
    for call, match in ((lambda: init_states(0, 3, rng), "n_x must be at least 1"),
                        (lambda: init_states(2, 3.0, rng), "n_a must be a whole number"),
                        (lambda: init_output(3, 2, 0), "rng must be a numpy Generator"),
                        (lambda: accuracy_by_step(np.zeros((2, 3), int), np.zeros((3, 2), int)), "predicted has shape"),
                        (lambda: accuracy_by_step(np.zeros((2, 3)), np.zeros((2, 3), int)),
                         "predicted must be a numpy array of integer")):
        with pytest.raises((TypeError, ValueError), match=match):
            call()


def test_the_bidirectional_and_stacked_backwards_name_a_cache_that_is_not_theirs():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 4))
    parameters = {d: init_states(3, 5, rng) for d in ("forward", "backward")}
    a, cache = birnn_forward(x, {d: np.zeros((5, 2)) for d in parameters}, parameters)
    with pytest.raises(TypeError, match="birnn_forward"):
        birnn_backward(np.ones_like(a), (cache[0], "sizes"))
    layers = [init_states(3, 5, rng)]
    states, cache = stacked_rnn_forward(x, [np.zeros((5, 2))], layers)
    with pytest.raises(TypeError, match="stacked_rnn_forward"):
        stacked_rnn_backward(np.ones_like(states[-1]), (cache[0], 5))


# ---------------------------------------------------------------- found by the property tests

def test_one_float64_array_makes_the_whole_call_float64_in_every_chapter():
    """The policy of validation.py, for calls that run several passes: stacked, bidirectional, the models."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 4)).astype(np.float32)
    layers = [{k: v.astype(np.float32) for k, v in init_states(3, 5, rng).items()}, init_states(5, 4, rng)]
    states, _ = stacked_rnn_forward(x, [np.zeros((5, 2), np.float32), np.zeros((4, 2), np.float32)], layers)
    assert [s.dtype for s in states] == [np.float64, np.float64]
    both = {"forward": layers[0], "backward": init_states(3, 4, rng)}
    a, _ = birnn_forward(x, {"forward": np.zeros((5, 2), np.float32), "backward": np.zeros((4, 2))}, both)
    assert a.dtype == np.float64
    model = {"rnn": layers[0], "output": init_output(5, 3, rng)}          # a float32 RNN, a float64 output layer
    import ManyToMany
    loss, gradients = ManyToMany.loss_and_gradients(model, x, rng.integers(0, 3, size=(2, 4)))
    assert gradients["rnn"]["dWax"].dtype == np.float64 and gradients["rnn"]["da0"].dtype == np.float64
    model32 = {part: {k: v.astype(np.float32) for k, v in model[part].items()} for part in model}
    loss, gradients = ManyToMany.loss_and_gradients(model32, x, rng.integers(0, 3, size=(2, 4)))
    assert gradients["rnn"]["dWax"].dtype == np.float32 and gradients["rnn"]["dx"].dtype == np.float32


def test_the_models_refuse_what_the_policy_refuses_anywhere_in_them():
    import KindsOfRNN
    import ManyToOne
    rng = np.random.default_rng(0)
    model = {"birnn": {"forward": init_states(1, 2, rng), "backward": init_states(1, 2, rng)},
             "output": init_output(4, 2, rng)}
    model["birnn"]["forward"]["Wax"] = np.ones((2, 1), dtype=bool)
    with pytest.raises(TypeError, match=r"model\['birnn'\]\['forward'\]\['Wax'\] must hold numbers"):
        KindsOfRNN.bidirectional_loss(model, np.ones((1, 2, 3)), np.zeros((2, 3), int))
    model = {"rnn": init_states(1, 2, rng), "output": init_output(2, 2, rng)}
    with pytest.raises(ValueError, match=r"labels: expected shape \(2,\)"):
        ManyToOne.loss_and_gradients(model, np.ones((1, 2, 3)), np.zeros(3, int))
    with pytest.raises(KeyError, match="model is missing 'output'"):
        ManyToOne.predict({"rnn": model["rnn"]}, np.ones((1, 2, 3)))


def test_the_encoder_decoder_names_its_own_parameters_and_computes_in_one_dtype():
    import Seq2SeqModel as model
    rng = np.random.default_rng(0)
    parameters = model.init_parameters(13, 4, True, rng)
    x_enc, x_dec = rng.standard_normal((13, 2, 7)), rng.standard_normal((13, 2, 5))
    targets = rng.integers(0, 13, size=(2, 5))
    for key, bad, message in (("Wf_enc", np.zeros((4, 16)), r"^Wf_enc: expected shape \(n_a, n_a \+ V\) = \(4, 17\)"),
                              ("bo_enc", np.zeros((4, 1), bool), "^bo_enc must hold numbers"),
                              ("Wi_enc", np.zeros((4, 17, 1)), "^Wi_enc must have 2 dimensions")):
        with pytest.raises((TypeError, ValueError), match=message):
            model.seq2seq_loss_and_gradients({**parameters, key: bad}, x_enc, x_dec, targets, True)
    mixed = {key: value.astype(np.float32) if key.endswith("_enc") else value for key, value in parameters.items()}
    loss, gradients = model.seq2seq_loss_and_gradients(mixed, x_enc.astype(np.float32), x_dec, targets, True)
    assert gradients["dWf_enc"].dtype == np.float64
    with pytest.raises(ValueError, match="start = 13 is not a symbol"):
        model.greedy_decode(parameters, x_enc, True, start=13)
    with pytest.raises(ValueError, match=r"targets: expected shape \(2, 4\)"):
        model.exact_match(parameters, x_enc, targets, True)


def test_the_attention_model_names_its_own_parameters():
    import AttentionSeq2SeqModel as model
    rng = np.random.default_rng(0)
    parameters = model.init_parameters(5, 3, "dot", rng)
    x_enc, x_dec, targets = rng.standard_normal((5, 2, 4)), rng.standard_normal((5, 2, 3)), np.zeros((2, 3), int)
    for key, bad, message in (("bf_enc", np.zeros((3, 1), bool), "^bf_enc must hold numbers"),
                              ("Wf_enc", np.zeros((3, 7)), r"^Wf_enc: expected shape \(n_a, n_a \+ V\) = \(3, 8\)")):
        with pytest.raises((TypeError, ValueError), match=message):
            model.attention_seq2seq_loss_and_gradients({**parameters, key: bad}, x_enc, x_dec, targets, "dot")


# ---------------------------------------------------------------- softmax of +inf, gradient of a read-only x

def test_softmax_of_infinite_scores_is_its_limit():
    x = np.array([[1.0, np.inf, -np.inf, np.nan],
                  [np.inf, np.inf, -np.inf, 0.0],
                  [0.0, 1.0, -np.inf, 1.0]])
    with np.errstate(all="raise"):
        p = softmax(x[:, :3])
    np.testing.assert_array_equal(p, [[0, 0.5, 1 / 3], [1, 0.5, 1 / 3], [0, 0, 1 / 3]])
    assert np.isnan(softmax(x)[:, 3]).all()                 # NaN in, NaN out: no limit to take
    assert softmax(x.astype(np.float32)[:, :3]).dtype == np.float32
    x_before = x.copy()
    softmax(x)
    np.testing.assert_array_equal(x, x_before)


@pytest.mark.parametrize("make", [
    lambda: np.broadcast_to(np.ones(1), (3,)),                       # read-only, entries share memory
    lambda: np.frombuffer(np.ones(3).tobytes()),                     # read-only
    lambda: np.lib.stride_tricks.as_strided(np.ones(1), (3,), (0,), writeable=True),   # one entry seen 3 times
])
def test_numerical_gradient_names_an_x_it_cannot_move(make):
    x = make()
    with pytest.raises(ValueError, match="^x"):
        numerical_gradient(lambda: float(np.sum(x ** 2)), x)
