"""The environment files agree, and the layout follows DESIGN.md."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req):
    return re.split(r"[<>=!~\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _norm(req):
    return re.sub(r"\s+", "", req).lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_norm(r) for r in project["dependencies"]}
    wanted |= {_norm(r) for r in project["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    declared = {_norm(r) for r in pip if not r.startswith("-e")}
    assert declared == wanted, (f"only in environment.yml: {sorted(declared - wanted)}; "
                                f"only in pyproject.toml: {sorted(wanted - declared)}")
    assert any(d.startswith("python=3.11") for d in env["dependencies"] if isinstance(d, str))


def test_jupyter_book_is_pinned_below_2():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    jb = [r for r in project["dependencies"] if _name(r) == "jupyter-book"]
    assert jb and "<2" in jb[0]


def test_notebooks_are_percent_sources_with_parameters():
    import jupytext

    sources = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert sources, "no notebooks/NN_<chapter>.py"
    for path in sources:
        nb = jupytext.read(path)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: expected one cell tagged parameters"
        assert "profile" in tagged[0].source
        assert nb.metadata["kernelspec"]["name"] == "python3"
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert not re.search(r"^(def|class) ", code, re.M), f"{path.name} defines logic"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make book" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
