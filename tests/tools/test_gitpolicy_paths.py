"""engine/tools/gitpolicy.py's paths: `git:REV:path` is normalised as git resolves it — a `..` inside
the repository reads the same folder (it was a ValueError from relative_to), one leaving it is refused in
Chinese — and a file larger than a policy file may be is refused before git is asked for it."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from engine.tools import gitpolicy
from engine.tools.gitpolicy import GitPolicyError, GitSpec, materialised, parse
from engine.tools.validate import load_or_raise

from conftest import POLICY_DIR, cli


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository holding the policy under policies/suchen_2024, committed once."""
    repo = tmp_path / "repo"
    shutil.copytree(POLICY_DIR, repo / "policies" / "suchen_2024")
    _git(repo.parent, "init", "-q", str(repo))
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "policy")
    return repo


@pytest.mark.parametrize("written", ["policies/../policies/suchen_2024", "./policies//suchen_2024/",
                                     "policies/suchen_2024/.", "/policies/suchen_2024", "policies/x/../suchen_2024"])
def test_a_path_is_normalised_as_git_reads_it(written):
    assert parse(f"git:HEAD:{written}") == GitSpec("HEAD", "policies/suchen_2024")


@pytest.mark.parametrize("written", ["..", "../policies", "policies/../../x", "a/b/../../../c"])
def test_a_path_leaving_the_repository_is_refused_in_chinese(written):
    with pytest.raises(GitPolicyError, match="超出了仓库"):
        parse(f"git:HEAD:{written}")


def test_dot_dot_inside_the_repository_reads_the_folder(repo):
    with materialised("git:HEAD:policies/../policies/suchen_2024", repo=repo) as (root, commit):
        assert root.name == "suchen_2024" and commit == _git(repo, "rev-parse", "HEAD")
        assert sorted(p.relative_to(root) for p in root.rglob("*")) == \
            sorted(p.relative_to(POLICY_DIR) for p in POLICY_DIR.rglob("*"))
        assert load_or_raise(root).version == load_or_raise(POLICY_DIR).version


def test_cli_diff_with_dot_dot_in_the_git_path(repo, tmp_path, monkeypatch, policy):
    from engine.tools import generate
    cases = tmp_path / "cases.json"
    generate.write(generate.generate(policy, 30, 2, per_case=30), cases, "test")
    monkeypatch.chdir(repo)
    code, out, err = cli("diff", "git:HEAD:policies/../policies/suchen_2024", "policies/suchen_2024",
                         "--cases", cases, "--format", "json", "--jobs", "1")
    assert code == 0 and "Traceback" not in err, err
    code, out, err = cli("diff", "git:HEAD:../suchen_2024", "policies/suchen_2024", "--cases", cases, "--jobs", "1")
    assert code == 2 and "超出了仓库" in err, err


def test_a_file_over_the_limit_is_refused_before_it_is_read(repo, monkeypatch):
    monkeypatch.setattr(gitpolicy, "MAX_BYTES", 10_000)     # source.txt is larger than that
    size = (POLICY_DIR / "source.txt").stat().st_size
    assert size > 10_000
    with pytest.raises(GitPolicyError, match="source.txt.*超过政策文件的上限"):
        with materialised("git:HEAD:policies/suchen_2024", repo=repo):
            pass
