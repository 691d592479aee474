"""engine/outputs/answer.py, case by case: `CaseRenderer` and `AnswerWriter` write byte for byte the `document`
of the same cases, whatever the file holds (cases that could not be read, rejected records, errors of the file
itself, warnings), for each size of explanation, masked or not, for one subject or all, and for no case at all."""
from __future__ import annotations

import io
import json

import pytest

from conftest import ROOT, write_case
from engine.casefiles.cases import load_cases
from engine.common import locations, yamlio
from engine.outputs import answer
from engine.pipeline.evaluate import Evaluator

ROSTER = ROOT / "fixtures" / "roster_2025.yaml"


def _both(policy, case_file, explain="brief", unmask=False, subject=None) -> tuple[str, str]:
    evaluator = Evaluator(policy)
    results = [evaluator.evaluate(c) for c in case_file.cases]
    whole = io.StringIO()
    answer.write_json(answer.document(policy, case_file, results, explain, unmask, subject), stream=whole)
    render = answer.CaseRenderer(policy, explain, unmask, subject)
    streamed = io.StringIO()
    writer = answer.AnswerWriter(policy, explain, unmask, stream=streamed)
    for result in results:
        writer.add(render(result))
    writer.add_file(case_file, {c.id for c in case_file.cases})
    books = writer.close()
    assert books == json.loads(whole.getvalue())["account"]
    return streamed.getvalue(), whole.getvalue()


@pytest.mark.parametrize("explain", answer.EXPLAIN_SIZES)
def test_the_roster_case_by_case_is_the_whole_document(policy, explain):
    streamed, whole = _both(policy, load_cases(ROSTER, policy), explain)
    assert streamed == whole


@pytest.mark.parametrize("unmask, subject", [(True, None), (False, "P11")])
def test_masking_and_one_subject_case_by_case(policy, unmask, subject):
    streamed, whole = _both(policy, load_cases(ROSTER, policy), "brief", unmask, subject)
    assert streamed == whole


def test_a_file_with_errors_case_by_case(policy, tmp_path):
    """A case that cannot be read (listed after the others), a rejected record (with its case), a field beside
    `cases:` (an error of the file), a future date (a warning)."""
    cases = locations.plain(yamlio.load(ROSTER))["cases"]
    bad = json.loads(json.dumps(cases[0], default=str))
    bad["id"], bad["people"][0]["birth_date"] = "BAD-RECORD", "1990-13-45"
    path = write_case({"cases": [{"id": "NO-DATE", "people": []}] + cases + [bad], "extra": 1}, tmp_path)
    case_file = load_cases(path, policy)
    assert {e.case for e in case_file.errors} >= {None, "NO-DATE", "BAD-RECORD"}
    streamed, whole = _both(policy, case_file)
    assert streamed == whole
    doc = json.loads(streamed)
    assert [c["id"] for c in doc["cases"]][-1] == "NO-DATE" and doc["errors"]


def test_a_file_read_as_gbk_keeps_its_warning(policy, tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes(ROSTER.read_text(encoding="utf-8").encode("gb18030"))
    case_file = load_cases(path, policy)
    assert case_file.warnings
    streamed, whole = _both(policy, case_file, "none")
    assert streamed == whole and json.loads(streamed)["warnings"] == case_file.warnings


def test_no_case_at_all(policy, tmp_path):
    case_file = load_cases(write_case({"cases": []}, tmp_path), policy)
    streamed, whole = _both(policy, case_file)
    assert streamed == whole and json.loads(streamed)["cases"] == []


def test_each_renderer_gives_a_reference_once(policy):
    """The references come back once per process that rendered them: the parent's table is their union."""
    case_file = load_cases(ROSTER, policy)
    render = answer.CaseRenderer(policy, "brief")
    results = [Evaluator(policy).evaluate(c) for c in case_file.cases]
    parts = [render(r) for r in results]
    given = [k for p in parts for k in p.refs.rules]
    assert given and len(given) == len(set(given))
    again = answer.CaseRenderer(policy, "brief")(results[0])   # another worker: gives them again
    assert set(again.refs.rules) == set(parts[0].refs.rules)
