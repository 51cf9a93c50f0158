"""Fault mode: which request of which URL fails, and how; deterministic in (seed, URL,
attempt number). URLs are the portals' real URLs (what a client asks the proxy for).

* ``flaky`` URLs (about 18% of article and listing URLs): the first 1–2 attempts fail with
  one of :data:`KINDS`, later attempts succeed;
* ``redirect`` URLs (about 6%): the first attempt answers a chain of 2–3 × 302 through
  the portal's ``/portal/Pages/Redirect.aspx?hop=…`` that ends at the same page with
  ``?utm_source=redirect`` appended (so a duplicate filter does not drop it; the registry's
  ``canonical_url`` strips the parameter);
* ``permanent`` URLs (a few articles): HTTP 500 on every attempt;
* Wayback captures: the first request of about 10% of ``/wayback/web/`` URLs answers 429.
"""

from __future__ import annotations

from .model import Portal, _h, listing_pages

KINDS = ("http-500", "http-503", "slow", "drop", "truncate", "error-200")
ATTEMPT_PARAMS = ("utm_source",)


def _unit(seed, key) -> float:
    return _h("fault", seed, key) / 2 ** 64


class FaultPlan:
    def __init__(self, portal: Portal, seed: int = 0, slow_seconds: float = 3.0):
        self.seed = seed
        self.slow_seconds = slow_seconds
        self.plan: dict[str, tuple] = {}   # lower-case URL -> ("flaky", kinds) | ("redirect", hops) | ("permanent",)
        self.original: dict[str, str] = {}  # lower-case URL -> URL as linked
        keys = [a.url for a in portal.articles]
        listing_keys = [d.url(d.listing_path(c, p)) for d, c, p, _ in listing_pages(portal)]
        ranked = sorted(keys, key=lambda k: _unit(seed, k))
        n_perm = min(len(keys), max(2, len(keys) // 200))
        permanent = set(ranked[:n_perm])
        flaky = []
        for k in keys + listing_keys:
            self.original[k.lower()] = k
            if k in permanent:
                self.plan[k.lower()] = ("permanent",)
                continue
            u = _unit(seed + 1, k)
            if u < 0.18:
                flaky.append(k)
            elif u < 0.24:
                self.plan[k.lower()] = ("redirect", 2 + int(u * 1000) % 2)
        # every kind appears: kinds are dealt in turn over the flaky URLs
        flaky.sort(key=lambda k: _unit(seed + 2, k))
        for i, k in enumerate(flaky):
            n = 1 + (_h("n", seed, k) % 2)
            first = KINDS[i % len(KINDS)]
            kinds = (first,) if n == 1 else (first, KINDS[_h("k2", seed, k) % len(KINDS)])
            self.plan[k.lower()] = ("flaky", kinds)

    def action(self, key: str, attempt: int):
        """What to do on the ``attempt``-th (1-based) request of ``key``: None (serve), a
        failure kind, ``("redirect", hops)`` or ``"permanent"``."""
        entry = self.plan.get(key.lower())
        if entry is None:
            return None
        if entry[0] == "permanent":
            return "permanent"
        if entry[0] == "redirect":
            return ("redirect", entry[1]) if attempt == 1 else None
        kinds = entry[1]
        return kinds[attempt - 1] if attempt <= len(kinds) else None

    def wayback_429(self, key: str, attempt: int) -> bool:
        return attempt == 1 and _unit(self.seed + 3, key) < 0.10

    def describe(self) -> dict:
        flaky, redirects, permanent = [], [], []
        for key, entry in sorted(self.plan.items()):
            url = self.original.get(key, key)
            if entry[0] == "flaky":
                flaky.append({"url": url, "failures": list(entry[1])})
            elif entry[0] == "redirect":
                redirects.append({"url": url, "hops": entry[1]})
            else:
                permanent.append({"url": url, "reason": "http-500"})
        return {"enabled": True, "seed": self.seed, "slow_seconds": self.slow_seconds,
                "kinds": list(KINDS), "flaky": flaky, "redirects": redirects,
                "permanent_failures": permanent}
