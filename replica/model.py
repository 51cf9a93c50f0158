"""The deterministic model of the replica: districts, categories, listings, articles and the
listing entries that lead to error pages or nowhere.

``build_portal`` only draws the cheap facts (date, title, URL, variants) of each article;
an article's body is generated on first use (:attr:`Article.content`) from the article's
own seed, so a 20,000-article model builds in about a second and every page is
still the same for the same seed.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from . import content as C
from .careers import Cast
from .sites import PortalSite, portal_sites
from .textforms import old_tones, title_slug

DEFAULT_DISTRICTS = ("muong-lat", "quan-hoa", "quang-xuong", "thieu-hoa")
EXTRA_DISTRICTS = ("ba-thuoc", "lang-chanh", "quan-son", "thuong-xuan", "ngoc-lac", "cam-thuy",
                   "nhu-xuan", "thach-thanh", "hoang-hoa", "tho-xuan", "yen-dinh", "nga-son")
ARTICLES_PER_DISTRICT = 2500  # more districts join when --articles exceeds this per district
PAGE_SIZE = 10
START = datetime(2015, 1, 1)
END = datetime(2025, 6, 30, 23, 59)
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"

# Variant dimensions: name -> [(value, weight)]; every value is forced onto at least one
# article when there are enough articles.
DIMENSIONS = {
    "skin": [("skin-classic", 0.8), ("skin-old", 0.2)],
    "date": [("date-dang-ngay", 0.55), ("date-ngay-dang-time", 0.15),
             ("date-weekday", 0.15), ("date-none", 0.15)],
    "sidebar": [("sidebar-self", 0.3), (None, 0.7)],
    "lead": [("lead-div", 0.6), ("lead-p", 0.2), ("lead-bold-first", 0.2)],
    "caption": [("caption-table", 0.35), ("caption-em-after", 0.2), ("caption-br", 0.15),
                ("caption-figure", 0.15), ("caption-plain-next", 0.15)],
    "no_caption": [("image-no-caption", 0.15), (None, 0.85)],
    "shared": [("images-shared-caption", 0.12), (None, 0.88)],
    "soup": [("soup", 0.2), (None, 0.8)],
    "byline": [("byline-name-unit", 0.3), ("byline-tin-anh", 0.25), ("byline-right", 0.1), (None, 0.35)],
    "credit": [("photo-credit", 0.15), (None, 0.85)],
    "tags": [("tags", 0.5), (None, 0.5)],
}
# Mention patterns of people; each article uses a few, each pattern at least once.
PATTERNS = ["official-dash", "official-comma", "official-title-first", "official-list",
            "official-caption", "official-rank", "official-village", "official-woman",
            "official-ethnic", "name-2-syllables", "name-4-syllables",
            "non-official-hcm", "non-official-citizen"]
# Traps: (name, share of articles, minimum count).
TRAPS = [("nfd", 0.03, 2), ("old-tones", 0.05, 2), ("cp1258", 0.02, 2),
         ("multi-listed", 0.05, 2), ("unlisted", 0.01, 1)]


def _h(*parts) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


@dataclass(eq=False, repr=False)
class Category:
    path: str   # path on the portal: /portal/Pages/Tin-tuc-su-kien.aspx
    slug: str   # Tin-tuc-su-kien
    name: str   # Tin tức - Sự kiện
    entries: list = field(default_factory=list)  # Article | Phantom, newest first

    def __repr__(self):
        return f"Category({self.path!r}, {len(self.entries)} entries)"

    def page_count(self) -> int:
        return max(1, math.ceil(len(self.entries) / PAGE_SIZE))


@dataclass(eq=False, repr=False)
class District:
    site: PortalSite
    index: int
    listing_skin: str
    categories: list[Category]
    articles: list = field(default_factory=list)
    phantoms: list = field(default_factory=list)
    timeline: list = field(default_factory=list)   # listed articles, oldest first
    _keys: list = field(default_factory=list)
    people: "People | None" = None                  # the portal's persons (shared by its districts)

    slug = property(lambda self: self.site.slug)
    name = property(lambda self: self.site.name)
    host = property(lambda self: self.site.host)
    base_url = property(lambda self: self.site.base_url)  # http://muonglat.thanhhoa.gov.vn

    def __repr__(self):
        return f"District({self.slug!r}, {len(self.articles)} articles)"

    @property
    def short_name(self) -> str:
        return self.name.split(" ", 1)[1] if " " in self.name else self.name

    @property
    def communes(self) -> list[str]:
        return C.COMMUNES.get(self.slug, C.GENERIC_COMMUNES)

    @property
    def villages(self) -> list[str]:
        """The villages (bản) and hamlets (thôn) whose heads the district's articles name."""
        rng = random.Random(_h("villages", self.slug))
        return ["bản " + v for v in rng.sample(C.VILLAGES, 3)] + ["thôn " + v for v in rng.sample(C.HAMLETS, 3)]

    @property
    def level_word(self) -> str:
        return {"city": "thành phố", "town": "thị xã", "province": "tỉnh"}.get(self.site.level, "huyện")

    def url(self, path: str) -> str:
        """The portal's real URL of a path on it."""
        return self.site.base_url + path

    def listing_path(self, cat: Category, page: int = 1) -> str:
        return cat.path if page <= 1 else f"{cat.path}?PageIndex={page}"

    def home_path(self) -> str:
        return "/portal/Pages/default.aspx"

    def previous(self, dt: datetime, n: int, exclude=None) -> list:
        """The ``n`` newest listed articles published before ``dt``."""
        i = bisect.bisect_left(self._keys, dt)
        out = []
        while i > 0 and len(out) < n:
            i -= 1
            a = self.timeline[i]
            if a is not exclude:
                out.append(a)
        return out


class People:
    """The persons of a portal and their careers (``careers.Cast``), built on first use: the
    same for the same seed and districts, whatever the number of articles."""

    def __init__(self, seed: int, districts: list):
        self.seed = seed
        self.districts = districts

    @cached_property
    def cast(self) -> Cast:
        return Cast(self.seed, [(d.slug, d.communes, d.villages) for d in self.districts])


@dataclass(eq=False, repr=False)
class Phantom:
    """A listing entry whose URL gives an error page (HTTP 200) or a 404."""
    kind: str  # "error" | "broken"
    district: District
    category: Category
    dt: datetime
    title: str
    path: str  # on the portal: /portal/Pages/<Y>-<M>-<D>/<Slug>.aspx

    @property
    def url(self) -> str:
        return self.district.url(self.path)

    def __repr__(self):
        return f"Phantom({self.kind!r}, {self.url!r})"


@dataclass(eq=False, repr=False)
class Article:
    idx: int
    seed: int
    district: District
    dt: datetime
    topic: int
    ctx: dict
    title: str
    path: str  # on the portal: /portal/Pages/<Y>-<M>-<D>/<Slug>.aspx
    category: Category
    also_in: Category | None = None
    listed: bool = True
    variants: dict = field(default_factory=dict)  # dimension -> value
    traps: tuple = ()
    revision: int = 0  # portal revision: > 0 edits a tenth of the articles (see ``revised``)

    @property
    def revised(self) -> bool:
        """Does this article's content change in the portal's current revision?"""
        return self.revision > 0 and _h("revised", self.seed, self.idx) % 10 == 0

    @property
    def url(self) -> str:
        """The article's real URL (``http://<portal host>/portal/Pages/…``)."""
        return self.district.url(self.path)

    def __repr__(self):
        return f"Article({self.idx}, {self.url!r})"

    def has(self, name: str) -> bool:
        return name in self.variants.values() or name in self.traps or name in self.patterns

    @property
    def patterns(self) -> tuple:
        return self.variants.get("patterns", ())

    def variant_list(self) -> list[str]:
        vs = [v for k, v in self.variants.items() if k != "patterns" and v]
        if self.revised:
            vs.append("revised")
        if self.variants.get("style") == "quangxuong":
            vs.append("entities")
        return vs + list(self.patterns) + list(self.traps)

    @cached_property
    def content(self):
        from .generate import generate_content, revise
        content = generate_content(self)
        return revise(content, self.revision) if self.revised else content


@dataclass(eq=False, repr=False)
class Portal:
    seed: int
    districts: list[District]
    articles: list[Article]
    phantoms: list[Phantom]
    routes: dict  # lower-case real URL -> Article | Phantom (error pages)

    def __repr__(self):
        return f"Portal(seed={self.seed}, {len(self.articles)} articles, {len(self.districts)} districts)"

    @property
    def cast(self) -> Cast:
        """Who is who: every person named as an official, with their careers."""
        return self.districts[0].people.cast

    def district_by_host(self, host: str) -> District | None:
        """The district whose portal is at ``host`` (``www.`` in front allowed), or None."""
        host = (host or "").lower()
        host = host[4:] if host.startswith("www.") else host
        for d in self.districts:
            if d.host == host:
                return d
        return None

    def route(self, url: str):
        """The article or error page at a real URL (without query), or None."""
        return self.routes.get(url.lower())


# --- building ----------------------------------------------------------------------------
def _assign(rng: random.Random, n: int, values, eligible=None) -> list:
    """Weighted values for ``n`` items; every non-None value is given to at least one
    eligible item first (when there are enough)."""
    names = [v for v, _ in values]
    weights = [w for _, w in values]
    out = rng.choices(names, weights, k=n)
    pool = [i for i in range(n) if eligible is None or eligible(i)]
    rng.shuffle(pool)
    for i, v in zip(pool, [v for v in names if v is not None]):
        out[i] = v
    return out


def _pick_districts(districts, articles: int) -> list[PortalSite]:
    if districts:
        return portal_sites(districts)
    slugs = list(DEFAULT_DISTRICTS)
    need = max(len(slugs), math.ceil(articles / ARTICLES_PER_DISTRICT))
    slugs += list(EXTRA_DISTRICTS[: max(0, need - len(slugs))])
    return portal_sites(slugs)


def _categories(site: PortalSite) -> list[Category]:
    cats = []
    for path in site.categories:
        slug = path.rsplit("/", 1)[-1].removesuffix(".aspx")
        cats.append(Category(path, slug, C.CATEGORY_NAMES.get(slug, slug.replace("-", " "))))
    return cats


def make_ctx(rng: random.Random, district: District, dt: datetime) -> dict:
    """Slot values shared by an article's title and body (drawn at build time)."""
    communes = C.COMMUNES.get(district.slug, C.GENERIC_COMMUNES)
    y = dt.year
    return {
        "D": district.short_name,
        "huyen": f"{district.level_word} {district.short_name}",
        "Huyen": f"{district.level_word.capitalize()} {district.short_name}",
        "xa": "xã " + rng.choice(communes),
        "banname": rng.choice(C.VILLAGES),
        "thon": rng.choice(C.HAMLETS),
        "y": y, "y1": y + 1, "y5": y + 5,
        "d": dt.day, "d1": min(dt.day + 1, 28), "m": dt.month,
        "n": rng.randint(2, 9), "n2": rng.randint(1, 9), "n3": rng.randint(1, 5),
        "roman": C.ROMAN[rng.randint(1, 19)],
    }


def _unique_title(rng: random.Random, templates, ctx: dict, seen: set) -> str:
    """A title not yet used in the district (sidebars and readers tell articles apart by it)."""
    for k in range(8):
        ti = rng.randrange(len(templates))
        title = templates[ti].format(**ctx)
        if k >= 4:  # a commune prefix and/or the day, as portal editors do
            xa = ctx["xa"][0].upper() + ctx["xa"][1:]
            title = [f"{xa}: {title}", f"{title} ngày {ctx['d']}/{ctx['m']}",
                     f"{xa}: {title} ngày {ctx['d']}/{ctx['m']}", f"{title} (tin {ctx['d']}/{ctx['m']})"][k - 4]
        title = title[0].upper() + title[1:]
        if title not in seen:
            break
    n = 2
    base = title
    while title in seen:
        title, n = f"{base} - lần {n}", n + 1
    seen.add(title)
    ctx["ti"] = ti  # the lead that goes with this title
    return title


def build_portal(seed: int = 1, articles: int = 200, districts=None, revision: int = 0) -> "Portal":
    """Build the replica model: ``articles`` articles over the given district slugs
    (default: muong-lat, quan-hoa, quang-xuong, thieu-hoa, more when ``articles`` is large).
    ``revision`` > 0 is the same portal later: a tenth of its articles were edited."""
    rng = random.Random(_h("portal", seed))
    sites = _pick_districts(districts, articles)
    dists = [District(site, i, "listing-old" if i % 4 == 2 else "listing-classic", _categories(site))
             for i, site in enumerate(sites)]
    people = People(seed, dists)
    for d in dists:
        d.people = people
    n = max(0, int(articles))
    span = int((END - START).total_seconds() // 60)

    # dates first: some traps prefer old articles
    dts = []
    for i in range(n):
        dt = START + timedelta(minutes=rng.randrange(span))
        r = rng.random()  # office hours mostly; a few posts just after midnight or noon
        if r < 0.02:
            dt = dt.replace(hour=0)
        elif r < 0.05:
            dt = dt.replace(hour=12)
        elif r < 0.90:
            dt = dt.replace(hour=7 + dt.hour % 11)
        dts.append(dt)

    # variant dimensions
    style = []
    for i in range(n):
        share = 0.5 if dists[i % len(dists)].slug == "quang-xuong" else 0.06
        style.append("quangxuong" if rng.random() < share else "plain")
    if n and "quangxuong" not in style:
        style[rng.randrange(n)] = "quangxuong"
    dims = {}
    not_qx = lambda i: style[i] != "quangxuong"  # noqa: E731
    for name, values in DIMENSIONS.items():
        shared = name in ("skin", "date", "sidebar", "tags", "byline", "credit")
        dims[name] = _assign(rng, n, values, None if shared else not_qx)
    pattern_sets = [set(rng.sample(PATTERNS, rng.randint(2, 4))) for _ in range(n)]
    order = list(range(n))
    rng.shuffle(order)
    for i, p in zip(order, PATTERNS):
        pattern_sets[i].add(p)
    # traps; windows-1258 only on old, plainly written pages, never together with NFD
    trap_sets = [set() for _ in range(n)]
    for name, share, minimum in TRAPS:
        pool = list(range(n))
        if name == "cp1258":
            old = [i for i in pool if style[i] == "plain" and dts[i].year <= 2017]
            pool = old if len(old) >= minimum else [i for i in pool if style[i] == "plain"]
            pool = [i for i in pool if "nfd" not in trap_sets[i]]
        k = min(len(pool), max(minimum, round(share * n)))
        for i in rng.sample(pool, k):
            trap_sets[i].add(name)

    all_articles: list[Article] = []
    seen_titles: dict[str, set] = {d.slug: set() for d in dists}
    routes: dict = {}
    for i in range(n):
        d = dists[i % len(dists)]
        dt = dts[i]
        aseed = _h("article", seed, i)
        arng = random.Random(aseed)
        topic = arng.randrange(len(C.TOPICS))
        ctx = make_ctx(arng, d, dt)
        title = _unique_title(arng, C.TOPICS[topic]["titles"], ctx, seen_titles[d.slug])
        traps = trap_sets[i]
        if "old-tones" in traps:
            title = old_tones(title)
        suffix = "".join(arng.choice(_ALNUM) for _ in range(6))
        path = f"/portal/Pages/{dt.year}-{dt.month}-{dt.day}/{title_slug(title)}-{suffix}.aspx"
        cat = d.categories[arng.choice((0, 0, 0, 1, 1, 2)) % len(d.categories)]
        variants = {name: dims[name][i] for name in DIMENSIONS}
        variants["style"] = style[i] if style[i] == "quangxuong" else None
        if style[i] == "quangxuong":
            variants.update(lead="lead-p", caption="caption-plain-next", no_caption=None, soup=None)
        if variants["caption"] == "caption-plain-next":
            variants["no_caption"] = None  # a bare image would make the next paragraph its caption
        variants["patterns"] = tuple(p for p in PATTERNS if p in pattern_sets[i])
        a = Article(i, aseed, d, dt, topic, ctx, title, path, cat, variants=variants)
        if "multi-listed" in traps and len(d.categories) > 1:
            a.also_in = d.categories[(d.categories.index(cat) + 1) % len(d.categories)]
        else:
            traps.discard("multi-listed")
        a.listed = "unlisted" not in traps
        a.traps = tuple(t for t, _, _ in TRAPS if t in traps)
        d.articles.append(a)
        all_articles.append(a)
        routes[a.url.lower()] = a

    phantoms = []
    for d in dists:
        k = max(1, round(0.02 * len(d.articles)))
        prng = random.Random(_h("phantoms", seed, d.slug))
        for kind in ("error", "broken"):
            for j in range(k):
                dt = START + timedelta(minutes=prng.randrange(span))
                ctx = make_ctx(prng, d, dt)
                topic = C.TOPICS[prng.randrange(len(C.TOPICS))]
                title = prng.choice(topic["titles"]).format(**ctx)
                title = title[0].upper() + title[1:]
                suffix = "".join(prng.choice(_ALNUM) for _ in range(6))
                path = f"/portal/Pages/{dt.year}-{dt.month}-{dt.day}/{title_slug(title)}-{suffix}.aspx"
                ph = Phantom(kind, d, d.categories[j % len(d.categories)], dt, title, path)
                d.phantoms.append(ph)
                phantoms.append(ph)
                if kind == "error":
                    routes[ph.url.lower()] = ph

    for d in dists:
        listed = [a for a in d.articles if a.listed]
        d.timeline = sorted(listed, key=lambda a: (a.dt, a.idx))
        d._keys = [a.dt for a in d.timeline]
        for a in listed:
            a.category.entries.append(a)
            if a.also_in is not None:
                a.also_in.entries.append(a)
        for ph in d.phantoms:
            ph.category.entries.append(ph)
        for c in d.categories:
            c.entries.sort(key=lambda e: (e.dt, getattr(e, "idx", -1)), reverse=True)
    for a in all_articles:
        a.revision = revision
    return Portal(seed, dists, all_articles, phantoms, routes)


def listing_pages(portal: Portal):
    """Yield (district, category, page, entries) for every listing page."""
    for d in portal.districts:
        for c in d.categories:
            for p in range(1, c.page_count() + 1):
                yield d, c, p, c.entries[(p - 1) * PAGE_SIZE: p * PAGE_SIZE]
