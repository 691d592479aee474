"""Meaning-level checks of a loaded policy; every problem at once, each at the key it is about, in Chinese.

The loader has already checked shapes (JSON Schema) and parsed formulas. Here:
names a rule reads exist (as facts of its kind, or as decisions), parameters
exist on every date they are used, clause references resolve and each rule's
text stands verbatim in its clause (else: where it departs), every number a
parameter gives stands in the words of its clause (or the dated value names
the document that amended it), interpretations named exist, exceptions point
at rules of the same decision, decisions do not read each other in a cycle (a
cycle could chain without end), no fact kind takes a name the engine uses,
every value is of the type its decision or formula needs (typecheck.py: a
`then: 零` for an amount, a date compared with a parameter of numbers), the
tests folder exists, and every rule can fire at all.

Messages are for officers: Chinese, identifiers as written, "您是否想输入 …"
wherever a name is expected. `CHECKS` lists the checks (README, `--format json`).
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from fractions import Fraction
from pathlib import Path

from ..policy import appeals, notice
from . import typecheck

from ..formula import expr
from ..pipeline.compiler import CompileError, compile_period, effective_condition
from ..formula.functions import FUNCTIONS, ON_RECORDS, ROLES
from ..policy.model import RESERVED_KINDS, DatedValue, Policy
from ..common.problems import Problem
from ..policy.params import ParamView, change_days
from ..common.locations import Location
from ..common.words import near
from ..policy.loader import PolicyLoadError, load_policy

__all__ = ["CHECKS", "problems_of", "check", "clause_contains", "inside", "departure", "in_words",
           "load_or_raise"]
CHECKS = (
    "yaml-syntax", "yaml-size", "schema-shape", "unknown-key", "finite-number", "formula-syntax", "formula-depth",
    "clause-starts", "unknown-clause", "verbatim-text", "parameter-numbers-in-clause", "unknown-interpretation",
    "unknown-function", "unknown-name", "unknown-parameter", "parameter-on-every-date", "parameter-until", "unknown-kind",
    "reserved-kind", "duplicate-rule-id", "overrides-same-decision", "priority-values", "value-in-values",
    "no-functions-in-rules", "decision-subject", "decision-cycle", "compiles", "tests-folder",
    "assumes-decided", "unreachable-rule", "roster-layout", "analysis-hints", "decision-marks", "value-types",
    "notice-wording", "notice-to-confirm", "generate-plan",
)


def problems_of(directory) -> tuple[Policy | None, list[Problem]]:
    """What `run.py validate` reports: every problem of the folder, loading what loads (a partial load) so the
    mistakes of the rest are found in the same run; the policy when it loaded whole."""
    policy, problems = load_policy(directory, partial=True)
    if policy is not None:
        problems = problems + check(policy)
    return (None if policy is None or policy.incomplete else policy), problems


def check(policy: Policy, warnings: bool = True) -> list[Problem]:
    """Every problem of the loaded folder. `warnings=False`: without the checks that can only warn (generate.yaml's
    test data, what the issuing office must confirm), for a command that only needs to know whether it may decide."""
    out: list[Problem] = []
    out += _tests_folder(policy)
    out += _kinds(policy)
    out += _clauses(policy)
    out += _numbers(policy)
    out += _until(policy)
    out += _interpretations(policy)
    out += _derivations(policy)
    out += _decisions(policy)
    out += typecheck.problems(policy, inside)
    out += appeals.problems(policy)
    said = notice.problems(policy)
    out += [p for p in said if p.severity == "error"]
    out += _roster(policy)
    out += _analysis(policy)
    out += _generation(policy) if warnings else []
    out += _marks(policy)
    if policy.skipped:   # a partial load: what names a left-out entry follows from its shape problem, said already
        out = [p for p in out if not any(f"“{n}”" in p.message or f"“param.{n}" in p.message for n in policy.skipped)]
    if not policy.incomplete and not any(p.severity == "error" for p in out):
        out += _compiles(policy)
        # what the issuing office must still confirm: a reminder once the folder is otherwise sound
        out += [p for p in said if p.severity == "warning"] if warnings else []
    return out


def _roster(policy: Policy) -> list[Problem]:
    """roster.yaml against the rest of the policy (its sheets, headers, fields): what a spreadsheet read would say."""
    if not policy.roster:
        return []
    from ..casefiles import spreadsheet
    try:
        spreadsheet.load_layout(policy)
    except spreadsheet.ReadError as e:
        return [Problem(p.location, "roster", p.message) for p in e.problems]
    return []


def _analysis(policy: Policy) -> list[Problem]:
    """analysis.yaml against the rest of the policy: what run.py analyze would refuse."""
    from . import analyze
    return analyze.hint_problems(policy)


def _generation(policy: Policy) -> list[Problem]:
    """generate.yaml against the rest of the policy (kinds, fields, words, parameters): what generate would refuse.
    Warnings: the file is test data, so an amendment that drops a word it names stops `generate` (exit 2, the same
    messages), never the policy's deciding."""
    from . import realism
    return [Problem(p.location, p.path, p.message, "warning") for p in realism.plan_problems(policy)]


def _marks(policy: Policy) -> list[Problem]:
    """`favourable:` values the decision can give; at most one `money: {total: true}` (the budget's sum)."""
    out = []
    for d in policy.decisions.values():
        for value in d.favourable or ():
            if d.values is not None and value not in d.values:
                out.append(Problem(d.location, f"{d.name}.favourable",
                                   f"有利的值“{value}”不是“{d.label}”可取的值（可取：{'、'.join(map(str, d.values))}）"))
    totals = [d for d in policy.decisions.values() if d.money and d.money.total]
    for d in totals[1:]:
        out.append(Problem(d.location, f"{d.name}.money.total", f"只能有一项判定作为预算合计（money.total），"
                                                                 f"“{totals[0].label}”已是"))
    return out


def clause_contains(policy: Policy, ref: str, text: str) -> bool:
    """Is `text` verbatim in clause `ref` (its own paragraphs or those of its sub-clauses)?"""
    return any(text in c.text for c in _clause_texts(policy, ref))


def _clause_texts(policy: Policy, ref: str):
    return [c for r, c in policy.clauses.items() if r == ref or r.startswith(ref)]


# --- where in the file -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _lines(file: str) -> tuple[str, ...]:
    try:
        return tuple(Path(file).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def inside(loc: Location, needle: str, start: int = 0) -> Location:
    """The column of `needle` in the value written at `loc` (a name in a formula, a character of a text):
    searched from the value's start over the lines it may span; `loc` itself when not found there."""
    lines = _lines(loc.file)
    if loc.line is None or not needle or loc.line > len(lines):
        return loc
    first = loc.line - 1
    for n in range(first, min(len(lines), first + 8)):
        line = lines[n]
        begin = (loc.col or 1) - 1 if n == first else 0
        pattern = re.escape(needle)
        if re.fullmatch(r"[A-Za-z_][\w.]*", needle):
            pattern = r"(?<![\w.])" + pattern + r"(?![\w])"
        elif re.fullmatch(r"-?\d+(\.\d+)?", needle):   # a number, not the digits of a longer one
            pattern = r"(?<![\w.])" + pattern + r"(?![\w]|\.\d)"
        m = re.compile(pattern).search(line, begin)
        if m and (n > first or m.start() >= begin + start):
            return Location(loc.file, n + 1, m.start() + 1)
        if n > first and re.match(r"\s*(-\s+)?[A-Za-z_]+:", line):
            break   # the next key: the value ended
    return loc


# --- checks ----------------------------------------------------------------------------------------------

def _tests_folder(policy: Policy) -> list[Problem]:
    if policy.tests_dir and not Path(policy.tests_dir).is_dir():
        return [Problem(policy.keys_at.get("tests", Location(str(Path(policy.root) / "policy.yaml"))), "tests",
                        f"测试文件夹“{Path(policy.tests_dir).name}”不存在（policy.yaml 的 tests 所指）")]
    return []


def _kinds(policy: Policy) -> list[Problem]:
    out = [Problem(kind.location, f"kinds.{kind.name}",
                   f"事实种类不能叫“{kind.name}”：引擎内部用这个名称记录结论，请换一个名称")
           for kind in policy.kinds.values() if kind.name in RESERVED_KINDS]
    for kind in policy.kinds.values():
        for attribute in kind.attributes.values():
            counted = (attribute.absent or {}).get("count")
            if not counted:
                continue
            other, _, name = counted.partition(".")
            path = f"attributes.{attribute.name}.absent.count"
            fields = policy.kinds[other].attributes if other in policy.kinds else {}
            kinds = policy.records.kinds
            if other not in kinds:
                message = f"“{other}”不是案例中记录的类别（{'、'.join(kinds)}，见 records.yaml）{near(other, kinds)}"
            elif name not in fields:
                message = f"事实种类“{other}”没有输入字段“{name}”{near(name, fields)}"
            else:
                continue
            out.append(Problem(kind.where(path), f"kinds.{kind.name}.{path}", message))
    for kind in policy.kinds.values():
        out += _tally(policy, kind) if kind.tally else []
        for attribute in kind.attributes.values():
            out += _related(policy, kind, attribute) if attribute.related else []
    return out


def _related(policy: Policy, kind, attribute) -> list[Problem]:
    """`related:` names a kind of record with a relation to this one and attributes of its facts; the two kinds do
    not compute over each other (the order facts are made in could not hold)."""
    spec, records, key = attribute.related, policy.records, f"attributes.{attribute.name}.related"

    def problem(message: str) -> list[Problem]:
        return [Problem(kind.where(key), f"kinds.{kind.name}.{key}", message)]
    if spec.of not in records.kinds or spec.of not in policy.kinds:
        return problem(f"related.of “{spec.of}”不是有事实的记录类别（records.yaml 与 facts.yaml 中都应有）"
                       f"{near(spec.of, records.kinds)}")
    other = records.kinds[spec.of]
    if other.refs.get(spec.via) != kind.name:
        named = [f for f, to in other.refs.items() if to == kind.name]
        return problem(f"related.via “{spec.via}”不是{other.label}指向{kind.label}的字段"
                       + (f"（可用：{'、'.join(named)}）" if named else f"（records.yaml 中应有 type: ref, to: {kind.name}）"))
    theirs = policy.kinds[spec.of]
    own = set(theirs.attributes) | {d.name for d in theirs.derived}
    for name in (spec.attribute, spec.where):
        if name is not None and name not in own:
            return problem(f"“{name}”不是{theirs.label}的事实属性{near(name, own)}")
    if any(a.related and a.related.of == kind.name for a in theirs.attributes.values()):
        return problem(f"{kind.label}与{theirs.label}相互汇总对方的记录，无法确定先算哪一类")
    return []


def _tally(policy: Policy, kind) -> list[Problem]:
    """A tally names a kind of record, a by-month field of it (or of a kind naming it), the case's year field, and
    words of that field's vocabulary; what it copies is the subject's."""
    tally, records, out = kind.tally, policy.records, []

    def problem(key: str, message: str) -> None:
        out.append(Problem(kind.where(key), f"kinds.{kind.name}.{key}", message))
    if tally.of not in records.kinds:
        problem("tally", f"tally.of “{tally.of}”不是 records.yaml 中的记录类别{near(tally.of, records.kinds)}")
        return out
    owner, field_name = tally.related or (tally.of, tally.months)
    if owner not in records.kinds:
        problem("tally", f"tally.months “{tally.months}”：“{owner}”不是 records.yaml 中的记录类别{near(owner, records.kinds)}")
        return out
    if tally.related and tally.of not in records.kinds[owner].refs.values():
        problem("tally", f"tally.months “{tally.months}”：{records.kinds[owner].label}的记录没有指向"
                         f"{records.kinds[tally.of].label}的字段（records.yaml 中 type: ref, to: {tally.of}）")
    declared = records.kinds[owner].fields.get(field_name)
    if declared is None or declared.type != "by_month":
        problem("tally", f"tally.months “{tally.months}”不是{records.kinds[owner].label}按月份的字段（type: by_month）"
                         f"{near(field_name, [n for n, f in records.kinds[owner].fields.items() if f.type == 'by_month'])}")
        return out
    if tally.year and (tally.year not in records.case_fields or records.case_fields[tally.year].type != "year"):
        problem("tally", f"tally.year “{tally.year}”不是案例的年份字段（records.yaml case.fields 中 type: year）")
    if tally.requires and tally.requires not in records.kinds[tally.of].fields:
        problem("tally", f"tally.requires “{tally.requires}”不是{records.kinds[tally.of].label}的字段"
                         f"{near(tally.requires, records.kinds[tally.of].fields)}")
    vocabulary = policy.vocabulary.get(declared.values.vocabulary if declared.values else "") or {}
    words = [str(w) for w in vocabulary.get("values") or []]
    subject = policy.kinds.get(tally.of)
    own = set(subject.attributes) | {d.name for d in subject.derived} if subject else set()
    for a in kind.attributes.values():
        for role, word in (("count", a.count), ("run", a.run)):
            if word is not None and word != "*" and words and word not in words:
                problem(f"attributes.{a.name}.{role}", f"“{word}”不是词表“{vocabulary.get('label', '')}”中的词"
                                                       f"（{'、'.join(words)}）{near(word, words)}")
        if a.total and declared.values is not None and declared.values.type not in ("count", "number"):
            problem(f"attributes.{a.name}.total", f"{declared.label}的值不是数（type: count 或 number），无法求{a.total}")
        copied = a.count is None and a.run is None and a.total is None and not a.period
        if copied and a.name not in own and a.name not in records.case_fields and a.name != "as_of":
            problem(f"attributes.{a.name}", f"“{a.name}”不计数，应取自{records.kinds[tally.of].label}的事实，"
                                            f"但 facts.yaml 的 {tally.of} 没有这一项{near(a.name, own)}")
    return out


def _clauses(policy: Policy) -> list[Problem]:
    out = []

    def need(ref, location, path):
        if ref is not None and ref not in policy.clauses:
            out.append(Problem(location, path, f"未知的条款“{ref}”{near(ref, policy.clauses)}"))
            return False
        return True
    for p in policy.parameters.values():
        for dated in p.values:
            need(dated.clause, dated.where("clause"), f"{p.name}.values.{dated.since}.clause")
    for kind in policy.kinds.values():
        for d in kind.derived:
            need(d.clause, d.where("clause"), f"{kind.name}.{d.name}.clause")
    for decision in policy.decisions.values():
        for rule in decision.rules:
            if need(rule.clause, rule.where("clause"), f"{rule.id}.clause") and not clause_contains(policy, rule.clause, rule.text):
                loc, message = departure(policy, rule.clause, rule.text, rule.where("text"))
                out.append(Problem(loc, f"{rule.id}.text", message))
        sc = decision.scenarios
        if sc and need(sc.clause, decision.where("scenarios.clause"), f"{decision.name}.scenarios.clause") \
                and not clause_contains(policy, sc.clause, sc.text):
            loc, message = departure(policy, sc.clause, sc.text, decision.where("scenarios.text"))
            out.append(Problem(loc, f"{decision.name}.scenarios.text", message))
    return out


def _char(c: str) -> str:
    """A character an officer can tell from its look-alike: “，”（全角逗号 U+FF0C）."""
    name = {",": "半角逗号", "，": "全角逗号", ".": "半角句点", "。": "句号", ":": "半角冒号", "：": "全角冒号",
            ";": "半角分号", "；": "全角分号", "(": "半角括号", "（": "全角括号", ")": "半角括号", "）": "全角括号",
            " ": "空格", "\u3000": "全角空格", '"': "半角引号", "“": "左引号", "”": "右引号", "、": "顿号"}.get(c)
    if name is None and not c.isprintable():
        name = unicodedata.name(c, "控制字符")
    return f"“{c}”（{name + ' ' if name else ''}U+{ord(c):04X}）"


def departure(policy: Policy, ref: str, text: str, loc: Location) -> tuple[Location, str]:
    """Where a quoted text departs from its clause: the longest stretch of it that the clause holds from
    its start, and the first character after that, in context; located at that character when we can."""
    best, where, source = 0, 0, ""
    for c in _clause_texts(policy, ref):
        for i in range(len(c.text)):
            if c.text[i] != text[0]:
                continue
            n = 0
            while n < len(text) and i + n < len(c.text) and c.text[i + n] == text[n]:
                n += 1
            if n > best:
                best, where, source = n, i, c.text
    head = f"条款 {ref} 的原文中找不到这段文字（须逐字引用）：“{text if len(text) <= 40 else text[:40] + '…'}”"
    if best == 0:
        return loc, head + "；它的第一个字就不在该条款中，是引错了条款吗？" + _other_clause(policy, ref, text)
    got = text[best] if best < len(text) else ""
    want = source[where + best] if where + best < len(source) else ""
    context = text[max(0, best - 8):best]
    said = f"第 {best + 1} 个字起与原文不同：“…{context}”之后，这里写的是{_char(got)}，原文是" + \
        (f"{_char(want)}（原文：“…{source[max(0, where + best - 8):where + best + 8]}…”）" if want else "条款的结尾")
    at = inside(loc, context + got) if context + got else loc
    if at is not loc:
        at = Location(at.file, at.line, (at.col or 1) + len(context))
    return at, f"{head}；{said}"


def _other_clause(policy: Policy, ref: str, text: str) -> str:
    found = [r for r, c in policy.clauses.items() if text in c.text and not r.startswith(ref)]
    return f"这段文字在条款 {found[0]} 中" if found else ""


# --- numbers a parameter gives, in the words of its clause --------------------------------------------------

_CN_DIGITS = {0: "零〇", 1: "一壹", 2: "二两贰", 3: "三叁", 4: "四肆", 5: "五伍", 6: "六陆", 7: "七柒", 8: "八捌", 9: "九玖",
              10: "十拾"}


def _spellings(n) -> list[str]:
    """How the document may write the number `n`: 150, 150.0, 20% (for 0.2), 两 / 二 (for 2), 十 (10)."""
    out = []
    q = Fraction(str(n)) if isinstance(n, float) else Fraction(n)
    if q.denominator == 1:
        out.append(str(q.numerator))
        out += list(_CN_DIGITS.get(q.numerator, ""))
    else:
        out.append(format(float(q), "g"))
    pct = q * 100
    if pct.denominator == 1:
        out.append(f"{pct.numerator}%")
        out.append(f"{pct.numerator}％")
    return out


def in_words(n, words: str) -> bool:
    """Does the number `n` stand in `words` (as digits not part of a longer number, a percentage, a numeral)?"""
    for s in _spellings(n):
        if s.isdigit() or "." in s:
            if re.search(r"(?<![\d.])" + re.escape(s) + r"(?![\d]|\.\d)", words):
                return True
        elif s in words:
            return True
    return False


def _leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, path + (str(k),))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))
    else:
        yield path, value


def _leaf_key(path) -> str:
    text = "value"
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text


def _numbers(policy: Policy) -> list[Problem]:
    """A number the document does not say is a typo or an amendment: the latter must name its document."""
    out = []
    for p in policy.parameters.values():
        for dated in p.values:
            if dated.value is None or dated.reference or dated.clause not in policy.clauses or p.type == "date":
                continue   # (a date parameter's value is a date: loading says so when it is a number)
            words = "\n".join(c.text for c in _clause_texts(policy, dated.clause))
            for path, leaf in _leaves(dated.value):
                if isinstance(leaf, bool) or not isinstance(leaf, (int, float)) or not math.isfinite(leaf) \
                        or in_words(leaf, words):
                    continue
                out.append(Problem(_leaf_where(dated, path), f"{p.name}.values.{dated.since}.{_leaf_key(path)}",
                                   f"参数“{p.label}”（{p.name}）自 {dated.since} 起的值 {expr.format_number(leaf)} 不见于所引条款 "
                                   f"{dated.clause} 的原文；是笔误吗？若此值由后来的文件修改，请在该日期下写明 "
                                   f"reference: 该文件的文号（如 某政办发〔2025〕3号 第二条），没有文号的来源写明 "
                                   f"{{issuer: 发文机关, title: 标题, date: YYYY-MM-DD}}"))
    return out


def _until(policy: Policy) -> list[Problem]:
    """`until:` (the last day a value applies) is not before the value's first day, and ends it before the next
    value starts (else the next one has replaced it and the `until` says nothing)."""
    out = []
    for p in policy.parameters.values():
        for i, dated in enumerate(p.values):
            if dated.until is None:
                continue
            path = f"{p.name}.values.{dated.since}.until"
            later = p.values[i + 1] if i + 1 < len(p.values) else None
            if dated.until < dated.since:
                out.append(Problem(dated.where("until"), path,
                                   f"参数“{p.label}”自 {dated.since} 起的值写明 until {dated.until}，早于其起始日 "
                                   f"{dated.since}：此值未及适用即已失效；until 应为此值最后适用的一天，不早于 {dated.since}"))
            elif later is not None and dated.until >= later.since:
                out.append(Problem(dated.where("until"), path,
                                   f"参数“{p.label}”自 {dated.since} 起的值写明 until {dated.until}，不早于下一个取值的起始日 "
                                   f"{later.since}：自 {later.since} 起已由下一个取值取代；until 应早于 {later.since}，或删去"))
        if p.until is not None and p.until < p.values[-1].since:
            out.append(Problem(p.where("until"), f"{p.name}.until",
                               f"参数“{p.label}”写明 until {p.until}，早于其最后一个取值的起始日 {p.values[-1].since}："
                               f"该值未及适用即已失效；参数的 until 应不早于 {p.values[-1].since}"))
    return out


def _leaf_where(dated: DatedValue, path) -> Location:
    return dated.keys_at.get(_leaf_key(path)) or dated.where("value")


# --- names ---------------------------------------------------------------------------------------------

def _interpretations(policy: Policy) -> list[Problem]:
    out = []

    def need(names, owner, key, path):
        for i, n in enumerate(names):
            if n not in policy.interpretations:
                loc = owner.keys_at.get(f"{key}[{i}]") or owner.where(key)
                out.append(Problem(loc, path, f"未知的解释“{n}”{near(n, policy.interpretations)}"))
    for p in policy.parameters.values():
        need(p.interpretations, p, "interpretations", f"{p.name}.interpretations")
    for kind in policy.kinds.values():
        for a in kind.attributes.values():
            need(a.interpretations, kind, f"attributes.{a.name}.interpretations", f"{kind.name}.{a.name}.interpretations")
        for d in kind.derived:
            need(d.interpretations, d, "interpretations", f"{kind.name}.{d.name}.interpretations")
    for decision in policy.decisions.values():
        need(decision.interpretations, decision, "interpretations", f"{decision.name}.interpretations")
        if decision.scenarios:
            need(decision.scenarios.interpretations, decision, "scenarios.interpretations",
                 f"{decision.name}.scenarios.interpretations")
        for rule in decision.rules:
            need(rule.interpretations, rule, "interpretations", f"{rule.id}.interpretations")
    return out


def _days(policy: Policy) -> list:
    return change_days(policy)


def _params_exist(policy: Policy, node, location, path) -> list[Problem]:
    out = []
    for name in expr.params(node):
        for day in _days(policy):
            view = ParamView(policy, day)
            try:
                parameter, keys = view.split(name)
            except KeyError:
                head = name.split(".")[0]
                out.append(Problem(inside(location, f"param.{name}"), path,
                                   f"未知的参数“param.{name}”{near(head, policy.parameters)}"))
                break
            if parameter.at(day) is None:
                continue
            try:
                view.lookup(name)
            except KeyError as e:
                missing, keys = _missing_key(parameter.at(day).value, keys)
                out.append(Problem(inside(location, f"param.{name}"), path,
                                   f"“param.{name}”（{day} 起）：{e.args[0]}{near(missing, keys)}"))
                break
    return out


def _missing_key(value, keys: tuple) -> tuple[str, list[str]]:
    """The first of `keys` the parameter's value lacks, and the keys it has at that level."""
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return key, [str(k) for k in value] if isinstance(value, dict) else []
        value = value[key]
    return "", []


def _derivations(policy: Policy) -> list[Problem]:
    out = []
    for kind in policy.kinds.values():
        known = set(kind.attributes)
        for d in kind.derived:
            if d.ast is None:
                continue
            path = f"kinds.{kind.name}.derived.{d.name}.formula"
            formula = d.where("formula")
            for fn in expr.calls(d.ast):
                if fn not in FUNCTIONS:
                    out.append(Problem(inside(formula, fn), path, f"未知的函数“{fn}”" + (
                        near(fn, FUNCTIONS) or f"；可用的函数：{'、'.join(sorted(FUNCTIONS))}")))
            out += _read_by_role(policy, kind, d.ast, formula, path)
            for n in expr.names(d.ast):
                if n.split(".")[0] not in known:
                    later = "（它在后面才推导：请把它移到前面）" if any(x.name == n for x in kind.derived) else ""
                    out.append(Problem(inside(formula, n), path, f"未知的名称“{n}”{later or near(n, known)}"))
            out += _params_exist(policy, d.ast, formula, path)
            known.add(d.name)
    return out


def _read_by_role(policy: Policy, kind, node, formula: Location, path: str) -> list[Problem]:
    """A certificate function reads its nested records by role: its first argument must be such records whose
    roles records.yaml declares (or their shape says, `Field.roles`)."""
    out = []
    roles = policy.records.roles(kind.name)
    for call in (n for n in expr.walk(node) if isinstance(n, expr.Call) and n.func in ON_RECORDS and n.args):
        first = call.args[0]
        attribute = kind.attributes.get(first.name) if isinstance(first, expr.Name) else None
        if attribute is not None and (attribute.source or (attribute.name,)) not in roles:
            out.append(Problem(inside(formula, first.name), path,
                               f"{call.func} 按角色读“{first.name}”的子记录（{'、'.join(ROLES)}）：请在 records.yaml "
                               f"中为该字段写明 roles，如 roles: {{kind: 类别字段, grade: 等级字段, held_from: 日期字段}}"))
    return out


def _decisions(policy: Policy) -> list[Problem]:
    out = []
    rule_ids: dict[str, str] = {}
    reads: dict[str, set[str]] = {}
    for decision in policy.decisions.values():
        for kind_name, what in ((decision.of, "of"), (decision.subject, "subject")):
            if what == "subject" and "subject" not in decision.keys_at:
                continue   # not written: it is `of`, reported once
            if kind_name not in policy.kinds:
                out.append(Problem(decision.where(what), f"{decision.name}.{what}",
                                   f"未知的事实种类“{kind_name}”{near(kind_name, policy.kinds)}"))
        if decision.of not in policy.kinds:
            continue
        kind = policy.kinds[decision.of]
        ids = {r.id for r in decision.rules}
        reads[decision.name] = set()
        if decision.hit == "priority" and not decision.values:
            out.append(Problem(decision.where("hit"), f"{decision.name}.values", "hit: priority 需要按优先顺序列出 values"))
        if decision.scenarios and decision.hit == "collect":
            out.append(Problem(decision.where("scenarios:"), f"{decision.name}.scenarios", "scenarios 要求 hit 为 unique 或 priority"))
        exprs = [(decision.applies_when, decision.where("applies_when"), f"{decision.name}.applies_when")]
        for rule in decision.rules:
            if rule.id in rule_ids:
                out.append(Problem(rule.where("id"), rule.id, f"规则编号“{rule.id}”重复：决定“{rule_ids[rule.id]}”中已有这个编号"))
            rule_ids[rule.id] = decision.name
            for key, targets in (("overrides", rule.overrides), ("blocks", rule.blocks)):
                for i, target in enumerate(targets):
                    if target not in ids:
                        other = rule_ids.get(target) or next((d.name for d in policy.decisions.values()
                                                              if any(r.id == target for r in d.rules)), None)
                        why = f"它是决定“{other}”的规则" if other else f"没有这条规则{near(target, ids)}"
                        out.append(Problem(rule.keys_at.get(f"{key}[{i}]") or rule.where(key), f"{rule.id}.{key}",
                                           f"“{target}”不是决定“{decision.name}”的规则：{why}"))
            values = "、".join(map(str, decision.values or ()))
            if decision.type == "bool" and rule.has_then and not isinstance(rule.then, bool) and rule.then is not None:
                pass   # a word for a yes/no: typecheck says which (“是的”不是“是/否”)
            elif decision.hit == "priority" and rule.concludes and (not rule.has_then or rule.then not in (decision.values or ())):
                found = f"“{rule.then}”{near(rule.then, decision.values or ())}" if rule.has_then else "计算所得的值"
                out.append(Problem(rule.where("then" if rule.has_then else "compute"), f"{rule.id}.then",
                                   f"hit: priority 下规则的结论应为 {values} 之一，实为{found}"))
            elif decision.values and rule.has_then and rule.then not in decision.values:
                out.append(Problem(rule.where("then"), f"{rule.id}.then",
                                   f"应为 {values} 之一，实为“{rule.then}”{near(rule.then, decision.values)}"))
            exprs.append((rule.when, rule.where("when"), f"{rule.id}.when"))
            exprs.append((rule.compute, rule.where("compute"), f"{rule.id}.compute"))
        for node, location, path in exprs:
            if node is None:
                continue
            for fn in expr.calls(node):
                out.append(Problem(inside(location, fn), path, f"规则中不能调用函数（如“{fn}”）：函数写在 facts.yaml 的推导（derived）中"))
            for n in expr.names(node):
                if kind.label_of(n.split(".")[0]) is not None:
                    continue
                if n in policy.decisions:
                    reads[decision.name].add(n)
                    other = policy.decisions[n]
                    if other.subject != decision.subject:
                        out.append(Problem(inside(location, n), path, f"“{n}”是对 {other.subject} 的决定，不是对 {decision.subject} 的"))
                    continue
                options = list(kind.attributes) + [d.name for d in kind.derived] + list(policy.decisions)
                out.append(Problem(inside(location, n), path, f"未知的名称“{n}”：“{kind.label}”的事实与各项决定中都没有{near(n, options)}"))
            out += _params_exist(policy, node, location, path)
    out += _cycles(policy, reads)
    return out


def _cycles(policy: Policy, reads: dict[str, set[str]]) -> list[Problem]:
    out, state = [], {}

    def visit(name, trail):
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            loop = trail[trail.index(name):] + [name]
            out.append(Problem(policy.decisions[name].location, name, "决定互相引用，成了循环（cycle）：" + " → ".join(loop)))
            return
        state[name] = "open"
        for n in sorted(reads.get(name, ())):
            visit(n, trail + [name])
        state[name] = "done"
    for name in reads:
        visit(name, [])
    return out


def _lapse_readers(policy: Policy) -> set[str]:
    """Rules whose condition as compiled reads a parameter that lapses (`until:`): each holds only before the lapse
    or only after it, which is meant; such a rule is said never to apply only if it applies in no period."""
    lapsing = {p.name for p in policy.parameters.values() if p.until or any(d.until for d in p.values)}
    out = set()
    for decision in policy.decisions.values():
        for rule in decision.rules:
            nodes = [effective_condition(decision, rule)] + ([rule.compute] if rule.compute is not None else [])
            if any(name.split(".")[0] in lapsing for node in nodes for name in expr.params(node)):
                out.add(rule.id)
    return out


def _compiles(policy: Policy) -> list[Problem]:
    out = []
    rules = policy.rules
    lapse_readers = _lapse_readers(policy)
    days = _days(policy)
    unreachable: dict[str, list] = {}
    for day in days:
        try:
            compiled = compile_period(policy, day, f"@check{day}")
        except (CompileError, KeyError, ValueError, ArithmeticError) as e:
            first = policy.decisions[next(iter(policy.decisions))].location
            out.append(Problem(first, "", f"{day} 起的规则无法编译：{e.args[0] if e.args else e}"))
            continue
        for rule_id, read in compiled.assumes_decided:
            out.append(Problem(rules[rule_id].where("when"), rule_id, f"“{read}”未定时本规则不适用（案件中“{read}”报为缺口）",
                               "warning"))
        for rule_id in compiled.unreachable:
            unreachable.setdefault(rule_id, []).append(day)
            if rule_id in lapse_readers:
                continue
            out.append(Problem(rules[rule_id].where("when"), rule_id, f"本规则在 {day} 起永远不会适用（其条件连同覆盖它的规则，"
                                                                    "总是不成立）", "warning"))
    for rule_id in sorted(lapse_readers):
        if len(unreachable.get(rule_id, ())) == len(days):
            out.append(Problem(rules[rule_id].where("when"), rule_id, "本规则在任何日期都不会适用（其条件连同覆盖它的规则，"
                                                                    "在参数失效之前与之后都不成立）", "warning"))
    return out


def load_or_raise(directory: str | Path) -> Policy:
    """The policy of a folder, loaded and checked; PolicyLoadError with every error otherwise."""
    policy, problems = load_policy(directory)
    if policy is not None:
        problems = problems + check(policy, warnings=False)
    errors = [p for p in problems if p.severity == "error"]
    if errors or policy is None:
        raise PolicyLoadError(errors or problems)
    return policy
