"""The determination letter (决定告知书): one format-neutral model, three small writers (.docx, .html, .md).

`build` reads only what the explanations say (`Why.determination`, `WhyNot.why_not`), so the letter states exactly what
`evaluate --explain` states, and the three formats state the same thing: the writers only lay the model out.
Names and ID numbers are masked here unless the caller asks otherwise; the decision ids are those of the
decision log (`decisionlog.records_for`), so a letter can be found again in the log and replayed.
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
from ..explain.trace import Trace
from ..explain.why import Why
from ..explain.whynot import WhyNot
from ..policy.model import Policy
from .answer import decision_label
from ..common import outfiles
from ..common.privacy import mask_id_number, mask_name, mask_text
from ..common.words import near, shown

__all__ = ["Row", "Section", "Letter", "Question", "KIND_ENTRIES", "entry_of", "pick_case",
           "cn_number", "cn_date", "value_text", "Masker", "build", "next_number", "salutation", "addressee",
           "center_text", "overview", "determination_section", "rule_rows", "fact_line", "facts_row",
           "parameter_line", "parameters_row", "interpretations_row", "blocked_row", "gave_way_row",
           "scenarios_row", "decision_of", "items_row", "basis_row", "answer_section", "footer",
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
    subtitle: tuple[str, ...]
    sections: tuple[Section, ...]
    signature: tuple[str, ...]

    def texts(self) -> list[str]:
        """Every text of the letter, in order (what each writer must lay out)."""
        out = [self.title, *self.subtitle]
        for s in self.sections:
            out += [s.heading, *s.paragraphs]
            for r in s.rows:
                out += [r.label, *r.lines]
        return out + list(self.signature)


@dataclass(frozen=True)
class Question:
    """`--why-not DECISION=VALUE`: a value the person asked about."""
    decision: str
    value: Any


# --- choosing the case --------------------------------------------------------------------------

KIND_ENTRIES = (("person", "people"), ("center", "centers"), ("item", "items"))


def entry_of(result: CaseResult, subject: str) -> tuple[str, dict] | None:
    """(kind, entry) of the subject in the case, or None."""
    for kind, attr in KIND_ENTRIES:
        for e in getattr(result.case, attr):
            if str(e["id"]) == subject:
                return kind, e
    return None


def pick_case(results: list[CaseResult], subject: str, case_id: str | None) -> tuple[CaseResult | None, str]:
    """The one case the letter is about; else None and why, in Chinese (with a "did you mean")."""
    if case_id is not None:
        results_by_id = {r.case.id: r for r in results}
        if case_id not in results_by_id:
            return None, f"案例文件中没有编号为“{case_id}”的案例{near(case_id, results_by_id)}"
        results = [results_by_id[case_id]]
    holding = [r for r in results if entry_of(r, subject) is not None]
    if not holding:
        known = [e["id"] for r in results for _, attr in KIND_ENTRIES for e in getattr(r.case, attr)]
        where = f"案例“{case_id}”" if case_id is not None else "案例文件"
        return None, f"{where}中没有编号为“{subject}”的对象{near(subject, known)}"
    if len(holding) > 1:
        return None, f"“{subject}”出现在多个案例中（{'、'.join(r.case.id for r in holding)}），请用 --case 指明"
    return holding[0], ""


# --- building the letter ------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 15 → 十五, 23 → 二十三 (headings count no further)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def value_text(value) -> str:
    """A determination's value; a null one is 无 (no deadline, no requirement), not 未提供."""
    return "无" if value is None else shown(expr.plain(value))


@dataclass(frozen=True)
class Masker:
    unmask: bool

    def name(self, text) -> str:
        return str(text or "") if self.unmask else mask_name(text)

    def id_number(self, text) -> str:
        return str(text or "") if self.unmask else mask_id_number(text)

    def text(self, text: str) -> str:
        """Anything that may carry an ID number (ids, fact values)."""
        return text if self.unmask else mask_text(text)


def build(policy: Policy, result: CaseResult, subject: str, records: list[Record], today: dt.date,
          questions: tuple[Question, ...] = (), unmask: bool = False, logged: bool = False) -> Letter:
    """The letter for one subject of an evaluated case: its determinations, answers, and the log's ids
    (`records`: the subject's, from `decisionlog.records_for`; `logged`: whether they were appended to a log)."""
    found = entry_of(result, subject)
    if found is None:
        raise KeyError(subject)
    kind, entry = found
    mask = Masker(unmask)
    trace = Trace.of(policy, result)
    # a record names its subject as the log writes it (masked when it looks like an ID number)
    ids = {r.decision: r.decision_id for r in records if r.subject == mask_text(subject)}
    order = {name: i for i, name in enumerate(policy.output_decisions())}
    determinations = sorted((d for d in result.determinations if d.subject == subject),
                            key=lambda d: order.get(d.decision, len(order)))
    explained = [(d, Why(trace).determination(d)) for d in determinations]
    answers = [WhyNot(trace).why_not(subject, q.decision, q.value) for q in questions]

    sections = [salutation(policy, result, kind, entry, mask),
                addressee(policy, result, kind, entry, mask),
                overview(policy, explained)]
    sections += [determination_section(policy, i, d.decision, d.value, node, ids.get(d.decision), mask)
                 for i, (d, node) in enumerate(explained, 1)]
    if answers:
        sections.append(Section(f"{cn_number(next_number(sections))}、关于您询问的事项"))
        sections += [answer_section(i, a, mask) for i, a in enumerate(answers, 1)]
    sections.append(footer(policy, result, records, explained, ids, today, next_number(sections), logged))
    title = f"《{policy.title}》决定告知书"
    subtitle = (f"依据 {policy.document_number}", f"{policy.issuer} {cn_date(policy.issued_on)}印发")
    signature = ("签发机关（盖章）：＿＿＿＿＿＿＿＿＿＿", "日期：　　　　年　　月　　日")
    return Letter(title, subtitle, tuple(sections), signature)


def next_number(sections: list[Section]) -> int:
    return 1 + sum(1 for s in sections if s.level == 1 and s.heading)


def salutation(policy: Policy, result: CaseResult, kind: str, entry: dict, mask: Masker) -> Section:
    who = (mask.name(entry.get("name")) or mask.text(str(entry["id"]))) if kind == "person" else mask.text(str(entry["id"]))
    you = "您" if kind == "person" else "该" + policy.kinds[kind].label
    return Section("", paragraphs=(
        f"{who}：",
        f"依据《{policy.title}》（{policy.document_number}），截至{cn_date(result.case.as_of)}，"
        f"经对{you}的情况逐项审核，作出以下决定，并将每项决定所依据的条款、事实、参数和解释口径告知如下。"))


def addressee(policy: Policy, result: CaseResult, kind: str, entry: dict, mask: Masker) -> Section:
    rows = [Row("编号", (mask.text(str(entry["id"])),)), Row("对象类别", (policy.kinds[kind].label,))]
    if kind == "person":
        rows += [Row("姓名", (mask.name(entry.get("name")) or "未提供",)),
                 Row("身份证号", (mask.id_number(entry.get("id_number")) or "未提供",)),
                 Row(policy.kinds[kind].label_of("center") or "所在中心", (center_text(result, entry.get("center")),))]
    else:
        attributes = policy.kinds[kind].attributes
        rows += [Row(attributes[k].label, (mask.text(shown(v, attributes[k].unit)),))
                 for k, v in entry.items() if k in attributes and not isinstance(v, (dict, list))]
    rows += [Row("案例编号", (mask.text(result.case.id),)), Row("判定日", (cn_date(result.case.as_of),)),
             Row("考核年度", (f"{result.case.assessment_year}年",))]
    return Section("一、告知对象", rows=tuple(rows))


def center_text(result: CaseResult, center: str | None) -> str:
    if not center:
        return "未提供"
    entry = next((c for c in result.case.centers if str(c["id"]) == str(center)), None)
    return f"{center}（{entry['level']}）" if entry and entry.get("level") else str(center)


def overview(policy: Policy, explained) -> Section:
    if not explained:
        return Section("二、决定事项", paragraphs=("本案未对该对象作出任何决定。",))
    rows = tuple(Row(decision_label(policy, d.decision), (value_text(d.value),)) for d, _ in explained)
    return Section("二、决定事项", paragraphs=("各项决定一览如下，逐项依据见后。",), rows=rows)


def determination_section(policy: Policy, n: int, decision: str, value, node: dict, decision_id: str | None,
                          mask: Masker) -> Section:
    label = decision_label(policy, decision)
    rows = [Row("决定事项", (label,)), Row("决定结果", (value_text(value),))]
    rows += rule_rows(policy, node)
    rows += [r for r in (facts_row(node, mask), parameters_row(node), interpretations_row(node),
                         blocked_row(node), gave_way_row(node), scenarios_row(node), items_row(node, decision),
                         basis_row(policy, node, decision)) if r is not None]
    rows.append(Row("决定编号", (decision_id or "（未记录）",)))
    return Section(f"（{cn_number(n)}）{label}：{value_text(value)}", level=2, rows=tuple(rows))


def rule_rows(policy: Policy, node: dict) -> list[Row]:
    if not node.get("rule"):
        return [Row("说明", (node.get("note") or "没有规则得出结论",))]
    rows = [Row("适用规则", (f"{node.get('title') or ''}（{node['rule']}）",))]
    ref = node.get("clause")
    if ref:
        clause = policy.clauses.get(ref)
        rows.append(Row("条款", (f"{ref} {clause.title}" if clause else ref,)))
        if node.get("text"):
            amended = f"（其中的数额已由 {'、'.join(node['amended_by'])} 修改，现行值见所用参数）" if node.get("amended_by") else ""
            rows.append(Row("条款原文", (f"「{node['text']}」{amended}",)))
        if clause and len(clause.text.strip()) > 1.25 * len(node.get("text") or ""):
            # the whole paragraph, the rule's words in their context (unless they are nearly all of it)
            rows.append(Row("条款全文", tuple(p.strip() for p in clause.text.split("\n") if p.strip())))
    if node.get("sentence"):
        rows.append(Row("适用条件", (node["sentence"],)))
    if node.get("computed_sentence"):
        rows.append(Row("计算方式", (node["computed_sentence"],)))
    if node.get("scenario"):
        rows.append(Row("适用情形", (node["scenario"],)))
    return rows


def fact_line(fact: dict, mask: Masker) -> str:
    text = f"{fact.get('label', '')}：{shown(fact.get('value'), fact.get('unit'))}"
    if fact.get("detail"):
        text += f"（{fact['detail']}）"
    inner = [f"{f.get('label', '')} {shown(f.get('value'), f.get('unit'))}" for f in (fact.get("from") or {}).values()]
    if inner:
        text += f"（由{'、'.join(inner)}得出）"
    return mask.text(text)


def facts_row(node: dict, mask: Masker) -> Row | None:
    facts = node.get("facts") or {}
    return Row("所依事实", tuple(fact_line(f, mask) for f in facts.values())) if facts else None


def parameter_line(p: dict) -> str:
    if p.get("value") is None and p.get("note"):
        return p["note"]
    source = f"依据 {p['reference']}" if p.get("reference") else p.get("clause") or ""
    where = "，".join(x for x in (source, f"自{p['since']}起施行" if p.get("since") else "") if x)
    return f"{p.get('label', '')} = {shown(p.get('value'), p.get('unit'))}" + (f"（{where}）" if where else "")


def parameters_row(node: dict) -> Row | None:
    params = node.get("parameters") or {}
    return Row("所依参数", tuple(parameter_line(p) for p in params.values())) if params else None


def interpretations_row(node: dict) -> Row | None:
    readings = node.get("interpretations") or []
    return Row("解释口径", tuple(f"{i['reading']}（依据：{i['basis']}）" for i in readings)) if readings else None


def blocked_row(node: dict) -> Row | None:
    blocked = node.get("blocked") or []
    return Row("排除规则", tuple(f"{b['title']}（{b['rule']}，{b['clause']}）「{b.get('text', '')}」"
                             for b in blocked)) if blocked else None


def gave_way_row(node: dict) -> Row | None:
    """Rules whose own condition also held: the reader sees why their value was not given."""
    lines = []
    for o in node.get("overrides") or []:
        by = "、".join(f"{b['title']}（{b['rule']}）" for b in o.get("by") or [])
        lines.append(f"{o['title']}（{o['rule']}，{value_text(o.get('value'))}）的条件也成立，但让位于{by}")
    return Row("未适用的规则", tuple(lines)) if lines else None


def scenarios_row(node: dict) -> Row | None:
    scenarios = node.get("scenarios") or []
    return Row("各情形结果", tuple(f"{s['assumes']}：{value_text(s['value'])}"
                                + (f"（{s['rule']}，{s['clause']}）" if s.get("rule") else "（无规则适用）")
                                for s in scenarios)) if scenarios else None


def decision_of(policy: Policy, node: dict) -> str | None:
    """The decision an explanation node determines (by its rule; a scenario node by its name)."""
    if node.get("decision"):
        return node["decision"]
    rule = node.get("rule") or ""
    if rule in policy.rules:
        return policy.rules[rule].decision
    return rule.removesuffix(".scenarios") if rule.endswith(".scenarios") else None


def items_row(node: dict, decision: str) -> Row | None:
    """A collected decision (the months over the quota …) lists each item it collected, with its condition."""
    same = [c for c in node.get("because") or [] if c.get("rule") and c.get("value") is not None
            and c.get("rule") == node.get("rule")]
    return Row("逐项结果", tuple(f"{value_text(c['value'])}：{c.get('sentence') or ''}" for c in same)) if same else None


def basis_row(policy: Policy, node: dict, decision: str) -> Row | None:
    """依据: the other decisions this one was built on (a total on its parts, reassignment on 取证情况)."""
    lines = []
    for child in node.get("because") or []:
        name = decision_of(policy, child)
        if name is None or name == decision:
            continue
        rule = f"（{child['title']}，{child['rule']}，{child.get('clause') or ''}）" if child.get("rule") else ""
        lines.append(f"{decision_label(policy, name)}：{value_text(child.get('value'))}{rule}")
    return Row("依据", tuple(dict.fromkeys(lines))) if lines else None


def answer_section(n: int, answer: dict, mask: Masker) -> Section:
    asked = "是否为" if answer.get("reached") else "为何不是"
    question = f"“{answer['label']}”{asked}“{value_text(answer['value'])}”"
    paragraphs = [f"您询问{question}。本决定为“{value_text(answer['actual'])}”。"]
    if answer.get("reached") or not answer["rules"]:
        paragraphs.append(answer["summary"])
    rows = tuple(Row(f"{r['title']}（{r['rule']}）", (f"{r['clause']}「{r['text']}」", r["summary"]))
                 for r in answer["rules"])
    # a summary may name the subject ("… 没有办事员"), whose id may be an ID number
    return Section(f"（{cn_number(n)}）{question}", level=2, paragraphs=tuple(map(mask.text, paragraphs)),
                   rows=tuple(Row(r.label, tuple(map(mask.text, r.lines))) for r in rows))


def footer(policy: Policy, result: CaseResult, records: list[Record], explained, ids: dict, today: dt.date,
           number: int, logged: bool) -> Section:
    ref = PolicyRef.of(policy)
    rows = [Row("政策", (f"{policy.title}（{policy.document_number}）",)),
            Row("政策编号", (ref.id,)), Row("政策版本", (ref.version,)), Row("政策摘要", (ref.digest,))]
    if result.params is not None:
        rows.append(Row("参数施行起始日", (result.params.day.isoformat(),)))
    if records:
        rows.append(Row("判定运行", (f"{records[0].run}（{records[0].time}）",)))
    rows.append(Row("决定编号", tuple(f"{decision_label(policy, d.decision)}：{ids.get(d.decision, '（未记录）')}"
                                  for d, _ in explained) or ("无",)))
    rows += [Row("判定日", (cn_date(result.case.as_of),)), Row("告知书日期", (cn_date(today),))]
    note = ("各项决定已按下列决定编号写入判定记录，可据此查验并重放。" if logged else
            "各项决定编号按判定记录的规则生成；本次未写入判定记录。")
    return Section(f"{cn_number(number)}、依据与记录", paragraphs=(note,), rows=tuple(rows))


# --- writers ------------------------------------------------------------------------------------

BODY_FONT, HEADING_FONT = "宋体", "黑体"


def write_markdown(letter: Letter, path: Path) -> None:
    outfiles.write_text(path, markdown(letter))


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
    return "\n".join(lines) + "\n"


_CSS = """\
@page { size: A4; margin: 2cm }
body { font-family: "SimSun", "宋体", "Songti SC", "Noto Serif CJK SC", serif; font-size: 12pt; line-height: 1.6; }
h1, h2, h3 { font-family: "SimHei", "黑体", "Heiti SC", "Noto Sans CJK SC", sans-serif; }
h1 { text-align: center; font-size: 18pt; margin-bottom: 0.2em; }
.subtitle { text-align: center; margin: 0; }
h2 { font-size: 14pt; margin-top: 1.2em; }
h3 { font-size: 12pt; margin-top: 1em; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0; }
th, td { border: 1px solid #000; padding: 3pt 5pt; vertical-align: top; text-align: left; }
th { width: 7em; font-weight: normal; white-space: nowrap; }
tr { page-break-inside: avoid; }
.signature { text-align: right; margin-top: 2em; }
"""


def write_html(letter: Letter, path: Path) -> None:
    outfiles.write_text(path, html_text(letter))


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
    out += [f'<p class="signature">{e(s)}</p>' for s in letter.signature]
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# What XML 1.0 cannot hold (lxml refuses the whole document): C0 controls but tab, newline and return, lone
# surrogates, U+FFFE and U+FFFF. The case-file limits refuse most of them; U+FFFE and U+FFFF pass.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text as a .docx can hold it: what XML cannot hold written as U+FFFD, as the terminal shows a surrogate."""
    return _NOT_XML.sub("\ufffd", text)


def _xml_letter(letter: Letter) -> Letter:
    sections = tuple(dataclasses.replace(s, heading=xml_text(s.heading), paragraphs=tuple(map(xml_text, s.paragraphs)),
                                         rows=tuple(Row(xml_text(r.label), tuple(map(xml_text, r.lines))) for r in s.rows))
                     for s in letter.sections)
    return Letter(xml_text(letter.title), tuple(map(xml_text, letter.subtitle)), sections,
                  tuple(map(xml_text, letter.signature)))


def write_docx(letter: Letter, path: Path) -> None:
    # imported here: python-docx (and lxml) load only when a .docx is asked for
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Mm

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
