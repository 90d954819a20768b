"""Command line: `briefing [--site DIR] COMMAND`. The only place that turns errors into exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .builder import BuildOptions, BuildReport, build
from .config import SiteConfig, load_config, shown_path
from .content import parse_when
from .errors import BriefingError, UsageError
from .state.cache import Store
from .state.manifest import manifest_path

if TYPE_CHECKING:
    from .ingest import IngestReport

log = logging.getLogger("briefing")


def run() -> NoReturn:
    """The command-line entry point: main(), then exit without tearing the interpreter down.
    Freeing the objects of a 10,000-article build one by one took half a second, a third of a
    one-article rebuild; everything that matters is written and flushed by then."""
    status = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status (0 fine, 1 rejected input, 2 bad usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    for name, default in (("site", Path(".")), ("verbose", False), ("debug", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    # `-v` is briefing's own detail (each stage of a build, its time and memory); a library's
    # debug lines (watchdog logs every inotify event) stay out of it
    logging.basicConfig(format="%(message)s", level=logging.INFO, stream=sys.stderr)
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return int(args.run(args) or 0)
    except BriefingError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    except UsageError as exc:
        parser.error(str(exc))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--site", type=Path, default=argparse.SUPPRESS, help="the site folder (default: .)")
    common.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS, help="say more")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    parser = argparse.ArgumentParser(
        prog="briefing", description="Static site generator for news briefings.", parents=[common]
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    building = argparse.ArgumentParser(add_help=False)
    building.add_argument("--out", type=Path, help="output folder (default: public/ in the site)")
    building.add_argument("--base-url", help="override base_url from site.toml")
    building.add_argument("--now", help="build as if it were this date or time (default: now)")
    building.add_argument("--drafts", action="store_true", help="include drafts")
    building.add_argument("--strict", action="store_true", help="fail on warnings such as broken links")
    building.add_argument(
        "--overwrite", action="store_true", help="write into a non-empty output folder that briefing did not make"
    )

    cmd = commands.add_parser("build", parents=[common, building], help="build the site")
    cmd.set_defaults(run=_build)

    cmd = commands.add_parser("serve", parents=[common, building], help="build, watch and serve with live reload")
    cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    cmd.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    cmd.set_defaults(run=_serve)

    cmd = commands.add_parser("watch", parents=[common, building], help="build, then rebuild on every change")
    cmd.set_defaults(run=_watch)

    cmd = commands.add_parser("ingest", parents=[common], help="turn wire copy (files or folders) into articles")
    cmd.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    cmd.add_argument("--dry-run", action="store_true", help="say what each item would become; write nothing")
    cmd.add_argument("--validate", action="store_true", help="check agency items against the IPTC schemas first")
    cmd.add_argument(
        "--schemas",
        type=Path,
        metavar="DIR",
        help="the IPTC schemas (default: BRIEFING_WIRE_FORMATS, else a shared/wire-formats folder above the site)",
    )
    cmd.set_defaults(run=_ingest)

    cmd = commands.add_parser("publish", parents=[common, building], help="build strictly, commit to a branch, push")
    cmd.add_argument("--remote", help="URL or path of another repository (default: this one, pushed to origin)")
    cmd.add_argument("--branch", default="gh-pages", help="branch to publish to (default: gh-pages)")
    cmd.add_argument("--no-push", dest="push", action="store_false", help="commit, but do not push")
    cmd.add_argument("--dry-run", action="store_true", help="say what would change, commit nothing")
    cmd.add_argument("--force", action="store_true", help="publish onto a branch with commits of others")
    cmd.set_defaults(run=_publish)

    cmd = commands.add_parser(
        "newsletter", parents=[common, building], help="build, then write, show or send the day's email edition"
    )
    cmd.add_argument("--date", help="the edition's day, YYYY-MM-DD (default: the latest edition)")
    cmd.add_argument("--to-folder", type=Path, metavar="DIR", help="copy newsletter.html and .txt into DIR")
    cmd.add_argument("--eml", type=Path, metavar="FILE", help="write the edition as a MIME message (.eml)")
    cmd.add_argument("--send", action="store_true", help="send it through SMTP (see --to, --to-list)")
    cmd.add_argument("--to", metavar="ADDRESS", help="the one address to send to (a test send)")
    cmd.add_argument("--to-list", type=Path, metavar="FILE", help="a file of addresses, one per line")
    cmd.add_argument("--smtp-host", help="SMTP server (default: [newsletter] smtp_host)")
    cmd.add_argument("--smtp-port", type=int, help="SMTP port (default: [newsletter] smtp_port)")
    cmd.add_argument("--smtp-security", choices=["starttls", "tls", "none"], help="default: [newsletter] smtp_security")
    cmd.add_argument("--force", action="store_true", help="send to addresses this edition already went to")
    cmd.add_argument("--dry-run", action="store_true", help="say what would be sent to whom; send nothing")
    cmd.set_defaults(run=_newsletter)

    cmd = commands.add_parser("new", parents=[common], help="scaffold a new site in DIR")
    cmd.add_argument("dir", type=Path)
    cmd.set_defaults(run=_new)
    return parser


def site_config(args: argparse.Namespace, **overrides: Any) -> SiteConfig:
    """The site's configuration with command-line overrides applied."""
    if getattr(args, "base_url", None):
        overrides["base_url"] = args.base_url
    return load_config(args.site, overrides)


def build_options(args: argparse.Namespace, config: SiteConfig) -> BuildOptions:
    """BuildOptions from the command line."""
    now = datetime.now(config.zone)
    if args.now:
        parsed = parse_when(args.now, config.zone)
        if parsed is None:
            raise UsageError(f"--now {args.now!r} is not a date or time (write 2022-04-29 or 2022-04-29T08:00)")
        now = parsed
    out = args.out if args.out else config.root / "public"
    return BuildOptions(
        out_dir=out.resolve(), now=now, drafts=args.drafts, strict=args.strict, overwrite=args.overwrite
    )


def print_report(report: BuildReport) -> None:
    """Warnings, the summary line, and when the next scheduled article falls due."""
    for problem in report.warnings:
        print(f"warning: {problem}", file=sys.stderr)
    print(report.summary())
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if report.next_due is not None:
        when, path = report.next_due
        print(f"next scheduled article due {when.isoformat()}: {path}")


def print_ingest(report: IngestReport) -> int:
    """One line per wire item; 1 if any was rejected."""
    for is_problem, line in report.lines():
        print(line, file=sys.stderr if is_problem else sys.stdout)
    return 1 if report.rejected else 0


def ingest_inbox(config: SiteConfig) -> int:
    """Ingest inbox/ when the site has one; rejects are reported, not fatal."""
    if not config.inbox_dir.is_dir():
        return 0
    from .ingest import ingest

    report = ingest(config, [config.inbox_dir])
    report.unchanged.clear()  # the inbox is read on every build: say only what changed
    return print_ingest(report)


def _build(args: argparse.Namespace) -> int:
    config = site_config(args)
    options = build_options(args, config)
    status = ingest_inbox(config)
    print_report(build(config, options))
    return status


def _publish(args: argparse.Namespace) -> int:
    from .publish import PublishOptions, publish

    args.strict = True
    config = site_config(args)
    options = build_options(args, config)
    # A rejected inbox item never holds back the edition: it is listed, left in inbox/, and
    # makes the exit status 1 once everything good is published.
    status = ingest_inbox(config)
    print_report(build(config, options))
    report = publish(
        config,
        options.out_dir,
        PublishOptions(branch=args.branch, remote=args.remote, push=args.push, dry_run=args.dry_run, force=args.force),
    )
    for kind, path in report.changes:
        print(f"{ {'A': 'added', 'M': 'changed', 'D': 'deleted'}.get(kind, kind) } {path}")
    print(report.message)
    return status


def _newsletter(args: argparse.Namespace) -> int:
    import shutil
    from datetime import date

    from . import newsletter

    day = None
    if args.date:
        try:
            day = date.fromisoformat(args.date)
        except ValueError:
            raise UsageError(f"--date {args.date!r} is not a day (write 2022-04-29)") from None
    if args.send and not (args.to or args.to_list):
        raise UsageError("--send needs --to ADDRESS or --to-list FILE")
    args.drafts = False  # a newsletter never carries a draft
    config = site_config(args)
    options = build_options(args, config)
    print_report(build(config, options))
    edition = newsletter.find_edition(options.out_dir, day)
    size = len(edition.html.encode("utf-8"))
    if size > newsletter.GMAIL_CLIPS:
        print(f"warning: {shown_path(edition.html_file)}: {size:,} bytes; Gmail clips past 102 KB", file=sys.stderr)
    print(f"subject: {edition.subject(config)}")
    files = [edition.html_file, edition.text_file]
    if args.to_folder:
        args.to_folder.mkdir(parents=True, exist_ok=True)
        files = [Path(shutil.copy2(f, args.to_folder / f.name)) for f in files]
    for path in files:
        print(shown_path(path))
    if args.eml:
        mail = newsletter.message(config, edition, args.to or config.newsletter.from_address, options.now)
        args.eml.write_bytes(mail.as_bytes())
        print(f"wrote {shown_path(args.eml)}")
    if not args.send:
        return 0
    addresses = [args.to] if args.to else newsletter.recipients(args.to_list)
    record = newsletter.SentRecord(config)
    done = set() if args.force or args.to else record.of(edition.day)
    due = [a for a in addresses if a.lower() not in done]
    if addresses and not due:
        raise BriefingError.one(
            shown_path(args.to_list),
            None,
            f"the edition of {edition.day.isoformat()} already went to every address on this list",
            "pass --force to send it again",
        )
    settings = config.newsletter
    server = newsletter.Server(
        args.smtp_host or settings.smtp_host,
        args.smtp_port or settings.smtp_port,
        args.smtp_security or settings.smtp_security,
    )
    skipped = len(addresses) - len(due)
    if args.dry_run:
        for address in due:
            print(f"would send to {address}")
        print(f"would send {len(due)} via {server.host}:{server.port} ({skipped} already sent)")
        return 0
    sent = 0
    for address in newsletter.send(config, edition, due, server, options.now, record):
        sent += 1
        print(f"sent to {address}")
    print(f"sent {sent} via {server.host}:{server.port}" + (f" ({skipped} already sent, skipped)" if skipped else ""))
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from .ingest import ingest

    config = site_config(args)
    schemas = None
    if args.validate:
        from .validate import schema_folder

        schemas = args.schemas or schema_folder(config.root)
        if schemas is None:
            raise UsageError("--validate needs the IPTC schemas: --schemas DIR, or BRIEFING_WIRE_FORMATS")
    return print_ingest(ingest(config, args.paths, dry_run=args.dry_run, schemas=schemas))


class Rebuilder:
    """One build after another in a long-running process (watch, serve): caches kept between
    builds, the config re-read each time, errors printed and returned, never raised."""

    def __init__(self, args: argparse.Namespace, commit_lock: AbstractContextManager[object] | None = None) -> None:
        self.args = args
        self.store: Store | None = None
        self.first = True
        self.builds = 0
        self._indexer: threading.Timer | None = None
        self.commit_lock = commit_lock
        self.overrides: dict[str, Any] = {}

    def __call__(self, changed: Iterable[str] = ()) -> tuple[str | None, list[str]]:
        """Ingest the inbox and build; (error text or None, changed output files)."""
        problems: list[str] = []
        changed_files: list[str] = []
        # The first build walks content/, and so does the second: the watcher started after the
        # first walk. Later builds stamp only the paths the file events named.
        self.builds += 1
        events: list[str] | None = list(changed) if self.builds > 2 else None
        try:
            config = site_config(self.args, **self.overrides)
            if config.inbox_dir.is_dir():
                from .ingest import ingest

                report = ingest(config, [config.inbox_dir])
                report.unchanged.clear()
                print_ingest(report)
                problems += [f"{path}: {why}" for path, why in report.rejected]
                if report.written:
                    events = None  # new articles no event has named yet: walk content/ again
            if self.store is None:
                self.store = Store(config.cache_dir)
            # Later builds run beside the watcher's and server's threads: no forked workers; and
            # the search index follows a moment later in the background, not before the reload.
            options = replace(build_options(self.args, config), parallel=self.first, index=self.first)
            self.first = False
            result = build(config, options, self.store, self.commit_lock, events)
            if config.search and result.shards:
                manifest_file = manifest_path(config.cache_dir, options.out_dir)
                self._index_later(options.out_dir, dict(result.shards), manifest_file)
            print_report(result)
            changed_files = list(result.changed_files)
        except BriefingError as exc:
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            problems += [str(p) for p in exc.problems]
        return ("\n".join(problems) or None), changed_files

    def _index_later(self, out_dir: Path, shards: dict[str, str], manifest_file: Path, delay: float = 1.0) -> None:
        """Bring the search index up to date once rebuilds have stopped for `delay` seconds."""
        from .search import index_site, lock_file

        if self._indexer is not None:
            self._indexer.cancel()
        self._indexer = threading.Timer(delay, index_site, args=(out_dir, shards, lock_file(manifest_file)))
        self._indexer.daemon = True
        self._indexer.start()


def _interruptible() -> None:
    """Ctrl-C and SIGTERM stop watch and serve even when started with SIGINT ignored (as a
    background job of a script is)."""
    import signal

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def _watch(args: argparse.Namespace) -> int:
    from .watch import watch_loop

    _interruptible()
    rebuild = Rebuilder(args)
    status = 1 if rebuild()[0] else 0
    print(f"watching {shown_path(args.site)} for changes (Ctrl-C to stop)", flush=True)
    stop = threading.Event()
    try:
        watch_loop(args.site, rebuild, stop)
    except KeyboardInterrupt:
        stop.set()
        print("stopped")
    return status


def _serve(args: argparse.Namespace) -> int:
    from .server import LiveState, make_server
    from .watch import watch_loop

    _interruptible()
    probe = site_config(args)
    if args.out is None:
        args.out = probe.cache_dir / "serve"
    live = LiveState()
    rebuild = Rebuilder(args, commit_lock=live.lock)
    server = make_server(args.out.resolve(), args.host, args.port, probe.base_path, live)
    base_url = f"http://{_url_host(args.host)}:{server.server_address[1]}{probe.base_path}"
    rebuild.overrides["base_url"] = base_url

    def publish(paths: Iterable[str] = ()) -> None:
        error, files = rebuild(paths)
        live.publish(error, [_file_url(probe.base_path, name) for name in files])

    publish()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving {shown_path(args.out)} at {base_url} (Ctrl-C to stop)", flush=True)
    stop = threading.Event()
    try:
        watch_loop(args.site, publish, stop)
    except KeyboardInterrupt:
        print("stopped")
    finally:
        stop.set()
        live.close()
        server.shutdown()
        server.server_close()
    return 0


def _file_url(base_path: str, name: str) -> str:
    """The URL of an output file: 'a/b/index.html' is '/base/a/b/'."""
    return base_path + (name.removesuffix("index.html") if name.endswith("index.html") else name)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _new(args: argparse.Namespace) -> int:
    from .scaffold import scaffold

    target: Path = args.dir
    scaffold(target)
    print(f"created a new site in {shown_path(target)}; build it with: briefing --site {target} build")
    return 0
