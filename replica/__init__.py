"""Offline replica of Thanh Hóa's "Tân Dân" district portals: an HTTP proxy on 127.0.0.1
that answers for the portals' real host names (``http://muonglat.thanhhoa.gov.vn/…``).

``build_portal(seed, articles, districts)`` builds the deterministic model;
``ReplicaServer(portal, port=0, faults=False, fault_seed=0, slow_seconds=3.0)`` serves it in a
thread; ``replica_process(...)`` serves it from a subprocess; ``build_manifest(portal, base_url)``
is the answer key (see ``manifest.py``); ``render`` gives any page's bytes in-process.

The package stands alone: it imports nothing from ``crawler`` or ``pipelines`` (its portals
are described in ``sites.py``), and the crawler meets it only over HTTP.
"""

from . import render
from .manifest import build_manifest
from .model import Portal, build_portal
from .server import ReplicaProcess, ReplicaServer, replica_process

__all__ = ["Portal", "build_manifest", "build_portal", "render", "ReplicaServer", "ReplicaProcess", "replica_process"]
