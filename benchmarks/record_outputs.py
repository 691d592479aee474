#!/usr/bin/env python3
"""Record what every command prints and writes on the shipped fixtures, to compare before and after a refactor.

    python benchmarks/record_outputs.py OUT_DIR            # record
    diff -r BEFORE_DIR AFTER_DIR                           # byte for byte

A move of code must not change an answer: this records each command's stdout, stderr and exit status, and
the files it writes (a .docx or .xlsx as its text, cell by cell, since their zip headers carry the time).
Run ids, decision ids and clock times are replaced by placeholders: they differ on every run by design.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROSTER = "fixtures/roster_2025.yaml"
CORPUS = "fixtures/corpus_500.yaml"
POLICY = "policies/suchen_2024"
AMENDMENT = "policies/examples/amendment_demo"

# name → arguments; "{tmp}" is a scratch folder shared by the commands of one recording, in order.
COMMANDS: list[tuple[str, list[str]]] = [
    ("help", ["--help"]),
    *[(f"help_{c}", [c, "--help"]) for c in ("evaluate", "replay", "appeal", "letter", "validate", "test",
                                              "coverage", "analyze", "template", "convert", "diff", "generate")],
    ("evaluate_table", ["evaluate", ROSTER, "--jobs", "1"]),
    ("evaluate_table_explain", ["evaluate", ROSTER, "--subject", "P11", "--explain", "--jobs", "1"]),
    ("evaluate_whynot", ["evaluate", ROSTER, "--subject", "P11", "--why-not", "优秀", "--decision", "annual_grade"]),
    ("evaluate_whynot_num", ["evaluate", ROSTER, "--subject", "P01", "--why-not", "1.5", "--decision",
                             "skill_allowance"]),
    ("evaluate_json_full", ["evaluate", ROSTER, "--format", "json", "--explain", "full", "--jobs", "1"]),
    ("evaluate_json_brief", ["evaluate", ROSTER, "--format", "json", "--jobs", "1"]),
    ("evaluate_json_none", ["evaluate", ROSTER, "--format", "json", "--explain", "none", "--jobs", "1"]),
    ("evaluate_json_subject_whynot", ["evaluate", ROSTER, "--format", "json", "--subject", "P11", "--why-not",
                                      "优秀", "--decision", "annual_grade"]),
    ("corpus_json_full", ["evaluate", CORPUS, "--format", "json", "--explain", "full", "--jobs", "2"]),
    ("corpus_table", ["evaluate", CORPUS, "--jobs", "2"]),
    ("evaluate_xlsx", ["evaluate", ROSTER, "--format", "xlsx", "--out", "{tmp}/out.xlsx"]),
    ("evaluate_csv", ["evaluate", ROSTER, "--format", "csv", "--out", "{tmp}/out.csv"]),
    ("evaluate_log", ["evaluate", ROSTER, "--explain", "none", "--format", "json", "--log", "{tmp}/d.jsonl"]),
    ("replay", ["replay", "{tmp}/d.jsonl", "--cases", ROSTER]),
    ("replay_json", ["replay", "{tmp}/d.jsonl", "--cases", ROSTER, "--format", "json"]),
    ("validate", ["validate", POLICY]),
    ("validate_json", ["validate", POLICY, "--format", "json"]),
    ("validate_amendment", ["validate", AMENDMENT]),
    ("test", ["test", POLICY]),
    ("test_json", ["test", POLICY, "--format", "json"]),
    ("coverage", ["coverage", POLICY]),
    ("coverage_json", ["coverage", POLICY, "--format", "json"]),
    ("analyze", ["analyze", POLICY]),
    ("analyze_json", ["analyze", POLICY, "--format", "json"]),
    ("appeal_p02", ["appeal", ROSTER, "--subject", "P02", "--decision", "annual_grade", "--want", "优秀"]),
    ("appeal_p01_json", ["appeal", ROSTER, "--subject", "P01", "--decision", "skill_allowance", "--want", "400",
                         "--format", "json"]),
    ("appeal_p37", ["appeal", ROSTER, "--subject", "P37", "--decision", "eligibility", "--want", "合格"]),
    ("letter_md", ["letter", ROSTER, "--subject", "P11", "--why-not", "annual_grade=优秀", "--out",
                   "{tmp}/P11.md"]),
    ("letter_html", ["letter", ROSTER, "--subject", "P11", "--out", "{tmp}/P11.html"]),
    ("letter_docx", ["letter", ROSTER, "--subject", "P11", "--why-not", "annual_grade=优秀", "--out",
                     "{tmp}/P11.docx"]),
    ("template", ["template", "{tmp}/template.xlsx"]),
    ("convert_xlsx", ["convert", ROSTER, "{tmp}/roster.xlsx"]),
    ("convert_csv", ["convert", ROSTER, "{tmp}/roster.csv"]),
    ("convert_back", ["convert", "{tmp}/roster.xlsx", "{tmp}/roster_back.yaml"]),
    ("evaluate_from_xlsx", ["evaluate", "{tmp}/roster.xlsx", "--format", "json", "--explain", "none"]),
    ("diff_table", ["diff", POLICY, AMENDMENT, "--cases", CORPUS, "--jobs", "2"]),
    ("diff_json", ["diff", POLICY, AMENDMENT, "--cases", CORPUS, "--format", "json", "--jobs", "2"]),
    ("diff_report_md", ["diff", POLICY, AMENDMENT, "--cases", CORPUS, "--report", "{tmp}/diff.md"]),
    ("diff_report_xlsx", ["diff", POLICY, AMENDMENT, "--cases", CORPUS, "--report", "{tmp}/diff.xlsx"]),
    ("diff_git", ["diff", "git:3bd7862:policies/suchen_2024", POLICY, "--cases", CORPUS, "--only-changed"]),
    ("generate", ["generate", "--people", "60", "--seed", "7", "--out", "{tmp}/gen.yaml"]),
    # everyday mistakes: the messages are output too
    ("err_nofile", ["evaluate", "no_such_file.yaml"]),
    ("err_subject", ["evaluate", ROSTER, "--subject", "P999"]),
    ("err_decision", ["appeal", ROSTER, "--subject", "P02", "--decision", "annual_grad", "--want", "优秀"]),
    ("err_whynot_alone", ["evaluate", ROSTER, "--why-not", "优秀"]),
    ("err_format", ["evaluate", ROSTER, "--format", "pdf"]),
]

_VOLATILE = [
    (re.compile(r"\b[0-9a-f]{32}\b"), "<ID>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?"), "<TIME>"),
    (re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 ?\d\d:\d\d(?::\d\d)?"), "<TIME>"),
    (re.compile(r"(?<![\d.])\d+(?:\.\d+)? ?(?:s|秒)\b"), "<SECONDS>"),
    (re.compile(r'"seconds": [\d.]+'), '"seconds": <SECONDS>'),
    (re.compile(r"(?<=│ )[0-9a-f]{8}(?= │)"), "<ID>"),  # replay's short decision ids
]


def _normalise(text: str, tmp: str) -> str:
    text = text.replace(tmp, "<TMP>")
    for pattern, placeholder in _VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


def _as_text(path: Path) -> str:
    """A written file as comparable text: zip containers by content, not bytes."""
    if path.suffix == ".docx":
        import docx
        document = docx.Document(str(path))
        lines = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                lines.append(" | ".join(cell.text for cell in row.cells))
        return "\n".join(lines)
    if path.suffix == ".xlsx":
        import openpyxl
        book = openpyxl.load_workbook(path)
        lines = []
        for sheet in book.worksheets:
            lines.append(f"## {sheet.title}")
            for row in sheet.iter_rows():
                lines.append(" | ".join("" if c.value is None else f"{type(c.value).__name__}:{c.value}"
                                        for c in row))
        return "\n".join(lines)
    return path.read_text(encoding="utf-8", errors="replace")


def record(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="outputs-")
    passes = tempfile.mkdtemp(prefix="outputs-passes-")   # schema passes kept apart from the files commands write
    try:
        for name, args in COMMANDS:
            argv = [a.replace("{tmp}", tmp) for a in args]
            before = set(Path(tmp).iterdir())
            done = subprocess.run([sys.executable, "run.py", *argv], cwd=ROOT, capture_output=True, text=True,
                                  env={"PATH": "/usr/bin:/bin", "COLUMNS": "100", "LANG": "C.UTF-8",
                                       "HOME": tmp, "PYTHONHASHSEED": "0", "SUCHEN_POLICY_CACHE": passes})
            text = (f"$ run.py {' '.join(args)}\nexit {done.returncode}\n--- stdout\n{done.stdout}"
                    f"--- stderr\n{done.stderr}")
            for path in sorted(set(Path(tmp).iterdir()) - before):
                text += f"--- file {path.name}\n{_as_text(path)}\n"
            (out / f"{name}.txt").write_text(_normalise(text, tmp), encoding="utf-8")
            print(f"{name}: exit {done.returncode}", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(passes, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    record(Path(sys.argv[1]))
