"""Sentence splitting (Indonesian abbreviations, numbers, quotes) and passage packing."""

from __future__ import annotations

import time

import pytest

from ingest.split import PassageSpan, sentence_spans, split_passages, split_sentences


@pytest.mark.parametrize(("text", "expected"), [
    ("Acara dibuka oleh Drs. Sutrisno, M.M., di aula. Peserta datang dari lima desa.",
     ["Acara dibuka oleh Drs. Sutrisno, M.M., di aula.", "Peserta datang dari lima desa."]),
    ("Hadir Prof. Dr. Ir. H. Bambang Wiyono, M.Si. dari Kab. Pringsewu. Ia memberi materi.",
     ["Hadir Prof. Dr. Ir. H. Bambang Wiyono, M.Si. dari Kab. Pringsewu.", "Ia memberi materi."]),
    ("Pasien dirujuk ke dr. Maya di Kec. Sukajadi. Hj. Aminah dan Ds. Mekar ikut. Selesai.",
     ["Pasien dirujuk ke dr. Maya di Kec. Sukajadi.", "Hj. Aminah dan Ds. Mekar ikut.", "Selesai."]),
    ("Kantor itu di Jl. Kenanga No. 12, Kel. Sukamaju. Letaknya dekat pasar.",
     ["Kantor itu di Jl. Kenanga No. 12, Kel. Sukamaju.", "Letaknya dekat pasar."]),
    ("Guru teladan itu, Rina, S.Pd., M.Pd., dan Agus, S.Kom., S.H., S.E., hadir. Semua senang.",
     ["Guru teladan itu, Rina, S.Pd., M.Pd., dan Agus, S.Kom., S.H., S.E., hadir.", "Semua senang."]),
    ("Saham PT. Sinar Jaya Tbk. naik. Investor lega.", ["Saham PT. Sinar Jaya Tbk. naik.", "Investor lega."]),
    ("Surat ditujukan a.n. Kepala Desa u.p. Yth. Bapak Camat. Balasan belum ada.",
     ["Surat ditujukan a.n. Kepala Desa u.p. Yth. Bapak Camat.", "Balasan belum ada."]),
    ("Gedung itu dinamai B. J. Habibie. Peresmian dihadiri warga.",
     ["Gedung itu dinamai B. J. Habibie.", "Peresmian dihadiri warga."]),
    ("Inflasi 2,5 persen dan harga Rp 3.000 per ikat pada 6/8/2025. Pedagang mengeluh.",
     ["Inflasi 2,5 persen dan harga Rp 3.000 per ikat pada 6/8/2025.", "Pedagang mengeluh."]),
    ("Nilainya naik 3.5 poin. Lalu turun.", ["Nilainya naik 3.5 poin.", "Lalu turun."]),
    ("Mereka menunggu... lalu pulang. Hujan turun lagi… Jalan tergenang.",
     ["Mereka menunggu... lalu pulang.", "Hujan turun lagi…", "Jalan tergenang."]),
    ("“Pelayanan harus cepat, bukan pilihan.” kata dia. Warga setuju.",
     ["“Pelayanan harus cepat, bukan pilihan.” kata dia.", "Warga setuju."]),
    ("“Sudah makan?” tanya ibu. “Belum!” jawab Doni. Mereka tertawa.",
     ["“Sudah makan?” tanya ibu.", "“Belum!” jawab Doni.", "Mereka tertawa."]),
    ("Ia berkata, “Kami siap.” Pekerjaan dimulai.", ["Ia berkata, “Kami siap.”", "Pekerjaan dimulai."]),
    ("Apa sebabnya? Belum jelas! Polisi menyelidiki.",
     ["Apa sebabnya?", "Belum jelas!", "Polisi menyelidiki."]),
    ("Ada sayur, buah, dll. Semua dijual murah.", ["Ada sayur, buah, dll.", "Semua dijual murah."]),
    ("Jumlahnya naik pada 2024. 132 inovasi tercatat.",
     ["Jumlahnya naik pada 2024.", "132 inovasi tercatat."]),
    ("Sambutan Moh. Yamin dan Muh. Iqbal dibacakan Abd. Rahman. Acara usai.",
     ["Sambutan Moh. Yamin dan Muh. Iqbal dibacakan Abd. Rahman.", "Acara usai."]),
    ("Kantor libur 6 s.d. 8 Agustus. Layanan dijual a.l. Surat Keterangan. Info Telp. 0812 555.",
     ["Kantor libur 6 s.d. 8 Agustus.", "Layanan dijual a.l. Surat Keterangan.", "Info Telp. 0812 555."]),
    ("Panen dimulai 6 Agt. 2025 di sawah. Rapat bulan Agt. Semua hadir.",
     ["Panen dimulai 6 Agt. 2025 di sawah.", "Rapat bulan Agt.", "Semua hadir."]),
    ("Pemenang lomba:\n1. Tim Desa Maju\n2. Tim Desa Makmur. Keduanya dapat piala.",
     ["Pemenang lomba:", "1. Tim Desa Maju", "2. Tim Desa Makmur.", "Keduanya dapat piala."]),
    ("Judul tanpa titik\nBaris kedua juga\n\nParagraf baru di sini.",
     ["Judul tanpa titik", "Baris kedua juga", "Paragraf baru di sini."]),
])
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentence_spans_index_into_text() -> None:
    text = "  Pertama di sini.  Kedua di sana!\n\n Ketiga? "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Pertama di sini.", "Kedua di sana!", "Ketiga?"]
    assert split_sentences("   \n\n ") == []


def _sentence(i: int, words: int = 20) -> str:
    """A made-up sentence of exactly ``words`` words, distinguishable by its number."""
    filler = ["warga", "desa", "menanam", "padi", "di", "sawah", "setiap", "musim", "hujan", "tiba"]
    return " ".join([f"Kalimat{i}", *(filler[k % len(filler)] for k in range(words - 2)), "selesai."])


def _words(text: str) -> int:
    return len(text.split())


def test_short_text_is_one_passage() -> None:
    text = " ".join(_sentence(i) for i in range(9))  # 180 words
    assert split_passages(text) == [PassageSpan(0, text, 0, len(text))]
    assert split_passages("") == []


def test_passages_pack_whole_sentences_with_overlap() -> None:
    sentences = [_sentence(i) for i in range(30)]  # 600 words
    text = "\n\n".join(sentences)
    passages = split_passages(text)
    assert len(passages) >= 3
    for i, p in enumerate(passages):
        assert p.position == i
        assert text[p.start_char:p.end_char] == p.text
        assert 120 <= _words(p.text) <= 200 or i == len(passages) - 1
        parts = p.text.split("\n\n")
        assert all(part in sentences for part in parts)  # never cut inside a sentence
    for prev, nxt in zip(passages, passages[1:]):
        assert nxt.text.split("\n\n")[0] == prev.text.split("\n\n")[-1]  # one-sentence overlap
    assert passages[-1].end_char == len(text)
    assert passages[0].start_char == 0


def test_no_overlap_when_disabled() -> None:
    text = " ".join(_sentence(i) for i in range(30))
    passages = split_passages(text, overlap_sentences=0)
    assert all(a.end_char < b.start_char for a, b in zip(passages, passages[1:]))
    assert sum(_words(p.text) for p in passages) == _words(text)


def test_tiny_tail_merges_into_previous_passage() -> None:
    text = " ".join([_sentence(0, 119), _sentence(1, 70), _sentence(2, 30)])  # 219 words
    # 119 < min_words, so the 70-word sentence still joins (189); the 30 new words left must not stand alone.
    assert [(p.start_char, p.end_char) for p in split_passages(text)] == [(0, len(text))]


def test_tail_merge_with_custom_sizes() -> None:
    text = " ".join([*(_sentence(i) for i in range(5)), _sentence(9, 25)])  # 100 + 25 words
    passages = split_passages(text, target_words=100, max_words=120, min_words=80)
    assert len(passages) == 1 and passages[0].text == text
    text = " ".join([*(_sentence(i) for i in range(5)), _sentence(9, 45)])  # a 45-word tail stands alone
    passages = split_passages(text, target_words=100, max_words=120, min_words=80)
    assert [_words(p.text) for p in passages] == [100, 65]  # 20-word overlap + 45 new words


def test_long_sentence_is_its_own_passage() -> None:
    long = _sentence(1, 260)
    text = " ".join([_sentence(0, 100), long, _sentence(2, 100)])
    passages = split_passages(text)
    assert long in [p.text for p in passages]


def test_very_long_sentence_is_cut_at_clauses() -> None:
    clause = " ".join(["petani", "membersihkan", "saluran", "irigasi", "bersama"] * 6)  # 30 words
    text = ", ".join([clause] * 15) + "."  # one 450-word sentence
    passages = split_passages(text)
    assert len(passages) >= 3
    assert all(_words(p.text) <= 200 for p in passages)
    for p in passages:
        assert text[p.start_char:p.end_char] == p.text
        assert p.text.startswith("petani")  # cut right after a comma, never inside a clause
    assert passages[-1].text.endswith("bersama.")


def test_long_sentence_without_commas_is_cut_at_spaces() -> None:
    text = " ".join(["kata"] * 500) + "."
    passages = split_passages(text)
    assert all(_words(p.text) <= 200 for p in passages)
    assert passages[0].start_char == 0 and passages[-1].end_char == len(text)


def test_one_huge_line_is_not_quadratic() -> None:
    text = "Warga desa menanam padi di sawah. " * 10000  # 340 KB without a newline; took ~20 s when quadratic
    started = time.perf_counter()
    assert len(split_sentences(text)) == 10000
    assert time.perf_counter() - started < 5
