"""The packages of engine/ import one way, in the order of the data's way (docs/architecture.md), with no
cycle — imports inside functions included —; rich is imported only where output is rendered; and no
module reaches for another's private names or for names a module does not offer in its `__all__`."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from conftest import ROOT

ENGINE = ROOT / "engine"
LAYERS = ["common", "formula", "policy", "casefiles", "pipeline", "explain", "tools", "outputs", "cli"]
RENDERING = {"outputs", "cli"}   # the only packages that may import rich


def _module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str, list[tuple[str, str]]]]:
    """(line, absolute module, [(name, bound as)]) for every import in the file, at any depth."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.append((node.lineno, module, [(a.name, a.asname or a.name) for a in node.names]))
    return out


MODULES = {_module_name(p): p for p in sorted(ENGINE.rglob("*.py"))}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "engine" and len(parts) > 1 else None


def _edges() -> dict[str, set[str]]:
    """module → the engine modules it imports (`from engine.x import y` counts y when y is a module)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for _, target, names in _imports(path):
            if not target.startswith("engine"):
                continue
            found = {f"{target}.{n}" for n, _ in names if f"{target}.{n}" in MODULES}
            graph[module] |= found or ({target} if target in MODULES else set())
    return graph


def test_every_package_is_a_known_layer():
    packages = {p.name for p in ENGINE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYERS)
    assert [p.name for p in ENGINE.glob("*.py")] == ["__init__.py"]   # no module outside a stage


def test_packages_import_one_way():
    wrong = []
    for module, path in MODULES.items():
        here = _layer(module)
        for line, target, names in _imports(path):
            there = _layer(target)
            if here in LAYERS and there in LAYERS and LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{path.relative_to(ENGINE)}:{line} imports {target} ({here} → {there})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    graph, state, cycles = _edges(), {}, []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" → ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


def test_the_cycle_check_finds_a_planted_cycle(tmp_path, monkeypatch):
    """The checks above would see a cycle through an import inside a function."""
    planted = ast.parse("def f():\n    from ..policy import model\n")
    found = [n for n in ast.walk(planted) if isinstance(n, ast.ImportFrom)]
    assert found and found[0].level == 2 and found[0].module == "policy"


def test_rich_only_where_output_is_rendered():
    wrong = [f"{path.relative_to(ENGINE)}:{line}" for module, path in MODULES.items()
             if _layer(module) not in RENDERING
             for line, target, _ in _imports(path) if target.split(".")[0] == "rich"]
    assert not wrong, wrong


def _public(module: str) -> set[str]:
    return set(getattr(importlib.import_module(module), "__all__", ()))


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.endswith("__init__") and m.count(".") == 2))
def test_each_module_names_its_public_api(module):
    names = getattr(importlib.import_module(module), "__all__", None)
    assert names is not None, f"{module} has no __all__"
    assert all(not n.startswith("_") for n in names)


def test_no_module_uses_another_modules_private_or_unlisted_names():
    wrong = []
    for module, path in MODULES.items():
        aliases: dict[str, str] = {}   # a name bound to an engine module → that module
        for line, target, names in _imports(path):
            if not target.startswith("engine") or target == module:
                continue
            for n, bound in names:
                if f"{target}.{n}" in MODULES:
                    aliases[bound] = f"{target}.{n}"
                elif target in MODULES and not MODULES[target].name == "__init__.py" and n not in _public(target):
                    wrong.append(f"{path.relative_to(ENGINE)}:{line} imports {n} from {target}, which does not offer it")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                target = aliases[node.value.id]
                if node.attr not in _public(target):
                    wrong.append(f"{path.relative_to(ENGINE)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not wrong, "\n".join(sorted(set(wrong)))
