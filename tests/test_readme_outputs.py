"""The README's quoted outputs are what the fast programs print (the slow training run: .ci/run)."""
import os

import pytest

from conftest import ROOT
from readme_outputs import PROGRAMS, check, close_enough, is_excerpt, quoted_blocks, run

README_TEXT = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()


@pytest.fixture(scope="module")
def fast_outputs():
    """What each fast program prints, run once for the whole file."""
    return {command: run(command, program.timeout) for command, program in PROGRAMS.items() if program.fast}


def test_every_quoted_output_of_a_fast_program_is_what_it_prints(fast_outputs):
    assert check(README_TEXT, quick=True, runner=lambda command, timeout: fast_outputs[command]) == ([], [])


def test_a_changed_number_in_a_quoted_block_is_caught(fast_outputs):
    changed = README_TEXT.replace("11.264104496527771", "11.264104496527772", 1)
    assert changed != README_TEXT
    problems, _ = check(changed, quick=True, runner=lambda command, timeout: fast_outputs[command])
    assert problems == ["`python RNN.py` no longer prints the README's block starting "
                        "'Forward propagation: rnn_forward(x, a0, parameters)'"]


def test_a_quote_of_an_unlisted_program_and_a_listed_program_never_quoted_are_caught():
    text = "<!-- output of: python Nothing.py -->\n```text\nhello\n```\n"
    problems, _ = check(text, quick=True, runner=lambda command, timeout: "")
    assert problems[0] == ("the README quotes `python Nothing.py`, which PROGRAMS in "
                           "tests/readme_outputs.py does not list")
    assert len(problems) == 1 + len(PROGRAMS)          # and every listed program is reported unquoted


def test_an_excerpt_is_consecutive_lines_in_order_with_end_spaces_ignored():
    output = "a\nb  \nc\nd\n"
    assert is_excerpt("b\nc", output) and is_excerpt("a\nb\nc\nd", output) and is_excerpt("d  ", output)
    assert not is_excerpt("a\nc", output)              # not consecutive
    assert not is_excerpt("c\nb", output)              # not in order
    assert not is_excerpt("d\ne", output)              # runs past the end


def test_the_marked_blocks_are_read_with_their_commands():
    text = ("x\n<!-- output of: python A.py -->\n```text\n1\n2\n```\nprose\n"
            "<!-- output of: python A.py -->\n```text\n3\n```\n```text\nunmarked\n```\n")
    assert quoted_blocks(text) == {"python A.py": ["1\n2\n", "3\n"]}


def test_on_another_processor_the_training_loss_is_checked_to_a_tolerance_and_its_samples_skipped():
    block = "<!-- output of: python TruncatedBPTT.py -->\n```text\n{}\n```\n"
    text = block.format("final loss per character: 1.6197") + block.format("--- sample ---\nabc")
    printed = "--- sample ---\nxyz\nfinal loss per character: 1.6301\n"
    elsewhere = dict(quick=False, this_processor="another processor",
                     runner=lambda command, timeout: printed if "Truncated" in command else "")
    problems, skipped = check(text, **elsewhere)
    assert not [p for p in problems if "TruncatedBPTT" in p]
    assert skipped == ["`python TruncatedBPTT.py`: the block starting '--- sample ---' is exact only on "
                       + PROGRAMS["python TruncatedBPTT.py"].exact_on]
    far = text.replace("1.6197", "1.5801")
    problems, _ = check(far, **elsewhere)
    assert "`python TruncatedBPTT.py` no longer prints the README's block starting " \
           "'final loss per character: 1.5801'" in problems
    here = dict(elsewhere, this_processor=PROGRAMS["python TruncatedBPTT.py"].exact_on)
    problems, skipped = check(text, **here)                # exact on its own processor: both blocks fail
    assert len([p for p in problems if "TruncatedBPTT" in p]) == 2 and skipped == []


def test_close_enough_compares_the_words_exactly_and_the_numbers_to_the_tolerance():
    assert close_enough("loss 1.50 at 3.0", "x\nloss 1.51 at 2.99\n", 0.02)
    assert not close_enough("loss 1.50 at 3.0", "loss 1.53 at 3.0\n", 0.02)
    assert not close_enough("loss 1.50 at 3.0", "gain 1.50 at 3.0\n", 0.02)
