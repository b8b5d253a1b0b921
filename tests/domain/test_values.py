"""Answer values: parsed from what people type into one canonical form per type."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visitapp.domain.forms import AnswerType, Item, Option
from visitapp.domain.values import format_value, parse_value


def item(kind: AnswerType, **extra) -> Item:
    options = None
    if kind in (AnswerType.SINGLE_CHOICE, AnswerType.MULTI_CHOICE):
        options = (Option(id="gp", label="GP stream"), Option(id="ambulatory", label="Ambulatory"),
                   Option(id="frailty", label="Frailty"))
    return Item(id="x.item", prompt="A question?", type=kind, guidance="Look.", tags=("flow",),
                options=options, **extra)


ACCEPTED = [
    (AnswerType.RAG, "Red", "red"), (AnswerType.RAG, "a", "amber"), (AnswerType.RAG, " G ", "green"),
    (AnswerType.YES_NO, "YES", "yes"), (AnswerType.YES_NO, "n", "no"),
    (AnswerType.YES_NO_PARTIAL, "Partial", "partial"), (AnswerType.YES_NO_PARTIAL, "y", "yes"),
    (AnswerType.COUNT, "12", 12), (AnswerType.COUNT, "0", 0), (AnswerType.COUNT, "1,200", 1200),
    (AnswerType.PERCENT, "45", 45), (AnswerType.PERCENT, "45%", 45), (AnswerType.PERCENT, "99.5 %", 99.5),
    (AnswerType.PERCENT, "100", 100), (AnswerType.PERCENT, "0", 0),
    (AnswerType.DURATION, "90", 90), (AnswerType.DURATION, "90m", 90),
    (AnswerType.DURATION, "1h30m", 90), (AnswerType.DURATION, "1:30", 90),
    (AnswerType.DURATION, "2h", 120), (AnswerType.DURATION, "1h 5min", 65),
    (AnswerType.TIME_OF_DAY, "8:05", "08:05"), (AnswerType.TIME_OF_DAY, "17:30", "17:30"),
    (AnswerType.TIME_OF_DAY, "00:00", "00:00"),
    (AnswerType.SINGLE_CHOICE, "gp", "gp"), (AnswerType.SINGLE_CHOICE, "Frailty", "frailty"),
    (AnswerType.MULTI_CHOICE, "frailty, gp", ["gp", "frailty"]),
    (AnswerType.MULTI_CHOICE, "gp,gp", ["gp"]),
    (AnswerType.TEXT, "  Works well  ", "Works well"),
]

REFUSED = [
    (AnswerType.RAG, "purple"), (AnswerType.YES_NO, "partial"), (AnswerType.YES_NO_PARTIAL, "maybe"),
    (AnswerType.COUNT, "-1"), (AnswerType.COUNT, "2.5"), (AnswerType.COUNT, "many"),
    (AnswerType.PERCENT, "101"), (AnswerType.PERCENT, "-3"), (AnswerType.PERCENT, "abc"),
    (AnswerType.DURATION, "soon"), (AnswerType.DURATION, "1:75"), (AnswerType.DURATION, ""),
    (AnswerType.TIME_OF_DAY, "24:00"), (AnswerType.TIME_OF_DAY, "8pm"), (AnswerType.TIME_OF_DAY, "12:60"),
    (AnswerType.SINGLE_CHOICE, "cardiology"), (AnswerType.MULTI_CHOICE, "gp, nope"),
    (AnswerType.MULTI_CHOICE, ""), (AnswerType.TEXT, "   "), (AnswerType.TEXT, "x" * 5001),
]


@pytest.mark.parametrize(("kind", "raw", "canonical"), ACCEPTED)
def test_parse_value__accepts_the_ways_people_write_it(kind, raw, canonical):
    value = parse_value(item(kind), raw)
    assert value == canonical
    assert type(value) is type(canonical)


@pytest.mark.parametrize(("kind", "raw"), REFUSED)
def test_parse_value__refuses_with_the_form_expected(kind, raw):
    with pytest.raises(ValueError, match="^expected "):
        parse_value(item(kind), raw)


def test_every_answer_type__has_a_parser_and_a_display_form():
    samples = {t: raw for t, raw, _ in ACCEPTED}
    for kind in AnswerType:
        it = item(kind)
        assert format_value(it, parse_value(it, samples[kind]))


def test_format_value__reads_naturally():
    assert format_value(item(AnswerType.DURATION), 90) == "1 h 30 min"
    assert format_value(item(AnswerType.PERCENT), 45) == "45%"
    assert format_value(item(AnswerType.MULTI_CHOICE), ["gp", "frailty"]) == "GP stream, Frailty"


def _raw_values(kind: AnswerType) -> st.SearchStrategy:
    return {
        AnswerType.RAG: st.sampled_from(["red", "amber", "green", "R", "a", "Green"]),
        AnswerType.YES_NO: st.sampled_from(["yes", "no", "Y", "n"]),
        AnswerType.YES_NO_PARTIAL: st.sampled_from(["yes", "no", "partial", "P"]),
        AnswerType.COUNT: st.integers(0, 10**9 - 1).map(str),
        AnswerType.DURATION: st.one_of(
            st.integers(0, 100_000).map(str),
            st.tuples(st.integers(0, 99), st.integers(0, 59)).map(lambda hm: f"{hm[0]}h{hm[1]}m"),
            st.tuples(st.integers(0, 99), st.integers(0, 59)).map(lambda hm: f"{hm[0]}:{hm[1]:02d}")),
        AnswerType.PERCENT: st.decimals(0, 100, places=2).map(lambda d: f"{d}%"),
        AnswerType.TIME_OF_DAY: st.tuples(st.integers(0, 23), st.integers(0, 59)).map(
            lambda hm: f"{hm[0]}:{hm[1]:02d}"),
        AnswerType.SINGLE_CHOICE: st.sampled_from(["gp", "ambulatory", "frailty", "GP stream"]),
        AnswerType.MULTI_CHOICE: st.lists(st.sampled_from(["gp", "ambulatory", "frailty"]),
                                          min_size=1).map(", ".join),
        AnswerType.TEXT: st.text(min_size=1, max_size=300).filter(lambda t: t.strip()),
    }[kind]


@st.composite
def typed_answers(draw):
    kind = draw(st.sampled_from(list(AnswerType)))
    return item(kind), draw(_raw_values(kind))


@given(typed_answers())
def test_canonical_values__round_trip_through_json_and_sqlite(case):
    it, raw = case
    value = parse_value(it, raw)
    # Parsing the canonical form again changes nothing (idempotent).
    assert parse_value(it, value) == value
    encoded = json.dumps(value, ensure_ascii=False)
    assert json.loads(encoded) == value
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.execute("INSERT INTO t VALUES (?)", (encoded,))
    (stored,) = conn.execute("SELECT v FROM t").fetchone()
    assert json.loads(stored) == value
    assert type(json.loads(stored)) is type(value)
