"""The terminal: rich tables of each case's determinations, explanation and why-not trees, the books' line,
errors, for officers.

Layout. An officer reads a roster decision by decision — who is refused, whose deadline comes first, who is to
be reassigned — so the determinations stay in tables, a column per decision, where the eye runs down one
decision over 48 people and a value's colour lines up; a block per person would put the same decision at a
different height for each and hide the one exception among 48. But a table of every decision does not fit 80
columns (a pipe's width) without cutting values and stacking headers, so a kind's decisions are spread, in
order, over as few tables as the width holds, keeping together the groups the policy makes — the section of
each decision's rule file (`Decision.section`): cutting a group costs as much as one more table. Every table
repeats the subject's id and first field (its name) so that a row can be followed from one table to the next,
and is titled by the sections it holds. On a wide terminal everything that fits shares one table.

Nothing is cut inside a word: text breaks only where Chinese typesetting allows (between characters of running
text, after punctuation, at spaces), never inside a date, a number with its unit, an id or code, a clause
number (二(二)5(3)), a label or value of the policy; in a table a value, an id and a header are never broken,
a list only between its values. A column is at least as wide as its header and its widest unbreakable piece,
and the widths are computed here, not left to rich, whose squeezing of a table ignores those minimums. One
subject whose decisions would need several tables (`--subject`) is shown as a block instead: its fields and
decisions one a line, label beside value; so is every subject of a kind when even its id and one decision
cannot share a line. Trees, warnings and errors wrap by the same rule.

Personal data is masked here, at the edge, unless the caller asks otherwise:
persons' names keep their first character (张*; a center's name is no one's personal data),
ID numbers their first 6 and last 4 digits (engine/common/privacy.py). Nothing upstream prints.
"""
from __future__ import annotations

import dataclasses
import functools
import io
import re
from typing import Callable, Iterable

from rich import box
from rich.cells import cell_len, chop_cells
from rich.console import Console, Group
from rich.containers import Lines
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..casefiles.cases import CaseError, CaseFile, personal_of
from ..casefiles.labels import kinds_of
from ..pipeline.evaluate import CaseResult
from ..pipeline.resolve import Determination
from ..explain.pieces import parameter_value
from ..policy.model import Policy
from ..common.words import shown
from .answer import decision_label
from ..common.privacy import mask_error, mask_field, mask_text, printable, shown_id

__all__ = ["fold", "flowing", "say", "new_table", "fitted_table", "chrome", "render_case", "render_evaluation", "summary_line", "account_line", "error_lines",
           "render_errors", "explanation_tree", "why_not_tree"]


# ── Where a line may break ────────────────────────────────────────────────────────────────────────────────────

_OPENING = frozenset("（([{「『“‘〔【《〈")               # never at the end of a line
_CLOSING = frozenset("）)]}」』”’〕】》〉，。、；：？！,.;:!?%…")   # never at the start of one
# Runs never broken although they mix Chinese and digits: a date or month in Chinese, a clause number, a number
# and the measure word after it (63 个, 20 条: a count is not left at a line's end without what it counts).
_UNBROKEN = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日"
                       r"|[一二三四五六七八九十]+(?:\([一二三四五六七八九十\d]+\)|\d+|[①-⑳])+"
                       r"|\d[\d,.]* [\u4e00-\u9fff]")
# A part of the books' line (人员 读入 48 = 判定 48 + 出错 0), never broken
_ACCOUNT_PART = re.compile(r"[^：；]+ 读入 [^；]+")
_WHOLE = re.compile(r"(?s).+")                           # a value, an id, a header: no break at all


def _may_break(before: str, after: str) -> bool:
    """May a line end between these two characters? Between Chinese characters yes (Chinese has no spaces);
    inside a run of Latin letters, digits and their punctuation (a date, a number, an id) no; a number keeps
    its unit (100元), a slash both neighbours (元/月), punctuation its word."""
    if after.isspace():
        return False
    if before.isspace():
        return True
    if before in _OPENING or after in _CLOSING or "/" in (before, after):
        return False
    if cell_len(before) < 2 and cell_len(after) < 2:
        return False
    return not (before.isdigit() and cell_len(after) == 2)


def _pieces(text: str, keep: re.Pattern | None) -> list[str]:
    """`text` cut where a line may break; `keep` matches more runs never broken (the policy's words)."""
    inside: set[int] = set()
    for pattern in (_UNBROKEN, keep):
        for m in pattern.finditer(text) if pattern is not None else ():
            inside.update(range(m.start() + 1, m.end()))
    bounds = [0, *(i for i in range(1, len(text)) if i not in inside and _may_break(text[i - 1], text[i])),
              len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def _offsets(text: str, width: int, keep: re.Pattern | None) -> list[int]:
    """Where to break `text` into lines of at most `width` cells, filling each line with whole pieces; a piece
    wider than a line is folded, the only way a piece is ever cut."""
    width = max(width, 1)
    offsets, used, at = [], 0, 0
    for piece in _pieces(text, keep):
        if used and used + cell_len(piece.rstrip()) > width:
            offsets.append(at)
            used = 0
        if cell_len(piece.rstrip()) > width:
            chunks = chop_cells(piece, width)
            for chunk in chunks[:-1]:
                at += len(chunk)
                offsets.append(at)
            piece = chunks[-1]
        used += cell_len(piece)
        at += len(piece)
    return offsets


class _Flowing(Text):
    """Text that breaks lines only between pieces (above). Rich's own wrapping breaks only at spaces and folds
    a longer run wherever the line ends: in Chinese, which has no spaces, inside any date or word."""

    def __init__(self, *args, keep: re.Pattern | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.keep = keep

    def wrap(self, console, width, *, justify=None, overflow=None, tab_size=8, no_wrap=None) -> Lines:
        overflow = overflow or self.overflow or "fold"
        if no_wrap or self.no_wrap or overflow == "ignore":
            return super().wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size, no_wrap=no_wrap)
        justify = justify or self.justify or "default"
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            parts = line.divide(_offsets(line.plain, width, self.keep))
            for part in parts:
                part.rstrip_end(width)
            parts.justify(console, width, justify=justify, overflow=overflow)
            for part in parts:
                part.truncate(width, overflow=overflow)
            lines.extend(parts)
        return lines

    def __rich_measure__(self, console, options) -> Measurement:
        least, most = _extent(self.plain, self.keep)
        return Measurement(least, most)


def _extent(text: str, keep: re.Pattern | None) -> tuple[int, int]:
    """The narrowest width that cuts no piece of `text`, and its widest line."""
    lines = text.split("\n")
    least = max((cell_len(p.rstrip()) for line in lines for p in _pieces(line, keep)), default=0)
    return least, max(cell_len(line) for line in lines)


def _flow(text: Text | str, keep: re.Pattern | None = None, style: str = "") -> _Flowing:
    if isinstance(text, str):
        text = Text(text, style=style)
    out = _Flowing(keep=keep, justify=text.justify, overflow=text.overflow, no_wrap=text.no_wrap, end=text.end)
    out.append_text(text)
    return out


def flowing(text: Text | str, policy: Policy | None = None, style: str = "") -> Text:
    """Running text for any command's output that breaks lines by the rule above: never inside a date, a number,
    an id or one of `policy`'s words."""
    return _flow(text, _words(policy), style)


def fold(text: str, width: int) -> list[str]:
    """Plain text (one line) as lines of at most `width` cells, broken where a line may break (above): the
    commands' help, which argparse would wrap by characters (a Chinese character is two cells wide)."""
    cuts = [0, *_offsets(text, width, None), len(text)]
    return [text[a:b].rstrip() for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()] or [""]


def say(console: Console, *texts: Text) -> None:
    """Print flowing texts, each as it breaks. console.print joins Text arguments into one plain Text, which would
    wrap by rich's rule: a Group keeps each as it is."""
    console.print(Group(*texts))


_print = say


_WORDS: dict[str, re.Pattern | None] = {}


def _words(policy: Policy | None) -> re.Pattern | None:
    """The policy's words never broken across lines in running text: decisions' labels and values, rules' titles,
    fact kinds', facts', fields' and parameters' labels and units, the vocabulary's words (only those of two or
    more characters that hold a Chinese character: a Latin run is never broken anyway)."""
    if policy is None:
        return None
    if policy.digest not in _WORDS:
        words: set[str] = set()
        for d in policy.decisions.values():
            words.add(d.label)
            words |= {shown(v) for v in d.values or ()}
            words |= {shown(r.then) for r in d.rules if r.has_then and not isinstance(r.then, (list, dict))}
            words |= {r.title for r in d.rules if r.title}
            if d.scenarios:
                words |= {d.scenarios.undecided, d.scenarios.possible_label}
        for kind in policy.kinds.values():
            words |= {kind.label, *kind.shown.values(), *(a.label for a in kind.attributes.values()),
                      *(f for a in kind.attributes.values() for f in a.fields.values()),
                      *(d.label for d in kind.derived)}
        words |= {p.label for p in policy.parameters.values()}
        words |= {u for kind in policy.kinds.values() for u in [*(a.unit for a in kind.attributes.values()),
                                                               *(d.unit for d in kind.derived)] if u}
        words |= {p.unit for p in policy.parameters.values() if p.unit}   # a number keeps its unit: 35周岁
        for entry in policy.vocabulary.values():
            values = entry.get("values") if isinstance(entry, dict) else None
            words |= {str(v) for v in values} if isinstance(values, list) else set()
        words = {w for w in words if isinstance(w, str) and len(w) > 1 and not w.isascii() and "\n" not in w}
        _WORDS[policy.digest] = re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True)))) if words else None
    return _WORDS[policy.digest]


# ── The determinations' tables ────────────────────────────────────────────────────────────────────────────────

def _cell(decision, subject: str, values: dict, keep: re.Pattern | None) -> _Flowing:
    """A determination in a table cell, never broken inside a value; an undecided scenario value shows the values
    still possible."""
    if (subject, decision.name) not in values:
        return _flow("")
    v = values[(subject, decision.name)]
    sc = decision.scenarios
    if sc is not None and v == sc.undecided:
        return _flow(f"{shown(v)}（{shown(values.get((subject, sc.possible)) or [])}）", keep, "yellow")
    whole = None if isinstance(v, (list, tuple, dict)) else _WHOLE   # a list breaks between its values
    return _flow(shown(v).replace("未提供", "—"), whole or keep, _style(decision, v))


def _style(decision, value) -> str:
    """Green for a value the rule file marks `favourable`, red for any other value of such a decision."""
    favourable = decision.favourable
    if not favourable or value is None:
        return ""
    return "green" if any(value == f and type(value) is type(f) for f in favourable) else "red"


@dataclasses.dataclass
class _Column:
    header: str
    cells: list[_Flowing]
    section: str | None = None   # the decision's section (None: the subject's id or field)
    justify: str = "left"        # right for amounts
    least: int = 0               # narrowest width cutting neither the header nor a cell's piece
    most: int = 0                # the width of its widest line

    def __post_init__(self):
        extents = [_extent(c.plain, c.keep) for c in self.cells]
        self.least = max([cell_len(self.header), *(e[0] for e in extents)])
        self.most = max([cell_len(self.header), *(e[1] for e in extents)])


def new_table() -> Table:
    """Columns between rules │, a rule under the headers, no frame (its two sides would take 4 columns)."""
    return Table(box=box.MINIMAL, show_edge=False, pad_edge=False, header_style="bold")


@functools.lru_cache(maxsize=None)
def chrome(columns: int) -> int:
    """The cells a table of this many columns adds to its columns' widths (padding, rules), as rich draws it."""
    table = new_table()
    for _ in range(columns):
        table.add_column(width=1)
    return Console(file=io.StringIO(), width=10_000).measure(table).maximum - columns


def _fits(columns: list[_Column], width: int) -> bool:
    return sum(c.least for c in columns) + chrome(len(columns)) <= width


def _pack(identity: list[_Column], columns: list[_Column], width: int) -> list[list[_Column]] | None:
    """The decisions' columns, in order, spread over tables `width` wide: the first table with every identity
    column, each next one with the id and first field. A group (a run of one section) cut between two tables
    costs as much as one more table: the least cost; then the fewest groups cut; then the most even (the
    fewest decisions in a table is largest). None when not even the identity and one decision fit."""
    keep, n = identity[:2], len(columns)

    def fits(i: int, j: int) -> bool:
        return _fits((identity if i == 0 else keep) + columns[i:j], width)

    def cuts_group(i: int) -> int:
        return int(0 < i < n and columns[i - 1].section == columns[i].section)

    best = None
    for least in range(n, 0, -1):   # every table holds at least `least` decisions
        cost: dict[int, tuple[int, int, int]] = {0: (0, 0, -1)}   # columns[:j] → (tables + cuts, cuts, last's start)
        for j in range(1, n + 1):
            options = [(cost[i][0] + 1 + cuts_group(i), cost[i][1] + cuts_group(i), i) for i in range(j - least + 1)
                       if i in cost and fits(i, j)]
            if options:
                cost[j] = min(options)
        if n in cost and (best is None or (cost[n][0], cost[n][1], -least) < best[0]):
            best = ((cost[n][0], cost[n][1], -least), cost)
    if best is None:
        return None
    cost, tables, j = best[1], [], n
    while j:
        i = cost[j][2]
        tables.insert(0, (identity if i == 0 else keep) + columns[i:j])
        j = i
    return tables


def _widths(columns: list[_Column], width: int) -> list[int]:
    """Each column at its least, then the room left given to the columns in order, up to their widest line."""
    widths = [c.least for c in columns]
    room = width - chrome(len(columns)) - sum(widths)
    for i, c in enumerate(columns):
        grow = max(0, min(room, c.most - widths[i]))
        widths[i] += grow
        room -= grow
    return widths


def _table(columns: list[_Column], width: int) -> Table:
    table = new_table()
    for column, w in zip(columns, _widths(columns, width)):
        header = _flow(column.header, _WHOLE)
        header.justify = "left"   # above amounts too: the headers' starts mark the columns
        table.add_column(header, width=w, overflow="fold", justify=column.justify)
    for row in zip(*(c.cells for c in columns)):
        table.add_row(*row)
    return table


def fitted_table(headers: list[str], rows: list[list[Text | str]], width: int, policy: Policy | None = None,
                 right: Iterable[int] = (), whole: Iterable[int] = ()) -> Table | None:
    """Any command's table laid out as the determinations' are: each column at least as wide as its header and
    its widest unbreakable piece (an id, a date, a number with its unit, one of `policy`'s words), the room left
    given in order; a cell breaks only where a line may (a list between its values). `right`: the columns of
    numbers, set right; `whole`: the columns whose values are never broken (a status). None when the columns
    cannot fit `width` so: the caller shows its rows otherwise."""
    keep, whole = _words(policy), set(whole)
    cells = [[c if isinstance(c, _Flowing) else _flow(c, _WHOLE if i in whole else keep) for i, c in enumerate(row)]
             for row in rows]
    right = set(right)
    columns = [_Column(h, [row[i] for row in cells], justify="right" if i in right else "left")
               for i, h in enumerate(headers)]
    return _table(columns, width) if _fits(columns, width) else None


def _block(console: Console, head: str, columns: list[_Column], row: int, width: int, keep: re.Pattern | None) -> None:
    """One subject: its fields and decisions one a line, the label beside the value (or before it, when the
    two cannot share a line)."""
    _print(console, _flow(Text(head, style="bold"), keep))
    pairs = [(c.header, c.cells[row]) for c in columns]
    label_width = max(cell_len(label) for label, _ in pairs)
    values = [_extent(v.plain, v.keep) for _, v in pairs]
    grid = Table(box=None, show_header=False, padding=(0, 0, 0, 2), pad_edge=True)
    room = width - label_width - _chrome_grid()
    if room >= max(least for least, _ in values):
        grid.add_column(width=label_width)
        grid.add_column(width=min(room, max(most for _, most in values)), overflow="fold")
        for label, value in pairs:
            grid.add_row(_flow(label, _WHOLE), value)
        console.print(grid)
        return
    lines = Table(box=None, show_header=False, padding=(0, 0, 0, 2), pad_edge=True)   # a value's next lines indented too
    lines.add_column(overflow="fold")
    for label, value in pairs:
        line = Text(f"{label}：")
        line.append_text(value)
        lines.add_row(_flow(line, keep))
    console.print(lines)


@functools.lru_cache(maxsize=None)
def _chrome_grid() -> int:
    grid = Table(box=None, show_header=False, padding=(0, 0, 0, 2), pad_edge=True)
    grid.add_column(width=1)
    grid.add_column(width=1)
    return Console(file=io.StringIO(), width=10_000).measure(grid).maximum - 2


def render_case(console: Console, policy: Policy, result: CaseResult, unmask: bool = False, subject: str | None = None) -> None:
    """A case's determinations: per kind of subject, tables fitting the console's width (see the module's
    docstring), or a block for one subject; then the case's errors."""
    keep = _words(policy)
    case = result.case
    said = "".join(f" · {f.label} {case.values.get(n)}" for n, f in policy.records.case_fields.items()
                   if case.values.get(n) is not None)
    head = Text.assemble((shown_id(case.id, unmask), "bold"), f" · 判定日 {case.as_of}{said}")
    if cell_len(head.plain) + 4 <= console.width:
        console.rule(head)
    else:   # a rule would cut its title short
        console.rule()
        _print(console, _flow(head, _words(policy)))
    for w in result.warnings:
        _print(console, _flow(Text.assemble(("注意", "yellow"), " ", printable(w if unmask else mask_text(w))), keep))
    values = {(d.subject, d.decision): d.value for d in result.determinations}
    decisions = policy.decisions
    width = console.width
    for kind, spec in policy.kinds.items():
        names = [n for n in policy.output_decisions() if n in decisions and decisions[n].subject == kind]
        declared = policy.records.kinds.get(kind)
        entries = case.records.get(declared.list, []) if declared else []
        rows = [e for e in entries if subject is None or e["id"] == subject]
        if not rows or not names:
            continue
        identity = [_Column("编号", [_flow(shown_id(e["id"], unmask), _WHOLE) for e in rows])]
        for field, header in spec.shown.items():
            raw = [str(e.get(field) or "") for e in rows]
            # as records.yaml marks the field: a person's name masked, a center's or an item's never
            path = f"{declared.list}[0].{field}" if declared else field
            mark = personal_of(policy).of(path)
            shown_raw = raw if unmask else [mask_field(r, mark) for r in raw]
            identity.append(_Column(header, [_flow(printable(r), _WHOLE) for r in shown_raw]))
        columns: list[_Column] = []
        for n in names:
            d = decisions[n]
            shown_values = [values[(e["id"], n)] for e in rows if (e["id"], n) in values]
            numbers = shown_values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in shown_values)
            column = _Column(d.label, [_cell(d, e["id"], values, keep) for e in rows], d.section,
                             "right" if numbers else "left")
            columns.append(column)
        tables = _pack(identity, columns, width)
        if tables is None or (len(rows) == 1 and len(tables) > 1):
            for i, e in enumerate(rows):
                _block(console, f"{spec.label} {shown_id(e['id'], unmask)}", identity[1:] + columns, i, width, keep)
            continue
        for table in tables:   # the title above, not in the table, whose width would wrap it
            sections = list(dict.fromkeys(c.section for c in table if c.section)) if len(tables) > 1 else []
            title = f"{spec.label}（{len(rows)}）" + ("：" + "；".join(sections) if sections else "")
            whole = "|".join(map(re.escape, sorted(sections, key=len, reverse=True)))   # a section stays on one line
            _print(console, _flow(title, re.compile(whole + (f"|{keep.pattern}" if keep else "")) if whole else keep,
                                  "italic"))
            console.print(_table(table, width))
    for error in result.errors:
        e = error.as_json()
        masked = e if unmask else mask_error(e, error.held)
        who = f" {masked['subject']}" if masked.get("subject") else ""
        where = f" {error.place}" if error.place else ""    # the field is named in the message, by its label
        _print(console, _flow(printable(f"错误 {masked['case']}{who}{where}：{masked['message']}"),
                              keep, style="red"))


def render_evaluation(out: Console, err: Console, policy: Policy, case_file: CaseFile, results: list[CaseResult],
                      explained: Callable[[CaseResult], tuple[Iterable[tuple[Determination, dict]], Iterable[dict]]],
                      books: dict, unmask: bool = False, subject: str | None = None) -> None:
    """`evaluate`'s table: the policy's line, the file's errors (on `err`), each case's tables followed by what
    `explained(result)` gives (each determination with its explanation, each why-not answer), the totals, the books."""
    keep = _words(policy)
    _print(out, _flow(Text.from_markup(f"[bold]{escape(policy.document_number)}[/] {escape(policy.title)} · "
                                       f"版本 {escape(policy.version)} · {policy.digest[:19]}"), keep))
    render_errors(err, [e for e in case_file.errors], unmask)
    for result in results:
        render_case(out, policy, result, unmask, subject)
        explanations, answers = explained(result)
        for d, node in explanations:
            label = decision_label(policy, d.decision)
            out.print(explanation_tree(node, f"[bold]{escape(shown_id(d.subject, unmask))}[/] · {escape(label)} = "
                                             f"[bold]{escape(shown(d.value))}[/]", policy))
        for answer in answers:
            out.print(why_not_tree(answer, policy))
    errors = len([e for e in case_file.errors if e.case not in {r.case.id for r in results}]) + sum(len(r.errors) for r in results)
    _print(out, _flow(summary_line(len(results), sum(len(r.determinations) for r in results), errors)))
    _print(out, _flow(account_line(books, {k: label for _, k, label in kinds_of(policy)}), _ACCOUNT_PART))


def summary_line(cases: int, determinations: int, errors: int) -> str:
    """The run's totals under the tables."""
    return f"判定 {cases} 个案例，共 {determinations} 项判定；出错 {errors} 处"


def account_line(books: dict, labels: dict[str, str]) -> str:
    """读入 = 判定 + 出错, per list of records (`labels`: list → what it is called); a run that does not balance
    says so."""
    parts = [f"{labels.get(k, k)} 读入 {v['read']} = 判定 {v['decided']} + 出错 {v['errored']}"
             for k, v in books.items() if isinstance(v, dict)]
    head = "记录核对" if books["balanced"] else "记录核对不平（程序错误，请报告）"
    return f"{head}：" + "；".join(parts)


def error_lines(errors: list, unmask: bool = False) -> list[Text]:
    """Each error (a case's, a policy's problem) as the line printed for it: «✗ …», masked unless `unmask`."""
    lines = []
    for e in errors:
        if isinstance(e, CaseError) and not unmask:
            masked = mask_error(e.as_json(), e.held)
            e = dataclasses.replace(e, message=masked["message"])
        text = str(e)
        lines.append(_flow(Text.assemble(("✗", "red"), " ", printable(text if unmask else mask_text(text)))))
    return lines


def render_errors(console: Console, errors: list, unmask: bool = False) -> None:
    for line in error_lines(errors, unmask):
        _print(console, line)


def explanation_tree(node: dict, label: str | None = None, policy: Policy | None = None, ids: bool = False) -> Tree:
    """An explanation (engine/explain/why.py) as a rich tree in Chinese: rule, clause and words, the condition as a
    sentence, facts, parameters, readings, what it set aside, then what it built on. `label`: the head, in markup;
    `policy`: whose words no line breaks inside. Rules are named by their titles; `ids`: with their ids too, for
    the policy's editor (a failed policy test), who finds a rule by its id."""
    keep = _words(policy)

    def rule(entry: dict) -> str:
        title = entry.get("title") or (policy.rules[entry["rule"]].title if policy is not None and
                                       entry.get("rule") in policy.rules else None)
        return f"{title}（{entry['rule']}）" if ids and title else title or str(entry.get("rule") or "")

    def add(tree: Tree, text: str, style: str = "") -> Tree:
        return tree.add(_flow(text, keep, style))

    head = label or (f"[bold]{escape(shown(node.get('value')))}[/] ← {escape(rule(node))}"
                     f"  [cyan]{escape(node.get('clause') or '')}[/]")
    tree = Tree(_flow(Text.from_markup(head), keep))
    if node.get("note"):
        add(tree, node["note"])
    if node.get("text") and node.get("amended_by"):
        add(tree, f"原文「{node['text']}」——其中的数额已由 {'、'.join(node['amended_by'])} 修改，现行值见下列参数", "italic")
    elif node.get("text"):
        add(tree, f"「{node['text']}」", "italic")
    if node.get("sentence"):
        add(tree, f"条件：{node['sentence']}" + (f"；取值：{node['computed_sentence']}" if node.get("computed_sentence") else ""))
    if node.get("scenario"):
        add(tree, f"情形：{node['scenario']}")
    for fact in (node.get("facts") or {}).values():
        _fact_branch(tree, fact, keep)
    for p in (node.get("parameters") or {}).values():
        if p.get("lapsed"):
            add(tree, f"参数 {p.get('note', '')}（{p.get('clause') or ''}）")
            continue
        since = f"，自{p['since']}起" if p.get("since") else ""
        until = f"，至{p['until']}止" if p.get("until") else ""
        source = f"依据 {p['reference']}" if p.get("reference") else (p.get("clause") or "")
        add(tree, f"参数 {p.get('label', '')} = {parameter_value(p)}（{source}{since}{until}）")
    for i in node.get("interpretations") or []:
        add(tree, f"解释：{i['reading']}（{i['basis']}）", "magenta")
    for b in node.get("blocked") or []:
        add(tree, f"排除：{rule(b)}「{b.get('text', '')}」", "dim")
    for o in node.get("overrides") or []:
        by = "、".join(rule(b) for b in o.get("by") or [])
        add(tree, f"未适用：{rule(o)}（得出{shown(o.get('value'))}）的条件也成立，但让位于 {by}", "dim")
    for sc in node.get("scenarios") or []:
        add(tree, f"情形：{sc['assumes']} → {shown(sc['value'])}（{rule(sc) if sc.get('rule') else '无规则适用'}）")
    for child in node.get("because") or []:
        tree.children.append(explanation_tree(child, policy=policy, ids=ids))
    return tree


def _fact_branch(tree: Tree, fact: dict, keep: re.Pattern | None) -> None:
    text = f"{fact.get('label', '')}：{shown(fact.get('value'), fact.get('unit'))}"
    if fact.get("detail"):
        text += f"（{fact['detail']}）"
    branch = tree.add(_flow(text, keep))
    for inner in (fact.get("from") or {}).values():
        _fact_branch(branch, inner, keep)


def why_not_tree(result: dict, policy: Policy | None = None) -> Tree:
    """Why a value was not reached, rule by rule, in sentences; `policy`: whose words no line breaks inside."""
    keep = _words(policy)
    question = "已是" if result.get("reached") else "为何不是"
    head = (f"[bold]{escape(result['subject'])}[/] · {escape(result.get('label') or result['decision'])}："
            f"{question}“{escape(shown(result['value']))}”（实际：{escape(shown(result['actual']))}）")
    tree = Tree(_flow(Text.from_markup(head), keep))
    if result.get("reached") or not result["rules"]:
        tree.add(_flow(result["summary"], keep, "green" if result.get("reached") else ""))
    for r in result["rules"]:
        branch = tree.add(_flow(f"{r['title'] or r['rule']}  {r['clause']}「{r['text']}」", keep))
        branch.add(_flow(r["summary"], keep))
    return tree
