"""The last few searches of this process, so the answer box (``/jawaban``, fetched right after the page) reads the
results the page just ranked instead of running the same search again.

An entry is found only while the index is unchanged: the key holds the index's stamp (``Index.stamp``, which
changes whenever anything commits), the searcher and the search parameters.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from search_app.search import Searcher, SearchResponse

SIZE = 32  # searches kept per process


class SearchMemo:
    """``memo(searcher, params)`` = ``search(searcher, params)``, reused for equal parameters on an unchanged index."""

    def __init__(self, search: Callable[[Searcher, dict[str, Any]], SearchResponse], size: int = SIZE) -> None:
        self.search = search
        self.size = size
        self.entries: OrderedDict[tuple, SearchResponse] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0

    def __call__(self, searcher: Searcher, params: dict[str, Any]) -> SearchResponse:
        key = (id(searcher), searcher.index.stamp(), json.dumps(params, sort_keys=True, default=str))
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                self.hits += 1
                return found
        response = self.search(searcher, params)
        with self.lock:
            self.entries[key] = response
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return response
