"""engine/outputs/sheetreport.py: the determinations as sheets show the record's own columns masked as the case
schema marks each field — a person's name and ID number masked without --unmask, a center's or item's name never."""
from __future__ import annotations

import pytest

from conftest import person, remarked, write_case
from engine.outputs import sheetreport
from engine.pipeline.evaluate import evaluate_file

CENTER = "宿城区政务服务中心"
ITEM = "王集镇户籍办理"     # an item's name that begins as a name might


@pytest.fixture(scope="module")
def evaluated(policy, tmp_path_factory):
    case = {"id": "K", "as_of": "2025-12-31", "assessment_year": 2025,
            "people": [person("P1", name="王五", center="C1", id_number="321302199001011234")],
            "centers": [{"id": "C1", "name": CENTER, "level": "区级", "windows": 20}],
            "items": [{"id": "I1", "name": ITEM, "department": "公安局", "center_level": "区级"}]}
    case_file, results = evaluate_file(str(write_case(case, tmp_path_factory.mktemp("k"))), policy)
    assert not case_file.errors and not results[0].errors
    return results


def rows(policy, results, unmask=False) -> dict[str, dict]:
    return {t.kind: t.rows[0] for t in sheetreport.subjects(policy, results, unmask)}


def test_a_persons_name_is_masked_a_centers_and_an_items_never(policy, evaluated):
    masked, clear = rows(policy, evaluated), rows(policy, evaluated, unmask=True)
    assert masked["person"]["姓名"] == "王*" and clear["person"]["姓名"] == "王五"
    assert masked["center"]["名称"] == CENTER and masked["item"]["名称"] == ITEM


def test_what_is_masked_follows_the_records_declaration(tmp_path):
    """Unmark the person's name in records.yaml and it shows whole; mark the item's and the center's names personal
    and they are masked as names."""
    policy = remarked(tmp_path)
    case = {"id": "K", "as_of": "2025-12-31", "assessment_year": 2025,
            "people": [person("P1", name="王五", center="C1", id_number="321302199001011234")],
            "centers": [{"id": "C1", "name": CENTER, "level": "区级", "windows": 20}],
            "items": [{"id": "I1", "name": ITEM, "department": "公安局", "center_level": "区级"}]}
    _, results = evaluate_file(str(write_case(case, tmp_path)), policy)
    found = rows(policy, results)
    assert found["person"]["姓名"] == "王五"
    assert found["item"]["名称"] == "王" + "*" * (len(ITEM) - 1)
    assert found["center"]["名称"] == CENTER[0] + "*" * (len(CENTER) - 1)
