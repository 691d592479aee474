"""The policy as typed data: what the loader builds and every later stage reads."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..common.locations import Location
from .records import Records

__all__ = ["Clause", "Interpretation", "Review", "Notice", "Where", "DatedValue", "Parameter", "Attribute", "Related", "Tally",
           "Derivation",
           "FactKind", "Rule", "Scenarios", "Money", "Decision", "RESERVED_KINDS", "Policy", "NamedDate",
           "DateOption", "ValueMove", "Raise", "DateShift", "NewEntry", "Grouping", "Contestable", "Appeals"]


@dataclass(frozen=True)
class Clause:
    ref: str           # 二(二)5(2)
    title: str
    line: int          # first line of the paragraph in source.txt (1-based)
    end_line: int      # last line before the next clause starts
    text: str          # the paragraph(s) of this clause, verbatim
    descriptive: str | None = None   # why it decides nothing (clauses.yaml `descriptive:`), for `run.py coverage`


@dataclass(frozen=True)
class Interpretation:
    id: str
    reading: str
    basis: str
    location: Location
    about: str | None = None   # bounds | leap_day: when it made a difference for a person (a letter shows it then only)


@dataclass(frozen=True)
class Review:
    """How to ask for review of a determination (notice.yaml `review:`)."""
    body: str                  # to whom
    form: str                  # in what form
    days: int                  # within how many days
    start: str                 # counted from (notice.yaml `from:`)
    basis: str                 # on what basis
    wording: str               # the paragraph, {body} {form} {days} {from} {basis} filled in


@dataclass(frozen=True)
class Notice:
    """notice.yaml: what a 决定告知书 says beyond the determinations."""
    issuer: str                # the office sending the letter
    review: Review
    further: tuple[str, ...]   # further remedies, a sentence each
    confirm: tuple[str, ...]   # issuer, review.body …: values the issuing office must still confirm
    file: str
    keys_at: dict = field(default_factory=dict, compare=False, hash=False)   # confirm item → where its value stands


Where = dict   # a key of the YAML mapping (or `key[i]`, `value.a.b`) → where its value stands


@dataclass(frozen=True)
class DatedValue:
    since: dt.date
    value: Any         # None ends the parameter (OpenFisca's `null`); a date value is a dt.date
    clause: str | None
    location: Location
    reference: str | None = None    # the source that set this value, as cited: 宿区政办发〔2025〕3号 …, or (a source
                                    # without a 文号) 国务院《2025年政府工作报告》（2025年3月5日）; OpenFisca's `reference`
    keys_at: Where = field(default_factory=dict, compare=False, hash=False)
    until: dt.date | None = None    # the last day this value applies (`until:`); after it the parameter has lapsed

    def where(self, key: str) -> Location:
        return self.keys_at.get(key, self.location)


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    unit: str | None
    interpretations: tuple[str, ...]
    values: tuple[DatedValue, ...]   # ascending by `since`
    location: Location
    keys_at: Where = field(default_factory=dict, compare=False, hash=False)
    labels: dict = field(default_factory=dict, compare=False, hash=False)   # a word value → the policy's words for it
    type: str | None = None          # `type: date`: every value is a date (a value written YYYY-MM-DD is one anyway)
    until: dt.date | None = None     # the last day any value applies (`until:` on the parameter)

    def where(self, key: str) -> Location:
        return self.keys_at.get(key, self.location)

    def word(self, value: Any) -> Any:
        """A value as the policy words it (`labels:`: feb_28 → 2月28日); any other value as it is."""
        return self.labels.get(value, value) if isinstance(value, str) else value

    def current(self, day: dt.date) -> DatedValue | None:
        """The entry whose `since` is the latest on or before `day` (null entries included, lapse not applied)."""
        current = None
        for dated in self.values:
            if dated.since <= day:
                current = dated
        return current

    def ends(self, dated: DatedValue) -> dt.date | None:
        """The last day an entry applies by `until:`: its own, or for the last entry the parameter's (an earlier
        entry ends where the next begins)."""
        days = [d for d in (dated.until, self.until if dated is self.values[-1] else None) if d is not None]
        return min(days) if days else None

    def at(self, day: dt.date) -> DatedValue | None:
        """The value in force on `day`, or None before the first date, after a `null`, or once lapsed."""
        current = self.current(day)
        if current is None or current.value is None or self.lapsed(day) is not None:
            return None
        return current

    def lapsed(self, day: dt.date) -> DatedValue | None:
        """The entry that applied last when on `day` the parameter has lapsed (its `until:` is past), else None."""
        current = self.current(day)
        if current is None or current.value is None:
            return None
        end = self.ends(current)
        return current if end is not None and day > end else None

    def changes(self) -> list[dt.date]:
        """The days on which what the parameter says changes: each entry's first day, and the day after a lapse."""
        days = {d.since for d in self.values}
        days |= {end + dt.timedelta(days=1) for end in (self.ends(d) for d in self.values if d.value is not None)
                 if end is not None and end < dt.date.max}
        return sorted(days)


@dataclass(frozen=True)
class Attribute:
    name: str
    label: str
    type: str
    interpretations: tuple[str, ...] = ()
    unit: str | None = None                                  # 次, 人, 周岁 … for sentences
    fields: dict[str, str] = field(default_factory=dict)      # a map's keys → their labels
    source: tuple[str, ...] = ()                             # the record's field path (`from:`); () = the name
    absent: dict[str, Any] | None = None                     # facts.yaml `absent:`: value or count, and note
    # on a kind with `tally:`: what this attribute makes of the by-month values in its period — `count` the values
    # at a word (or "*": every value), `run` the longest run of adjacent months at a word, `total` their sum, mean,
    # min or max (numbers), `period` the period itself (2025, 2025-Q1, 2025-03); none of these: copied from the
    # subject's own fact, `note` saying how it was obtained when the subject's says nothing
    count: str | None = None
    run: str | None = None
    period: bool = False
    note: str | None = None
    total: str | None = None        # sum | mean | min | max
    related: "Related | None" = None   # computed over the records naming this one (facts.yaml `related:`)
    clause: str | None = None       # the clause a computed attribute (`related:`) encodes, as a derivation's


@dataclass(frozen=True)
class Related:
    """facts.yaml `related:` on an attribute: computed over the facts of the records of kind `of` whose `via`
    field names this record (the people of a center, the workers of an enterprise) — how many (`count`, of those
    whose `where` attribute is true), or the sum, mean, least or greatest of their attribute `of_attribute`."""
    of: str
    via: str
    how: str                        # count | sum | mean | min | max
    attribute: str | None = None    # what is summed …; None for a count
    where: str | None = None        # a yes/no attribute of the related fact: only those where it is true


@dataclass(frozen=True)
class Tally:
    """facts.yaml `tally:`: a kind whose facts count or sum the values of a by-month field (records.yaml
    `by_month`) period by period (`per`: year, quarter, month) — of each record of kind `of` (its own field; one
    fact per period and distinct way the vocabulary's pending word may resolve), or of the records naming it
    (`months: person.ratings`: the people of a center); one fact per period in which a value is given, within the
    case's `year` field when named."""
    of: str                         # the subject's kind of record
    months: str                     # "ratings": the subject's own field; "person.ratings": of the records naming it
    per: str                        # year | quarter | month
    year: str | None = None         # the case's field holding the year the months are taken from (all when None)
    requires: str | None = None     # only subjects whose record fills this field

    @property
    def related(self) -> tuple[str, str] | None:
        """(kind, by-month field) of the related records a per-month tally counts; None for the subject's own."""
        kind, _, name = self.months.partition(".")
        return (kind, name) if name else None


@dataclass(frozen=True)
class Derivation:
    name: str
    label: str
    formula: str
    ast: Any
    clause: str | None
    interpretations: tuple[str, ...]
    location: Location
    unit: str | None = None
    keys_at: Where = field(default_factory=dict, compare=False, hash=False)

    def where(self, key: str) -> Location:
        return self.keys_at.get(key, self.location)


@dataclass(frozen=True)
class FactKind:
    name: str
    label: str
    attributes: dict[str, Attribute]
    derived: tuple[Derivation, ...]   # in dependency order
    location: Location
    shown: dict[str, str] = field(default_factory=dict)   # record field → column header, beside the decisions
    keys_at: Where = field(default_factory=dict, compare=False, hash=False)
    tally: Tally | None = None      # facts counted from a by-month field, not one per record

    def where(self, key: str) -> Location:
        return self.keys_at.get(key, self.location)

    def label_of(self, name: str) -> str | None:
        if name in self.attributes:
            return self.attributes[name].label
        for d in self.derived:
            if d.name == name:
                return d.label
        return None

    def unit_of(self, name: str) -> str | None:
        if name in self.attributes:
            return self.attributes[name].unit
        return next((d.unit for d in self.derived if d.name == name), None)

    def field_label(self, name: str) -> str | None:
        """`attestations.political` → the label of that key of the map, else None."""
        head, _, key = name.partition(".")
        attribute = self.attributes.get(head)
        return attribute.fields.get(key) if attribute and key else None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    decision: str
    clause: str
    text: str
    when: Any                    # AST; Lit(True) for `otherwise` before compilation
    when_text: str
    then: Any = None             # literal conclusion (when `has_then`)
    has_then: bool = False
    compute: Any = None          # AST of a computed conclusion
    compute_text: str | None = None
    otherwise: bool = False
    overrides: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    interpretations: tuple[str, ...] = ()
    location: Location = field(default_factory=lambda: Location("?"))
    keys_at: Where = field(default_factory=dict, compare=False, hash=False)

    def where(self, key: str) -> Location:
        return self.keys_at.get(key, self.location)

    @property
    def concludes(self) -> bool:
        return not self.blocks


@dataclass(frozen=True)
class Scenarios:
    undecided: str
    possible: str
    possible_label: str
    order: tuple[str, ...]
    clause: str
    text: str
    interpretations: tuple[str, ...]


@dataclass(frozen=True)
class Money:
    """A decision whose values are amounts of money (rules' `money:`), for budgets and winners/losers."""
    per_year: int                 # payments per year: the annual budget is the amount × per_year
    better: str = "higher"        # higher | lower: which way is favourable to the subject
    total: bool = False           # the amount a budget sums (the others are its parts)


@dataclass(frozen=True)
class Decision:
    name: str
    label: str
    of: str                       # the fact kind the rules match
    subject: str                  # the kind of subject the determination is about
    hit: str                      # unique | priority | collect
    values: tuple | None
    applies_when: Any             # AST or None
    rules: tuple[Rule, ...]
    scenarios: Scenarios | None
    interpretations: tuple[str, ...]
    section: str
    location: Location
    money: Money | None = None                 # the values are amounts (rules' `money:`)
    favourable: tuple | None = None            # the values favourable to the subject (rules' `favourable:`)
    type: str | None = None                    # number | bool | date | text | enum (one of `values`): declared
                                               # (`type:`) or inferred (policy/decisiontypes.py); None: unknown
    type_declared: bool = False
    keys_at: Where = field(default_factory=dict, compare=False, hash=False)

    def where(self, key: str) -> Location:
        return self.keys_at.get(key, self.location)


# Fact kinds the engine itself asserts into durable_rules: a policy's kind of this name would be taken for them.
RESERVED_KINDS = ("conclusion",)


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    document_number: str
    issuer: str
    issued_on: dt.date
    version: str
    root: str
    source_text: str
    clauses: dict[str, Clause]
    vocabulary: dict[str, Any]
    interpretations: dict[str, Interpretation]
    parameters: dict[str, Parameter]
    records: Records                 # records.yaml: what a case file holds (engine/policy/records.py)
    kinds: dict[str, FactKind]
    decisions: dict[str, Decision]   # in file order
    digest: str
    tests_dir: str | None = None
    keys_at: Where = field(default_factory=dict, compare=False, hash=False)   # policy.yaml's keys
    skipped: frozenset = frozenset()   # names left out of a partial load (validate): problems about them are not news
    incomplete: bool = False           # a partial load with problems: checked for meaning, never compiled
    appeals: Appeals | None = None   # appeals.yaml: the facts an appeal may change (engine/policy/appeals.py reads it)
    roster: str | None = None        # roster.yaml: spreadsheet headers ↔ case fields (engine/casefiles/spreadsheet.py)
    analysis: str | None = None      # analysis.yaml: input domains for run.py analyze (engine/tools/analyze.py)
    demonstration: str | None = None  # policy.yaml `demonstration:`: not a real document, and why it exists
    notice: Notice | None = None     # notice.yaml: the office issuing letters, how to ask for review
    generate: str | None = None      # generate.yaml: how a generated roster is drawn (engine/tools/realism.py)

    @property
    def rules(self) -> dict[str, Rule]:
        return {r.id: r for d in self.decisions.values() for r in d.rules}

    @property
    def ruleset_name(self) -> str:
        """Carries id and version so two versions can live in one process."""
        return f"{self.id}@{self.version}#{self.digest[7:19]}"

    def output_decisions(self) -> list[str]:
        """Decision names in report order, with each scenario companion after its decision."""
        out = []
        for d in self.decisions.values():
            out.append(d.name)
            if d.scenarios:
                out.append(d.scenarios.possible)
        return out


@dataclass(frozen=True)
class NamedDate:
    """A date a date fact may move to, computed on the person (`certificate_due`, `selection_on` …)."""
    name: str
    label: str
    formula: str
    ast: Any


@dataclass(frozen=True)
class DateOption:
    date: str           # a name of Appeals.dates
    cost: int = 0       # added to the move's own cost: a less natural date costs more


@dataclass(frozen=True)
class ValueMove:
    """One word to another (一般 → 好); `source` None is an absent value."""
    source: Any
    target: Any
    cost: int


@dataclass(frozen=True)
class Raise:
    """To any later word of an ordered vocabulary list; each step up costs `cost_per_step`."""
    order: str          # vocabulary path, lowest first; {field} filled from the entry (certificate_level.by_type.{type})
    cost_per_step: int


@dataclass(frozen=True)
class DateShift:
    direction: str                  # earlier | later
    to: tuple[DateOption, ...]
    cost: int


@dataclass(frozen=True)
class NewEntry:
    """A new list entry (a certificate obtained): fixed fields, a level to choose, a date it was obtained by."""
    fields: dict[str, Any]
    level_field: str
    level: Raise
    date_field: str
    dates: tuple[DateOption, ...]
    not_after: str | None           # a named date no chosen date may pass (obtained by the judging date)
    cost: int
    shown: str                      # how the new entry reads, {field} filled in


@dataclass(frozen=True)
class Grouping:
    """appeals.yaml `group:`: one line for changes of one fact kind, same from → to, differing in place only."""
    offered: str                    # alternatives offered: {from} {to} {param.NAME} {param.NAME:%}
    excluded: str                   # changes not offered (they change another determination)


@dataclass(frozen=True)
class Contestable:
    fact: str                       # path pattern into the person's record (a case field such as as_of: the case's)
    label: str                      # Chinese, {placeholders} filled in
    feeds: dict[str, tuple[str, ...]]   # fact kind → attributes (facts.yaml) this fact is read as
    moves: tuple[ValueMove, ...] = ()
    raise_: Raise | None = None
    shift: DateShift | None = None
    add: NewEntry | None = None
    keys: str | None = None         # vocabulary whose keys a {name} may take even when absent from the file
    months_of: str | None = None    # "assessment_year": only months of the case's assessment year
    location: Location = field(default_factory=lambda: Location("?"))
    group: Grouping | None = None  # how alternatives differing only in this fact's place read as one line


@dataclass(frozen=True)
class Appeals:
    subject: str                        # the kind of record an appeal is made by (records.yaml): person
    max_changes: int
    max_candidates: int
    alternatives: int
    dates: dict[str, NamedDate]
    contestable: tuple[Contestable, ...]
    not_contestable: dict[str, str]     # attribute → why it cannot change (出生日期不可更改)
    file: str
    keep_others: str = "changed"        # changed | unfavourable | ignored: what of others' determinations breaks
    keep_own: str = "ignored"           # unfavourable | ignored: the person's own other determinations, noted
    cost_means: str | None = None       # what a cost is, said once
    discretionary_words: tuple[str, ...] = ()   # words of a rule's text that make it discretionary
    discretionary_note: str | None = None
