"""CLI of the demo outlets: ``serve`` one on 127.0.0.1, or print its ground ``truth`` as JSONL.

``--outlet dada`` (default: 뉴스21 통신, 다다미디어 CMS), ``--outlet ndsoft`` (한빛일보, NDSoft
CMS, EUC-KR pages), ``--outlet nurinews`` (누리신문, 다다미디어 CMS) or ``--outlet jscms``
(바다일보, lists built by JavaScript, see ``demo.jscms``); one server process
serves one outlet. ``serve`` prints exactly one line, ``demo serving http://HOST:PORT
(size=N)`` (``size=N, outlet=KEY`` for the other outlets),
once the socket listens (tests parse it to learn the port chosen for ``--port 0``), then
serves until SIGTERM/SIGINT and exits 0. ``--epoch N`` serves (or writes the truth of) the
site after N epochs of news, edits and deletions (``, epoch=N`` ends the line then);
``GET|POST /__demo/advance`` moves a running server to the next epoch.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from demo.outlets import DEFAULT_OUTLET, OUTLETS
from demo.server import make_server

DEFAULT_BASE_URL = "http://127.0.0.1:8021"


def _site_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=int, default=80,
                        help="number of articles (min 60; default: %(default)s)")
    parser.add_argument("--seed", type=int, default=21, help="content seed (default: %(default)s)")
    parser.add_argument("--epoch", type=int, default=0,
                        help="start at this epoch: each adds 3 articles, edits 1 and deletes 1 (default: %(default)s)")
    parser.add_argument("--outlet", choices=sorted(OUTLETS), default=DEFAULT_OUTLET,
                        help="dada: 뉴스21 통신 (다다미디어 CMS), idx 1001..1000+SIZE; ndsoft: 한빛일보 (NDSoft CMS, "
                             "EUC-KR pages), idxno 21001..20000+SIZE; nurinews: 누리신문 (다다미디어 CMS), "
                             "idx 31001..30000+SIZE; jscms: 바다일보 (lists built by JavaScript), id 41001..40000+SIZE "
                             "(default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description="Deterministic offline news sites: 뉴스21 통신 and 누리신문 (다다미디어 CMS markup), "
                    "한빛일보 (NDSoft), 바다일보 (JavaScript-built lists).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the demo site over HTTP until SIGTERM/SIGINT")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8021, help="port; 0 picks a free one (default: %(default)s)")
    _site_args(serve)
    serve.add_argument("--verbose", action="store_true", help="log every request to stderr")

    # Parsed by demo.run itself (main() hands it the remaining arguments); listed here for --help.
    sub.add_parser("run", add_help=False, help="serve, crawl with scrapy and compare the feeds with the truth "
                   "(see: run --help)")

    truth = sub.add_parser("truth", help="write the expected crawl result, one JSON record per article")
    _site_args(truth)
    truth.add_argument("--base-url", default=DEFAULT_BASE_URL,
                       help="base URL the crawler will use; prefixes canonical and image URLs (default: %(default)s)")
    truth.add_argument("-o", "--output", metavar="FILE", help="output file (default: stdout)")
    return parser


def cmd_serve(args: argparse.Namespace) -> int:
    server = make_server(OUTLETS[args.outlet].make_site(args.size, args.seed, epoch=args.epoch), args.host,
                         args.port, verbose=args.verbose)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() blocks until serve_forever returns, so it must not run on the serving thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    outlet = "" if args.outlet == DEFAULT_OUTLET else f", outlet={args.outlet}"
    epoch = f", epoch={args.epoch}" if args.epoch else ""
    print(f"demo serving {server.base_url} (size={args.size}{outlet}{epoch})", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


def cmd_truth(args: argparse.Namespace) -> int:
    site = OUTLETS[args.outlet].make_site(args.size, args.seed, epoch=args.epoch)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        for record in site.truth(args.base_url):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:  # `make demo`: owned by demo.run, which has its own options
        from demo import run

        return run.main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return cmd_serve(args) if args.command == "serve" else cmd_truth(args)
    except ValueError as exc:  # e.g. --size below the minimum
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
