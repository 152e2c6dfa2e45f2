"""The project's architecture, enforced by reading the source with `ast` (no Django, no database).

Layering: an app imports only apps below it (and itself); no import cycles between modules; no oversized
module, and `dossiers` does not swallow the application. The checkers take a root directory, so the tests at
the bottom run them on small fake trees to show that they do fail.
"""

import ast
from collections import deque
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The application's packages, lowest first; "a+b" is one level, whose packages may not import each other.
LAYERS = (
    "core procedures accounts dossiers notifications+printing payments integrations privacy portal+workspace surveys+feedback+consultations reports api+ops demo"
)
LEVEL = {package: level for level, packages in enumerate(LAYERS.split()) for package in packages.split("+")}
PROJECT = "onecua"  # settings, urls, celery: on top, may import any app; no app may import it...
# ...except these infrastructure modules (a name allows its submodules too). No app imports anything from
# onecua today (grep "from onecua|import onecua" over the apps finds nothing), so none is allowed.
ONECUA_INFRASTRUCTURE: frozenset[str] = frozenset()
NOT_APPLICATION_CODE = {"migrations", "tests", "bench", "__pycache__"}
MAX_MODULE_LINES = 450
MAX_DOSSIERS_SHARE = 0.30


class Import(NamedTuple):
    module: str  # the importing module
    path: str  # its file, relative to the root
    line: int
    target: str  # the imported name, cut down to the project module it names when there is one


def modules(root: Path, packages=(*LEVEL, PROJECT)) -> dict[str, Path]:
    """Dotted module name → file, for every .py file of `packages` outside migrations/, tests/, bench/."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root)
            if NOT_APPLICATION_CODE.intersection(rel.parts[:-1]):
                continue
            parts = rel.with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def resolve(name: str, known) -> str:
    """`name`'s longest prefix that is a known module (`from pkg import obj` imports pkg), else `name`."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in known:
            return ".".join(parts[:n])
    return name


def imports(root: Path, known: dict[str, Path]) -> list[Import]:
    """Every import in the `known` modules: top-level, in functions, under `if TYPE_CHECKING`, relative."""
    found = []
    for module, path in known.items():
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's package, up level - 1 packages
                    package = module.split(".")[: None if path.name == "__init__.py" else -1]
                    base = ".".join([*package[: len(package) - node.level + 1], *filter(None, [node.module])])
                names = [base if alias.name == "*" else f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            found += [Import(module, rel, node.lineno, resolve(name, known)) for name in names]
    return sorted(set(found), key=lambda imp: (imp.path, imp.line, imp.target))  # one per name imported


def layering_violations(root: Path) -> list[str]:
    problems = []
    for imp in imports(root, modules(root)):
        source, target = imp.module.split(".")[0], imp.target.split(".")[0]
        if source == PROJECT or target == source or target not in (*LEVEL, PROJECT):
            continue
        if target == PROJECT:
            if any(imp.target == m or imp.target.startswith(f"{m}.") for m in ONECUA_INFRASTRUCTURE):
                continue
            why = f"{source} may not import {PROJECT} (the project package, above every app)"
        elif LEVEL[target] == LEVEL[source]:
            why = f"{source} may not import {target} (they are on the same level)"
        elif LEVEL[target] > LEVEL[source]:
            why = f"{source} may not import {target} (it is above {source})"
        else:
            continue
        problems.append(f"{imp.path}:{imp.line} imports {imp.target}: {why}")
    return problems


def import_graph(root: Path) -> dict[str, dict[str, tuple[str, int]]]:
    """Module → {project module it imports: (file, line) of its first such import}."""
    known = modules(root)
    graph: dict[str, dict[str, tuple[str, int]]] = {module: {} for module in known}
    for imp in imports(root, known):
        if imp.target in known and imp.target != imp.module:
            graph[imp.module].setdefault(imp.target, (imp.path, imp.line))
    return graph


def shortest_cycle(graph, start: str) -> list[str]:
    """A shortest path start → … → start (breadth-first), or [] when there is none."""
    parents, queue = {start: None}, deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(graph[v]):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if w not in parents:
                parents[w] = v
                queue.append(w)
    return []


def import_cycles(root: Path) -> list[str]:
    """For each module on a cycle, the shortest cycle through it; a cycle found from several modules is listed
    once. (Breadth-first from every module: this finds exactly the modules of the graph's non-trivial strongly
    connected components, and ~200 modules make it instant.)"""
    graph, cycles = import_graph(root), {}
    for start in sorted(graph):
        if cycle := shortest_cycle(graph, start)[:-1]:
            first = cycle.index(min(cycle))
            cycles.setdefault(tuple(cycle[first:] + cycle[:first]), None)
    loops = [[*cycle, cycle[0]] for cycle in cycles]
    where = [", ".join("{}:{}".format(*graph[a][b]) for a, b in pairwise(loop)) for loop in loops]
    return [f"{' -> '.join(loop)} ({lines})" for loop, lines in zip(loops, where, strict=True)]


def application_lines(root: Path) -> dict[str, int]:
    """File (relative to the root) → line count, for the application's packages (not onecua)."""
    return {
        path.relative_to(root).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in modules(root, tuple(LEVEL)).values()
    }


def oversized_modules(root: Path, max_lines: int = MAX_MODULE_LINES) -> list[str]:
    lines = sorted(application_lines(root).items(), key=lambda item: -item[1])
    return [f"{path}: {count} lines (at most {max_lines})" for path, count in lines if count > max_lines]


def dossiers_share_violation(root: Path, max_share: float = MAX_DOSSIERS_SHARE) -> list[str]:
    lines = application_lines(root)
    total = sum(lines.values())
    dossiers = sorted(((p, n) for p, n in lines.items() if p.startswith("dossiers/")), key=lambda i: -i[1])
    held = sum(n for _, n in dossiers)
    if not total or held <= max_share * total:
        return []
    files = ", ".join(f"{path} {count}" for path, count in dossiers if count)
    return [f"dossiers holds {held} of {total} lines ({held / total:.0%}, at most {max_share:.0%}): {files}"]


# The real tree.


def test_the_checker_sees_the_real_tree():
    known = modules(ROOT)
    assert {"core.http", "dossiers.models", "demo.management.commands", "onecua.urls"} <= set(known)
    assert not any("migrations" in name for name in known)


@pytest.mark.parametrize(
    "check",
    [layering_violations, import_cycles, oversized_modules, dossiers_share_violation],
    ids=lambda check: check.__name__,
)
def test_the_real_tree(check):
    problems = check(ROOT)
    assert not problems, f"{len(problems)} violation(s):\n" + "\n".join(problems)


# The checker itself, on fake trees.


def make_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        for package in [path.parent, *path.parent.parents]:
            if package == root:
                break
            package.mkdir(parents=True, exist_ok=True)
            (package / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return root


CLEAN = {
    "core/models.py": "import os\n" + "X = 1\n" * 20,
    "core/services.py": "from . import models\nfrom .models import X\n",
    "procedures/services.py": "from core import services\nfrom core.models import X\n",
    "dossiers/models.py": "def f():\n    from procedures.services import services\n",
    "dossiers/migrations/0001_initial.py": "import notifications\n" + "X = 1\n" * 500,
    "notifications/outbox.py": "import dossiers.models\n",
    "onecua/urls.py": "from notifications import outbox\n",
}


def test_the_checker_passes_a_clean_tree(tmp_path):
    root = make_tree(tmp_path, CLEAN)
    assert layering_violations(root) == []
    assert import_cycles(root) == []
    assert oversized_modules(root) == []
    assert dossiers_share_violation(root) == []
    assert import_graph(root)["procedures.services"] == {
        "core.services": ("procedures/services.py", 1),
        "core.models": ("procedures/services.py", 2),
    }


def test_the_checker_reports_upward_and_sideways_arrows(tmp_path):
    files = {"core/links.py": "from dossiers.models import f\n", "printing/books.py": ""}
    files["notifications/a.py"] = "\nimport printing.books\nimport onecua\n"
    assert layering_violations(make_tree(tmp_path, {**CLEAN, **files})) == [
        "core/links.py:1 imports dossiers.models: core may not import dossiers (it is above core)",
        "notifications/a.py:2 imports printing.books: notifications may not import printing (they are on the same level)",
        "notifications/a.py:3 imports onecua: notifications may not import onecua (the project package, above every app)",
    ]


def test_the_checker_reports_function_level_and_type_checking_imports(tmp_path):
    files = {"core/late.py": "def f():\n    if True:\n        import dossiers\n"}
    files["procedures/hints.py"] = (
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from dossiers import models\n"
    )
    assert layering_violations(make_tree(tmp_path, {**CLEAN, **files})) == [
        "core/late.py:3 imports dossiers: core may not import dossiers (it is above core)",
        "procedures/hints.py:4 imports dossiers.models: procedures may not import dossiers (it is above procedures)",
    ]


def test_the_checker_reports_cycles(tmp_path):
    files = {"core/a.py": "from . import b\n", "core/b.py": "X = 1\n\ndef f():\n    from .a import thing\n"}
    files["core/models.py"] = "from core.services import y\n"  # core.services imports core.models
    assert import_cycles(make_tree(tmp_path, {**CLEAN, **files})) == [
        "core.a -> core.b -> core.a (core/a.py:1, core/b.py:4)",
        "core.models -> core.services -> core.models (core/models.py:1, core/services.py:1)",
    ]


def test_the_checker_reports_size(tmp_path):
    root = make_tree(tmp_path, {**CLEAN, "dossiers/services.py": "X = 1\n" * 451})
    assert oversized_modules(root) == [f"dossiers/services.py: 451 lines (at most {MAX_MODULE_LINES})"]
    assert dossiers_share_violation(root) == [
        "dossiers holds 453 of 479 lines (95%, at most 30%): dossiers/services.py 451, dossiers/models.py 2"
    ]
