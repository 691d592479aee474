"""A policy folder as it stood in a git revision: `git:REV:path`, read with git itself, no checkout.

The folder's files are listed with `git ls-tree` and read with `git show`, written
into a temporary folder for the loader, and the folder is removed once the policy is
in memory (the loaded Policy holds everything a run needs). The working tree and the
index are never touched. The path is normalised (`policies/../policies/x` is `policies/x`) and may not leave
the repository; a file larger than the loader's limit (MAX_BYTES) is refused before git is asked for it.
"""
from __future__ import annotations

import posixpath
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator

from ..common.limits import MAX_BYTES

__all__ = ["PREFIX", "GitPolicyError", "GitSpec", "parse", "commit_of", "files_at", "materialised"]

PREFIX = "git:"


class GitPolicyError(Exception):
    """The revision or the folder cannot be read from git; the message says which and why, in Chinese, without
    the git command; `detail` is what git itself said (its command and stderr), for a developer, or "" when
    the message says all."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class GitSpec:
    rev: str
    path: str          # inside the repository, posix


def parse(text: str) -> GitSpec | None:
    """`git:REV:path` → its parts, the path normalised; anything else (a plain folder) → None."""
    if not text.startswith(PREFIX):
        return None
    rev, sep, path = text[len(PREFIX):].partition(":")
    if not sep or not rev or not path:
        raise GitPolicyError(f"“{text}”：应写作 git:提交:路径，例如 git:HEAD~1:policies/suchen_2024")
    # git itself resolves `..` in a path but lists the files under the resolved one, which then would not be
    # under the path as written: the path is normalised here, and one that leaves the repository is refused
    normal = posixpath.normpath(path.strip("/"))
    if normal == ".." or normal.startswith("../"):
        raise GitPolicyError(f"“{text}”：路径 {path} 超出了仓库（“..”多于其上的文件夹）；"
                             f"请写仓库内的路径，例如 git:{rev}:policies/suchen_2024")
    return GitSpec(rev, normal)


def _git(repo: Path, *args: str, failed: str = "") -> bytes:
    """git's output; else a GitPolicyError saying `failed` (what could not be done), git's own words in its detail."""
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True)
    except OSError as e:   # no git on this computer
        raise GitPolicyError("找不到 git 程序：读取 git:提交:路径 形式的政策版本需要安装 git", str(e)) from None
    if done.returncode != 0:
        detail = f"git {' '.join(args)}: {done.stderr.decode('utf-8', 'replace').strip()}"
        raise GitPolicyError(failed or f"git 未能完成读取（git 的原话见下行）\n{detail}", detail)
    return done.stdout


def _toplevel(folder: Path) -> Path:
    """The repository holding `folder`. Whether it is in one is seen here (a .git above it), not read from
    git's message, which may be in any language: a repository git refuses (another owner's) gets git's words."""
    if not any((p / ".git").exists() for p in (folder.resolve(), *folder.resolve().parents)):
        raise GitPolicyError(f"当前文件夹不是 git 版本库，读不了 git:提交:路径 形式的政策版本（当前文件夹：{folder}）；"
                             f"请在版本库中运行，或直接给出政策目录")
    return Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip())


def commit_of(repo: Path, rev: str) -> str:
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}",
                failed=f"版本库中没有提交“{rev}”（可写提交号、分支名、标签或 HEAD~1 之类）").decode().strip()


def files_at(repo: Path, spec: GitSpec, commit: str | None = None) -> dict[str, bytes]:
    """Every file under the folder at that revision (`commit`, when already resolved), by its path relative to the
    folder."""
    commit = commit or commit_of(repo, spec.rev)
    folder = "" if spec.path == "." else spec.path + "/"
    listing = _git(repo, "ls-tree", "-r", "-z", "-l", "--full-tree", commit, "--", folder or ".")
    entries = []
    for line in listing.decode("utf-8", "surrogateescape").split("\0"):
        if not line:
            continue
        info, _, name = line.partition("\t")
        size = info.split()[-1]          # "-" for a submodule, which holds no file here
        if not name.startswith(folder) or not size.isdigit():
            continue
        if int(size) > MAX_BYTES:
            raise GitPolicyError(f"提交 {spec.rev}（{commit[:12]}）中的 {name} 有 {int(size) / 2**20:.1f} MB，"
                                 f"超过政策文件的上限 {MAX_BYTES // 2**20} MB，不予读取")
        entries.append(name)
    if not entries:
        raise GitPolicyError(f"提交 {spec.rev}（{commit[:12]}）中没有文件夹 {spec.path}")
    return {name[len(folder):]: _git(repo, "show", f"{commit}:{name}") for name in entries}


@contextmanager
def materialised(text: str, repo: Path | None = None) -> Iterator[tuple[Path, str | None]]:
    """(folder to load, commit or None): a plain folder as it is; `git:REV:path` written to a temporary folder."""
    spec = parse(text)
    if spec is None:
        yield Path(text), None
        return
    repo = _toplevel(repo or Path.cwd())
    commit = commit_of(repo, spec.rev)
    files = files_at(repo, spec, commit)   # the revision as typed, for the messages
    with tempfile.TemporaryDirectory(prefix="policy-") as tmp:
        root = Path(tmp) / PurePosixPath(spec.path).name
        for rel, data in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        yield root, commit
