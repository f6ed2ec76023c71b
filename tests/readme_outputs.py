"""Does the README still say what the programs print?

    python tests/readme_outputs.py           # every quoted program (the training run takes a minute or two)
    python tests/readme_outputs.py --quick   # only the fast ones (tests/test_readme_outputs.py runs these)

The README marks every block of program output it quotes with a comment on
the line just before the block:

    <!-- output of: python RNN.py -->
    ```text
    Forward propagation: rnn_forward(x, a0, parameters)
    ...
    ```

This script runs each marked command once and checks that each of its blocks
is an exact excerpt of what the command printed on stdout: the block's lines
appear in the output one after the other, in the same order (spaces at the
ends of lines ignored). A block may be the whole output, its last line, or a
sample from the middle. Only deterministic programs may be quoted this way
(seeded, single-threaded BLAS): a number that changes from run to run cannot
be checked, so it must not be written as one.

Every command runs from an empty temporary folder, with the script's path
taken from the project's root, so a run never writes into the project (the
training run's checkpoint lands in the temporary folder), and without the
thread variables of the caller's shell, so each program's own defaults apply.

PROGRAMS lists the commands the README may quote; adding one is one line. A
marker naming a command that is not listed fails (its block would never be
checked), and so does a listed command that the README never quotes.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")

# command as the README writes it -> (seconds it may take, fast enough for the tests?)
PROGRAMS = {
    "python RNN.py": (60, True),
    "python RNN.py --order course": (60, True),
    "python LSTM.py": (60, True),
    "python GRU.py": (60, True),
    "python TruncatedBPTT.py": (900, False),        # the default run: 12,000 iterations
}

MARKED_BLOCK = re.compile(r"^<!-- output of: (?P<command>.+?) -->\n```text\n(?P<block>.*?)^```$",
                          re.MULTILINE | re.DOTALL)
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def quoted_blocks(readme_text):
    """The marked output blocks of the README: a dict from command to the list of its blocks (strings)."""
    blocks = {}
    for match in MARKED_BLOCK.finditer(readme_text):
        blocks.setdefault(match["command"], []).append(match["block"])
    return blocks


def lines_of(text):
    """The lines of a text without the spaces at their ends."""
    return [line.rstrip() for line in text.splitlines()]


def is_excerpt(block, output):
    """True if the lines of `block` appear in `output` consecutively and in order."""
    wanted, printed = lines_of(block), lines_of(output)
    return any(printed[start:start + len(wanted)] == wanted for start in range(len(printed) - len(wanted) + 1))


def run(command, timeout):
    """Run a README command from an empty folder; give its stdout (RuntimeError if it fails)."""
    program, *arguments = shlex.split(command)[1:]          # drop the leading "python"
    environment = {key: value for key, value in os.environ.items() if key not in THREAD_VARIABLES}
    environment["PYTHONIOENCODING"] = "utf-8"
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run([sys.executable, os.path.join(ROOT, program), *arguments], cwd=folder,
                                capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                                env=environment)
    if result.returncode != 0:
        raise RuntimeError(f"`{command}` exited with {result.returncode}: {result.stderr.strip()[-500:]}")
    return result.stdout


def check(readme_text, quick=False, runner=run):
    """Every problem found, as a list of one-line messages (empty when the README is right).

    Arguments:
    readme_text -- the README's text
    quick -- check only the programs marked fast in PROGRAMS
    runner -- function(command, timeout) -> stdout (the tests pass a stand-in)
    """
    blocks = quoted_blocks(readme_text)
    problems = [f"the README quotes `{command}`, which PROGRAMS in tests/readme_outputs.py does not list"
                for command in blocks if command not in PROGRAMS]
    problems += [f"PROGRAMS lists `{command}`, but the README quotes no output of it"
                 for command in PROGRAMS if command not in blocks]
    for command, (timeout, fast) in PROGRAMS.items():
        if command not in blocks or (quick and not fast):
            continue
        output = runner(command, timeout)
        for block in blocks[command]:
            if not is_excerpt(block, output):
                first = lines_of(block)[0] if block.strip() else "(empty block)"
                problems.append(f"`{command}` no longer prints the README's block starting {first!r}")
    return problems


def run_and_say(command, timeout):
    """run(), saying first what runs: the training run takes a minute or two."""
    print(f"running `{command}`", flush=True)
    return run(command, timeout)


def main(argv):
    quick = "--quick" in argv
    with open(README, encoding="utf-8") as f:
        problems = check(f.read(), quick, runner=run_and_say)
    for problem in problems:
        print(problem)
    checked = [c for c, (_, fast) in PROGRAMS.items() if fast or not quick]
    print(f"README outputs: {len(checked)} programs checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
