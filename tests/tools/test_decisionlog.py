"""engine/tools/decisionlog.py and `evaluate --log` / `replay`, driven through engine.cli.main:
one record per determination, nothing personal in clear, and replay's four statuses with their exit codes."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT, amend, cli, edit, write_case
from engine.common.words import same_value
from engine.tools import decisionlog
from engine.outputs import replay as replay_output
from engine.common.limits import MAX_LOG_LINE, MAX_LOG_PROBLEMS
from engine.common import yamlio
from engine.common import locations
from engine.casefiles.cases import load_cases
from engine.pipeline.evaluate import Evaluator, evaluate_file
from engine.tools.validate import load_or_raise
from engine.pipeline.resolve import Determination

ROSTER = str(ROOT / "fixtures" / "roster_2025.yaml")
SKILL_400 = "二级/技师: 400"          # parameters/allowances.yaml, skill_allowance


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Wide enough that rich never folds a file:line or a summary across lines."""
    monkeypatch.setenv("COLUMNS", "400")



def replay_json(log, cases=ROSTER, *extra) -> tuple[int, dict]:
    code, out, err = cli("replay", log, "--cases", cases, "--format", "json", *extra)
    assert code in (0, 1), err
    return code, json.loads(out)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def values(doc: dict) -> dict:
    """{(case, subject, decision): value} of an `evaluate --format json` document."""
    return {(c["id"], d["subject"], d["decision"]): d["value"] for c in doc["cases"] for d in c["determinations"]}


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """The roster evaluated once with --log: (log path, the evaluate JSON document)."""
    log = tmp_path_factory.mktemp("log") / "decisions.jsonl"
    code, out, err = cli("evaluate", ROSTER, "--format", "json", "--no-explanations", "--log", log)
    assert code == 0, err
    return log, json.loads(out)


@pytest.fixture
def log_copy(logged, tmp_path) -> Path:
    target = tmp_path / "decisions.jsonl"
    shutil.copy(logged[0], target)
    return target


# --- writing ----------------------------------------------------------------------------------

def test_one_record_per_determination_and_all_reproduce(logged, policy):
    log, doc = logged
    records = lines(log)
    assert len(records) == sum(len(c["determinations"]) for c in doc["cases"]) == 441
    assert {(r["case"], r["subject"], r["decision"]): r["value"] for r in records} == values(doc)
    first = records[0]
    assert first["policy"] == {"id": policy.id, "version": policy.version, "digest": policy.digest}
    assert first["period"] == "2024-12-27"
    assert dt.datetime.fromisoformat(first["time"]).utcoffset() == dt.timedelta(0)
    p11 = next(r for r in records if (r["subject"], r["decision"]) == ("P11", "annual_grade"))
    assert p11["value"] == "称职" and "annual.competent" in p11["rules"]
    assert len({r["decision_id"] for r in records}) == len(records)

    code, report = replay_json(log)
    assert code == 0
    assert report["summary"] == {"reproduced": 441, "different": 0, "policy_differs": 0, "input_differs": 0}
    assert {r["status"] for r in report["records"]} == {"reproduced"}


def test_case_digest_is_the_sha256_of_the_canonical_input(logged, policy):
    log, _ = logged
    case = load_cases(ROSTER, policy).cases[1]
    canonical = decisionlog.canonical_input(case)
    assert b"_path" not in canonical and b"_line" not in canonical
    assert json.loads(canonical)["as_of"] == "2025-06-30"
    digest = "sha256:" + hashlib.sha256(canonical).hexdigest()
    assert decisionlog.case_digest(case) == digest
    assert {r["case_digest"] for r in lines(log) if r["case"] == case.id} == {digest}


def test_case_digest_does_not_depend_on_where_the_case_stands(policy, tmp_path):
    tree = locations.plain(yamlio.load(ROSTER))
    first = write_case({"cases": tree["cases"]}, tmp_path)
    swapped = write_case({"cases": tree["cases"][::-1]}, tmp_path)
    a = {c.id: decisionlog.case_digest(c) for c in load_cases(first, policy).cases}
    b = {c.id: decisionlog.case_digest(c) for c in load_cases(swapped, policy).cases}
    assert a == b and len(set(a.values())) == 2


def test_no_name_or_id_number_in_clear(logged):
    log, _ = logged
    text = log.read_text(encoding="utf-8")
    people = [p for c in locations.plain(yamlio.load(ROSTER))["cases"] for p in c.get("people", [])]
    secrets = [p[k] for p in people for k in ("name", "id_number") if p.get(k)]
    assert len(secrets) >= 80
    assert [s for s in secrets if s in text] == []


def test_id_number_like_ids_are_masked_keyed_and_still_replay(tmp_path, policy):
    number, case_number = "321302199004121008", "3213021990041210"
    case = write_case({"id": case_number, "as_of": "2025-12-31", "people": [
        {"id": number, "name": "测试人", "id_number": number, "birth_date": "1990-04-12", "education": "本科",
         "hired_on": "2020-01-01", "certificates": [{"type": "政务服务办事员", "level": "四级/中级工", "obtained_on": "2020-06-01"}]}]},
        tmp_path)
    log = tmp_path / "log.jsonl"
    code, _, err = cli("evaluate", case, "--log", log)
    assert code == 0, err
    text = log.read_text(encoding="utf-8")
    records = lines(log)
    assert number not in text and case_number not in text and "测试人" not in text
    # a bare sha256 next to the masked form could be reversed by trying birth dates: the key is salted
    assert hashlib.sha256(number.encode()).hexdigest() not in text
    assert {r["subject"] for r in records} == {"321302********1008"}
    assert all(r["subject_key"].startswith("sha256:") and r["case_key"] for r in records)
    code, report = replay_json(log, case)
    assert code == 0 and report["summary"]["reproduced"] == len(records) > 5


def test_log_appends_with_distinct_decision_ids(tmp_path):
    log = tmp_path / "twice.jsonl"
    for _ in range(2):
        code, _, err = cli("evaluate", ROSTER, "--format", "json", "--no-explanations", "--log", log)
        assert code == 0, err
    records = lines(log)
    assert len(records) == 2 * 441
    assert len({r["decision_id"] for r in records}) == 2 * 441
    assert len({r["run"] for r in records}) == 2
    code, report = replay_json(log)
    assert code == 0 and report["summary"]["reproduced"] == 2 * 441


def test_log_follows_subject(tmp_path):
    log = tmp_path / "p11.jsonl"
    code, _, err = cli("evaluate", ROSTER, "--subject", "P11", "--log", log)
    assert code == 0, err
    assert {r["subject"] for r in lines(log)} == {"P11"} and len(lines(log)) == 10


def test_unwritable_log_exits_2_and_prints_no_determination(tmp_path):
    code, out, err = cli("evaluate", ROSTER, "--log", tmp_path / "no-such-dir" / "log.jsonl")
    assert code == 2 and "no-such-dir" in err
    assert "有条件合格" not in out


def test_a_firing_without_a_rule_is_skipped(policy):
    rule = SimpleNamespace(id="annual.competent")
    firings = [SimpleNamespace(variant=SimpleNamespace(rule=None)), SimpleNamespace(variant=SimpleNamespace(rule=rule)),
               SimpleNamespace(variant=SimpleNamespace(rule=rule))]
    case = decisionlog.CaseStamp("C1", "C1", None, "sha256:x", b"{}")
    record = decisionlog.record_for(Determination("P1", "annual_grade", "称职", firings), case,
                                    decisionlog.PolicyRef.of(policy), "run", "2025-01-01T00:00:00+00:00", "2025-12-31")
    assert record.rules == ("annual.competent",)


# --- replay: statuses ---------------------------------------------------------------------------

def test_policy_edit_gives_policy_differs_and_shows_which_values_change(logged, tmp_policy, policy):
    log, doc = logged
    amend(tmp_policy, "parameters/allowances.yaml", SKILL_400, "二级/技师: 450")
    edited = load_or_raise(str(tmp_policy))
    assert edited.digest != policy.digest
    _, results = evaluate_file(ROSTER, edited, Evaluator(edited))
    after = {(r.case.id, d.subject, d.decision): decisionlog.json_value(d.value) for r in results for d in r.determinations}
    before = values(doc)
    changing = {k for k in before if not same_value(before[k], after.get(k))}
    assert ("SC-2025-ANNUAL", "P02", "skill_allowance") in changing
    assert ("SC-2025-ANNUAL", "P02", "monthly_allowance_total") in changing

    code, report = replay_json(log, ROSTER, "--policy", tmp_policy)
    assert code == 1
    assert report["summary"] == {"reproduced": 0, "different": 0, "policy_differs": 441, "input_differs": 0}
    assert {(r["case"], r["subject"], r["decision"]) for r in report["records"] if r["value_changed"]} == changing
    p02 = next(r for r in report["records"] if (r["subject"], r["decision"]) == ("P02", "skill_allowance"))
    assert (p02["logged"], p02["now"]) == (400, 450)
    assert p02["logged_policy"]["digest"] == policy.digest and p02["policy"]["digest"] == edited.digest


def test_policy_differs_in_the_table(logged, tmp_policy):
    amend(tmp_policy, "parameters/allowances.yaml", SKILL_400, "二级/技师: 450")
    code, out, _ = cli("replay", logged[0], "--cases", ROSTER, "--policy", tmp_policy)
    assert code == 1
    assert "政策版本不同" in out and "结果将改变" in out and "结果不变" in out
    assert "共 441 条记录：已复现 0，结果不同 0，政策版本不同 441，输入不同 0" in out


def test_case_edited_after_logging_gives_input_differs_for_that_case_only(logged, tmp_path):
    log, _ = logged
    roster = tmp_path / "roster.yaml"
    shutil.copy(ROSTER, roster)
    edit(tmp_path, "roster.yaml", 'id_number: "321302199004121008"\n        birth_date: 1990-04-12\n        education: 本科',
         'id_number: "321302199004121008"\n        birth_date: 1990-04-12\n        education: 硕士')
    code, report = replay_json(log, roster)
    assert code == 1
    by_case = {}
    for r in report["records"]:
        by_case.setdefault(r["case"], set()).add(r["status"])
    assert by_case == {"SC-2025-ANNUAL": {"input_differs"}, "SC-2025-H1-XL": {"reproduced"}}
    p01 = next(r for r in report["records"] if (r["subject"], r["decision"]) == ("P01", "education_allowance"))
    assert (p01["logged"], p01["now"], p01["value_changed"]) == (100, 200, True)


def test_case_absent_from_the_case_file_gives_input_differs(logged, tmp_path, policy):
    tree = locations.plain(yamlio.load(ROSTER))
    only_second = write_case({"cases": tree["cases"][1:]}, tmp_path)
    code, report = replay_json(logged[0], only_second)
    assert code == 1
    statuses = {(r["case"], r["status"]) for r in report["records"]}
    assert statuses == {("SC-2025-ANNUAL", "input_differs"), ("SC-2025-H1-XL", "reproduced")}
    absent = next(r for r in report["records"] if r["case"] == "SC-2025-ANNUAL")
    assert absent["now"] is None and absent["value_changed"] is None


def test_a_changed_logged_value_is_different(log_copy):
    records = lines(log_copy)
    target = next(i for i, r in enumerate(records) if (r["subject"], r["decision"]) == ("P02", "skill_allowance"))
    records[target]["value"] = 999
    log_copy.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    code, report = replay_json(log_copy)
    assert code == 1
    assert report["summary"] == {"reproduced": 440, "different": 1, "policy_differs": 0, "input_differs": 0}
    [different] = [r for r in report["records"] if r["status"] == "different"]
    assert (different["subject"], different["logged"], different["now"]) == ("P02", 999, 400)
    code, out, _ = cli("replay", log_copy, "--cases", ROSTER)
    assert code == 1 and "结果不同" in out and "共 441 条记录：已复现 440，结果不同 1" in out


@pytest.mark.parametrize("a, b, equal", [
    (400, 400, True), ([1, 2], [1, 2], True), (None, None, True), ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
    (True, 1, False), ([1, 2], [2, 1], False), (None, [], False), ("400", 400, False), (400, 400.0, True)])
def test_values_compare_as_json(a, b, equal):
    """replay compares a logged value with today's as every other stage does (400 and 400.0 are one amount)."""
    assert same_value(a, b) is equal


# --- replay: bad usage ---------------------------------------------------------------------------

def test_a_corrupt_line_costs_that_line_only(log_copy):
    rows = log_copy.read_text(encoding="utf-8").splitlines(keepends=True)
    rows[2] = rows[2][:40] + "\n"                                  # torn line
    rows[5] = json.dumps({"decision_id": "x"}) + "\n"              # a field missing
    log_copy.write_text("".join(rows), encoding="utf-8")
    code, out, err = cli("replay", log_copy, "--cases", ROSTER)
    assert code == 1
    assert f"{log_copy}:3：不是有效的 JSON" in err
    assert f"{log_copy}:6：缺少字段 «run»" in err
    assert "共 439 条记录：已复现 439，结果不同 0，政策版本不同 0，输入不同 0；另有 2 行无法读取" in out
    code, report = replay_json(log_copy)
    assert code == 1 and report["summary"]["reproduced"] == 439 and report["unreadable"] == 2
    assert [e.split("：")[0] for e in report["errors"]] == [f"{log_copy}:3", f"{log_copy}:6"]
    with pytest.raises(decisionlog.LogError) as e:
        decisionlog.read(log_copy)
    assert [p.split("：")[0] for p in e.value.problems] == [f"{log_copy}:3", f"{log_copy}:6"]


def test_append_after_a_torn_line_does_not_glue_records(log_copy):
    with log_copy.open("a", encoding="utf-8") as f:
        f.write('{"decision_id": "torn')                              # a writer died mid-line
    n = len(log_copy.read_text(encoding="utf-8").splitlines())
    code, _, _ = cli("evaluate", ROSTER, "--subject", "P11", "--log", log_copy)
    assert code == 0
    with pytest.raises(decisionlog.LogError) as e:
        decisionlog.read(log_copy)
    assert e.value.problems == [f"{log_copy}:{n}：不是有效的 JSON（第 17 列有误）"]
    after = log_copy.read_text(encoding="utf-8").splitlines()[n:]
    assert len(after) == 10 and all(decisionlog.parse_line(line)[1] is None for line in after)


@pytest.mark.parametrize("which", ["log", "cases"])
def test_missing_file_exits_2(logged, tmp_path, which):
    missing = tmp_path / "nothing.jsonl"
    args = (missing, "--cases", ROSTER) if which == "log" else (logged[0], "--cases", missing)
    code, out, err = cli("replay", *args)
    assert code == 2 and out == "" and "nothing.jsonl" in err


def test_help_texts():
    code, out, _ = cli("replay", "--help")
    assert code == 0
    assert [o for o in ("LOGFILE", "--cases", "--policy", "--format", "evaluate fixtures/roster_2025.yaml --log")
            if o not in out] == []
    code, out, _ = cli("evaluate", "--help")
    assert code == 0 and "--log FILE.jsonl" in out
    code, out, _ = cli("--help")
    assert code == 0 and "replay" in out


# --- replay: a log of any size, damaged or hostile -----------------------------------------------------------

def with_lines(log: Path, *bad: str | bytes, at: int = 2) -> Path:
    """The log with `bad` lines inserted after its first `at` lines (they are lines at+1, at+2, …)."""
    rows = log.read_bytes().splitlines(keepends=True)
    inserted = [(b if isinstance(b, bytes) else b.encode("utf-8")) + b"\n" for b in bad]
    log.write_bytes(b"".join(rows[:at] + inserted + rows[at:]))
    return log


HOSTILE = [
    ("[" * 100_000 + "]" * 100_000, "嵌套超过 32 层"),
    ('{"decision_id": ' + "[" * 40 + "]" * 40 + "}", "嵌套超过 32 层"),
    ('{"value": ' + "7" * 100_000 + "}", "含位数过多的整数"),
    ('{"value": NaN}', "不是有效的 JSON（NaN 不是 JSON 的数）"),
    ('{"value": 1e999}', "不是有效的 JSON（数字超出范围）"),
    ('{"log": 1, "log": 1}', "同一对象中有重复的键"),
    (b'{"case": "\xff\xfe"}', "不是 UTF-8 文本（此行第 11 字节）"),
    ('{"log": 2}', "不认识的日志格式版本 2（本程序读取版本 1）"),
    ('"just text"', "应为一个 JSON 对象"),
]


@pytest.fixture(scope="module")
def hostile_replay(logged, tmp_path_factory):
    """The log with every line of HOSTILE in it, each between two good records (the i-th is line 3 + 2i), replayed
    once as the table and once as JSON (one replay checked for every line, not one replay per line):
    (log, (code, out, err), (code, report))."""
    log = tmp_path_factory.mktemp("hostile") / "decisions.jsonl"
    shutil.copy(logged[0], log)
    for i, (bad, _) in enumerate(HOSTILE):
        with_lines(log, bad, at=2 + 2 * i)
    with pytest.MonkeyPatch.context() as m:
        m.setenv("COLUMNS", "400")        # as `wide` does for each test
        return log, cli("replay", log, "--cases", ROSTER), replay_json(log)


@pytest.mark.parametrize("bad, says", HOSTILE)
def test_a_hostile_line_costs_that_line_only(hostile_replay, bad, says):
    log, (code, out, err), (json_code, report) = hostile_replay
    line = 3 + 2 * HOSTILE.index((bad, says))
    assert code == json_code == 1
    assert f"{log}:{line}：{says}" in err and "Traceback" not in err
    assert f"共 441 条记录：已复现 441，结果不同 0，政策版本不同 0，输入不同 0；另有 {len(HOSTILE)} 行无法读取" in out
    assert report["summary"]["reproduced"] == 441 and report["unreadable"] == len(HOSTILE)
    assert [e for e in report["errors"] if e.startswith(f"{log}:{line}：{says}")], report["errors"]


def test_a_line_of_50_mb_is_skipped_without_being_held(log_copy):
    good = log_copy.read_bytes().splitlines(keepends=True)[0]
    with log_copy.open("ab") as f:
        f.write(b'{"decision_id": "' + b"7" * (50 * 1024 * 1024) + b'", "value": [')   # and no newline for 50 MB
        f.write(b"\n" + good)
    tracemalloc.start()
    try:
        items = list(decisionlog.open_log(log_copy))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    bad = [i for i in items if isinstance(i, decisionlog.BadLine)]
    assert [b.line for b in bad] == [442] and "此行长于 1 MB" in bad[0].message
    assert len(items) == 443 and items[-1].line == 443
    assert peak < 3 * MAX_LOG_LINE + 2 * 1024 * 1024, peak     # one bounded piece at a time, and 442 small records
    code, out, err = cli("replay", log_copy, "--cases", ROSTER)
    assert code == 1 and f"{log_copy}:442：此行长于 1 MB" in err
    assert "共 442 条记录：已复现 442" in out


def test_a_log_that_is_not_a_regular_file_is_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)                       # no writer: opening it for reading would wait forever
    for path in ("/dev/zero", tmp_path, fifo):
        outcome = {}
        reader = threading.Thread(target=lambda: outcome.update(result=cli("replay", path, "--cases", ROSTER)), daemon=True)
        reader.start()
        reader.join(timeout=60)
        assert not reader.is_alive(), f"replay {path} still reading"
        code, out, err = outcome["result"]
        assert code == 2 and out == "" and f"{path}：不是普通文件" in err


def test_bad_lines_past_the_limit_are_counted_not_listed(log_copy):
    many = MAX_LOG_PROBLEMS + 50
    with_lines(log_copy, *(["{torn"] * many))
    code, out, err = cli("replay", log_copy, "--cases", ROSTER)
    assert code == 1
    assert err.count("✗") == MAX_LOG_PROBLEMS and "另有 50 行无法读取，未逐一列出" in err
    assert f"另有 {many} 行无法读取" in out
    code, report = replay_json(log_copy)
    assert report["unreadable"] == many and len(report["errors"]) == MAX_LOG_PROBLEMS


def test_a_long_log_is_shown_as_tables_of_bounded_size(logged, monkeypatch):
    monkeypatch.setattr(replay_output, "TABLE_ROWS", 100)
    code, out, _ = cli("replay", logged[0], "--cases", ROSTER)
    assert code == 0
    titles = re.findall(r"判定记录（[^）]*）", out)
    assert titles == ["判定记录（第 1–100 条）", "判定记录（第 101–200 条）", "判定记录（第 201–300 条）",
                      "判定记录（第 301–400 条）", "判定记录（第 401–441 条）"]
    assert out.count("已复现") == 441 + 1      # each row, and the counts


def test_replay_escapes_what_a_log_line_holds(log_copy):
    records = lines(log_copy)
    records[0].update(subject="[/]\x1b[2J", decision="[bold]x", value="\u202eevil")
    log_copy.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    code, out, err = cli("replay", log_copy, "--cases", ROSTER)
    assert code == 1 and "Traceback" not in err
    assert "[/]\\u001b[2J" in out and "[bold]x" in out and "\x1b" not in out and "\u202e" not in out


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 100)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20), st.sampled_from(["decision_id", "policy", "value", "rules", "log", "case"]),
       st.binary(max_size=40))
def test_any_line_is_a_record_or_a_reason(field, key, noise):
    """A record with one field replaced by anything, or bytes after it: parse_line answers, never raises."""
    record = {"log": 1, "decision_id": "d", "run": "r", "time": "t", "policy": {"id": "p", "version": "1", "digest": "x"},
              "case": "C", "case_digest": "x", "as_of": "2025-12-31", "subject": "P", "decision": "d", "value": 1,
              "rules": []}
    record[key] = field
    for line in (json.dumps(record, ensure_ascii=False), json.dumps(record)[:len(noise)] + noise.decode("latin-1")):
        parsed, problem = decisionlog.parse_line(line, 1)
        assert (parsed is None) != (problem is None)
        assert problem is None or problem.isprintable()


@pytest.mark.slow   # Python in subprocesses over logs of 20 MB and 200 MB
def test_replay_memory_does_not_grow_with_the_log(logged, tmp_path):
    """Peak memory of `replay --format json` over a 200 MB log is within a few MB of over a 20 MB one (holding
    the records, it would be hundreds of MB more). The output goes to a sink that keeps only its end."""
    one = logged[0].read_bytes()
    script = ("import resource, sys\n"
              "from engine.cli import main\n"
              "class Tail:\n"
              "    def __init__(self): self.end = ''\n"
              "    def write(self, text): self.end = (self.end + text)[-4000:]; return len(text)\n"
              "    def flush(self): pass\n"
              "sys.stdout = tail = Tail()\n"
              "code = main(sys.argv[1:])\n"
              "sys.stderr.write(f'{code} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n' + tail.end)\n")
    peaks = {}
    for size in (20, 200):
        log = tmp_path / f"{size}.jsonl"
        with log.open("wb") as f:
            for _ in range(size * 1024 * 1024 // len(one) + 1):
                f.write(one)
        done = subprocess.run([sys.executable, "-c", script, "replay", str(log), "--cases", ROSTER, "--format", "json"],
                              cwd=ROOT, capture_output=True, text=True, timeout=900)
        log.unlink()
        status, rest = done.stderr.strip().split("\n", 1)
        code, peak = map(int, status.split()[-2:])
        assert code == 0, done.stderr[-2000:]
        summary = json.loads("{" + rest[rest.index('"summary"'):])["summary"]
        assert summary["reproduced"] == 441 * (size * 1024 * 1024 // len(one) + 1)
        peaks[size] = peak // 1024                # ru_maxrss is in KB on Linux
    assert peaks[200] < peaks[20] + 30, peaks
