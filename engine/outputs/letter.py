"""The determination letter (决定告知书): one format-neutral model, three small writers (.docx, .html, .md).

A letter an office can send: from the office named in the policy's notice.yaml, citing the document applied as its
依据; addressed to the person by full name (the ID number masked unless --unmask); about what was asked (`decisions`);
in sentences — rule titles, each clause quoted once at the end, facts and amounts by their labels, only the readings
that made a difference for this person; how to ask for review in notice.yaml's words; decision ids, run and digest in
a short 附注 after the signature. `build` reads only what the explanations say (`Why.determination`,
`WhyNot.why_not`), so the letter states what `evaluate --explain` states; the writers only lay the model out. The
decision ids are those of the decision log (`decisionlog.records_for`): a letter can be found again and replayed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..formula import expr
from ..tools.decisionlog import PolicyRef, Record
from ..pipeline.evaluate import CaseResult
from ..pipeline.resolve import Determination
from ..explain.trace import Trace
from ..explain.why import Why
from ..explain.whynot import WhyNot
from ..explain.pieces import parameter_value
from ..policy.model import Policy
from .answer import decision_label
from ..common import outfiles
from ..common.privacy import mask_id_number, mask_text
from ..common.words import cn_date, near, same_value, shown

__all__ = ["Row", "Section", "Letter", "Question", "entry_of", "pick_case", "TO_CONFIRM",
           "quoted", "cn_number", "cn_date", "value_text", "Masker", "vocabulary_words", "record_text", "rule_ids_out",
           "at_bound", "made_a_difference", "chosen", "build", "next_number", "addressee_name", "salutation", "party",
           "center_text", "decided", "clause_ref", "fact_text", "parameter_text", "reason_section", "decision_of",
           "basis_sentences", "answer_section", "clauses_section", "review_paragraphs", "review_section", "footnotes",
           "write_markdown", "md_escape", "markdown", "write_html", "html_text", "xml_text", "write_docx", "WRITERS",
           "writer_for"]


@dataclass(frozen=True)
class Row:
    """One line of a two-column table: what (项目) and what it says (内容, one or more lines)."""
    label: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    heading: str                        # empty: no heading (the salutation)
    level: int = 1                      # 1: 一、…; 2: （一）…
    paragraphs: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()


@dataclass(frozen=True)
class Letter:
    title: str
    subtitle: tuple[str, ...]           # the office sending the letter, the document applied as its 依据
    sections: tuple[Section, ...]
    signature: tuple[str, ...]
    notes: tuple[str, ...] = ()         # 附注 after the signature: decision ids, run, digest (for the office's records)

    def texts(self) -> list[str]:
        """Every text of the letter, in order (what each writer must lay out)."""
        out = [self.title, *self.subtitle]
        for s in self.sections:
            out += [s.heading, *s.paragraphs]
            for r in s.rows:
                out += [r.label, *r.lines]
        return out + list(self.signature) + list(self.notes)


@dataclass(frozen=True)
class Question:
    """`--why-not DECISION=VALUE`: a value the person asked about."""
    decision: str
    value: Any


# --- choosing the case --------------------------------------------------------------------------

def entry_of(result: CaseResult, subject: str, policy: Policy) -> tuple[str, dict] | None:
    """(kind, entry) of the subject in the case, or None."""
    for kind in policy.records.kinds.values():
        for e in result.case.records.get(kind.list, []):
            if str(e["id"]) == subject:
                return kind.name, e
    return None


def pick_case(results: list[CaseResult], subject: str, case_id: str | None) -> tuple[CaseResult | None, str]:
    """The one case the letter is about; else None and why, in Chinese (with a "did you mean")."""
    if case_id is not None:
        results_by_id = {r.case.id: r for r in results}
        if case_id not in results_by_id:
            return None, f"案例文件中没有编号为“{case_id}”的案例{near(case_id, results_by_id)}"
        results = [results_by_id[case_id]]
    holding = [r for r in results if any(str(e["id"]) == subject for held in r.case.records.values() for e in held)]
    if not holding:
        known = [e["id"] for r in results for held in r.case.records.values() for e in held]
        where = f"案例“{case_id}”" if case_id is not None else "案例文件"
        return None, f"{where}中没有编号为“{subject}”的对象{near(subject, known)}"
    if len(holding) > 1:
        return None, f"“{subject}”出现在多个案例中（{'、'.join(r.case.id for r in holding)}），请用 --case 指明"
    return holding[0], ""


# --- small words --------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"
TO_CONFIRM = "（待发文单位确认）"   # after a notice.yaml value listed under `confirm:`


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 15 → 十五, 23 → 二十三 (headings count no further)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def quoted(text: str) -> str:
    """A title in double quotes, its own quotes turned single (“当年工作未满一年，不评‘优秀’”)."""
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"


def value_text(value) -> str:
    """A determination's value; a null one is 无 (no deadline, no requirement), not 未提供."""
    return "无" if value is None else shown(expr.plain(value))


@dataclass(frozen=True)
class Masker:
    """What the letter shows of its addressee. The name is in clear: a letter is written to its addressee, and one
    addressed to 「徐*」 cannot be sent (docs/commands.md). The ID number, which addressing does not need, is masked
    unless --unmask, and so is any id that looks like one."""
    unmask: bool

    def name(self, text) -> str:
        return str(text or "")

    def id_number(self, text) -> str:
        return str(text or "") if self.unmask else mask_id_number(text)

    def text(self, text: str) -> str:
        """Anything that may carry an ID number (ids, fact values)."""
        return text if self.unmask else mask_text(text)


def vocabulary_words(policy: Policy) -> set[str]:
    """The words of the policy's vocabulary: shown bare in a record (政务服务办事员 四级/中级工), without their field."""
    words: set[str] = set()
    for entry in policy.vocabulary.values():
        if not isinstance(entry, dict):
            continue
        values = entry.get("values")
        if isinstance(values, list):
            words |= {v for v in values if isinstance(v, str)}
        for levels in (entry.get("by_type") or {}).values():
            words |= {v for v in levels if isinstance(v, str)}
    return words


def record_text(record: dict, fields: dict[str, str], words: set[str]) -> str:
    """One record of a list fact in words: vocabulary words bare, other values after their field's label, in
    brackets (「政务服务办事员 四级/中级工（取得日期 2020-09-01）」); a key without a label shows its value only."""
    order = [k for k in fields if k in record] + [k for k in record if k not in fields]
    bare = [shown(record[k]) for k in order if isinstance(record[k], str) and record[k] in words]
    labelled = [f"{fields[k]} {shown(record[k])}" if k in fields else shown(record[k])
                for k in order if not (isinstance(record[k], str) and record[k] in words)]
    head = " ".join(bare)
    return f"{head}（{'，'.join(labelled)}）" if head and labelled else head or "，".join(labelled)


def rule_ids_out(policy: Policy, text: str) -> str:
    """An explanation's sentence without rule ids: a letter names rules by their titles."""
    ids = sorted(list(policy.rules) + [f"{d}.scenarios" for d in policy.decisions], key=len, reverse=True)
    if not ids:
        return text
    text = re.sub(r"(?<![\w.])(?:" + "|".join(map(re.escape, ids)) + r")(?![\w.])", "", text)
    for empty, kept in (("（，", "（"), ("，）", "）"), ("（）", ""), ("，，", "，")):
        text = text.replace(empty, kept)
    return text


# --- what made a difference ---------------------------------------------------------------------

_LEAP_DAY = re.compile(r"(?<!\d)\d{4}-02-29(?!\d)")


def _values(entries: dict):
    for e in (entries or {}).values():
        yield e.get("value")
        yield from _values(e.get("from"))


def at_bound(trace: Trace, d: Determination) -> bool:
    """Does a comparison of the condition that gave the value (<, ≤, >, ≥) hold its two sides equal for this
    subject? Then whether the bound counts decided it. Without a firing to read: True (shown, not hidden)."""
    if not d.firings:
        return True
    firing = d.firings[0]
    nodes = [firing.rule.when] + ([firing.variant.decision.applies_when]
                                  if firing.variant.decision.applies_when is not None else [])
    resolve = trace.resolver(firing.fact)
    for node in nodes:
        for c in expr.walk(node):
            if isinstance(c, expr.Compare) and c.op in ("<", "<=", ">", ">="):
                try:
                    left = expr.evaluate(c.left, resolve, trace.params)
                    right = expr.evaluate(c.right, resolve, trace.params)
                except Exception:   # a side that cannot be read here: keep the reading rather than drop it
                    return True
                if expr.compare("==", left, right) is True:
                    return True
    return False


def made_a_difference(policy: Policy, trace: Trace, d: Determination, node: dict) -> list[dict]:
    """The readings of the explanation that made a difference for this subject. Every reading the explanation
    used counts, except one whose `about:` (interpretations.yaml) its facts do not touch: `bounds` counts only
    where a compared value stands on its bound (4 次 against 2 次 leaves “以上包括本数” idle), `leap_day` only
    where a date read falls on 29 February."""
    out = []
    for reading in node.get("interpretations") or []:
        known = policy.interpretations.get(reading.get("id"))
        about = known.about if known is not None else None
        if about == "leap_day" and not any(_LEAP_DAY.search(str(v)) for v in _values(node.get("facts"))):
            continue
        if about == "bounds" and not at_bound(trace, d):
            continue
        out.append(reading)
    return out


# --- building the letter ------------------------------------------------------------------------

def chosen(policy: Policy, determinations: list[Determination], decisions: tuple[str, ...]) -> list[Determination]:
    """The determinations the letter is about: those asked for (none asked: all), each with its scenario companion
    when it is undecided (待定: the grades still possible say what it may become)."""
    if not decisions:
        return determinations
    wanted = set(decisions)
    for name in decisions:
        sc = policy.decisions[name].scenarios if name in policy.decisions else None
        d = next((x for x in determinations if x.decision == name), None)
        if sc and d is not None and same_value(d.value, sc.undecided):
            wanted.add(sc.possible)
    return [d for d in determinations if d.decision in wanted]


def build(policy: Policy, result: CaseResult, subject: str, records: list[Record], today: dt.date,
          questions: tuple[Question, ...] = (), unmask: bool = False, logged: bool = False,
          decisions: tuple[str, ...] = ()) -> Letter:
    """The letter for one subject of an evaluated case (`records`: the subject's, from `decisionlog.records_for`;
    `logged`: whether they were appended to a log). `decisions` narrows it to what was asked about (none given:
    the decisions of `questions`, else every determination)."""
    found = entry_of(result, subject, policy)
    if found is None:
        raise KeyError(subject)
    kind, entry = found
    mask = Masker(unmask)
    trace = Trace.of(policy, result)
    # a record names its subject as the log writes it (masked when it looks like an ID number)
    ids = {r.decision: r.decision_id for r in records if r.subject == mask_text(subject)}
    order = {name: i for i, name in enumerate(policy.output_decisions())}
    own = sorted((d for d in result.determinations if d.subject == subject),
                 key=lambda d: order.get(d.decision, len(order)))
    asked = tuple(dict.fromkeys(decisions or tuple(q.decision for q in questions)))
    explained = [(d, Why(trace).determination(d)) for d in chosen(policy, own, asked)]
    answers = [WhyNot(trace).why_not(subject, q.decision, q.value) for q in questions]
    cited: dict[str, None] = {}           # the clauses referred to, in order: each quoted once, after the reasons

    sections = [salutation(policy, result, kind, entry, mask, explained, narrowed=bool(asked)),
                party(policy, result, kind, entry, mask),
                decided(policy, kind, explained)]
    said: set = set()                     # readings and scenario results stated once, in the first section needing them
    reasons = [reason_section(policy, trace, i, d, node, mask, cited, said) for i, (d, node) in enumerate(explained, 1)]
    if reasons:
        sections.append(Section(f"{cn_number(next_number(sections))}、理由和依据"))
        sections += reasons
    if answers:
        sections.append(Section(f"{cn_number(next_number(sections))}、关于您询问的事项"))
        sections += [answer_section(policy, i, a, mask, cited) for i, a in enumerate(answers, 1)]
    if cited:
        sections.append(clauses_section(policy, cited, next_number(sections)))
    sections.append(review_section(policy, next_number(sections)))
    notice = policy.notice
    office = (notice.issuer + (TO_CONFIRM if "issuer" in notice.confirm else "")) if notice else \
        "发文单位：＿＿＿＿＿＿＿＿（政策文件夹未写明，见 notice.yaml）"
    subtitle = (office, f"依据《{policy.title}》（{policy.document_number}）")
    # dated when the office signs and stamps it; the day it was drawn up is in the 附注
    signature = (f"{notice.issuer if notice else '发文单位'}（盖章）", "　　　　年　　月　　日")
    return Letter("决定告知书", subtitle, tuple(sections), signature,
                  footnotes(policy, result, records, explained, ids, logged, today))


def next_number(sections: list[Section]) -> int:
    return 1 + sum(1 for s in sections if s.level == 1 and s.heading)


def _personal(policy: Policy, kind: str) -> bool:
    """A kind of record with personal fields (records.yaml) is a person: the letter says 您."""
    declared = policy.records.kinds.get(kind)
    return bool(declared and declared.name_field)


def _name_field(policy: Policy, kind: str) -> str | None:
    """The field naming a record: a person's name, else the kind's first text field (a center's 名称)."""
    declared = policy.records.kinds.get(kind)
    return declared.called_by if declared is not None else None


def addressee_name(policy: Policy, kind: str, entry: dict, mask: Masker) -> str:
    """How the letter addresses its subject: a person by full name; a center or item by its name (else its id)."""
    field_name = _name_field(policy, kind)
    name = mask.name(entry.get(field_name)) if field_name and entry.get(field_name) else ""
    return name or mask.text(str(entry["id"]))


def salutation(policy: Policy, result: CaseResult, kind: str, entry: dict, mask: Masker, explained,
               narrowed: bool) -> Section:
    you = "您" if _personal(policy, kind) else "该" + policy.kinds[kind].label
    what = "、".join(f"“{decision_label(policy, d.decision)}”" for d, _ in explained) if narrowed else "各项"
    years = "".join(f"（{f.label}{result.case.values[n]}年）" for n, f in policy.records.case_fields.items()
                    if f.type == "year" and result.case.values.get(n) is not None)
    return Section("", paragraphs=(
        f"{addressee_name(policy, kind, entry, mask)}：",
        f"本单位依据上述文件，对{you}截至{cn_date(result.case.as_of)}{years}"
        f"的情况进行了审核，现将{what}决定及其理由告知如下。"))


def party(policy: Policy, result: CaseResult, kind: str, entry: dict, mask: Masker) -> Section:
    """一、当事人: who the letter is about, by full name (the ID number masked unless --unmask)."""
    rows = []
    declared = policy.records.kinds[kind]
    if _personal(policy, kind):    # each personal field (the ID number masked), the id, the records it names
        rows += [Row(f.label, ((mask.id_number if f.type == "digits" else mask.name)(entry.get(n)) or "未登记",))
                 for n, f in declared.fields.items() if f.personal]
        rows.append(Row("编号", (mask.text(str(entry["id"])),)))
        rows += [Row(policy.kinds[kind].label_of(n) or declared.fields[n].label,
                     (center_text(policy, result, to, entry.get(n)),)) for n, to in declared.refs.items()]
    else:
        rows.append(Row("名称", (addressee_name(policy, kind, entry, mask),)))
        attributes = policy.kinds[kind].attributes
        rows += [Row(attributes[k].label, (mask.text(shown(v, attributes[k].unit)),))
                 for k, v in entry.items() if k in attributes and not isinstance(v, (dict, list))]
    return Section("一、当事人", rows=tuple(rows))


def center_text(policy: Policy, result: CaseResult, kind: str, center: str | None) -> str:
    """A record the subject names (their center): its name, and its first word (the center's level) after it."""
    if not center:
        return "未登记"
    declared = policy.records.kinds[kind]
    entry = next((c for c in result.case.records.get(declared.list, []) if str(c["id"]) == str(center)), None)
    field_name = _name_field(policy, kind)
    word = next((n for n, f in declared.fields.items() if f.type == "word"), None)
    name = entry.get(field_name) if entry and field_name else None
    level = entry.get(word) if entry and word else None
    return f"{name or center}" + (f"（{level}）" if level else "")


def decided(policy: Policy, kind: str, explained) -> Section:
    if not explained:
        return Section("二、决定", paragraphs=("本次审核未对该对象作出决定。",))
    you = "您的" if _personal(policy, kind) else ""
    return Section("二、决定", paragraphs=tuple(f"{you}{decision_label(policy, d.decision)}：{value_text(d.value)}。"
                                             for d, _ in explained))


def clause_ref(policy: Policy, ref: str | None, cited: dict) -> str:
    """A clause referred to (and remembered in `cited`, to be quoted once in 所引条款): 二(二)8(2)“年度考核”."""
    if not ref:
        return ""
    cited.setdefault(ref, None)
    clause = policy.clauses.get(ref)
    return f"{ref}“{clause.title}”" if clause else ref


def fact_text(policy: Policy, kind: str, name: str, fact: dict, mask: Masker, words: set[str]) -> str:
    """A fact in words: its label and value (a list of records by its fields' labels), where it came from."""
    value = fact.get("value")
    attribute = policy.kinds[kind].attributes.get(name.split(".")[0]) if kind in policy.kinds else None
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        said = "、".join(record_text(v, attribute.fields if attribute else {}, words) for v in value)
    else:
        said = shown(value, fact.get("unit"))
    text = f"{fact.get('label', '')}为{said}"
    if fact.get("detail"):
        text += f"（{fact['detail']}）"
    inner = [fact_text(policy, kind, n, f, mask, words) for n, f in (fact.get("from") or {}).items()]
    if inner:
        text += f"（由{'、'.join(inner)}得出）"
    return mask.text(text)


def parameter_text(p: dict) -> str:
    if p.get("value") is None and p.get("note"):
        return p["note"]
    source = f"依据{p['reference']}" if p.get("reference") else p.get("clause") or ""
    where = "，".join(x for x in (source, f"自{p['since']}起施行" if p.get("since") else "",
                                  f"至{p['until']}止" if p.get("until") else "") if x)
    return f"{p.get('label', '')}为{parameter_value(p)}" + (f"（{where}）" if where else "")


def reason_section(policy: Policy, trace: Trace, n: int, d: Determination, node: dict, mask: Masker,
                   cited: dict, said: set | None = None) -> Section:
    """（n）label: the rule by its title and clause, the condition with this subject's values, the facts and amounts
    it read, what else held or was set aside, what it was built on, and the readings that made a difference.
    `said`: the readings and scenario results stated in earlier sections of the letter — each is stated once."""
    said = set() if said is None else said
    label = decision_label(policy, d.decision)
    kind = node.get("judged_on", {}).get("kind") or policy.decisions[d.decision].of \
        if d.decision in policy.decisions else None
    words = vocabulary_words(policy)
    out = []
    if node.get("rule"):
        amended = f"（其中的数额已由{'、'.join(node['amended_by'])}修改，以下所依标准为现行值）" \
            if node.get("amended_by") else ""
        out.append(f"适用{quoted(node.get('title') or '')}（{clause_ref(policy, node.get('clause'), cited)}）{amended}。")
    else:
        out.append(f"{node.get('note') or '没有规则得出结论'}。")
    if node.get("sentence"):
        out.append(f"条件：{node['sentence']}。")
    if node.get("computed_sentence"):
        out.append(f"计算方式：{node['computed_sentence']}。")
    if node.get("scenario"):
        out.append(f"适用情形：{node['scenario']}。")
    facts = node.get("facts") or {}
    if facts and kind is not None:
        out.append("所依事实：" + "；".join(fact_text(policy, kind, k, f, mask, words) for k, f in facts.items()) + "。")
    params = node.get("parameters") or {}
    if params:
        out.append("所依标准：" + "；".join(parameter_text(p) for p in params.values()) + "。")
    gave_way_by = {b["rule"] for o in node.get("overrides") or [] for b in o.get("by") or []}
    for b in node.get("blocked") or []:
        if b["rule"] in gave_way_by:
            continue   # said with the rule it set aside, below
        set_aside = "、".join(quoted(policy.rules[r].title) for r in b.get("blocks") or [] if r in policy.rules)
        out.append(f"同时适用{quoted(b['title'])}（{clause_ref(policy, b.get('clause'), cited)}）"
                   + (f"，{set_aside}不予适用" if set_aside else "") + "。")
    for o in node.get("overrides") or []:
        by = "、".join(quoted(b["title"]) for b in o.get("by") or [])
        rule = policy.rules.get(o.get("rule"))
        gives = f"（{value_text(o.get('value'))}）" if rule is not None and rule.has_then else ""   # not a formula
        out.append(f"{quoted(o['title'])}{gives}的条件也成立，但依{by}不予适用。")
    scenarios = node.get("scenarios") or []
    if len(scenarios) > 1:
        results = "各情形结果：" + "；".join(f"{s['assumes']}：{value_text(s['value'])}" for s in scenarios) + "。"
        if results not in said:
            said.add(results)
            out.append(results)
    same = [c for c in node.get("because") or [] if c.get("rule") and c.get("value") is not None
            and c.get("rule") == node.get("rule")]
    if same:
        out.append("逐项结果：" + "；".join(f"{value_text(c['value'])}：{c.get('sentence') or ''}" for c in same) + "。")
    basis = basis_sentences(policy, node, d.decision, cited)
    if basis:
        out.append("依据：" + "；".join(basis) + "。")
    readings = [i for i in made_a_difference(policy, trace, d, node) if i.get("id") not in said]
    said.update(i.get("id") for i in readings)
    for k, i in enumerate(readings, 1):   # a reading per paragraph: readings hold semicolons of their own
        number = f"（{k}）" if len(readings) > 1 else ""
        out.append(f"解释口径{number}：{i['reading'].rstrip('。')}（依据：{i['basis']}）。")
    return Section(f"（{cn_number(n)}）{label}", level=2,
                   paragraphs=tuple(mask.text(rule_ids_out(policy, p)) for p in out))


def decision_of(policy: Policy, node: dict) -> str | None:
    """The decision an explanation node determines (by its rule; a scenario node by its name)."""
    if node.get("decision"):
        return node["decision"]
    rule = node.get("rule") or ""
    if rule in policy.rules:
        return policy.rules[rule].decision
    return rule.removesuffix(".scenarios") if rule.endswith(".scenarios") else None


def basis_sentences(policy: Policy, node: dict, decision: str, cited: dict) -> list[str]:
    """依据: the determinations this one was built on (a total on its parts), each a sentence, not a determination."""
    lines = []
    for child in node.get("because") or []:
        name = decision_of(policy, child)
        if name is None or name == decision:
            continue
        how = f"（{quoted(child['title'])}，{clause_ref(policy, child.get('clause'), cited)}）" if child.get("rule") else ""
        lines.append(f"{decision_label(policy, name)}为{value_text(child.get('value'))}{how}")
    return list(dict.fromkeys(lines))


def answer_section(policy: Policy, n: int, answer: dict, mask: Masker, cited: dict) -> Section:
    asked = "是否为" if answer.get("reached") else "为何不是"
    question = f"“{answer['label']}”{asked}“{value_text(answer['value'])}”"
    paragraphs = [f"您询问{question}。本决定为“{value_text(answer['actual'])}”。"]
    if answer.get("reached") or not answer["rules"]:
        paragraphs.append(answer["summary"])
    for r in answer["rules"]:
        paragraphs.append(f"{quoted(r['title'])}（{clause_ref(policy, r.get('clause'), cited)}）：{r['summary'].rstrip('。')}。")
    # a summary may name the subject ("… 没有办事员"), whose id may be an ID number
    return Section(f"（{cn_number(n)}）{question}", level=2,
                   paragraphs=tuple(mask.text(rule_ids_out(policy, p)) for p in paragraphs))


def clauses_section(policy: Policy, cited: dict, number: int) -> Section:
    """所引条款: each clause referred to, quoted once in full."""
    rows = []
    for ref in cited:
        clause = policy.clauses.get(ref)
        if clause is None:
            continue
        lines = tuple(p.strip() for p in clause.text.split("\n") if p.strip())
        rows.append(Row(f"{ref}“{clause.title}”", lines))
    return Section(f"{cn_number(number)}、所引条款原文", paragraphs=(f"以上所引《{policy.title}》条款原文如下。",),
                   rows=tuple(rows))


def review_paragraphs(policy: Policy) -> tuple[str, ...]:
    """How to ask for review, in notice.yaml's wording, each value still to confirm marked so."""
    notice = policy.notice
    if notice is None:
        return ("如对本告知书所列决定有异议，申请复核的单位、方式和期限由发文单位另行告知"
                f"（政策文件夹未写明：见 notice.yaml）{TO_CONFIRM}。",)
    r = notice.review
    mark = {key: TO_CONFIRM if key in notice.confirm else "" for key in
            ("review.body", "review.form", "review.days", "review.from", "review.basis")}
    filled = r.wording.format(body=r.body + mark["review.body"], form=r.form + mark["review.form"],
                              days=f"{r.days}{mark['review.days']}", basis=r.basis + mark["review.basis"],
                              **{"from": r.start + mark["review.from"]})
    return (filled, *notice.further)


def review_section(policy: Policy, number: int) -> Section:
    return Section(f"{cn_number(number)}、申请复核", paragraphs=review_paragraphs(policy))


def footnotes(policy: Policy, result: CaseResult, records: list[Record], explained, ids: dict,
              logged: bool, today: dt.date) -> tuple[str, ...]:
    """附注: what the office keeps to find the letter again — decision ids (as in the log), run, policy and digest."""
    ref = PolicyRef.of(policy)
    each = "；".join(f"{decision_label(policy, d.decision)} {ids.get(d.decision, '（未记录）')}" for d, _ in explained)
    run = f"判定运行 {records[0].run}（{records[0].time}）；" if records else ""
    kept = "已写入判定记录，可据此查验、重放" if logged else "本次未写入判定记录"
    return (f"附注：决定编号 {each or '无'}（{kept}）。{run}政策 {ref.id} 版本 {ref.version}，摘要 {ref.digest}；"
            f"案例 {mask_text(result.case.id)}，判定日 {cn_date(result.case.as_of)}；告知书生成于 {cn_date(today)}。",)


# --- writers ------------------------------------------------------------------------------------

BODY_FONT, HEADING_FONT = "宋体", "黑体"


def write_markdown(letter: Letter, path: Path) -> None:
    outfiles.write_text(path, outfiles.file_text(markdown(letter)))


def md_escape(text: str) -> str:
    """Markdown's own characters, so that a masked 徐* or a 「…」 never turns into emphasis or a link."""
    out = "".join("\\" + c if c in "\\`*[]<>|" else c for c in text)   # ids' _ is intraword: no emphasis
    return "\\" + out if out[:1] in ("#", "+", "-") else out


def markdown(letter: Letter) -> str:
    lines = [f"# {md_escape(letter.title)}", ""]
    lines += [f"{md_escape(s)}  " for s in letter.subtitle] + [""]
    for s in letter.sections:
        if s.heading:
            lines += [f"{'#' * (s.level + 1)} {md_escape(s.heading)}", ""]
        for p in s.paragraphs:
            lines += [md_escape(p), ""]
        for r in s.rows:
            if len(r.lines) == 1:
                lines.append(f"- **{md_escape(r.label)}**：{md_escape(r.lines[0])}")
            else:
                lines.append(f"- **{md_escape(r.label)}**：")
                lines += [f"  - {md_escape(x)}" for x in r.lines]
        if s.rows:
            lines.append("")
    lines += [f"{md_escape(s)}  " for s in letter.signature]
    if letter.notes:
        lines += [""] + [f"{md_escape(n)}  " for n in letter.notes]
    return "\n".join(lines) + "\n"


_CSS = """\
@page { size: A4; margin: 2cm }
body { font-family: "SimSun", "宋体", "Songti SC", "Noto Serif CJK SC", serif; font-size: 12pt; line-height: 1.5; }
h1, h2, h3 { font-family: "SimHei", "黑体", "Heiti SC", "Noto Sans CJK SC", sans-serif; }
h1 { text-align: center; font-size: 18pt; margin: 0 0 0.2em; }
p { margin: 0.3em 0; }
.subtitle { text-align: center; margin: 0; }
h2 { font-size: 13pt; margin: 0.8em 0 0.3em; }
h3 { font-size: 12pt; margin: 0.6em 0 0.2em; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0; }
th, td { border: 1px solid #000; padding: 2pt 5pt; vertical-align: top; text-align: left; }
th { width: 7em; font-weight: normal; }
tr { page-break-inside: avoid; }
.signature { text-align: right; margin-top: 1.2em; }
.notes { font-size: 9pt; color: #333; margin-top: 1em; line-height: 1.4; }
"""


def write_html(letter: Letter, path: Path) -> None:
    outfiles.write_text(path, outfiles.file_text(html_text(letter)))


def html_text(letter: Letter) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
           f"<title>{e(letter.title)}</title>", f"<style>\n{_CSS}</style>", "</head>", "<body>",
           f"<h1>{e(letter.title)}</h1>"]
    out += [f'<p class="subtitle">{e(s)}</p>' for s in letter.subtitle]
    for s in letter.sections:
        out.append("<section>")
        if s.heading:
            tag = f"h{s.level + 1}"
            out.append(f"<{tag}>{e(s.heading)}</{tag}>")
        out += [f"<p>{e(p)}</p>" for p in s.paragraphs]
        if s.rows:
            out.append("<table>")
            out += [f"<tr><th>{e(r.label)}</th><td>{'<br>'.join(e(x) for x in r.lines)}</td></tr>" for r in s.rows]
            out.append("</table>")
        out.append("</section>")
    out += ['<div class="signature">', *(f"<p>{e(s)}</p>" for s in letter.signature), "</div>"]
    out += [f'<p class="notes">{e(n)}</p>' for n in letter.notes]
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# What XML 1.0 cannot hold (lxml refuses the whole document): C0 controls but tab, newline and return, lone
# surrogates, U+FFFE and U+FFFF. The case-file limits refuse most of them; U+FFFE and U+FFFF pass.
def xml_text(text: str) -> str:
    """Text as a .docx can hold it: what XML cannot hold written as U+FFFD, as the terminal shows a surrogate."""
    return outfiles.file_text(text)


def _xml_letter(letter: Letter) -> Letter:
    sections = tuple(dataclasses.replace(s, heading=xml_text(s.heading), paragraphs=tuple(map(xml_text, s.paragraphs)),
                                         rows=tuple(Row(xml_text(r.label), tuple(map(xml_text, r.lines))) for r in s.rows))
                     for s in letter.sections)
    return Letter(xml_text(letter.title), tuple(map(xml_text, letter.subtitle)), sections,
                  tuple(map(xml_text, letter.signature)), tuple(map(xml_text, letter.notes)))


def write_docx(letter: Letter, path: Path) -> None:
    # imported here: python-docx (and lxml) load only when a .docx is asked for
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Mm, Pt

    letter = _xml_letter(letter)
    doc = Document()
    _fonts(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(2)
    doc.core_properties.title = letter.title
    doc.add_heading(letter.title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in letter.subtitle:
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for s in letter.sections:
        if s.heading:
            doc.add_heading(s.heading, level=s.level)
        for p in s.paragraphs:
            doc.add_paragraph(p)
        if s.rows:
            table = doc.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            table.autofit = False
            for r in s.rows:
                label, content = table.add_row().cells
                label.width, content.width = Cm(3.5), Cm(13.5)
                label.text = r.label
                content.text = r.lines[0] if r.lines else ""
                for line in r.lines[1:]:
                    content.add_paragraph(line)
    for line in letter.signature:
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for line in letter.notes:
        doc.add_paragraph().add_run(line).font.size = Pt(9)   # 附注: small, after the signature
    outfiles.write_files({path: lambda temporary: doc.save(str(temporary))})


def _fonts(doc) -> None:
    """Word picks the CJK face from w:eastAsia; without it 宋体 applies to Latin text only."""
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        style = doc.styles[name]
        face = BODY_FONT if name == "Normal" else HEADING_FONT
        style.font.name = face
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), face)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)   # a theme font would win over the named one
        if name != "Normal":
            style.font.color.rgb = RGBColor(0, 0, 0)   # official letters are black, not the theme's blue


WRITERS: dict[str, Callable[[Letter, Path], None]] = {".docx": write_docx, ".html": write_html, ".md": write_markdown}


def writer_for(path: str) -> tuple[Callable[[Letter, Path], None] | None, str]:
    """The writer for the output file's extension; else None and a message."""
    ext = Path(path).suffix.lower()
    if ext in WRITERS:
        return WRITERS[ext], ""
    return None, (f"不支持的输出格式“{ext or Path(path).name}”{near(ext, WRITERS)}\n"
                  f"可用的格式：{'、'.join(WRITERS)}")
