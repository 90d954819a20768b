"""Incremental builds: whatever sequence of edits, an incremental build equals a clean one."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURE_NOW, FIXTURES, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.builder import BuildOptions, build
from briefing.cache import Store
from briefing.config import load_config
from briefing.content import parse_when

ARTICLES = sorted(p.relative_to(FIXTURES / "site").as_posix() for p in (FIXTURES / "site/content").rglob("*.md"))

EDITS = st.one_of(
    st.tuples(st.just("body"), st.sampled_from(ARTICLES), st.text("abc XYZ", min_size=1, max_size=12)),
    st.tuples(st.just("title"), st.sampled_from(ARTICLES), st.text("abcdef ", min_size=3, max_size=12)),
    st.tuples(st.just("tags"), st.sampled_from(ARTICLES), st.sampled_from(["[NATO]", "[Taiwan, Chile]", "[New Tag]"])),
    st.tuples(st.just("date"), st.sampled_from(ARTICLES), st.sampled_from(["2022-04-27", "2022-04-30T10:00"])),
    st.tuples(st.just("delete"), st.sampled_from(ARTICLES), st.just("")),
    st.tuples(st.just("add"), st.sampled_from(["2022-04-28", "2022-04-30"]), st.text("abc", min_size=1, max_size=6)),
    st.tuples(st.just("template"), st.just("templates/day.html"), st.text("xyz", min_size=1, max_size=5)),
)


def apply(root: Path, edit: tuple[str, str, str]) -> None:
    kind, name, value = edit
    path = root / name
    if kind == "add":
        target = root / f"content/added/{name}-{abs(hash(value)) % 1000}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\ntitle: Added {value}\ndate: {name}\ntags: [NATO, {value}]\n---\nNew {value}.\n")
        return
    if kind == "template":
        path.parent.mkdir(exist_ok=True)
        if not path.exists():
            shutil.copy(Path(__file__).resolve().parent.parent / "templates/day.html", path)
        path.write_text(path.read_text() + f"{{# {value} #}}\n<!-- {value} -->\n")
        return
    if not path.exists():
        return
    if kind == "delete":
        path.unlink()
        return
    lines = path.read_text().split("\n")
    fields = {"title": "title: ", "tags": "tags: ", "date": "date: "}
    if kind == "body":
        lines.append(f"Added text {value}.")
    else:
        lines = [f"{fields[kind]}{value}" if line.startswith(fields[kind]) else line for line in lines]
    path.write_text("\n".join(lines))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDITS, min_size=1, max_size=6))
def test_incremental_builds_equal_clean_builds(tmp_path_factory, edits) -> None:
    work = tmp_path_factory.mktemp("inc")
    root = work / "site"
    shutil.copytree(FIXTURES / "site", root)
    config = load_config(root)
    now = parse_when(FIXTURE_NOW, config.zone)
    assert now is not None
    store = Store(config.cache_dir)  # kept across builds, as watch mode and the disk cache do
    build(config, BuildOptions(out_dir=root / "public", now=now), store)
    for edit in edits:
        apply(root, edit)
        config = load_config(root)
        try:
            build(config, BuildOptions(out_dir=root / "public", now=now), store)
        except Exception:
            continue  # an edit may make the site invalid (two tags with one URL); the next may fix it
    fresh = work / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("public", ".briefing-cache"))
    fresh_config = load_config(fresh)
    try:
        build(fresh_config, BuildOptions(out_dir=fresh / "public", now=now))
    except Exception:
        return
    build(config, BuildOptions(out_dir=root / "public", now=now), store)
    incremental = {k: v[0] for k, v in snapshot(root / "public").items()}
    clean = {k: v[0] for k, v in snapshot(fresh / "public").items()}
    assert incremental.keys() == clean.keys()
    for name in clean:
        assert incremental[name] == clean[name], name


def test_a_no_change_rebuild_renders_nothing(fixture_site: Path) -> None:
    config = load_config(fixture_site)
    now = parse_when(FIXTURE_NOW, config.zone)
    assert now is not None
    options = BuildOptions(out_dir=fixture_site / "public", now=now)
    first = build(config, options)
    assert first.rendered == first.pages and first.written > 0
    again = build(config, options)
    assert (again.rendered, again.written, again.deleted) == (0, 0, 0)
    assert again.pages == first.pages
    article = fixture_site / "content/2022/04/28/grain.md"
    article.write_text(article.read_text())  # touched, same bytes: its stamp changes, nothing else
    touched = build(config, options)
    assert touched.written == 0 and touched.articles_read == 1
