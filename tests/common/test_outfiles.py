"""engine/common/outfiles.py: cells that open as text, outputs checked against inputs, files written whole."""
from __future__ import annotations

import os
import stat

import pytest

from engine.common import outfiles, privacy

DANGEROUS = ["=1+1", "+86 138", "-", "-P2", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"]


# --- cells -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_text_gets_a_quote_in_csv(text):
    assert outfiles.formula_like(text)
    assert outfiles.csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["P1", "王婷", " =x", "", "1+1", 0, -5, -1.5, None, True])
def test_other_cells_are_left_as_they_are(value):
    """Plain text, and numbers — a negative number is a number, not text that looks like a formula."""
    assert not outfiles.formula_like(value)
    assert outfiles.csv_cell(value) is value


@pytest.mark.parametrize("text", [*DANGEROUS, "'=x", "''", "'", "'abc", "it's", "P1", ""])
def test_a_csv_cell_reads_back_as_written(text):
    """csv_value undoes csv_cell exactly: text that starts with ' is escaped too, so one ' always comes off."""
    assert outfiles.csv_value(outfiles.csv_cell(text)) == text


@pytest.mark.parametrize("typed, read", [("'=1+1", "=1+1"), ("'abc", "'abc"), ("''x", "'x"), ("x'", "x'")])
def test_a_typed_quote_is_read_as_excel_reads_it(typed, read):
    assert outfiles.csv_value(typed) == read


def test_xlsx_cells_hold_text_never_a_formula(tmp_path):
    from openpyxl import Workbook, load_workbook
    wb = Workbook()
    ws = wb.active
    outfiles.append_row(ws, [*DANGEROUS, "#N/A", "plain", -5, 2.5, None])
    outfiles.xlsx_cell(ws.cell(row=2, column=1, value="=A1"))
    ws.cell(row=3, column=1, value="=A1")               # unguarded: what openpyxl makes of it
    wb.save(tmp_path / "w.xlsx")
    back = load_workbook(tmp_path / "w.xlsx")
    cells = {c.coordinate: c for row in back.active.iter_rows() for c in row}
    assert cells["A3"].data_type == "f"                  # the guard is needed: the test can fail
    for n, text in enumerate(DANGEROUS, 1):
        c = back.active.cell(row=1, column=n)
        assert (c.value, c.data_type, c.quotePrefix) == (text, "s", True)
    assert (cells["A2"].value, cells["A2"].data_type, cells["A2"].quotePrefix) == ("=A1", "s", True)
    n = len(DANGEROUS)
    assert [back.active.cell(row=1, column=n + k).data_type for k in (1, 2, 3, 4)] == ["s", "s", "n", "n"]
    assert back.active.cell(row=1, column=n + 3).value == -5
    assert not back.active.cell(row=1, column=n + 2).quotePrefix


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+86", "-", "@x", "\t王", "\r王", "=", "王婷"])
def test_masking_never_leaves_a_formula_character_first(name):
    masked = privacy.mask_name(name)
    assert not outfiles.formula_like(masked)
    assert len(masked) == len(name)
    if name == "王婷":
        assert masked == "王*"


@pytest.mark.parametrize("number", ["=HYPERLINK(1234567890)", "-32130219900412100", "@2345", "321302199004121008"])
def test_masked_id_numbers_never_begin_as_a_formula(number):
    masked = privacy.mask_id_number(number)
    assert not outfiles.formula_like(masked)
    assert masked[-4:] == number[-4:] or len(number) <= 10


# --- outputs against inputs --------------------------------------------------------------------

def test_an_output_that_is_an_input_by_any_name_is_refused(tmp_path):
    source = tmp_path / "名册.yaml"
    source.write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.yaml"
    link.symlink_to(source)
    hard = tmp_path / "hard.yaml"
    os.link(source, hard)
    for output in (source, tmp_path / "sub" / ".." / "名册.yaml", link, hard):
        with pytest.raises(outfiles.OutputError) as e:
            outfiles.check_not_input([output], [tmp_path / "other.yaml", source])
        assert str(output) in str(e.value) and str(source) in str(e.value) and "不会覆盖输入" in str(e.value)
    outfiles.check_not_input([tmp_path / "new.yaml"], [source])   # a new file is fine


def test_two_outputs_that_are_one_file_are_refused(tmp_path):
    with pytest.raises(outfiles.OutputError, match="同一个文件"):
        outfiles.check_not_input([tmp_path / "a.xlsx", tmp_path / "." / "a.xlsx"], [])


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(outfiles.OutputError, match="文件夹 .*不存在"):
        outfiles.check_folder(tmp_path / "nowhere" / "r.xlsx")
    (tmp_path / "file").write_text("")
    with pytest.raises(outfiles.OutputError, match="不是文件夹"):
        outfiles.check_folder(tmp_path / "file" / "r.xlsx")
    with pytest.raises(outfiles.OutputError, match="不存在"):
        outfiles.write_text(tmp_path / "nowhere" / "r.md", "x")
    assert not (tmp_path / "nowhere").exists()


def test_files_under_lists_a_folder_without_following_folder_links(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "a.yaml").write_text("")
    (tmp_path / "policy.yaml").write_text("")
    (tmp_path / "loop").symlink_to(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in outfiles.files_under(tmp_path)) == \
        ["policy.yaml", "rules/a.yaml"]
    assert len(outfiles.files_under(tmp_path, limit=1)) == 1


# --- written whole -----------------------------------------------------------------------------

class Boom(Exception):
    pass


def _half_then_fail(temporary):
    temporary.write_bytes(b"half a fi")
    raise Boom


@pytest.mark.parametrize("exists", [False, True])
def test_a_writer_that_fails_midway_leaves_nothing_behind(tmp_path, exists):
    target = tmp_path / "报告.xlsx"
    if exists:
        target.write_bytes(b"the old report")
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(Boom):
        outfiles.write_files({target: _half_then_fail})
    assert sorted(os.listdir(tmp_path)) == before                 # no temporary file, no half file
    assert (target.read_bytes() == b"the old report") if exists else not target.exists()


def test_several_files_are_replaced_only_when_all_are_written(tmp_path):
    first, second = tmp_path / "r.csv", tmp_path / "r.错误.csv"
    first.write_text("old", encoding="utf-8")
    with pytest.raises(Boom):
        outfiles.write_files({first: outfiles.text_writer("new"), second: _half_then_fail})
    assert first.read_text(encoding="utf-8") == "old" and not second.exists()
    assert sorted(os.listdir(tmp_path)) == ["r.csv"]
    assert outfiles.write_files({first: outfiles.text_writer("new"), second: outfiles.text_writer("两")}) == [first, second]
    assert first.read_text(encoding="utf-8") == "new" and second.read_text(encoding="utf-8") == "两"


def test_permissions_are_those_of_a_plain_write(tmp_path):
    new = outfiles.write_text(tmp_path / "new.md", "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask       # not mkstemp's 0600
    kept = tmp_path / "kept.md"
    kept.write_text("old")
    kept.chmod(0o640)
    outfiles.write_text(kept, "new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() == "new"


def test_a_symlinked_output_is_written_through(tmp_path):
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    outfiles.write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_folder_is_no_output(tmp_path):
    (tmp_path / "报告.xlsx").mkdir()
    with pytest.raises(outfiles.OutputError, match="文件夹"):
        outfiles.write_text(tmp_path / "报告.xlsx", "x")
    assert sorted(os.listdir(tmp_path)) == ["报告.xlsx"]


def test_a_pipe_is_written_into_not_replaced(tmp_path):
    """As /dev/null is: an output that exists and is no regular file is never renamed over."""
    import threading
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    outfiles.write_text(fifo, "a,b\n")
    reader.join(10)
    assert got == ["a,b\n"] and stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe.csv"]
