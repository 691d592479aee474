"""engine/outputs/terminal.py: the tables, blocks and trees an officer reads fit the console and never cut a value,
a label or a date across lines — at 80 columns as in a pipe, and wider. The shipped roster is rendered in
process, as a pipe would get it (a Console that is not a terminal)."""
from __future__ import annotations

import io
import re

import pytest
from rich.cells import cell_len
from rich.console import Console

from conftest import ROOT, person, remarked, write_case
from engine.common import privacy
from engine.common.words import shown
from engine.explain.trace import Trace
from engine.explain.why import Why
from engine.explain.whynot import WhyNot
from engine.outputs import terminal
from engine.pipeline.evaluate import account, evaluate_file
from engine.tools.questions import subjects_of

ROSTER = str(ROOT / "fixtures" / "roster_2025.yaml")
RULE = re.compile(r"^─[─┼]*$")   # the rule under a table's headers
# A date as the outputs write one: ISO day or month, or in Chinese.
DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月\d{1,2}日")
GUIDES = re.compile(r"^[\s│├└─]+")


@pytest.fixture(scope="module")
def roster(policy):
    case_file, results = evaluate_file(ROSTER, policy)
    assert results and not case_file.errors
    return case_file, results


def render(policy, roster, width: int, subject: str | None = None, explain: bool = False,
           why_not: tuple[str, object] | None = None) -> str:
    """`evaluate`'s table output as a pipe `width` columns wide receives it (what cli/evaluate.py hands over)."""
    case_file, results = roster

    def explained(result):
        trace = Trace.of(policy, result)
        why, answers = Why(trace), WhyNot(trace)
        explanations = [(d, why.determination(d)) for d in result.determinations
                        if explain and subject in (None, d.subject)]
        asked = [privacy.outward(answers.why_not(s, why_not[0], why_not[1]))
                 for s in (subjects_of(policy, result, why_not[0], subject) if why_not else ())]
        return explanations, asked

    out, err = io.StringIO(), io.StringIO()
    console = Console(width=width, file=out, force_terminal=False)
    terminal.render_evaluation(console, Console(width=width, file=err, force_terminal=False), policy, case_file,
                               results, explained, account(case_file, results), subject=subject)
    assert err.getvalue() == ""
    return out.getvalue()


def expected(value) -> list[str]:
    """What a determination shows: its value, each value of a list, no value as —."""
    if isinstance(value, (list, tuple)):
        return [shown(v) for v in value] or [shown(value)]
    return ["—" if value is None else shown(value)]


def between(line: str, start: int, end: int | None) -> str:
    """The text of `line` from cell `start` to cell `end` (a Chinese character takes two cells)."""
    out, cells = [], 0
    for ch in line:
        if cells >= start and (end is None or cells < end):
            out.append(ch)
        cells += cell_len(ch)
    return "".join(out)


def tables(text: str) -> list[tuple[str, list[str]]]:
    """Each table of the output: its header line and its lines below the rule, up to the next non-row line."""
    lines = text.split("\n")
    found = []
    for i, line in enumerate(lines):
        if RULE.match(line) and i:
            rows = []
            for row in lines[i + 1:]:
                if not row.strip() or RULE.match(row) or row.startswith("─") or not (row[0] == " " or rows or row[0].isascii()):
                    break
                rows.append(row)
            found.append((lines[i - 1], rows))
    return found


def blocks(policy, lines: list[str]) -> dict[tuple[str, str], str]:
    """(subject, label) → the first line of its value, in the blocks of the output (a subject alone: `<kind> <id>`,
    then `  label  value` a line)."""
    kinds = {k.label for k in policy.kinds.values()}
    found, subject = {}, None
    for line in lines:
        if line.split(" ")[0] in kinds and len(line.split()) == 2:
            subject = line.split()[1]
        elif subject and line.startswith("  ") and len(line.split()) >= 1:
            label, _, value = line.strip().partition(" ")
            found[(subject, label)] = value.strip()
        else:
            subject = None
    return found


def split_dates(text: str) -> list[str]:
    """Dates cut between a line and the next (tree guides and indentation of the next line set aside)."""
    lines = text.split("\n")
    cut = []
    for a, b in zip(lines, lines[1:]):
        a = a.rstrip()
        joined = a + GUIDES.sub("", b)
        cut += [m.group() for m in DATE.finditer(joined) if m.start() < len(a) < m.end()]
    return cut


def test_split_dates_finds_a_cut_date():
    assert split_dates("取证期限 202\n│   6-03-01") == ["2026-03-01"]
    assert split_dates("自3月1\n    日起") == ["3月1日"]
    assert split_dates("取证期限 2026-03-01\n├── 上岗日期：2025-03-01") == []


@pytest.mark.parametrize("width", [80, 100, 140])
def test_every_value_and_label_whole_in_its_column(policy, roster, width):
    """Each determination's value stands whole in its decision's column, on its subject's row (each table repeats
    the id), every decision's label whole in a header; no line is wider than the console."""
    _, results = roster
    text = render(policy, roster, width)
    lines = text.split("\n")
    assert max(cell_len(line) for line in lines) <= width
    words = {w for r in results for d in r.determinations for w in expected(d.value)}
    labels = {d.label for d in policy.decisions.values()}
    assert len(words) >= 18 and not [w for w in words | labels if not any(w in line for line in lines)]
    rows: dict[tuple[str, str], str] = {}   # (subject, decision label) → the first line of its cell
    headers = set()
    for header, body in tables(text):
        starts = sorted(cell_len(header[:m.start()]) for m in re.finditer(r"(?<!\S)\S", header))   # each header's start
        labels = [d.label for d in policy.decisions.values() if d.label in header]
        headers |= set(labels)
        for line in body:
            subject = line.split(" ", 1)[0]
            for label in labels:
                start = cell_len(header[:header.index(label)])
                end = next((s for s in starts if s > start), None)
                rows[(subject, label)] = between(line, start, end).strip()
    rows.update(blocks(policy, lines))
    subjects = [d.subject for r in results for d in r.determinations]
    assert len(set(subjects)) == len({(r.case.id, d.subject) for r in results for d in r.determinations})   # ids unique
    shown_somewhere = "\n".join(lines)
    checked = 0
    for result in results:
        for d in result.determinations:
            decision = policy.decisions.get(d.decision)
            if decision is None:   # a scenario's companion: its values are shown inside its decision's cell
                for word in expected(d.value):
                    assert any(word in line for line in lines), (d.subject, d.decision, word)
                continue
            cell = rows.get((d.subject, decision.label))
            assert cell is not None, (d.subject, decision.label, width)
            words = expected(d.value)
            if len(words) == 1 and decision.scenarios is None:
                assert cell == words[0], (d.subject, decision.label, words, cell)   # whole, alone in its cell
            else:
                assert cell.startswith(words[0]), (d.subject, decision.label, words, cell)
            assert all(any(w in line for line in lines) for w in words), (d.subject, words)
            checked += 1
    assert checked > 400 and "有条件合格" in shown_somewhere
    used = {policy.decisions[d.decision].label for r in results for d in r.determinations if d.decision in policy.decisions}
    assert used <= headers


def test_narrow_tables_split_by_section_and_wide_ones_join(policy, roster):
    """At 80 columns a person's decisions need several tables, each titled by the sections (from the rule files)
    of the decisions it holds and repeating the id and name; at 140 they need fewer."""
    text = render(policy, roster, 80)
    lines = text.split("\n")
    narrow = [h for h, _ in tables(text) if h.startswith("编号")]
    wide = [h for h, _ in tables(render(policy, roster, 140)) if h.startswith("编号")]
    assert len(wide) < len(narrow)
    person = [d for d in policy.decisions.values() if d.subject == "person"]
    split = [h for h in narrow if any(d.label in h for d in person)]
    assert len(split) >= 3 * 2 and all(h.startswith("编号 │ 姓名 │") for h in split)   # two cases, three tables each
    for header in split:
        title = lines[lines.index(header) - 1]
        sections = {d.section for d in person if d.label in header}
        assert title.split("：", 1)[1].split("；") == [s for s in dict.fromkeys(d.section for d in person) if s in sections]


@pytest.mark.parametrize("width", [30, 80])
def test_one_subject_is_a_block(policy, roster, width):
    """--subject: the subject's fields and decisions one a line, the value beside (or after) its label, whole."""
    _, results = roster
    text = render(policy, roster, width, subject="P15")
    lines = text.split("\n")
    assert max(cell_len(line) for line in lines) <= width
    assert not [h for h, _ in tables(text) if h.startswith("编号")]   # no table
    [result] = [r for r in results if any(d.subject == "P15" for d in r.determinations)]
    for d in result.determinations:
        if d.subject != "P15":
            continue
        label = policy.decisions[d.decision].label if d.decision in policy.decisions else None
        for word in expected(d.value):
            assert any(word in line for line in lines), (d.decision, word)
        if label and width >= 80:
            [line] = [line for line in lines if line.strip().startswith(label + " ")]
            assert line.split(label, 1)[1].strip().startswith(expected(d.value)[0])


def test_explanations_and_why_not_never_cut_a_date(policy, roster):
    """Every explanation tree and every why-not tree of the roster at 80 columns: many dates, none cut."""
    explained = render(policy, roster, 80, explain=True)
    asked = render(policy, roster, 80, why_not=("annual_grade", "优秀"))
    for text in (explained, asked):
        assert max(cell_len(line) for line in text.split("\n")) <= 80
        assert split_dates(text) == []
    assert len(DATE.findall(explained)) > 1000 and "为何不是" in asked


def test_a_date_is_never_cut_at_any_width(policy, roster):
    """One explanation rendered at every width from 24 to 80: the line breaks fall everywhere, never in a date;
    the tree keeps every word of the explanation (only the line breaks move)."""
    case_file, results = roster
    result = results[0]
    why = Why(Trace.of(policy, result))
    [d] = [d for d in result.determinations if d.subject == "P11" and d.decision == "certificate_status"]
    node = why.determination(d)
    flat = None
    for width in range(24, 81):
        out = io.StringIO()
        Console(width=width, file=out, force_terminal=False).print(terminal.explanation_tree(node, policy=policy))
        text = out.getvalue()
        assert split_dates(text) == [], width
        assert max(cell_len(line) for line in text.split("\n")) <= width
        words = re.sub(r"[\s│├└─]", "", text)
        assert flat in (None, words)
        flat = words
    assert "2026-03-01" in flat


def test_a_persons_name_is_masked_a_centers_never(policy, tmp_path):
    """Masking is for persons: 王五 shows as 王*, the center's name whole (it is no one's personal data)."""
    case = {"id": "K", "as_of": "2025-12-31", "assessment_year": 2025,
            "people": [person("P1", name="王五", center="C1")],
            "centers": [{"id": "C1", "name": "宿城区政务服务中心", "level": "区级", "windows": 20}]}
    case_file, results = evaluate_file(str(write_case(case, tmp_path)), policy)
    assert not case_file.errors and not results[0].errors
    for unmask, name in ((False, "王*"), (True, "王五")):
        out = io.StringIO()
        terminal.render_case(Console(width=80, file=out, force_terminal=False), policy, results[0], unmask)
        text = out.getvalue()
        assert "宿城区政务服务中心" in text and name in text and (unmask or "王五" not in text), text


def test_what_is_masked_follows_the_records_declaration(tmp_path):
    """The table masks a shown field because records.yaml marks it `personal`, not because it is a person's `name`:
    unmark the person's name and it shows whole; mark the center's name and it is masked."""
    policy = remarked(tmp_path)
    case = {"id": "K", "as_of": "2025-12-31", "assessment_year": 2025,
            "people": [person("P1", name="王五", center="C1")],
            "centers": [{"id": "C1", "name": "宿城区政务服务中心", "level": "区级", "windows": 20}]}
    case_file, results = evaluate_file(str(write_case(case, tmp_path)), policy)
    out = io.StringIO()
    terminal.render_case(Console(width=80, file=out, force_terminal=False), policy, results[0])
    text = out.getvalue()
    assert "王五" in text and "宿城区政务服务中心" not in text and "宿*******" in text, text


def test_the_books_line_keeps_each_kinds_part_whole(policy, roster):
    """人员 读入 48 = 判定 48 + 出错 0: a part is never broken (its 读入 was split from its kind at 80 columns)."""
    text = render(policy, roster, 80)
    line = next(i for i, l in enumerate(text.split("\n")) if l.startswith("记录核对"))
    lines = text.split("\n")[line:line + 3]
    for kind, n in (("人员", 48), ("中心", 5), ("事项", 24)):
        assert any(f"{kind} 读入 {n} = 判定 {n} + 出错 0" in l for l in lines), lines


@pytest.mark.parametrize("width", range(20, 60, 3))
def test_a_number_keeps_its_measure_word(width):
    """20 条解释, 63 个方案: a count is not left at a line's end without what it counts."""
    text = "通过 宿区政办发〔2024〕26号 v1.1.0：14 项决定、62 条规则、25 个参数、20 条解释、61 个条款；6 个警告"
    lines = terminal.fold(text, width)
    assert not [l for l in lines[:-1] if re.search(r"\d$", l)], lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_rule_title_is_never_cut_at_any_width(policy):
    """Analyze's sentences list rules by their titles: each title stays whole on its line, at every width a title
    fits in."""
    titles = [r.title for r in policy.rules.values()]
    text = "重叠：" + "、".join(f"“{t}”" for t in titles)
    widest = max(cell_len(f"“{t}”、") for t in titles)
    for width in range(widest, 81):
        out = io.StringIO()
        terminal.say(Console(width=width, file=out, force_terminal=False), terminal.flowing(text, policy))
        lines = out.getvalue().rstrip("\n").split("\n")
        assert "".join(lines) == text, width
        assert max(cell_len(line) for line in lines) <= width
        assert [t for t in titles if not any(t in line for line in lines)] == [], width
