"""Deliberately broken copies of the policy: each gives its message, in Chinese, at the line and column
of the offending key or value, all mistakes of a file in one run, never a traceback or a hang.

Each tests/policy/broken_policies/*.yaml lists `edits` (a file of the policy, the text to replace, its
replacement; `<<text×N>>` repeats text N times, for hostile inputs) and `expect`: every error
`validate` must report — file, line, column and the message (a part of it). Nothing else may be
reported as an error: a message at the wrong place, or a second message for the same mistake, fails.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.common import yamlio
from engine.common import locations
from engine.tools.validate import problems_of

from conftest import cli, edit

CATALOGUE = Path(__file__).resolve().parent / "broken_policies"
COPIES = sorted(CATALOGUE.glob("*.yaml"))
_CJK = re.compile(r"[\u4e00-\u9fff]")


def expand(text: str) -> str:
    """`<<(×2000>>` → 2,000 opening brackets: hostile inputs stay readable in the catalogue."""
    return re.sub(r"<<(.+?)×(\d+)>>", lambda m: m.group(1) * int(m.group(2)), text)


def broken(spec_path: Path, root: Path) -> dict:
    spec = locations.plain(yamlio.load(spec_path))
    for e in spec["edits"]:
        edit(root, e["file"], expand(e["replace"]), expand(e["with"]))
    return spec


def where(problem, root: Path) -> tuple:
    return (Path(problem.location.file).relative_to(root).as_posix(), problem.location.line, problem.location.col)


def test_the_catalogue_holds_at_least_twenty_copies():
    assert len(COPIES) >= 20


@pytest.mark.parametrize("spec_path", COPIES, ids=[p.stem for p in COPIES])
def test_broken_copy_is_reported_at_its_place(spec_path, tmp_policy):
    spec = broken(spec_path, tmp_policy)
    policy, problems = problems_of(tmp_policy)
    assert policy is None or any(p.severity == "error" for p in problems)
    errors = [p for p in problems if p.severity == "error"]
    shown = "\n".join(f"{where(p, tmp_policy)} {p.message}" for p in errors)
    assert sorted(where(p, tmp_policy) for p in errors) == \
        sorted((e["file"], e["line"], e["col"]) for e in spec["expect"]), shown
    for e in spec["expect"]:
        at = [p for p in errors if where(p, tmp_policy) == (e["file"], e["line"], e["col"])]
        assert any(e["message"] in p.message for p in at), f"{e['message']}\n---\n{shown}"
    assert all(_CJK.search(p.message) for p in errors), shown


def test_validate_json_gives_the_same_places(tmp_policy):
    """The command, not just the function: `--format json` carries file, line, col and the Chinese message."""
    spec = broken(CATALOGUE / "34-three-mistakes-in-one-file.yaml", tmp_policy)
    code, out, _ = cli("validate", tmp_policy, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["valid"] is False
    got = sorted((Path(p["file"]).relative_to(tmp_policy).as_posix(), p["line"], p["col"]) for p in doc["problems"])
    assert got == sorted((e["file"], e["line"], e["col"]) for e in spec["expect"])


def test_a_dated_amendment_naming_its_document_passes_and_is_shown(tmp_policy):
    """150 → 180 from a later date citing the amending document: valid, and the explanation names the
    document with the value and does not quote the old words as if they were in force."""
    edit(tmp_policy, "parameters/allowances.yaml", "        一级/高级技师: 600\nsocial_work_equivalent:",
         "        一级/高级技师: 600\n    2025-07-01:\n      clause: 二(二)5(2)\n      reference: 某政办发〔2025〕9号 第三条\n"
         "      value: {五级/初级工: 100, 四级/中级工: 180, 三级/高级工: 200, 二级/技师: 400, 一级/高级技师: 600}\n"
         "social_work_equivalent:")
    policy, problems = problems_of(tmp_policy)
    assert [p for p in problems if p.severity == "error"] == [], [str(p) for p in problems]
    case = tmp_policy / "case.yaml"
    case.write_text(json.dumps({"as_of": "2025-12-31", "people": [{
        "id": "P1", "birth_date": "1995-04-18", "education": "本科", "hired_on": "2022-01-01",
        "certificates": [{"type": "政务服务办事员", "level": "四级/中级工", "obtained_on": "2023-05-01"}]}]},
        ensure_ascii=False), encoding="utf-8")
    code, out, err = cli("evaluate", case, "--policy", tmp_policy, "--format", "json", "--subject", "P1", "--explain", "full")
    doc = json.loads(out)
    [skill] = [d for c in doc["cases"] for d in c["determinations"] if d["decision"] == "skill_allowance"]
    assert skill["value"] == 180
    explanation = skill["explanation"]
    assert explanation["amended_by"] == ["某政办发〔2025〕9号 第三条"]
    assert [p["reference"] for p in explanation["parameters"].values()] == ["某政办发〔2025〕9号 第三条"]
    code, out, err = cli("evaluate", case, "--policy", tmp_policy, "--format", "json", "--subject", "P1", "--explain", "brief")
    doc = json.loads(out)
    [skill] = [d for c in doc["cases"] for d in c["determinations"] if d["decision"] == "skill_allowance"]
    assert skill["explanation"]["amended_by"] == ["某政办发〔2025〕9号 第三条"]
    code, out, err = cli("evaluate", case, "--policy", tmp_policy, "--subject", "P1", "--explain")
    def flat(text):   # the terminal wraps long lines inside the tree: compare without the layout
        return re.sub(r"[\s│├└─]", "", text)
    assert flat("已由 某政办发〔2025〕9号 第三条 修改") in flat(out) and flat("依据 某政办发〔2025〕9号 第三条") in flat(out), out
