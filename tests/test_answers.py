"""The answer box: span extraction (property), answer types and the rules baseline, metrics (hand-computed),
abstention, the seed question end to end, the API field and escaping."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search_app.answer import CONTEXT_CHARS, AnswerBox, answer_box, reading_window
from search_app.answer_rules import rule_answer
from search_app.answer_types import expected_type
from search_app.reader import Reader, decode_spans, encode_windows
from search_app.tools.answer_eval import answer_metrics, exact_match, normalize_answer, token_f1
from tests.conftest import REPO

SEED_QUESTION = "Berapa inovasi yang telah dilahirkan Lampung Barat hingga 2024?"
WORDS = st.sampled_from(["Bupati", "Liwa", "132", "inovasi", "daerah,", "tahun", "2024.", "Lampung", "Barat",
                         "«kutip»", "naïve", "Jl.", "Rp1,5", "miliar", "—", "ﬁle", "Ⅻ", "😀", "日本", "e\u0301", "x"])
CONTEXTS = st.lists(st.lists(WORDS, min_size=1, max_size=120).map(" ".join), min_size=1, max_size=3)


@pytest.fixture(scope="module")
def tokenizer():
    from ingest.e5_convert import ensure_converted_model
    from search_app.reader import load_window_tokenizer

    return load_window_tokenizer(ensure_converted_model())


@pytest.fixture(scope="module")
def trained_tokenizer():
    """The tokenizer training used (transformers over the same folder)."""
    from transformers import AutoTokenizer

    from ingest.e5_convert import ensure_converted_model

    return AutoTokenizer.from_pretrained(str(ensure_converted_model()), local_files_only=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contexts=CONTEXTS, window=st.sampled_from([32, 64, 192]))
def test_the_windows_are_those_the_reader_was_trained_on(tokenizer, trained_tokenizer, contexts, window):
    """The reader's own windows (``tokenizers``, no torch) equal transformers' (how training tokenised)."""
    trained = trained_tokenizer
    question = trained.decode(trained("Berapa inovasi di Lampung Barat?", add_special_tokens=False)["input_ids"])
    expected = trained([question] * len(contexts), contexts, truncation="only_second", max_length=window, stride=16,
                       return_overflowing_tokens=True, return_offsets_mapping=True, padding=True)
    ours = encode_windows(tokenizer, "Berapa inovasi di Lampung Barat?", contexts, window, stride=16)
    assert ours.input_ids.tolist() == expected["input_ids"]
    assert ours.attention_mask.tolist() == expected["attention_mask"]
    assert ours.sample == list(expected["overflow_to_sample_mapping"])
    for row in range(len(ours.sample)):
        real = [i for i, m in enumerate(expected["attention_mask"][row]) if m]
        assert [ours.sequence_ids[row][i] for i in real] == [expected.sequence_ids(row)[i] for i in real]
        assert [tuple(ours.offsets[row][i]) for i in real] == [tuple(expected["offset_mapping"][row][i]) for i in real]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contexts=CONTEXTS, seed=st.integers(0, 2**32 - 1), window=st.sampled_from([32, 64, 192]))
def test_a_decoded_span_is_always_text_of_its_context(tokenizer, contexts, seed, window):
    encoded = encode_windows(tokenizer, "Berapa inovasi di Lampung Barat?", contexts, window, stride=16)
    rng = np.random.default_rng(seed)
    shape = encoded.input_ids.shape
    spans = decode_spans(rng.normal(size=shape) * 5, rng.normal(size=shape) * 5, encoded, contexts)
    assert len({s.context for s in spans}) == len(spans) <= len(contexts)
    for span in spans:
        assert span.text and span.text == contexts[span.context][span.start:span.end]
        assert span.text == span.text.strip()


@settings(max_examples=40, deadline=None)
@given(passage=st.lists(WORDS, min_size=1, max_size=800).map(" ".join), answer=st.sampled_from(["132", "Liwa", ""]))
def test_the_reading_window_is_a_slice_of_the_passage_at_its_offset(passage, answer):
    from search_app.search import Result

    result = Result(rank=1, score=1.0, article_id="a", passage_id="p", title="t", date=None, source="s", url="",
                    category="", passage=passage, passage_html="", answer=answer or None, position=0)
    window, offset = reading_window(result)
    assert passage[offset:offset + len(window)] == window and len(window) <= CONTEXT_CHARS
    if len(passage) <= CONTEXT_CHARS:
        assert (window, offset) == (passage, 0)  # a passage that fits is read whole


def test_answer_types_follow_the_question_word():
    assert expected_type(SEED_QUESTION) == "quantity"
    assert expected_type("Kapan PBB didirikan?") == "date"
    assert expected_type("Tahun berapa jembatan itu dibangun?") == "date"
    assert expected_type("Siapa yang membuka Bimtek Inovasi Daerah?") == "person"
    assert expected_type("Di mana Douwes Dekker dilahirkan?") == "place"
    assert expected_type("Apa nama aplikasi layanan itu?") == "name"
    assert expected_type("Mengapa inovasi daerah penting?") is None
    assert expected_type("Bagaimana cara mendaftar?") is None
    assert expected_type("banjir Padang -APBD") is None  # keywords: no box


def test_rules_pick_a_span_of_the_expected_type_new_to_the_question():
    passage = ("Hingga 2024 Kabupaten Lampung Barat telah melahirkan 132 inovasi daerah. "
               "Bupati Parosil Mabsus menyampaikannya di Liwa pada 12 Agustus 2024.")
    found = rule_answer(SEED_QUESTION, [passage], "quantity")
    assert found.text == "132 inovasi" and passage[found.start:found.end] == found.text
    assert rule_answer("Siapa bupati Lampung Barat?", [passage], "person").text == "Parosil Mabsus"
    assert rule_answer("Kapan bupati menyampaikannya di Liwa?", [passage], "date").text == "12 Agustus 2024"
    assert rule_answer(SEED_QUESTION, ["Tidak ada angka di sini."], "quantity") is None


def test_normalisation_and_metrics_by_hand():
    assert normalize_answer("  Pasuruan,  Jawa Timur! ") == "pasuruan jawa timur"
    assert exact_match("pasuruan, Jawa timur", "Pasuruan, Jawa Timur") == 1.0
    assert token_f1("Pasuruan", "Pasuruan, Jawa Timur") == pytest.approx(2 * 1 * (1 / 3) / (1 + 1 / 3))  # 0.5
    assert token_f1("Jakarta", "Pasuruan") == 0.0 and token_f1("", "Pasuruan") == 0.0
    golds = {"q1": ["24 Oktober 1945"], "q2": ["Yoo Kerl", "Kerl"], "q3": ["132 inovasi"], "q4": ["Liwa"]}
    predictions = {"q1": "24 Oktober 1945", "q2": "arsitek Yoo Kerl", "q3": None, "q4": "Jakarta"}
    m = answer_metrics(predictions, golds)
    # q1 EM 1 F1 1; q2 EM 0, F1 max(2*(2/3)*1/(2/3+1)=0.8, 0.5)=0.8; q3 abstains (0); q4 0
    assert m["answer_em"] == pytest.approx(1 / 4)
    assert m["answer_f1"] == pytest.approx((1 + 0.8) / 4)
    assert m["answer_coverage"] == pytest.approx(3 / 4)
    assert m["answer_precision"] == pytest.approx(2 / 3)


def test_a_box_quotes_its_passage_and_escapes_markup(tmp_path):
    from flask import render_template

    from search_app.answer_routes import answer_context
    from search_app.app import create_app

    app = create_app({"INDEX": str(tmp_path)})
    passage = "Ketua panitia adalah <script>alert(1)</script> menurut laporan."
    box = AnswerBox(text=passage[21:46], passage_id="p", article_id="a-1", title="<b>judul</b>", source="<i>s</i>",
                    date="2024-08-12", page=3, confidence=0.9, start=21, end=46)
    with app.test_request_context("/jawaban?q=x"):
        html = render_template("answer.html", box=box, params={"query": "x"}, context=answer_context(passage, box))
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "hal. 3" in html
    assert '<mark class="answer-span">&lt;script&gt;' in html


needs_reader = pytest.mark.skipif(not Reader().available, reason="no reader weights in search_app/data/reader")


@needs_reader
def test_a_question_about_something_absent_gets_no_box(app):
    body = app.test_client().get("/api/search", query_string={
        "q": "Siapa juara lomba balap karung antar galaksi tahun 3021?"}).get_json()
    assert body["answer_box"] is None
    assert app.test_client().get("/api/answer", query_string={"q": "banjir Padang"}).get_json() == {
        "answer_box": None}  # keywords, not a question


@needs_reader
def test_the_seed_question_is_answered_132_from_the_seed_passage(tmp_path_factory, shared_data, embedder):
    from ingest.pipeline import ingest_paths
    from ingest.store import Index
    from search_app.cli import main as cli_main

    directory = tmp_path_factory.mktemp("answer-seed")
    ingest_paths([REPO / "corpus", shared_data / "seed"], Index(directory), embedder, show_progress=False,
                 log=lambda line: None)
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main(["search", SEED_QUESTION, "--index", str(directory), "--json"]) == 0
    body = json.loads(out.getvalue())
    box = body["answer_box"]
    assert box is not None and normalize_answer(box["text"]) in ("132 inovasi", "132")
    seed = next(r for r in body["results"] if "132 inovasi" in r["passage"])
    assert box["passage_id"] == seed["passage_id"] and box["article_id"] == seed["article_id"]
    assert seed["passage"][box["start"]:box["end"]] == box["text"]


@needs_reader
def test_answer_box_reads_the_reader_and_abstains_below_its_margin(searcher):
    response = searcher.search("Berapa inovasi yang dilahirkan Lampung Barat hingga 2024?", k=5)
    box = answer_box(response.query, response.results, reader=Reader())
    assert box is None or next(r.passage for r in response.results
                               if r.passage_id == box.passage_id)[box.start:box.end] == box.text
    assert answer_box(response.query, response.results, reader=Reader(), threshold=1e9) is None


def test_the_answers_setting_chooses_the_method_or_turns_the_box_off(app, monkeypatch):
    question = "Berapa inovasi yang dilahirkan Lampung Barat hingga 2024?"
    client = app.test_client()
    monkeypatch.setenv("TELUSUR_ANSWERS", "rules")
    body = client.get("/api/search", query_string={"q": question}).get_json()
    box = body["answer_box"]
    top = [r["passage"] for r in body["results"][:3]]
    found = rule_answer(question, top, "quantity")
    assert box is not None and found is not None and box["text"] == found.text
    assert body["results"][found.passage]["passage_id"] == box["passage_id"]
    assert client.get("/api/search", query_string={"q": question, "answer": "0"}).get_json()["answer_box"] is None
    assert client.get("/api/search", query_string={"q": question, "answer": "2"}).status_code == 400
    monkeypatch.setenv("TELUSUR_ANSWERS", "off")
    assert client.get("/api/search", query_string={"q": question}).get_json()["answer_box"] is None
    assert client.get("/api/answer", query_string={"q": question}).get_json() == {"answer_box": None}


def test_the_fit_picks_spans_as_the_box_does_by_hand():
    from search_app.tools.fit_answers import Read, at_threshold, chosen

    reads = [Read(0, 1.0, 0.5, 0.0, 0.0), Read(1, 3.0, 1.0, 1.0, 1.0)]  # scores 1+2-0 = 3 and 3+4-1 = 6
    assert chosen(reads, support_weight=4, rank_penalty=1, depth=2) == (6.0, 1.0, 1.0)
    assert chosen(reads, support_weight=4, rank_penalty=1, depth=1) == (3.0, 0.0, 0.0)
    assert chosen(reads, support_weight=4, rank_penalty=1, depth=2, sure=3.0) == (3.0, 0.0, 0.0)  # stops early
    assert chosen(reads, support_weight=0, rank_penalty=3, depth=2) == (1.0, 0.0, 0.0)  # 1 against 3-3 = 0
    assert chosen([], support_weight=4, rank_penalty=1, depth=2)[0] == -float("inf")
    metrics = at_threshold([(6.0, 1.0, 1.0), (3.0, 0.4, 0.0), (-float("inf"), 0.0, 0.0)], 2.0)
    assert metrics == {"f1": 1.4 / 3, "em": 1 / 3, "coverage": 2 / 3, "precision": 0.5}


@needs_reader
def test_the_reader_engines_agree_on_a_written_passage(monkeypatch):
    """The int8 graph (the default) and the fp32 graph read the span torch reads, with margins close to its own;
    ``TELUSUR_READER_ENGINE`` picks the runtime."""
    monkeypatch.delenv("TELUSUR_READER_ENGINE", raising=False)
    assert Reader().engine == "onnxruntime-int8"
    monkeypatch.setenv("TELUSUR_READER_ENGINE", "torch")
    assert Reader().engine == "torch"
    monkeypatch.setenv("TELUSUR_READER_ENGINE", "tensorrt")
    with pytest.raises(ValueError, match="reader engine must be one of"):
        Reader()
    monkeypatch.delenv("TELUSUR_READER_ENGINE")
    contexts = ["Kabupaten Lampung Barat telah melahirkan 132 inovasi daerah hingga tahun 2024, kata Bupati di Liwa.",
                "Pemerintah desa memperbaiki jalan sepanjang dua kilometer dengan dana swadaya warga pada 2023."]
    question = "Berapa inovasi yang dilahirkan Lampung Barat hingga 2024?"
    reads = {engine: Reader(engine=engine).read(question, contexts)
             for engine in ("torch", "onnxruntime", "onnxruntime-int8")}
    first = reads["torch"][0]
    assert first.context == 0 and first.text.startswith("132")
    for engine, spans in reads.items():
        assert (spans[0].context, spans[0].text) == (first.context, first.text), engine
        assert abs(spans[0].margin - first.margin) < 1.0, engine
    with pytest.raises(ValueError, match="reader engine must be one of"):
        Reader(engine="tensorrt")


@needs_reader
def test_reading_a_question_needs_no_torch_once_the_graph_is_made():
    import subprocess
    import sys

    Reader().warm_up()  # makes the int8 graph on first use (that export needs torch)
    code = ("import sys\nfrom search_app.reader import Reader\n"
            f"spans = Reader(threads=1).read({SEED_QUESTION!r}, ['Lampung Barat punya 132 inovasi pada 2024.'])\n"
            "print(spans[0].text, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "False" and "132" in done.stdout
