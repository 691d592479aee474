"""The terminal: rich tables of each case's determinations, explanation and why-not trees, the books' line,
errors, for officers.

Personal data is masked here, at the edge, unless the caller asks otherwise:
names keep their first character (张*), ID numbers their first 6 and last 4
digits (engine/common/privacy.py). Nothing upstream prints.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Iterable

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from rich.markup import escape

from ..casefiles.cases import CaseError, CaseFile
from ..pipeline.evaluate import CaseResult
from ..pipeline.facts import RECORD_KIND
from ..pipeline.resolve import Determination
from ..policy.model import Policy
from ..common.words import shown
from .answer import decision_label
from ..common.privacy import mask_error, mask_name, mask_text, printable, shown_id

__all__ = ["render_case", "render_evaluation", "account_line", "error_lines", "render_errors",
           "explanation_tree", "why_not_tree"]



def _cell(decision, subject: str, values: dict) -> Text:
    """A determination in a table cell; an undecided scenario value shows the values still possible."""
    if (subject, decision.name) not in values:
        return Text("")
    v = values[(subject, decision.name)]
    sc = decision.scenarios
    if sc is not None and v == sc.undecided:
        possible = values.get((subject, sc.possible)) or []
        return Text(f"{shown(v)}（{'/'.join(map(shown, possible))}）", style="yellow")
    return Text(shown(v).replace("未提供", "—"), style=_style(decision, v))


def _style(decision, value) -> str:
    """Green for a value the rule file marks `favourable`, red for any other value of such a decision."""
    favourable = decision.favourable
    if not favourable or value is None:
        return ""
    return "green" if any(value == f and type(value) is type(f) for f in favourable) else "red"


def render_case(console: Console, policy: Policy, result: CaseResult, unmask: bool = False, subject: str | None = None) -> None:
    case = result.case
    console.rule(Text.assemble((shown_id(case.id, unmask), "bold"), f" · 判定日 {case.as_of} · 考核年度 {case.assessment_year}"))
    for w in result.warnings:
        console.print(Text.assemble(("注意", "yellow"), " ", printable(w if unmask else mask_text(w))))
    values = {(d.subject, d.decision): d.value for d in result.determinations}
    decisions = policy.decisions
    for kind, spec in policy.kinds.items():
        names = [n for n in policy.output_decisions() if n in decisions and decisions[n].subject == kind]
        entries = getattr(case, RECORD_KIND.get(kind, ""), None) or []
        rows = [e for e in entries if subject is None or e["id"] == subject]
        if not rows or not names:
            continue
        table = Table(title=f"{spec.label}（{len(rows)}）", title_justify="left", show_lines=False, header_style="bold")
        table.add_column("编号", no_wrap=True)
        for header in spec.shown.values():
            table.add_column(header, no_wrap=True)
        for n in names:
            table.add_column(decisions[n].label, overflow="fold")
        for e in rows:
            cells = [Text(shown_id(e["id"], unmask))]   # Text, not markup: an id may read “[/]”
            for c in spec.shown:
                raw = str(e.get(c) or "")
                cells.append(Text(printable(raw if unmask or c != "name" else mask_name(raw))))
            for n in names:
                cells.append(_cell(decisions[n], e["id"], values))
            table.add_row(*cells)
        console.print(table)
    for error in result.errors:
        e = error.as_json()
        masked = e if unmask else mask_error(e)
        who = f" {masked['subject']}" if masked.get("subject") else ""
        where = f" 第{e['line']}行" if e.get("line") else ""
        console.print(Text(printable(f"错误 {masked['case']}{who}{where} {masked['path']}: {masked['message']}"), style="red"))


def render_evaluation(out: Console, err: Console, policy: Policy, case_file: CaseFile, results: list[CaseResult],
                      explained: Callable[[CaseResult], tuple[Iterable[tuple[Determination, dict]], Iterable[dict]]],
                      books: dict, unmask: bool = False, subject: str | None = None) -> None:
    """`evaluate`'s table: the policy's line, the file's errors (on `err`), each case's tables followed by what
    `explained(result)` gives (each determination with its explanation, each why-not answer), the totals, the books."""
    out.print(f"[bold]{policy.document_number}[/] {policy.title} · 版本 {policy.version} · {policy.digest[:19]}")
    render_errors(err, [e for e in case_file.errors], unmask)
    for result in results:
        render_case(out, policy, result, unmask, subject)
        explanations, answers = explained(result)
        for d, node in explanations:
            label = decision_label(policy, d.decision)
            out.print(explanation_tree(node, f"[bold]{escape(shown_id(d.subject, unmask))}[/] · {escape(label)} = "
                                             f"[bold]{escape(shown(d.value))}[/]"))
        for answer in answers:
            out.print(why_not_tree(answer))
    total = sum(len(r.determinations) for r in results)
    errors = len([e for e in case_file.errors if e.case not in {r.case.id for r in results}]) + sum(len(r.errors) for r in results)
    out.print(f"{len(results)} case(s) evaluated, {total} determinations; {errors} error(s)")
    out.print(account_line(books))


_KIND_LABELS = {"people": "人员", "centers": "中心", "items": "事项"}


def account_line(books: dict) -> str:
    """读入 = 判定 + 出错, per kind; a run that does not balance says so."""
    parts = [f"{_KIND_LABELS[k]} 读入 {v['read']} = 判定 {v['decided']} + 出错 {v['errored']}"
             for k, v in books.items() if k in _KIND_LABELS]
    head = "记录核对" if books["balanced"] else "记录核对不平（程序错误，请报告）"
    return f"{head}：" + "；".join(parts)


def error_lines(errors: list, unmask: bool = False) -> list[Text]:
    """Each error (a case's, a policy's problem) as the line printed for it: «✗ …», masked unless `unmask`."""
    lines = []
    for e in errors:
        if isinstance(e, CaseError) and not unmask:
            masked = mask_error(e.as_json())
            e = dataclasses.replace(e, message=masked["message"])
        text = str(e)
        lines.append(Text.assemble(("✗", "red"), " ", printable(text if unmask else mask_text(text))))
    return lines


def render_errors(console: Console, errors: list, unmask: bool = False) -> None:
    for line in error_lines(errors, unmask):
        console.print(line, highlight=False)


def explanation_tree(node: dict, label: str | None = None) -> Tree:
    """An explanation (engine/explain/why.py) as a rich tree in Chinese: rule, clause and words, the condition as a
    sentence, facts, parameters, readings, what it set aside, then what it built on."""
    head = label or (f"[bold]{escape(shown(node.get('value')))}[/] ← {escape(node.get('title') or node.get('rule') or '')}"
                     f"（{escape(str(node.get('rule')))}）  [cyan]{escape(node.get('clause') or '')}[/]")
    tree = Tree(head)
    if node.get("note"):
        tree.add(Text(node["note"]))
    if node.get("text") and node.get("amended_by"):
        tree.add(Text(f"原文「{node['text']}」——其中的数额已由 {'、'.join(node['amended_by'])} 修改，现行值见下列参数",
                      style="italic"))
    elif node.get("text"):
        tree.add(Text(f"「{node['text']}」", style="italic"))
    if node.get("sentence"):
        tree.add(Text(f"条件：{node['sentence']}" + (f"；取值：{node['computed_sentence']}" if node.get("computed_sentence") else "")))
    if node.get("scenario"):
        tree.add(Text(f"情形：{node['scenario']}"))
    for fact in (node.get("facts") or {}).values():
        _fact_branch(tree, fact)
    for p in (node.get("parameters") or {}).values():
        since = f"，自{p['since']}起" if p.get("since") else ""
        source = f"依据 {p['reference']}" if p.get("reference") else (p.get("clause") or "")
        tree.add(Text(f"参数 {p.get('label', '')} = {shown(p.get('value'), p.get('unit'))}（{source}{since}）"))
    for i in node.get("interpretations") or []:
        tree.add(Text(f"解释：{i['reading']}（{i['basis']}）", style="magenta"))
    for b in node.get("blocked") or []:
        tree.add(Text(f"排除：{b['title']}（{b['rule']}）「{b.get('text', '')}」", style="dim"))
    for o in node.get("overrides") or []:
        by = "、".join(f"{b['title']}（{b['rule']}）" for b in o.get("by") or [])
        tree.add(Text(f"未适用：{o['title']}（{o['rule']}，{shown(o.get('value'))}）条件也成立，但让位于 {by}", style="dim"))
    for sc in node.get("scenarios") or []:
        tree.add(Text(f"情形：{sc['assumes']} → {shown(sc['value'])}（{sc['rule'] or '无规则适用'}）"))
    for child in node.get("because") or []:
        tree.children.append(explanation_tree(child))
    return tree


def _fact_branch(tree: Tree, fact: dict) -> None:
    text = f"{fact.get('label', '')}：{shown(fact.get('value'), fact.get('unit'))}"
    if fact.get("detail"):
        text += f"（{fact['detail']}）"
    branch = tree.add(Text(text))
    for inner in (fact.get("from") or {}).values():
        _fact_branch(branch, inner)


def why_not_tree(result: dict) -> Tree:
    """Why a value was not reached, rule by rule, in sentences."""
    question = "已是" if result.get("reached") else "为何不是"
    head = (f"[bold]{escape(result['subject'])}[/] · {escape(result.get('label') or result['decision'])}："
            f"{question}“{escape(shown(result['value']))}”（实际：{escape(shown(result['actual']))}）")
    tree = Tree(head)
    if result.get("reached") or not result["rules"]:
        tree.add(Text(result["summary"], style="green" if result.get("reached") else ""))
    for r in result["rules"]:
        branch = tree.add(Text(f"{r['title']}（{r['rule']}）  {r['clause']}「{r['text']}」"))
        branch.add(Text(r["summary"]))
    return tree
