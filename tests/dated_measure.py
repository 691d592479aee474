"""A hypothetical measure added to a copy of the policy, for the tests of date parameters, `until:` and titled
references (tests/policy/test_parameter_dates.py, tests/tools/test_diff_dated.py): 一次性岗位补贴, paid to those
hired by a date (a date parameter), its amount ending on a date (`until:`). YAML only, in the copy."""
from __future__ import annotations

import shutil

from conftest import POLICY_DIR, edit, person

AMENDMENT = ("（四）发放一次性岗位补贴。2025年6月30日及以前上岗的窗口办事员，发放一次性岗位补贴，每人500元，"
             "本项措施执行至2025年12月31日。")

RULES = """section: 四(四) 一次性岗位补贴（示例修订，非真实文件）
decisions:
  hiring_subsidy:
    label: 一次性岗位补贴
    of: person
    applies_when: hired_on != null
    hit: unique
    rules:
      - id: subsidy.granted
        title: 截止日前上岗，发放一次性岗位补贴
        clause: 四(四)
        text: 2025年6月30日及以前上岗的窗口办事员，发放一次性岗位补贴
        when: hired_on <= param.subsidy_hired_by and param.subsidy_amount != null
        then: true
      - id: subsidy.hired_late
        title: 截止日后上岗，不发放
        clause: 四(四)
        text: 2025年6月30日及以前上岗的窗口办事员，发放一次性岗位补贴
        when: hired_on > param.subsidy_hired_by and param.subsidy_amount != null
        then: false
      - id: subsidy.lapsed
        title: 措施已到期，不再发放
        clause: 四(四)
        text: 本项措施执行至2025年12月31日
        when: param.subsidy_amount == null
        then: false
"""

PARAMETERS = """subsidy_hired_by:
  label: 一次性岗位补贴的上岗截止日
  type: date
  values:
    2024-12-27: {value: 2025-06-30, clause: 四(四)}
subsidy_amount:
  label: 一次性岗位补贴金额
  unit: 元
  values:
    2024-12-27:
      value: 500
      clause: 四(四)
      until: 2025-12-31
"""

REPORT = "{issuer: 国务院, title: 2025年政府工作报告, date: 2025-03-05}"
CITED = "国务院《2025年政府工作报告》（2025年3月5日）"


def amended_copy(root):
    """The policy with the measure added: its words in source.txt, its clause, parameters and rules."""
    shutil.copytree(POLICY_DIR, root)
    source = root / "source.txt"
    source.write_text(source.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + AMENDMENT + "\n", encoding="utf-8")
    edit(root, "clauses.yaml", "  四(三):\n", "  四(四):\n    title: 一次性岗位补贴（示例修订）\n"
                                              "    starts: （四）发放一次性岗位补贴\n  四(三):\n")
    (root / "parameters" / "subsidy.yaml").write_text(PARAMETERS, encoding="utf-8")
    (root / "rules" / "subsidy.yaml").write_text(RULES, encoding="utf-8")
    edit(root, "policy.yaml", "  - parameters/windows.yaml\n", "  - parameters/windows.yaml\n  - parameters/subsidy.yaml\n")
    edit(root, "policy.yaml", "  - rules/routing.yaml\n", "  - rules/routing.yaml\n  - rules/subsidy.yaml\n")
    return root


def case(as_of: str, **hired) -> dict:
    """One person per `hired` entry (id → 上岗日期)."""
    return {"id": "SUB", "as_of": as_of, "people": [person(pid, hired_on=day) for pid, day in hired.items()]}
