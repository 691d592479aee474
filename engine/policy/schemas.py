"""JSON Schema checks that speak to people: every error at once, each with its line.

Schemas live in `schemas/`. jsonschema's own messages are written for
programmers; `problems()` rewrites each into a Chinese sentence — for a case
file naming the field by its label: 学历应为 …之一，实为“本料”；您是否想输入“本科”？
— and points at the line and column (or the cell) of the offending value.

A roster has thousands of records, nearly all valid: each is first checked by
a validator fastjsonschema compiled to Python code (about ten times faster),
and only a record it refuses goes through jsonschema, which words the errors
and has the last word (the fast check may refuse more, never less: its `date`
format is jsonschema's own check).
"""
from __future__ import annotations

import calendar
import copy
import datetime as dt
import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import fastjsonschema

from ..common import passed
from ..common.problems import Problem
from ..common.privacy import quote
from ..common.words import near
from ..common.locations import locate

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

__all__ = ["found_text", "CaseWords", "SCHEMA_DIR", "schema", "validator_for", "passes_fast", "path_text", "problems", "located",
           "shown_zh", "with_attributes", "with_vocabulary"]

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


@functools.lru_cache(maxsize=None)
def _schema_text(name: str) -> bytes:
    return (SCHEMA_DIR / f"{name}.schema.json").read_bytes()


@functools.lru_cache(maxsize=None)
def schema(name: str) -> dict:
    return json.loads(_schema_text(name).decode("utf-8"))


# jsonschema is imported where it is used: a policy folder that passed before (common/passed.py) and a roster
# whose records are clean never need it, and its import is a twentieth of a second of every command.
@functools.lru_cache(maxsize=None)
def _validator(name: str) -> Draft202012Validator:
    return validator_for(schema(name))


def validator_for(schema_doc: dict) -> Draft202012Validator:
    from jsonschema import Draft202012Validator, FormatChecker
    return Draft202012Validator(schema_doc, format_checker=FormatChecker())


_FAST: dict[int, tuple[dict, Any]] = {}   # id(schema) → (schema, its compiled check); the schema kept, so its id stays


def _fast(schema_doc: dict):
    """The schema compiled by fastjsonschema (formats checked by jsonschema's own checkers)."""
    hit = _FAST.get(id(schema_doc))
    if hit is None or hit[0] is not schema_doc:
        formats = {"date": _date_conforms}
        hit = (schema_doc, fastjsonschema.compile(schema_doc, formats=formats, use_default=False))
        _FAST[id(schema_doc)] = hit
    return hit[1]


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _date_conforms(value: Any) -> bool:
    """The `date` format as jsonschema checks it (its `is_date`: four, two and two ASCII digits making a real day;
    anything not text passes), once per date of a roster; tests/policy/test_schemas.py holds the two equal."""
    if not isinstance(value, str):
        return True
    try:
        return bool(_DATE.fullmatch(value) and dt.date.fromisoformat(value))
    except ValueError:
        return False


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
    """A value of a case file as a message quotes it. Text is quoted by `privacy.quote`, which the outputs recognise
    after 实为 / 填的 / found / key and mask as free text (a name, an ID number) unless --unmask (privacy.mask_error
    decides by the field: a vocabulary word or a date is shown whole, a name is masked)."""
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool):
        return "“是”" if value else "“否”"
    if value is None:
        return "空值"
    if isinstance(value, dict):
        return "一个映射（键: 值）"
    if isinstance(value, list):
        return "一个列表"
    if isinstance(value, float) and not math.isfinite(value):   # a JSON file's NaN or Infinity
        return "非数（NaN）" if value != value else "无穷大" if value > 0 else "负无穷大"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class CaseWords:
    """What a case file's messages call things: a field by its label from the policy's data (the roster's headers,
    facts.yaml), never by the contract's key (`label`: the path from the top of the file → the label), and the
    words a yes/no is written with (the roster's, read in every format)."""
    label: Callable[[tuple], str] = lambda path: str(next((s for s in reversed(path) if isinstance(s, str)), ""))
    yes: str = "true"
    no: str = "false"


_TYPE_CASE = {"string": "文字", "integer": "整数", "number": "数", "object": "映射（键: 值）", "array": "列表",
              "null": "空值"}
# One error per value: of jsonschema's several complaints about one value, the first of these is said.
_RANK = {"type": 0, "required": 0, "additionalProperties": 0, "enum": 1, "const": 1, "format": 2, "pattern": 3}
_DAY = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _shown_case(value: Any, words: CaseWords) -> str:
    """实为… : what was found, as a case-file message says it."""
    if value is None:
        return "却是空的"
    if isinstance(value, bool):
        return f"实为“{words.yes if value else words.no}”"
    if isinstance(value, (int, float)):
        return f"实为 {found_text(value)}"
    return f"实为{found_text(value)}"


def _date_message(label: str, value: Any, words: CaseWords) -> str:
    """A date that is not one: an impossible day said as such (with the month's last day), else the form."""
    if isinstance(value, str):
        m = _DAY.match(value)
        if m:
            year, month, day = int(m[1]), int(m[2]), int(m[3])
            if not 1900 <= year <= 2999:
                return f"{label}填的{found_text(value)}不在 1900–2999 年之间（应为 年-月-日，如 {min(max(year, 1900), 2999)}-01-01）"
            if 1 <= month <= 12:
                last = calendar.monthrange(year, month)[1]
                if day > last or day < 1:
                    return (f"{label}填的{found_text(value)}不是真实的日期：{year}年{month}月只有 {last} 日"
                            f"（应为 年-月-日，如 {year}-{month:02d}-{last:02d}）")
            return f"{label}填的{found_text(value)}不是真实的日期（月份应为 1–12；应为 年-月-日，如 {year}-01-31）"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # quoted, so that its digits (19900101: a birth date) are masked as a value's are
        return (f"{label}填的“{found_text(value)}”是一个数，不是日期（应为 年-月-日，如 2025-03-01；"
                "在 Excel 中请设为日期或文本格式）")
    return f"{label}应为日期（年-月-日，如 2025-03-01），{_shown_case(value, words)}"


def _is_date(s) -> bool:
    return isinstance(s, dict) and s.get("format") == "date"


def _case_messages(error, words: CaseWords, prefix: tuple) -> list[tuple[list, str, bool]]:
    """(path to point at, message in Chinese, whether the place is the key) for one jsonschema error in a case
    file: each names the field by its label and says what was expected and what was found."""
    path = list(error.absolute_path)
    v, s, inst = error.validator, error.schema, error.instance
    s = s if isinstance(s, dict) else {}

    def label(at: list) -> str:
        return words.label(tuple(prefix) + tuple(at))
    name = label(path)
    desc = s.get("x-zh")
    if "propertyNames" in error.relative_schema_path:
        # the key itself is wrong (a month written otherwise, an attestation the vocabulary does not list)
        options = [str(x) for x in error.validator_value] if v == "enum" else []
        expected = f"应为 {'、'.join(options)} 之一" if options else f"应为{desc or '允许的写法'}"
        return [(path + [inst], f"{name}中的“{inst}”不合规定：{expected}{near(inst, options) if options else ''}", True)]
    if _is_date(s) and v in ("format", "pattern"):
        return [(path, _date_message(name, inst, words), False)]
    if v == "type":
        expected = error.validator_value
        if expected == "boolean":
            return [(path, f"{name}应填 {words.yes} 或 {words.no}，{_shown_case(inst, words)}", False)]
        if _is_date(s):
            return [(path, _date_message(name, inst, words), False)]
        if expected in ("string", ["string"]) and isinstance(inst, (int, float)) and not isinstance(inst, bool):
            lost = isinstance(inst, float) and abs(inst) >= 1e15
            why = "作为数字已丢失末几位（数字只保留 15 位有效数字）" if lost else (s.get("x-zh-number") or "")
            return [(path, f"{name}应按文本填写（加引号，或在 Excel 中设为文本格式）："
                           f"填成了数字 {found_text(inst)}" + (f"，{why}" if why else ""), False)]
        wanted = desc or "或".join(_TYPE_CASE.get(x, x) for x in (expected if isinstance(expected, list) else [expected]))
        return [(path, f"{name}应为{wanted}，{_shown_case(inst, words)}", False)]
    if v == "enum":
        canonical = s.get("x-canonical")
        options = [str(x) for x in (canonical or error.validator_value)]
        return [(path, f"{name}应为 {'、'.join(options)} 之一{'（或其别称）' if canonical else ''}，"
                       f"{_shown_case(inst, words)}{near(inst, [str(x) for x in error.validator_value])}", False)]
    if v == "const":
        return [(path, f"{name}应为 {found_text(error.validator_value)}，{_shown_case(inst, words)}", False)]
    if v == "required":
        return [(path + [k], f"未填写{label(path + [k])}（必填）", False) for k in error.validator_value if k not in inst]
    if v == "additionalProperties":
        known = list((s.get("properties") or {}).keys())
        out = []
        for extra in (k for k in inst if k not in (s.get("properties") or {})):
            hint = near(extra, known) or (f"（可用的字段：{'、'.join(known)}）" if known else "")
            out.append((path + [extra], f"{name + '中' if name else ''}有不认识的字段“{extra}”{hint}", True))
        return out
    if v == "format":
        return [(path, f"{name}应为{desc or error.validator_value}，{_shown_case(inst, words)}", False)]
    if v == "pattern":
        return [(path, f"{name}应为{desc or '规定格式的文字'}，{_shown_case(inst, words)}", False)]
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bound = {"minimum": "不小于", "exclusiveMinimum": "大于", "maximum": "不大于", "exclusiveMaximum": "小于"}[v]
        return [(path, f"{name}应{bound} {error.validator_value}，{_shown_case(inst, words)}", False)]
    if v in ("minItems", "minProperties"):
        return [(path, f"{name}至少应有 {error.validator_value} 项，实有 {len(inst)} 项", False)]
    if v == "minLength":
        return [(path, f"{name}不能为空", False)]
    if v == "uniqueItems":
        return [(path, f"{name}中有重复的项", False)]
    if v in ("oneOf", "anyOf"):
        return [(path, f"{name}的写法不对（应为{s.get('x-zh-oneOf') or desc or '允许的写法之一'}）", False)]
    return [(path, f"{name}不合要求（{desc or v}）", False)]


def problems(instance: Any, schema_name_or_doc, file: str, root: Any = None, prefix: tuple = (),
             chinese: bool = False, words: CaseWords | None = None) -> list[Problem]:
    """Every schema error of `instance`, located in `root` (the loaded YAML tree).

    `chinese`: the messages for policy files (officers'), each unknown key with a "did you mean", and no
    "expected one of the allowed shapes" where a more precise error was found below it. Otherwise the
    messages for case files, in Chinese too, each field named by `words.label`: one error per value (an
    impossible date is one error, not a pattern's and a format's), each at the value's own place (a missing
    field where it would stand: its empty cell in a sheet).
    """
    return [p for _, p in located(instance, schema_name_or_doc, file, root, prefix, chinese, words)]


def located(instance: Any, schema_name_or_doc, file: str, root: Any = None, prefix: tuple = (),
            chinese: bool = False, words: CaseWords | None = None) -> list[tuple[list, Problem]]:
    """As `problems`, each with the path (keys and indices) of what it is about."""
    kept = None
    if isinstance(schema_name_or_doc, str):
        # a file of the policy folder, checked once in a run: skipped when it passed before, unchanged; else
        # jsonschema checks it quicker than fastjsonschema compiles it (0.05 s against 0.16 s for a whole policy)
        kept = passed.digest(_schema_text(schema_name_or_doc), instance)
        if passed.seen(kept):
            return []
        v = _validator(schema_name_or_doc)
    elif passes_fast(instance, schema_name_or_doc):   # a case's record, one of thousands: compiled once
        return []
    else:
        v = validator_for(schema_name_or_doc)
    errors = sorted(v.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        passed.keep(kept)
        return []
    root = instance if root is None else root
    out: list[tuple[list, Problem]] = []
    if not chinese:
        said: dict[tuple, tuple[int, int]] = {}     # path → (index in `out` of what is said about it, its rank)
        for error in errors:
            rank = _RANK.get(error.validator, 4)
            for path, message, on_key in _case_messages(error, words or CaseWords(), tuple(prefix)):
                full = list(prefix) + path
                entry = (full, Problem(locate(root, full, file, key=on_key), path_text(full), message))
                if tuple(full) not in said:
                    said[tuple(full)] = (len(out), rank)
                    out.append(entry)
                elif rank < said[tuple(full)][1]:
                    index = said[tuple(full)][0]
                    out[index], said[tuple(full)] = entry, (index, rank)
        return out
    for error in _precise(errors):
        # propertyNames errors report the parent path; the bad key is the instance
        path, message = _message_zh(error)
        on_key = error.validator in ("propertyNames", "additionalProperties")
        if error.validator == "propertyNames":
            path = path + [error.instance]
        full = list(prefix) + path
        out.append((full, Problem(locate(root, full, file, key=on_key), path_text(full), message)))
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
            if spec.related is not None:    # computed over related records, never written in a case file
                continue
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
