"""The search page as a person uses it: Debian's chromium (Playwright) against a real waitress server."""

from __future__ import annotations

import csv
import io
import re
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import REPO
from tests.servers import free_port, wait_http

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--lang=id-ID"]
SHOTS = REPO / "screenshots"
QUESTION = "Berapa inovasi yang dilahirkan Lampung Barat hingga 2024?"


@pytest.fixture(scope="module")
def base_url(searcher):
    """The app on a real waitress server in a background thread, over the demo index."""
    from waitress import create_server

    from search_app.app import create_app

    port = free_port()
    server = create_server(create_app({"SEARCHER": searcher}), host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/healthz")
    yield url
    server.close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, errors


def _result_dates(page) -> list[str]:
    return page.locator("ol.results li.result .meta time").evaluate_all("els => els.map(e => e.dateTime)")


def test_question_filters_article_export_and_feed(page, base_url):
    SHOTS.mkdir(exist_ok=True)
    page.goto(base_url + "/")
    page.get_by_label("Cari di arsip berita dan inovasi daerah").fill(QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Berapa"))
    results = page.locator("ol.results li.result")
    assert results.count() >= 3
    assert "Lampung Barat" in results.first.locator("h2").inner_text()
    assert results.first.locator("mark.answer").count() == 1
    page.screenshot(path=str(SHOTS / "search-desktop.png"), full_page=True)

    # a date filter
    page.fill("#date_from", "2024-01-01")
    page.fill("#date_to", "2024-12-31")
    page.get_by_role("button", name="Terapkan saringan").click()
    page.wait_for_url(re.compile(r"date_from=2024-01-01"))
    dates = _result_dates(page)
    assert dates and all(d.startswith("2024") for d in dates)

    # an outlet filter: ticking the box applies it
    page.get_by_role("checkbox", name=re.compile("Kabar Lampung Hari Ini")).check()
    page.wait_for_url(re.compile(r"source=Kabar"))
    assert set(page.locator("ol.results .meta .source").all_inner_texts()) == {"Kabar Lampung Hari Ini"}
    assert all(d.startswith("2024") for d in _result_dates(page))
    assert page.get_by_role("link", name=re.compile("Hapus saringan media")).count() == 1

    # export the same result set
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows and {r["source"] for r in rows} == {"Kabar Lampung Hari Ini"}
    assert all(r["date"].startswith("2024") for r in rows)

    # the feed of this search
    feed_url = page.get_by_role("link", name="Feed Atom").get_attribute("href")
    feed = page.request.get(base_url + feed_url)
    assert feed.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(feed.body()).findall("{http://www.w3.org/2005/Atom}entry")
    assert entries

    # open the first article at its matching passage
    title = results.first.locator("h2 a").inner_text()
    results.first.locator("h2 a").click()
    page.wait_for_url(re.compile(r"/artikel/.+#cocok"))
    assert page.locator("h1").inner_text() == title
    matched = page.locator("#cocok")
    assert matched.is_visible() and "matched" in matched.get_attribute("class")
    assert page.locator(".related li").count() >= 3
    page.screenshot(path=str(SHOTS / "article-desktop.png"))


def test_phone_width_folds_the_filters_above_the_results(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID", is_mobile=True)
    page = context.new_page()
    page.goto(base_url + "/?q=banjir+Padang")
    panel = page.locator("details.facet-panel")
    assert panel.get_attribute("open") is None  # folded at first
    assert panel.bounding_box()["y"] < page.locator("ol.results").bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
    page.screenshot(path=str(SHOTS / "search-phone.png"), full_page=True)
    page.locator("details.facet-panel > summary").click()
    assert page.get_by_role("checkbox", name=re.compile("Suara Nusantara Pos")).is_visible()
    page.goto(base_url + "/artikel/snp-2024-0906-banyuwangi-surat-daring")
    page.screenshot(path=str(SHOTS / "article-phone.png"), full_page=True)
    context.close()


def test_everything_works_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/?q=inovasi+daerah")
    page.get_by_role("checkbox", name=re.compile("Warta Daerah")).check()
    page.get_by_role("button", name="Terapkan saringan").click()
    page.wait_for_url(re.compile(r"source=Warta"))
    assert set(page.locator("ol.results .meta .source").all_inner_texts()) == {"Warta Daerah"}
    page.get_by_role("link", name="Terbaru").click()
    page.wait_for_url(re.compile(r"sort=newest"))
    dates = _result_dates(page)
    assert dates == sorted(dates, reverse=True)
    context.close()


def test_keyboard_reaches_the_skip_link_and_the_search_box(page, base_url):
    page.goto(base_url + "/?q=kopi")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Langsung ke isi"
    page.keyboard.press("Enter")  # to the main content, which starts with the search box
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Cari"
    unlabeled = page.evaluate("""[...document.querySelectorAll('input:not([type=hidden]), select')]
        .filter(e => !e.labels.length && !e.getAttribute('aria-label')).map(e => e.name)""")
    assert unlabeled == []


def test_document_result_shows_its_page_and_opens_the_original_pdf(page, base_url):
    """A PDF of the demo corpus: the result says "hal. N" and its link serves the original file at that page."""
    import pypdfium2 as pdfium

    original = REPO / "corpus" / "dokumen" / "profil-inovasi-si-tani-cerdas-pringsewu.pdf"
    pdf = pdfium.PdfDocument(str(original))
    answer_page = next(i + 1 for i in range(len(pdf)) if "2.146 laporan" in pdf[i].get_textpage().get_text_range())
    pdf.close()
    page.goto(base_url + "/")
    page.get_by_label("Cari di arsip berita dan inovasi daerah").fill("Berapa laporan petani yang diterima "
                                                                       "SI-TANI CERDAS selama 2023?")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Berapa"))
    first = page.locator("ol.results li.result").first
    assert "SI-TANI CERDAS" in first.locator("h2").inner_text()
    label = first.locator(".meta .page-ref").inner_text()  # "hal. 2", or "hal. 1–2" for a passage over two pages
    pages = [int(n) for n in re.findall(r"\d+", label)]
    assert label.startswith("hal. ") and pages[0] <= answer_page <= pages[-1], label
    link = first.locator("a.original")
    href = link.get_attribute("href")
    assert href.startswith("/berkas/") and href.endswith(f"#page={answer_page}")
    served = page.request.get(base_url + href.split("#")[0])
    assert served.status == 200 and served.headers["content-type"] == "application/pdf"
    assert served.body() == original.read_bytes()
    page.screenshot(path=str(SHOTS / "document-result.png"), full_page=False)


def test_typo_query_shows_results_and_the_did_you_mean_link(page, base_url):
    page.goto(base_url + "/")
    page.get_by_label("Cari di arsip berita dan inovasi daerah").fill("inovsi lampung brat")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=inovsi"))
    assert page.locator("ol.results li.result").count() >= 1
    link = page.locator("a.did-you-mean")
    assert link.inner_text() == "inovasi lampung barat"
    assert "Maksud Anda" in page.locator(".suggestion").inner_text()
    assert "inovsi → inovasi" in page.locator(".respelled").inner_text()  # matched as typed words' nearest spelling
    link.click()
    page.wait_for_url(re.compile(r"q=inovasi\+lampung\+barat"))
    assert "Lampung Barat" in page.locator("ol.results li.result h2").first.inner_text()


def test_pasting_2000_characters_searches_the_whole_text(page, base_url):
    # text written for this test: a pasted report paragraph, 2,000 characters
    paragraph = ("Pemerintah kabupaten mendorong inovasi daerah agar pelayanan publik makin cepat. Setiap perangkat "
                 "daerah mengunggah data inovasi ke sistem penilaian indeks inovasi beserta bukti dukung. ")
    text = (paragraph * 20)[:2000]
    page.goto(base_url + "/")
    box = page.get_by_label("Cari di arsip berita dan inovasi daerah")
    box.fill(text)
    assert len(box.input_value()) == 2000  # the box does not cut it
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Pemerintah"))
    assert page.locator("ol.results li.result").count() >= 1
    assert len(page.locator("#q").input_value()) == 2000


ANSWER_QUESTION = "Siapa yang membuka Bimtek Inovasi Daerah Lampung Barat?"
ANSWER = "Herman Syahputra"


def _needs_reader():
    from search_app.reader import Reader

    if not Reader().available:
        pytest.skip("no reader weights in search_app/data/reader")


def test_the_answer_box_fills_in_above_the_results(page, base_url):
    _needs_reader()
    page.goto(base_url + "/?" + urlencode({"q": ANSWER_QUESTION}))
    assert page.locator("ol.results li.result").count() > 0  # the results are there before the box
    box = page.locator("#jawaban .answer-box")
    box.wait_for(timeout=60_000)
    assert ANSWER in box.locator(".answer-text").inner_text()
    assert box.locator("mark.answer-span").inner_text() == box.locator(".answer-text").inner_text()
    assert box.bounding_box()["y"] < page.locator("ol.results").bounding_box()["y"]
    link = box.locator(".answer-source a")
    assert re.search(r"^/artikel/[^?]+\?p=[^&]+.*#cocok$", link.get_attribute("href"))
    page.screenshot(path=str(SHOTS / "answer-box.png"))
    link.click()
    page.wait_for_url(re.compile(r"/artikel/"))
    assert ANSWER in " ".join(page.locator("p.matched").all_inner_texts())  # the passage the box quoted


def test_the_answer_box_is_rendered_by_the_server_without_javascript(browser, base_url):
    _needs_reader()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/?" + urlencode({"q": ANSWER_QUESTION}))
    frame = page.frame_locator("#jawaban iframe.answer-frame")
    assert ANSWER in frame.locator(".answer-box .answer-text").inner_text(timeout=60_000)
    assert page.locator("#jawaban .answer-box").count() == 0  # no script inserted anything
    context.close()
