"""Offline replica of Thanh Hóa's "Tân Dân" district portals, served over HTTP on 127.0.0.1.

``build_portal(seed, articles, districts)`` builds the deterministic model;
``ReplicaServer(portal, port=0, faults=False, fault_seed=0, slow_seconds=3.0)`` serves it in a
thread; ``replica_process(...)`` serves it from a subprocess; ``portal.manifest(base_url)``
is the answer key (see ``manifest.py``).
"""

from .model import Portal, build_portal
from .server import ReplicaProcess, ReplicaServer, replica_process

__all__ = ["Portal", "build_portal", "ReplicaServer", "ReplicaProcess", "replica_process"]
