"""replay's table for people: at 80 columns, piped, every logged value and decision label whole on its row, the
policy a record was logged under said once, not on every row."""
from __future__ import annotations

import json

from rich.cells import cell_len

from conftest import cli, person


def _logged(tmp_path, policy_edit: bool = False):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"id": "C1", "as_of": "2025-12-31", "assessment_year": 2025,
                                "people": [person("P1"), person("P2", education="大专")]}, ensure_ascii=False),
                    encoding="utf-8")
    code, _, err = cli("evaluate", case, "--log", tmp_path / "log.jsonl", "--jobs", "1", "--format", "json")
    assert code == 0, err
    return case


def test_the_table_fits_80_columns_with_labels_and_values_whole(tmp_path, monkeypatch, policy):
    case = _logged(tmp_path)
    log = tmp_path / "log.jsonl"
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = cli("replay", log, "--cases", case)
    assert code == 0, err
    lines = out.splitlines()
    assert all(cell_len(line.rstrip()) <= 80 for line in lines)
    from engine.outputs.answer import decision_label
    from engine.common.words import shown
    for r in records:
        row = next(line for line in lines if line.startswith(r["decision_id"][:8]))
        cells = [c.strip() for c in row.split("│")]
        assert decision_label(policy, r["decision"]) in cells, row
        assert shown(r["value"]) in cells, row
    assert "案例 C1" in out


def test_another_policy_is_said_once(tmp_path, monkeypatch):
    case = _logged(tmp_path)
    log = tmp_path / "log.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    other = []
    for line in lines:
        record = json.loads(line)
        record["policy"]["digest"] = "sha256:" + "0" * 64
        other.append(json.dumps(record, ensure_ascii=False))
    log.write_text("\n".join(other) + "\n", encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = cli("replay", log, "--cases", case)
    assert code == 1
    assert out.count("sha256:000000000000") == 1 and f"其中 {len(lines)} 条记录时的政策与现行不同" in out
