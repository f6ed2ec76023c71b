"""What every training program shares, so that each program is its model and its loop.

Not a step of the tutorial: the plumbing around it, written once. A program
(TruncatedBPTT.py, Seq2Seq.py, ...) imports what it needs from here and
never from another program.

- one_hot: a symbol's index as a one-hot column, for every model that reads
  characters or symbols.
- StatusLine and Progress: a line of progress on stderr, rewritten in place
  on a terminal, only its milestones in a log file.
- train_epochs, learning_rate, state_arrays, load_epoch_state,
  resolve_options: the epoch loop of the two encoder-decoder programs
  (shuffle, step, clip, judge, save), its step size, its checkpoint written
  and read back checked, and its options merged with a checkpoint's; each
  program gives its own loss, judge, shapes and defaults.
- SavePoints: save during training, a failed save reported and retried,
  never fatal; its on_stop() block saves on Ctrl-C, SIGTERM and SIGHUP,
  says how to resume, and ends the program with the shell's exit status.
- run_program: the one-line errors and exit codes of every program's main
  (2 for a usage error, 1 for a failure, 128 + the signal for a stop).
- pyplot, matplotlib_available, check_can_plot: matplotlib is optional; a
  program checks before training that its figure can be written and
  destroys nothing.

What stays in checkpoint.py: the file itself (the .npz format with the
program's stamp, atomic saving, checked loading, never overwriting another
file), the signal handling underneath on_stop(), UsageError and the argparse
option types. This file decides when to save and what to tell the user;
checkpoint.py decides how the bytes reach the disk safely.
"""
import argparse
import contextlib
import os
import signal
import sys
import time

import numpy as np

from checkpoint import UsageError, check_member, interrupt_on_signals, load_arrays, save_arrays, signals_ignored
from Optimizers import Adam, clip_global_norm


# ---------------------------------------------------------------- the data

def one_hot(indices, vocab_size, dtype=np.float64):
    """One-hot columns for an integer array (m, T_x): returns (vocab_size, m, T_x)."""
    m, T_x = indices.shape
    x = np.zeros((vocab_size, m, T_x), dtype=dtype)
    examples, steps = np.indices((m, T_x))
    x[indices, examples, steps] = 1
    return x


# ---------------------------------------------------------------- progress

class StatusLine:
    """A line of progress on stderr, rewritten in place on a terminal.

    show(text) replaces the line on a terminal, at most ten times a second,
    and writes nothing to a log file (CI), which would keep every version;
    show(text, keep=True) is a line worth keeping: always written, and
    ended, so that the next one starts below it.
    """

    def __init__(self, enabled=True):
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.last_shown = 0.0
        self.line_open = False

    def show(self, text, keep=False):
        if not self.enabled:
            return
        if self.tty:
            now = time.perf_counter()
            if now - self.last_shown < 0.1 and not keep:
                return                                   # ten updates a second are plenty to read
            self.last_shown = now
            sys.stderr.write("\r" + text.ljust(78) + ("\n" if keep else ""))
            self.line_open = not keep
        elif keep:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def close(self):
        """End a half-written line before anything else is printed."""
        if self.line_open:
            sys.stderr.write("\n")
            self.line_open = False


class Progress(StatusLine):
    """Iteration, what the program measures, speed and time left, on a StatusLine.

    Every `every` iterations, and at the last, the line is kept (a log file
    gets only those); in between a terminal shows it changing.
    """

    def __init__(self, total, every, unit):
        super().__init__()
        self.total, self.every, self.unit = total, every, unit
        self.start = time.perf_counter()

    def step(self, iteration, done_here, measure, units_per_iteration):
        """Show iteration `iteration` of the total, `done_here` of them in this run; measure: "loss 1.23"."""
        elapsed = time.perf_counter() - self.start
        speed = done_here * units_per_iteration / elapsed if elapsed > 0 else 0.0
        left = (self.total - iteration) * elapsed / done_here if done_here else 0.0
        self.show(f"iteration {iteration}/{self.total}  {measure}  {speed:,.0f} {self.unit}/s  {left:.0f} s left",
                  keep=iteration % self.every == 0 or iteration == self.total)


# ---------------------------------------------------------------- the epoch loop of the encoder-decoders

def learning_rate(epoch, epochs, base):
    """The step size of an epoch: `base` for the first half, then down in a straight line to base / 10.

    Arguments: epoch (0-based), epochs (the total), base (--lr). Returns a float.

    Large steps find the solution quickly; the smaller ones at the end settle
    into it, which is where the last percent of exact matches comes from.
    """
    half = epochs // 2
    if epoch < half:
        return base
    return base * (1 - 0.9 * (epoch - half) / max(1, epochs - 1 - half))


def train_epochs(state, epochs, size, loss_and_gradients, held_out_accuracy, progress=None, save=None,
                 noun="problems"):
    """Train `state` until it has done `epochs` epochs, judging it on the held-out set after each.

    The loop both encoder-decoder programs run (Seq2Seq.py, AttentionSeq2Seq.py):
    shuffle, then for each batch the loss and its gradient, clipping, one step
    of the optimizer; after each epoch the held-out exact match, the history
    and a save.

    Arguments:
    state -- dict with "parameters", "optimizer", "config" (lr, batch, clip, seed), "epoch",
             "position", "epoch_loss", "seconds", "history"; updated in place (also when interrupted)
    epochs -- total epochs, counted across resumes
    size -- N, the number of training examples
    loss_and_gradients -- function(parameters, rows) -> (loss, gradients) of the examples `rows`
    held_out_accuracy -- function(parameters) -> the held-out exact match, a float
    progress -- a StatusLine, or None for silence
    save -- function() called after every epoch (SavePoints.save), or None
    noun -- what the progress line calls an example

    The batches of epoch e are a permutation seeded by (seed, e), and the
    state says how far into it training got, so a resumed run sees exactly
    the batches an uninterrupted one would have seen.
    """
    config, optimizer, history = state["config"], state["optimizer"], state["history"]
    progress = progress or StatusLine(enabled=False)
    while state["epoch"] < epochs:
        epoch = state["epoch"]
        optimizer.learning_rate = learning_rate(epoch, epochs, config["lr"])
        order = np.random.default_rng([config["seed"], epoch]).permutation(size)
        while state["position"] < size:
            began = time.perf_counter()
            rows = order[state["position"]:state["position"] + config["batch"]]
            loss, gradients = loss_and_gradients(state["parameters"], rows)
            gradients, _ = clip_global_norm(gradients, config["clip"])   # tame the occasional explosion
            state["parameters"] = optimizer.update(state["parameters"], gradients)
            state["position"] += len(rows)
            state["epoch_loss"] += loss * len(rows)
            state["seconds"] += time.perf_counter() - began
            progress.show(f"epoch {epoch + 1}/{epochs}  {noun} {state['position']:,}/{size:,}  loss {loss:.3f}  "
                          f"held-out {history['accuracy'][-1]:.3f}  {state['seconds']:.0f} s")
        accuracy = held_out_accuracy(state["parameters"])
        for key, value in (("epoch", epoch + 1), ("accuracy", accuracy), ("loss", state["epoch_loss"] / size),
                           ("seconds", state["seconds"])):
            history[key].append(value)
        state.update(epoch=epoch + 1, position=0, epoch_loss=0.0)
        progress.show(f"epoch {epoch + 1}/{epochs}  loss {history['loss'][-1]:.3f}  held-out exact match "
                      f"{accuracy:.4f}  {state['seconds']:.0f} s", keep=True)
        if save:
            save()
    progress.close()
    return state


def state_arrays(state):
    """Everything needed to resume an epoch-trained program, as plain arrays (no pickled objects)."""
    arrays = {"param_" + key: value for key, value in state["parameters"].items()}
    arrays.update({"adam_" + key: value for key, value in state["optimizer"].state().items()})
    arrays.update({"config_" + key: np.array(value) for key, value in state["config"].items()})
    arrays.update({"history_" + key: np.array(value) for key, value in state["history"].items()})
    arrays.update({key: np.array(state[key]) for key in PROGRESS_KEYS})
    return arrays


PROGRESS_KEYS = ("epoch", "position", "epoch_loss", "seconds")   # where an epoch-trained program is


def resolve_options(args, saved, model_options, defaults):
    """A run's configuration: each option as given, else as the checkpoint saved it, else its default.

    Arguments:
    args -- the parsed command line (None for an option not given)
    saved -- the checkpoint's configuration, or None for a new model
    model_options -- the options a checkpoint fixes (the model's size, its data, its seed)
    defaults -- dict from every option of the configuration to (its default, its default with --quick)

    Raises a one-line UsageError if an option given contradicts what the checkpoint fixes.
    """
    config = {}
    for name, default in defaults.items():
        given = getattr(args, name)
        if saved is not None and name in model_options:
            if given is not None and given != saved[name]:
                raise UsageError(f"--{name.replace('_', '-')} {given} does not match the checkpoint's "
                                 f"{saved[name]} (a checkpoint fixes {', '.join(model_options)})")
            config[name] = saved[name]
        elif given is not None:
            config[name] = given
        elif saved is not None:
            config[name] = saved[name]
        else:
            config[name] = default[1 if args.quick else 0]
    return config


def load_epoch_state(path, program, config_kinds, option_types, init_parameters, noun):
    """Read a checkpoint of an epoch-trained program back into a state; one-line UsageError if it is not one.

    Every array is checked for its kind and dimensions (checkpoint.load_arrays),
    the configuration with the command line's own option types, the progress
    and the history for their ranges, and the parameters' shapes against the
    configuration saved with them: a damaged or edited file is refused before
    any work, whatever it holds.

    Arguments:
    path -- the checkpoint's path
    program -- the program that must have written it (its stamp)
    config_kinds -- dict from each option of the configuration to its dtype kinds ("iu", "f", "b", "U")
    option_types -- dict from option to the argparse type that checks it on the command line
    init_parameters -- function(config) -> parameters of the right shapes, for the comparison
    noun -- what the training examples are called in a message ("training problems")

    Returns:
    the state, as the program's new_state makes it, at the point where it was saved
    """
    expected = {"config_" + key: (kinds, 0) for key, kinds in config_kinds.items()}
    expected.update({"epoch": ("iu", 0), "position": ("iu", 0), "epoch_loss": ("f", 0), "seconds": ("f", 0),
                     "history_epoch": ("iu", 1), "history_accuracy": ("f", 1), "history_seconds": ("f", 1)})
    arrays = load_arrays(path, program, expected)
    history_loss = check_member(path, arrays, "history_loss", "f", 1, finite=False)   # NaN before the first epoch
    config = {key: arrays["config_" + key].item() for key in config_kinds}
    for key, check in option_types.items():
        try:
            check(str(config[key]))
        except argparse.ArgumentTypeError as error:
            raise UsageError(f"{path}: 'config_{key}' {error}")
    progress = {key: arrays[key].item() for key in PROGRESS_KEYS}
    history = {key: arrays["history_" + key].tolist() for key in ("epoch", "accuracy", "seconds")}
    history["loss"] = history_loss.tolist()
    if not 0 <= progress["position"] <= config["train_size"] or progress["epoch"] < 0 or progress["seconds"] < 0:
        raise UsageError(f"{path}: the progress (epoch {progress['epoch']}, position {progress['position']}, "
                         f"{progress['seconds']} s) does not fit {config['train_size']} {noun}")
    if len({len(values) for values in history.values()}) != 1 or history["epoch"] != list(range(len(history["epoch"]))) \
            or len(history["epoch"]) != progress["epoch"] + 1:
        raise UsageError(f"{path}: the history should hold one entry per epoch done, 0 to {progress['epoch']}")
    shapes = init_parameters(config)
    parameters = {key: check_member(path, arrays, "param_" + key, "f", 2) for key in shapes}
    for key, value in parameters.items():
        if value.shape != shapes[key].shape:
            raise UsageError(f"{path}: {key} should have shape {shapes[key].shape} for {config['hidden']} hidden "
                             f"units, got {value.shape}")
    optimizer = Adam(config["lr"])
    try:
        optimizer.load_state({key[5:]: value for key, value in arrays.items() if key.startswith("adam_")})
    except (TypeError, ValueError, KeyError) as error:
        raise UsageError(f"{path}: the optimizer's state: {str(error).strip(chr(34))}")
    return {"parameters": parameters, "optimizer": optimizer, "config": config, "history": history, **progress}


# ---------------------------------------------------------------- saving, and stopping

class Stopped(Exception):
    """Training was stopped by a signal and the stop was handled: main exits with `status`."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


def exit_status(stop):
    """The exit status a shell shows for a stop: 128 + the signal's number (130 for Ctrl-C)."""
    name = str(stop) or "SIGINT"                 # Ctrl-C's KeyboardInterrupt carries no name
    return 128 + getattr(signal, name, signal.SIGINT)


class SavePoints:
    """Save the model during training; a failed save is reported and retried, never fatal.

    Arguments:
    path, program -- where to save, and the program's name stamped in the file (checkpoint.save_arrays)
    arrays -- function () -> the dict of arrays that is the current state (read when saving)
    where -- function () -> where training is, in words ("iteration 40"), or None while this
             run has done nothing yet (then a stop has nothing new to save)
    resume -- the command that continues the run, shown when it is stopped

    A save can fail for reasons that pass (a full disk, a folder unmounted for
    a moment). Then the previous checkpoint stays as it was (save_arrays is
    atomic), the model stays in memory, training goes on, and the next save
    point tries again. `saved` is where the last save that worked was made.
    """

    def __init__(self, path, program, arrays, where, resume):
        self.path, self.program, self.arrays, self.where, self.resume = path, program, arrays, where, resume
        self.saved = None

    def save(self):
        """Save now, unless this very state is saved already; True if the checkpoint now holds it."""
        where = self.where()
        if where is not None and where == self.saved:
            return True
        try:
            save_arrays(self.path, self.program, self.arrays())
        except OSError as error:
            kept = "the previous checkpoint is kept" if os.path.exists(self.path) else "there is no checkpoint yet"
            print(f"could not save the checkpoint to {self.path} at {where} ({error.strerror or error}); {kept} "
                  f"and the model stays in memory", file=sys.stderr, flush=True)
            return False
        self.saved = where
        return True

    @contextlib.contextmanager
    def on_stop(self, status_line):
        """Inside the block, Ctrl-C, SIGTERM and SIGHUP save the model, say how to resume, and raise Stopped.

        status_line -- the StatusLine to end before the message
        run_program turns Stopped into the exit status a shell expects (130 for Ctrl-C, 143 for SIGTERM).
        """
        try:
            with interrupt_on_signals():             # SIGTERM and SIGHUP are saved like Ctrl-C
                yield
        except KeyboardInterrupt as stop:
            with signals_ignored():                  # a second Ctrl-C or a SIGTERM must not break the save
                status_line.close()
                name = str(stop) or "Ctrl-C"
                where = self.where()
                if where is None:
                    print(f"\nstopped by {name} before the first iteration; nothing new to save", file=sys.stderr)
                elif self.save():
                    print(f"\nstopped by {name} at {where}; the model is saved in {self.path}\n"
                          f"resume with: {self.resume}", file=sys.stderr)
                else:
                    print(f"\nstopped by {name} at {where}; the model could not be saved", file=sys.stderr)
            raise Stopped(exit_status(stop)) from None


# ---------------------------------------------------------------- main

def printing_that_cannot_fail():
    """Make print() replace what the console cannot show instead of raising.

    A sample can hold any character of the text. On a console whose encoding
    lacks one (Windows' cp1252 has no partial-derivative sign, for example),
    print() would raise UnicodeEncodeError in the middle of training; now
    stdout shows "?" in its place, and stderr a backslash escape. Streams that
    are not real text files (a test's capture) are left alone.
    """
    for stream, errors in ((sys.stdout, "replace"), (sys.stderr, "backslashreplace")):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=errors)


def run_program(program, body, args, out_of_memory="try a smaller model"):
    """Run a program's body(args) and give its exit status; every error in one line.

    Arguments:
    program -- the program's name, the first word of its error lines ("Seq2Seq.py")
    body -- function(args) -> exit status, the program itself
    args -- its parsed options
    out_of_memory -- what to try when memory runs out

    Exit status: body's own; 2 after a UsageError (the user's input); 1 when
    memory runs out; 128 + the signal's number after a stop (Stopped, raised
    by SavePoints.on_stop once the model is saved, or a stop outside training).
    """
    printing_that_cannot_fail()
    try:
        return body(args)
    except UsageError as error:
        print(f"{program}: error: {error}", file=sys.stderr)
        return 2
    except Stopped as stop:
        return stop.status
    except MemoryError:
        print(f"{program}: error: out of memory: {out_of_memory}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:            # before or after the training loop: nothing new to save
        print("\ninterrupted", file=sys.stderr)
        return exit_status(stop)


# ---------------------------------------------------------------- figures (matplotlib is optional)

def matplotlib_available():
    """True if matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        return False


def pyplot():
    """matplotlib.pyplot drawing to files (the Agg backend, no window), or None without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def check_can_plot(path, what="the loss curve"):
    """UsageError, before training, if a figure could not be written to `path` or would destroy a file.

    An existing file is only replaced if it is a PNG (the figure of an earlier
    run); anything else (a text, a checkpoint) is refused.
    """
    if os.path.isdir(path):
        raise UsageError(f"--plot {path} is a folder, not a file")
    if os.path.lexists(path):
        with open(path, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                raise UsageError(f"refusing to overwrite {path} with {what}: it is not a PNG image")
    elif not os.path.isdir(os.path.dirname(os.path.abspath(path)) or "."):
        raise UsageError(f"--plot {path}: its folder does not exist")
