"""engine/common/privacy.py: free text quoted in a message (a value of a case file, a typed --subject) is masked
where it may hold a name or an ID number; policy words, headers and codes stay readable."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from engine.common.privacy import mask_echo, mask_error, mask_free_text, mask_message
from engine.policy.schemas import found_text

ID = "321302199001011008"
NAME = "吴某某"


def test_free_text_masks_names_and_long_digit_runs():
    assert mask_free_text(f"P10 {NAME} {ID}") == "P10 吴** 321302********1008"
    assert mask_free_text("32130219900101100X") == "321302********100X"
    assert mask_free_text("13800138000") == "*" * 11               # a phone number: not an ID number's shape
    assert mask_free_text("生于19900101") == "生*" + "*" * 8         # a birth date: six digits or more
    # codes, short numbers and one-character words stay as written
    assert mask_free_text("P10 CTR-QU 2025-03 是 12345") == "P10 CTR-QU 2025-03 是 12345"


def test_free_text_masking_twice_changes_nothing():
    once = mask_free_text(f"{NAME}{ID} 13800138000 买买提·艾力")
    assert mask_free_text(once) == once
    assert NAME not in once and ID[6:14] not in once and "艾力" not in once


def test_found_values_are_masked_and_the_policy_words_kept():
    message = f"expected one of 本科|硕士, found {found_text(f'P10 {NAME} {ID}')}"
    assert mask_message(message) == "expected one of 本科|硕士, found “P10 吴** 321302********1008”"
    # other quotes are the policy's words, headers and sheet names: left alone
    assert mask_message("不认识的表头“学力”；您是否想输入“学历”？") == "不认识的表头“学力”；您是否想输入“学历”？"
    assert mask_message("“年度考核等次”没有规则适用") == "“年度考核等次”没有规则适用"


def test_a_quote_inside_the_value_cannot_end_the_quote_early():
    value = f"甲” {NAME} {ID}"
    message = f"expected a record (a mapping), found {found_text(value)}"
    masked = mask_message(message)
    assert NAME not in masked and ID not in masked and ID[6:14] not in masked


def test_mask_error_masks_a_person_written_as_one_line():
    error = {"case": "C1", "path": "cases[0].people[1]", "subject": None,
             "message": f"expected a record (a mapping), found {found_text(f'P10 {NAME} {ID}')}"}
    masked = mask_error(error)        # by default a value may hold anything: masked as free text
    assert NAME not in masked["message"] and ID not in masked["message"] and "吴**" in masked["message"]


def test_echo_masks_only_what_was_typed():
    message = f"未找到办事员「{NAME}」；您是否想输入“P10”？"
    assert mask_echo(message, NAME, None) == "未找到办事员「吴**」；您是否想输入“P10”？"
    message = f"案例文件中没有编号为“{ID}”的对象；决定“年度考核等次”"
    assert mask_echo(message, ID) == "案例文件中没有编号为“321302********1008”的对象；决定“年度考核等次”"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20), st.from_regex(r"[1-6]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])[0-2]\d\d{3}[0-9X]", fullmatch=True),
       st.text(max_size=20))
def test_no_id_number_survives_in_any_found_value(before, number, after):
    masked = mask_message(f"found {found_text(before + number + after)}")
    assert number not in masked
    assert not re.search(r"\d{11}", masked)   # at most the 6 + 4 digits an ID number keeps, never the birth date


def test_a_field_is_masked_as_the_records_declaration_marks_it(policy):
    """mask_field with Personal.of: the records.yaml mark decides — a person's name as a name, an ID number as one
    (even inside a case list), a center's or item's name and a date shown, an ID number inside other text masked."""
    from engine.casefiles.cases import personal_of
    from engine.common.privacy import mask_field
    of = personal_of(policy).of
    assert mask_field("王五", of("people[0].name")) == "王*"
    assert mask_field("321302199001011234", of("cases[2].people[0].id_number")) == "321302********1234"
    assert mask_field("宿城区政务服务中心", of("centers[0].name")) == "宿城区政务服务中心"
    assert mask_field("王集镇户籍办理", of("items[0].name")) == "王集镇户籍办理"
    assert mask_field("P10 321302199001011234", of("items[0].department")) == "P10 321302********1234"
    assert mask_field("1990-01-01", of("people[0].birth_date")) == "1990-01-01"
    assert mask_field("王五", of("people[0].nickname")) == "王*"      # a field the schema does not know may hold a name
    assert mask_field(20, of("centers[0].windows")) == 20
