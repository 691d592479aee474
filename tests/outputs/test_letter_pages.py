"""One decision's 决定告知书 fits on two A4 pages: the .html letters printed to PDF by Chromium (through playwright),
their pages counted. Skipped, with the reason, where Chromium, playwright or a Chinese font is missing (.ci/run
installs Chromium and the Noto CJK fonts where it runs as root with apt-get)."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest

from conftest import ROOT, cli
from engine.outputs import letter
from engine.pipeline.evaluate import evaluate_file

ROSTER = ROOT / "fixtures" / "roster_2025.yaml"
LONGEST = 8   # the single-decision letters of the roster with the most text, each printed

pytestmark = pytest.mark.slow   # starts a browser


def _chinese_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    done = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True)
    return bool(done.stdout.strip())


@pytest.fixture(scope="module")
def pages_of():
    """A function: the number of A4 pages an .html letter prints on."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium 未安装（apt-get install chromium），无法按 A4 打印计页")
    if not _chinese_font():
        pytest.skip("没有中文字体（apt-get install fonts-noto-cjk），页数不可信")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright 未安装（pip install -e '.[test]'）")
    pypdf = pytest.importorskip("pypdf", reason="pypdf 未安装（pip install -e '.[test]'）")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()

        def count(html: str) -> int:
            page.set_content(html)
            pdf = page.pdf(format="A4", prefer_css_page_size=True)
            return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        yield count
        browser.close()


def test_p11_letter_on_her_grade_fits_on_two_pages(pages_of, tmp_path):
    out = tmp_path / "P11.html"
    code, _, err = cli("letter", ROSTER, "--subject", "P11", "--decision", "annual_grade",
                       "--why-not", "年度考核等次=优秀", "--out", out)
    assert code == 0, err
    assert pages_of(out.read_text(encoding="utf-8")) <= 2


def test_the_longest_single_decision_letters_fit_on_two_pages(pages_of, policy):
    _, results = evaluate_file(ROSTER, policy)
    letters = [letter.build(policy, r, d.subject, [], dt.date.today(), decisions=(d.decision,))
               for r in results for d in r.determinations]
    letters.sort(key=lambda doc: -sum(map(len, doc.texts())))
    assert len(letters) > 100
    pages = {doc.sections[0].paragraphs[0]: pages_of(letter.html_text(doc)) for doc in letters[:LONGEST]}
    assert max(pages.values()) <= 2, pages
    # the whole of a person's determinations does not fit: the count can fail
    result, _ = letter.pick_case(results, "P04", None)
    everything = letter.build(policy, result, "P04", [], dt.date.today())
    assert pages_of(letter.html_text(everything)) > 2
