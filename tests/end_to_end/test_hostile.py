"""Hostile and broken case files, through `run.py evaluate` in a subprocess: each gets a clear, located error
in bounded time and memory — never a traceback, a hang or a crash — and costs only the record (or case) it is
in: the file's other records are decided and the account balances. Personal data never leaks.

Each run is bounded: 60 s (a hang fails the test), 1 GiB of address space (an alias bomb that expanded would
fail with MemoryError instead of taking the machine), and reports its peak memory (README, "Limits").
"""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow   # every test here runs run.py in a bounded subprocess

ENV = dict(os.environ, COLUMNS="400", PYTHONIOENCODING="utf-8")
TIMEOUT = 60
ADDRESS_SPACE = 1 << 30
PEAK_BOUND_KB = 256 * 1024        # an ordinary run peaks near 40 MB; stated in README's Limits

# run.py, reporting its own peak resident memory on stderr as it exits. VmHWM is this program's own high-water
# mark; ru_maxrss would not do: Linux carries it across exec from the forked parent, so a child of a pytest
# grown to 500 MB by earlier tests reported 500 MB however little it used itself.
_MEASURED = ("import atexit, re, resource, runpy, sys\n"
             "def peak():\n"
             "    try:\n"
             "        return int(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1))\n"
             "    except (OSError, AttributeError):\n"
             "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
             "atexit.register(lambda: sys.stderr.write(f'\\npeak_rss_kb={peak()}\\n'))\n"
             "sys.argv = ['run.py'] + sys.argv[1:]\n"
             "runpy.run_path('run.py', run_name='__main__')\n")


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_kb: int

    @property
    def doc(self) -> dict:
        return json.loads(self.stdout)


def run(*args) -> Run:
    """run.py in a child bounded in time and memory; its output must be UTF-8 and free of tracebacks."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _MEASURED, *map(str, args)], cwd=ROOT, env=ENV,
                          capture_output=True, timeout=TIMEOUT, preexec_fn=_bounded)
    seconds = time.monotonic() - start
    assert done.returncode >= 0, f"killed by signal {-done.returncode}"
    out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")   # strict: valid UTF-8 whatever came in
    peak = re.search(r"\npeak_rss_kb=(\d+)\n", err)
    assert peak, err
    err = err[:peak.start()]
    assert "Traceback" not in err and "Error:" not in err.split("\n")[-1], err
    return Run(done.returncode, out, err, seconds, int(peak.group(1)))


def evaluate(path: Path, *args) -> Run:
    """`evaluate --format json`: exit 1 (some record had errors), the JSON parses, the account balances."""
    done = run("evaluate", path, "--format", "json", *args)
    assert done.returncode in (0, 1), done.stderr
    assert done.doc["account"]["balanced"], done.doc["account"]
    return done


def errors(doc: dict) -> list[dict]:
    return list(doc.get("errors") or []) + [e for c in doc["cases"] for e in c["errors"]]


def decided(doc: dict) -> set[tuple[str, str]]:
    return {(c["id"], d["subject"]) for c in doc["cases"] for d in c["determinations"]}


def line_of(path: Path, needle: str, encoding: str = "utf-8") -> int:
    hits = [i + 1 for i, line in enumerate(path.read_text(encoding=encoding).splitlines()) if needle in line]
    assert len(hits) == 1, f"«{needle}» on lines {hits}"
    return hits[0]


# A file of two cases: P2 of case A is where each test puts what is hostile; P1, P3 and case B must be decided.
ROSTER = """\
cases:
  - id: A
    as_of: 2025-12-31
    people:
      - {id: P1, name: 张三丰, id_number: "321302199001011234", birth_date: 1990-01-01, education: 本科,
         hired_on: 2020-01-01, center: C1}
P2
      - {id: P3, name: 李四, birth_date: 1991-02-02, education: 大专, hired_on: 2021-01-01, center: C1}
    centers:
      - {id: C1, level: 镇, windows: 4}
  - id: B
    as_of: 2025-06-30
    people:
      - {id: Q1, birth_date: 1990-01-01, education: 本科}
"""
OTHERS = {("A", "P1"), ("A", "P3"), ("A", "C1"), ("B", "Q1")}


def roster(tmp_path: Path, p2: str, name: str = "roster.yaml") -> Path:
    path = tmp_path / name
    path.write_text(ROSTER.replace("P2\n", p2.rstrip("\n") + "\n"), encoding="utf-8")
    return path


def json_roster(tmp_path: Path, p2_json: str, name: str = "roster.json", other_case: dict | None = None) -> Path:
    """The same roster as JSON (one value per line); `p2_json` is P2's record as raw JSON text."""
    doc = {"cases": [
        {"id": "A", "as_of": "2025-12-31", "people": [
            {"id": "P1", "name": "张三丰", "id_number": "321302199001011234", "birth_date": "1990-01-01",
             "education": "本科", "hired_on": "2020-01-01", "center": "C1"},
            "P2",
            {"id": "P3", "name": "李四", "birth_date": "1991-02-02", "education": "大专", "hired_on": "2021-01-01",
             "center": "C1"}],
         "centers": [{"id": "C1", "level": "镇", "windows": 4}]},
        other_case or {"id": "B", "as_of": "2025-06-30", "people": [
            {"id": "Q1", "birth_date": "1990-01-01", "education": "本科"}]}]}
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    path = tmp_path / name
    path.write_text(text.replace('"P2"', p2_json, 1), encoding="utf-8")
    return path


def only_p2_refused(done: Run, message: str, path: str = "cases[0].people[1]") -> dict:
    """P2 alone is refused, with `message`, at `path` (or below it); everything else is decided."""
    p2 = [e for e in errors(done.doc) if e["path"].startswith(path)]
    assert p2 and all(message in e["message"] for e in p2), errors(done.doc)
    assert all(e.get("kind") == "people" for e in p2), p2
    assert OTHERS <= decided(done.doc), decided(done.doc)
    assert ("A", "P2") not in decided(done.doc)
    assert done.doc["account"]["people"] == {"read": 4, "decided": 3, "errored": 1}
    return p2[0]


# --- YAML aliases ------------------------------------------------------------------------------------------

def test_alias_bomb_costs_the_records_that_use_it_in_bounded_time_and_memory(tmp_path):
    levels = ["        x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"] + [
        f"        x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    path = roster(tmp_path, "      - id: P2\n" + "\n".join(levels) + "\n        birth_date: 1990-01-01\n"
                            "        bottom_ranked: &a9 [*a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8]")
    text = path.read_text(encoding="utf-8").replace("{id: Q1, birth_date: 1990-01-01, education: 本科}",
                                                    "{id: Q1, birth_date: 1990-01-01, ratings: *a9}\n"
                                                    "      - {id: Q2, birth_date: 1990-01-01}")
    path.write_text(text, encoding="utf-8")     # 9⁹ = 387 million values, if anything expanded them
    done = evaluate(path)
    p2, q1 = [e for e in errors(done.doc) if e.get("subject") in ("P2", "Q1")]
    assert "含超过 5,000 个值" in p2["message"] and "别名炸弹" in p2["message"]
    assert (p2["path"], p2["line"]) == ("cases[0].people[1]", line_of(path, "- id: P2"))
    assert (q1["path"], q1["line"]) == ("cases[1].people[0]", line_of(path, "id: Q1"))
    assert OTHERS - {("B", "Q1")} | {("B", "Q2")} <= decided(done.doc)
    assert done.doc["account"]["people"] == {"read": 5, "decided": 3, "errored": 2}
    assert done.seconds < 30 and done.peak_kb < PEAK_BOUND_KB, (done.seconds, done.peak_kb)


def test_recursive_alias_costs_its_record(tmp_path):
    path = roster(tmp_path, "      - &p {id: P2, birth_date: 1990-01-01, certificates: [*p]}")
    done = evaluate(path)
    e = only_p2_refused(done, "通过 YAML 别名包含了它自身")
    assert e["path"] == "cases[0].people[1].certificates[0]" and e["line"] == line_of(path, "&p {id: P2")


# --- nesting ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_10000_deep_nesting_costs_its_record(tmp_path, fmt):
    deep = "[" * 10_000 + "]" * 10_000
    if fmt == "yaml":
        path = roster(tmp_path, "      - id: P2\n        birth_date: 1990-01-01\n        certificates: " + deep)
    else:
        path = json_roster(tmp_path, '{"id": "P2", "birth_date": "1990-01-01",\n "certificates": ' + deep + "}")
    done = evaluate(path)
    e = only_p2_refused(done, "嵌套超过 32 层", "cases[0].people[1].certificates")
    assert e["line"] == line_of(path, "certificates")
    assert done.seconds < 30, done.seconds


def test_block_nesting_too_deep_to_parse_is_a_located_error_of_the_file(tmp_path):
    path = tmp_path / "block.yaml"
    path.write_text("cases:\n  - id: A\n    as_of: 2025-12-31\n    people:\n      - " + "- " * 2000 + "x\n",
                    encoding="utf-8")
    done = evaluate(path)
    error, = done.doc["errors"]
    assert error["message"] == "嵌套超过 32 层，无法读取（案例文件只需 8 层）" and error["line"] == 5


# --- size, bytes and encodings ------------------------------------------------------------------------------

def test_a_50_mb_case_is_refused_unread_with_the_limit_named(tmp_path):
    path = tmp_path / "big.json"
    path.write_text('{"id": "BIG", "as_of": "2025-12-31", "people": [{"id": "P1", "birth_date": "1990-01-01", '
                    '"name": "' + "张" * (50 * 2**20 // 3) + '"}]}', encoding="utf-8")
    done = evaluate(path)
    error, = done.doc["errors"]
    assert error["file"] == str(path) and "50.0 MB" in error["message"] and "至多 40 MB" in error["message"]
    assert done.doc["cases"] == [] and done.returncode == 1
    assert done.seconds < 20 and done.peak_kb < PEAK_BOUND_KB, (done.seconds, done.peak_kb)


def test_binary_bytes_are_refused_naming_the_expected_encoding(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"cases:\n" + bytes(range(256)) * 4)
    done = evaluate(path)
    error, = done.doc["errors"]
    assert (error["line"], error["col"]) == (2, 1)
    assert "不是文本文件" in error["message"] and "UTF-8" in error["message"]


def test_a_gbk_file_is_read_as_gb18030_and_says_so(tmp_path):
    path = roster(tmp_path, "      - {id: P2, name: 王五, birth_date: 1990-01-01, education: 本科}")
    first = line_of(path, "张三丰")
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    done = evaluate(path, "--unmask")
    assert OTHERS | {("A", "P2")} <= decided(done.doc)
    warning, = done.doc["warnings"]
    assert "已按 GB18030" in warning and "不是 UTF-8" in warning and f"第 {first} 行" in warning
    assert done.doc["cases"][0]["people"]["P2"]["name"] == "王五"      # decoded, not mojibake
    table = run("evaluate", path)
    assert "已按 GB18030" in table.stderr


def test_utf16_with_a_byte_order_mark_is_read_and_says_so(tmp_path):
    path = roster(tmp_path, "      - {id: P2, name: 王五, birth_date: 1990-01-01, education: 本科}")
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    done = evaluate(path, "--unmask")
    assert OTHERS | {("A", "P2")} <= decided(done.doc)
    assert "已按 UTF-16" in done.doc["warnings"][0]
    assert done.doc["cases"][0]["people"]["P2"]["name"] == "王五"


def test_lone_surrogates_and_control_characters_cost_their_record_and_print_as_valid_utf8(tmp_path):
    path = json_roster(tmp_path, '{"id": "P2\\ud800", "name": "\\u001b[31m王\\u0007",\n "birth_date": "1990-01-01"}')
    done = evaluate(path)
    e = only_p2_refused(done, "个字符是")
    assert {x["path"] for x in errors(done.doc) if x.get("kind")} == {"cases[0].people[1].id", "cases[0].people[1].name"}
    assert e["line"] == line_of(path, '"id": "P2')
    assert "\ufffd" in done.stdout and "\x1b" not in done.stdout    # JSON escapes the control, U+FFFD the surrogate
    table = run("evaluate", path)
    assert table.returncode == 1 and "\x1b" not in table.stdout + table.stderr and "P2\ufffd" in table.stdout
    # raw control characters in YAML text (which YAML refuses in the whole stream) cost only their record too
    raw = roster(tmp_path, "      - {id: P2, name: \"王\x07\", birth_date: 1990-01-01}", "raw.yaml")
    e = only_p2_refused(evaluate(raw), "控制字符 U+0007")
    assert (e["path"], e["line"]) == ("cases[0].people[1].name", line_of(raw, "id: P2"))


# --- duplicate keys, escapes, NaN ------------------------------------------------------------------------

def test_json_duplicate_keys_are_an_error_at_the_second_key(tmp_path):
    path = json_roster(tmp_path, '{"id": "P2", "birth_date": "1990-01-01",\n "education": "硕士",\n "education": "中专"}')
    done = evaluate(path)
    e = only_p2_refused(done, "键“education”在同一映射中出现了两次")
    assert e["path"] == "cases[0].people[1].education" and e["line"] == line_of(path, '"中专"')
    assert f"第一次在第 {line_of(path, '硕士')} 行" in e["message"]


def test_yaml_duplicate_keys_cost_the_record_they_are_in(tmp_path):
    path = roster(tmp_path, "      - id: P2\n        birth_date: 1990-01-01\n        education: 硕士\n        education: 中专")
    e = only_p2_refused(evaluate(path), "键“education”在同一映射中出现了两次")
    assert e["path"] == "cases[0].people[1].education" and e["line"] == line_of(path, "education: 中专")
    assert f"第一次在第 {line_of(path, 'education: 硕士')} 行" in e["message"]


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_surrogate_pair_escapes_read_as_one_character_beside_a_malformed_case(tmp_path, suffix):
    doc = {"cases": [{"id": "A", "as_of": "2025-12-31", "people": [
        {"id": "P1", "name": "𠮷田", "birth_date": "1990-01-01", "education": "本科"}]},
        {"id": "B", "as_of": "2025-13-01", "people": [{"id": "Q1", "birth_date": "1990-01-01"}]}]}
    path = tmp_path / f"pair.{suffix}"
    path.write_text(json.dumps(doc), encoding="ascii")          # 𠮷 as "\ud842\udfb7", as Python writes it
    assert "\\ud842\\udfb7" in path.read_text(encoding="ascii")
    done = evaluate(path, "--unmask")
    assert done.doc["cases"][0]["people"]["P1"]["name"] == "𠮷田"
    error, = errors(done.doc)
    assert error["path"] == "cases[1].as_of" and ("A", "P1") in decided(done.doc)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_nan_and_infinity_are_errors_never_text_or_numbers(tmp_path, fmt):
    if fmt == "json":
        path = json_roster(tmp_path, '{"id": NaN, "birth_date": "1990-01-01"}', other_case={
            "id": "B", "as_of": "2025-06-30", "centers": [{"id": "CB", "level": "镇", "windows": "INF"}]})
        path.write_text(path.read_text(encoding="utf-8").replace('"INF"', "Infinity"), encoding="utf-8")
        where = ('"id": NaN', '"windows": Infinity')
    else:
        path = roster(tmp_path, "      - {id: .nan, birth_date: 1990-01-01}")
        path.write_text(path.read_text(encoding="utf-8").replace(
            "people:\n      - {id: Q1, birth_date: 1990-01-01, education: 本科}",
            "centers:\n      - {id: CB, level: 镇, windows: .inf}"), encoding="utf-8")
        where = ("id: .nan", "windows: .inf")
    done = evaluate(path)
    nan, inf = errors(done.doc)
    assert (nan["path"], nan["line"], nan["message"]) == (
        "cases[0].people[1].id", line_of(path, where[0]), "编号：NaN（非数）不是有效的值")
    assert (inf["path"], inf["line"], inf["message"]) == (
        "cases[1].centers[0].windows", line_of(path, where[1]), "窗口数：无穷大（Infinity）不是有效的值")
    assert OTHERS - {("B", "Q1")} <= decided(done.doc)
    assert done.doc["account"]["centers"] == {"read": 2, "decided": 1, "errored": 1}


def test_huge_and_negative_numbers_and_years_beyond_2999_are_schema_errors(tmp_path):
    path = roster(tmp_path, "      - {id: P2, birth_date: 9999-01-01}")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "      - {id: Q1, birth_date: 1990-01-01, education: 本科}",
        "      - {id: Q1, birth_date: 1990-01-01, education: 本科}\n"
        "    centers:\n"
        "      - {id: CB1, level: 镇, windows: 99999999999999999999999}\n"
        "      - {id: CB2, level: 镇, windows: 4, clerks: -5}\n"
        "      - {id: CB3, level: 镇, windows: 4, staff: {direct: 100001}}\n"
        "  - {id: C, as_of: 2025-12-31, assessment_year: 99999999999999999999}\n"), encoding="utf-8")
    done = evaluate(path)
    found = {e["path"]: (e["line"], e["message"]) for e in errors(done.doc)}
    assert found == {
        "cases[0].people[1].birth_date": (line_of(path, "9999-01-01"),
                                          "出生日期填的“9999-01-01”不在 1900–2999 年之间（应为 年-月-日，如 2999-01-01）"),
        "cases[1].centers[0].windows": (line_of(path, "CB1"), "窗口数应不大于 100000，实为 999999*************9999"),
        "cases[1].centers[1].clerks": (line_of(path, "CB2"), "办事员数应不小于 0，实为 -5"),
        "cases[1].centers[2].staff.direct": (line_of(path, "CB3"), "直属人员应不大于 100000，实为 100001"),
        "cases[2].assessment_year": (line_of(path, "assessment_year"), "考核年度应不大于 2999，实为 999999**********9999"),
    }
    assert OTHERS - {("A", "C1")} <= decided(done.doc)


def test_lists_for_mappings_and_numbers_for_lists_are_located_errors(tmp_path):
    path = roster(tmp_path, "      - {id: P2, birth_date: 1990-01-01, certificates: 7, ratings: [好, 差], "
                            "attestations: [healthy]}\n      - [P2b, 1990-01-01]\n"
                            "      - {id: P2c, birth_date: 1990-01-01, certificates: {type: 社工证}}")
    path.write_text(path.read_text(encoding="utf-8") + "  - {id: C, as_of: 2025-12-31, people: 5, centers: {id: X}}\n",
                    encoding="utf-8")
    done = evaluate(path)
    found = {e["path"]: e["message"] for e in errors(done.doc)}
    assert found == {
        "cases[0].people[1].attestations": "选聘条件核实情况应为映射（键: 值），实为一个列表",
        "cases[0].people[1].certificates": "证书应为列表，实为 7",
        "cases[0].people[1].ratings": "月度考核等次应为映射（键: 值），实为一个列表",
        "cases[0].people[2]": "人员第3条应为一条记录（编号、各字段的“键: 值”），实为一个列表",
        "cases[0].people[3].certificates": "证书应为列表，实为一个映射（键: 值）",
        "cases[2].centers": "中心应为列表，实为一个映射（键: 值）",
        "cases[2].people": "人员应为列表，实为 5",
        # the list cannot name its center, so it might count at C1: C1's count of clerks is left undecided
        "clerk_ratio_compliant[C1]": f"未判定：第3条（第{line_of(path, '- [P2b')}行）的记录有误，无法计入本中心",
    }
    assert OTHERS <= decided(done.doc)
    assert done.doc["account"]["people"] == {"read": 6, "decided": 3, "errored": 3}


# --- what is printed --------------------------------------------------------------------------------------

def test_rich_markup_in_ids_and_names_is_printed_literally(tmp_path):
    path = roster(tmp_path, "      - {id: '[/]', name: '[bold]王五', birth_date: 1990-01-01}\n"
                            "      - {id: '[bold]P4', birth_date: 1990-01-01}")
    path.write_text(path.read_text(encoding="utf-8").replace("id: B\n", "id: '[red]B[/]'\n"), encoding="utf-8")
    done = run("evaluate", path)
    assert done.returncode == 0, done.stderr
    assert "[bold]P4" in done.stdout and re.search(r"^\[/\] +│", done.stdout, re.M) and "[red]B[/]" in done.stdout
    assert "[******" in done.stdout           # the name, masked, its bracket kept
    assert "记录核对：人员 读入 5 = 判定 5 + 出错 0" in done.stdout


ID_NUMBER, CASE_NUMBER = "321302199001015678", "320102198812120016"


def test_id_numbers_as_ids_and_one_character_names_are_masked_everywhere(tmp_path):
    path = roster(tmp_path, f"      - {{id: '{ID_NUMBER}', name: 王, birth_date: 1990-01-01}}\n"
                            f"      - {{id: '{ID_NUMBER[:-1]}9', name: 赵, birth_date: 1990-01-01, education: 很高}}")
    path.write_text(path.read_text(encoding="utf-8").replace("id: B\n", f"id: '{CASE_NUMBER}'\n"), encoding="utf-8")
    secrets = [ID_NUMBER, ID_NUMBER[:-1] + "9", CASE_NUMBER, "321302199001011234", "张三丰", "李四", "│ 王 ", "│ 赵 "]
    for args in [("--format", "json"), (), ("--explain",)]:
        done = run("evaluate", path, *args)
        assert done.returncode == 1, done.stderr
        leaked = [s for s in secrets if s in done.stdout + done.stderr]
        assert not leaked, (args, leaked)
    doc = evaluate(path).doc
    assert doc["cases"][1]["id"] == "320102********0016" and ("A", "321302********5678") in decided(doc)
    error, = [e for e in errors(doc) if e.get("kind")]
    assert error["subject"] == "321302********5679" and error["path"] == "cases[0].people[2].education"
    assert "│ * " in run("evaluate", path).stdout                       # 王 alone is the whole name
    unmasked = run("evaluate", path, "--unmask")
    assert ID_NUMBER in unmasked.stdout and CASE_NUMBER in unmasked.stdout and "│ 王 " in unmasked.stdout


def test_policy_tests_mask_malformed_id_numbers_unless_unmask(tmp_path):
    tests = tmp_path / "masked.yaml"
    tests.write_text(f"""\
topic: 遮蔽
tests:
  - name: 身份证号少一位
    case:
      as_of: 2025-12-31
      people:
        - {{id: '{ID_NUMBER}', name: 王, id_number: "{ID_NUMBER[:-1]}", birth_date: 1990-01-01, education: 很高}}
    expect:
      - {{subject: '{ID_NUMBER}', decision: eligibility, value: 合格}}
""", encoding="utf-8")
    policy = ROOT / "policies" / "suchen_2024"
    for fmt in ("text", "json"):
        done = run("test", policy, tests, "--format", fmt)
        assert done.returncode == 1 and "案例有误" in done.stdout, done.stdout
        assert ID_NUMBER[:-1] not in done.stdout and "321302*******1567" in done.stdout, done.stdout
        shown = run("test", policy, tests, "--format", fmt, "--unmask")
        assert ID_NUMBER[:-1] in shown.stdout


def test_future_dates_are_warnings_on_the_case(tmp_path):
    path = roster(tmp_path, "      - {id: P2, birth_date: 2030-01-01, hired_on: 2999-01-01, education: 本科}")
    done = evaluate(path)
    assert OTHERS | {("A", "P2")} <= decided(done.doc)
    warnings = done.doc["cases"][0]["warnings"]
    line = line_of(path, 'id: P2')
    assert warnings == [f"人员 P2（第{line}行）的出生日期 2030-01-01 晚于判定日 2025-12-31；已按所填判定",
                        f"人员 P2（第{line}行）的上岗日期 2999-01-01 晚于判定日 2025-12-31；已按所填判定"]
    assert "warnings" not in done.doc["cases"][1]
    table = run("evaluate", path)
    assert f"注意 人员 P2（第{line}行）的上岗日期" in table.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])   # in a worker, the record is taken out of the parent's case too
def test_an_evaluation_error_names_the_record_and_its_line_and_costs_only_it(tmp_path, jobs):
    policy = tmp_path / "policy"
    shutil.copytree(ROOT / "policies" / "suchen_2024", policy)
    grace = policy / "parameters" / "selection.yaml"
    text = grace.read_text(encoding="utf-8")
    assert text.count("{value: 1, clause: 二(二)2(1)⑧}") == 1
    # hired in 2025 + 7975 years of grace = the year 10000, beyond Python's dates; hired in 2020 still fits
    grace.write_text(text.replace("{value: 1, clause: 二(二)2(1)⑧}", "{value: 7975, clause: 二(二)2(1)⑧, reference: 某政办发〔2025〕1号}"), encoding="utf-8")
    path = roster(tmp_path, "      - {id: P2, birth_date: 1990-01-01, education: 本科, hired_on: 2025-01-01, center: C1}")
    done = evaluate(path, "--policy", policy, "--jobs", jobs)
    error, = [e for e in errors(done.doc) if e.get("kind")]
    assert (error["subject"], error["path"], error["line"]) == ("P2", "cases[0].people[1]", line_of(path, "id: P2"))
    assert error["message"] == "该记录无法判定：计算出错（值超出范围或格式不对）；请运行 validate 检查政策文件，并核对该记录的数据"
    assert error["detail"] == "ValueError: year 10000 is out of range"   # the exception's text: in JSON only
    table = run("evaluate", path, "--policy", policy, "--jobs", jobs)
    assert "ValueError" not in table.stdout + table.stderr and "该记录无法判定" in table.stdout + table.stderr
    assert {("A", "P1"), ("A", "P3"), ("B", "Q1")} <= decided(done.doc)
    assert done.doc["account"]["people"] == {"read": 4, "decided": 3, "errored": 1}
    # C1 counts its clerks: with P2 refused, the count would be a guess, so that decision is left undecided
    assert any("P2" in e["message"] and e["path"] == "clerk_ratio_compliant[C1]" for e in errors(done.doc))
