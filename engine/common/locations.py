"""Where a value stands — `file:line:col` in a text, a cell in a sheet — and how to find it in a read tree.

Every stage reports a problem at a location: the policy loader, case files, spreadsheets, policy tests.
The trees come from ruamel (positions in `.lc`) or from a reader without positions (`Located`, a
spreadsheet's cells); `locate` answers for both.
"""
from __future__ import annotations

from typing import Any
from dataclasses import dataclass

__all__ = ["Location", "Located", "YamlError", "locate", "where", "plain"]


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


def locate(root: Any, path: tuple | list, file: str, key: bool = False) -> Location:
    """The line and column of the value at `path` (keys and indices); nearest parent if not present.

    `key`: of the last key itself rather than its value (an unknown or misspelled key). A blank value
    (`field:` with nothing after it) is at its key: ruamel puts it where the next token starts, a line lower.
    """
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
                    scalar = not isinstance(node[step], (dict, list))
                    pos = lc.value(step) if scalar and node[step] is not None and not key else lc.key(step)
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


def where(root: Any, path: tuple | list, file: str, depth: int = 4) -> dict[str, Location]:
    """Where each key under the mapping at `path` stands, by its path text: `when` (the value), `when:`
    (the key), `overrides[1]` (an item), `value.本科` (nested). Lets a problem point at the key it is about."""
    node = root
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return {}
    out: dict[str, Location] = {}
    stack = [(node, "", depth)]
    while stack:
        item, prefix, left = stack.pop()
        lc = getattr(item, "lc", None)
        if lc is None or left <= 0:
            continue
        pairs = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for k, v in pairs:
            try:
                if isinstance(item, dict):
                    text = f"{prefix}.{k}" if prefix else str(k)
                    kl, kc = lc.key(k)
                    out[text + ":"] = Location(file, kl + 1, kc + 1)
                    vl, vc = lc.value(k) if not isinstance(v, (dict, list)) and v is not None else (kl, kc)
                else:
                    text = f"{prefix}[{k}]"
                    vl, vc = lc.item(k)
            except (KeyError, IndexError, TypeError, AttributeError):
                continue
            out[text] = Location(file, vl + 1, vc + 1)
            if isinstance(v, (dict, list)):
                stack.append((v, text, left - 1))
    return out


def plain(node: Any) -> Any:
    """Commented containers → dict/list, for schema validation and hashing."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (str, int)) else k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node
