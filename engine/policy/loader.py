"""Load a policy folder into the typed model, collecting every problem on the way.

`load_policy(dir)` never stops at the first error: each file is parsed and
schema-checked, each formula parsed, and all problems come back together
with file:line:col. Meaning-level checks (unknown names, clause texts, cycles)
are the next stage, engine/tools/validate.py.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from pathlib import Path
from typing import Any

from ..formula import expr

from . import decisiontypes, schemas
from .records import Records, check_records, read_records

from ..common import yamlio
from ..common.limits import MAX_PARAMETER
from .model import Attribute, Related, Tally, Clause, DatedValue, Decision, Derivation, FactKind, Interpretation, Money, Parameter, Policy, Rule, Scenarios
from ..common.problems import Problem
from ..common.locations import Location, YamlError, locate, plain, where
from ..common.words import cn_date

__all__ = ["PolicyLoadError", "FORMAT", "load_policy", "cited"]


class PolicyLoadError(Exception):
    """The policy could not be loaded at all; `problems` says why, each with its line."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _Files:
    """Reads the policy's files once, keeping raw text for the digest and trees for locating."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.raw: dict[str, bytes] = {}
        self.skipped: set[str] = set()   # rules, decisions, parameters, kinds left out for their shape (partial loads)
        self.unusable = False            # some file could not be used at all: no policy to check further

    def yaml(self, relative: str, schema_name: str, partial: int = 0) -> tuple[Any, str] | tuple[None, str]:
        """The file's tree, or None when it cannot be used. `partial`: the tree despite shape problems below
        its first `partial` levels, with `self.bad` holding their paths, so the entries that are fine are still checked."""
        self.bad: list[list] = []
        path = self.root / relative
        name = str(path)
        try:
            self.raw[relative] = yamlio.read_regular(path)   # a regular file within the size limit, never a FIFO
            tree = yamlio.load(path)                          # (read again: the tests memoise `load`)
        except (YamlError, OSError) as e:
            loc = e.location if isinstance(e, YamlError) else Location(name)
            self.problems.append(Problem(loc, "", e.message if isinstance(e, YamlError) else str(e)))
            self.unusable = True
            return None, name
        if not isinstance(tree, dict):
            found = "空文件" if tree is None else schemas.shown_zh(tree)
            self.problems.append(Problem(Location(name, 1, 1), "", f"文件顶层应为映射（键: 值），实为{found}"))
            self.unusable = True
            return None, name
        found = schemas.located(plain(tree), schema_name, name, tree, chinese=True)
        self.problems.extend(p for _, p in found)
        self.bad = [path for path, _ in found]
        if partial and all(len(path) >= partial for path in self.bad):
            return tree, name
        self.unusable = self.unusable or bool(found)
        return (None if found else tree), name

    def broken(self, *prefix) -> bool:
        """Has a shape problem at or below `prefix` (in the file read last)?"""
        return any(path[:len(prefix)] == list(prefix) for path in self.bad)


# The policy folder's file format. Raised when a file may now say what the engine used to assume, so that an
# older folder — an earlier git revision read by `diff` — is refused by name instead of read with a meaning
# it never had (format 2: facts.yaml `absent:`; before it, a blank 试用期 or 人员数 was read in code; format 3:
# records.yaml declares what a case holds; before it, the kinds of record and their fields were the engine's).
FORMAT = 3


def _format(manifest: dict, name: str) -> Problem | None:
    written = manifest.get("format")
    if written == FORMAT:
        return None
    said = "未写明文件格式（format）" if written is None else f"文件格式为 {written}"
    return Problem(locate(manifest, ["format"] if written is not None else [], name, key=True), "format",
                   f"此政策文件夹{said}，本程序读取格式 {FORMAT}：旧格式的文件夹不能按原意读取，请先按格式 {FORMAT} "
                   f"重述（做法见 docs/diff.md）后再比较（或写明 format: {FORMAT}）")


def load_policy(directory: str | Path, partial: bool = False) -> tuple[Policy | None, list[Problem]]:
    """The policy and every problem found while loading it (None if it cannot be built).

    `partial` (for `validate`): when only some rules, decisions, parameters or fact kinds are misshapen,
    the policy without them, `skipped` naming them, so the meaning of the rest is checked in the same run.
    """
    root = Path(directory)
    files = _Files(root)
    if not (root / "policy.yaml").exists():   # anything else there (a folder, a FIFO) is refused by name below
        return None, [Problem(Location(str(root / "policy.yaml")), "", "此文件夹中没有 policy.yaml（政策的清单文件）")]
    manifest, manifest_name = files.yaml("policy.yaml", "policy")
    if manifest is None:
        return None, files.problems
    wrong_format = _format(manifest, manifest_name)
    if wrong_format:
        return None, files.problems + [wrong_format]

    source_text = _read_source(root, manifest, manifest_name, files)
    clauses = _clauses(files, manifest["clauses"], source_text)
    vocabulary_tree, _ = files.yaml(manifest["vocabulary"], "vocabulary")
    interpretations = _interpretations(files, manifest["interpretations"])
    parameters: dict[str, Parameter] = {}
    for rel in manifest["parameters"]:
        _parameters(files, rel, parameters, partial)
    records = _records(files, manifest["records"], vocabulary_tree)
    kinds = _kinds(files, manifest["facts"], partial)
    decisions: dict[str, Decision] = {}
    for rel in manifest["rules"]:
        _decisions(files, rel, decisions, partial)
    appeals = _appeals(files, manifest["appeals"]) if manifest.get("appeals") else None
    notice = _notice(files, manifest["notice"]) if manifest.get("notice") else None
    if manifest.get("roster"):
        files.yaml(manifest["roster"], "roster")   # schema-checked and in the digest; spreadsheet.py reads it
    if manifest.get("analysis"):
        files.yaml(manifest["analysis"], "analysis")   # likewise; analyze.py reads it
    if manifest.get("generate"):
        files.yaml(manifest["generate"], "generate")   # likewise; tools/realism.py reads it

    failed = any(p.severity == "error" for p in files.problems)
    if (failed and (not partial or files.unusable)) or source_text is None or vocabulary_tree is None \
            or records is None:
        return None, files.problems
    digest = hashlib.sha256()
    for rel in sorted(files.raw):
        digest.update(rel.encode() + b"\0" + files.raw[rel] + b"\0")
    policy = Policy(
        id=manifest["id"], title=manifest["title"], document_number=manifest["document_number"],
        issuer=manifest["issuer"], issued_on=dt.date.fromisoformat(manifest["issued_on"]),
        version=manifest["version"], root=str(root), source_text=source_text, clauses=clauses,
        vocabulary=plain(vocabulary_tree), interpretations=interpretations, parameters=parameters,
        records=records, kinds=kinds, decisions=decisions, digest="sha256:" + digest.hexdigest(),
        tests_dir=str(root / manifest["tests"]) if manifest.get("tests") else None, appeals=appeals,
        keys_at=where(manifest, [], manifest_name), skipped=frozenset(files.skipped),
        incomplete=failed, roster=manifest.get("roster"), analysis=manifest.get("analysis"), demonstration=manifest.get("demonstration"),
        notice=notice, generate=manifest.get("generate"))
    return decisiontypes.typed(policy), files.problems


# --- pieces ------------------------------------------------------------------

def _read_source(root: Path, manifest, manifest_name: str, files: _Files) -> str | None:
    """The policy document's text; a problem at the `source:` key when it is no regular UTF-8 file within the
    size limit (/dev/zero would never end)."""
    try:
        raw = yamlio.read_regular(root / manifest["source"])
        text = raw.decode("utf-8")
    except (YamlError, UnicodeDecodeError) as e:
        why = e.message if isinstance(e, YamlError) else "不是 UTF-8 文本"
        files.problems.append(Problem(locate(manifest, ["source"], manifest_name), "source", f"无法读取文件原文 {manifest['source']}：{why}"))
        return None
    files.raw[manifest["source"]] = raw
    return text


def _clauses(files: _Files, rel: str, source_text: str | None) -> dict[str, Clause]:
    tree, name = files.yaml(rel, "clauses")
    if tree is None or source_text is None:
        return {}
    lines = source_text.splitlines()
    starts: list[tuple[int, str, str]] = []
    for ref, entry in tree["clauses"].items():
        hits = [i for i, line in enumerate(lines) if line.lstrip().startswith(entry["starts"])]
        if len(hits) != 1:
            why = "不是原文任何一行的开头" if not hits else f"是原文 {len(hits)} 行的开头（第 {'、'.join(str(h + 1) for h in hits)} 行）"
            files.problems.append(Problem(locate(tree, ["clauses", ref, "starts"], name), f"clauses.{ref}.starts",
                                          f"“{entry['starts']}”{why}；应为且仅为一行的开头"))
            files.unusable = True   # every reference to this clause would be reported too
            continue
        starts.append((hits[0], str(ref), entry["title"], entry.get("descriptive")))
    starts.sort()
    out = {}
    for n, (line, ref, title, descriptive) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        out[ref] = Clause(ref, title, line + 1, end, "\n".join(lines[line:end]).strip(), descriptive)
    return out


def _interpretations(files: _Files, rel: str) -> dict[str, Interpretation]:
    tree, name = files.yaml(rel, "interpretations")
    if tree is None:
        return {}
    return {k: Interpretation(k, v["reading"], v["basis"], locate(tree, [k], name), v.get("about"))
            for k, v in tree.items()}


def _notice(files: _Files, rel: str):
    """notice.yaml (optional): the office issuing letters and how to ask for review; meaning checked by validate."""
    from .notice import from_tree
    tree, name = files.yaml(rel, "notice")
    return None if tree is None else from_tree(tree, name)


def _appeals(files: _Files, rel: str):
    """appeals.yaml (optional): read, schema-checked and its date formulas parsed like every other file."""
    from .appeals import from_tree
    tree, name = files.yaml(rel, "appeals")
    if tree is None:
        return None
    return from_tree(tree, name, lambda path, text: _parse(files, tree, path, name, text))


def _parameters(files: _Files, rel: str, out: dict[str, Parameter], partial: bool = False) -> None:
    tree, name = files.yaml(rel, "parameters", partial=1 if partial else 0)
    if tree is None:
        return
    for pname, entry in tree.items():
        if files.broken(pname):
            files.skipped.add(str(pname))
            continue
        if pname in out:
            files.problems.append(Problem(locate(tree, [pname], name, key=True), pname,
                                          f"参数“{pname}”已在 {out[pname].location} 定义过"))
            continue
        values = []
        for since, dated in entry["values"].items():
            base = [pname, "values", since]
            value = None
            if dated is not None:
                value = _dated_leaves(plain(dated["value"]), entry.get("type") == "date",
                                      lambda path, why: files.problems.append(Problem(
                                          locate(tree, base + ["value", *path], name),
                                          schemas.path_text(base + ["value", *path]), why)))
            values.append(DatedValue(dt.date.fromisoformat(str(since)), value,
                                     None if dated is None else dated["clause"], locate(tree, base, name, key=True),
                                     None if dated is None else cited(dated.get("reference")), where(tree, base, name),
                                     None if dated is None else _day(dated.get("until"))))
            for path, leaf in ([] if dated is None else _leaves(value)):
                why = _number_problem(leaf, entry.get("unit"))
                if why:
                    at = base + ["value", *path]
                    files.problems.append(Problem(locate(tree, at, name), schemas.path_text(at), why))
        labels = {str(k): str(v) for k, v in (entry.get("labels") or {}).items()}
        for since, dated in entry["values"].items() if labels else ():   # labels name every word the parameter takes
            for path, leaf in ([] if dated is None else _leaves(dated["value"])):
                if isinstance(leaf, str) and leaf not in labels:
                    at = [pname, "values", since, "value", *path]
                    files.problems.append(Problem(locate(tree, at, name), schemas.path_text(at),
                                                  f"取值“{leaf}”在 labels 中没有说法（已有：{'、'.join(labels)}）"))
        out[pname] = Parameter(pname, entry["label"], entry.get("unit"), tuple(entry.get("interpretations") or ()),
                               tuple(sorted(values, key=lambda d: d.since)), locate(tree, [pname], name, key=True),
                               where(tree, [pname], name), labels, entry.get("type"), _day(entry.get("until")))


def _day(text) -> dt.date | None:
    """A date the schema has checked (`until:`, a reference's `date:`); None when not written (or not a date)."""
    try:
        return None if text is None else dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def cited(reference) -> str | None:
    """A `reference:` as explanations cite it: a 文号 as written; a source without one (a mapping of its issuer,
    title and date) as 国务院《2025年政府工作报告》（2025年3月5日）."""
    if not isinstance(reference, dict):
        return None if reference is None else str(reference)
    day = _day(reference.get("date"))
    return f"{reference.get('issuer', '')}《{reference.get('title', '')}》" + (f"（{cn_date(day)}）" if day else "")


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _dated_leaves(value, declared: bool, problem, path=()):
    """A parameter's value with its dates as dates: every leaf written YYYY-MM-DD (every leaf, under `type:
    date`); `problem(path, why)` for a leaf that is no real date, or no date where `type: date` needs one."""
    if isinstance(value, dict):
        return {k: _dated_leaves(v, declared, problem, path + (k,)) for k, v in value.items()}
    if isinstance(value, list):
        return [_dated_leaves(v, declared, problem, path + (i,)) for i, v in enumerate(value)]
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            problem(path, f"应为真实存在的日期 YYYY-MM-DD，实为{schemas.shown_zh(value)}")
            return value
    if declared:
        problem(path, f"参数写明 type: date，取值应为日期 YYYY-MM-DD（如 2025-12-31），实为{schemas.shown_zh(value)}")
    return value


def _leaves(value, path=()):
    """(path, value) of every leaf of a parameter's value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))
    else:
        yield path, value


def _number_problem(value, unit: str | None) -> str | None:
    """Why a parameter leaf cannot be used (None when it can): with a unit it is an amount, a count or a ratio,
    so a number; any number is finite and within ±MAX_PARAMETER, so that every later stage (the engine's exact
    comparisons, analyze's neighbouring values, sums over months and people) computes with it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"应为数（{unit}），实为{schemas.shown_zh(value)}" if unit else None
    if isinstance(value, float) and math.isnan(value):
        return "参数值应为有限的数，实为 NaN（非数）"
    if isinstance(value, float) and math.isinf(value):
        return f"参数值应为有限的数，实为{'负' if value < 0 else ''}无穷大（数太大？）"
    if abs(value) > MAX_PARAMETER:
        shown = f"{value:.3g}" if isinstance(value, float) else f"一个 {_digits(value)} 位的整数"
        return f"参数值的绝对值应不超过 10^{len(str(MAX_PARAMETER)) - 1}（政策中的金额、人数与比例远小于此），实为{shown}"
    return None


def _digits(value: int) -> str:
    try:
        return str(len(str(abs(value))))
    except ValueError:    # beyond Python's conversion limit (the YAML reader refuses such numbers before this)
        return f"约 {int(value.bit_length() * 0.30103)}"


def _parse(files: _Files, tree, path: list, name: str, text) -> Any:
    try:
        return expr.parse(text)
    except expr.ExprError as e:
        loc = locate(tree, path, name)
        # point inside a one-line formula; folded (>-) text keeps the line of its start
        col = (loc.col or 1) + e.pos if isinstance(text, str) and "\n" not in text and loc.col else loc.col
        files.problems.append(Problem(Location(loc.file, loc.line, col), schemas.path_text(path),
                                      f"无法解析：{e.reason}（公式第 {e.pos + 1} 个字符处）"))
        return None


def _records(files: _Files, rel: str, vocabulary_tree) -> Records | None:
    tree, name = files.yaml(rel, "records")
    if tree is None:
        return None
    records = read_records(plain(tree), name)
    found = check_records(records, plain(vocabulary_tree) if isinstance(vocabulary_tree, dict) else {}, tree, name)
    files.problems.extend(found)
    return None if found else records


def _related(spec: dict | None) -> Related | None:
    if not spec:
        return None
    how = next(h for h in ("count", "sum", "mean", "min", "max") if h in spec)
    return Related(spec["of"], spec["via"], how, None if how == "count" else spec[how], spec.get("where"))


def _kinds(files: _Files, rel: str, partial: bool = False) -> dict[str, FactKind]:
    tree, name = files.yaml(rel, "facts", partial=2 if partial else 0)
    if tree is None:
        return {}
    out = {}
    for kname, entry in tree["kinds"].items():
        if files.broken("kinds", kname):
            files.skipped.add(str(kname))
            continue
        attributes = {a: Attribute(a, spec["label"], spec["type"], tuple(spec.get("interpretations") or ()),
                                   spec.get("unit"), dict(spec.get("fields") or {}),
                                   tuple(spec["from"].split(".")) if spec.get("from") else (), spec.get("absent"),
                                   None if spec.get("count") is None else str(spec["count"]),
                                   None if spec.get("run") is None else str(spec["run"]), bool(spec.get("period")),
                                   spec.get("note"), spec.get("total"), _related(spec.get("related")), spec.get("clause"))
                      for a, spec in (entry.get("attributes") or {}).items()}
        tally = entry.get("tally")
        derived = []
        for dname, spec in (entry.get("derived") or {}).items():
            ast = _parse(files, tree, ["kinds", kname, "derived", dname, "formula"], name, spec["formula"])
            at = ["kinds", kname, "derived", dname]
            derived.append(Derivation(dname, spec["label"], spec["formula"], ast, spec.get("clause"),
                                      tuple(spec.get("interpretations") or ()), locate(tree, at, name, key=True),
                                      spec.get("unit"), where(tree, at, name)))
        out[kname] = FactKind(kname, entry["label"], attributes, tuple(derived), locate(tree, ["kinds", kname], name, key=True),
                              dict(entry.get("shown") or {}), where(tree, ["kinds", kname], name),
                              Tally(tally["of"], tally["months"], tally["per"], tally.get("year"), tally.get("requires"))
                              if tally else None)
    return out


def _decisions(files: _Files, rel: str, out: dict[str, Decision], partial: bool = False) -> None:
    tree, name = files.yaml(rel, "rules", partial=2 if partial else 0)
    if tree is None:
        return
    for dname, entry in tree["decisions"].items():
        base = ["decisions", dname]
        rules_ok = isinstance(entry.get("rules"), list) and not any(
            path[:len(base) + 1] == base + ["rules"] and len(path) <= len(base) + 1 for path in files.bad)
        if files.broken(*base) and not (rules_ok and all(path[:len(base) + 1] == base + ["rules"] for path in files.bad
                                                          if path[:len(base)] == base)):
            files.skipped.add(str(dname))   # the decision itself is misshapen: its rules cannot be read as such
            files.skipped.update(str(r.get("id")) for r in entry.get("rules") or () if isinstance(r, dict))
            continue
        if dname in out:
            files.problems.append(Problem(locate(tree, base, name, key=True), dname, f"决定“{dname}”已在 {out[dname].location} 定义过"))
            continue
        rules = []
        for i, spec in enumerate(entry["rules"]):
            at = base + ["rules", i]
            if files.broken(*at):
                files.skipped.add(str(spec.get("id")) if isinstance(spec, dict) else f"{dname}[{i}]")
                continue
            when_text = "true" if spec.get("otherwise") else spec["when"]
            when = _parse(files, tree, at + ["when"], name, when_text)
            compute = _parse(files, tree, at + ["compute"], name, spec["compute"]) if "compute" in spec else None
            rules.append(Rule(
                id=spec["id"], title=spec["title"], decision=dname, clause=spec["clause"], text=spec["text"],
                when=when, when_text=str(when_text).strip() if not isinstance(when_text, bool) else str(when_text).lower(),
                then=plain(spec.get("then")), has_then="then" in spec,
                compute=compute, compute_text=spec.get("compute"), otherwise=bool(spec.get("otherwise")),
                overrides=tuple(spec.get("overrides") or ()), blocks=tuple(spec.get("blocks") or ()),
                interpretations=tuple(spec.get("interpretations") or ()), location=locate(tree, at, name),
                keys_at=where(tree, at, name)))
        applies = _parse(files, tree, base + ["applies_when"], name, entry["applies_when"]) if "applies_when" in entry else None
        sc = entry.get("scenarios")
        scenarios = None if sc is None else Scenarios(
            sc["undecided"], sc["possible"], sc.get("possible_label", sc["possible"]), tuple(sc["order"]),
            sc["clause"], sc["text"], tuple(sc.get("interpretations") or ()))
        out[dname] = Decision(
            name=dname, label=entry["label"], of=entry["of"], subject=entry.get("subject", entry["of"]),
            hit=entry["hit"], values=tuple(plain(entry["values"])) if "values" in entry else None,
            applies_when=applies, rules=tuple(rules), scenarios=scenarios,
            interpretations=tuple(entry.get("interpretations") or ()), section=tree["section"],
            location=locate(tree, base, name, key=True), keys_at=where(tree, base, name),
            money=Money(**entry["money"]) if "money" in entry else None,
            favourable=tuple(plain(entry["favourable"])) if "favourable" in entry else None,
            type=entry.get("type"), type_declared="type" in entry)
