"""engine/outputs/letter.py and `run.py letter`: the 决定告知书 in .docx, .html and .md says, for one subject, every
determination with its clause, words, facts, parameters and readings, the answers asked for, the policy's version
and digest and the decision ids of the log; it never shows a name or an ID number unless --unmask."""
from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from conftest import ROOT, cli, write_case
from engine.outputs import letter
from engine.common import yamlio
from engine.common import locations
from engine.pipeline.evaluate import evaluate_file
from engine.explain.trace import Trace
from engine.explain.why import Why
from engine.explain.whynot import WhyNot
from engine.outputs.answer import decision_label
from engine.common.privacy import mask_id_number, mask_name

ROSTER = str(ROOT / "fixtures" / "roster_2025.yaml")
FORMATS = (".docx", ".html", ".md")
PEOPLE = [p for case in locations.plain(yamlio.load(ROSTER))["cases"] for p in case.get("people", [])]
P11 = next(p for p in PEOPLE if p["id"] == "P11")
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
        return re.sub(r"<[^>]+>", "\n", text).replace("&quot;", '"').replace("&#x27;", "'") \
            .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    raise AssertionError(path)


def write_letter(tmp: Path, subject: str, ext: str, *extra) -> tuple[Path, Path]:
    out, log = tmp / f"{subject}{ext}", tmp / f"{subject}{ext}.jsonl"
    code, stdout, stderr = cli("letter", ROSTER, "--subject", subject, "--out", out, "--log", log, *extra)
    assert code == 0, stderr
    assert out.is_file() and "已写出" in stdout
    return out, log


@pytest.fixture(scope="module")
def p11_letters(tmp_path_factory):
    """P11's letter in each format, with --why-not annual_grade=优秀, each with the log written alongside."""
    tmp = tmp_path_factory.mktemp("letters")
    days = {dt.date.today()}
    made = {ext: write_letter(tmp, "P11", ext, "--why-not", "annual_grade=优秀") for ext in FORMATS}
    days.add(dt.date.today())
    return {ext: (out, read_back(out), log) for ext, (out, log) in made.items()}, days


@pytest.fixture(scope="module")
def p11_explained(policy):
    """P11's determinations as the explanations give them (independently of the letter)."""
    _, results = evaluate_file(ROSTER, policy)
    result = next(r for r in results if r.case.id == "SC-2025-ANNUAL")
    trace = Trace.of(policy, result)
    return [(d, Why(trace).determination(d)) for d in result.determinations if d.subject == "P11"], \
        WhyNot(trace).why_not("P11", "annual_grade", "优秀")


@pytest.mark.parametrize("ext", FORMATS)
def test_every_determination_with_its_label_value_clause_and_words(ext, p11_letters, p11_explained, policy):
    _, text, _ = p11_letters[0][ext]
    explained, _ = p11_explained
    assert len(explained) >= 9
    missing = []
    for d, node in explained:
        wanted = [f"{decision_label(policy, d.decision)}：{letter.value_text(d.value)}", node["clause"], node["text"]]
        missing += [w for w in wanted if w not in text]
    assert missing == []
    assert "年度考核等次：称职" in text and "学历补贴（元/月）：200" in text and "建议换岗任用：否" in text


@pytest.mark.parametrize("ext", FORMATS)
def test_conditions_facts_parameters_and_readings(ext, p11_letters, p11_explained):
    _, text, _ = p11_letters[0][ext]
    explained, _ = p11_explained
    sentences = [node["sentence"] for _, node in explained if node.get("sentence")]
    readings = {i["reading"] for _, node in explained for i in node.get("interpretations") or []}
    assert sentences and [s for s in sentences if s not in text] == []
    assert readings and [r for r in readings if r not in text] == []
    assert "当年“好”的次数：4次" in text                                    # a fact, with its value
    assert "评“称职”所需“好”的次数 = 2次（二(二)8(2)，自2024-12-27起施行）" in text   # a parameter value, clause, date
    assert "依据" in text and "技能补贴（元/月）：0（无技能等级证书的，无技能补贴" in text   # the total's parts


@pytest.mark.parametrize("ext", FORMATS)
def test_why_not_answer_names_the_not_full_year_rule(ext, p11_letters, p11_explained, policy):
    _, text, _ = p11_letters[0][ext]
    _, answer = p11_explained
    title = policy.rules["annual.not_full_year"].title
    assert title in answer["summary"] and answer["summary"] in text
    assert "“年度考核等次”为何不是“优秀”" in text


@pytest.mark.parametrize("ext", FORMATS)
def test_policy_version_digest_dates(ext, p11_letters, policy):
    (_, text, _), days = p11_letters[0][ext], p11_letters[1]
    for wanted in (policy.title, policy.document_number, policy.issuer, policy.version, policy.digest, policy.id):
        assert wanted in text
    assert any(f"告知书日期：{letter.cn_date(day)}" in text or letter.cn_date(day) in text for day in days)
    assert "2025年12月31日" in text                                           # the case's as_of
    assert "签发机关（盖章）" in text and "日期：" in text


@pytest.mark.parametrize("ext", FORMATS)
def test_decision_ids_are_those_of_the_log(ext, p11_letters):
    _, text, log = p11_letters[0][ext]
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert {r["subject"] for r in records} == {"P11"} and len(records) >= 9
    logged = {r["decision_id"] for r in records}
    shown = set(HEX32.findall(text)) - {records[0]["run"]}
    assert shown == logged
    code, _, err = cli("replay", log, "--cases", ROSTER)
    assert code == 0, err                                                     # the letter's ids replay
    assert "已按下列决定编号写入判定记录" in text


@pytest.mark.parametrize("ext", FORMATS)
def test_no_name_or_id_number_of_the_roster_without_unmask(ext, p11_letters):
    out, text, _ = p11_letters[0][ext]
    raw = text
    if ext == ".docx":   # every part of the package: headers, properties, the document itself
        with zipfile.ZipFile(out) as z:
            raw += "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    else:
        raw += out.read_text(encoding="utf-8")
    leaked = [p["name"] for p in PEOPLE if p.get("name") and p["name"] in raw]
    leaked += [p["id_number"] for p in PEOPLE if p.get("id_number") and p["id_number"] in raw]
    assert leaked == []
    assert mask_name(P11["name"]) in text and mask_id_number(P11["id_number"]) in text


@pytest.mark.parametrize("ext", FORMATS)
def test_unmask_shows_the_person(ext, tmp_path):
    out, _ = write_letter(tmp_path, "P11", ext, "--unmask")
    text = read_back(out)
    assert P11["name"] in text and P11["id_number"] in text


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
    assert source.count("<table>") >= 10


def test_docx_has_tables_a4_and_a_cjk_font(p11_letters, p11_explained):
    out, _, _ = p11_letters[0][".docx"]
    d = docx.Document(str(out))
    assert len(d.tables) >= len(p11_explained[0])
    section = d.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    fonts = d.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert "一、告知对象" in headings and "（八）年度考核等次：称职" in headings


def test_the_three_writers_lay_out_the_same_model(tmp_path):
    """Every text of the model, escapes and all, in every format; markup in a text stays text."""
    model = letter.Letter("《测试》决定告知书", ("副标题 <b>",),
                          (letter.Section("一、甲 & 乙"), letter.Section("（一）丙", 2, ("段落 *星* [链接](x)",),
                                                                         (letter.Row("项目", ("第一行", "第二行 <i>")),))),
                          ("签发机关（盖章）",))
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
    assert "月度“好”超比例的月份：2025-07、2025-12" in text and "窗口数量达标：是" in text
    assert "2025-07：当月“好”的人数 ＞ 办事员人数 × 0.2" in text              # each month collected, with its values
    assert "政务（便民）服务中心" in text and "身份证号" not in text
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
    out, _ = write_letter(tmp_path, "P11", ".md", "--why-not", "建议换岗任用=是", "--why-not", "年度考核等次=称职")
    text = read_back(out)
    assert "“建议换岗任用”为何不是“是”" in text and "连续考核末位（reassign.consecutive_bottom）的条件不成立" in text
    assert "“年度考核等次”是否为“称职”" in text


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
    assert number not in raw and "欧阳明" not in raw
    assert mask_id_number(number) in text and "欧**" in text


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
    assert "P\ufffd1" in text and "C\ufffd1" in text and ("王\ufffd明" in text) is unmask
    assert "\ufffe" not in text and "\uffff" not in text
    assert letter.xml_text("a\x00b\x1fc\td\ne\ud800f") == "a\ufffdb\ufffdc\td\ne\ufffdf"


def test_letter_help_lists_the_options():
    code, out, _ = cli("letter", "--help")
    assert code == 0
    assert [o for o in ("CASEFILE", "--subject", "--out", "--case", "--why-not", "--unmask", "--log", "--policy")
            if o not in out] == []
