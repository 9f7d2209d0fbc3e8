"""The chapter runner and the `mirnb` command, on tiny notebooks made here."""

import json
import os
import textwrap
from pathlib import Path

import pytest

from mirnb import cli, run
from mirnb.errors import ParameterError

HEADER = textwrap.dedent("""\
    # ---
    # jupyter:
    #   kernelspec:
    #     display_name: Python 3
    #     language: python
    #     name: python3
    # ---
    """)


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks" / "01_good.py").write_text(HEADER + textwrap.dedent("""\
        # %% tags=["parameters"]
        profile = "default"
        n = 1

        # %%
        if n < 0:
            raise ValueError("n must be >= 0")
        print("profile", profile, "n", n * 2)
        """))
    (tmp_path / "notebooks" / "02_bad.py").write_text(HEADER + textwrap.dedent("""\
        # %% tags=["parameters"]
        profile = "default"

        # %%
        x = 1

        # %%
        raise ValueError("broken on purpose")
        """))
    (tmp_path / "notebooks" / "03_typed.py").write_text(HEADER + textwrap.dedent("""\
        # %% tags=["parameters"]
        profile = "default"
        flag = True
        count = 2
        rate = 0.5
        name = "x"
        items = [1, 2]
        anything = None
        data_home = None
        results_path = None
        out_dir = "out"
        size: int = -1
        computed = 2 ** 3

        # %%
        import os
        print("cwd", os.getcwd())
        print("data_home", data_home)
        print("out_dir", out_dir)
        print("MIRNB_DATA", os.environ.get("MIRNB_DATA"))
        """))
    monkeypatch.setenv("MIRNB_ROOT", str(tmp_path))
    # The package's code is an input of every chapter (run.inputs_hash): a frozen stand-in
    # keeps edits of the checkout during a test from making its chapters out of date.
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "mirnb.py").write_text("")
    monkeypatch.setattr(run, "_PACKAGE", tmp_path / "code")
    return tmp_path


def _outputs(path):
    nb = json.loads(path.read_text())
    return "".join(o.get("text", "") if isinstance(o.get("text"), str) else "".join(o.get("text", []))
                   for c in nb["cells"] for o in c.get("outputs", []))


def test_chapters_are_found_in_order(project):
    assert list(run.chapters()) == ["good", "bad", "typed"]


def test_execute_injects_parameters_and_writes_to_the_book(project):
    out = run.execute("good", profile="smoke", parameters={"n": "21"}, progress=False)
    assert out.ok and out.output == project / "book" / "chapters" / "01_good.ipynb"
    assert "profile smoke n 42" in _outputs(out.output)


def test_failure_names_notebook_cell_and_parameters_and_keeps_output(project):
    with pytest.raises(run.ChapterError) as err:
        run.execute("bad", profile="smoke", progress=False)
    msg = str(err.value)
    assert "02_bad.py" in msg and "cell" in msg and "'profile': 'smoke'" in msg
    assert "ValueError" in msg and "broken on purpose" in msg
    # the partial notebook is kept apart from the book, and the message says where
    failed = list((project / "build" / "failed").glob("02_bad-*.ipynb"))
    assert len(failed) == 1 and str(failed[0]) in msg
    assert "broken on purpose" in json.dumps(json.loads(failed[0].read_text()))
    assert not (project / "book" / "chapters" / "02_bad.ipynb").exists()
    assert not list((project / "build" / "notebooks").glob("*running*"))


def test_failed_run_leaves_the_good_executed_notebook_in_place(project):
    good = run.execute("good", profile="smoke", parameters={"n": "21"}, progress=False)
    assert good.ok and "profile smoke n 42" in _outputs(good.output)
    before = good.output.read_text()
    bad = run.execute("good", profile="smoke", parameters={"n": "-1"}, progress=False,
                      raise_error=False)
    assert not bad.ok and "n must be >= 0" in bad.error
    assert good.output.read_text() == before  # not replaced by the failed run
    assert bad.output.parent == project / "build" / "failed" and bad.output.is_file()
    assert bad.output.name.startswith("01_good-")
    assert str(bad.output) in bad.error and "unchanged" in bad.error
    assert run.executed_errors(good.output) == []
    assert any("n must be >= 0" in e for e in run.executed_errors(bad.output))


def test_failed_runs_in_the_same_second_get_names_of_their_own(tmp_path):
    names = [run._failed_name(tmp_path / "failed", "01_good") for _ in range(3)]
    assert len(set(names)) == 3 and all(p.is_file() for p in names)


def test_unknown_chapter_profile_or_parameter_is_a_clear_error(project):
    with pytest.raises(ParameterError, match="chapters are"):
        run.execute("nope")
    with pytest.raises(ParameterError, match="profile"):
        run.execute("good", profile="huge")
    with pytest.raises(ParameterError, match="no parameter"):
        run.execute("good", parameters={"m": 1}, progress=False)


def test_cli_run_in_parallel_reports_failure_and_exit_status(project, capsys):
    status = cli.main(["run", "good", "bad", "--profile", "smoke", "--jobs", "2"])
    assert status == 1
    captured = capsys.readouterr()
    assert "good: ok" in captured.out
    assert "02_bad.py failed in cell" in captured.err
    assert cli.main(["run", "good", "--profile", "smoke", "-p", "n", "3"]) == 0


def test_parallel_run_shares_the_cores_and_runs_the_comparison_last(project):
    notebooks = project / "notebooks"
    for f in notebooks.glob("*.py"):
        f.unlink()
    log = project / "log.txt"
    body = textwrap.dedent("""\
        # %% tags=["parameters"]
        profile = "default"

        # %%
        import os, time
        with open({log!r}, "a") as f:
            f.write(f"{name} start {{time.time()}} {{os.environ['TF_NUM_INTRAOP_THREADS']}}\\n")
        time.sleep({sleep})
        with open({log!r}, "a") as f:
            f.write(f"{name} end {{time.time()}} -\\n")
        """)
    for i, (name, sleep) in enumerate((("slow", 2), ("quick", 0), ("comparison", 0)), 1):
        (notebooks / f"0{i}_{name}.py").write_text(
            HEADER + body.format(log=str(log), name=name, sleep=sleep))
    outcomes = run.run(["comparison", "quick", "slow"], profile="smoke", jobs=2,
                       progress=False)
    assert [o.chapter for o in outcomes] == ["comparison", "quick", "slow"]
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    events = {(n, what): (float(t), threads) for n, what, t, threads in
              (line.split() for line in log.read_text().splitlines())}
    # the comparison reads the others' results: it starts after both have ended
    assert events["comparison", "start"][0] >= max(events["slow", "end"][0],
                                                   events["quick", "end"][0])
    # two chapters at a time share the cores; the comparison, alone, has them all
    cores = os.cpu_count()
    assert events["slow", "start"][1] == events["quick", "start"][1] == str(max(1, cores // 2))
    assert events["comparison", "start"][1] == str(cores)


def test_a_fresh_clone_starts_the_chapters_the_last_measured_build_found_longest(project):
    bench = project / run.BUILD_BENCHMARK
    bench.parent.mkdir(parents=True)
    warm = {"01_good": {"seconds": 5.0}, "02_bad": {"seconds": 50.0}}
    bench.write_text(json.dumps({"profile": "smoke", "phases": {"warm": {"chapters": warm}}}))
    # nothing executed yet: the benchmark's seconds; a chapter it lacks runs first
    assert run._expected_seconds(["good", "bad", "typed"], None, "smoke") == \
        {"good": 5.0, "bad": 50.0, "typed": float("inf")}
    # another profile's measurements say nothing
    assert run._expected_seconds(["good"], None, "default") == {"good": float("inf")}
    # a recorded run of the chapter wins over the benchmark
    good = run.execute("good", profile="smoke", progress=False)
    recorded = run._expected_seconds(["good"], None, "smoke")["good"]
    assert good.ok and recorded != 5.0 and 0 < recorded < 60


def test_book_needs_executed_chapters(project):
    (project / "book" / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                                "  - file: chapters/01_good\n")
    with pytest.raises(run.ChapterError, match="mirnb run"):
        run.build_book()


def test_coerce_reads_literals():
    assert run._coerce("3") == 3 and run._coerce("0.5") == 0.5
    assert run._coerce("true") is True and run._coerce("None") is None
    assert run._coerce("smoke") == "smoke" and run._coerce("[1, 2]") == [1, 2]


# ----------------------------------------------------------------------------
# the book refuses failed runs
# ----------------------------------------------------------------------------
def _write_executed(path, outputs=(), nb_meta=None, cell_meta=None, mirnb=None):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"profile": "smoke"}, **(nb_meta or {})}
    if mirnb is not None:
        nb.metadata["mirnb"] = mirnb
    cell = nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.from_dict(o) for o in outputs])
    cell.metadata.update(cell_meta or {})
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter"), cell]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


ERROR = {"output_type": "error", "ename": "ValueError", "evalue": "seed is wrong",
         "traceback": ["Traceback", "ValueError: seed is wrong"]}


def test_book_refuses_an_executed_notebook_holding_an_error(project):
    (project / "book" / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                                "  - file: chapters/01_good\n")
    _write_executed(project / "book" / "chapters" / "01_good.ipynb", [ERROR])
    with pytest.raises(run.ChapterError) as err:
        run.build_book()
    msg = str(err.value)
    assert "01_good.ipynb" in msg and "chapter good" in msg
    assert "ValueError: seed is wrong" in msg and "mirnb run good --profile smoke" in msg


def test_book_refuses_papermill_exception_metadata(project, capsys):
    (project / "book" / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                                "  - file: chapters/01_good\n")
    _write_executed(project / "book" / "chapters" / "01_good.ipynb",
                    nb_meta={"exception": True})
    assert cli.main(["book"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mirnb: error:") and "chapter good" in err and "Traceback" not in err


def test_executed_errors_counts_failures_only(tmp_path):
    ok = _write_executed(tmp_path / "ok.ipynb",
                         [{"output_type": "stream", "name": "stdout", "text": "fine\n"}])
    assert run.executed_errors(ok) == []
    intended = _write_executed(tmp_path / "intended.ipynb", [ERROR],
                               cell_meta={"tags": ["raises-exception"]})
    assert run.executed_errors(intended) == []
    exit0 = _write_executed(tmp_path / "exit0.ipynb", [{**ERROR, "ename": "SystemExit",
                                                        "evalue": "0"}])
    assert run.executed_errors(exit0) == []
    bad = _write_executed(tmp_path / "bad.ipynb", [ERROR])
    assert run.executed_errors(bad) == ["cell 1: ValueError: seed is wrong"]
    marked = _write_executed(tmp_path / "marked.ipynb",
                             cell_meta={"papermill": {"exception": True}})
    assert run.executed_errors(marked)
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert "unreadable" in run.executed_errors(tmp_path / "broken.ipynb")[0]


# ----------------------------------------------------------------------------
# parameters: types checked and paths resolved before the kernel starts
# ----------------------------------------------------------------------------
def test_declared_parameters_are_read_without_running_the_cell(project):
    declared = run.declared_parameters("typed")
    assert declared["flag"] is True and declared["count"] == 2 and declared["size"] == -1
    assert declared["items"] == [1, 2] and declared["computed"] is None  # not a literal


@pytest.mark.parametrize("name, value, expected", [
    ("count", "notanumber", "expected int"),
    ("count", "2.5", "expected int"),
    ("count", "true", "expected int"),
    ("flag", "1", "expected bool"),
    ("flag", "yes", "expected bool"),
    ("rate", "fast", "expected float"),
    ("rate", "False", "expected float"),
    ("items", "3", "expected list"),
    ("size", "big", "expected int"),
])
def test_wrong_types_are_refused(project, name, value, expected):
    with pytest.raises(ParameterError) as err:
        run.check_parameters("typed", {name: value})
    msg = str(err.value)
    assert "\n" not in msg and f"parameter {name}" in msg and expected in msg
    assert repr(run._coerce(value)) in msg


def test_right_types_are_accepted_and_coerced(project):
    got = run.check_parameters("typed", {"count": "3", "rate": "2", "flag": "false",
                                         "name": "42", "items": "(3, 4)", "anything": "[1]",
                                         "computed": "'a'", "size": 7})
    assert got["count"] == 3 and got["rate"] == 2 and got["flag"] is False
    assert got["name"] == "42"  # a string parameter keeps the string
    assert got["items"] == (3, 4) and got["anything"] == [1] and got["computed"] == "a"
    with pytest.raises(ParameterError, match="no parameter"):
        run.check_parameters("typed", {"cuont": 3})


def test_a_wrong_type_fails_before_any_kernel_starts(project, capsys):
    status = cli.main(["run", "good", "typed", "--profile", "smoke", "-p", "n", "notanumber"])
    assert status == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "parameter n" in err and "expected int" in err
    assert "'notanumber'" in err and "Traceback" not in err
    assert "[mirnb run]" not in captured.out  # no chapter was started
    assert not (project / "book" / "chapters").exists()


def test_path_parameters_are_made_absolute(project, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    got = run.check_parameters("typed", {"data_home": "data", "results_path": "r.jsonl",
                                         "out_dir": "~/o", "anything": "rel"})
    assert got["data_home"] == str(work / "data")
    assert got["results_path"] == str(work / "r.jsonl")
    assert got["out_dir"] == str(Path("~/o").expanduser())
    assert got["anything"] == "rel"  # not a path name: untouched


def test_relative_data_home_and_mirnb_data_reach_the_kernel_absolute(project, tmp_path,
                                                                      monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("MIRNB_DATA", "rel_data")
    out = run.execute("typed", profile="smoke", parameters={"data_home": "home"},
                      progress=False)
    text = _outputs(out.output)
    assert f"cwd {project / 'notebooks'}" in text  # where papermill runs the kernel
    assert f"data_home {work / 'home'}" in text
    assert f"MIRNB_DATA {work / 'rel_data'}" in text
    assert "out_dir out" in text  # a default is the notebook's own business
    assert os.environ["MIRNB_DATA"] == "rel_data"  # the caller's environment is restored


# ----------------------------------------------------------------------------
# make clean-book keeps the executed chapters
# ----------------------------------------------------------------------------
def test_clean_book_keeps_chapters_and_clean_chapters_removes_them(tmp_path):
    import shutil
    import subprocess

    make = shutil.which("make")
    if make is None:
        pytest.skip("no make")
    shutil.copy(Path(__file__).resolve().parents[1] / "Makefile", tmp_path / "Makefile")
    chapter = tmp_path / "book" / "chapters" / "00_data.ipynb"
    html = tmp_path / "book" / "_build" / "html" / "index.html"
    for f in (chapter, html):
        f.parent.mkdir(parents=True)
        f.write_text("{}")
    subprocess.run([make, "-s", "-C", str(tmp_path), "clean-book"], check=True,
                   capture_output=True)
    assert chapter.is_file() and not html.exists()
    subprocess.run([make, "-s", "-C", str(tmp_path), "clean-chapters"], check=True,
                   capture_output=True)
    assert not chapter.exists() and (tmp_path / "book").is_dir()


# ----------------------------------------------------------------------------
# where the time goes, and chapters that need no new run
# ----------------------------------------------------------------------------
TIMED = HEADER + textwrap.dedent("""\
    # %% tags=["parameters"]
    profile = "default"

    # %%
    import time
    from mirnb import timing

    with timing.phase("training"):
        time.sleep(0.3)
        with timing.phase("evaluation"):
            time.sleep(0.6)
    time.sleep(0.1)
    """)


def _metadata(path):
    return json.loads(Path(path).read_text())["metadata"]


def test_execute_records_timings_skips_an_unchanged_chapter_and_force_reruns(project):
    (project / "notebooks" / "04_timed.py").write_text(TIMED)
    first = run.execute("timed", profile="smoke", progress=False)
    meta = _metadata(first.output)["mirnb"]
    t = meta["timings"]
    assert first.ok and not first.unchanged and first.timings == t
    sec = t["seconds"]
    assert set(sec) == {"corpus", "features", "training", "evaluation", "other"}
    assert 0.3 <= sec["training"] < 0.8 and 0.6 <= sec["evaluation"] < 0.9  # none twice
    assert sec["corpus"] == sec["features"] == 0
    assert sec["other"] >= 0.1  # the last sleep and the kernel's start
    assert abs(sum(sec.values()) - t["total"]) < 0.01 and t["total"] == round(first.seconds, 3)
    assert t["profile"] == "smoke" and t["backend"] == os.environ.get("KERAS_BACKEND",
                                                                      "tensorflow")
    assert t["cpus"] == os.cpu_count() and t["python"] and t["platform"] and t["machine"]
    assert meta["inputs"] == run.inputs_hash(run.notebook_source("timed"), first.parameters)
    assert not list((project / "build" / "notebooks").glob("*timings*"))  # cleaned up
    before = first.output.read_bytes()

    again = run.execute("timed", profile="smoke", progress=False)
    assert again.ok and again.unchanged and again.timings == t and again.seconds == 0
    assert "unchanged" in again.summary() and first.output.read_bytes() == before

    forced = run.execute("timed", profile="smoke", progress=False, force=True)
    assert forced.ok and not forced.unchanged
    assert _metadata(forced.output)["mirnb"]["timings"] == forced.timings != t
    # other parameters are other inputs: executed again
    other = run.execute("timed", profile="default", progress=False)
    assert not other.unchanged and other.timings["profile"] == "default"


def test_only_a_successful_run_from_the_same_inputs_is_kept(project):
    source = run.notebook_source("good")
    params = run.check_parameters("good", {"profile": "smoke", "n": 2})
    out = project / "book" / "chapters" / "01_good.ipynb"
    old = {"inputs": run.inputs_hash(source, params),
           "timings": {"seconds": {"training": 1.0}, "total": 2.0}}
    _write_executed(out, mirnb=old)
    kept = run.execute("good", profile="smoke", parameters={"n": 2}, progress=False)
    assert kept.unchanged and kept.timings == old["timings"]
    assert "profile smoke n 4" not in _outputs(out)  # no kernel ran
    # the same inputs, but the notebook holds an error: executed again
    _write_executed(out, [ERROR], mirnb=old)
    rerun = run.execute("good", profile="smoke", parameters={"n": 2}, progress=False)
    assert not rerun.unchanged and "profile smoke n 4" in _outputs(out)


def test_inputs_hash_follows_notebook_parameters_code_backend_and_corpus(project, tmp_path,
                                                                         monkeypatch):
    package = tmp_path / "package"
    (package / "sub").mkdir(parents=True)
    (package / "sub" / "step.py").write_text("x = 1\n")
    monkeypatch.setattr(run, "_PACKAGE", package)
    monkeypatch.setenv("MIRNB_DATA", str(tmp_path / "home"))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    source = run.notebook_source("good")
    params = {"profile": "smoke", "n": 1}
    base = run.inputs_hash(source, params)
    # not changed by: a second call, the order of the parameters, files that are no code,
    # an explicit default backend
    assert run.inputs_hash(source, {"n": 1, "profile": "smoke"}) == base
    (package / "notes.txt").write_text("not code")
    (package / "sub" / "__pycache__").mkdir()
    (package / "sub" / "__pycache__" / "step.cpython-311.pyc").write_bytes(b"\0")
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert run.inputs_hash(source, params) == base

    def changed(**kw):
        return run.inputs_hash(source, kw.get("params", params)) != base

    assert changed(params={"profile": "smoke", "n": 2})
    assert changed(params={"profile": "default", "n": 1})
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert changed()
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    text = source.read_text()
    source.write_text(text + "\n# %%\nprint(1)\n")
    assert changed()
    source.write_text(text)
    (package / "sub" / "step.py").write_text("x = 2\n")
    assert changed()
    (package / "sub" / "step.py").write_text("x = 1\n")
    (package / "new.py").write_text("")
    assert changed()
    # the results files a chapter reads (the closing chapter's claims)
    plain = run.inputs_hash(source, params)
    csv = tmp_path / "hamel2010_results.csv"
    csv.write_text("a,b\n1,2\n")
    with_records = run.inputs_hash(source, params, [csv])
    assert with_records != plain
    csv.write_text("a,b\n1,3\n")
    assert run.inputs_hash(source, params, [csv]) != with_records
    (package / "new.py").unlink()
    assert not changed()
    manifest = tmp_path / "home" / "mirnb_synth" / "smoke" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('{"views": {"gtzan": {"key": "a"}}}')
    with_corpus = run.inputs_hash(source, params)
    assert with_corpus != base
    manifest.write_text('{"views": {"gtzan": {"key": "b"}}}')
    assert run.inputs_hash(source, params) != with_corpus
    # the data_home parameter wins over MIRNB_DATA
    assert run.inputs_hash(source, {**params, "data_home": str(tmp_path / "elsewhere")}) \
        != run.inputs_hash(source, {**params, "data_home": str(tmp_path / "home")})


def _outcome(name, seconds=None, *, ok=True, unchanged=False):
    timings = None if seconds is None else {
        "seconds": dict(zip(("corpus", "features", "training", "evaluation", "other"), seconds)),
        "total": sum(seconds)}
    return run.Outcome(name, ok, Path(f"{name}.ipynb"), 0.0 if unchanged else sum(seconds),
                       timings=timings, unchanged=unchanged)


def test_timing_table_counts_executed_chapters_only():
    table = run.timing_table([_outcome("data", (1.0, 0, 0, 0, 2.04)),
                              _outcome("hamel2010", (0, 3.0, 10.0, 1.0, 5.0), unchanged=True),
                              _outcome("choi2016", (0, 0.5, 4.0, 0.25, 1.0), ok=False)])
    rows = [line.split() for line in table.splitlines()]
    assert rows[0] == ["chapter", "corpus", "features", "training", "evaluation", "other",
                       "total"]
    assert rows[1] == ["data", "1.0", "0.0", "0.0", "0.0", "2.0", "3.0"]
    assert rows[2] == ["hamel2010"] + ["-"] * 5 + ["unchanged"]
    assert rows[3] == ["choi2016", "(failed)", "0.0", "0.5", "4.0", "0.2", "1.0", "5.8"]
    assert rows[4] == ["total", "1.0", "0.5", "4.0", "0.2", "3.0", "8.8"]


def test_cli_run_prints_the_timing_table_and_force_reruns(project, capsys):
    assert cli.main(["run", "good", "--profile", "smoke"]) == 0
    out = capsys.readouterr().out.splitlines()
    head = next(i for i, line in enumerate(out) if line.startswith("chapter "))
    assert out[head].split() == ["chapter", "corpus", "features", "training", "evaluation",
                                 "other", "total"]
    good, total = out[head + 1].split(), out[head + 2].split()
    assert good[0] == "good" and float(good[-1]) > 0 and total[0] == "total"
    assert total[1:] == good[1:]
    assert cli.main(["run", "good", "--profile", "smoke"]) == 0
    out = capsys.readouterr().out
    assert "good: unchanged" in out and out.splitlines()[-1].split()[-1] == "0.0"
    assert any(line.split()[-1:] == ["unchanged"] for line in out.splitlines())
    assert cli.main(["run", "good", "--profile", "smoke", "--force"]) == 0
    assert "good: ok" in capsys.readouterr().out


def test_book_writes_the_build_times_page(project, monkeypatch):
    import subprocess

    (project / "book" / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n  - caption: Chapters\n    chapters:\n"
        "      - file: chapters/01_good\n      - file: chapters/02_bad\n"
        "  - caption: Appendix\n    chapters:\n      - file: chapters/build_times\n")
    machine = {"profile": "smoke", "backend": "jax", "cpus": 2, "machine": "x86_64",
               "platform": "Linux-6-x86_64", "python": "3.11.9"}
    timed = {"seconds": {"corpus": 0.0, "features": 1.25, "training": 12.5,
                         "evaluation": 2.0, "other": 4.0}, "total": 19.75, **machine}
    chapters = project / "book" / "chapters"
    _write_executed(chapters / "01_good.ipynb", mirnb={"inputs": "x", "timings": timed},
                    nb_meta={"start_time": "2026-11-12T10:30:40+00:00",
                             "end_time": "2026-11-12T10:31:02.5+00:00"})
    _write_executed(chapters / "02_bad.ipynb",  # executed before timings were recorded
                    nb_meta={"end_time": "2026-11-01T08:00:00+00:00"})
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd) or
                        subprocess.CompletedProcess(cmd, 0, "", ""))
    run.build_book()
    assert calls and calls[0][1:3] == ["build", str(project / "book")]
    page = (chapters / "build_times.md").read_text()
    assert page.startswith("# How long this book took to build\n")
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in page.splitlines() if line.startswith("| ")}
    assert rows["chapter"] == ["profile", "corpus", "features", "training", "evaluation",
                               "other", "total", "executed (UTC)"]
    assert rows["01_good"] == ["smoke", "0.0", "1.2", "12.5", "2.0", "4.0", "19.8",
                               "2026-11-12 10:31"]
    assert rows["02_bad"] == ["smoke", "not recorded", "", "", "", "", "", "2026-11-01 08:00"]
    assert "2 CPUs, Linux-6-x86_64, Python 3.11.9, Keras backend jax: 01_good" in page
    assert "keeps the timings of the run that produced it" in page
    assert "between 2026-11-12 10:30 and 2026-11-12 10:31 UTC, 0.4 minutes apart" in page
    assert "Builds from a fresh clone" not in page  # no benchmark record yet
    # a chapter run in parallel, on part of the cores, says so; the last measured
    # builds (benchmarks/book_build.py) are shown
    record = project / "benchmarks" / "results" / "book_build.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({
        "commit": "abc1234", "measured": "2026-12-03 13:00 UTC", "profile": "default",
        "jobs": 2, "machine": {"cpu_count": 2, "platform": "Linux-x"},
        "phases": {"cold": {"command": "make book", "rc": 0, "wall_s": 1800.0,
                            "target_s": 2400, "chapters_executed": 7,
                            "longest_chapter_s": 450.0},
                   "unchanged": {"command": "make book", "rc": 0, "wall_s": 60.0,
                                 "target_s": 120, "chapters_executed": 0,
                                 "longest_chapter_s": None}}}))
    _write_executed(chapters / "01_good.ipynb",
                    mirnb={"inputs": "x", "timings": {**timed, "threads": 1}})
    run.build_book()
    page = (chapters / "build_times.md").read_text()
    assert ("Keras backend jax; 1 thread(s) per chapter, chapters run in parallel: 01_good"
            in page)
    assert "at commit abc1234, profile default, 2 chapters at a time" in page
    assert "| cold | `make book` | 30.0 | 40 | 7 | 7.5 |" in page
    assert "| unchanged | `make book` | 1.0 | 2 | 0 | — |" in page
    # the book's own table of contents ends with the page, in the appendix
    toc = (Path(__file__).resolve().parents[1] / "book" / "_toc.yml").read_text()
    appendix = toc[toc.index("- caption: Appendix"):]
    assert appendix.rstrip().endswith("      - file: " + run.TIMES_PAGE)


def test_make_passes_force_through(tmp_path):
    import shutil
    import subprocess

    make = shutil.which("make")
    if make is None:
        pytest.skip("no make")
    root = Path(__file__).resolve().parents[1]

    def dry_run(*args):
        proc = subprocess.run([make, "-n", "-s", "-C", str(root), "notebooks", *args],
                              check=True, capture_output=True, text=True)
        return [line.rstrip() for line in proc.stdout.splitlines() if "mirnb run" in line]

    assert dry_run("FORCE=1", "JOBS=2")[-1].endswith("--jobs 2 --force")
    assert dry_run("JOBS=3")[-1].endswith("--jobs 3")
