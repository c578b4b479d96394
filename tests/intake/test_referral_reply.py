"""A complaint that belongs to a body outside the city government (a power cut: PLN) is
answered at once with where to go and closed as referred, the same on every channel."""

from __future__ import annotations

from tests.residents import Resident, cases, files, on_every_channel, rows

__all__ = ["on_every_channel"]

POWER_CUT = "Listrik di rumah kami padam sejak jam 6 pagi, sampai sekarang belum menyala"


def test_a_power_cut_is_referred_to_pln_with_its_hotline(resident: Resident) -> None:
    """The resident is told the matter is PLN's, how to reach it (PLN Mobile, 123) and the
    tracking code; the case is filed with PLN as `referred`, with no SLA clock."""
    code = files(resident, POWER_CUT)
    [case] = [c for c in cases(resident.settings) if c.tracking_code == code]
    assert (case.status, case.agency) == ("referred", "PLN")
    [(due_at, assigned_at, referred_at)] = rows(
        resident.settings,
        "SELECT due_at, assigned_at, referred_at FROM cases WHERE tracking_code = :code",
        code=code,
    )
    assert due_at is None and assigned_at is None and referred_at is not None
    [reply] = rows(
        resident.settings,
        "SELECT body FROM notifications WHERE kind = 'referred' AND reference = :code",
        code=code,
    )
    assert "PT PLN (Persero)" in reply.body
    assert "PLN Mobile" in reply.body and "telepon 123" in reply.body
    assert "bukan Pemerintah Kota" in reply.body
    assert not rows(
        resident.settings,
        "SELECT id FROM notifications WHERE kind = 'acknowledgement' AND reference = :code",
        code=code,
    )
