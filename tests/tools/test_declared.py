"""engine/tools/declared.py: cases made from a policy's declaration alone, for a shape the realistic generator
does not know — the second document's enterprises, their quarterly reports and 个体工商户."""
from __future__ import annotations

import json
import shutil

from conftest import ROOT, cli
from engine.tools.declared import declared_cases
from engine.tools.validate import load_or_raise

XW = ROOT / "policies" / "xiaowei_2023"


def test_every_record_has_its_required_fields_and_names_a_record_of_the_case():
    policy = load_or_raise(str(XW))
    tree = declared_cases(policy, 20, 7, 2024, 10)
    assert [c["tax_year"] for c in tree["cases"]] == [2024, 2024]
    for case in tree["cases"]:
        assert len(case["enterprises"]) == 10 and len(case["businesses"]) == 10
        ids = {r["id"] for r in case["enterprises"]}
        assert case["quarter_reports"] and all(r["enterprise"] in ids for r in case["quarter_reports"])
        for kind in policy.records.kinds.values():
            required = [n for n, f in kind.fields.items() if f.required]
            assert all(all(n in r for n in required) for r in case[kind.list]), kind.name
    assert declared_cases(policy, 20, 7, 2024, 10) == tree and declared_cases(policy, 20, 8, 2024, 10) != tree


def test_generate_makes_cases_the_policy_reads_and_decides(tmp_path):
    """A policy without generate.yaml (xiaowei_2023 without its own): cases from the declaration alone."""
    bare = tmp_path / "xiaowei"
    shutil.copytree(XW, bare)
    (bare / "generate.yaml").unlink()
    (bare / "policy.yaml").write_text("\n".join(line for line in (bare / "policy.yaml").read_text(encoding="utf-8")
                                                .splitlines() if not line.startswith("generate:")) + "\n", encoding="utf-8")
    out = tmp_path / "g.yaml"
    code, _, err = cli("generate", "--people", "12", "--seed", "3", "--out", out, "--policy", bare)
    assert code == 0 and "12 户企业" in err and "12 户个体工商户" in err, err
    assert out.read_text(encoding="utf-8").startswith("# 生成的测试案例（虚构数据，按 records.yaml 的声明随机生成")
    code, doc, err = cli("evaluate", out, "--policy", bare, "--format", "json", "--jobs", "1")
    assert code in (0, 1), err
    doc = json.loads(doc)
    assert doc["account"]["balanced"] and doc["account"]["enterprises"]["read"] == 12
    assert sum(len(c["determinations"]) for c in doc["cases"]) > 12
