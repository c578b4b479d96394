"""What of a case may be published (cases/publishing.py): personal data hidden from the words,
and nothing of a Rahasia case's words, photos or place; checked on the rule itself and on the
public surfaces there are (the status page and the public lookup API)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from cases.models import Case
from cases.publishing import publication, published_note
from cases.redaction import redact
from tests.console.helpers import signed_in
from tests.helpers import create_staff, file_complaint, login

PEMUDA = "Jalan berlubang besar di Jl. Pemuda, bahaya untuk motor"
NEAR_PEMUDA = {"lat": -6.979, "lon": 110.415}

PHONE_WORD, EMAIL_WORD = "[nomor disembunyikan]", "[e-mail disembunyikan]"
ID_WORD, PLATE_WORD = "[NIK/KK disembunyikan]", "[pelat nomor disembunyikan]"

# (as a resident writes it, as the public reads it)
HIDDEN = [
    # mobile numbers, every way they are typed
    ("Hubungi saya di 0812-3456-7890 ya pak", f"Hubungi saya di {PHONE_WORD} ya pak"),
    ("wa 081234567890", f"wa {PHONE_WORD}"),
    ("no hp 0812 3456 7890, rumah cat hijau", f"no hp {PHONE_WORD}, rumah cat hijau"),
    ("telp +62 812 3456 7890", f"telp {PHONE_WORD}"),
    ("Telp/WA: 62812-3456-7890", f"Telp/WA: {PHONE_WORD}"),
    ("HP:0857.1234.5678", f"HP:{PHONE_WORD}"),
    ("+6281234567890 (Bu Sri)", f"{PHONE_WORD} (Bu Sri)"),
    ("0896-1234-5678 atau 0813 9000 1234", f"{PHONE_WORD} atau {PHONE_WORD}"),
    # a typo'd number outside the ranges handed out is still somebody's number
    ("sms ke 0899 9999 9999", f"sms ke {PHONE_WORD}"),
    # fixed lines with their area code, and a foreign number
    ("kantor kelurahan (024) 3581234", f"kantor kelurahan {PHONE_WORD}"),
    ("telepon 024-3581234 tidak diangkat", f"telepon {PHONE_WORD} tidak diangkat"),
    ("call centre 021 5551234", f"call centre {PHONE_WORD}"),
    ("anak saya di +1 415 555 2671", f"anak saya di {PHONE_WORD}"),
    # e-mail addresses
    ("email budi.santoso@gmail.com", f"email {EMAIL_WORD}"),
    ("kirim ke rt05.pedurungan@yahoo.co.id.", f"kirim ke {EMAIL_WORD}."),
    # NIK and KK numbers, together or in groups
    ("NIK 3374012345678901", f"NIK {ID_WORD}"),
    ("No KK: 3374 0123 4567 8901 atas nama ayah", f"No KK: {ID_WORD} atas nama ayah"),
    ("nik 337401 010190 0001 tolong dibantu", f"nik {ID_WORD} tolong dibantu"),
    ("NIK 3374-0101-9000-0001", f"NIK {ID_WORD}"),
    # number plates
    ("mobil H 1234 AB parkir di trotoar", f"mobil {PLATE_WORD} parkir di trotoar"),
    ("truk B1234XYZ buang sampah", f"truk {PLATE_WORD} buang sampah"),
    ("motor AD 1234 XY ngebut tiap malam", f"motor {PLATE_WORD} ngebut tiap malam"),
    ("angkot H-1234-AB dan bus K 7 A", f"angkot {PLATE_WORD} dan bus {PLATE_WORD}"),
    # several at once, and the words around them untouched
    (
        "Saya Budi (NIK 3374012345678901, HP 081234567890) melihat mobil H 1234 AB menabrak "
        "tiang di RT 03/RW 05 no 12",
        f"Saya Budi (NIK {ID_WORD}, HP {PHONE_WORD}) melihat mobil {PLATE_WORD} menabrak "
        "tiang di RT 03/RW 05 no 12",
    ),
]

# ordinary numbers of a complaint: none of them is personal data
KEPT = [
    "Rumah no 12, gang 3",
    "Jl. Pemuda No. 12 B depan toko",
    "RT 03/RW 05 Kelurahan Pedurungan",
    "RT 03 RW 05",
    "sejak tanggal 12-05-2024 jam 08.30",
    "sejak 12/05/2024 pukul 19.00 - 21.00 WIB",
    "tanggal 2024-05-12",
    "pungutan liar Rp 50.000 per motor",
    "diminta Rp50.000,- untuk surat",
    "biaya Rp 1.500.000 padahal gratis",
    "anggaran Rp 150.000.000 tahun 2023",
    "1.234.567 rupiah",
    "km 12.5 arah Ungaran",
    "lubang 3 x 4 m sedalam 10 cm",
    "perumahan Graha Indah blok D 5 A",
    "SMP N 2 Semarang dan SD 2",
    "tiang PLN nomor T 12 A",
    "nomor pelanggan PDAM 1234567890",
    "nomor rumah 123456",
    "sudah 2 minggu, 3 kali lapor",
]


@pytest.mark.parametrize(("written", "published"), HIDDEN)
def test_personal_data_in_the_words_is_hidden(written: str, published: str) -> None:
    """Phone numbers, e-mail addresses, NIK/KK numbers and plates become bracketed words."""
    assert redact(written, "id") == published


@pytest.mark.parametrize("written", KEPT)
def test_ordinary_numbers_stay(written: str) -> None:
    """House numbers, RT/RW, dates, times, amounts and measures are not personal data."""
    assert redact(written, "id") == written


def test_the_bracketed_words_are_in_the_readers_language() -> None:
    """An English reader reads English words where the data was."""
    written = "HP 081234567890, budi@example.com, NIK 3374012345678901, mobil H 1234 AB"
    assert redact(written, "en") == (
        "HP [number hidden], [e-mail hidden], NIK [ID number hidden], mobil [plate hidden]"
    )


def _case(**columns: object) -> Case:
    values = dict(
        tracking_code="ABCD-2345",
        status="assigned",
        text="Pohon tumbang di depan rumah, hubungi 081234567890",
        source_channel="web",
        latitude=-6.979,
        longitude=110.415,
        address="Jl. Pemuda 5, telp 024-3581234",
        service_area_id=3,
    )
    return Case(**(values | columns))


def test_an_ordinary_case_publishes_its_words_without_personal_data() -> None:
    """Words and address with the numbers hidden; the place and photos may be shown."""
    published = publication(_case(), "id")
    assert published.text == f"Pohon tumbang di depan rumah, hubungi {PHONE_WORD}"
    assert published.address == f"Jl. Pemuda 5, telp {PHONE_WORD}"
    assert (published.latitude, published.longitude) == (-6.979, 110.415)
    assert published.service_area_id == 3 and published.photos is True


def test_a_confidential_case_publishes_nothing_of_its_words_photos_or_place() -> None:
    """Rahasia: no text, no address, no coordinates, no service area, no photos."""
    published = publication(_case(confidential=True), "id")
    assert published.text is None and published.address is None
    assert published.latitude is None and published.longitude is None
    assert published.service_area_id is None and published.photos is False


def test_an_anonymous_case_is_published_like_any_other() -> None:
    """Anonim hides the reporter from staff; what the public may see does not change."""
    assert publication(_case(anonymous=True), "id") == publication(_case(), "id")


def test_an_officers_note_is_published_without_personal_data() -> None:
    """A note to the resident shows on the status page with numbers hidden."""
    assert published_note("Hubungi 0812-3456-7890", "id") == f"Hubungi {PHONE_WORD}"
    assert published_note(None, "id") is None


@pytest.fixture
def supervisor(settings, client: TestClient) -> dict[str, str]:
    create_staff(settings, "kepala", "supervisor")
    return login(client, "kepala")


def test_the_public_lookup_of_a_confidential_case_names_no_place(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    """Rahasia: staff see the service area; the public lookup does not, and neither it nor
    the status page shows the words."""
    ordinary = file_complaint(client, text=PEMUDA, **NEAR_PEMUDA)["tracking_code"]
    secret = file_complaint(client, text=PEMUDA, confidential=True, **NEAR_PEMUDA)
    code = secret["tracking_code"]
    detail = client.get(f"/api/v1/cases/{code}", headers=supervisor).json()
    assert detail["service_area"]["name"] == "UPTD Wilayah Tengah"
    assert detail["confidential"] is True and detail["text"] == PEMUDA
    public = client.get(f"/api/v1/complaints/{code}").json()
    assert public["service_area_name"] is None and public["confidential"] is True
    assert PEMUDA not in str(public)
    page = client.get(f"/track/{code}").text
    assert "UPTD Wilayah Tengah" not in page and "Jl. Pemuda" not in page
    assert "Rahasia" in page
    # officers are told not to publish it
    client.base_url = "https://testserver"  # the console's cookie is Secure
    signed_in(client, "kepala")
    console = client.get(f"/console/cases/{code}").text
    assert "tidak boleh dipublikasikan" in console and PEMUDA in console
    assert "tidak boleh dipublikasikan" not in client.get(f"/console/cases/{ordinary}").text
    # the same complaint filed ordinarily names its office
    assert client.get(f"/api/v1/complaints/{ordinary}").json()["service_area_name"] == (
        "UPTD Wilayah Tengah"
    )


def test_the_status_page_shows_an_officers_note_without_personal_data(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    """A number an officer wrote to the resident is hidden on the public page and lookup."""
    code = file_complaint(client, text=PEMUDA)["tracking_code"]
    note = {"text": "Silakan hubungi mandor kami di 0812-3456-7890", "public": True}
    assert client.post(f"/api/v1/cases/{code}/notes", json=note, headers=supervisor).is_success
    page = client.get(f"/track/{code}").text
    assert f"Silakan hubungi mandor kami di {PHONE_WORD}" in page
    # no piece of the number either (a time's microseconds in a datetime attribute may hold
    # any four digits: those are not the page's words)
    assert "3456" not in re.sub(r'datetime="[^"]*"', "", page)
    english = client.get(f"/api/v1/complaints/{code}", params={"lang": "en"}).json()
    assert english["history"][-1]["note"] == "Silakan hubungi mandor kami di [number hidden]"
    # staff read the note as written
    history = client.get(f"/api/v1/cases/{code}", headers=supervisor).json()["history"]
    assert history[-1]["public_note"] == note["text"]
