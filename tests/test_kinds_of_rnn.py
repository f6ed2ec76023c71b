"""The kinds-of-RNN chapter: its tasks, its model gradients, its training helper and its scripts."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import KindsOfRNN
import ManyToMany
import ManyToOne
import OneToMany
from conftest import ROOT
from helpers import TOLERANCE
from gradient_check import numerical_gradient, relative_error
from Optimizers import Adam
from sequence_training import init_output, init_states, leaves, output_loss, train


# ---------------------------------------------------------------- the tasks, checked by hand

def test_count_task_counts_a_modulo_3():
    x, targets = ManyToMany.count_task(5, 9, np.random.default_rng(0))
    assert x.shape == (2, 5, 9)
    for i in range(5):
        count = 0
        for t in range(9):
            count += x[0, i, t] == 1          # row 0 is "a"
            assert targets[i, t] == count % 3
    np.testing.assert_array_equal(x.sum(axis=0), 1)


def test_multiples_are_the_last_digits():
    np.testing.assert_array_equal(OneToMany.multiples(np.array([3, 4]), 10),
                                  [[6, 9, 2, 5, 8, 1, 4, 7, 0, 3], [8, 2, 6, 0, 4, 8, 2, 6, 0, 4]])
    x, targets = OneToMany.teacher_forced_batch(6, 5, np.random.default_rng(1))
    inputs = np.argmax(x, axis=0)
    np.testing.assert_array_equal(inputs[:, 1:], targets[:, :-1])     # each target is fed back as the next input
    np.testing.assert_array_equal(targets[:, 0], (2 * inputs[:, 0]) % 10)


def test_parity_and_sign_labels():
    x, labels = ManyToOne.parity_task(8, 7, np.random.default_rng(2))
    for i in range(8):
        assert labels[i] == int(sum(np.argmax(x[:, i, :], axis=0))) % 2
    x, labels = ManyToOne.sign_task(8, 7, np.random.default_rng(3))
    for i in range(8):
        assert labels[i] == (sum(x[0, i, :]) > 0)


def test_reversal_targets_are_the_inputs_backwards():
    x, targets = KindsOfRNN.reversal_task(4, 6, 3, np.random.default_rng(4))
    inputs = np.argmax(x, axis=0)
    for t in range(6):
        np.testing.assert_array_equal(targets[:, t], inputs[:, 5 - t])


def test_the_verb_agrees_with_its_subject():
    singular_verbs = {v[0] for v in KindsOfRNN.VERBS}
    plural_verbs = {v[1] for v in KindsOfRNN.VERBS}
    plural_nouns = {n[1] for n in KindsOfRNN.NOUNS}
    text = KindsOfRNN.sentences(200, np.random.default_rng(5))
    for sentence in text.strip().split("."):
        if not sentence.strip():
            continue
        words = sentence.split()
        assert words[0] == "the"
        assert words[-1] in (plural_verbs if words[1] in plural_nouns else singular_verbs), sentence


# ---------------------------------------------------------------- every model's gradient, numerically

def small_models(rng):
    """(loss_and_gradients, model, batch) for every model of the chapter, at small sizes."""
    count_x, count_targets = ManyToMany.count_task(3, 4, rng)
    parity_x, parity_labels = ManyToOne.parity_task(3, 4, rng)
    digit_x, digit_targets = OneToMany.teacher_forced_batch(2, 3, rng)
    reverse_x, reverse_targets = KindsOfRNN.reversal_task(2, 3, 3, rng)
    character_x, character_targets = KindsOfRNN.windows(np.array([0, 1, 2, 1, 0, 2, 2, 1, 0]), 3, 2, 4, rng)
    one = lambda n_x, n_a, n_y: {"rnn": init_states(n_x, n_a, rng), "output": init_output(n_a, n_y, rng)}
    return [
        (ManyToMany.loss_and_gradients, one(2, 3, 3), (count_x, count_targets)),
        (ManyToOne.loss_and_gradients, one(2, 3, 2), (parity_x, parity_labels)),
        (OneToMany.loss_and_gradients, one(10, 2, 10), (digit_x, digit_targets)),
        (KindsOfRNN.bidirectional_loss, {"birnn": {"forward": init_states(3, 2, rng), "backward": init_states(3, 3, rng)},
                                         "output": init_output(5, 3, rng)}, (reverse_x, reverse_targets)),
        (KindsOfRNN.character_loss, KindsOfRNN.character_model([3, 2], 3, rng), (character_x, character_targets)),
    ]


@pytest.mark.parametrize("case", range(5))
def test_every_models_gradient_against_the_numerical_gradient(case):
    loss_and_gradients, model, batch = small_models(np.random.default_rng(6))[case]
    for _, array in leaves(model):
        array += 0.3 * np.random.default_rng(7).standard_normal(array.shape)    # biases away from zero too
    _, gradients = loss_and_gradients(model, *batch)
    for path, array in leaves(model):
        analytic = gradients
        for key in path[:-1]:
            analytic = analytic[key]
        analytic = analytic["d" + path[-1]]
        numeric = numerical_gradient(lambda: loss_and_gradients(model, *batch)[0], array)
        assert relative_error(analytic, numeric) <= TOLERANCE, path


def test_output_loss_gradients_against_the_numerical_gradient():
    rng = np.random.default_rng(8)
    a = rng.standard_normal((3, 2, 4))
    output = init_output(3, 5, rng)
    output["by"] += rng.standard_normal((5, 1))
    targets = rng.integers(0, 5, size=(2, 4))
    _, gradients, da = output_loss(a, targets, output)
    loss = lambda: output_loss(a, targets, output)[0]
    for name, array, analytic in (("a", a, da), ("Wya", output["Wya"], gradients["dWya"]),
                                  ("by", output["by"], gradients["dby"])):
        assert relative_error(analytic, numerical_gradient(loss, array)) <= TOLERANCE, name


# ---------------------------------------------------------------- the training helper

def test_train_is_adam_on_every_array_of_a_nested_model():
    rng = np.random.default_rng(9)
    model = {"layers": [init_states(2, 3, rng), init_states(3, 2, rng)], "output": init_output(2, 2, rng)}
    target = {path: rng.standard_normal(array.shape) for path, array in leaves(model)}

    def loss_and_gradients(parameters):           # L = sum of (W - target)^2 / 2: dL/dW = W - target
        gradients = {"layers": [{}, {}], "output": {}}
        for path, array in leaves(parameters):
            place = gradients
            for key in path[:-1]:
                place = place[key]
            place["d" + path[-1]] = array - target[path]
        return 0.0, gradients

    trained, _ = train(model, loss_and_gradients, lambda: (), 3, learning_rate=0.1, max_norm=0)
    # the same three steps by Optimizers.Adam on a flat dict, one name per array
    flat = {str(path): array for path, array in leaves(model)}
    adam = Adam(0.1)
    for _ in range(3):
        flat = adam.update(flat, {"d" + name: flat[name] - target[path]
                                  for name, path in zip(flat, (p for p, _ in leaves(model)))})
    assert [path for path, _ in leaves(trained)] == [path for path, _ in leaves(model)]
    for path, array in leaves(trained):
        np.testing.assert_allclose(array, flat[str(path)], rtol=1e-12)


# ---------------------------------------------------------------- the scripts

@pytest.mark.parametrize("script", [OneToMany, ManyToOne, ManyToMany])
def test_each_shape_script_runs_quickly(script, capsys):
    assert script.main(["--quick"]) == 0
    assert "accuracy" in capsys.readouterr().out or script is OneToMany


def test_kinds_of_rnn_prints_one_table_and_the_promised_last_line(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(ROOT, "KindsOfRNN.py"), "--quick"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["kind", "task", "model"]
    for kind in ("one-to-many", "many-to-one", "many-to-many, aligned", "many-to-many, not aligned",
                 "bidirectional", "stacked"):
        assert any(line.startswith(kind) for line in lines), kind
    assert re.fullmatch(r"kinds of RNN: bidirectional early-position accuracy \d\.\d\d vs one-directional \d\.\d\d",
                        lines[-1]), lines[-1]
    assert not list(tmp_path.iterdir())                  # it writes nothing
