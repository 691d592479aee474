"""A policy folder as it stood in a git revision: `git:REV:path`, read with git itself, no checkout.

The folder's files are listed with `git ls-tree` and read with `git show`, written
into a temporary folder for the loader, and the folder is removed once the policy is
in memory (the loaded Policy holds everything a run needs). The working tree and the
index are never touched.
"""
from __future__ import annotations

import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator

__all__ = ["PREFIX", "GitPolicyError", "GitSpec", "parse", "commit_of", "files_at", "materialised"]

PREFIX = "git:"


class GitPolicyError(Exception):
    """The revision or the folder cannot be read from git; the message says which and why."""


@dataclass(frozen=True)
class GitSpec:
    rev: str
    path: str          # inside the repository, posix


def parse(text: str) -> GitSpec | None:
    """`git:REV:path` → its parts; anything else (a plain folder) → None."""
    if not text.startswith(PREFIX):
        return None
    rev, sep, path = text[len(PREFIX):].partition(":")
    if not sep or not rev or not path:
        raise GitPolicyError(f"“{text}”：应写作 git:修订:路径，例如 git:HEAD~1:policies/suchen_2024")
    return GitSpec(rev, str(PurePosixPath(path.strip("/"))))


def _git(repo: Path, *args: str) -> bytes:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True)
    if done.returncode != 0:
        raise GitPolicyError(f"git {' '.join(args)}：{done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout


def commit_of(repo: Path, rev: str) -> str:
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()


def files_at(repo: Path, spec: GitSpec) -> dict[str, bytes]:
    """Every file under the folder at that revision, by its path relative to the folder."""
    commit = commit_of(repo, spec.rev)
    listing = _git(repo, "ls-tree", "-r", "-z", "--name-only", commit, "--", spec.path + "/")
    names = [n for n in listing.decode("utf-8").split("\0") if n]
    if not names:
        raise GitPolicyError(f"修订 {spec.rev}（{commit[:12]}）中没有文件夹 {spec.path}")
    return {str(PurePosixPath(n).relative_to(spec.path)): _git(repo, "show", f"{commit}:{n}") for n in names}


@contextmanager
def materialised(text: str, repo: Path | None = None) -> Iterator[tuple[Path, str | None]]:
    """(folder to load, commit or None): a plain folder as it is; `git:REV:path` written to a temporary folder."""
    spec = parse(text)
    if spec is None:
        yield Path(text), None
        return
    repo = Path(_git(repo or Path.cwd(), "rev-parse", "--show-toplevel").decode().strip())
    commit = commit_of(repo, spec.rev)
    files = files_at(repo, GitSpec(commit, spec.path))
    with tempfile.TemporaryDirectory(prefix="policy-") as tmp:
        root = Path(tmp) / PurePosixPath(spec.path).name
        for rel, data in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        yield root, commit
