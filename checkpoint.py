"""Saving a training program's work so that nothing is ever lost or destroyed.

Not a step of the tutorial, but what makes it safe to train for an hour: a
program that trains and saves must never destroy work, its own or yours.
The rules, and the piece of this file that keeps each one:

- Never overwrite a file the program did not write. Every checkpoint is
  stamped with the name of the program that wrote it; check_can_save
  refuses any existing file without that stamp (your text, a photo, another
  program's model) and refuses to replace even a checkpoint of this program
  unless the user asked for it (--resume to continue it, --overwrite to
  start again).
- Find out before training, not after, that the checkpoint cannot be
  written: check_can_save makes the folder and writes a test file there
  before the first iteration.
- Never leave half a file. save_arrays writes a temporary file in the same
  folder (same filesystem, so the rename is atomic), with a name unique to
  this writer (two runs saving side by side never share one), flushes and
  syncs it to the disk, and only then renames it over the checkpoint. A
  crash, a full disk or a kill at any moment leaves either the old
  checkpoint or the new one, never a mix, and no temporary file.
- Save on every polite request to stop: Ctrl-C sends SIGINT, which Python
  turns into KeyboardInterrupt; interrupt_on_signals does the same for
  SIGTERM (what `kill`, systemd and cluster schedulers send) and SIGHUP (a
  closing terminal), so one `except KeyboardInterrupt` saves in every case.
- Read back only what was written: load_arrays refuses, in one line, a
  missing, truncated, corrupted, wrong-kind (a lone .npy) or other
  program's file. Arrays only, never pickled objects (allow_pickle=False):
  loading a checkpoint must not run code.

UsageError is the one-line error of every program here:
program_support.run_program prints its message without a traceback and
exits with status 2. The argparse types
below (number, positive, non_negative, random_seed) give every numeric option the
same one-line errors and the same promise: a value is refused before any
work starts, or it is one the program can use and save (finite; a whole
number fits the checkpoint's int64). Use them for every option of a new
program.

This file keeps the file and its safety: the format, atomic saving, checked
loading, never overwriting what another wrote, and the signal handling.
When a program saves, what it tells the user, and how it exits are
program_support.py's (SavePoints, run_program), built on these.
"""
import argparse
import contextlib
import math
import os
import signal
import tempfile

import numpy as np

STAMP = "written_by"            # the key of the array naming the program that wrote the file
LARGEST_INT = 2**63 - 1         # the largest whole number a checkpoint holds (int64)
SAVED_KINDS = "biufU"           # dtype kinds a checkpoint may hold: bool, integers, floats, text


class UsageError(Exception):
    """A problem with the user's input: reported in one line, without a traceback."""


# ---------------------------------------------------------------- options

def number(kind, low=None, high=None, allow_low=False):
    """An argparse type: a finite number of `kind` (int or float) in a range.

    Arguments:
    kind -- int or float
    low -- the value must be above it (or equal, with allow_low); None: no lower bound
    high -- the value must be at most this; None: no upper bound (but see below)
    allow_low -- accept `low` itself

    Returns a function for argparse's type=, which turns bad text into the
    one-line "argument --x: ..." error of argparse. inf and nan are always
    refused: no option of this project means anything with them. A whole
    number is also at most LARGEST_INT (2**63 - 1), so that whatever is
    accepted can be saved in a checkpoint (int64) instead of failing at the
    save, after the training it was to save.
    """
    if kind is int:
        high = LARGEST_INT if high is None else min(high, LARGEST_INT)

    def parse(text):
        shown = text if len(text) <= 40 else text[:37] + "..."    # a one-line message, whatever was typed
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {'whole ' if kind is int else ''}number, got {shown!r}")
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {shown}")
        if low is not None and not (value >= low if allow_low else value > low):
            bound = ("0 or more" if low == 0 else f"at least {low}") if allow_low else \
                    ("positive" if low == 0 else f"more than {low}")
            raise argparse.ArgumentTypeError(f"must be {bound}, got {shown}")
        if high is not None and value > high:
            largest = " (the largest whole number a checkpoint holds)" if high == LARGEST_INT else ""
            raise argparse.ArgumentTypeError(f"must be at most {high}{largest}, got {shown}")
        return value
    return parse


def positive(kind, high=None):
    """An argparse type: a finite number of `kind` above 0 (and at most `high`)."""
    return number(kind, low=0, high=high)


def non_negative(kind, high=None):
    """An argparse type: a finite number of `kind` that is 0 or more (and at most `high`)."""
    return number(kind, low=0, high=high, allow_low=True)


def random_seed():
    """An argparse type for --seed: a whole number from 0 to 2**63 - 1.

    numpy's generators refuse negative seeds, and a checkpoint stores the
    seed as an int64: one type for every program's --seed, so that each
    refuses the same values in the same words.
    """
    return non_negative(int)


def parse_options(parser, argv):
    """parser.parse_args(argv), with one gap of argparse closed: every typed option holds one checked value.

    Python 3.11's argparse gives "--seed=--" the value [] without calling the
    option's type at all, so no check above would run; this refuses it, in
    argparse's own one-line form (exit status 2).
    """
    args = parser.parse_args(argv)
    for action in parser._actions:
        if action.type is not None and action.nargs is None and isinstance(getattr(args, action.dest, None), list):
            parser.error(f"argument {action.option_strings[-1]}: expected one value")
    return args


# ---------------------------------------------------------------- checks before training

def _folder(path):
    return os.path.dirname(os.path.abspath(path))


def is_checkpoint_of(path, program):
    """True if the file at `path` is a readable checkpoint stamped by `program`."""
    try:
        load_arrays(path, program)
        return True
    except UsageError:
        return False


def check_can_save(path, program, resume=False, overwrite=False):
    """Make sure a checkpoint can be written at `path`, before any work is done.

    Arguments:
    path -- where the program will save
    program -- the program's name, stamped into its checkpoints (e.g. "TruncatedBPTT.py")
    resume -- the run continues the checkpoint at `path`, so it may replace it
    overwrite -- the user asked to replace an existing checkpoint of this program

    Creates the folder if it is missing and writes (and removes) a test file
    in it. Raises UsageError, in one line, if the path is empty or a folder,
    if its folder cannot be made or written, if it is an existing file that
    is not a checkpoint of `program` (never replaced, whatever the options),
    or if it is an existing checkpoint and neither resume nor overwrite is set.
    """
    if not path:
        raise UsageError("the checkpoint path is empty")
    if os.path.isdir(path):
        raise UsageError(f"the checkpoint {path} is a folder, not a file")
    if os.path.lexists(path):
        if not is_checkpoint_of(path, program):
            raise UsageError(f"refusing to overwrite {path}: it is not a checkpoint of {program} "
                             f"(choose another path, or move the file away)")
        if not (resume or overwrite):
            raise UsageError(f"{path} already holds a checkpoint: continue it with --resume, "
                             f"or replace it with --overwrite")
    folder = _folder(path)
    blocker = _file_in_the_way(folder)
    if blocker:
        raise UsageError(f"cannot write the checkpoint {path}: {blocker} is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
        descriptor, probe = tempfile.mkstemp(dir=folder, prefix=_temporary_prefix(path))
        os.close(descriptor)
        os.remove(probe)
    except OSError as error:
        raise UsageError(f"cannot write the checkpoint {path}: {describe(error)}")


def _file_in_the_way(folder):
    """The nearest existing ancestor of `folder` if it is a file (so the folder cannot be made), else None."""
    while not os.path.exists(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    return None if os.path.isdir(folder) else folder


def describe(error):
    """An OSError in a few words ("No space left on device: /x"), for a one-line message."""
    where = error.filename if error.filename is not None else ""
    reason = error.strerror or str(error)
    return f"{reason}: {where}" if where else reason


# ---------------------------------------------------------------- saving and loading

def _temporary_prefix(path):
    # hidden, and named after the checkpoint so a left-over file (after a power cut) says whose it is
    return "." + os.path.basename(path) + ".tmp-"


def save_arrays(path, program, arrays):
    """Write a dict of arrays to `path` as a .npz, atomically, stamped with `program`.

    Arguments:
    path -- the checkpoint's path (its folder must exist: see check_can_save)
    program -- the name of the program writing it
    arrays -- dict from name to numpy array (numbers or strings; no objects)

    The arrays go to a new temporary file in the same folder, which is
    flushed and synced to the disk and then renamed over `path` with
    os.replace (atomic). On any failure the temporary file is removed, the
    previous checkpoint is left as it was, and the OSError is raised.
    """
    if STAMP in arrays:
        raise ValueError(f"{STAMP!r} is reserved for the stamp of the program")
    for name, value in arrays.items():
        if np.asarray(value).dtype.kind == "O":
            raise TypeError(f"{name}: a checkpoint holds plain arrays, not Python objects")
    folder = _folder(path)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=_temporary_prefix(path))
    try:
        os.chmod(temporary, _file_mode())   # mkstemp makes it private (0600); a checkpoint is a normal file
        with os.fdopen(descriptor, "wb") as f:
            np.savez(f, allow_pickle=False, **{STAMP: np.array(program)}, **arrays)
            f.flush()
            os.fsync(f.fileno())            # on the disk before the rename makes it the checkpoint
        os.replace(temporary, path)
    except BaseException:                   # also Ctrl-C in the middle: no half-written file stays
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    _sync_folder(folder)


def _file_mode():
    """The permissions open() would give a new file: 0666 less the process's umask."""
    umask = os.umask(0)                     # the only way to read the umask is to set it...
    os.umask(umask)                         # ...and put it back
    return 0o666 & ~umask


def _sync_folder(folder):
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


KIND_NAMES = {"f": "floats", "iu": "integers", "U": "text", "b": "booleans", "biu": "integers or booleans"}


def load_arrays(path, program, expected=None):
    """Read back what save_arrays wrote, or raise a one-line UsageError.

    Arguments:
    path -- the checkpoint's path
    program -- the name of the program that must have written it
    expected -- optional dict from name to (kinds, ndim): arrays the
                checkpoint must hold, each checked as check_member does

    Returns:
    dict from name to numpy array, without the stamp

    Raises UsageError for a missing file, a folder, an unreadable file, a
    file that is not a .npz archive (a lone .npy, a text), a truncated or
    corrupted archive (every array is read, so a bad checksum shows), an
    archive without the stamp of `program`, and one holding anything
    save_arrays does not write: a member that is not an array (a zip can
    hold any file), or an array of other than numbers or text (structured
    records, dates, complex numbers). Whatever is inside the zip, the
    caller gets plain arrays or this one-line error, never a traceback.
    The arrays of `expected` are checked too; the caller checks the rest
    (shapes that depend on other arrays, ranges of values).
    """
    if not os.path.lexists(path):
        raise UsageError(f"no checkpoint at {path}")
    if os.path.isdir(path):
        raise UsageError(f"the checkpoint {path} is a folder, not a file")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise UsageError(f"{path} is a single array (.npy), not a checkpoint of {program}")
        with loaded:
            arrays = {key: loaded[key] for key in loaded.files}
    except UsageError:
        raise
    except OSError as error:
        raise UsageError(f"cannot read the checkpoint {path}: {describe(error)}")
    except Exception as error:      # noqa: BLE001 - whatever breaks while reading, the file is damaged
        raise UsageError(f"{path} is not a readable checkpoint: it is damaged or of another kind "
                         f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})")
    stamp = arrays.pop(STAMP, None)
    if not (isinstance(stamp, np.ndarray) and stamp.dtype.kind == "U" and stamp.shape == () and str(stamp) == program):
        stamped = isinstance(stamp, np.ndarray) and stamp.dtype.kind == "U" and stamp.shape == ()
        written_by = f"written by {str(stamp)[:80]}" if stamped else "no stamp"
        raise UsageError(f"{path} is not a checkpoint of {program} ({written_by})")
    for key, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise UsageError(f"{path} is not a checkpoint of {program}: its member {key[:80]!r} is not an array")
        if value.dtype.kind not in SAVED_KINDS or value.dtype.names is not None:
            raise UsageError(f"{path} is not a checkpoint of {program}: {key[:80]!r} holds dtype {value.dtype}, "
                             f"not numbers or text")
    for key, (kinds, ndim) in (expected or {}).items():
        check_member(path, arrays, key, kinds, ndim)
    return arrays


def check_member(path, arrays, key, kinds, ndim, finite=True):
    """The array `key` of a loaded checkpoint, checked for its kind, its dimensions and (floats) finiteness.

    Arguments:
    path -- the checkpoint's path, for the message
    arrays -- what load_arrays returned
    key -- the array's name
    kinds -- the dtype kinds it may have: "f" floats, "iu" integers, "U" text, "b" booleans
    ndim -- its number of dimensions (0 for one number)
    finite -- refuse floats that are inf or NaN (False where NaN means "none yet")

    Raises a one-line UsageError if it is missing, of another kind or
    number of dimensions, or holds floats that are not finite.
    """
    if key not in arrays:
        raise UsageError(f"{path}: the checkpoint has no {key!r}")
    value = arrays[key]
    if value.dtype.kind not in kinds or value.ndim != ndim:
        raise UsageError(f"{path}: {key!r} should be a {ndim}-D array of {KIND_NAMES.get(kinds, kinds)}, "
                         f"got dtype {value.dtype} and shape {value.shape}")
    if finite and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise UsageError(f"{path}: {key!r} holds numbers that are not finite")
    return value


# ---------------------------------------------------------------- signals

def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _polite_stop_signals():
    """SIGTERM, and SIGHUP where it exists (not on Windows)."""
    return [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]


@contextlib.contextmanager
def interrupt_on_signals():
    """Inside the block, SIGTERM and SIGHUP raise KeyboardInterrupt, as Ctrl-C does.

    So the program's `except KeyboardInterrupt:` saves whether the user
    pressed Ctrl-C, closed the terminal or `kill`ed it. The previous handlers
    are restored when the block ends. Signals can only be handled in the main
    thread; elsewhere the block changes nothing.
    """
    with _handled(_polite_stop_signals(), _raise_keyboard_interrupt):
        yield


@contextlib.contextmanager
def signals_ignored():
    """Inside the block, Ctrl-C, SIGTERM and SIGHUP are ignored: for the last save.

    A second Ctrl-C, or a scheduler's SIGTERM following the user's, must not
    break the save that the first one started. Restored afterwards.
    """
    with _handled([signal.SIGINT] + _polite_stop_signals(), signal.SIG_IGN):
        yield


@contextlib.contextmanager
def _handled(signums, handler):
    """Inside the block, `handler` handles every signal of `signums`; the previous handlers come back after."""
    previous = {}
    try:
        for signum in signums:
            previous[signum] = signal.signal(signum, handler)
    except ValueError:                      # not the main thread: signals cannot be handled there
        pass
    try:
        yield
    finally:
        for signum, old_handler in previous.items():
            signal.signal(signum, old_handler)
