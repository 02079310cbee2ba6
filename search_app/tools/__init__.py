"""Measuring tools, apart from the request path: evaluation (``telusur eval``), fitting the hybrid
(``python -m search_app.tools.tune``), metrics, and the benchmark (``telusur bench``) with its corpus builder.

Nothing under ``search_app/`` that answers a request imports this package.
"""
