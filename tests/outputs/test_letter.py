"""engine/outputs/letter.py and `run.py letter`: a 决定告知书 an office can send, in .docx, .html and .md — from the office
of notice.yaml citing the document as its 依据, addressed by full name (the ID number masked unless --unmask), about
what was asked (--decision, --why-not), in sentences without code, each clause quoted once, only the readings that
made a difference, how to ask for review, and the log's decision ids in a 附注. (Page count: test_letter_pages.py.)"""
from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from conftest import ROOT, cli, edit, write_case
from engine.outputs import letter
from engine.common import yamlio
from engine.common import locations
from engine.pipeline.evaluate import evaluate_file
from engine.explain.trace import Trace
from engine.explain.why import Why
from engine.explain.whynot import WhyNot
from engine.outputs.answer import decision_label
from engine.common.privacy import mask_id_number

ROSTER = str(ROOT / "fixtures" / "roster_2025.yaml")
FORMATS = (".docx", ".html", ".md")
PEOPLE = [p for case in locations.plain(yamlio.load(ROSTER))["cases"] for p in case.get("people", [])]
P11 = next(p for p in PEOPLE if p["id"] == "P11")
CENTERS = [c for case in locations.plain(yamlio.load(ROSTER))["cases"] for c in case.get("centers", [])]
HEX32 = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Wide enough that rich never folds a message (a "did you mean") across lines."""
    monkeypatch.setenv("COLUMNS", "400")



def docx_text(path: Path) -> str:
    """What an officer sees in Word: the paragraphs, then every table cell."""
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    parts += [cell.text for table in d.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def read_back(path: Path) -> str:
    if path.suffix == ".docx":
        return docx_text(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return re.sub(r"\\(.)", r"\1", text)      # markdown's escapes (徐\* is 徐*)
    if path.suffix == ".html":
        text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)          # the stylesheet is no text of the letter
        return re.sub(r"<[^>]+>", "\n", text).replace("&quot;", '"').replace("&#x27;", "'") \
            .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    raise AssertionError(path)


def write_letter(tmp: Path, subject: str, ext: str, *extra) -> tuple[Path, Path]:
    out, log = tmp / f"{subject}{ext}", tmp / f"{subject}{ext}.jsonl"
    code, stdout, stderr = cli("letter", ROSTER, "--subject", subject, "--out", out, "--log", log, *extra)
    assert code == 0, stderr
    assert out.is_file() and "已写出" in stdout
    return out, log


ASKED = ("--decision", "annual_grade", "--why-not", "年度考核等次=优秀")


@pytest.fixture(scope="module")
def p11_letters(tmp_path_factory):
    """P11's letter about her annual grade in each format (--decision annual_grade, --why-not 年度考核等次=优秀),
    each with the log written alongside."""
    tmp = tmp_path_factory.mktemp("letters")
    days = {dt.date.today()}
    made = {ext: write_letter(tmp, "P11", ext, *ASKED) for ext in FORMATS}
    days.add(dt.date.today())
    return {ext: (out, read_back(out), log) for ext, (out, log) in made.items()}, days


@pytest.fixture(scope="module")
def p11_explained(policy):
    """P11's determinations as the explanations give them (independently of the letter)."""
    _, results = evaluate_file(ROSTER, policy)
    result = next(r for r in results if r.case.id == "SC-2025-ANNUAL")
    trace = Trace.of(policy, result)
    return {d.decision: (d, Why(trace).determination(d)) for d in result.determinations if d.subject == "P11"}, \
        WhyNot(trace).why_not("P11", "annual_grade", "优秀")


def codes_in(text: str, policy) -> list[str]:
    """What of the program's own names a letter's body shows: rule, decision, parameter, interpretation and
    clause-file ids, the log's keys, a record's English field names."""
    names = set(policy.rules) | set(policy.decisions) | set(policy.parameters) | set(policy.interpretations)
    names |= {"decision_id", "type", "level", "obtained_on", "scenarios", "sha256", "param."}
    return sorted(n for n in names if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", text))


def body_and_notes(text: str) -> tuple[str, str]:
    """The letter up to its 附注, and the 附注 (where the ids belong)."""
    head, sep, notes = text.rpartition("附注：")
    assert sep, "the letter has no 附注"
    return head, notes


def test_p11_docx_holds_every_part_of_item_3_and_no_code(p11_letters, p11_explained, policy):
    """Issue 14's done-when: the letter of P11 narrowed to annual_grade, read back from the .docx."""
    out, text, log = p11_letters[0][".docx"]
    d = docx.Document(str(out))
    paragraphs = [p.text for p in d.paragraphs if p.text.strip()]
    notice = policy.notice
    # the header: the office sending the letter, the document applied as its 依据 (not its issue line)
    assert paragraphs[0] == "决定告知书"
    assert paragraphs[1].startswith(notice.issuer)
    assert paragraphs[2] == f"依据《{policy.title}》（{policy.document_number}）"
    assert "印发" not in text and cn_issue(policy) not in text
    # addressed to her by full name, in the salutation and the 当事人 table; the ID number masked
    assert paragraphs[3] == f"{P11['name']}：" and f"姓名\n{P11['name']}" in text
    assert mask_id_number(P11["id_number"]) in text and P11["id_number"] not in text
    # her center by its name and level, as the roster gives them, not by its id
    center = next(c for c in CENTERS if c["id"] == P11["center"])
    assert f"所在中心\n{center['name']}（{center['level']}）" in text and center["id"] not in body_and_notes(text)[0]
    # only what was asked: her grade (and the why-not answer), not her other determinations
    explained, _ = p11_explained
    assert "您的年度考核等次：称职。" in text
    others = [decision_label(policy, n) for n in explained if n != "annual_grade"]
    assert [o for o in others if f"{o}：" in text] == []
    assert "“年度考核等次”为何不是“优秀”" in text and policy.rules["annual.not_full_year"].title.replace("“", "‘").replace("”", "’") in text
    # how to ask for review: to whom, in what form, within how many days, from when, on what basis
    review = next(p for p in paragraphs if "申请复核" in p and "日内" in p)
    r = notice.review
    for part in (r.body, r.form, f"{r.days}", r.start, r.basis):
        assert part in review, part
    assert letter.TO_CONFIRM in review and all(f in text for f in notice.further)
    # the office's records in a short 附注 at the end: the decision id (as logged), run, policy, digest
    body, notes = body_and_notes(text)
    record = json.loads(log.read_text(encoding="utf-8").splitlines()[0])
    assert paragraphs[-1].startswith("附注：")
    for wanted in (record["decision_id"], record["run"], policy.digest, policy.version):
        assert wanted in notes and wanted not in body
    # no code in the letter, no hexadecimal id before the 附注
    assert codes_in(body, policy) == [] and HEX32.findall(body) == []


def cn_issue(policy) -> str:
    return f"{policy.issuer} {letter.cn_date(policy.issued_on)}印发"


@pytest.mark.parametrize("ext", FORMATS)
def test_the_formats_say_the_same(ext, p11_letters, p11_explained, policy):
    _, text, _ = p11_letters[0][ext]
    explained, answer = p11_explained
    d, node = explained["annual_grade"]
    assert node["sentence"] in text                                        # the condition with her values
    assert "当年“好”的次数为4次（2025-04、2025-07、2025-10、2025-12为“好”）" in text   # a fact, by its label
    assert "评“称职”所需“好”的次数为2次（二(二)8(2)，自2024-12-27起施行）" in text        # an amount, clause, date
    assert P11["name"] in text and codes_in(body_and_notes(text)[0], policy) == []
    assert policy.notice.review.basis in text


@pytest.mark.parametrize("ext", FORMATS)
def test_each_clause_is_quoted_once(ext, tmp_path, policy):
    """Every determination of P04 (no --decision): each clause cited is quoted whole, once; the rules' own words
    are not quoted again beside it."""
    out, _ = write_letter(tmp_path, "P04", ext)
    text = read_back(out)
    cited = {ref for ref in policy.clauses if f"{ref}“{policy.clauses[ref].title}”" in text}
    assert len(cited) >= 6
    for ref in cited:
        lines = [x.strip() for x in policy.clauses[ref].text.split("\n") if x.strip()]
        longest = max(lines, key=len)
        assert text.count(longest) == 1, ref
    assert codes_in(body_and_notes(text)[0], policy) == []


def interpretation_readings(text: str, policy) -> set[str]:
    return {k for k, i in policy.interpretations.items() if i.reading.rstrip("。") in text}


def test_only_the_readings_that_made_a_difference(tmp_path, policy):
    """The explanation of each of these uses both readings; a letter shows the leap-day reading only to someone
    whose dates fall on 29 February (XL02, 上岗 2024-02-29), and “以上包括本数” only where a value sits on its bound
    (XL01 judged on her deadline day; not P11, with 4 次 against 2 次)."""
    shown = {}
    for subject, decision in (("P11", "certificate_status"), ("XL02", "certificate_status"),
                              ("XL01", "certificate_status"), ("P11", "annual_grade")):
        (tmp_path / f"{subject}-{decision}").mkdir()
        out, _ = write_letter(tmp_path / f"{subject}-{decision}", subject, ".md", "--decision", decision)
        shown[subject, decision] = interpretation_readings(read_back(out), policy)
    _, results = evaluate_file(ROSTER, policy)
    used = {}
    for r in results:
        trace = Trace.of(policy, r)
        for d in r.determinations:
            if (d.subject, d.decision) in shown:
                used[d.subject, d.decision] = {i["id"] for i in Why(trace).determination(d)["interpretations"]}
    assert {"leap_day", "inclusive_bounds"} <= used["P11", "certificate_status"]   # used, but idle for P11
    assert "inclusive_bounds" in used["P11", "annual_grade"]
    assert "leap_day" not in shown["P11", "certificate_status"] and "inclusive_bounds" not in shown["P11", "certificate_status"]
    assert "leap_day" in shown["XL02", "certificate_status"]
    assert "inclusive_bounds" in shown["XL01", "certificate_status"] and "leap_day" not in shown["XL01", "certificate_status"]
    assert "inclusive_bounds" not in shown["P11", "annual_grade"] and "annual_grade_order" in shown["P11", "annual_grade"]
    for key, readings in shown.items():
        assert readings <= used[key], key                                   # never one the explanation did not use


def test_a_certificate_reads_in_the_policys_words(tmp_path, policy):
    out, _ = write_letter(tmp_path, "P04", ".md", "--decision", "skill_allowance")
    text = read_back(out)
    assert "政务服务办事员 四级/中级工（取得日期 2020-07-01）" in text
    assert codes_in(body_and_notes(text)[0], policy) == []


@pytest.mark.parametrize("ext", FORMATS)
def test_decision_ids_are_those_of_the_log(ext, p11_letters):
    _, text, log = p11_letters[0][ext]
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(r["subject"], r["decision"]) for r in records] == [("P11", "annual_grade")]   # what the letter states
    _, notes = body_and_notes(text)
    assert set(HEX32.findall(notes)) - {records[0]["run"]} == {records[0]["decision_id"]}
    code, _, err = cli("replay", log, "--cases", ROSTER)
    assert code == 0, err                                                     # the letter's ids replay
    assert "已写入判定记录" in notes


def test_without_decision_every_determination_and_the_log_holds_them_all(tmp_path, policy):
    out, log = write_letter(tmp_path, "P11", ".md")
    text = read_back(out)
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 9
    assert [r["decision"] for r in records if f"{decision_label(policy, r['decision'])}：" not in text] == []


@pytest.mark.parametrize("ext", FORMATS)
def test_the_name_in_clear_the_id_number_masked_without_unmask(ext, p11_letters):
    out, text, _ = p11_letters[0][ext]
    raw = text
    if ext == ".docx":   # every part of the package: headers, properties, the document itself
        with zipfile.ZipFile(out) as z:
            raw += "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    else:
        raw += out.read_text(encoding="utf-8")
    assert [p["id_number"] for p in PEOPLE if p.get("id_number") and p["id_number"] in raw] == []
    assert [p["name"] for p in PEOPLE if p.get("name") and p["name"] in raw and p is not P11] == []   # only hers
    assert P11["name"] in text and mask_id_number(P11["id_number"]) in text


@pytest.mark.parametrize("ext", FORMATS)
def test_unmask_shows_the_id_number(ext, tmp_path):
    out, _ = write_letter(tmp_path, "P11", ext, "--unmask", "--decision", "年度考核等次")
    text = read_back(out)
    assert P11["name"] in text and P11["id_number"] in text


def test_a_policy_without_notice_says_the_review_is_to_be_told(tmp_policy, tmp_path):
    (tmp_policy / "policy.yaml").write_text((tmp_policy / "policy.yaml").read_text(encoding="utf-8")
                                            .replace("notice: notice.yaml", "# notice: none"), encoding="utf-8")
    out = tmp_path / "x.md"
    code, _, err = cli("letter", ROSTER, "--subject", "P11", "--decision", "annual_grade", "--out", out,
                       "--policy", tmp_policy)
    assert code == 0, err
    text = read_back(out)
    assert "申请复核" in text and "notice.yaml" in text and letter.TO_CONFIRM in text


def test_confirmed_values_are_no_longer_marked(tmp_policy, tmp_path, policy):
    edit(tmp_policy, "notice.yaml", "confirm: [issuer, review.body, review.form, review.days, review.from, review.basis]",
         "confirm: [review.days]")
    out = tmp_path / "x.md"
    code, _, err = cli("letter", ROSTER, "--subject", "P11", "--decision", "annual_grade", "--out", out,
                       "--policy", tmp_policy)
    assert code == 0, err
    text = read_back(out)
    assert text.count(letter.TO_CONFIRM) == 1 and f"{policy.notice.review.days}{letter.TO_CONFIRM}日内" in text


class _Checker(HTMLParser):
    VOID = {"meta", "br", "link", "img", "hr", "input"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(tag)


def test_html_is_well_formed_printable_a4(p11_letters):
    out, _, _ = p11_letters[0][".html"]
    source = out.read_text(encoding="utf-8")
    checker = _Checker()
    checker.feed(source)
    checker.close()
    assert checker.problems == [] and checker.stack == []
    assert checker.lang == "zh-CN" and '<html lang="zh-CN">' in source
    assert '<meta charset="utf-8">' in source and "@page { size: A4; margin: 2cm }" in source
    assert source.count("<table>") == 2 and '<p class="notes">附注：' in source


def test_docx_has_tables_a4_and_a_cjk_font(p11_letters):
    out, _, _ = p11_letters[0][".docx"]
    d = docx.Document(str(out))
    assert len(d.tables) == 2                                                 # 当事人, 所引条款原文
    section = d.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    fonts = d.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert ["一、当事人", "二、决定", "三、理由和依据", "（一）年度考核等次"] == headings[:4]
    assert "六、申请复核" in headings


def test_the_three_writers_lay_out_the_same_model(tmp_path):
    """Every text of the model, escapes and all, in every format; markup in a text stays text."""
    model = letter.Letter("《测试》决定告知书", ("副标题 <b>",),
                          (letter.Section("一、甲 & 乙"), letter.Section("（一）丙", 2, ("段落 *星* [链接](x)",),
                                                                         (letter.Row("项目", ("第一行", "第二行 <i>")),))),
                          ("签发机关（盖章）",), ("附注：编号",))
    for ext, write in letter.WRITERS.items():
        path = tmp_path / f"m{ext}"
        write(model, path)
        text = read_back(path)
        assert [t for t in model.texts() if t and t not in text] == [], ext
    html_source = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "<b>" not in html_source and "&lt;i&gt;" in html_source
    assert "\\*星\\*" in (tmp_path / "m.md").read_text(encoding="utf-8")


def test_center_letter(tmp_path, policy):
    out, log = write_letter(tmp_path, "CTR-QU", ".html")
    text = read_back(out)
    for name in ("good_rating_violations", "window_quota_compliant", "clerk_ratio_compliant"):
        assert decision_label(policy, name) in text
    assert "月度“好”超比例的月份：2025-07、2025-12。" in text and "窗口数量达标：是。" in text
    assert "2025-07：当月“好”的人数 ＞ 办事员人数 × 0.2" in text              # each month collected, with its values
    assert "身份证号" not in text and codes_in(body_and_notes(text)[0], policy) == []
    assert len(log.read_text(encoding="utf-8").splitlines()) == 3


def test_unknown_subject_exits_2_with_did_you_mean(tmp_path):
    code, _, err = cli("letter", ROSTER, "--subject", "P111", "--out", tmp_path / "x.md")
    assert code == 2 and "没有编号为“P111”的对象" in err and "您是否想输入“P11”" in err
    assert not (tmp_path / "x.md").exists()


@pytest.mark.parametrize("asked, message", [
    ("annual_grades=优秀", "您是否想输入“annual_grade”"),
    ("年度考核等次=优", "您是否想输入“优秀”"),
    ("annual_grade", "应写作 决定=取值"),
    ("window_quota_compliant=是", "判定的是政务（便民）服务中心"),
])
def test_unknown_decision_or_value_exits_2(tmp_path, asked, message):
    code, _, err = cli("letter", ROSTER, "--subject", "P11", "--out", tmp_path / "x.md", "--why-not", asked)
    assert code == 2 and message in err
    assert not (tmp_path / "x.md").exists()


def test_why_not_by_label_and_yes_no(tmp_path):
    out, log = write_letter(tmp_path, "P11", ".md", "--why-not", "建议换岗任用=是", "--why-not", "年度考核等次=称职")
    text = read_back(out)
    assert "“建议换岗任用”为何不是“是”" in text and "连续考核末位的条件不成立" in text
    assert "“年度考核等次”是否为“称职”" in text and "reassign." not in text
    # no --decision: the letter is about the decisions asked about
    assert {json.loads(x)["decision"] for x in log.read_text(encoding="utf-8").splitlines()} == \
        {"reassignment_recommended", "annual_grade"}


@pytest.mark.parametrize("asked, message", [
    ("annual_grades", "您是否想输入“annual_grade”"),
    ("窗口数量达标", "判定的是政务（便民）服务中心"),
])
def test_unknown_or_wrong_kind_decision_exits_2(tmp_path, asked, message):
    code, _, err = cli("letter", ROSTER, "--subject", "P11", "--out", tmp_path / "x.md", "--decision", asked)
    assert code == 2 and message in err
    assert not (tmp_path / "x.md").exists()


def test_unknown_extension_exits_2(tmp_path):
    code, _, err = cli("letter", ROSTER, "--subject", "P11", "--out", tmp_path / "x.pdf")
    assert code == 2 and "不支持的输出格式“.pdf”" in err and ".docx" in err
    assert not (tmp_path / "x.pdf").exists()


def test_subject_in_two_cases_needs_case(tmp_path):
    person = {"id": "Q1", "birth_date": "1990-01-01", "education": "本科", "hired_on": "2020-01-01"}
    path = write_case({"cases": [{"id": "A", "as_of": "2025-12-31", "people": [person]},
                                 {"id": "B", "as_of": "2025-06-30", "people": [person]}]}, tmp_path)
    code, _, err = cli("letter", path, "--subject", "Q1", "--out", tmp_path / "q.md")
    assert code == 2 and "出现在多个案例中（A、B）" in err and "--case" in err
    code, _, err = cli("letter", path, "--subject", "Q1", "--case", "B", "--out", tmp_path / "q.md")
    assert code == 0, err
    text = read_back(tmp_path / "q.md")
    assert "2025年6月30日" in text and "本次未写入判定记录" in text             # no --log: the letter says so
    code, _, err = cli("letter", path, "--subject", "Q1", "--case", "C", "--out", tmp_path / "q.md")
    assert code == 2 and "没有编号为“C”的案例" in err


@pytest.mark.parametrize("ext", FORMATS)
def test_a_subject_id_that_is_an_id_number_is_masked(tmp_path, ext):
    number = "321302199612014708"
    person = {"id": number, "name": "欧阳明", "birth_date": "1996-12-01", "education": "本科", "hired_on": "2025-03-01"}
    path = write_case({"id": number + "-case", "as_of": "2025-12-31", "people": [person]}, tmp_path)
    out = tmp_path / f"x{ext}"
    code, _, err = cli("letter", path, "--subject", number, "--out", out, "--why-not", "年度考核等次=优秀")
    assert code == 0, err
    text = read_back(out)
    raw = text + (out.read_text(encoding="utf-8") if ext != ".docx" else "")
    assert number not in raw and "欧阳明：" in text                         # the addressee's name, in clear
    assert mask_id_number(number) in text


@pytest.mark.parametrize("unmask", [False, True])
def test_characters_xml_cannot_hold_are_written_as_replacement_characters(tmp_path, unmask):
    """U+FFFE and U+FFFF pass the case-file limits (a JSON case file); lxml refuses them: the .docx holds U+FFFD."""
    person = {"id": "P\ufffe1", "name": "王\uffff明", "birth_date": "1996-12-01", "education": "本科", "hired_on": "2025-03-01"}
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"id": "C\uffff1", "as_of": "2025-12-31", "people": [person]}, ensure_ascii=False),
                    encoding="utf-8")
    out = tmp_path / "x.docx"
    code, _, err = cli("letter", path, "--subject", "P\ufffe1", "--out", out, *(["--unmask"] if unmask else []))
    assert code == 0, err
    text = docx_text(out)                               # python-docx opens it
    assert "P\ufffd1" in text and "C\ufffd1" in text and "王\ufffd明" in text
    assert "\ufffe" not in text and "\uffff" not in text
    assert letter.xml_text("a\x00b\x1fc\td\ne\ud800f") == "a\ufffdb\ufffdc\td\ne\ufffdf"


def test_letter_help_lists_the_options():
    code, out, _ = cli("letter", "--help")
    assert code == 0
    assert [o for o in ("CASEFILE", "--subject", "--out", "--case", "--why-not", "--decision", "--unmask", "--log", "--policy")
            if o not in out] == []
