"""Command line of the replica: ``python -m replica`` / ``portal-news replica``."""

from __future__ import annotations

import argparse
import errno
import json
import signal
import sys
import threading


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free port)")
    parser.add_argument("--articles", type=int, default=200, help="number of articles (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="model seed (default 1)")
    parser.add_argument("--districts", default=None, help="comma-separated district slugs")
    parser.add_argument("--revision", type=int, default=0, help="later state of the portal: >0 edits a tenth of the articles")
    parser.add_argument("--faults", action="store_true", help="inject transient and permanent failures")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault plan")
    parser.add_argument("--slow-seconds", type=float, default=3.0, help="delay of 'slow' faults")
    parser.add_argument("--manifest", default=None, metavar="FILE", help="write the manifest JSON here, then serve")
    return parser


def run(args: argparse.Namespace) -> int:
    """Build the model, start the server, print ``READY <base_url>``, serve until SIGINT/SIGTERM."""
    from .model import build_portal
    from .server import ReplicaServer
    from .sites import UnknownPortal

    try:
        portal = build_portal(seed=args.seed, articles=args.articles, districts=args.districts,
                              revision=getattr(args, "revision", 0))
    except UnknownPortal as exc:
        print(f"replica: {exc}", file=sys.stderr)
        return 2
    try:
        server = ReplicaServer(portal, port=args.port, faults=args.faults, fault_seed=args.fault_seed,
                               slow_seconds=args.slow_seconds)
    except OSError as exc:  # the port is taken, or not ours to take: a user error, one line
        why = "in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        print(f"replica: cannot listen on 127.0.0.1:{args.port}: {why}", file=sys.stderr)
        return 2
    done = threading.Event()

    def _stop(signum, frame):
        done.set()

    old = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if args.manifest:
            with open(args.manifest, "w", encoding="utf-8") as f:
                json.dump(server.manifest(), f, ensure_ascii=False)
        print(f"READY {server.base_url}", flush=True)
        example = portal.districts[0].url(portal.districts[0].home_path()) if portal.districts else "http://HOST/"
        print(f"replica: HTTP proxy for {', '.join(server.hosts())} (e.g. curl -x {server.base_url} {example}); "
              f"manifest at {server.base_url}/_manifest.json, fake Wayback Machine at {server.base_url}/wayback",
              file=sys.stderr, flush=True)
        while not done.wait(0.5):
            pass
    finally:
        server.stop()
        for s, h in old.items():
            signal.signal(s, h)
    return 0


def main(argv=None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="python -m replica",
                                                   description="Offline replica of Thanh Hóa district portals"))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
