"""Items the spider yields: raw pages (extraction happens in the item pipelines) and failures."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.storage.run import Failure


@dataclass
class RawPage:
    """One fetched article page, as the server sent it."""

    url: str                      # URL fetched (after redirects)
    body: bytes
    status: int
    content_type: str | None
    fetched_at: float             # UNIX time
    site: str                     # district slug
    source: str = "live"          # live | replica | wayback | warc
    original_url: str | None = None   # the portal URL an archive capture stands for
    capture_time: float | None = None
    listed_in: str | None = None


FetchFailure = Failure  # the spider's name for a storage failure row
