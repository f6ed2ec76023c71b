"""Do the README and the chapters' pages still say what the programs print?

    python tests/readme_outputs.py           # every quoted program (the training runs take several minutes)
    python tests/readme_outputs.py --quick   # only the fast ones (tests/test_readme_outputs.py runs these)

The pages are README.md and every docs/*.md. Each marks every block of
program output it quotes with a comment on the line just before the block:

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

PROGRAMS lists the commands the pages may quote; adding one is one line. A
marker naming a command that is not listed fails (its block would never be
checked), and so does a listed command that no page quotes. A command is
run once, however many pages quote it.

The training run is exact only on the processor its blocks were printed on
(PROGRAMS says which): elsewhere BLAS adds inside its products in another
order, and 12,000 updates amplify the last digits. On another processor its
one-line blocks (the final loss) are checked to within 0.05 and its samples
are skipped, and the script says so.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections import namedtuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
DOCS = os.path.join(ROOT, "docs")

# timeout: seconds it may take; fast: cheap enough for the tests; exact_on: None if
# the output is the same on every processor, else the processor the pages'
# blocks were printed on (its "model name" in /proc/cpuinfo).
Program = namedtuple("Program", "timeout fast exact_on")
PROGRAMS = {
    "python RNN.py": Program(60, True, None),
    "python RNN.py --order course": Program(60, True, None),
    "python LSTM.py": Program(60, True, None),
    "python GRU.py": Program(60, True, None),
    # the default run, 12,000 iterations (about a minute)
    "python TruncatedBPTT.py": Program(900, False, "Intel(R) Xeon(R) Processor @ 2.80GHz"),
    # both parts of the vanishing-gradient chapter, 27 small models trained (about two minutes)
    "python VanishingGradient.py": Program(900, False, "Intel(R) Xeon(R) Processor @ 2.80GHz"),
    # the encoder-decoder's default run, 10 epochs of 45,000 sums (about a minute)
    "python Seq2Seq.py": Program(900, False, "Intel(R) Xeon(R) Processor @ 2.80GHz"),
    # the attention chapter: dates, 5 epochs (about 80 s of CPU); copying digits, 6 models (about 4 minutes)
    "python AttentionSeq2Seq.py": Program(1200, False, "AMD EPYC"),
    "python AttentionSeq2Seq.py --lengths": Program(1800, False, "AMD EPYC"),
}
# Another processor follows another trajectory, as another seed would (seeds 1-5 spread over 0.11,
# docs/training.md): the default run ended at 1.5983 on an AMD EPYC against the quoted 1.6188
# (6 December 2026). 0.05 lets that through and still catches a real change.
TOLERANCE_ELSEWHERE = 0.05
NUMBER = re.compile(r"-?\d+\.\d+")

MARKED_BLOCK = re.compile(r"^<!-- output of: (?P<command>.+?) -->\n```text\n(?P<block>.*?)^```$",
                          re.MULTILINE | re.DOTALL)
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pages():
    """The pages that may quote outputs: a dict from name ("README.md", "docs/x.md") to text."""
    names = [README]
    if os.path.isdir(DOCS):
        names += sorted(os.path.join(DOCS, name) for name in os.listdir(DOCS) if name.endswith(".md"))
    texts = {}
    for path in names:
        with open(path, encoding="utf-8") as f:
            texts[os.path.relpath(path, ROOT).replace(os.sep, "/")] = f.read()
    return texts


def quoted_blocks(text):
    """The marked output blocks of a page: a dict from command to the list of its blocks (strings)."""
    blocks = {}
    for match in MARKED_BLOCK.finditer(text):
        blocks.setdefault(match["command"], []).append(match["block"])
    return blocks


def quoted_blocks_of_pages(texts):
    """The marked blocks of every page: a dict from command to a list of (page, block)."""
    blocks = {}
    for page, text in texts.items():
        for command, page_blocks in quoted_blocks(text).items():
            blocks.setdefault(command, []).extend((page, block) for block in page_blocks)
    return blocks


def lines_of(text):
    """The lines of a text without the spaces at their ends."""
    return [line.rstrip() for line in text.splitlines()]


def is_excerpt(block, output):
    """True if the lines of `block` appear in `output` consecutively and in order."""
    wanted, printed = lines_of(block), lines_of(output)
    return any(printed[start:start + len(wanted)] == wanted for start in range(len(printed) - len(wanted) + 1))


def close_enough(line, output, tolerance):
    """True if some line of `output` reads like `line` with every number within `tolerance` of it."""
    wanted = [float(n) for n in NUMBER.findall(line)]
    for printed in lines_of(output):
        if NUMBER.sub("#", printed) == NUMBER.sub("#", line.rstrip()):
            got = [float(n) for n in NUMBER.findall(printed)]
            if all(abs(a - b) <= tolerance for a, b in zip(wanted, got)):
                return True
    return False


def processor():
    """The processor's model name (Linux), or "unknown"."""
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown"


def run(command, timeout):
    """Run a quoted command from an empty folder; give its stdout (RuntimeError if it fails)."""
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


CODE_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def heading_anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def broken_links(texts, root=ROOT):
    """Links between the pages (and to the project's files) that lead nowhere: a list of one-line messages.

    A link to another page, or to a heading of a page ("docs/x.md#some-heading"),
    must find that page among `texts` (or that file under `root`) and that heading.
    Web addresses are not followed; links inside code blocks are not links.
    """
    anchors = {page: {heading_anchor(line.lstrip("#")) for line in CODE_BLOCK.sub("", text).splitlines()
                      if re.match(r"#+ ", line)}
               for page, text in texts.items()}
    problems = []
    for page, text in texts.items():
        for match in LINK.finditer(CODE_BLOCK.sub("", text)):
            target = match[1]
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            destination = os.path.normpath(os.path.join(os.path.dirname(page), path)).replace(os.sep, "/") \
                if path else page
            if destination not in texts and not os.path.exists(os.path.join(root, destination)):
                problems.append(f"{page} links to {target}, which does not exist")
            elif anchor and destination in texts and anchor not in anchors[destination]:
                problems.append(f"{page} links to {target}, but {destination} has no such heading")
    return problems


def check(texts, quick=False, runner=run, this_processor=None):
    """Every problem found, as a list of one-line messages (empty when every page is right).

    Arguments:
    texts -- dict from page name to its text (see pages()); a single string is read as README.md
    quick -- check only the programs marked fast in PROGRAMS
    runner -- function(command, timeout) -> stdout (the tests pass a stand-in)
    this_processor -- the processor's name (default: read from the system)

    Returns:
    problems -- list of one-line messages, empty when every page is right
    skipped -- list of one-line notes on the blocks that could not be checked here
    """
    if isinstance(texts, str):
        texts = {"README.md": texts}
    this_processor = this_processor or processor()
    blocks = quoted_blocks_of_pages(texts)
    problems = [f"{page} quotes `{command}`, which PROGRAMS in tests/readme_outputs.py does not list"
                for command, quoted in blocks.items() if command not in PROGRAMS
                for page in dict.fromkeys(page for page, _ in quoted)]
    problems += [f"PROGRAMS lists `{command}`, but no page quotes any output of it"
                 for command in PROGRAMS if command not in blocks]
    skipped = []
    for command, program in PROGRAMS.items():
        if command not in blocks or (quick and not program.fast):
            continue
        output = runner(command, program.timeout)
        exact = program.exact_on in (None, this_processor)
        for page, block in blocks[command]:
            first = lines_of(block)[0] if block.strip() else "(empty block)"
            if exact:
                ok = is_excerpt(block, output)
            elif len(lines_of(block)) == 1:
                ok = close_enough(first, output, TOLERANCE_ELSEWHERE)
            else:
                skipped.append(f"`{command}`: the block of {page} starting {first!r} is exact only on "
                               f"{program.exact_on}")
                continue
            if not ok:
                problems.append(f"`{command}` no longer prints the block of {page} starting {first!r}")
    return problems, skipped


def run_and_say(command, timeout):
    """run(), saying first what runs: a training run takes a minute or two."""
    print(f"running `{command}`", flush=True)
    return run(command, timeout)


def main(argv):
    quick = "--quick" in argv
    texts = pages()
    problems, skipped = check(texts, quick, runner=run_and_say)
    problems += broken_links(texts)
    for line in skipped + problems:
        print(line)
    checked = [command for command, program in PROGRAMS.items() if program.fast or not quick]
    print(f"quoted outputs of {len(texts)} pages: {len(checked)} programs checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
