"""Schema checks that passed before, remembered by digest: a policy folder read again unchanged is not walked again.

Checking a policy folder's files against their JSON schemas costs every command about a tenth of a second
(jsonschema's import and its walk over some twenty files). Whether a file passes depends only on its tree, the
schema and the jsonschema installed, so the digest of the three, kept once the file passed, lets a later run
skip both the import and the walk for that file. Only passes are kept: a file with a problem is checked, and its
problems worded, every time; an edited file, an edited schema or another jsonschema gives another digest.

The digests are a JSON list of hex strings in the user's cache folder: $SUCHEN_POLICY_CACHE, else
$XDG_CACHE_HOME/suchen-policy, else ~/.cache/suchen-policy (`off` keeps nothing). It holds no code and nothing of a
case; a file it cannot read or a folder it cannot write only means the check is made, never an error.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

__all__ = ["KEPT", "folder", "digest", "seen", "keep"]

KEPT = 2_000   # digests kept, newest last: a few policy folders and their versions, some 130 KB
_FILE = "schema-passes.json"
_MAX_BYTES = 200 * KEPT   # a store larger than KEPT digests could be is not ours: not read
_known: set[str] | None = None   # read once per process


def folder() -> Path | None:
    """Where the digests are kept; None when the user asked for nothing to be kept."""
    named = os.environ.get("SUCHEN_POLICY_CACHE")
    if named is not None:
        return None if named.strip().lower() in ("", "off") else Path(named)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:   # no home to find: nothing kept
            return None
    return Path(base) / "suchen-policy"


@functools.lru_cache(maxsize=1)
def _checker() -> str:
    """The jsonschema installed, without importing it: its package file's place, size and time."""
    spec = importlib.util.find_spec("jsonschema")
    origin = spec.origin if spec is not None else None
    if origin is None:
        return "?"
    stat = os.stat(origin)
    return f"{origin}|{stat.st_size}|{stat.st_mtime_ns}"


def _number(value: Any) -> float:
    if isinstance(value, float):   # ruamel's float type: the same number
        return float(value)
    raise TypeError(type(value).__name__)


def digest(schema_text: bytes, instance: Any) -> str | None:
    """The digest of a check, or None when the tree holds what JSON does not (a key that is not text, a date):
    such a file is simply checked each time."""
    try:   # dates and dataclasses go to `_number` too (refused): orjson would write a date as its text
        tree = orjson.dumps(instance, default=_number,
                            option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
    except TypeError:
        return None
    out = hashlib.sha256(_checker().encode())
    for part in (schema_text, tree):
        out.update(len(part).to_bytes(8, "big"))
        out.update(part)
    return out.hexdigest()


def _stored(where: Path) -> list[str]:
    """The digests in the store, oldest first; whatever else it holds is dropped."""
    try:
        with open(where / _FILE, "rb") as stored:
            text = stored.read(_MAX_BYTES + 1)
        kept = json.loads(text) if len(text) <= _MAX_BYTES else None
    except (OSError, ValueError):
        return []
    return [d for d in kept if isinstance(d, str) and len(d) == 64] if isinstance(kept, list) else []


def _read() -> set[str]:
    global _known
    if _known is None:
        where = folder()
        _known = set(_stored(where)) if where is not None else set()
    return _known


def seen(key: str | None) -> bool:
    """Did this check pass before?"""
    return key is not None and key in _read()


def keep(key: str | None) -> None:
    """Remember a check that passed (written at once, whole, by renaming a new file over the old)."""
    where = folder()
    if key is None or where is None or key in _read():
        return
    _known.add(key)
    kept = [d for d in _stored(where) if d != key]   # another run's passes too
    try:
        where.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=where, prefix=".passes-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump((kept + [key])[-KEPT:], out)
            os.replace(temporary, where / _FILE)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:   # a read-only home, a full disk: the check is simply made next time
        pass
