"""Entry point for gunicorn: `gunicorn wsgi:app`."""

import gc

from portal import create_app

app = create_app()

# What the app built at start-up lives as long as the worker: keep it out of the garbage collector's full passes,
# which otherwise walk it all, 100-200 ms at a time, in the middle of a request (a dashboard page at a million
# requests allocates enough to set them off).
gc.freeze()
