"""A shared frontier in Redis: any number of crawl processes, on one machine or many, work
as the workers of one job (``portal-news crawl … --frontier redis://:PASSWORD@HOST:PORT/DB``,
or ``scrapy crawl portal -s REDIS_URL=…``).

Built on scrapy-redis 0.9.1 (its scheduler, priority queue and duplicate filter, subclassed
here; the package itself is pinned and not patched): it predates Scrapy 2.13's ``start()``
and knows nothing of workers that die, so what it lacks is added here, in the open.

Keys, all under ``portal-news:<job>:`` (one prefix per job):

``requests``     sorted set: the shared queue (scrapy-redis's PriorityQueue: pickled request dicts)
``dupefilter``   set: fingerprints of every request ever queued in the job (scrapy-redis's)
``inflight:<run>``  hash: the requests a worker popped and has not finished (member → score)
``workers``      set: run ids of the job's registered workers
``lease:<run>``  a worker's lease (PX ``FRONTIER_LEASE``), renewed by a heartbeat thread
``claims``       hash: canonical article URL → run id of the worker that stores it

The reliable queue (scrapy-redis pops a request and forgets it; a worker killed then loses it):

* a pop moves the request from ``requests`` into the worker's ``inflight`` hash in one
  Lua script, so it is never only in the worker's memory;
* it leaves ``inflight`` (an *ack*) only once its callback has run, what it yielded is
  queued in Redis or handed to the run, and the rows it produced are **committed** to the
  dataset (:meth:`RunLedger.when_stored`); a retry or redirect that replaces it is pushed
  and the old one acked in one script;
* every second each worker looks for dead workers: no lease, or a ``.worker-<run>`` file
  under the output root that is no longer locked (the kernel dropped the lock with the
  process). The first to see one finishes or discards that worker's half-committed batches
  (:meth:`RootLock.recover_dead`) and then moves its ``inflight`` back to ``requests``;
* so a request can come back after its article was stored (a worker killed between its
  commit and its ack), and two URLs of one article can be fetched by two workers: before a
  worker stores an article it *claims* its canonical URL in ``claims``. A claim held by a
  live worker means "already stored or being stored" (the fetch is counted as unchanged); a
  claim of a dead worker is taken over unless that worker's committed files hold the
  article. Every reachable article is stored exactly once.

A worker ends by itself once the queue is empty and no worker has anything in flight for
``FRONTIER_IDLE_CLOSE`` seconds (30). The queue and filter survive any one worker: the last
worker to leave a finished job deletes the job's keys (a job left unfinished keeps them, for
workers started later to resume, and every key has a TTL of ``FRONTIER_TTL``, a day, renewed
while any worker lives). Redis holds pickled requests: it must be private and trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
import zlib
from urllib.parse import urlsplit, urlunsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.run import RunOwner, close_spider

logger = logging.getLogger(__name__)

KEY_PREFIX = "portal-news"
ID_KEY = "frontier_id"          # request.meta: the worker-local id of a popped request
DEFAULT_IDLE_CLOSE = 30.0
DEFAULT_LEASE = 30.0
DEFAULT_TTL = 86400
DEFAULT_PREFETCH = 16


class FrontierError(RuntimeError):
    """The frontier cannot be used (bad URL, Redis unreachable, wrong password): one line."""


def check_frontier_url(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in ("redis", "rediss", "unix") or (parts.scheme != "unix" and not parts.hostname):
        raise FrontierError(f"--frontier {redact(url)}: expected redis://[:PASSWORD@]HOST:PORT/DB")
    try:
        parts.port
    except ValueError:
        raise FrontierError(f"--frontier {redact(url)}: bad port") from None
    return url


def redact(url: str) -> str:
    """The URL without its password (for logs and ``runs/``)."""
    parts = urlsplit(url or "")
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = (f"{parts.username}:***@" if parts.username else ":***@") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def connect(url: str, timeout: float = 5.0):
    """A client of the frontier's Redis, checked with a PING. Raises :class:`FrontierError`
    with one line when it is unreachable or refuses the password."""
    import redis

    check_frontier_url(url)
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=max(timeout, 30.0),
                                  health_check_interval=30)
    try:
        client.ping()
    except redis.exceptions.AuthenticationError as exc:
        raise FrontierError(f"Redis at {redact(url)} refused the password ({exc})") from None
    except redis.exceptions.ResponseError as exc:
        if "NOAUTH" in str(exc) or "WRONGPASS" in str(exc) or "AUTH" in str(exc):
            raise FrontierError(f"Redis at {redact(url)} needs a password: redis://:PASSWORD@HOST:PORT/DB") from None
        raise FrontierError(f"Redis at {redact(url)}: {exc}") from None
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        raise FrontierError(f"Redis at {redact(url)} is unreachable ({str(exc).splitlines()[0][:160]})") from None
    return client


def default_job_id(spider) -> str:
    """A job name from what the spider was asked to crawl: workers started with the same
    command (same sites or start URLs, source, --full) join the same job."""
    what = {"urls": sorted(u for u, _ in getattr(spider, "start_listing_urls", [])),
            "source": getattr(spider, "source_arg", "live"), "full": bool(getattr(spider, "full", False))}
    return f"{spider.name}-" + hashlib.sha1(json.dumps(what, sort_keys=True).encode()).hexdigest()[:10]


class FrontierAddon:
    """Turns the frontier on when ``REDIS_URL`` is set (``ADDONS`` in crawler/settings.py):
    our scheduler (never wiping the queue: ``SCHEDULER_PERSIST`` true), the spider middleware
    that acks finished requests, one item at a time per response (acks rely on it)."""

    def update_settings(self, settings):
        if not settings.get("REDIS_URL"):
            return
        settings.set("SCHEDULER", "crawler.frontier.FrontierScheduler", "addon")
        settings.set("SCHEDULER_PERSIST", True, "addon")
        settings.set("CONCURRENT_ITEMS", 1, "addon")
        mws = dict(settings.getdict("SPIDER_MIDDLEWARES"))
        mws["crawler.frontier.FrontierSpiderMiddleware"] = 1
        settings.set("SPIDER_MIDDLEWARES", mws, "addon")


# --- Lua: each a single atomic step -----------------------------------------------------------
POP = """
local r = redis.call('ZPOPMIN', KEYS[1])
if r[1] == nil then return false end
redis.call('HSET', KEYS[2], r[1], r[2])
return r[1]
"""
# KEYS queue, dupefilter, inflight; ARGV score, member, fingerprint ('' = dont_filter), replaced ('' = none)
PUSH = """
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
if ARGV[3] ~= '' and redis.call('SADD', KEYS[2], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1
"""
# KEYS queue, inflight of the dead, workers, lease of the dead; ARGV run id
REQUEUE = """
if redis.call('SREM', KEYS[3], ARGV[1]) == 0 then return -1 end
local items = redis.call('HGETALL', KEYS[2])
for i = 1, #items, 2 do redis.call('ZADD', KEYS[1], items[i + 1], items[i]) end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
return #items / 2
"""
# KEYS queue, workers; ARGV inflight prefix → queued + in flight anywhere
PENDING = """
local n = redis.call('ZCARD', KEYS[1])
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do n = n + redis.call('HLEN', ARGV[1] .. w) end
return n
"""
# KEYS workers, lease, plus every job key (TTL); ARGV run id, lease ms, ttl s
HEARTBEAT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
for i = 3, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return 1
"""
# KEYS claims, workers; ARGV canonical url, run id, lease prefix
CLAIM = """
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if not owner then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 'ok' end
if owner == ARGV[2] then return 'ok' end
if redis.call('SISMEMBER', KEYS[2], owner) == 1 then
  if redis.call('EXISTS', ARGV[3] .. owner) == 1 then return 'live' end
  return 'reap:' .. owner
end
return 'dead:' .. owner
"""
TAKEOVER = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end
return 0
"""
# KEYS queue, inflight, workers, lease, dupefilter, claims, info; ARGV run id
LEAVE = """
local items = redis.call('HGETALL', KEYS[2])
for i = 1, #items, 2 do redis.call('ZADD', KEYS[1], items[i + 1], items[i]) end
redis.call('DEL', KEYS[2], KEYS[4])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[7], ARGV[1])
if redis.call('SCARD', KEYS[3]) == 0 and redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[3], KEYS[5], KEYS[6], KEYS[7])
  return 'cleaned'
end
return 'left'
"""


class Keys:
    def __init__(self, prefix: str, job: str):
        self.base = f"{prefix}:{job}:"
        self.requests = self.base + "requests"
        self.dupefilter = self.base + "dupefilter"
        self.workers = self.base + "workers"
        self.claims = self.base + "claims"
        self.info = self.base + "info"
        self.inflight_prefix = self.base + "inflight:"
        self.lease_prefix = self.base + "lease:"

    def inflight(self, run_id: str) -> str:
        return self.inflight_prefix + run_id

    def lease(self, run_id: str) -> str:
        return self.lease_prefix + run_id


class JobDupeFilter(RFPDupeFilter):
    """scrapy-redis's filter under the job's key; never cleared by a worker that closes."""

    def close(self, reason=""):
        pass


class ReliableQueue(PriorityQueue):
    """scrapy-redis's priority queue, with pops into the worker's in-flight hash and pushes
    that also filter duplicates and ack a replaced request, each in one Lua script."""

    def __init__(self, server, spider, keys: Keys, run_id: str, serializer=None):
        super().__init__(server, spider, keys.requests, serializer)
        self.keys = keys
        self.run_id = run_id
        self._pop = server.register_script(POP)
        self._push = server.register_script(PUSH)

    def push(self, request, fingerprint: str = "", replaced: bytes = b"") -> bool:
        data = self._encode_request(request)
        # within one priority, a sorted set orders members by their bytes: by URL, so by host.
        # A fraction from the URL's hash spreads the hosts, so the few requests a worker holds
        # (FRONTIER_PREFETCH) go to many hosts at once, as in a polite crawl they must
        score = -request.priority + (zlib.crc32(request.url.encode("utf-8")) % 1_000_000) / 10_000_000
        return bool(self._push(keys=[self.key, self.keys.dupefilter, self.keys.inflight(self.run_id)],
                               args=[score, data, fingerprint, replaced]))

    def pop_member(self) -> bytes | None:
        return self._pop(keys=[self.key, self.keys.inflight(self.run_id)])


class FrontierScheduler(Scheduler):
    """The scheduler of a worker of a shared job (see the module docstring)."""

    def __init__(self, server, crawler, url: str):
        super().__init__(server, persist=True, idle_before_close=0)
        self.crawler = crawler
        self.stats = crawler.stats
        self.url = url
        settings = crawler.settings
        self.idle_close = settings.getfloat("FRONTIER_IDLE_CLOSE", DEFAULT_IDLE_CLOSE)
        self.lease = settings.getfloat("FRONTIER_LEASE", DEFAULT_LEASE)
        self.ttl = settings.getint("FRONTIER_TTL", DEFAULT_TTL)
        # requests a worker holds at once (downloading, or waiting for their host's delay):
        # a worker that took all it could would keep the others idle in a polite crawl
        self.prefetch = max(1, settings.getint("FRONTIER_PREFETCH", DEFAULT_PREFETCH))
        self.prefix = settings.get("FRONTIER_KEY_PREFIX") or KEY_PREFIX
        self.job: str | None = None
        self.keys: Keys | None = None
        self.registered = False
        self.closing = False
        self.active: dict[str, bytes] = {}        # local id → member in our in-flight hash
        self._idle_since: float | None = None
        self._loop = None
        self._beat_stop = threading.Event()
        self._beat: threading.Thread | None = None
        self._lost = False
        self._stored_by: dict[str, set[str]] = {}   # dead run id → canonical URLs in its files
        self._not_reaped: set[str] = set()
        self.requeued = 0

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("REDIS_URL")
        try:
            server = connect(url)
        except FrontierError as exc:
            crawler.stats.set_value("portal/frontier_error", str(exc))
            raise
        sched = cls(server, crawler, url)
        # after RunOwner's handler (connected first): the run's last rows are committed and
        # acked before this worker leaves the job
        crawler.signals.connect(sched._spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(sched._spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(sched._request_scheduled, signal=signals.request_scheduled)
        return sched

    @property
    def owner(self) -> RunOwner:
        return RunOwner.of(self.crawler)

    @property
    def run_id(self) -> str:
        return self.owner.run_id

    def open(self, spider):
        self.spider = spider
        self.job = self.crawler.settings.get("JOB_ID") or default_job_id(spider)
        self.keys = Keys(self.prefix, self.job)
        self.queue = ReliableQueue(self.server, spider, self.keys, self.run_id)
        self.df = JobDupeFilter(self.server, key=self.keys.dupefilter,
                                debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG"))
        ledger = self.owner.ledger
        ledger.job_id = self.job
        ledger.claim = self.claim
        self._claim = self.server.register_script(CLAIM)
        self._takeover = self.server.register_script(TAKEOVER)
        self._requeue = self.server.register_script(REQUEUE)
        self._pending = self.server.register_script(PENDING)
        self._heartbeat = self.server.register_script(HEARTBEAT)
        self._leave = self.server.register_script(LEAVE)
        self.crawler.stats.set_value("frontier/job", self.job)
        from twisted.internet import task

        self._loop = task.LoopingCall(self._tick)
        self._loop.start(1.0, now=False)
        queued = len(self.queue)
        logger.info("frontier %s, job %s: %d requests queued", redact(self.url), self.job, queued)

    # --- membership -------------------------------------------------------------------------
    def _register(self) -> None:
        k = self.keys
        pipe = self.server.pipeline()
        pipe.sadd(k.workers, self.run_id)
        pipe.set(k.lease(self.run_id), self.run_id, px=int(self.lease * 1000))
        pipe.hset(k.info, self.run_id, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                                   "started": time.time(), "root": str(self.owner.root)}))
        pipe.execute()
        self.registered = True
        self._beat = threading.Thread(target=self._beat_loop, name="frontier-heartbeat", daemon=True)
        self._beat.start()
        logger.info("worker %s joined job %s", self.run_id, self.job)

    def _beat_loop(self) -> None:
        k = self.keys
        every = max(0.2, self.lease / 4)
        while not self._beat_stop.wait(every):
            try:
                alive = self._heartbeat(keys=[k.workers, k.lease(self.run_id), k.requests, k.dupefilter, k.claims,
                                              k.info, k.inflight(self.run_id)],
                                        args=[self.run_id, int(self.lease * 1000), self.ttl])
            except Exception as exc:  # Redis away for a moment: the next beat tries again
                logger.warning("frontier heartbeat failed: %s", exc)
                continue
            if not alive and not self._beat_stop.is_set():
                self._lost = True
                return

    def _spider_closed(self, spider=None, reason=None):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._beat_stop.set()
        if not self.registered:
            return
        k = self.keys
        try:
            self._reap_dead()
            result = self._leave(keys=[k.requests, k.inflight(self.run_id), k.workers, k.lease(self.run_id),
                                       k.dupefilter, k.claims, k.info], args=[self.run_id])
        except Exception as exc:
            logger.error("leaving job %s: %s (its keys expire after FRONTIER_TTL)", self.job, exc)
            return
        self.registered = False
        result = result.decode() if isinstance(result, bytes) else result
        self.crawler.stats.set_value("frontier/left", result)
        logger.info("worker %s left job %s%s", self.run_id, self.job,
                    ": the job is done, its keys are deleted" if result == "cleaned" else "")

    def close(self, reason):
        self.closing = True  # (never flush: the queue and filter belong to the job)

    def flush(self):
        raise RuntimeError("a worker never clears the shared frontier")

    # --- the scheduler interface -----------------------------------------------------------
    def enqueue_request(self, request):
        replaced = b""
        old = request.meta.pop(ID_KEY, None)   # a retry or redirect of a request this worker popped
        if old is not None:
            replaced = self.active.pop(old, b"")
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        try:
            pushed = self.queue.push(request, fingerprint, replaced)
        except Exception as exc:
            self._failed(exc)
            return False
        if not pushed:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def _ready(self) -> bool:
        """Is this worker a member of the job? It joins once its run is open (the output
        root is locked and what is stored is read): nothing is taken before."""
        if self.closing or self._lost or not self.owner.opened:
            return False
        if not self.registered:
            self._register()
        return True

    def next_request(self):
        try:
            if not self._ready():
                return None
            downloader = getattr(self.crawler.engine, "downloader", None)
            if downloader is not None and len(downloader.active) >= self.prefetch:
                return None   # enough in hand: leave the rest of the queue to the other workers
            member = self.queue.pop_member()
        except Exception as exc:
            self._failed(exc)
            return None
        if member is None:
            return None
        request = self.queue._decode_request(member)
        fid = uuid.uuid4().hex
        request.meta[ID_KEY] = fid
        self.active[fid] = member
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        try:
            return self._ready() and len(self.queue) > 0
        except Exception as exc:
            self._failed(exc)
            return False

    def _failed(self, exc) -> None:
        if not self.crawler.stats.get_value("portal/frontier_error"):
            message = f"the frontier's Redis failed: {str(exc).splitlines()[0][:200]}"
            logger.error("%s", message)
            self.crawler.stats.set_value("portal/frontier_error", message)
            close_spider(self.crawler, "frontier-error")

    # --- acks ---------------------------------------------------------------------------------
    def _request_scheduled(self, request, spider=None):
        fid = request.meta.get(ACK_KEY)
        if fid is not None:   # an ack marker: everything before it is handled
            member = self.active.pop(fid, None)
            if member is not None:
                self._ack_when_stored([member])
            raise IgnoreRequest("frontier ack")

    def _ack_when_stored(self, members: list[bytes]) -> None:
        key = self.keys.inflight(self.run_id)

        def ack():
            try:
                self.server.hdel(key, *members)
            except Exception as exc:  # the request comes back to the job: claims keep it stored once
                logger.warning("frontier ack failed: %s", exc)

        self.owner.ledger.when_stored(ack)

    def _sweep(self) -> None:
        """Locally idle: whatever this worker still holds is finished (a path without an
        explicit ack); commit and ack it."""
        if not self.active:
            return
        members, self.active = list(self.active.values()), {}
        self.owner.ledger.flush()
        self._ack_when_stored(members)

    # --- claims ---------------------------------------------------------------------------------
    def claim(self, canon: str) -> bool:
        """Reserve a canonical article URL for this worker (RunLedger's claim hook)."""
        k = self.keys
        for _ in range(4):
            answer = self._claim(keys=[k.claims, k.workers], args=[canon, self.run_id, k.lease_prefix])
            answer = answer.decode() if isinstance(answer, bytes) else answer
            if answer == "ok":
                return True
            if answer == "live":
                return False
            kind, owner = answer.split(":", 1)
            if kind == "reap":
                if not self._reap(owner):
                    return False   # its file is still locked: alive after all
                continue
            if canon in self._stored_by_run(owner):
                return False
            if self._takeover(keys=[k.claims], args=[canon, owner, self.run_id]):
                return True
        return False

    def _stored_by_run(self, run_id: str) -> set[str]:
        """Canonical URLs in the committed articles files of a dead run (its files are final)."""
        if run_id not in self._stored_by:
            import pyarrow.parquet as pq

            urls: set[str] = set()
            base = self.owner.ledger.root / "articles"
            for path in base.rglob(f"part-{run_id}-*.parquet") if base.is_dir() else ():
                urls.update(pq.read_table(path, columns=["url"]).column("url").to_pylist())
            self._stored_by[run_id] = urls
        return self._stored_by[run_id]

    # --- dead workers -----------------------------------------------------------------------------
    def _reap_dead(self) -> None:
        k = self.keys
        members = {m.decode() if isinstance(m, bytes) else m for m in self.server.smembers(k.workers)}
        others = members - {self.run_id}
        if not others:
            return
        live_files = set(self.owner.ledger.live_workers())
        root = self.owner.ledger.root
        for run_id in sorted(others):
            if run_id in live_files:
                continue
            has_file = (root / f".worker-{run_id}").exists()
            if has_file or not self.server.exists(k.lease(run_id)):
                self._reap(run_id)

    def _reap(self, run_id: str) -> bool:
        k = self.keys
        if not self.owner.ledger.recover_dead_worker(run_id):
            if run_id not in self._not_reaped:
                self._not_reaped.add(run_id)
                logger.warning("worker %s lost its lease but still holds its file lock: waiting for it", run_id)
            return False
        n = self._requeue(keys=[k.requests, k.inflight(run_id), k.workers, k.lease(run_id)], args=[run_id])
        if n < 0:
            return True   # another worker was first
        self.requeued += n
        self.crawler.stats.inc_value("frontier/requeued", n)
        logger.warning("worker %s of job %s is gone: its half-committed batches recovered, %d requests it held "
                       "put back in the queue", run_id, self.job, n)
        return True

    # --- every second -----------------------------------------------------------------------------
    def _retries_waiting(self) -> bool:
        engine = self.crawler.engine
        mws = getattr(getattr(getattr(engine, "downloader", None), "middleware", None), "middlewares", ())
        return any(getattr(mw, "waiting", 0) for mw in mws)

    def _locally_idle(self) -> bool:
        engine = self.crawler.engine
        try:
            return engine.spider_is_idle() and not self._retries_waiting()
        except Exception:
            return False

    def _tick(self) -> None:
        owner = self.owner
        if self.closing:
            return
        if owner.error or getattr(self.spider, "usage_error", None):
            self.closing = True
            close_spider(self.crawler, "finished")   # nothing to do (the run says why)
            return
        if self._lost:
            self.closing = True
            logger.error("worker %s was declared dead by the job (lease lost); stopping", self.run_id)
            close_spider(self.crawler, "lease-lost")
            return
        try:
            if not self._ready():
                return
            self._reap_dead()
            idle = self._locally_idle()
            if idle:
                self._sweep()
            pending = self._pending(keys=[self.keys.requests, self.keys.workers], args=[self.keys.inflight_prefix])
        except Exception as exc:
            self._failed(exc)
            return
        if pending == 0 and idle:
            now = time.monotonic()
            if self._idle_since is None:
                self._idle_since = now
            if now - self._idle_since >= self.idle_close:
                self.closing = True
                logger.info("job %s: nothing queued or in flight for %.0f s; worker %s closes",
                            self.job, self.idle_close, self.run_id)
                close_spider(self.crawler, "finished")
        else:
            self._idle_since = None

    def _spider_idle(self, spider=None):
        if self.closing or self.owner.error or getattr(self.spider, "usage_error", None):
            return
        try:
            if not self._ready():
                return
        except Exception as exc:
            self._failed(exc)
            return
        raise DontCloseSpider   # the job decides when it is done (_tick)


def frontier_of(crawler) -> FrontierScheduler | None:
    engine = getattr(crawler, "engine", None)
    sched = getattr(engine, "scheduler", None) if engine is not None else None
    return sched if isinstance(sched, FrontierScheduler) else None


ACK_KEY = "frontier_ack"


def ack_marker(request) -> list:
    """What a callback or errback yields last when a shared frontier is on: a marker request
    that the scheduler never queues (``request_scheduled`` drops it) and that acks
    ``request``. Scrapy handles a callback's output in order, one at a time
    (``CONCURRENT_ITEMS`` = 1): when the marker is reached, every request yielded before it is
    in Redis and every item has been through the pipelines. (The end of the callback's
    iteration is too early: Scrapy reads a couple of outputs ahead.)"""
    fid = request.meta.get(ID_KEY)
    if not fid:
        return []
    from scrapy import Request

    return [Request("data:,frontier-ack", meta={ACK_KEY: fid}, dont_filter=True)]


class FrontierSpiderMiddleware:
    """Appends the ack marker (:func:`ack_marker`) to every callback's output."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_output(self, response, result):
        yield from result
        yield from ack_marker(response.request)

    async def process_spider_output_async(self, response, result):
        async for item in result:
            yield item
        for marker in ack_marker(response.request):
            yield marker
