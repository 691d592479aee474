"""engine/tools/realism.py: generate.yaml, the policy's own account of how a realistic roster is drawn. Every mistake
in it is reported at its file:line in Chinese (validate, and generate refusing with exit 2); a changed distribution
changes the roster with no code edited; without the file, generate falls back to the declaration's cases."""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import POLICY_DIR, ROOT, cli, edit, line_of
from engine.casefiles.cases import load_cases
from engine.pipeline.evaluate import Evaluator, account
from engine.tools import generate, realism
from engine.tools.declared import NOTE as DECLARED_NOTE
from engine.tools.validate import load_or_raise, problems_of

CHINESE = re.compile(r"[\u4e00-\u9fff]")
PLAN = "generate.yaml"


def copy(tmp_path, name: str = "policy"):
    target = tmp_path / name
    shutil.copytree(POLICY_DIR, target)
    return target


def test_the_shipped_file_is_sound_and_read(policy):
    assert realism.plan_problems(policy) == []
    plan = realism.read_plan(policy)
    assert [k.kind.name for k in plan.kinds] == ["center", "person", "item"]   # drawn in the file's order
    assert [k.kind.name for k in plan.kinds if k.how == "counted"] == ["person"]
    assert plan.size == 125 and len(plan.judged) == 4 and plan.leap_years[0] == 1988


# (what is replaced, by what, the text on the line the problem must point at, what the message must say)
MISTAKES = {
    "field-not-in-records": ("education: {weights:", "educaton: {weights:", "educaton:",
                             ["“educaton”不是 records.yaml 中", "“education”"]),
    "weight-not-a-number": ("本科: 50,", "本科: 很多,", "本科: 很多", ["权重应为不小于 0 的数", "很多"]),
    "negative-weight": ("本科: 50,", "本科: -5,", "本科: -5", ["权重应为不小于 0 的数"]),
    "word-not-in-vocabulary": ("本科: 50,", "本料: 50,", "本料: 50", ["不是词表 education 中的词", "“本科”"]),
    "share-above-1": ("present: 0.2\n", "present: 1.5\n", "present: 1.5", ["比例应为 0 至 1 之间的数", "1.5"]),
    "unknown-parameter": ("parameter: window_quota\n", "parameter: window_quotas\n", "window_quotas",
                          ["没有参数“window_quotas”", "“window_quota”"]),
    "unknown-kind": ("  item:\n    per_case: 12", "  items:\n    per_case: 12", "  items:",
                     ["“items”不是 records.yaml 中的记录类别"]),
    "used-before-drawn": ("name: {fake: name}", "name: {text: \"{education}\"}", "{education}",
                          ["“education”在此之后才生成"]),
    "misspelt-key": ("leap: 0.06", "leaps: 0.06", "leaps: 0.06", ["“leaps”不是此处可写的键", "“leap”"]),
    "bounds-reversed": ("before: {days: {between: [0, 19]}}", "before: {days: {between: [19, 0]}}", "[19, 0]",
                        ["下限 19 大于上限 0"]),
    "too-many-per-case": ("per_case: 12", "per_case: 5000", "per_case: 5000", ["应在 0 至 1000 之间", "5000"]),
    "two-counted-kinds": ("per_case: 12", "counted: true", None, ["应有且仅有一类记录写明 counted: true", "2 类"]),
    "not-a-leap-year": ("leap_years: [1988,", "leap_years: [1989,", "leap_years:", ["1989 年不是闰年"]),
    "word-of-another-type": ("高级社会工作师: 10", "高级技师: 10", "高级技师: 10", ["不是词表 certificate_level 中的词"]),
    "unknown-top-key": ("\nnote:", "\nnotes:", "notes:", ["notes"]),                  # the schema's check
    "date-field-not-a-date": ("born: birth_date", "born: center", "born: center", ["“center”不是日期字段"]),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_mistake_is_found_at_its_line_in_chinese(tmp_path, name):
    old, new, line_text, says = MISTAKES[name]
    root = copy(tmp_path)
    path = edit(root, PLAN, old, new)
    _, found = problems_of(root)
    ours = [p for p in found if p.location.file.endswith(PLAN)]
    assert ours, [str(p) for p in found]
    for p in ours:
        assert CHINESE.search(p.message) and "Traceback" not in p.message, str(p)
    hit = [p for p in ours if all(s in p.message for s in says)]
    assert hit, [str(p) for p in ours]
    if line_text is not None:
        assert hit[0].location.line == line_of(path, line_text), str(hit[0])
    # a misshapen file is refused when the policy loads, as a misshapen roster.yaml is; a distribution that does not
    # fit the rest of the policy is a warning of validate (test data never stops deciding) and stops generate
    assert hit[0].severity == ("error" if name == "unknown-top-key" else "warning")


def test_a_text_no_roster_can_hold_is_refused_where_it_is_written(tmp_path):
    """A name's characters given with a control character (found by the fuzz below): the roster generate would write
    could not be read back, so the file is refused at that line, as any other mistake."""
    root = copy(tmp_path)
    text = (root / PLAN).read_text(encoding="utf-8")
    given = next(line for line in text.splitlines() if line.startswith("  given: "))
    path = edit(root, PLAN, given, '  given: "\\x1f' + given.split(": ", 1)[1] + '"')
    _, found = problems_of(root)
    hit, = [p for p in found if "生成的名册将无法读入" in p.message]
    assert "控制字符 U+001F" in hit.message and hit.path == "names.given"
    assert hit.location.line == line_of(path, "  given: ")


def test_generate_refuses_a_broken_file_naming_its_line(tmp_path):
    root = copy(tmp_path)
    path = edit(root, PLAN, "本科: 50,", "本科: 很多,")
    out = tmp_path / "r.yaml"
    code, _, err = cli("generate", "--people", 20, "--seed", 1, "--out", out, "--policy", root)
    assert code == 2 and not out.exists(), err
    assert "Traceback" not in err and f"generate.yaml:{line_of(path, '本科: 很多')}" in err.replace("\n", ""), err
    assert "权重应为不小于 0 的数" in err.replace("\n", "")


def test_an_amendment_dropping_a_word_the_file_names_still_decides_but_generate_says_where(tmp_path):
    root = copy(tmp_path)
    edit(root, "vocabulary.yaml", "values: [高中及以下, 中专, 大专, 本科, 硕士, 博士]", "values: [高中及以下, 大专, 本科, 硕士, 博士]")
    amended = load_or_raise(str(root))                      # loads: every command but generate works
    assert generate.realistic(amended) is False
    warned = [p for p in problems_of(root)[1] if p.location.file.endswith(PLAN)]
    assert [(p.severity, p.location.line) for p in warned] == [("warning", line_of(root / PLAN, "中专: 5"))]
    code, _, err = cli("generate", "--people", 5, "--out", tmp_path / "r.yaml", "--policy", root)
    assert code == 2 and "“中专”不是词表 education 中的词" in err.replace("\n", ""), err


def test_a_changed_distribution_changes_the_roster_with_no_code_edited(tmp_path, policy):
    root = copy(tmp_path)
    edit(root, PLAN, "education: {weights: {高中及以下: 2, 中专: 5, 大专: 35, 本科: 50, 硕士: 7, 博士: 1}}",
         "education: {weights: {本科: 1}}")
    edit(root, PLAN, "shares: {差: 0.03, 暂停: 0.005}", "shares: {差: 0.3, 暂停: 0.005}")
    edit(root, PLAN, "none: {one_in: 20, at_least: 1}", "none: {one_in: 4, at_least: 1}")
    changed = load_or_raise(str(root))
    before, after = (generate.generate(p, 300, 11, per_case=75) for p in (policy, changed))

    def people(tree):
        return [p for case in tree["cases"] for p in case["people"]]
    assert len(Counter(p["education"] for p in people(before))) >= 4
    assert {p["education"] for p in people(after)} == {"本科"}
    bad = [Counter(r for p in people(t) for r in p.get("ratings", {}).values())["差"] for t in (before, after)]
    assert bad[1] > 5 * bad[0] > 0                                 # about a tenth as many 差 at 3%
    waiting = [sum("center" not in p for p in people(t)) for t in (before, after)]
    assert waiting == [4 * (75 // 20), 4 * (75 // 4)]              # the last 1 in 20, then 1 in 4, of each case
    assert generate.generate(changed, 300, 11, per_case=75) == after   # the same seed, the same roster

    path = tmp_path / "r.yaml"
    generate.write(after, path, "test")
    case_file = load_cases(path, changed)
    assert not case_file.errors, [str(e) for e in case_file.errors][:3]
    results = [Evaluator(changed).evaluate(c) for c in case_file.cases]
    assert not [e for r in results for e in r.errors]
    books = account(case_file, results)
    assert books["balanced"] and books["people"]["read"] == 300 == books["people"]["decided"]


def test_without_the_file_the_declaration_makes_the_cases(tmp_path):
    root = copy(tmp_path)
    edit(root, "policy.yaml", "generate: generate.yaml", "")
    (root / PLAN).unlink()
    bare = load_or_raise(str(root))
    assert realism.read_plan(bare) is None and not generate.realistic(bare)
    out = tmp_path / "r.yaml"
    code, _, err = cli("generate", "--people", 10, "--seed", 1, "--out", out, "--policy", root)
    assert code == 0, err
    assert out.read_text(encoding="utf-8").startswith(f"# {DECLARED_NOTE}")
    assert load_cases(out, bare).errors == []


def test_counts_fields_and_entries_follow_the_file(tmp_path):
    """A count drawn per case, a field the shipped file leaves blank given a range, an entry never present."""
    root = copy(tmp_path)
    edit(root, PLAN, "  item:\n    per_case: 12\n", "  item:\n    per_case: {between: [2, 3]}\n")
    edit(root, PLAN, "      name: {text: \"第{case}片区{level}中心{n}\"}",
         "      name: {text: \"第{case}片区{level}中心{n}\"}\n      clerks: {between: [0, 9]}")
    edit(root, PLAN, "          - present: 0.1\n", "          - present: 0.0\n")
    changed = load_or_raise(str(root))
    tree = generate.generate(changed, 50, 3, per_case=25)
    for case in tree["cases"]:
        assert 2 <= len(case["items"]) <= 3
        assert all(0 <= c["clerks"] <= 9 for c in case["centers"])
        assert all(c["type"] == "政务服务办事员" for p in case["people"] for c in p["certificates"])


def test_the_second_policy_draws_reports_per_enterprise_numbered_to_the_last_quarter(tmp_path):
    """xiaowei_2023's generate.yaml: `per:` 1–4 quarterly reports for each enterprise, `nth: {last: 4}` the
    quarters after an opening mid-year, a count offset from another field; every enterprise decided."""
    xw = load_or_raise(str(ROOT / "policies" / "xiaowei_2023"))
    assert realism.plan_problems(xw) == []
    tree = generate.generate(xw, 60, 4, year=2024)
    case = tree["cases"][0]
    assert len(case["enterprises"]) == 60 and 20 <= len(case["businesses"]) <= 40
    by = Counter(r["enterprise"] for r in case["quarter_reports"])
    assert set(by) == {e["id"] for e in case["enterprises"]} and set(by.values()) <= {1, 2, 3, 4} and 4 in by.values()
    for eid, n in by.items():
        quarters = [r["quarter"] for r in case["quarter_reports"] if r["enterprise"] == eid]
        assert quarters == list(range(5 - n, 5))                     # the last n quarters, in order
    assert all(abs(r["staff_end"] - r["staff_start"]) <= 12 for r in case["quarter_reports"])
    assert {r["year"] for r in case["quarter_reports"]} == {case["tax_year"]} == {2024}
    out = tmp_path / "xw.json"
    generate.write(tree, out, "test")
    case_file = load_cases(out, xw)
    assert not case_file.errors
    results = [Evaluator(xw).evaluate(c) for c in case_file.cases]
    assert not [e for r in results for e in r.errors]
    assert account(case_file, results)["balanced"]
    values = Counter((d.decision, d.value) for r in results for d in r.determinations)
    assert values[("small_low_profit", True)] and values[("small_low_profit", False)]


# --- any value anywhere: a problem at a line, or a roster the reader accepts ----------------------------------

def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path


VALUES = st.one_of(st.integers(-10 ** 6, 10 ** 6), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                   st.none(), st.text(max_size=6), st.sampled_from(["as_of", "hired_on", "本科", "level", "1900-02-29",
                                                                   "2024-02-29", "vocabulary", [], {}, [1, 2], {"a": 1}]))


@pytest.mark.slow   # fuzzes
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_value_in_the_file_gives_a_located_problem_or_a_readable_roster(tmp_path_factory, data):
    """One value of the shipped file replaced by anything: the file is refused (every problem at a line of it), or
    generate refuses (a required field a record was left without), or the roster it makes reads whole."""
    from engine.common import yamlio
    from engine.common.locations import plain
    policy = load_or_raise(str(POLICY_DIR))   # (loaded once per session: conftest)
    tree = plain(yamlio.load(POLICY_DIR / PLAN))
    paths = sorted(_leaves(tree), key=str)
    path = data.draw(st.sampled_from(paths))
    node = tree
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = data.draw(VALUES)
    folder = tmp_path_factory.mktemp("plan")
    out = folder / PLAN
    out.write_text(json.dumps(tree, ensure_ascii=False, default=str), encoding="utf-8")   # JSON is YAML
    mutated = dataclasses.replace(policy, generate=str(out))
    try:
        realism.read_plan(mutated)
    except realism.PlanError as e:
        assert e.problems and all(CHINESE.search(p.message) and p.location.file == str(out) for p in e.problems)
        return
    try:
        roster = generate.generate(mutated, 30, data.draw(st.integers(0, 99)), per_case=15)
    except generate.GenerateError as e:
        assert str(out) in str(e) and "必填" in str(e), str(e)
        return
    written = folder / "r.json"
    generate.write(roster, written, "test")
    assert not load_cases(written, policy).errors, (path, node[path[-1]])
