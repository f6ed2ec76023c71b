"""The dates exercise of the attention chapter: dates written as people write them, answered in ISO form.

    "Tuesday, September 25, 1984"  ->  "1984-09-25"
    "sep 25, 1984"                 ->  "1984-09-25"
    "9/25/84"                      ->  "1984-09-25"

The classic exercise of Deep Learning from Scratch 2 (chapter 8) and of the
sequence-models course's week 3, generated here in code (seeded, nothing to
download). Every answer has 10 characters, and each piece of it comes from
one place in the question: the year from the year, the month from the month's
name or number, the day from the day. That is what makes the attention map of
AttentionSeq2Seq.py readable.

The formats (FORMATS): "September 25, 1984", "Sep 25, 1984" and "Tuesday,
September 25, 1984", each in Title, lower and UPPER case, and "9/25/84"
(month/day/two-digit year, no leading zeros): ten in all. The dates run from
1969-01-01 to 2068-12-31, so that a two-digit year means exactly what
Python's %y reads (69-99 the 1900s, 00-68 the 2000s) and every question has
one answer.

Held-out dates are calendar dates, not questions: make_dates sets a random
5,000 of the 36,525 days aside, and no training question is about any of
them, in any format (tests/test_attention_dates.py parses every training
question back to check it). So the held-out score measures reading dates the
model has never seen, not remembering them in another spelling.
"""
import datetime

import numpy as np

FIRST_DAY = datetime.date(1969, 1, 1)
LAST_DAY = datetime.date(2068, 12, 31)
DAYS = (LAST_DAY - FIRST_DAY).days + 1              # 36,525
DATA_SEED = 1984                                    # the questions are the same whatever --seed says

# English names written out: the locale's calendar names would change the data from machine to machine
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")   # date.weekday() order


def month_day_year(day):
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def short_month_day_year(day):
    return f"{MONTHS[day.month - 1][:3]} {day.day}, {day.year}"


def weekday_month_day_year(day):
    return f"{WEEKDAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}, {day.year}"


def numeric(day):
    return f"{day.month}/{day.day}/{day.year % 100:02d}"


# name: function(date) -> question. The names are what datetime.strptime reads them with.
FORMATS = {}
for _name, _write in (("%B %d, %Y", month_day_year), ("%b %d, %Y", short_month_day_year),
                      ("%A, %B %d, %Y", weekday_month_day_year)):
    FORMATS[_name] = _write
    FORMATS[_name + " lower"] = lambda day, write=_write: write(day).lower()
    FORMATS[_name + " UPPER"] = lambda day, write=_write: write(day).upper()
FORMATS["%m/%d/%y"] = numeric

QUESTION_LENGTH = max(len(write(datetime.date(2000, 9, 27))) for write in FORMATS.values())  # a Wednesday: 29
ANSWER_LENGTH = 10                                   # "1984-09-25"

# Every character a question or an answer can hold, the separator "_" that starts an answer,
# and the padding space (which questions also hold). One vocabulary for the encoder and the decoder.
_LETTERS = sorted(set("".join(MONTHS + WEEKDAYS).lower()))
SYMBOLS = " _,-/0123456789" + "".join(_LETTERS) + "".join(_LETTERS).upper()
SYMBOL_INDEX = {s: i for i, s in enumerate(SYMBOLS)}
SEPARATOR = SYMBOL_INDEX["_"]


def day_of(index):
    """The calendar date `index` days after 1969-01-01."""
    return FIRST_DAY + datetime.timedelta(days=int(index))


def question(day, format_name):
    """The question for one date in one format: question(date(1984, 9, 25), "%m/%d/%y") is "9/25/84"."""
    return FORMATS[format_name](day)


def make_dates(train_size, test_size, seed=DATA_SEED):
    """Training and held-out questions with their answers; no held-out date is in training in any format.

    The days are shuffled; the first test_size are held out, one question each
    in a format drawn at random. The training questions are train_size
    different questions about the other days, drawn from all their (day,
    format) pairs. (May is the one month whose short name is its name: "May 5,
    2001" is one question, not two, so May's short formats are left out.)

    Arguments:
    train_size -- number of training questions (at most the distinct questions about the days left)
    test_size -- number of held-out questions, one per held-out date (at most 36,524)
    seed -- seed of the generator (fixed by default, so every run sees the same sets)

    Returns:
    train -- list of (question, answer) pairs, e.g. ("sep 25, 1984", "1984-09-25")
    test -- list of (question, answer) pairs about the held-out dates
    """
    if not 1 <= test_size < DAYS:
        raise ValueError(f"test_size must be between 1 and {DAYS - 1:,} (the days 1969-2068 less one), "
                         f"got {test_size:,}")
    names = list(FORMATS)
    rng = np.random.default_rng(seed)
    days = rng.permutation(DAYS)
    held_out, training = days[:test_size], days[test_size:]
    test = [(question(day_of(d), names[f]), day_of(d).isoformat())
            for d, f in zip(held_out, rng.integers(len(names), size=test_size))]

    # every (training day, format) pair that is a question of its own
    pair_days, pair_formats = np.repeat(training, len(names)), np.tile(np.arange(len(names)), len(training))
    months = (np.datetime64(FIRST_DAY) + training).astype("datetime64[M]").astype(np.int64) % 12 + 1
    in_may = np.repeat(months == 5, len(names))
    short = np.array([name.startswith("%b") for name in names])[pair_formats]
    distinct = ~(in_may & short)
    room = int(distinct.sum())
    if not 1 <= train_size <= room:
        raise ValueError(f"train_size must be between 1 and {room:,} (the different questions about the days "
                         f"not held out), got {train_size:,}")
    chosen = rng.choice(np.flatnonzero(distinct), size=train_size, replace=False)
    train = [(question(day_of(pair_days[p]), names[pair_formats[p]]), day_of(pair_days[p]).isoformat())
             for p in chosen]
    return train, test


def unreadable(text):
    """Why a question cannot be given to the model, or None: empty, a character it does not know, or too long."""
    if not text:
        return "the question is empty"
    unknown = sorted(set(text) - set(SYMBOLS) | set(text) & {"_"})
    if unknown:
        return (f"{text!r} has characters the model does not know: {' '.join(repr(c) for c in unknown)} "
                f"(it reads letters of month and day names, digits, spaces, ',', '-' and '/')")
    if len(text) > QUESTION_LENGTH:
        return f"{text!r} is {len(text)} characters long; the model reads at most {QUESTION_LENGTH}"
    return None


def encode(texts, length):
    """Symbol indices of strings padded with spaces on the right: int64 array (len(texts), length)."""
    return np.array([[SYMBOL_INDEX[s] for s in text.ljust(length)] for text in texts], dtype=np.int64)


def encode_dates(pairs):
    """The encoder's symbols, the decoder's teacher-forced inputs and the targets of (question, answer) pairs.

    Returns:
    questions -- int64 (N, 29): the question, padded with spaces
    decoder_inputs -- int64 (N, 10): "_1984-09-2", the answer shifted right behind the separator
    targets -- int64 (N, 10): "1984-09-25", what each decoder step must write
    """
    questions = encode([q for q, _ in pairs], QUESTION_LENGTH)
    answers = encode(["_" + a for _, a in pairs], ANSWER_LENGTH + 1)
    return questions, answers[:, :-1], answers[:, 1:]


def decode(indices):
    """The text of a row of symbol indices, trailing padding removed."""
    return "".join(SYMBOLS[i] for i in indices).rstrip()
