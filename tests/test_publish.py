"""Publishing with real git: a bare repository in tmp_path is the remote, git clone is the reader."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, need, snapshot

NOW = "2022-05-01T05:00"
USER = ["-c", "user.name=Editor", "-c", "user.email=editor@example.org"]


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *USER, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def source_state(repo: Path) -> tuple[str, str, str, str]:
    """HEAD, the current branch, git status, and the index's hash: what publish must not touch."""
    index = hashlib.sha256((repo / ".git/index").read_bytes()).hexdigest()
    return git(repo, "rev-parse", "HEAD"), git(repo, "symbolic-ref", "HEAD"), git(repo, "status", "--porcelain"), index


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "newsroom"
    shutil.copytree(FIXTURES / "site", root)
    (root / ".gitignore").write_text("/public/\n/.briefing-cache/\n")
    lithium = root / "content/2022/04/28/lithium.md"  # publish builds with --strict: no unknown keys
    lithium.write_text(lithium.read_text().replace("extra_note: kept for templates\n", ""))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Sources")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "pages.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    return bare


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(folder).parts
    }


def clone(remote: Path, into: Path, branch: str = "gh-pages") -> Path:
    subprocess.run(["git", "clone", "-q", "-b", branch, str(remote), str(into)], check=True)
    return into


def test_publish_clone_and_compare(repo: Path, remote: Path, tmp_path: Path, cli) -> None:
    before = source_state(repo)
    run = cli("publish", "--remote", str(remote), "--now", NOW)
    assert run.status == 0, run
    assert "added index.html" in run.out and "published" in run.out
    published = files(clone(remote, tmp_path / "clone"))
    assert published == {**files(repo / "public"), ".nojekyll": b""}
    head = git(repo, "rev-parse", "HEAD")
    log = git(remote, "log", "--format=%an <%ae>|%ad|%s|%b", "--date=raw", "gh-pages")
    assert f"Publish site from {head[:12]}" in log and f"Source commit: {head}" in log
    assert log.startswith("briefing <publish@briefing.invalid>|") and "(dirty)" not in log
    source_time = git(repo, "show", "-s", "--format=%cd", "--date=raw", "HEAD")
    assert f"|{source_time}|" in log
    assert source_state(repo) == before


def test_publishing_an_unchanged_site_makes_no_commit(repo: Path, remote: Path, cli) -> None:
    assert cli("publish", "--remote", str(remote), "--now", NOW).status == 0
    tip = git(remote, "rev-parse", "gh-pages")
    run = cli("publish", "--remote", str(remote), "--now", NOW)
    assert run.status == 0 and "nothing to publish" in run.out
    assert git(remote, "rev-parse", "gh-pages") == tip


def test_deleted_pages_leave_the_branch(repo: Path, remote: Path, tmp_path: Path, cli) -> None:
    assert cli("publish", "--remote", str(remote), "--now", NOW).status == 0
    git(repo, "rm", "-q", "content/2022/04/28/lithium.md")
    git(repo, "commit", "-q", "-m", "Spike the lithium story")
    dry = cli("publish", "--remote", str(remote), "--now", NOW, "--dry-run")
    assert dry.status == 0
    assert "deleted 2022/04/28/chile-to-create-a-state-lithium-company/index.html" in dry.out
    assert "changed 2022/04/28/index.html" in dry.out and "dry run" in dry.out
    assert git(remote, "rev-list", "--count", "gh-pages") == "1"
    assert cli("publish", "--remote", str(remote), "--now", NOW).status == 0
    published = clone(remote, tmp_path / "clone")
    assert not (published / "2022/04/28/chile-to-create-a-state-lithium-company").exists()
    assert not (published / "tags/chile").exists()
    assert git(remote, "rev-list", "--count", "gh-pages") == "2"


def test_a_rejected_push_changes_nothing_and_says_why(repo: Path, remote: Path, cli) -> None:
    hook = remote / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho 'pages are frozen for the election night' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = source_state(repo)
    refs = git(repo, "for-each-ref")
    run = cli("publish", "--remote", str(remote), "--now", NOW)
    assert run.status == 1
    assert "the push was rejected" in run.err and "pages are frozen for the election night" in run.err
    assert "Traceback" not in run.err
    assert source_state(repo) == before and git(repo, "for-each-ref") == refs
    assert git(remote, "for-each-ref") == ""


def test_a_branch_with_foreign_commits_is_refused_unless_forced(repo: Path, remote: Path, tmp_path: Path, cli) -> None:
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", "-b", "gh-pages", str(other))
    (other / "index.html").write_text("hand made")
    git(other, "add", "-A")
    git(other, "commit", "-q", "-m", "Hand-made page")
    git(other, "push", "-q", str(remote), "gh-pages")
    run = cli("publish", "--remote", str(remote), "--now", NOW)
    assert run.status == 1 and "has 1 commits briefing did not make" in run.err and "--force" in run.err
    assert git(remote, "rev-list", "--count", "gh-pages") == "1"
    assert cli("publish", "--remote", str(remote), "--now", NOW, "--force").status == 0
    assert git(remote, "rev-list", "--count", "gh-pages") == "2"


def test_publishing_to_this_repository(repo: Path, remote: Path, cli) -> None:
    before = source_state(repo)
    run = cli("publish", "--no-push", "--now", NOW)
    assert run.status == 0, run
    assert git(repo, "ls-tree", "--name-only", "gh-pages", "index.html") == "index.html"
    assert source_state(repo) == before
    git(repo, "remote", "add", "origin", str(remote))
    (repo / "site.toml").write_text((repo / "site.toml").read_text() + 'domain = "news.example.org"\n')
    run = cli("publish", "--now", NOW)
    assert run.status == 0, run
    assert git(remote, "show", "gh-pages:CNAME") == "news.example.org"
    assert git(remote, "rev-parse", "gh-pages") == git(repo, "rev-parse", "gh-pages")
    assert "(dirty)" in git(remote, "log", "-1", "--format=%s", "gh-pages")  # site.toml is uncommitted
    assert source_state(repo)[:2] == before[:2]


def test_the_same_source_commit_gives_the_same_publish_commit(repo: Path, tmp_path: Path, cli) -> None:
    """Author, committer, dates, message and every file but Pagefind's bundle (whose bytes
    Pagefind does not keep stable between runs) are the same for the same source commit."""
    commits = []
    for name in ("a.git", "b.git"):
        bare = tmp_path / name
        subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
        shutil.rmtree(repo / ".briefing-cache", ignore_errors=True)
        shutil.rmtree(repo / "public", ignore_errors=True)
        assert cli("publish", "--remote", str(bare), "--now", NOW).status == 0
        meta = git(bare, "log", "-1", "--format=%an|%ae|%ad|%cn|%ce|%cd|%B", "--date=raw", "gh-pages")
        files = [line for line in git(bare, "ls-tree", "-r", "gh-pages").splitlines() if "\tpagefind/" not in line]
        commits.append((meta, files))
    assert commits[0] == commits[1]


def test_a_build_with_errors_publishes_nothing(repo: Path, remote: Path, cli) -> None:
    article = repo / "content/2022/04/28/grain.md"
    article.write_text(article.read_text() + "\nSee [the missing page](/nowhere/).\n")
    run = cli("publish", "--remote", str(remote), "--now", NOW)
    assert run.status == 1 and "grain-stuck/index.html: link outside the site's base path /news/: /nowhere/" in run.err
    assert git(remote, "for-each-ref") == ""


def test_the_published_site_works_under_a_sub_path_in_nginx(repo: Path, remote: Path, tmp_path: Path, cli) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    need(nginx is not None, "nginx is not installed")
    assert cli("publish", "--remote", str(remote), "--now", NOW).status == 0
    docroot = clone(remote, tmp_path / "www" / "news")
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"""
user root;
worker_processes 1;
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    server {{
        listen 127.0.0.1:0;
        root {tmp_path}/www;
        error_page 404 /news/404.html;
    }}
}}
"""
    )
    # nginx cannot listen on port 0: find a free port first.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf.write_text(conf.read_text().replace("127.0.0.1:0", f"127.0.0.1:{port}"))
    server = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/news/", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        seen: set[str] = set()
        todo = ["/news/"]
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            with urllib.request.urlopen(base + path, timeout=5) as response:
                assert response.status == 200, path
                body = response.read().decode("utf-8", "replace")
            if path.endswith("/") or path.endswith(".html"):
                for link in re.findall(r'(?:href|src)="(/[^"#?]*)', body):
                    assert link.startswith("/news/"), (path, link)
                    todo.append(link)
        assert len(seen) > 25
        assert (docroot / ".nojekyll").is_file()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_rejected_inbox_item_never_holds_back_the_edition(repo: Path, remote: Path, tmp_path: Path, cli) -> None:
    (repo / "inbox").mkdir()
    (repo / "inbox/good.txt").write_text("date 2022-04-29 Dropped in the inbox\n\nIt is published.\n")
    (repo / "inbox/bad.txt").write_text("no date here\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Wire copy")
    run = cli("publish", "--remote", str(remote), "--now", NOW)
    assert run.status == 1 and "rejected inbox/bad.txt: no `date YYYY-MM-DD` at the start" in run.err
    assert "published" in run.out
    published = clone(remote, tmp_path / "clone")
    assert "It is published." in (published / "2022/04/29/dropped-in-the-inbox/index.html").read_text()
    assert (repo / "inbox/bad.txt").read_text() == "no date here\n"


def _workflow_step(step_id: str) -> dict[str, object]:
    workflow = yaml.safe_load((Path(__file__).parent.parent / ".github/workflows/publish.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job.get("steps", [])]
    return next(s for s in steps if s.get("id") == step_id)


def _ci_digest(checkout: Path) -> dict[str, str]:
    """The workflow's own digest step, run in the checkout: the outputs it gives."""
    outputs = checkout.parent / "github-output"
    outputs.write_text("")
    script = str(_workflow_step("digest")["run"])
    subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=checkout,
        env={"GITHUB_OUTPUT": str(outputs), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    return dict(line.split("=", 1) for line in outputs.read_text().splitlines())


def _ci_run(repo: Path, checkout: Path, saved: Path, cli) -> tuple[str, dict[str, str]]:
    """One run of the publish workflow: a fresh clone (new inodes and mtimes) in the runner's
    folder, the saved cache restored (as actions/cache does, with tar: mtimes kept), a strict
    build, the digest step, and the cache saved again."""
    shutil.rmtree(checkout, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(repo), str(checkout)], check=True)
    for name in (".briefing-cache", "public", ".deployed"):
        if (saved / name).is_dir():
            shutil.copytree(saved / name, checkout / name)
    run = cli("build", "--site", str(checkout), "--strict", "--now", NOW)
    assert run.status == 0, run.err
    outputs = _ci_digest(checkout)
    for name in (".briefing-cache", "public"):
        shutil.rmtree(saved / name, ignore_errors=True)
        shutil.copytree(checkout / name, saved / name)
    return run.err + run.out, outputs


def test_ci_over_a_restored_cache_builds_what_a_clean_build_does(repo: Path, tmp_path: Path, cli) -> None:
    checkout, saved = tmp_path / "runner/work/site", tmp_path / "actions-cache"
    saved.mkdir()
    assert _workflow_step("restore")["with"]["path"].split() == [".briefing-cache", "public"]  # type: ignore[index]
    said, first = _ci_run(repo, checkout, saved, cli)
    assert first["changed"] == "true"  # nothing deployed yet
    (saved / ".deployed").mkdir()
    (saved / ".deployed/digest").write_text(first["digest"] + "\n")  # the deploy job records it
    said, scheduled = _ci_run(repo, checkout, saved, cli)  # the schedule, nothing committed since
    assert re.search(r"\b0 rendered, 0 written\b", said), said
    assert scheduled == {"digest": first["digest"], "changed": "false"}
    (repo / "content/2022/04/28/added.md").write_text(
        "---\ntitle: Added by the desk\ndate: 2022-04-28T12:00\ntags: [NATO]\n---\nNew.\n"
    )
    (repo / "content/2022/04/29/sao-paulo.md").unlink()
    (repo / "templates").mkdir()
    tag = (Path(__file__).parent.parent / "templates/tag.html").read_text()
    (repo / "templates/tag.html").write_text(tag.replace("{% block main %}", "{% block main %}<!-- desk -->", 1))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "An added story, a deleted one, a tag page edit")
    said, pushed = _ci_run(repo, checkout, saved, cli)
    rendered = int(re.search(r"(\d+) rendered", said).group(1))  # type: ignore[union-attr]
    pages = int(re.search(r"(\d+) pages:", said).group(1))  # type: ignore[union-attr]
    assert pushed["changed"] == "true" and 0 < rendered < pages
    clean = tmp_path / "clean"
    subprocess.run(["git", "clone", "-q", str(repo), str(clean)], check=True)
    assert cli("build", "--site", str(clean), "--strict", "--now", NOW).status == 0
    built = {k: v[0] for k, v in snapshot(checkout / "public").items()}
    assert built == {k: v[0] for k, v in snapshot(clean / "public").items()}
    assert "<!-- desk -->" in (checkout / "public/tags/nato/index.html").read_text()
