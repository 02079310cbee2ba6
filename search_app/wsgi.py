"""WSGI entry point for any WSGI server: ``gunicorn -w 2 --threads 4 -k gthread search_app.wsgi:app``.

The index comes from ``TELUSUR_INDEX`` (and Chroma from ``CHROMA_HOST``/``CHROMA_PORT``); ``telusur serve
--workers N`` does the same without this module. Imported in each worker, so each opens its own connections.
"""

from __future__ import annotations

from search_app.serving import configure_threads, make_app

configure_threads()
app = make_app()
