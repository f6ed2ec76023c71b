"""Dates.py: the formats, the range, and that no held-out date is ever asked about in training."""
import datetime

import numpy as np
import pytest

import Dates
from Dates import (ANSWER_LENGTH, FORMATS, QUESTION_LENGTH, SYMBOLS, decode, encode_dates, make_dates, question,
                   unreadable)

# How Python's own parser reads each kind of question (case does not matter to it)
STRPTIME_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%A, %B %d, %Y", "%m/%d/%y")


def parsed(text):
    """The calendar date a question is about, read by datetime.strptime, not by Dates.py."""
    for layout in STRPTIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, layout).date()
        except ValueError:
            pass
    raise AssertionError(f"no format reads {text!r}")


@pytest.fixture(scope="module")
def default_sets():
    return make_dates(45_000, 5_000)          # the sets of the default run


def test_every_format_of_one_date():
    day = datetime.date(1984, 9, 25)
    assert sorted(question(day, name) for name in FORMATS) == sorted([
        "September 25, 1984", "september 25, 1984", "SEPTEMBER 25, 1984",
        "Sep 25, 1984", "sep 25, 1984", "SEP 25, 1984",
        "Tuesday, September 25, 1984", "tuesday, september 25, 1984", "TUESDAY, SEPTEMBER 25, 1984",
        "9/25/84"])


def test_the_range_and_two_digit_years_as_strptime_reads_them():
    assert Dates.DAYS == 36_525
    assert Dates.day_of(0) == datetime.date(1969, 1, 1) and Dates.day_of(Dates.DAYS - 1) == datetime.date(2068, 12, 31)
    assert question(datetime.date(1969, 1, 1), "%m/%d/%y") == "1/1/69"
    assert question(datetime.date(2068, 12, 31), "%m/%d/%y") == "12/31/68"
    assert question(datetime.date(2005, 3, 4), "%m/%d/%y") == "3/4/05"
    for index in range(0, Dates.DAYS, 97):
        day = Dates.day_of(index)
        for name in FORMATS:
            assert parsed(question(day, name)) == day, (day, name)


def test_no_held_out_date_is_asked_about_in_training_in_any_format(default_sets):
    train, test = default_sets
    assert len(test) >= 5_000 and len(train) == 45_000
    held_out = {parsed(q) for q, _ in test}
    assert len(held_out) == len(test)                         # one question per held-out date
    trained = {parsed(q) for q, _ in train}
    assert not held_out & trained
    assert len({q for q, _ in train}) == len(train)           # no training question twice


def test_every_answer_is_the_question_s_date_in_iso_form(default_sets):
    train, test = default_sets
    for q, a in train[:5000] + test:
        assert a == parsed(q).isoformat() and len(a) == ANSWER_LENGTH and len(q) <= QUESTION_LENGTH


def test_every_format_is_in_both_sets(default_sets):
    train, test = default_sets

    def kinds(pairs):
        found = set()
        for q, _ in pairs:
            day = parsed(q)
            found.update(name for name in FORMATS if question(day, name) == q)
        return found
    assert kinds(train) == kinds(test[:2000]) == set(FORMATS)


def test_the_sets_are_the_same_every_time():
    assert make_dates(300, 50) == make_dates(300, 50)
    assert make_dates(300, 50) != make_dates(300, 50, seed=1)


def test_encoding():
    questions, decoder_inputs, targets = encode_dates([("9/25/84", "1984-09-25")])
    assert questions.shape == (1, QUESTION_LENGTH) and decode(questions[0]) == "9/25/84"
    assert "".join(SYMBOLS[i] for i in decoder_inputs[0]) == "_1984-09-2"
    assert decode(targets[0]) == "1984-09-25"


def test_questions_the_model_cannot_read():
    assert unreadable("Tuesday, September 25, 1984") is None
    assert "'.'" in unreadable("Sept. 25, 1984") and "'x'" in unreadable("xmas")
    assert "'_'" in unreadable("9_25_84")                     # the separator is not a question's character
    assert "30 characters long; the model reads at most 29" in unreadable("Wednesday, September 25, 19844")
    assert "empty" in unreadable("")


@pytest.mark.parametrize("train_size, test_size, message", [
    (10, 0, "test_size must be between 1 and 36,524"), (10, 36_525, "test_size must be between 1"),
    (0, 10, "train_size must be between 1 and"), (400_000, 5_000, "train_size must be between 1 and 307,132")])
def test_sizes_out_of_range(train_size, test_size, message):
    with pytest.raises(ValueError, match=message):
        make_dates(train_size, test_size)


def test_symbols_are_unique_and_cover_every_question():
    assert len(set(SYMBOLS)) == len(SYMBOLS)
    day = datetime.date(2000, 9, 27)
    for name in FORMATS:
        assert set(question(day, name)) <= set(SYMBOLS)
    assert np.all(encode_dates([(question(day, name), day.isoformat()) for name in FORMATS])[0] >= 0)
