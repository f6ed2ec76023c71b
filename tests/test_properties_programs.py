"""Property tests (Hypothesis) of the programs: every numeric option, every checkpoint a loader may meet.

- Options: whatever text is given to any numeric option of any program, the
  program either refuses it in one line (argparse's "argument --x: ...",
  exit status 2) or accepts a value it can use and save: a finite float, a
  whole number that fits a checkpoint's int64, a seed numpy takes.
- Checkpoints: a checkpoint of TruncatedBPTT.py or Seq2Seq.py with any
  member removed, replaced by any array (kind, shape, values) or by bytes
  that are not an array, or with one added, is loaded or refused with a
  UsageError: never a traceback.
Nothing is written outside the test's temporary folder.
"""
import argparse
import importlib
import io
import os
import zipfile

import numpy as np
import pytest

from properties import PROPERTY_SETTINGS, numbers

from hypothesis import given, strategies as st  # noqa: E402  (properties skips the file without Hypothesis)

import checkpoint

PROGRAMS = ["OneToMany", "ManyToOne", "ManyToMany", "KindsOfRNN", "VanishingGradient", "TruncatedBPTT",
            "TorchBridge", "Seq2Seq", "DrawFigures", "RNN"]


class Parsed(Exception):
    """Raised in place of the program's work, once its arguments are parsed."""

    def __init__(self, parser, namespace):
        super().__init__("parsed")
        self.parser, self.namespace = parser, namespace


@pytest.fixture
def stop_after_parsing(monkeypatch, tmp_path):
    """Programs stop right after parse_args (nothing runs, nothing is written); the cwd is a temporary folder."""
    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        raise Parsed(self, original(self, args, namespace))

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    assert os.listdir(tmp_path) == [], "a program wrote something while only parsing its options"


def numeric_options(program, capsys):
    """(option string, argparse action) of every option of `program` with a type (a number)."""
    module = importlib.import_module(program)
    required = ["--out", "."] if program == "DrawFigures" else []
    try:
        module.main(required)
    except Parsed as parsed:
        parser = parsed.parser
    capsys.readouterr()
    return module, required, [(action.option_strings[-1], action) for action in parser._actions
                              if action.type is not None and action.option_strings]


option_text = st.one_of(
    st.integers(-2**80, 2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "-1e-400", "0", "-0", "-0.0", "1_000", "0x10", " 5 ", "\u0663",
                     "", "1e3", "5.0", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                     "4097", "1" * 5000, "1e-320", "NaN", "Infinity", "+7"]),
    st.text(max_size=8),
)


@pytest.mark.parametrize("program", PROGRAMS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_every_numeric_option_is_refused_in_one_line_or_usable_and_savable(program, data, stop_after_parsing,
                                                                           capsys):
    module, required, options = numeric_options(program, capsys)
    if not options:
        return
    option, action = data.draw(st.sampled_from(options))
    text = data.draw(option_text)
    try:
        module.main(required + [f"{option}={text}"])
    except Parsed as parsed:
        value = getattr(parsed.namespace, action.dest)
    except SystemExit as exit:
        error = capsys.readouterr().err.strip().splitlines()
        assert exit.code == 2 and error and f"argument {option}" in error[-1], error
        assert "Traceback" not in "\n".join(error)
        return
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    if isinstance(value, float):
        assert np.isfinite(value), f"{option}={text!r} accepted as {value}"
    else:
        assert -2**63 <= value < 2**63, f"{option}={text!r}: {value} does not fit a checkpoint's int64"
    assert np.array(value).dtype.kind in "if"                   # what save_arrays would store
    if action.dest == "seed":
        np.random.default_rng(value)                            # numpy takes it (no negative seed)


# ---------------------------------------------------------------- checkpoints, damaged in every way

def tiny_truncated_bptt_checkpoint(path):
    import CharRNN
    from Optimizers import OPTIMIZERS
    chars = list("ab c")
    parameters = CharRNN.init_parameters(len(chars), 3, np.random.default_rng(0))
    optimizer = OPTIMIZERS["adagrad"](0.1)
    optimizer.update(parameters, {"d" + k: np.ones_like(v) for k, v in parameters.items()})
    checkpoint.save_arrays(path, CharRNN.TRAINER, CharRNN.checkpoint_arrays(parameters, optimizer, chars, 5, 1.25))
    return CharRNN.load_checkpoint


def tiny_seq2seq_checkpoint(path):
    import Seq2Seq
    config = {"hidden": 3, "batch": 4, "lr": 0.01, "epochs": 1, "train_size": 8, "test_size": 4, "clip": 5.0,
              "seed": 1, "reverse": True, "peeky": True}
    state = Seq2Seq.new_state(config)
    checkpoint.save_arrays(path, Seq2Seq.PROGRAM, Seq2Seq.state_arrays(state))
    return Seq2Seq.load_state


CHECKPOINTS = {"TruncatedBPTT": tiny_truncated_bptt_checkpoint, "Seq2Seq": tiny_seq2seq_checkpoint}


def read_members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@st.composite
def damaged_array(draw):
    """Any array a zip member could hold instead: any kind, any shape, special values."""
    kind = draw(st.sampled_from(["float", "int", "bool", "text", "float32", "complex", "uint8", "empty"]))
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "text":
        return np.full(shape, draw(st.sampled_from(["", "adam", "adagrad", "Seq2Seq.py", "\u00e9"])))
    if kind == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if kind == "complex":
        return rng.standard_normal(shape) + 1j
    if kind == "empty":
        return np.zeros((0,) + shape)
    if kind in ("int", "uint8"):
        values = rng.integers(-2**62 if kind == "int" else 0, 2**62 if kind == "int" else 255, size=shape)
        if shape == () and draw(st.booleans()):
            values = np.array(draw(st.sampled_from([0, 1, -1, 2**62, 4096, 4097])))
        return values.astype(np.int64 if kind == "int" else np.uint8)
    return numbers(rng, shape, np.float32 if kind == "float32" else np.float64, special=draw(st.booleans()))


@pytest.mark.parametrize("program", sorted(CHECKPOINTS))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_damaged_checkpoint_is_loaded_or_refused_in_one_line(program, data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("checkpoint")
    path = str(folder / "model.npz")
    load = CHECKPOINTS[program](path)
    members = read_members(path)
    names = sorted(name for name in members if name != "written_by.npy")
    for _ in range(data.draw(st.integers(1, 3))):
        how = data.draw(st.sampled_from(["remove", "replace", "replace", "not an array", "add"]))
        name = data.draw(st.sampled_from(names))
        if how == "remove":
            members.pop(name, None)
        elif how == "not an array":
            members[name[:-4] if data.draw(st.booleans()) else name] = data.draw(st.binary(max_size=40))
            members.pop(name, None) if name[:-4] in members else None
        else:
            target = name if how == "replace" else data.draw(st.sampled_from(["extra.npy", "config_more.npy"]))
            members[target] = npy(data.draw(damaged_array()))
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    try:
        load(path)
    except checkpoint.UsageError as error:
        assert "\n" not in str(error) and path in str(error), str(error)
    assert sorted(os.listdir(folder)) == ["model.npz"]
