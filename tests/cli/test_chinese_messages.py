"""Everyday mistakes on the command line, and every command's --help: everything printed is Chinese.

Each mistake is made in process (engine.cli.main, stdout and stderr captured): its exit status, the Chinese
sentence that says what is wrong, and no English line anywhere in what was printed (`english_lines`, defined
and tested below)."""
from __future__ import annotations

import json
import re
import shlex
import subprocess

import pytest

from engine.cli import COMMANDS, main, parser
from engine.tools.gitpolicy import GitPolicyError, materialised

from conftest import ROOT

ROSTER = str(ROOT / "fixtures" / "roster_2025.yaml")
POLICY = str(ROOT / "policies" / "suchen_2024")

# --- what an English line is ---------------------------------------------------------------------------------

# Words that may stand in a Chinese sentence as they are: the commands and the formats (what is typed), and
# the programs named. Option names, file names and paths, placeholders and ids are not words (below).
NAMES = frozenset(COMMANDS) | {"python", "git", "table", "json", "xlsx", "csv", "text", "yaml", "docx", "html",
                               "jsonl", "none", "brief", "full", "true", "false", "value"}
_TOKEN_EDGES = "[](){}<>,;:.!?'\"`"
_LABEL = re.compile(r"^\s*([A-Za-z]{3,}):")   # usage: …, options:, error: …


def _is_word(token: str, allowed: frozenset[str]) -> bool:
    """An English word: letters only, three or more, not all capitals (a placeholder such as CASEFILE, or
    YAML), not a command, format or id that was typed. A token with a digit, an underscore, a hyphen, a dot or
    a slash inside (an option name, a file name, a path, an id such as P11 or annual_grade) is not a word."""
    core = token.strip(_TOKEN_EDGES)
    return (len(core) >= 3 and core.isascii() and core.isalpha() and not core.isupper()
            and core.lower() not in NAMES and core not in allowed)


def english_lines(text: str, allowed=()) -> list[str]:
    """The lines of `text` that are English. A line is English when
    - some stretch of it written in ASCII (between two characters that are not) holds two words or more
      (`_is_word`; short words such as "no", "of", "go" do not count, nor break the stretch), as in
      "FILE: no such file", "--why-not VALUE and --decision NAME go together", "positional arguments:"; or
    - it is ASCII only and begins with an English word and a colon, as argparse's "usage: …" and "options:".
    `allowed`: ids from the input that are words (a decision id such as eligibility)."""
    allowed = frozenset(allowed)
    found = []
    for line in text.splitlines():
        stretches = re.findall(r"[\x00-\x7f]+", line)
        if any(sum(_is_word(t, allowed) for t in s.split()) >= 2 for s in stretches):
            found.append(line)
        elif line.isascii() and (m := _LABEL.match(line)) and _is_word(m.group(1), allowed):
            found.append(line)
    return found


def test_english_lines_finds_what_the_commands_printed_before():
    before = """\
usage: run.py evaluate [-h] [--policy DIR] CASEFILE
run.py: error: argument COMMAND: invalid choice: 'evalute' (choose from 'evaluate', 'validate')
run.py evaluate: error: the following arguments are required: CASEFILE
run.py: error: unrecognized arguments: --formt json
run.py evaluate: error: argument --format: expected one argument
positional arguments:
options:
  -h, --help            show this help message and exit
fixtures/nothing.yaml: no such file
--why-not VALUE and --decision NAME go together
2 case(s) evaluated, 441 determinations; 0 error(s)
  CASEFILE              a case file (fact-model v1): YAML, JSON, or a roster .xlsx/.csv
Exit status: 0 written, 1 the subject's case had errors"""
    assert english_lines(before) == before.splitlines()


def test_english_lines_passes_chinese_with_options_paths_ids_and_formats():
    chinese = """\
用法：run.py evaluate [-h] [--policy DIR] [--format {table,json,xlsx,csv}] [--explain [none|brief|full]]
                      CASEFILE
不认识的命令“evalute”；您是否想输入“evaluate”？
--format 不能取“jsno”；您是否想输入“json”？
  python run.py evaluate fixtures/roster_2025.yaml --subject P11 --why-not 优秀 --decision annual_grade
  python run.py appeal fixtures/roster_2025.yaml --subject P37 --decision eligibility --want 合格
  --format {table,json}  输出格式：table 表格（默认）；json 供其他程序读取
找不到文件 /tmp/pytest-0/nothing.yaml
判定 2 个案例，共 441 项判定；出错 0 处
提交 HEAD（27edc031b157）中没有文件夹 policies/nothing
说明性（clauses.yaml 的 descriptive: 写明理由）"""
    assert english_lines(chinese, allowed={"eligibility"}) == []


# --- running a command in process ------------------------------------------------------------------------------

def run(capsys, *argv: str) -> tuple[int, str, str]:
    """main(argv): exit status (a SystemExit, as --help ends, counts as returned), stdout, stderr."""
    try:
        status = main([str(a) for a in argv])
    except SystemExit as e:
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


def assert_chinese(out: str, err: str, allowed=()) -> None:
    english = english_lines(out + "\n" + err, allowed)
    assert english == [], "English lines:\n" + "\n".join(english)


# --- everyday mistakes -------------------------------------------------------------------------------------------

MISTAKES = {
    "unknown command": (["evalute", ROSTER], "不认识的命令“evalute”；您是否想输入“evaluate”？"),
    "unknown command, nothing near": (["frobnicate"], "不认识的命令“frobnicate”；可用的命令：evaluate、template"),
    "no command": ([], "缺少必需的参数：COMMAND"),
    "unknown option": (["evaluate", ROSTER, "--formt", "json"], "不认识的选项“--formt”；您是否想输入“--format”？"),
    "extra argument": (["validate", POLICY, "again"], "多余的参数“again”"),
    "missing argument": (["evaluate"], "缺少必需的参数：CASEFILE"),
    "missing required options": (["letter", ROSTER], "缺少必需的参数：--subject, --out"),
    "option without its value": (["evaluate", ROSTER, "--format"], "--format 后面应跟一个值"),
    "unknown format": (["evaluate", ROSTER, "--format", "jsno"], "--format 不能取“jsno”；您是否想输入“json”？"),
    "unknown format, nothing near": (["validate", "--format", "yaml"], "--format 不能取“yaml”；可选：text、json"),
    "bad job count": (["evaluate", ROSTER, "--jobs", "0"], "--jobs 应为不小于 1 的整数，实为“0”"),
    "bad percentage": (["coverage", "--fail-under", "abc"], "--fail-under 应为 0 至 100 的百分数，实为“abc”"),
    "unknown file": (["evaluate", "fixtures/nothing.yaml"], "找不到文件 fixtures/nothing.yaml"),
    "a folder for a file": (["convert", "fixtures", "out.yaml"], "fixtures 是文件夹，这里应是一个文件"),
    "a folder without case files": (["evaluate", "docs"], "文件夹 docs 中没有案例文件（.yaml、.yml、.json、.xlsx、.csv）"),
    "unknown --cases file": (["replay", ROSTER, "--cases", "nothing.xlsx"], "找不到文件 nothing.xlsx"),
    "unknown file to convert": (["convert", "nothing.xlsx", "out.yaml"], "找不到文件 nothing.xlsx"),
    "unknown decision": (["evaluate", ROSTER, "--why-not", "优秀", "--decision", "annual_grades"],
                         "没有名为“annual_grades”的决定"),
    "why-not without decision": (["evaluate", ROSTER, "--why-not", "优秀"], "--why-not 与 --decision 须同时给出"),
    "xlsx without --out": (["evaluate", ROSTER, "--format", "xlsx"], "--format xlsx 须用 --out 指定要写出的文件"),
    "unknown letter format": (["letter", ROSTER, "--subject", "P11", "--out", "P11.pdf"], "不支持的输出格式"),
    "unknown subject": (["evaluate", ROSTER, "--subject", "P111", "--jobs", "1"], "没有编号为“P111”的对象"),
    "bad git revision": (["diff", "git:abc123:policies/suchen_2024", POLICY, "--cases", ROSTER],
                         "版本库中没有提交“abc123”"),
    "no such folder in the commit": (["diff", "git:HEAD:policies/nothing", POLICY, "--cases", ROSTER],
                                     "提交 HEAD（"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_an_everyday_mistake_is_told_in_chinese(name, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    argv, said = MISTAKES[name]
    status, out, err = run(capsys, *argv)
    assert status == 2, (status, out, err)
    assert said in err, err
    assert out == ""
    assert "git " not in err   # git's errors say what is wrong, not the command that found it
    assert_chinese(out, err)


def test_a_usage_error_shows_the_commands_usage_and_where_to_read_more(capsys):
    status, out, err = run(capsys, "evaluate", ROSTER, "--formt", "json")
    lines = err.splitlines()
    assert status == 2
    assert lines[0] == "不认识的选项“--formt”；您是否想输入“--format”？"
    assert lines[1].startswith("用法：run.py evaluate [-h]")
    assert lines[-1] == "（run.py evaluate --help 有说明与示例）"


def test_a_typed_value_echoed_in_a_usage_error_is_masked(capsys):
    status, out, err = run(capsys, "validate", POLICY, "张三丰", "320102199001011234")
    assert status == 2
    assert "多余的参数“张**”" in err and "320102********1234" in err
    assert "张三丰" not in err and "320102199001011234" not in err
    # evaluate takes several case files: each that is not there is named, masked unless it is a case file's name
    status, out, err = run(capsys, "evaluate", ROSTER, "张三丰", "320102199001011234", "没有的名册.xlsx")
    assert status == 2 and out == ""
    assert "找不到案例文件或文件夹“张**”" in err and "“320102********1234”" in err and "找不到文件 没有的名册.xlsx" in err
    assert "张三丰" not in err and "320102199001011234" not in err
    status, out, err = run(capsys, "evaluate", ROSTER, "--jobs", "张三丰")
    assert status == 2 and "--jobs 应为不小于 1 的整数，实为“张**”" in err and "张三丰" not in err


def test_outside_a_git_repository(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "diff", "git:HEAD:policies/suchen_2024", POLICY, "--cases", ROSTER)
    assert status == 2
    assert "当前文件夹不是 git 版本库" in err
    assert_chinese(out, err)


def test_without_git_the_message_says_to_install_it(monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory: 'git'")
    monkeypatch.setattr(subprocess, "run", no_git)
    with pytest.raises(GitPolicyError) as caught:
        with materialised("git:HEAD:policies/suchen_2024", ROOT):
            pass
    assert str(caught.value).startswith("找不到 git 程序") and "No such file" in caught.value.detail
    assert english_lines(str(caught.value)) == []


def test_a_broken_decision_log_costs_its_lines_in_chinese(capsys, tmp_path):
    log = tmp_path / "判定记录.jsonl"
    status, out, err = run(capsys, "evaluate", ROSTER, "--subject", "P11", "--jobs", "1", "--log", log)
    assert status == 0, err
    good = log.read_text(encoding="utf-8").splitlines()
    log.write_text("\n".join([good[0], '{"decision_id": 1', "not a record", "[]", *good[1:3]]) + "\n",
                   encoding="utf-8")
    status, out, err = run(capsys, "replay", log, "--cases", ROSTER)
    assert status == 1
    assert [line for line in err.splitlines() if ":2：" in line or ":3：" in line or ":4：" in line], err
    assert "已复现 3" in out, out
    assert_chinese(out, err)


def test_the_run_ends_with_the_totals_in_chinese(capsys):
    status, out, err = run(capsys, "evaluate", ROSTER, "--subject", "P11", "--jobs", "1")
    assert status == 0, err
    assert re.search(r"^判定 2 个案例，共 \d+ 项判定；出错 0 处$", out, re.MULTILINE), out
    assert_chinese(out, err)


# --- --help ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_is_chinese_and_teaches(command, capsys):
    status, out, err = run(capsys, *([command] if command else []), "--help")
    assert status == 0 and err == ""
    assert_chinese(out, err, allowed={"eligibility"})
    assert out.startswith("用法：run.py")
    assert "选项：" in out and "显示本说明并退出" in out
    assert re.search(r"^示例：$", out, re.MULTILINE), "no examples"
    assert re.search(r"^  python run\.py ", out, re.MULTILINE), "no example command"
    assert re.search(r"^退出码：0 ", out, re.MULTILINE), "the exit codes are not said"


def test_every_option_is_explained(capsys):
    """No option without a help text (argparse prints nothing after it)."""
    for command, sub in parser().commands.choices.items():
        unexplained = [a.option_strings or a.dest for a in sub._actions if not a.help]
        assert unexplained == [], command


def _examples():
    """Each `python run.py …` line of every help, as (the help's command, argv): an example may show another
    command of the same task (evaluate --log before replay)."""
    found = []
    for command in [None, *COMMANDS]:
        top = parser()
        text = (top.commands.choices[command] if command else top).format_help()
        for line in text.splitlines():
            if line.startswith("  python run.py "):
                found.append((command, shlex.split(line.split(">")[0])[2:]))
    return found


@pytest.mark.parametrize("command, argv", _examples())
def test_each_example_in_the_help_is_a_command_that_parses(command, argv):
    """The examples are usage the parser takes, and every file they read that ships with the repository
    exists (名册.xlsx and the like are the officer's own; a git revision exists in the repository)."""
    if "--help" in argv:
        with pytest.raises(SystemExit) as done:
            parser().parse_args(argv)
        assert done.value.code == 0
        return
    assert parser().parse_args(argv).command in COMMANDS
    for word in argv:
        if word.startswith(("fixtures/", "policies/")):
            assert (ROOT / word).exists(), word
        if word.startswith("git:"):
            with materialised(word, ROOT) as (folder, commit):
                assert (folder / "policy.yaml").is_file() and commit


def test_help_fits_80_columns(capsys, monkeypatch):
    """Prose is broken at 80 columns counting a Chinese character as two; only example commands may be longer."""
    from rich.cells import cell_len
    monkeypatch.setenv("COLUMNS", "80")
    for command in [None, *COMMANDS]:
        status, out, _ = run(capsys, *([command] if command else []), "--help")
        wide = [line for line in out.splitlines() if cell_len(line) > 80 and not line.startswith("  python ")]
        assert wide == [], (command, wide)


def test_json_keys_are_unchanged(capsys):
    status, out, err = run(capsys, "evaluate", ROSTER, "--subject", "P11", "--jobs", "1", "--format", "json",
                           "--explain", "none")
    assert status == 0, err
    doc = json.loads(out)
    assert {"policy", "cases", "account"} <= set(doc)
    assert {"subject", "decision", "value"} <= set(doc["cases"][0]["determinations"][0])


@pytest.mark.parametrize("error, reason", [(PermissionError(13, "Permission denied"), "没有权限"),
                                           (OSError(28, "No space left on device"), "磁盘已满"),
                                           (OSError(18, "Invalid cross-device link"), "系统错误 EXDEV")])
def test_a_file_that_cannot_be_written_says_why_in_chinese(error, reason):
    """The system's reason (strerror) is English: a command says it in Chinese."""
    from engine.cli import options
    with pytest.raises(options.UsageError) as caught:
        with options.writing("判定结果.xlsx"):
            raise error
    assert str(caught.value) == f"[red]判定结果.xlsx：无法写入（{reason}）[/]"
    assert english_lines(str(caught.value)) == []


# --- convert's problems --------------------------------------------------------------------------------------

def test_convert_says_each_problem_at_its_place_by_its_label_masked(capsys, tmp_path):
    """What a spreadsheet cannot hold is said as every case-file error is: file, 第N行 第M列, the case, the field
    by its label — no path of the contract; a name it quotes masked unless --unmask; the JSON keeps the path."""
    source = tmp_path / "odd.yaml"
    source.write_text("id: K1\nas_of: 2025-12-31\npeople:\n  - id: P1\n    birth_date: 1990-01-01\n"
                      "    name: '王五 '\n    id_number: 321302199001011234\n    ratings: {2025-13: 好}\n",
                      encoding="utf-8")
    target = tmp_path / "odd.xlsx"
    status, out, err = run(capsys, "convert", source, target)
    assert status == 2 and not target.exists()
    assert f"{source} 第6行 第11列（案例 K1）：姓名填的“王**”" in err, err
    assert f"{source} 第7行 第16列（案例 K1）：身份证号应按文本填写" in err and "321302********1234" in err, err
    assert "月度考核等次的键“2025-13”" in err
    assert "王五" not in err and "321302199001011234" not in err
    assert not re.search(r"people\[|\.name|id_number|ratings", err), err
    assert_chinese(out, err)
    status, out, err = run(capsys, "convert", source, target, "--unmask")
    assert status == 2 and "“王五 ”" in err
    status, out, err = run(capsys, "convert", source, target, "--format", "json")
    assert status == 2 and err == ""
    said = {e["path"]: e for e in json.loads(out)["errors"]}
    assert set(said) == {"people[0].name", "people[0].id_number", "people[0].ratings.2025-13"}
    assert said["people[0].name"]["line"] == 6 and said["people[0].name"]["subject"] == "P1"
    assert "王五" not in out and "321302199001011234" not in out


# --- every command's normal output at 80 columns ---------------------------------------------------------------

# An id of the program's own (a rule annual.competent, a decision annual_grade): a run of lower-case words
# joined by dots or underscores. A path or a file name (with a slash, or ending .yaml …) is a place, not a code.
_CODE = re.compile(r"(?<![\w.-])[a-z][a-z0-9]*(?:[._][a-z][a-z0-9]*)+(?![\w.-])")
_FILE = re.compile(r"\S*/\S*|\S+\.(?:yaml|json|jsonl|xlsx|csv|docx|html|md)\b")
_TABLE_ROW = re.compile(r"\S\s*│|─┼─|^[┏┡└┗]")
_GUIDES = re.compile(r"^(?:\s|│   |[├└]── )+")   # a tree's guides (a rule ─── is no guide)
_SPLIT = re.compile(r"[0-9A-Za-z_.,:/-]")   # the characters of an id, a number, a date, a code: never at a break


def codes(text: str) -> list[str]:
    return [c for line in text.splitlines() for c in _CODE.findall(_FILE.sub(" ", line))]


def split_values(text: str) -> list[tuple[str, str]]:
    """Consecutive lines of running text (not table rows) where the break falls inside an id, a number or a date:
    the first ends with one of its characters and the next begins with one."""
    lines = [line.rstrip() for line in text.splitlines()]
    found = []
    for before, after in zip(lines, lines[1:]):
        if _TABLE_ROW.search(before) or _TABLE_ROW.search(after) or not before or not after.strip():
            continue
        if len(after) - len(after.lstrip(" ")) > len(before) - len(before.lstrip(" ")):
            continue   # indented deeper: an item under a heading, not the heading's next line
        rest = _GUIDES.sub("", after)
        if rest and _SPLIT.match(before[-1]) and _SPLIT.match(rest[0]) and not before.endswith((" ", "：")):
            found.append((before, after))
    return found


def test_split_values_and_codes_find_what_they_should():
    assert split_values("合计 39 人：月度 10,480 → 12\n,140") and split_values("├── 判定日：2025-1\n│   2-31")
    assert not split_values("P01 │ 王* │ 2025-06-01\nP02 │ 李* │ 2025-06-01")   # table rows
    assert not split_values("选聘条件②（遵守宪法）、\n选聘条件④")
    assert codes("决定 年度考核等次（annual_grade） ← annual.competent") == ["annual_grade", "annual.competent"]
    assert codes("写出 /tmp/x/log.jsonl、policies/suchen_2024，按 appeals.yaml 的权重") == []


def _normal_runs(tmp_path) -> dict[str, list[str]]:
    out = tmp_path
    return {
        "evaluate": ["evaluate", ROSTER, "--jobs", "1"],
        "evaluate one explained": ["evaluate", ROSTER, "--subject", "P11", "--explain", "--jobs", "1"],
        "evaluate why not": ["evaluate", ROSTER, "--subject", "P11", "--why-not", "优秀", "--decision", "年度考核等次",
                             "--jobs", "1"],
        "appeal": ["appeal", ROSTER, "--subject", "P11", "--decision", "年度考核等次", "--want", "优秀"],
        "appeal with alternatives": ["appeal", ROSTER, "--subject", "P05", "--decision", "年度考核等次", "--want", "称职"],
        "letter": ["letter", ROSTER, "--subject", "P11", "--decision", "年度考核等次", "--why-not", "年度考核等次=优秀",
                   "--out", out / "P11告知书.docx", "--log", out / "判定记录.jsonl"],
        "replay": ["replay", out / "判定记录.jsonl", "--cases", ROSTER],
        "diff": ["diff", POLICY, str(ROOT / "policies" / "examples" / "amendment_demo"), "--cases", ROSTER,
                 "--jobs", "1"],
        "template": ["template", out / "名册.xlsx"],
        "convert": ["convert", ROSTER, out / "示例名册.xlsx"],
        "generate": ["generate", "--people", "20", "--seed", "1", "--out", out / "演练名册.yaml"],
        "validate": ["validate"], "test": ["test"], "coverage": ["coverage"], "analyze": ["analyze"],
    }


# The policy editor's commands name rules, parameters and decisions by their ids: the editor finds them so in the
# policy files. Each id is shown whole (a cut one would be a fragment no policy file holds).
EDITORS = {"validate", "test", "coverage", "analyze"}


def _ids(policy) -> set[str]:
    return (set(policy.rules) | set(policy.decisions) | {f"param.{p}" for p in policy.parameters}
            | {d.name for kind in policy.kinds.values() for d in kind.derived}
            | {d.scenarios.possible for d in policy.decisions.values() if d.scenarios})


def test_every_commands_normal_output_is_chinese_and_whole_at_80_columns(capsys, monkeypatch, tmp_path, policy):
    """Each command as the README runs it, piped at 80 columns: no English line; no code an officer would read
    (a rule or decision id; an id appears only as the subject's own, P11); no line wider than 80 columns but the
    messages kept whole on purpose (警告/错误/✗ file:line:col, so that grep finds them); no id, number or date
    broken across lines."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(ROOT)
    from rich.cells import cell_len
    known = _ids(policy)
    for name, argv in _normal_runs(tmp_path).items():
        status, out, err = run(capsys, *argv)
        assert status == 0, (name, out, err)
        text = out + err
        assert_chinese(out, err)
        found = codes(text)
        if argv[0] in EDITORS:   # an id of the policy, or a key a message kept whole names (notice.yaml's review.days)
            whole = set(codes("\n".join(line for line in text.splitlines() if line.startswith(("警告 ", "错误 ")))))
            assert [c for c in found if c not in known | whole] == [], name
        else:
            assert found == [], (name, found)
        # a path the test chose (long, in a temporary folder) is kept whole as any value; it is not the layout's
        wide = [line for line in text.splitlines() if cell_len(line.replace(str(tmp_path), "OUT")) > 80
                and not line.startswith(("警告 ", "错误 ", "✗ "))]
        assert wide == [], (name, wide)
        assert split_values(text) == [], (name, split_values(text))
