"""JSON Schema checks that speak to people: every error at once, each with its line.

Schemas live in `schemas/`. jsonschema's own messages are written for
programmers; `problems()` rewrites each into "expected …, found …" and points
at the line and column of the offending value in the YAML.

A roster has thousands of records, nearly all valid: each is first checked by
a validator fastjsonschema compiled to Python code (about ten times faster),
and only a record it refuses goes through jsonschema, which words the errors
and has the last word (the fast check may refuse more, never less: its `date`
format is jsonschema's own check).
"""
from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any, Iterable

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker

from ..common.problems import Problem
from ..common.privacy import quote
from ..common.words import near
from ..common.locations import locate

__all__ = ["found_text", "SCHEMA_DIR", "schema", "validator_for", "passes_fast", "path_text", "problems", "located",
           "shown_zh", "with_attributes", "with_vocabulary"]

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


@functools.lru_cache(maxsize=None)
def schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name), format_checker=FormatChecker())


def validator_for(schema_doc: dict) -> Draft202012Validator:
    return Draft202012Validator(schema_doc, format_checker=FormatChecker())


_FORMATS = FormatChecker()
_FAST: dict[int, tuple[dict, Any]] = {}   # id(schema) → (schema, its compiled check); the schema kept, so its id stays


def _fast(schema_doc: dict):
    """The schema compiled by fastjsonschema (formats checked by jsonschema's own checkers)."""
    hit = _FAST.get(id(schema_doc))
    if hit is None or hit[0] is not schema_doc:
        formats = {"date": lambda value: _FORMATS.conforms(value, "date")}
        hit = (schema_doc, fastjsonschema.compile(schema_doc, formats=formats, use_default=False))
        _FAST[id(schema_doc)] = hit
    return hit[1]


def passes_fast(instance: Any, schema_doc: dict) -> bool:
    """True only if the instance is valid (False: ask jsonschema, which words each error)."""
    try:
        _fast(schema_doc)(instance)
        return True
    except fastjsonschema.JsonSchemaException:
        return False
    except Exception:   # a value the generated code cannot even compare: let jsonschema judge it
        return False


def path_text(path: Iterable) -> str:
    """('people', 3, 'birth_date') → people[3].birth_date"""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def found_text(value: Any) -> str:
    """A value as a message quotes it. Text is quoted by `privacy.quote`, which the outputs recognise after
    “found” / “key” and mask as free text (a name, an ID number) unless --unmask (privacy.mask_message)."""
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "object": "a mapping", "array": "a list", "null": "null"}


def _expected_type(t) -> str:
    if isinstance(t, list):
        return " or ".join(_TYPE_WORDS.get(x, x) for x in t)
    return _TYPE_WORDS.get(t, t)


def _message(error) -> tuple[list, str]:
    """(path to point at, human message) for one jsonschema error."""
    path = list(error.absolute_path)
    v, s, inst = error.validator, error.schema, error.instance
    desc = s.get("description") if isinstance(s, dict) else None
    if v == "type":
        return path, f"expected {desc or _expected_type(error.validator_value)}, found {found_text(inst)}"
    if v == "enum":
        words = s.get("x-canonical") if isinstance(s, dict) else None
        shown = "|".join(str(x) for x in (words or error.validator_value))
        return path, f"expected one of {shown}" + (" (or a listed alias)" if words else "") + f", found {found_text(inst)}"
    if v == "const":
        return path, f"expected {found_text(error.validator_value)}, found {found_text(inst)}"
    if v == "required":
        missing = [k for k in error.validator_value if k not in inst]
        return path, "missing required field " + ", ".join(f"«{k}»" for k in missing)
    if v == "additionalProperties":
        known = sorted((s.get("properties") or {}).keys())
        extra = [k for k in inst if k not in (s.get("properties") or {})]
        hint = f" (expected one of: {', '.join(known)})" if known else ""
        return path + extra[:1], f"unknown field «{extra[0] if extra else '?'}»{hint}"
    if v == "format":
        return path, f"expected a real date YYYY-MM-DD, found {found_text(inst)}"
    if v == "pattern":
        return path, f"expected {desc or 'text matching ' + error.validator_value}, found {found_text(inst)}"
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}[v]
        return path, f"expected a number {sign} {error.validator_value}, found {found_text(inst)}"
    if v == "propertyNames":
        # not jsonschema's message: it repeats the key as repr, where no masking finds it
        return path, f"key {found_text(inst)} is not allowed"
    if v in ("minItems", "minProperties"):
        return path, f"expected at least {error.validator_value} entries, found {len(inst)}"
    if v == "uniqueItems":
        return path, "expected no repeated entries"
    if v in ("oneOf", "anyOf"):
        return path, f"expected {desc or 'one of the allowed shapes'}"
    return path, error.message


def problems(instance: Any, schema_name_or_doc, file: str, root: Any = None, prefix: tuple = (),
             chinese: bool = False) -> list[Problem]:
    """Every schema error of `instance`, located in `root` (the loaded YAML tree).

    `chinese`: the messages for policy files (officers'), in Chinese, each unknown key with a "did you
    mean", and no "expected one of the allowed shapes" where a more precise error was found below it.
    """
    return [p for _, p in located(instance, schema_name_or_doc, file, root, prefix, chinese)]


def located(instance: Any, schema_name_or_doc, file: str, root: Any = None, prefix: tuple = (),
            chinese: bool = False) -> list[tuple[list, Problem]]:
    """As `problems`, each with the path (keys and indices) of what it is about."""
    doc = schema(schema_name_or_doc) if isinstance(schema_name_or_doc, str) else schema_name_or_doc
    if passes_fast(instance, doc):
        return []
    v = _validator(schema_name_or_doc) if isinstance(schema_name_or_doc, str) else validator_for(doc)
    root = instance if root is None else root
    errors = sorted(v.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    if chinese:
        errors = _precise(errors)
    out = []
    for error in errors:
        # propertyNames errors report the parent path; the bad key is the instance
        path, message = _message_zh(error) if chinese else _message(error)
        on_key = error.validator in ("propertyNames", "additionalProperties")
        if error.validator == "propertyNames":
            path = path + [error.instance]
        full = list(prefix) + path
        out.append((full, Problem(locate(root, full, file, key=on_key and chinese), path_text(full), message)))
    return out


def _precise(errors: list) -> list:
    """Drop a oneOf/anyOf error when another error lies at or below its place: `whne:` is an unknown key
    (said precisely), not also "none of the allowed shapes"."""
    def inside(e, place):
        return list(e.absolute_path)[:len(place)] == place
    out = []
    for e in errors:
        if e.validator in ("oneOf", "anyOf"):
            place = list(e.absolute_path)
            if any(o is not e and o.validator not in ("oneOf", "anyOf") and inside(o, place) for o in errors):
                continue
            if not (isinstance(e.schema, dict) and "x-zh-oneOf" in e.schema):
                e = _branch_error(e)
        out.append(e)
    return out


def _branch_error(error):
    """For a oneOf whose branches differ by type (null or a mapping), the error inside the branch of the
    value's own type: `refrence:` in a dated value is an unknown key there, not "none of the shapes"."""
    from jsonschema.exceptions import best_match
    same_type = [c for c in error.context if c.validator != "type"]
    if not same_type:
        return error
    return best_match(same_type)


def shown_zh(value: Any) -> str:
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "空值（null）"
    if isinstance(value, dict):
        return "一个映射"
    if isinstance(value, list):
        return "一个列表"
    return str(value)


_TYPE_ZH = {"string": "文字", "integer": "整数", "number": "数", "boolean": "true 或 false",
            "object": "映射（键: 值）", "array": "列表", "null": "空值（null）"}


def _type_zh(t) -> str:
    return "或".join(_TYPE_ZH.get(x, x) for x in (t if isinstance(t, list) else [t]))


def _message_zh(error) -> tuple[list, str]:
    """(path to point at, message in Chinese) for one jsonschema error in a policy file."""
    path = list(error.absolute_path)
    v, s, inst = error.validator, error.schema, error.instance
    desc = (s.get("x-zh") or s.get("description")) if isinstance(s, dict) else None
    if v == "type":
        return path, f"应为{desc or _type_zh(error.validator_value)}，实为{shown_zh(inst)}"
    if v == "enum":
        options = [str(x) for x in error.validator_value]
        return path, f"应为 {'、'.join(options)} 之一，实为{shown_zh(inst)}{near(inst, options)}"
    if v == "const":
        return path, f"应为 {shown_zh(error.validator_value)}，实为{shown_zh(inst)}"
    if v == "required":
        missing = [k for k in error.validator_value if k not in inst]
        return path, "缺少必填的键 " + "、".join(f"“{k}”" for k in missing)
    if v == "additionalProperties":
        known = sorted((s.get("properties") or {}).keys())
        extra = [k for k in inst if k not in (s.get("properties") or {})]
        bad = extra[0] if extra else "?"
        hint = near(bad, known) or (f"；可用的键：{'、'.join(known)}" if known else "")
        return path + extra[:1], f"未知的键“{bad}”{hint}"
    if v == "format":
        return path, f"应为真实存在的日期 YYYY-MM-DD，实为{shown_zh(inst)}"
    if v == "pattern":
        return path, f"应为{desc or '格式为 ' + error.validator_value + ' 的文字'}，实为{shown_zh(inst)}"
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}[v]
        return path, f"应为 {sign} {error.validator_value} 的数，实为{shown_zh(inst)}"
    if v == "propertyNames":
        return path, f"键 {shown_zh(inst)} 不合规定" + (f"：应为{desc}" if desc else "")
    if v in ("minItems", "minProperties"):
        return path, f"至少应有 {error.validator_value} 项，实有 {len(inst)} 项"
    if v == "minLength":
        return path, f"至少应有 {error.validator_value} 个字，实为{shown_zh(inst)}"
    if v == "uniqueItems":
        return path, "列表中有重复的项"
    if v in ("oneOf", "anyOf"):
        return path, f"应为{s.get('x-zh-oneOf') or desc or '允许的写法之一'}"
    return path, error.message


_JSON_TYPES = {"date": {"$ref": "#/$defs/date"}, "int": {"type": "integer"}, "number": {"type": "number"},
               "bool": {"type": "boolean"}, "text": {"type": "string"}, "list": {"type": "array"},
               "map": {"type": "object"}}


def with_attributes(doc: dict, kinds: dict) -> dict:
    """The case schema, each record kind also taking the input attributes facts.yaml declares for it that the
    contract does not name (a field added by a revision of the policy needs no change to the schema or code)."""
    for name, kind in kinds.items():
        record = doc.get("$defs", {}).get(name)
        if not isinstance(record, dict) or "properties" not in record:
            continue
        for attribute, spec in kind.attributes.items():
            if attribute not in record["properties"] and attribute not in doc.get("properties", {}):
                record["properties"][attribute] = dict(_JSON_TYPES[spec.type], description=spec.label)
    return doc


def with_vocabulary(base: dict, vocabulary: dict) -> dict:
    """The case schema with the policy's words filled into every `x-vocabulary` slot."""
    doc = copy.deepcopy(base)

    def canonical(name: str) -> list[str]:
        entry = vocabulary.get(name) or {}
        values = entry.get("values") or []
        if "by_type" in entry:
            values = [lvl for levels in entry["by_type"].values() for lvl in levels]
        return list(values)

    def words(name: str) -> list[str]:
        return canonical(name) + list(((vocabulary.get(name) or {}).get("aliases") or {}).keys())

    def fill(node):
        if isinstance(node, dict):
            if "x-vocabulary" in node:
                node["enum"] = words(node["x-vocabulary"])
                if (vocabulary.get(node["x-vocabulary"]) or {}).get("aliases"):
                    node["x-canonical"] = canonical(node["x-vocabulary"])
                node.pop("type", None)
            if "x-vocabulary-keys" in node:
                node["propertyNames"] = {"enum": words(node["x-vocabulary-keys"])}
            for value in node.values():
                fill(value)
        elif isinstance(node, list):
            for value in node:
                fill(value)
    fill(doc)
    return doc
