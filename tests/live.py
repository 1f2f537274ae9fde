"""A live portal for tests that talk to it over HTTP: its own database, a real WSGI server on a free loopback port.

Each xdist worker gets its own database (a file per temporary folder, or a uniquely named PostGIS database).
"""

import contextlib
import threading
from collections.abc import Iterator

from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.pgcluster import postgis_database


class LiveURL(str):
    """The portal's address (http://127.0.0.1:PORT), carrying the application object behind it."""

    app = None


@contextlib.contextmanager
def live_portal(backend: str, tmp_path_factory, label: str, **overrides) -> Iterator[LiveURL]:
    """An app on a fresh, migrated database, served until the block ends; its database is removed afterwards."""
    from portal.extensions import db

    with contextlib.ExitStack() as stack:
        if backend == "spatialite":
            url = f"sqlite:///{tmp_path_factory.mktemp(label) / f'{label}.sqlite'}"
        else:
            url = stack.enter_context(postgis_database(f"berkane_{label}"))
        app = make_app(url, **overrides)
        # Threaded: the server speaks HTTP/1.1 and serves a client that keeps its connection open.
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            live = LiveURL(f"http://127.0.0.1:{server.server_port}")
            live.app = app
            yield live
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()
