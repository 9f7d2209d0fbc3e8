"""The chapter layer's rules: who may import a chapter, what a notebook may hold,
how big a module may grow, and that every name lines up end to end."""

import ast
import re
from pathlib import Path

import pytest

from mirnb import chapters, run

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "mirnb"
#: The only modules that may import a chapter module.
MAY_IMPORT_CHAPTERS = {"run", "cli", "chapters.comparison"}
PAPER_CHAPTERS = [c for c in chapters.CHAPTERS if c not in ("data", "comparison")]


def _module_name(path):
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def _imported(path):
    """The absolute ``mirnb.*`` names a module imports (relative imports resolved)."""
    name = _module_name(path)
    parts = ["mirnb"] + (name.split(".") if name else [])
    package = parts if path.name == "__init__.py" else parts[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


def _imports_a_chapter(names):
    return sorted(n for n in names
                  if re.match(r"^mirnb\.chapters\.[a-z0-9_]+$", n)
                  and n.split(".")[-1] in chapters.CHAPTERS + ("comparison",))


def test_the_checker_resolves_relative_imports():
    names = _imported(PACKAGE / "chapters" / "hamel2010.py")
    assert "mirnb.models.svm" in names and "mirnb.chapters.PaperNumber" in names
    assert _imports_a_chapter({"mirnb.chapters.hamel2010", "mirnb.chapters.PaperNumber"}) \
        == ["mirnb.chapters.hamel2010"]


def test_no_concern_module_imports_a_chapter():
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        if name in MAY_IMPORT_CHAPTERS or name.startswith("chapters"):
            continue
        bad = _imports_a_chapter(_imported(path))
        if bad:
            offenders[name] = bad
    assert not offenders, f"concern modules importing chapters: {offenders}"


def test_chapter_modules_import_no_other_chapter_except_the_comparison():
    for name in PAPER_CHAPTERS + ["data"]:
        path = PACKAGE / "chapters" / f"{name}.py"
        bad = [n for n in _imports_a_chapter(_imported(path)) if n != f"mirnb.chapters.{name}"]
        assert not bad, f"chapters.{name} imports {bad}"


def test_no_module_of_the_package_is_over_about_900_lines():
    sizes = {_module_name(p): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    # about 900: every module within 925 lines, and all but a few under 900
    assert {m: n for m, n in sizes.items() if n > 925} == {}
    assert len([n for n in sizes.values() if n > 900]) <= 2


def _code_cells(source):
    cells = re.split(r"^# %%.*$", source, flags=re.M)
    heads = re.findall(r"^# %%(.*)$", source, flags=re.M)
    return [c for h, c in zip(heads, cells[1:]) if "[markdown]" not in h]


def _code_lines(source):
    return [line for cell in _code_cells(source) for line in cell.splitlines()
            if line.strip() and not line.strip().startswith("#")]


@pytest.mark.parametrize("chapter", list(run.chapters()))
def test_notebooks_are_stories_without_def_class_lambda_or_branching(chapter):
    source = run.notebook_source(chapter).read_text()
    tree = ast.parse(source)
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.If,
             ast.IfExp)
    found = [(type(n).__name__, n.lineno) for n in ast.walk(tree) if isinstance(n, kinds)]
    assert not found, f"{chapter}: {found}"


@pytest.mark.parametrize("chapter", PAPER_CHAPTERS)
def test_paper_chapter_notebooks_hold_at_most_150_lines_of_code(chapter):
    lines = _code_lines(run.notebook_source(chapter).read_text())
    assert len(lines) <= 150, f"{chapter}: {len(lines)} lines of code"


def test_names_line_up_from_command_to_test():
    assert tuple(run.chapters()) == chapters.CHAPTERS
    for name, source in run.chapters().items():
        mod = chapters.module(name)
        assert (ROOT / mod.NOTEBOOK) == source
        assert (ROOT / "tests" / "chapters" / f"test_{name}.py").is_file()
        assert mod.config("smoke") != mod.config("paper") or name == "data"
        assert isinstance(mod.PAPER, tuple)
        assert all(isinstance(n, chapters.PaperNumber) for n in mod.PAPER)
