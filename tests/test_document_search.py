"""The seed article as a two-column PDF, a DOCX and a scanned PDF: the seed question finds the "132 inovasi"
passage first, on the right page; the web app shows the page and serves the original file at /berkas/."""

from __future__ import annotations

import sys

import pytest

from ingest.pipeline import ingest_paths
from ingest.store import Index
from search_app.search import Searcher
from tests.conftest import REPO
from tests.test_documents import FOOTER, HEADER

sys.path.insert(0, str(REPO))
from scripts import docmaker  # noqa: E402

QUESTION = "Berapa inovasi yang telah dilahirkan Lampung Barat hingga 2024?"
ANSWER = "132 inovasi"


@pytest.fixture(scope="module")
def seed_documents(tmp_path_factory, shared_data):
    """{kind: (path, page of the answer)} for the seed as two-column PDF, DOCX and scanned PDF."""
    from ingest.formats.text import parse_text_article

    folder = tmp_path_factory.mktemp("seed-docs")
    path = next((shared_data / "seed").glob("*.txt"))
    seed = parse_text_article(path.read_text(encoding="utf-8"), str(path))
    paragraphs = seed.text.split("\n\n")
    blocks = docmaker.blocks_from_text(seed.title, ["Rabu 06 Aug 2025 - 21:08 WIB", *paragraphs])
    out = {}
    for kind in ("pdf", "scan", "docx"):
        (folder / kind).mkdir()
    layout = docmaker.write_pdf(folder / "pdf" / "warta-inovasi.pdf", blocks, header=HEADER, footer=FOOTER,
                                page_size=(420, 595))
    out["pdf"] = (folder / "pdf" / "warta-inovasi.pdf", layout.page_of(ANSWER))
    docmaker.scan_pdf(out["pdf"][0], folder / "scan" / "warta-inovasi-pindaian.pdf", dpi=300)
    out["scan"] = (folder / "scan" / "warta-inovasi-pindaian.pdf", layout.page_of(ANSWER))
    answer_block = next(i for i, b in enumerate(blocks) if ANSWER in b.text)
    docmaker.write_docx(folder / "docx" / "warta-inovasi.docx", blocks, page_break_before={answer_block - 2})
    out["docx"] = (folder / "docx" / "warta-inovasi.docx", 2)
    assert out["pdf"][1] >= 2  # the answer is not on the first page
    return out


@pytest.fixture(scope="module")
def indexes(tmp_path_factory, seed_documents, embedder):
    """One index per kind: the demo corpus (with its Lampung Barat distractors) plus that one document."""
    cache = tmp_path_factory.mktemp("cache") / "embeddings.sqlite"
    built = {}
    for kind, (path, _) in seed_documents.items():
        index = Index(tmp_path_factory.mktemp(f"index-{kind}"))
        report = ingest_paths([REPO / "corpus", path.parent], index, embedder, show_progress=False,
                              log=lambda line: None, embed_cache=cache)
        assert not report.skipped, report.skipped
        built[kind] = index
    return built


@pytest.mark.parametrize("kind", ["pdf", "docx", "scan"])
def test_seed_question_finds_the_answer_on_its_page(indexes, seed_documents, embedder, kind):
    path, page = seed_documents[kind]
    response = Searcher(indexes[kind], embedder).search(QUESTION, k=5)
    first = response.results[0]
    assert ANSWER in first.passage, [r.title for r in response.results]
    assert first.category == "dokumen" and first.source == kind  # the parent folder names the source
    assert first.answer_page == page and first.page <= page <= first.page_end
    assert first.page_label.startswith("hal. ")
    expected_link = f"/berkas/{first.article_id}" + (f"#page={page}" if kind != "docx" else "")
    assert first.file_url == expected_link


@pytest.fixture()
def pdf_client(indexes, embedder):
    from search_app.app import create_app

    return create_app({"SEARCHER": Searcher(indexes["pdf"], embedder), "TESTING": True}).test_client()


def test_api_and_page_show_the_page_and_berkas_serves_the_original(pdf_client, seed_documents):
    path, page = seed_documents["pdf"]
    body = pdf_client.get("/api/search", query_string={"q": QUESTION}).get_json()
    first = body["results"][0]
    assert ANSWER in first["passage"] and first["answer_page"] == page and first["page"] is not None
    html = pdf_client.get("/", query_string={"q": QUESTION}).get_data(as_text=True)
    assert f'href="/berkas/{first["article_id"]}#page={page}"' in html and first["page_label"] in html
    original = pdf_client.get(f"/berkas/{first['article_id']}")
    assert original.status_code == 200 and original.mimetype == "application/pdf"
    assert original.data == path.read_bytes()
    article = pdf_client.get(f"/artikel/{first['article_id']}").get_data(as_text=True)
    assert 'class="page-marker"' in article and f"hal. {page}" in article


def test_berkas_refuses_unknown_ids_and_path_characters(pdf_client, indexes):
    news_id = indexes["pdf"].db.execute(
        "SELECT article_id FROM articles WHERE extra NOT LIKE '%content_type%' LIMIT 1").fetchone()[0]
    assert pdf_client.get("/berkas/0123456789abcdef").status_code == 404
    assert pdf_client.get(f"/berkas/{news_id}").status_code == 404  # a news article: no original file
    for bad in ("..", "..%2F..%2Fetc%2Fpasswd", "a.b", "%2e%2e", "abc%00def", "x%5Cy", "articles.sqlite"):
        response = pdf_client.get(f"/berkas/{bad}")
        assert response.status_code in (400, 404), bad
        assert response.mimetype != "application/pdf"
    assert pdf_client.get("/berkas/../articles.sqlite").status_code == 404


def test_a_result_without_an_outlet_says_so(pdf_client):
    body = pdf_client.get("/api/search", query_string={"q": "Festival Kopi Lampung Barat transaksi"}).get_json()
    unnamed = [r for r in body["results"] if not r["source"]]
    assert unnamed, [r["source"] for r in body["results"]]  # the demo's text exports name no outlet
    html = pdf_client.get("/", query_string={"q": "Festival Kopi Lampung Barat transaksi"}).get_data(as_text=True)
    assert html.count('<span class="source unknown">sumber tidak diketahui</span>') == len(unnamed)
