"""GTFS feeds in and out of the transport tables.

    from gis.transport.gtfs import import_feed, export_feed, read_feed, FeedInvalid

    report = import_feed(session, "network.zip")   # or the zip's bytes; source_name="..." names it
    session.commit()                               # the caller owns the transaction

- `import_feed(session, path_or_bytes, *, source_name=None, progress=None, is_demo=False) -> ImportReport`
  replaces the whole network (every transport row) with the feed's, in the caller's transaction, and records a
  `TransitFeed` row (file name, sha256, feed_info, rows per file). A feed with any problem raises `FeedInvalid`,
  whose `problems` name the file, the 1-based data row, the column and a code, and nothing is written.
  `progress(n)` is told of rows written, `Feed.row_count` in all.
- `read_feed(path_or_bytes) -> Feed` reads and checks without touching the database (`Feed.problems`).
- `export_feed(session) -> bytes` writes the network back out as a GTFS zip (translations.txt holding the
  Arabic and French names); importing it again gives the same rows.
"""

from gis.transport.gtfs.exporting import export_feed
from gis.transport.gtfs.importing import FeedInvalid, ImportReport, clear_network, import_feed
from gis.transport.gtfs.reading import Feed, Problem, read_feed

__all__ = ["Feed", "FeedInvalid", "ImportReport", "Problem", "clear_network", "export_feed", "import_feed", "read_feed"]
