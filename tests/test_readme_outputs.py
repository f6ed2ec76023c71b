"""The pages' quoted outputs (README.md, docs/*.md) are what the fast programs print (the slow training runs: .ci/run)."""
import pytest

from readme_outputs import PROGRAMS, broken_links, check, close_enough, is_excerpt, pages, quoted_blocks, run

PAGES = pages()


@pytest.fixture(scope="module")
def fast_outputs():
    """What each fast program prints, run once for the whole file."""
    return {command: run(command, program.timeout) for command, program in PROGRAMS.items() if program.fast}


def test_the_pages_are_the_readme_and_every_page_under_docs():
    assert list(PAGES)[0] == "README.md"
    assert "docs/lstm-gru.md" in PAGES and "docs/training.md" in PAGES
    assert all(name == "README.md" or (name.startswith("docs/") and name.endswith(".md")) for name in PAGES)


def test_every_quoted_output_of_a_fast_program_is_what_it_prints(fast_outputs):
    assert check(PAGES, quick=True, runner=lambda command, timeout: fast_outputs[command]) == ([], [])


def test_a_changed_number_in_a_quoted_block_is_caught(fast_outputs):
    changed = dict(PAGES, **{"README.md": PAGES["README.md"].replace("11.264104496527771", "11.264104496527772", 1)})
    assert changed != PAGES
    problems, _ = check(changed, quick=True, runner=lambda command, timeout: fast_outputs[command])
    assert problems == ["`python RNN.py` no longer prints the block of README.md starting "
                        "'Forward propagation: rnn_forward(x, a0, parameters)'"]


def test_a_changed_number_on_a_chapter_page_is_caught(fast_outputs):
    page = PAGES["docs/lstm-gru.md"]
    changed = dict(PAGES, **{"docs/lstm-gru.md": page.replace("0.04474848", "0.04474849", 1)})
    assert changed["docs/lstm-gru.md"] != page
    problems, _ = check(changed, quick=True, runner=lambda command, timeout: fast_outputs[command])
    assert problems == ["`python LSTM.py` no longer prints the block of docs/lstm-gru.md starting "
                        "'Forward propagation: lstm_forward(x, a0, parameters)'"]


def test_a_quote_of_an_unlisted_program_and_a_listed_program_never_quoted_are_caught():
    text = "<!-- output of: python Nothing.py -->\n```text\nhello\n```\n"
    problems, _ = check({"docs/x.md": text}, quick=True, runner=lambda command, timeout: "")
    assert problems[0] == ("docs/x.md quotes `python Nothing.py`, which PROGRAMS in "
                           "tests/readme_outputs.py does not list")
    assert len(problems) == 1 + len(PROGRAMS)          # and every listed program is reported unquoted
    assert problems[1] == f"PROGRAMS lists `{next(iter(PROGRAMS))}`, but no page quotes any output of it"


def test_a_program_quoted_on_two_pages_is_run_once_and_both_blocks_are_checked():
    quote = "<!-- output of: python RNN.py -->\n```text\n{}\n```\n"
    texts = {"README.md": quote.format("a"), "docs/x.md": quote.format("b")}
    runs = []

    def runner(command, timeout):
        runs.append(command)
        return "a\n" if command == "python RNN.py" else ""
    problems, _ = check(texts, quick=True, runner=runner)
    assert runs.count("python RNN.py") == 1
    assert "`python RNN.py` no longer prints the block of docs/x.md starting 'b'" in problems
    assert not [p for p in problems if "README.md starting" in p]


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
    assert skipped == ["`python TruncatedBPTT.py`: the block of README.md starting '--- sample ---' is exact only on "
                       + PROGRAMS["python TruncatedBPTT.py"].exact_on]
    far = text.replace("1.6197", "1.5501")
    problems, _ = check(far, **elsewhere)
    assert "`python TruncatedBPTT.py` no longer prints the block of README.md starting " \
           "'final loss per character: 1.5501'" in problems
    here = dict(elsewhere, this_processor=PROGRAMS["python TruncatedBPTT.py"].exact_on)
    problems, skipped = check(text, **here)                # exact on its own processor: both blocks fail
    assert len([p for p in problems if "TruncatedBPTT" in p]) == 2 and skipped == []


def test_close_enough_compares_the_words_exactly_and_the_numbers_to_the_tolerance():
    assert close_enough("loss 1.50 at 3.0", "x\nloss 1.51 at 2.99\n", 0.02)
    assert not close_enough("loss 1.50 at 3.0", "loss 1.53 at 3.0\n", 0.02)
    assert not close_enough("loss 1.50 at 3.0", "gain 1.50 at 3.0\n", 0.02)


def test_every_link_between_the_pages_leads_to_a_page_and_its_heading():
    assert broken_links(PAGES) == []


def test_a_link_to_a_missing_page_or_heading_is_caught():
    texts = {"README.md": "# Top\n[a](docs/a.md#second) [b](docs/nowhere.md) [c](#top) [d](https://x.org/y)\n",
             "docs/a.md": "# First\n```text\n# Second is code, not a heading\n[e](missing.md)\n```\n"
                          "[f](../README.md#top) [g](../LICENSE) [h](a.md#first-one)\n"}
    assert broken_links(texts) == ["README.md links to docs/a.md#second, but docs/a.md has no such heading",
                                   "README.md links to docs/nowhere.md, which does not exist",
                                   "docs/a.md links to a.md#first-one, but docs/a.md has no such heading"]
