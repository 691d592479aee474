"""engine/formula/functions.py: 周岁, 满N年, certificate levels, adjacent months."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.formula.functions import (Witnessed, add_full_years, age_in_full_years, first_certificate_date, first_present,
                              full_years_between, highest_skill_level, holds_certificate, later_of,
                              longest_month_run, month_index, year_start)

D = dt.date


LEAP = "mar_1"   # the 1.0.0 leap-day convention; feb_28 (1.1.0, 民法典第202条) is tested in TestFeb28


# --- 周岁 (interpretation age_in_full_years: the birthday counts from the next day) ----------

class TestAge:
    def test_36th_birthday_itself_is_still_35(self):
        assert age_in_full_years("1989-12-20", "2025-12-20", LEAP) == 35

    def test_day_after_36th_birthday_is_36(self):
        assert age_in_full_years("1989-12-20", "2025-12-21", LEAP) == 36

    def test_day_before_birthday(self):
        assert age_in_full_years("1989-12-20", "2025-12-19", LEAP) == 35

    def test_accepts_dates_and_text(self):
        assert age_in_full_years(D(1990, 6, 1), D(2025, 6, 2), LEAP) == 35
        assert age_in_full_years("1990-06-01", D(2025, 6, 1), LEAP) == 34

    def test_missing_is_unknown(self):
        assert age_in_full_years(None, "2025-01-01", LEAP) is None
        assert age_in_full_years("1990-01-01", None, LEAP) is None

    def test_29_february_birth_in_common_year(self):
        # The 35th anniversary of 2000-02-29 falls on 2035-03-01 (full_years); the age counts from the day after.
        assert age_in_full_years("2000-02-29", "2035-02-28", LEAP) == 34
        assert age_in_full_years("2000-02-29", "2035-03-01", LEAP) == 34
        assert age_in_full_years("2000-02-29", "2035-03-02", LEAP) == 35

    def test_29_february_birth_in_leap_year(self):
        assert age_in_full_years("2000-02-29", "2036-02-29", LEAP) == 35   # the 36th birthday itself
        assert age_in_full_years("2000-02-29", "2036-03-01", LEAP) == 36

    def test_first_birthday(self):
        assert age_in_full_years("2000-05-05", "2001-05-05", LEAP) == 0
        assert age_in_full_years("2000-05-05", "2001-05-06", LEAP) == 1

    def test_day_of_birth_is_zero_not_negative(self):
        assert age_in_full_years("2000-05-05", "2000-05-05", LEAP) == 0


# --- 满N年 (interpretation full_years: the anniversary itself counts) --------------------

class TestFullYears:
    def test_anniversary_counts(self):
        assert full_years_between("2015-10-10", "2025-10-10", LEAP) == 10
        assert full_years_between("2015-10-10", "2025-10-09", LEAP) == 9

    def test_same_day_and_before_start(self):
        assert full_years_between("2020-01-01", "2020-01-01", LEAP) == 0
        assert full_years_between("2020-01-01", "2019-01-01", LEAP) == 0

    def test_29_february_to_1_march(self):
        assert full_years_between("2024-02-29", "2025-02-28", LEAP) == 0
        assert full_years_between("2024-02-29", "2025-03-01", LEAP) == 1
        assert full_years_between("2024-02-29", "2028-02-29", LEAP) == 4   # a leap year keeps 29 Feb
        assert full_years_between("2024-02-29", "2028-02-28", LEAP) == 3

    def test_missing_is_unknown(self):
        assert full_years_between(None, "2025-01-01", LEAP) is None
        assert full_years_between("2025-01-01", None, LEAP) is None

    def test_add_full_years(self):
        assert add_full_years("2024-06-30", 1, LEAP) == D(2025, 6, 30)
        assert add_full_years("2024-02-29", 1, LEAP) == D(2025, 3, 1)
        assert add_full_years("2024-02-29", 4, LEAP) == D(2028, 2, 29)
        assert add_full_years(D(2020, 1, 15), 0, LEAP) == D(2020, 1, 15)
        assert add_full_years(None, 1, LEAP) is None
        assert add_full_years("2024-01-01", None, LEAP) is None

    def test_add_then_count_agree(self):
        for start in ("2024-02-29", "2023-12-31", "2021-03-01"):
            for n in range(0, 6):
                end = add_full_years(start, n, LEAP)
                assert full_years_between(start, end, LEAP) == n
                assert full_years_between(start, end - dt.timedelta(days=1), LEAP) == max(n - 1, 0)


# --- 29 February under the month-end convention (民法典第二百零二条; policy 1.1.0) ---------------

class TestFeb28:
    def test_full_year_from_29_february_ends_on_28_february(self):
        assert add_full_years("2024-02-29", 1, "feb_28") == D(2025, 2, 28)
        assert full_years_between("2024-02-29", "2025-02-27", "feb_28") == 0
        assert full_years_between("2024-02-29", "2025-02-28", "feb_28") == 1
        assert full_years_between("2016-02-29", "2026-02-28", "feb_28") == 10
        assert full_years_between("2016-02-29", "2026-02-28", "mar_1") == 9

    def test_a_leap_year_keeps_29_february(self):
        assert add_full_years("2024-02-29", 4, "feb_28") == D(2028, 2, 29)

    def test_age_counts_from_1_march(self):
        # the birthday is 28 February in a common year; as on every birthday, the age counts from the next day
        assert age_in_full_years("2000-02-29", "2035-02-28", "feb_28") == 34
        assert age_in_full_years("2000-02-29", "2035-03-01", "feb_28") == 35
        assert age_in_full_years("2000-02-29", "2035-03-01", "mar_1") == 34

    def test_other_days_do_not_depend_on_the_convention(self):
        for start in ("2023-03-01", "2020-02-28", "2019-12-31"):
            for on in ("2025-02-28", "2025-03-01", "2026-01-01"):
                assert full_years_between(start, on, "feb_28") == full_years_between(start, on, "mar_1")
                assert age_in_full_years(start, on, "feb_28") == age_in_full_years(start, on, "mar_1")

    def test_an_unknown_convention_is_refused(self):
        with pytest.raises(ValueError, match="feb_28"):
            add_full_years("2024-02-29", 1, "feb_29")


# --- small helpers ------------------------------------------------------------------

class TestHelpers:
    def test_later_of(self):
        assert later_of("2020-01-01", "2021-06-01") == D(2021, 6, 1)
        assert later_of(D(2022, 1, 1), "2021-06-01") == D(2022, 1, 1)
        assert later_of(None, "2021-06-01") is None
        assert later_of("2021-06-01", None) is None
        assert later_of(None, None) is None

    def test_first_present(self):
        assert first_present(None, 0, 1) == 0
        assert first_present(None, None) is None

    def test_year_start(self):
        assert year_start(2025) == D(2025, 1, 1)
        assert year_start(None) is None


# --- certificates ----------------------------------------------------------------------

LEVELS = {"五级/初级工": 100, "四级/中级工": 150, "三级/高级工": 200, "二级/技师": 400, "一级/高级技师": 600}
SOCIAL = {"助理社会工作师": "五级/初级工", "社会工作师": "四级/中级工", "高级社会工作师": "三级/高级工"}
CLERK, SW = "政务服务办事员", "社会工作者"


def cert(kind, level, on):
    """A certificate as the functions read it: keyed by role (functions.ROLES), whatever the case file calls them."""
    return {"kind": kind, "grade": level, "held_from": on}


class TestSkillLevel:
    def test_social_work_equivalents(self):
        for sw_level, equivalent in SOCIAL.items():
            got = highest_skill_level([cert(SW, sw_level, "2020-01-01")], "2025-01-01", LEVELS, SOCIAL)
            assert isinstance(got, Witnessed)
            assert got.value == equivalent

    def test_highest_wins_either_way(self):
        certs = [cert(CLERK, "五级/初级工", "2019-01-01"), cert(SW, "高级社会工作师", "2020-01-01")]
        assert highest_skill_level(certs, "2025-01-01", LEVELS, SOCIAL).value == "三级/高级工"
        certs = [cert(SW, "社会工作师", "2019-01-01"), cert(CLERK, "二级/技师", "2020-01-01")]
        assert highest_skill_level(certs, "2025-01-01", LEVELS, SOCIAL).value == "二级/技师"
        # the order of the list does not matter
        assert highest_skill_level(list(reversed(certs)), "2025-01-01", LEVELS, SOCIAL).value == "二级/技师"

    def test_equal_levels_do_not_stack(self):
        certs = [cert(CLERK, "四级/中级工", "2019-01-01"), cert(SW, "社会工作师", "2020-01-01")]
        assert highest_skill_level(certs, "2025-01-01", LEVELS, SOCIAL).value == "四级/中级工"

    def test_certificate_after_the_day_is_ignored(self):
        certs = [cert(CLERK, "五级/初级工", "2019-01-01"), cert(CLERK, "一级/高级技师", "2025-01-02")]
        assert highest_skill_level(certs, "2025-01-01", LEVELS, SOCIAL).value == "五级/初级工"
        assert highest_skill_level(certs, "2025-01-02", LEVELS, SOCIAL).value == "一级/高级技师"  # held on the day

    def test_none_held(self):
        assert highest_skill_level([], "2025-01-01", LEVELS, SOCIAL).value is None
        assert highest_skill_level([cert(CLERK, "五级/初级工", "2026-01-01")], "2025-01-01", LEVELS, SOCIAL).value is None
        assert highest_skill_level(None, "2025-01-01", LEVELS, SOCIAL).value is None

    def test_unknown_level_counts_for_nothing(self):
        certs = [cert("其他", "某级", "2019-01-01")]
        assert highest_skill_level(certs, "2025-01-01", LEVELS, SOCIAL).value is None
        assert highest_skill_level([cert(SW, "社会工作师", "2019-01-01")], "2025-01-01", LEVELS, None).value is None

    def test_holds_and_first_certificate(self):
        certs = [cert(SW, "社会工作师", "2010-01-01"), cert(CLERK, "四级/中级工", "2021-05-01"),
                 cert(CLERK, "五级/初级工", "2018-03-01")]
        assert holds_certificate(certs, CLERK, "2018-02-28").value is False
        assert holds_certificate(certs, CLERK, "2018-03-01").value is True
        assert first_certificate_date(certs, CLERK, "2025-01-01").value == D(2018, 3, 1)
        assert first_certificate_date(certs, CLERK, "2018-02-28") is None


# --- adjacent months --------------------------------------------------------------------

class TestMonthRun:
    def test_month_index_is_consecutive_across_years(self):
        assert month_index("2025-01") - month_index("2024-12") == 1
        assert month_index("2024-02") - month_index("2024-01") == 1

    def test_across_the_year_boundary(self):
        assert longest_month_run(["2024-12", "2025-01"]).value == 2

    def test_gaps_break_runs(self):
        assert longest_month_run(["2025-01", "2025-03"]).value == 1
        assert longest_month_run(["2025-01", "2025-02", "2025-04", "2025-05", "2025-06"]).value == 3
        assert longest_month_run(["2024-01", "2025-01"]).value == 1   # same month, different years

    def test_order_and_duplicates_do_not_matter(self):
        assert longest_month_run(["2025-03", "2025-01", "2025-02", "2025-02"]).value == 3

    def test_empty(self):
        assert longest_month_run([]).value == 0
        assert longest_month_run(None).value == 0

    def test_witness_names_the_run(self):
        got = longest_month_run(["2025-05", "2024-11", "2024-12", "2025-01"])
        assert got.value == 3
        assert "2024-11" in got.detail and "2025-01" in got.detail and "2025-05" not in got.detail
