"""parse_date: Indonesian/English date formats to ISO 8601, and None rather than a wrong date."""

from __future__ import annotations

import pytest

from ingest.dates import DateParts, format_date_parts, parse_date, parse_date_parts


@pytest.mark.parametrize(("text", "expected"), [
    ("Rabu 06 Aug 2025 - 21:08 WIB", "2025-08-06T21:08:00+07:00"),
    ("Rabu, 6 Agustus 2025 pukul 21.08 WIB", "2025-08-06T21:08:00+07:00"),
    ("6 Agustus 2025 pukul 21.08 WIB", "2025-08-06T21:08:00+07:00"),
    ("Senin, 14/04/2025 09:30 WIB", "2025-04-14T09:30:00+07:00"),
    ("Jumat 3 Okt 2025 | 10:15 WITA", "2025-10-03T10:15:00+08:00"),
    ("Kamis, 11 Des 2025 07:05 WIT", "2025-12-11T07:05:00+09:00"),
    ("12 Mei 2025 13:45", "2025-05-12T13:45:00"),
    ("12 May 2025", "2025-05-12"),
    ("1 Agt 2025", "2025-08-01"),
    ("1 Agu 2025", "2025-08-01"),
    ("15 Sept 2024", "2024-09-15"),
    ("Aug 6, 2025", "2025-08-06"),
    ("Wednesday, August 6, 2025 9:08 PM", "2025-08-06T21:08:00"),
    ("Sabtu, 1 Februari 2025", "2025-02-01"),
    ("Pebruari 2025 tanpa hari, tetapi 2 Pebruari 2025 ada", "2025-02-02"),
    ("digelar di aula, Rabu (6/8/2025).", "2025-08-06"),
    ("06-08-2025", "2025-08-06"),
    ("06.08.2025", "2025-08-06"),
    ("2025-08-06", "2025-08-06"),
    ("2025/08/06", "2025-08-06"),
    ("2025-08-06T21:08:00+07:00", "2025-08-06T21:08:00+07:00"),
    ("2025-08-06T14:08:00Z", "2025-08-06T14:08:00+00:00"),
    ("2025-08-06 21:08:30.250+0700", "2025-08-06T21:08:30+07:00"),
    ("2025-08-06T21:08", "2025-08-06T21:08:00"),
    ("Diperbarui 2 Jan 2026, 08:00 GMT+7", "2026-01-02T08:00:00+07:00"),
    ("7 Nop 2024", "2024-11-07"),
    ("Wed, 06 Aug 2025 21:08:00 +0700", "2025-08-06T21:08:00+07:00"),  # RFC 2822 (RSS, HTTP headers)
    ("Wed, 06 Aug 2025 14:08:00 GMT", "2025-08-06T14:08:00+00:00"),
    ("2025/08/06 21:08:00", "2025-08-06T21:08:00"),
    ("06 Aug 25", "2025-08-06"),
])
def test_parses_supported_formats(text: str, expected: str) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [
    "",
    "tanpa tanggal sama sekali",
    "31/02/2025",  # no 31 February
    "29/02/2025",  # 2025 is not a leap year
    "12/13/2025",  # month 13
    "2025-13-01",
    "2025-02-30",
    "Agustus 2025",  # no day
    "8/6",  # no year
    "6/8/25",  # two-digit year without a month name
    "6 Agustus 25 orang hadir",  # 25 is a count here, not a year
    "Selasa 06 Aug 2025",  # 6 Aug 2025 was a Wednesday: something is wrong
    "6 Agustus 2025 pukul 25:10 WIB",  # impossible time
    "6 Agustus 1850",  # outside 1900..2099
])
def test_rejects_invalid_or_ambiguous(text: str) -> None:
    assert parse_date(text) is None


def test_dot_time_needs_keyword_or_zone() -> None:
    # "12.000" is a number, and a bare "10.30" could be one too; only "pukul"/a zone make it a time.
    assert parse_date("6 Agustus 2025, 12.000 warga hadir") == "2025-08-06"
    assert parse_date("6 Agustus 2025 10.30") == "2025-08-06"
    assert parse_date("6 Agustus 2025 10.30 WIB") == "2025-08-06T10:30:00+07:00"


def test_first_date_in_text_wins() -> None:
    text = "Dimuat Senin 4 Agt 2025, tentang acara Rabu (6/8/2025)."
    assert parse_date(text) == "2025-08-04"


def test_leap_day_is_valid() -> None:
    assert parse_date("29/02/2024") == "2024-02-29"


def test_parts_and_formatting() -> None:
    parts = parse_date_parts("Rabu 06 Aug 2025 - 21:08 WIB")
    assert parts == DateParts(2025, 8, 6, 21, 8, 0, 420)
    assert format_date_parts(DateParts(2025, 8, 6)) == "2025-08-06"
    assert format_date_parts(DateParts(2025, 8, 6, 5, 4, 3)) == "2025-08-06T05:04:03"
    assert format_date_parts(DateParts(2025, 8, 6, 5, 4, 3, -90)) == "2025-08-06T05:04:03-01:30"
