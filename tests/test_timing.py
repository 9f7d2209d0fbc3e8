"""Phase timings: nesting, names, the MIRNB_TIMINGS file and the chapters' steps."""

import json

import pytest

from mirnb import timing
from mirnb.errors import ParameterError


class Clock:
    """A stand-in for :mod:`time` whose ``perf_counter`` moves only when told."""

    def __init__(self):
        self.now = 100.0

    def perf_counter(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(timing, "time", c)
    return c


@pytest.fixture
def lines(tmp_path, monkeypatch):
    """The file the phases append to; returns a function reading its lines."""
    path = tmp_path / "timings.jsonl"
    monkeypatch.setenv(timing.ENV, str(path))
    return lambda: [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def _added(before):
    return {k: v - before[k] for k, v in timing.totals().items()}


def test_nested_phases_count_once(clock, lines):
    before = timing.totals()
    with timing.phase("training"):
        clock.now += 1
        with timing.phase("evaluation"):
            clock.now += 2
            with timing.phase("training"):  # a phase inside itself
                clock.now += 4
        clock.now += 8
    assert _added(before) == {"corpus": 0, "features": 0, "training": 13, "evaluation": 2}
    assert lines() == [{"phase": "training", "seconds": 4}, {"phase": "evaluation", "seconds": 2},
                       {"phase": "training", "seconds": 9}]


def test_decorator_times_each_call_and_keeps_the_function(clock, lines):
    @timing.phase("features")
    def step(x, fail=False):
        """Double."""
        clock.now += x
        if fail:
            raise ValueError("failed on purpose")
        return 2 * x

    before = timing.totals()
    assert step(3) == 6 and step(0.5) == 1
    assert step.__name__ == "step" and step.__doc__ == "Double."
    with pytest.raises(ValueError, match="on purpose"):
        step(1, fail=True)  # a failed call's time counts too
    assert _added(before) == {"corpus": 0, "features": 4.5, "training": 0, "evaluation": 0}
    assert [x["phase"] for x in lines()] == ["features"] * 3


def test_recursion_through_a_decorated_function_is_not_counted_twice(clock, lines):
    @timing.phase("training")
    def fit(n):
        clock.now += 1
        if n:
            fit(n - 1)

    before = timing.totals()
    fit(2)
    assert _added(before)["training"] == 3
    assert sum(x["seconds"] for x in lines()) == 3


def test_an_unknown_phase_is_a_clear_value_error():
    with pytest.raises(ValueError, match=r"phase 'plotting': expected one of \['corpus'"):
        timing.phase("plotting")
    with pytest.raises(ParameterError):
        timing.phase("Training")


def test_no_file_is_written_without_the_variable(clock, tmp_path, monkeypatch):
    monkeypatch.delenv(timing.ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with timing.phase("corpus"):
        clock.now += 1
    assert list(tmp_path.iterdir()) == []


def test_read_sums_the_lines_and_skips_broken_ones(tmp_path):
    assert timing.read(tmp_path / "none.jsonl") == dict.fromkeys(timing.PHASES, 0.0)
    path = tmp_path / "t.jsonl"
    path.write_text('{"phase": "training", "seconds": 1.5}\n{"phase": "corpus", "seconds": 2}\n'
                    '{"phase": "training", "seconds": 0.25}\n{"phase": "trai')
    assert timing.read(path) == {"corpus": 2.0, "features": 0.0, "training": 1.75,
                                 "evaluation": 0.0}


def test_chapter_steps_record_their_phase(lines, monkeypatch):
    from mirnb import synth
    from mirnb.chapters import data, hamel2010

    manifest = {"views": {"gtzan": {"n_tracks": 3, "seconds": 1.0,
                                    "params": {"seconds": 30.0, "sr": 22050}}}}
    seen = []
    monkeypatch.setattr(synth, "generate", lambda *a, **kw: seen.append((a, kw)) or manifest)
    assert data.corpus(data.config("smoke"), data_home="h", verbose=False) is manifest
    assert seen == [(("smoke",), {"data_home": "h", "verbose": False})]
    data.views_table(manifest)
    hamel2010.settings_table(hamel2010.config("smoke"))
    assert [x["phase"] for x in lines()] == ["corpus", "corpus", "evaluation"]
