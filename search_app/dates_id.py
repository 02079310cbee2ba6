"""Showing dates and numbers the Indonesian way: ``2025-08-06T21:08:00+07:00`` → ``6 Agustus 2025``, 1234 → 1.234."""

from __future__ import annotations

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


def format_date_id(iso: str | None) -> str:
    """``6 Agustus 2025`` for an ISO date or date-time; empty for none; the input unchanged if unreadable."""
    if not iso:
        return ""
    try:
        year, month, day = int(iso[0:4]), int(iso[5:7]), int(iso[8:10])
        return f"{day} {BULAN[month - 1]} {year}"
    except (ValueError, IndexError):
        return iso


def format_number_id(n: int) -> str:
    """1234 → "1.234" (Indonesian thousands separator)."""
    return f"{n:,}".replace(",", ".")
