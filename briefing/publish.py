"""Publish stage: the built site becomes a commit on a branch (gh-pages by default), pushed.

Git is driven as a subprocess with plumbing only (a temporary index, write-tree, commit-tree,
update-ref, push): the source repository's working tree, index and current branch are never
touched. The commit's author, committer and dates come from the source commit, so publishing
the same source twice makes the same commit.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config import SiteConfig, shown_path
from .errors import BriefingError
from .search import BUNDLE

AUTHOR_NAME = "briefing"
AUTHOR_EMAIL = "publish@briefing.invalid"
EMPTY_DATE = "946684800 +0000"  # 2000-01-01, for a source folder with no commit yet


@dataclass(frozen=True, slots=True)
class PublishOptions:
    """Where to publish: a branch of this repository (remote None) or of another one."""

    branch: str = "gh-pages"
    remote: str | None = None
    push: bool = True
    dry_run: bool = False
    force: bool = False


@dataclass(slots=True)
class PublishReport:
    """What publishing did or, for a dry run, would do."""

    commit: str | None = None  # None when nothing changed (or a dry run)
    changes: list[tuple[str, str]] = field(default_factory=list)  # (A|M|D, path)
    pushed: bool = False
    message: str = ""


class Git:
    """`git` with a fixed git dir and environment; failures become BriefingErrors."""

    def __init__(self, git_dir: Path, env: Mapping[str, str] | None = None) -> None:
        self.git_dir = git_dir
        self.env = {**os.environ, "GIT_DIR": str(git_dir), "GIT_TERMINAL_PROMPT": "0", **(env or {})}
        for name in ("GIT_WORK_TREE", "GIT_INDEX_FILE"):
            if env is None or name not in env:
                self.env.pop(name, None)

    def run(
        self,
        *args: str,
        input: bytes | None = None,  # noqa: A002
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Run git; its stdout, stripped. Raises with git's own message when it fails."""
        merged = {**self.env, **(env or {})}
        result = subprocess.run(["git", *args], input=input, capture_output=True, env=merged, check=False)
        if check and result.returncode != 0:
            said = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            raise BriefingError.one(str(self.git_dir), None, f"git {args[0]} failed: {said}")
        return result.stdout.decode("utf-8", "replace").strip()


def source_state(root: Path) -> tuple[Path | None, str | None, bool, str]:
    """The source repository's git dir, HEAD commit, whether it has uncommitted changes, and
    the date to stamp the publish commit with."""
    probe = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--absolute-git-dir"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        return None, None, True, EMPTY_DATE
    git = Git(Path(probe.stdout.strip()))
    head = git.run("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False) or None
    dirty = bool(
        subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True, check=False
        ).stdout.strip()
    )
    date = git.run("show", "-s", "--format=%cd", "--date=raw", head) if head else EMPTY_DATE
    return git.git_dir, head, dirty, date


def publish(config: SiteConfig, out_dir: Path, options: PublishOptions) -> PublishReport:
    """Commit out_dir (plus .nojekyll and CNAME) onto the branch and push it."""
    source_dir, head, dirty, date = source_state(config.root)
    if options.remote is None and source_dir is None:
        raise BriefingError.one(
            shown_path(config.root), None, "is not a git repository", "run git init, or publish elsewhere with --remote"
        )
    if options.remote is not None:
        git = Git(_cache_repo(config.cache_dir / "publish.git"))
        target = options.remote
        tip = _fetch_tip(git, target, options.branch)
    else:
        assert source_dir is not None
        git = Git(source_dir)
        target = "origin"
        tip = git.run("rev-parse", "--verify", "-q", f"refs/heads/{options.branch}^{{commit}}", check=False) or None
    if tip is not None and not options.force:
        _check_ours(git, tip, options.branch, target)

    tree = _tree(git, out_dir, config)
    report = PublishReport()
    parent_tree = git.run("rev-parse", f"{tip}^{{tree}}") if tip else None
    report.changes = _changes(git, parent_tree, tree)
    # Pagefind's bundle is not byte-stable between runs: changes there alone are not news.
    if tip is not None and all(path.startswith(f"{BUNDLE}/") for _, path in report.changes):
        report.message = f"nothing to publish: {options.branch} already holds this site"
        return report
    if options.dry_run:
        report.message = f"dry run: {len(report.changes)} files would change on {options.branch}"
        return report

    subject = f"Publish site from {head[:12] if head else 'an uncommitted folder'}{' (dirty)' if dirty else ''}"
    body = f"Source commit: {head or 'none'}{' with uncommitted changes' if dirty else ''}\n"
    identity = {
        "GIT_AUTHOR_NAME": AUTHOR_NAME,
        "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": AUTHOR_NAME,
        "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
        "GIT_COMMITTER_DATE": date,
    }
    parents = ["-p", tip] if tip else []
    commit = git.run("commit-tree", tree, *parents, "-m", subject, "-m", body.strip(), env=identity)
    report.commit = commit

    if options.remote is not None:
        if options.push:
            _push(git, target, commit, options.branch)
            report.pushed = True
        git.run("update-ref", f"refs/published/{options.branch}", commit)
    else:
        if options.push:
            if not git.run("remote", check=False):
                raise BriefingError.one(
                    str(git.git_dir),
                    None,
                    "has no remote to push to",
                    "add one (git remote add origin URL), or use --no-push or --remote",
                )
            _push(git, "origin", commit, options.branch)
            report.pushed = True
        git.run("update-ref", f"refs/heads/{options.branch}", commit, tip or "0" * 40)
    report.message = f"published {commit[:12]} to {options.branch}" + (f" of {target}" if report.pushed else "")
    return report


def _cache_repo(path: Path) -> Path:
    """A bare repository of the tool's own, for publishing to another repository."""
    if not (path / "HEAD").is_file():
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True, capture_output=True)
    return path


def _fetch_tip(git: Git, remote: str, branch: str) -> str | None:
    """The remote branch's commit (fetched into the cache repository), or None when it has none."""
    listed = git.run("ls-remote", "--heads", remote, f"refs/heads/{branch}")
    if not listed:
        return None
    git.run("fetch", "-q", "--no-tags", remote, f"+refs/heads/{branch}:refs/remote-tip/{branch}")
    return git.run("rev-parse", f"refs/remote-tip/{branch}^{{commit}}")


def _check_ours(git: Git, tip: str, branch: str, target: str) -> None:
    """Refuse a branch with commits this tool did not make."""
    foreign = [
        line for line in git.run("log", "--format=%h %ae %s", tip).splitlines() if line.split(" ", 2)[1] != AUTHOR_EMAIL
    ]
    if foreign:
        raise BriefingError.one(
            target,
            None,
            f"branch {branch} has {len(foreign)} commits briefing did not make (the newest: {foreign[0]})",
            "publish to another --branch, or pass --force to commit on top of them",
        )


def _tree(git: Git, out_dir: Path, config: SiteConfig) -> str:
    """The tree of out_dir plus .nojekyll (and CNAME), built in a temporary index."""
    if not out_dir.is_dir():
        raise BriefingError.one(shown_path(out_dir), None, "does not exist: build the site first")
    with tempfile.TemporaryDirectory() as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index"), "GIT_WORK_TREE": str(out_dir)}
        git.run("add", "-A", "-f", ".", env=env)
        extras = {".nojekyll": b""}
        if config.domain:
            extras["CNAME"] = config.domain.encode() + b"\n"
        for name, data in extras.items():
            blob = git.run("hash-object", "-w", "--stdin", input=data)
            git.run("update-index", "--add", "--cacheinfo", f"100644,{blob},{name}", env=env)
        return git.run("write-tree", env=env)


def _changes(git: Git, old_tree: str | None, new_tree: str) -> list[tuple[str, str]]:
    """(A|M|D, path) for each file that differs between two trees."""
    if old_tree is None:
        return [("A", path) for path in git.run("ls-tree", "-r", "--name-only", new_tree).splitlines()]
    lines = git.run("diff-tree", "-r", "--no-renames", "--name-status", old_tree, new_tree).splitlines()
    return [(line[0], line[2:]) for line in lines if line]


def _push(git: Git, remote: str, commit: str, branch: str) -> None:
    """Push commit to the branch; a plain push, so a branch that moved meanwhile is not lost."""
    result = subprocess.run(
        ["git", "push", "--porcelain", remote, f"{commit}:refs/heads/{branch}"],
        capture_output=True,
        env=git.env,
        check=False,
    )
    if result.returncode != 0:
        said = "\n".join(
            line for line in (result.stderr + result.stdout).decode("utf-8", "replace").splitlines() if line.strip()
        )
        raise BriefingError.one(
            remote,
            None,
            f"the push was rejected; git said:\n{said}",
            "nothing was changed here; fix the remote and publish again",
        )
