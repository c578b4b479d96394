"""A complaint that belongs to a body outside the city government (a power cut: PLN) is
answered at once with where to go and closed as referred, the same on every channel."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.residents import Resident, cases, files, on_every_channel, rows
from tests.website.test_web_form import form_token

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
    assert "Ini wewenang PT PLN (Persero), bukan Pemkot." in reply.body
    assert "Hubungi aplikasi PLN Mobile, telepon 123." in reply.body
    assert not rows(
        resident.settings,
        "SELECT id FROM notifications WHERE kind = 'acknowledgement' AND reference = :code",
        code=code,
    )


def test_asking_the_status_of_a_referred_case_says_where_to_go(resident: Resident) -> None:
    """ "status <code>" on any channel names the body it was referred to and how to reach it."""
    code = files(resident, POWER_CUT)
    [answer] = resident.says(f"status {code}")
    assert f"Aduan {code}: dirujuk ke PT PLN (Persero)." in answer
    assert "Hubungi: aplikasi PLN Mobile, telepon 123" in answer
    assert "None" not in answer


def test_the_web_form_answers_a_power_cut_with_where_to_go(client: TestClient) -> None:
    """Filed on the web form, the received page says the matter was referred to PLN and how to
    reach it, in the resident's language, with no blanks or raw codes."""
    for lang, referred, where in (
        ("id", "Dirujuk ke PT PLN (Persero)", "aplikasi PLN Mobile"),
        ("en", "Referred to PLN, the state electricity company", "the PLN Mobile app"),
    ):
        token = form_token(client.get("/", params={"lang": lang}).text)
        response = client.post(
            "/complaints",
            data={"text": POWER_CUT, "notify_via": "none", "lang": lang, "form_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        page = client.get(response.headers["location"]).text
        assert referred in page and where in page and "123" in page
        assert "None" not in page and ">referred<" not in page
