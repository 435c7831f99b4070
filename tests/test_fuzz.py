"""Seeded damaged copies of every committed fixture, each read through the real path: the only
outcomes are a report or cchc's refusal, never another exception, never a hang (tests/fuzz.py;
``make fuzz N=5000`` for a long run)."""

from collections import Counter

from tests.fuzz import SUFFIXES, cases, fixtures, run_case

CASES = 120
MAX_SECONDS = 60  # a report reads in seconds (more on a busy machine); the hard bound is 120 s


def test_fixtures_of_every_format_are_fuzzed():
    assert {p.suffix for p in fixtures()} == set(SUFFIXES)


def test_damaged_fixtures_are_extracted_or_refused(tmp_path):
    outcomes = Counter()
    for case in cases(CASES, seed=0):
        outcome = run_case(case, tmp_path)
        label = f"#{case.number} {case.source} {case.mutation}"
        assert outcome.kind in {"extracted", "refused"}, f"{label}\n{outcome.detail}"
        assert outcome.seconds < MAX_SECONDS, label
        outcomes[outcome.kind] += 1
    assert outcomes["extracted"] and outcomes["refused"]
