"""Hostile input and faults: clear errors, nothing lost, nothing leaked."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURE_NOW, FIXTURES, ROOT, snapshot
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from briefing.config import load_config
from briefing.content import load_article
from briefing.errors import BriefingError
from briefing.ingest import parse_wire
from briefing.state.manifest import manifest_path

GOOD = "---\ntitle: Fine\ndate: 2022-04-29\n---\nFine.\n"
HOSTILE = '<script>alert("x")</script> "quoted" \'single\' ]]> {{ 7*7 }} & more'


# -- Property tests: any input is an article or our error, never another exception, never a hang


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")))
)
@example(raw=b"! " * 40 + b"!00000000000000000000")  # a first "sentence" of punctuation
@example(raw=b"!" * 80 + b"00000000000000000000")  # one token longer than a headline
@example(raw=b".\n\n0")
def test_any_wire_copy_is_an_item_or_our_error(raw: bytes) -> None:
    for data in (raw, b"date 2022-04-29 " + raw):
        try:
            item = parse_wire(data, "wire.txt", {"NATO": ["NATO"]}, [])
        except BriefingError as exc:
            assert exc.problems and all(p.path == "wire.txt" for p in exc.problems)
        else:
            assert any(c.isalnum() for c in item.title) and item.blocks


FRONT = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda key, value: f"{key}: {value}",
        st.sampled_from(["title", "date", "slug", "tags", "summary", "author", "updates", "draft", "image", "x"]),
        st.text(max_size=60),
    ),
)


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(FRONT, max_size=8), body=st.text(max_size=300), junk=st.binary(max_size=40))
def test_any_front_matter_is_an_article_or_our_error(tmp_path_factory, lines, body, junk) -> None:
    root = tmp_path_factory.mktemp("fm")
    path = root / "content" / "a.md"
    path.parent.mkdir(parents=True)
    for data in (
        ("---\n" + "\n".join(lines) + "\n---\n" + body).encode("utf-8", "surrogatepass"),
        ("---\ntitle: T\ndate: 2022-04-29\n" + "\n".join(lines) + "\n---\n").encode("utf-8", "surrogatepass") + junk,
    ):
        path.write_bytes(data)
        try:
            article, _ = load_article(path, load_config(root))
        except BriefingError as exc:
            assert exc.problems and all(p.path.endswith("a.md") for p in exc.problems)
        else:
            assert article.title and article.slug


# -- Escaping: nothing an editor or a config writes can run in a reader's browser


def test_hostile_strings_come_out_inert_everywhere(site, cli) -> None:
    toml_value = HOSTILE.replace("\\", "\\\\").replace('"', '\\"')
    yaml_value = HOSTILE.replace("'", "''")
    root = site(
        {
            "site.toml": f'title = "{toml_value}"\ndescription = "{toml_value}"\nauthor = "{toml_value}"\n',
            "content/a.md": (
                f"---\ntitle: '{yaml_value}'\ndate: 2022-04-29T10:00\nsummary: '{yaml_value}'\n"
                f"author: '{yaml_value}'\ntags: ['{yaml_value}', NATO]\n"
                "updates:\n  - at: 2022-04-30T09:00\n    kind: correction\n"
                f"    text: '{yaml_value}'\n---\nBody text.\n"
            ),
        }
    )
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 0, run
    public = root / "public"
    for path in public.rglob("*"):
        if not path.is_file() or path.suffix not in (".html", ".xml", ".json", ".txt") or "pagefind" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if path.name == "newsletter.txt":  # an email's text/plain part: shown as typed, never parsed as markup
            assert "<script>alert(“x”)</script>" in text and "{{ 7*7 }}" in text, path
            continue
        assert "<script>alert" not in text, path
        assert "49" not in text.replace("2049", ""), path  # {{ 7*7 }} is text, never evaluated
        if path.suffix == ".html":
            for block in text.split('<script type="application/ld+json">')[1:]:
                data = block.split("</script>", 1)[0]
                assert "<" not in data and ">" not in data
                json.loads(data)
        if path.suffix == ".xml":
            etree.fromstring(path.read_bytes())  # well-formed despite ]]> and quotes
        if path.suffix == ".json":
            assert "<" not in text and ">" not in text
            json.loads(text)
    page = (public / "2022/04/29/script-alert-x-script-quoted-single-7-7-more/index.html").read_text()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


# -- The output folder: never the sources, never someone else's files


@pytest.mark.parametrize("out", [".", "content", "templates", "static", "content/sub", "/", "~", "repo", "nested"])
def test_dangerous_output_folders_are_refused(site, cli, tmp_path: Path, out: str) -> None:
    root = site({"content/a.md": GOOD, "templates/x.html": "x", "static/y.css": "y"})
    (root / "repo/.git").mkdir(parents=True)
    (root / "nested/content").mkdir(parents=True)
    target = str(Path.home()) if out == "~" else out
    before = snapshot(root)
    run = cli("build", "--now", "2022-05-01", "--out", target)
    assert run.status == 1 and "cannot be the output folder" in run.err and "Traceback" not in run.err
    assert snapshot(root) == before


def test_a_foreign_non_empty_folder_is_refused_unless_told(site, cli, tmp_path: Path) -> None:
    site({"content/a.md": GOOD})
    foreign = tmp_path / "theirs"
    foreign.mkdir()
    (foreign / "index.html").write_text("their page")
    run = cli("build", "--now", "2022-05-01", "--out", str(foreign))
    assert run.status == 1 and "is not empty and was not made by briefing" in run.err
    assert (foreign / "index.html").read_text() == "their page"
    assert cli("build", "--now", "2022-05-01", "--out", str(foreign), "--overwrite").status == 0


def test_nothing_outside_the_output_folder_is_deleted(site, cli, tmp_path: Path) -> None:
    root = site({"content/a.md": GOOD})
    assert cli("build", "--now", "2022-05-01").status == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    manifest = manifest_path(root / ".briefing-cache", root / "public")
    import pickle

    version, token, rows = pickle.loads(manifest.read_bytes())
    row = next(iter(rows.values()))
    rows["../../victim.txt"] = row
    rows[str(victim)] = row
    manifest.write_bytes(pickle.dumps((version, token, rows)))
    Path("content/a.md").write_text(GOOD.replace("title: Fine", "title: Changed"))  # a full build
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 0
    assert victim.read_text() == "keep me"


# -- Concurrency: one build at a time


def test_a_second_build_waits_for_the_first(site, cli) -> None:
    root = site({"content/a.md": GOOD})
    lock = manifest_path(root / ".briefing-cache", root / "public").with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\nf = open(sys.argv[1], 'a+')\nfcntl.lockf(f, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\ntime.sleep(1.5)",
            str(lock),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    run = cli("build", "--now", "2022-05-01")
    assert run.status == 0 and "waiting: another build into public is running" in run.err
    assert time.monotonic() - started >= 0.5
    holder.wait(10)


def test_two_builds_at_once_leave_a_correct_site(fixture_site: Path, tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "build.py"), "build", "--now", FIXTURE_NOW]
    first = subprocess.Popen(command, cwd=fixture_site, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    second = subprocess.Popen(command, cwd=fixture_site, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert first.wait(60) == 0 and second.wait(60) == 0
    reference = tmp_path / "reference"
    shutil.copytree(FIXTURES / "site", reference)
    subprocess.run(command, cwd=reference, check=True, capture_output=True)
    assert {k: v[0] for k, v in snapshot(fixture_site / "public").items()} == {
        k: v[0] for k, v in snapshot(reference / "public").items()
    }


# -- Disk full


def test_a_full_disk_fails_clearly_and_keeps_the_old_site(tmp_path: Path, cli, monkeypatch) -> None:
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", site)
    out = tmp_path / "small"
    out.mkdir()
    # 1 MB: the site (about 600 KB with its search index) fits, the 200,000-word story does not
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(out)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        monkeypatch.chdir(site)
        assert cli("build", "--now", FIXTURE_NOW, "--out", str(out)).status == 0
        before = snapshot(out)
        big = site / "content/2022/04/29/big.md"
        big.write_text("---\ntitle: Big\ndate: 2022-04-29\ntags: [NATO]\n---\n" + ("word " * 200_000) + "\n")
        run = cli("build", "--now", FIXTURE_NOW, "--out", str(out))
        assert run.status == 1
        assert "cannot write: No space left on device" in run.err and "Traceback" not in run.err
        assert snapshot(out) == before
    finally:
        subprocess.run(["umount", str(out)], check=False)


# -- Crash safety: kill -9 at random moments


def test_kill_9_leaves_old_or_new_files_and_the_next_build_is_right(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus import generate

    site = tmp_path / "site"
    generate(500, site)  # a build of it takes one to four seconds: the kills below land inside one
    originals = {path: path.read_text() for path in sorted((site / "content").rglob("*.md"))[::20]}

    def write_version(name: str) -> None:  # 25 titles change between a and b: pages, days, tags, feeds
        for path, text in originals.items():
            path.write_text(text if name == "a" else text.replace('title: "', 'title: "Revised ', 1))

    def build(root: Path) -> None:
        subprocess.run(
            [sys.executable, str(ROOT / "build.py"), "--site", str(root), "build", "--now", "2023-06-01"],
            check=True,
            capture_output=True,
        )

    versions = {}
    for name in ("a", "b"):
        write_version(name)
        reference = tmp_path / f"ref-{name}"
        shutil.copytree(site, reference, ignore=shutil.ignore_patterns("public", ".briefing-cache"))
        build(reference)
        versions[name] = {k: v[0] for k, v in snapshot(reference / "public").items()}
    build(site)  # the site is at version b
    command = [sys.executable, str(ROOT / "build.py"), "--site", str(site), "build", "--now", "2023-06-01"]
    rng = random.Random(9)
    current = "b"
    for kill in range(10):
        old, current = current, "a" if current == "b" else "b"
        write_version(current)
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 2.0))
        proc.kill()
        proc.wait()
        for name, (data, _) in snapshot(site / "public").items():
            if name.endswith(".briefing-tmp") or name.startswith(".pagefind."):
                continue  # a staged file or a half-made search bundle; the next build removes it
            assert data in (versions[old].get(name), versions[current].get(name)), f"kill {kill}: {name} is torn"
        build(site)
        assert not list((site / "public").glob(".pagefind.*")), f"kill {kill}: a staged search bundle is left"
        finished = {k: v[0] for k, v in snapshot(site / "public").items()}
        assert finished == versions[current], f"kill {kill}: the next build differs from a clean build"


def _processes() -> dict[int, tuple[int, str, str]]:
    """Every process: pid -> (parent pid, state, start time), from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(stat.parent.name)] = (int(fields[1]), fields[0], fields[19])
    return found


def _descendants(pid: int) -> dict[int, str]:
    """The processes below pid, with their start times (a pid can be reused)."""
    table = _processes()
    below, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _, started) in table.items():
            if ppid == parent and child not in below:
                below[child] = started
                todo.append(child)
    return below


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")
def test_kill_9_during_indexing_leaves_no_process_of_the_build(tmp_path: Path) -> None:
    from briefing import search

    if not search.available():
        pytest.skip("Pagefind is not installed")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus import generate

    site = tmp_path / "site"
    generate(400, site)
    command = [sys.executable, str(ROOT / "build.py"), "--site", str(site), "build", "--now", "2023-06-01"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        seen.update(_descendants(proc.pid))
        if any("pagefind" in _command(pid) for pid in seen):
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the build ended before Pagefind started"
    indexers = [pid for pid in seen if "pagefind" in _command(pid)]
    proc.kill()
    proc.wait()
    time.sleep(1.0)
    table = _processes()
    left = [pid for pid, started in seen.items() if pid in table and table[pid][2] == started and table[pid][1] != "Z"]
    assert indexers and left == [], f"still running a second after kill -9: {[_command(p) for p in left]}"
    # The next build takes over: it finishes the index and leaves no staged shard behind.
    subprocess.run(command, check=True, capture_output=True)
    assert not list((site / "public").glob(".pagefind.*"))
    assert search.indexed_shards(site / "public").keys() == {
        p.name for p in (site / "public/pagefind").iterdir() if p.is_dir()
    }


@settings(max_examples=300, deadline=None)
@given(value=st.text(st.characters(exclude_categories=["Cs"]), max_size=80))
def test_site_toml_written_by_new_reads_back_exactly(value: str) -> None:
    import dataclasses
    import tomllib

    from briefing.config import default_config, render_toml

    config = dataclasses.replace(default_config(Path("/tmp/site")), title=value, tags={value: [value, "x"]})
    data = tomllib.loads(render_toml(config))
    assert data["title"] == value and data["tags"] == {value: [value, "x"]}
