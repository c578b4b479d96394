"""Referring a case to a body outside the city government from the console, and how a referred
case shows: the console, the dashboard, the tracking page and Open311."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.settings import Settings
from tests.console.helpers import case_row, history, post, signed_in
from tests.helpers import create_staff, file_complaint, login, run_jobs
from tests.open311.helpers import read
from tests.residents import rows

POTHOLE_ON_PANTURA = "Jalan berlubang besar di Jl. Kaligawe depan pabrik, motor sering jatuh"
VAGUE = "Mohon bantuannya pak, ini sudah lama sekali"  # routing cannot place it: triage
BBPJN_NAME = "Balai Besar Pelaksanaan Jalan Nasional (BBPJN)"
LEAKS = ("None", "referred<", ">referred", "%(")


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    """The app publishing every case staff have acted on (the default), on https."""
    client = TestClient(create_app(settings))
    client.base_url = "https://testserver"  # the console's cookie is Secure
    with client:
        yield client


def _outbox(settings: Settings, code: str, kind: str) -> list[str]:
    return [
        row.body
        for row in rows(
            settings,
            "SELECT body FROM notifications WHERE kind = :kind AND reference = :code",
            kind=kind,
            code=code,
        )
    ]


def test_an_officer_refers_a_case_and_the_resident_is_told_where_to_go(
    web: TestClient, settings: Settings
) -> None:
    """DPU's officer refers a national-road pothole to BBPJN with a reason: the case ends as
    referred (no due time, no officer) with BBPJN, the resident is told where to go, and the
    case leaves the officer's queue."""
    create_staff(settings, "dpu", "officer", "DPU")
    code = file_complaint(web, text=POTHOLE_ON_PANTURA, email="warga@example.com")["tracking_code"]
    assert case_row(settings, code).status == "assigned"
    csrf = signed_in(web, "dpu")
    page = web.get(f"/console/cases/{code}").text
    assert 'action="/console/cases/' + code + '/refer"' in page
    assert '<option value="BBPJN">' in page
    # the forward list holds the city's agencies only
    forward = page.split('id="forward-agency"')[1].split("</select>")[0]
    assert "BBPJN" not in forward and "DLH" in forward

    response = post(
        web, f"/console/cases/{code}/refer", csrf, agency="BBPJN", note="jalan nasional"
    )
    assert response.status_code == 303 and response.headers["location"] == "/console"
    assert f"Aduan dirujuk ke {BBPJN_NAME}" in web.get("/console").text
    case = case_row(settings, code)
    assert case.status == "referred" and case.referred_at is not None
    assert (case.due_at, case.assignee_id) == (None, None)
    event = history(settings, code)[-1]
    assert (event.kind, event.to_status, event.internal_note) == (
        "status_changed",
        "referred",
        "jalan nasional",
    )
    assert web.get(f"/console/cases/{code}").status_code == 404  # no longer DPU's
    [told] = _outbox(settings, code, "referred")
    assert BBPJN_NAME in told and "lapor.go.id" in told and code in told


def test_refer_is_refused_with_the_reason(web: TestClient, settings: Settings) -> None:
    """A city agency is forwarded to, not referred to; a referral body is referred to, not
    forwarded to; a reason is needed; another agency's officer cannot refer the case; a
    referred case is final."""
    create_staff(settings, "dpu", "officer", "DPU")
    create_staff(settings, "dlh", "officer", "DLH")
    create_staff(settings, "kepala", "supervisor")
    code = file_complaint(web)["tracking_code"]
    csrf = signed_in(web, "dpu")
    city = post(web, f"/console/cases/{code}/refer", csrf, agency="DLH", note="sampah")
    assert city.status_code == 422
    assert "Dinas Lingkungan Hidup adalah dinas pemkot: alihkan aduan" in city.text
    body = post(web, f"/console/cases/{code}/forward", csrf, agency="PLN", note="listrik")
    assert body.status_code == 422
    assert "PT PLN (Persero) bukan dinas pemkot: rujuk aduan" in body.text
    blank = post(web, f"/console/cases/{code}/refer", csrf, agency="PLN", note="  ")
    assert blank.status_code == 422 and "tidak boleh kosong" in blank.text
    assert case_row(settings, code).status == "assigned"

    web.cookies.clear()
    other = signed_in(web, "dlh")
    assert (
        post(web, f"/console/cases/{code}/refer", other, agency="PLN", note="x").status_code == 404
    )

    web.cookies.clear()
    boss = signed_in(web, "kepala")
    assert (
        post(web, f"/console/cases/{code}/refer", boss, agency="PLN", note="x").status_code == 303
    )
    again = post(web, f"/console/cases/{code}/refer", boss, agency="POLRI", note="y")
    assert again.status_code == 409
    assert "langkah “rujuk ke instansi di luar pemkot”" in again.text
    assert case_row(settings, code).status == "referred"


def test_a_supervisor_refers_from_triage(web: TestClient, settings: Settings) -> None:
    """A triage case is referred with one click on a referral body; an officer cannot."""
    create_staff(settings, "dpu", "officer", "DPU")
    create_staff(settings, "kepala", "supervisor")
    code = file_complaint(web, text=VAGUE)["tracking_code"]
    officer = signed_in(web, "dpu")
    denied = post(web, f"/console/triage/{code}/assign", officer, agency="POLRI")
    assert denied.status_code == 403
    web.cookies.clear()
    csrf = signed_in(web, "kepala")
    response = post(web, f"/console/triage/{code}/assign", csrf, agency="POLRI")
    assert response.status_code == 303
    assert (
        f"{code} dirujuk ke Kepolisian Republik Indonesia (Polri)"
        in web.get("/console/triage").text
    )
    assert case_row(settings, code).status == "referred"
    assert history(settings, code)[-1].note_code == "from_triage"


def test_a_referred_case_shows_as_referred_everywhere(web: TestClient, settings: Settings) -> None:
    """The dashboard counts it for its body (not as resolved or rejected, and the body has no
    agency row); /track says "Dirujuk ke <name>" and where to go, in either language; Open311
    says closed and names the body in status_notes; the CSV export has its referred time."""
    create_staff(settings, "dpu", "officer", "DPU")
    create_staff(settings, "kepala", "supervisor")
    code = file_complaint(web)["tracking_code"]
    csrf = signed_in(web, "dpu")
    post(web, f"/console/cases/{code}/refer", csrf, agency="BBPJN", note="jalan nasional")
    run_jobs(settings)

    web.cookies.clear()
    signed_in(web, "kepala")
    for lang, heading in (("id", "Dirujuk ke instansi di luar pemkot"), ("en", "Referred to")):
        dashboard = web.get("/console/dashboard", params={"lang": lang}).text
        referred = dashboard.split('id="referred-stats"')[1].split("</table>")[0]
        assert heading in dashboard
        assert 'data-referral="BBPJN"' in referred and "<td>1</td>" in referred
        agencies = dashboard.split('id="agency-stats"')[1].split("</table>")[0]
        assert 'data-agency="BBPJN"' not in agencies and 'data-agency="DPU"' in agencies
        assert not any(leak in dashboard for leak in LEAKS)
    answer = web.get("/api/v1/stats/agencies", headers=login(web, "kepala"))
    stats = {row["agency"]: row for row in answer.json()}
    assert "BBPJN" not in stats and (stats["DPU"]["resolved"], stats["DPU"]["total"]) == (0, 0)

    track = web.get(f"/track/{code}").text
    assert f"Dirujuk ke {BBPJN_NAME}" in track and "pu.go.id" in track
    english = web.get(f"/track/{code}", params={"lang": "en"}).text
    assert "Referred to National Road Implementation Centre (BBPJN)" in english
    assert "pu.go.id or lapor.go.id" in english
    for page in (track, english):
        assert not any(leak in page for leak in LEAKS)

    [request], _ = read(web, f"requests/{code}")
    assert (request["status"], request["detailed_status"]) == ("closed", "referred")
    assert request["status_notes"] == f"dirujuk ke {BBPJN_NAME}"
    updates, _ = read(web, "servicerequestupdates")
    assert [u["status"] for u in updates if u["service_request_id"] == code] == ["closed"]

    export = web.get("/console/export.csv").text.splitlines()
    header, [line] = export[0].lstrip("\ufeff").split(","), [r for r in export if code in r]
    assert header[-1] == "referred_at" and line.split(",")[-1].endswith("+07:00")
