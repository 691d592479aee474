"""YAML in, with every value's line and column kept, loaded safely.

ruamel's round-trip loader records positions (`.lc`) and builds only plain
mappings, sequences and scalars. Two deliberate changes: timestamps stay
strings (so `2025-13-01` is a located field error for one case, not a crash
of the whole file), and duplicate keys are errors (a second `value:` must not
silently win).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError


class _Constructor(RoundTripConstructor):
    pass


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


class _FastConstructor(SafeConstructor):
    pass


_FastConstructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


@dataclass(frozen=True)
class Location:
    """Where a value stands: `file:line:col` in a text file, `file:Sheet!C12: 列“学历”` in a spreadsheet."""
    file: str
    line: int | None = None  # 1-based (a spreadsheet's row)
    col: int | None = None   # 1-based
    sheet: str | None = None
    cell: str | None = None      # C12
    column: str | None = None    # the column's header, 学历

    def __str__(self) -> str:
        if self.sheet is not None:
            where = f"{self.file}:{self.sheet}!{self.cell}" if self.cell else f"{self.file}:{self.sheet}"
            return where + (f": 列“{self.column}”" if self.column else "")
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.col or 1}"


class Located(dict):
    """A tree read from a format without YAML positions (a spreadsheet), with each path's location.

    `locations` maps a path of keys and indices (`("cases", 0, "people", 3,
    "education")`) to where that value was read; `locate` takes the longest
    known prefix of a path, so a missing field points at its record's row.
    """

    def __init__(self, data: dict, locations: dict[tuple, Location], file: str, warnings: list[str] | None = None,
                 meta: dict | None = None):
        super().__init__(data)
        self.locations, self.file = locations, file
        self.warnings = list(warnings or [])   # what the reader did that the user should know (an encoding, rows skipped)
        self.meta = dict(meta or {})           # how it was read: format, each file's encoding


class YamlError(ValueError):
    def __init__(self, location: Location, message: str):
        super().__init__(f"{location}: {message}")
        self.location, self.message = location, message


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Constructor = _Constructor
    y.allow_duplicate_keys = False
    return y


def load(path: str | Path) -> Any:
    """Parse one YAML (or JSON) file; syntax errors become YamlError with the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlError(Location(str(path)), "file not found") from None
    except UnicodeDecodeError as e:
        raise YamlError(Location(str(path)), f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    return loads(text, str(path))


def load_fast(path: str | Path) -> Any:
    """Plain data without positions, several times faster: for large case files that are usually right.

    JSON goes through the standard library; YAML through the safe loader. When
    a check fails, the caller loads the file again with `load` to locate it.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            return load(path)  # let the located loader report where the syntax breaks
    y = YAML(typ="safe", pure=True)
    y.Constructor = _FastConstructor
    y.allow_duplicate_keys = False
    try:
        return y.load(path.read_text(encoding="utf-8"))
    except Exception:  # any syntax problem: the located loader reports it with its line
        return load(path)


def loads(text: str, name: str = "<text>") -> Any:
    try:
        return _yaml().load(text)
    except DuplicateKeyError as e:
        mark = e.problem_mark
        raise YamlError(Location(name, mark.line + 1, mark.column + 1), "duplicate key: " + (e.problem or "")) from None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise YamlError(Location(name, line, col), f"YAML syntax: {e.problem or e.context}") from None


def locate(root: Any, path: tuple | list, file: str) -> Location:
    """The line and column of the value at `path` (keys and indices); nearest parent if not present."""
    if isinstance(root, Located):
        path = tuple(path)
        for n in range(len(path), -1, -1):
            if path[:n] in root.locations:
                return root.locations[path[:n]]
        return Location(root.file)
    node, line, col = root, None, None
    for step in path:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, dict) and step in node:
                if lc is not None:
                    pos = lc.value(step) if not isinstance(node[step], (dict, list)) else lc.key(step)
                    line, col = pos[0] + 1, pos[1] + 1
                node = node[step]
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                if lc is not None:
                    pos = lc.item(step)
                    line, col = pos[0] + 1, pos[1] + 1
                node = node[step]
            else:
                break
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    if line is None and getattr(root, "lc", None) is not None:
        line, col = root.lc.line + 1, root.lc.col + 1
    return Location(file, line, col)


def plain(node: Any) -> Any:
    """Commented containers → dict/list, for schema validation and hashing."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (str, int)) else k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node
