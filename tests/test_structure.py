"""The tree is the architecture: imports flow one way, and modules and functions stay small.

corpus -> embeddings -> qa -> app.py, and inside qa: records below retrieval, reading and
generation, below answering, below evaluation, below interfaces. Every import counts,
including those inside functions (heavy imports are deferred, not exempt).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RANK = {
    "corpus": 0,
    "embeddings": 1,
    "qa.records": 2,
    "qa.retrieval": 3,
    "qa.reading": 3,
    "qa.generation": 3,
    "qa.answering": 4,
    "qa.evaluation": 5,
    "qa.interfaces": 6,
}
SOURCES = sorted(p for d in ("corpus", "embeddings", "qa") for p in (ROOT / d).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str | None:
    """The longest RANK key that ``module`` lies in.

    >>> layer("qa.reading.reader"), layer("corpus.chunk"), layer("numpy")
    ('qa.reading', 'corpus', None)
    """
    keys = [k for k in RANK if module == k or module.startswith(k + ".")]
    return max(keys, key=len) if keys else None


def imports(path: Path) -> set[str]:
    """Every project module ``path`` imports, at any depth of the code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.split(".")[0] in ("corpus", "embeddings", "qa")}


GRAPH = {module_name(p): imports(p) for p in SOURCES}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_upward_import(path):
    me = module_name(path)
    if me == "qa":  # the package's lazy re-exports of the public names
        return
    mine = layer(me)
    up = [m for m in GRAPH[me] if layer(m) and RANK[layer(m)] > RANK[mine]]
    assert not up, f"{me} ({mine}) imports from a higher layer: {sorted(up)}"


def test_no_import_circle():
    known = set(GRAPH)
    edges = {m: {t for t in deps if t in known and t != m} for m, deps in GRAPH.items()}
    edges["qa"] = set()  # lazy re-exports, resolved on attribute access
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for t in edges[m]:
            if state.get(t) == 1:
                raise AssertionError("import circle: " + " -> ".join([*trail, m, t]))
            if t not in state:
                visit(t, [*trail, m])
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m, [])


@pytest.mark.parametrize("path", [*SOURCES, ROOT / "app.py"], ids=lambda p: p.name)
def test_modules_and_functions_are_small(path):
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= 300, f"{path.name}: {text.count(chr(10))} lines"
    long = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            doc = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            first = body[1] if doc and len(body) > 1 else body[0]
            if node.end_lineno - first.lineno + 1 > 40:
                long.append(f"{node.name} ({node.end_lineno - first.lineno + 1} lines)")
    assert not long, f"{path.name}: functions over 40 lines: {long}"


def test_each_layer_says_what_lives_there():
    for folder in sorted(ROOT.glob("qa/*/")):
        if folder.name.startswith("__"):
            continue
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text("utf-8")))
        assert doc and len(doc.splitlines()) <= 2, f"{folder.name}/__init__.py: two lines"
