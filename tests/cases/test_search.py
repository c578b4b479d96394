"""Staff search (cases/search.py) through `GET /api/v1/cases?q=` and the console's queue: words
of the complaint and of its notes, a tracking code, a phone number for those who may see who
reported; paged and filtered as the list is; bad input refused with a reason, never a 500."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from cases import search
from core.settings import Settings
from tests.helpers import POTHOLE, RUBBISH, create_staff, file_complaint, login, sql

FLOOD = "Gorong-gorong mampet di Jl. Majapahit, air meluber ke jalan tiap hujan deras"
ENGLISH = "The street light in front of the mosque on Jl. Pandanaran has been dark for a week"
# Indonesian with English in it, as residents write
MIXED = "Lampu PJU di street Jl. Pemuda mati, the whole gang gelap gulita"
MIXED_LATER = "Banjir di Jl. Majapahit, the drain is blocked again"
UNCLEAR = "Mohon bantuannya pak, ini sudah lama sekali"
NUMBER = "081234567890"


def found(client: TestClient, staff: dict[str, str], q: str, **params: str) -> list[str]:
    """The tracking codes a search lists, newest first (one page of up to 50)."""
    response = client.get("/api/v1/cases", params={"q": q, **params}, headers=staff)
    assert response.status_code == 200, response.text
    return [case["tracking_code"] for case in response.json()["items"]]


def note(client: TestClient, staff: dict[str, str], code: str, text: str) -> None:
    response = client.post(f"/api/v1/cases/{code}/notes", json={"text": text}, headers=staff)
    assert response.status_code == 201, response.text


@pytest.fixture
def supervisor(client: TestClient, settings: Settings) -> dict[str, str]:
    create_staff(settings, "kepala", "supervisor")
    return login(client, "kepala")


def test_words_of_the_complaint_and_of_its_notes_find_it(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    """Every word must be in the text or a note (in any case of letters, words in any order);
    the last word may be the start of a longer one; a note's words count from when it is
    written."""
    pothole = file_complaint(client)["tracking_code"]
    rubbish = file_complaint(client, text=RUBBISH)["tracking_code"]
    flood = file_complaint(client, text=FLOOD)["tracking_code"]

    assert found(client, supervisor, "SAMPAH pasar") == [rubbish]
    assert found(client, supervisor, "pasar sampah") == [rubbish]
    assert found(client, supervisor, "jalan") == [flood, rubbish, pothole]
    assert found(client, supervisor, "jalan gorong") == [flood]
    assert found(client, supervisor, "jalan majapa") == [flood]  # the start of Majapahit
    assert found(client, supervisor, "sampah majapahit") == []

    assert found(client, supervisor, "meteran") == []
    note(client, supervisor, pothole, "Petugas sudah ukur dengan meteran, lebar 80 cm")
    assert found(client, supervisor, "meteran") == [pothole]
    # one word in the complaint, the other only in the note
    assert found(client, supervisor, "berlubang meteran") == [pothole]
    assert found(client, supervisor, "sampah meteran") == []


def test_changed_text_is_searched_by_its_new_words_with_its_notes(
    client: TestClient, settings: Settings, supervisor: dict[str, str]
) -> None:
    """When a case's text is replaced (a resident's correction), the old words no longer find
    it, the new ones and its notes' words do."""
    code = file_complaint(client, text=RUBBISH)["tracking_code"]
    note(client, supervisor, code, "truk pengangkut dijadwalkan Kamis")
    sql(
        settings,
        "UPDATE cases SET text = :text WHERE tracking_code = :code",
        text="Lampu penerangan jalan mati total",
        code=code,
    )
    assert found(client, supervisor, "sampah") == []
    assert found(client, supervisor, "lampu truk") == [code]


def test_a_tracking_code_finds_its_case_however_it_is_typed(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    """The code as printed, in small letters, without its dash, with O for 0 and I for 1."""
    file_complaint(client, text=RUBBISH)
    code = file_complaint(client)["tracking_code"]
    typed = code.lower().replace("-", "")
    assert found(client, supervisor, code) == [code]
    assert found(client, supervisor, typed) == [code]
    assert found(client, supervisor, f" {code[:4]} {code[5:]} ") == [code]


def test_a_phone_number_finds_its_residents_cases_only_where_the_reader_may_see_them(
    client: TestClient, settings: Settings, supervisor: dict[str, str]
) -> None:
    """Typed in any usual way, a number finds the cases it reported (not an Anonim one, whose
    reporter no staff member may learn); an officer only in their own agency's queue, so an
    officer of another agency learns nothing of the number."""
    pothole = file_complaint(client, phone=NUMBER, notify_via="sms")["tracking_code"]
    rubbish = file_complaint(client, text=RUBBISH, phone=NUMBER, notify_via="whatsapp")
    file_complaint(client, text=FLOOD, phone=NUMBER, notify_via="sms", anonymous=True)
    file_complaint(client, text=RUBBISH, phone="081390001234", notify_via="sms")
    rubbish = rubbish["tracking_code"]
    create_staff(settings, "dpu", "officer", agency="DPU")
    create_staff(settings, "dlh", "officer", agency="DLH")
    create_staff(settings, "dinkes", "officer", agency="DINKES")

    for typed in (NUMBER, "0812-3456-7890", "+62 812 3456 7890", "6281234567890"):
        assert found(client, supervisor, typed) == [rubbish, pothole]
    assert found(client, login(client, "dpu"), NUMBER) == [pothole]
    assert found(client, login(client, "dlh"), NUMBER) == [rubbish]
    assert found(client, login(client, "dinkes"), NUMBER) == []
    assert found(client, supervisor, "0899-0000-1111") == []


def paged(client: TestClient, staff: dict[str, str], q: str) -> list[str]:
    """Every case a search finds, following its pages of two."""
    seen, cursor = [], None
    while True:
        params = {"q": q, "limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/cases", params=params, headers=staff).json()
        assert len(page["items"]) <= 2
        seen += [case["tracking_code"] for case in page["items"]]
        if not (cursor := page["next_cursor"]):
            return seen


def test_a_search_pages_newest_first_and_keeps_the_filters(
    client: TestClient,
    settings: Settings,
    supervisor: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Keyset pages of a search hold each match once, newest first, also when a page is read
    partly among the newest cases and partly among older ones; status and agency narrow it as
    they narrow the list."""
    filed = [file_complaint(client, text=f"{RUBBISH} ({n})")["tracking_code"] for n in range(3)]
    pothole = file_complaint(client, text=POTHOLE)["tracking_code"]
    filed += [file_complaint(client, text=f"{RUBBISH} ({n})")["tracking_code"] for n in (3, 4)]
    assert found(client, supervisor, "sampah menumpuk") == filed[::-1]
    assert paged(client, supervisor, "sampah menumpuk") == filed[::-1]
    monkeypatch.setattr(search, "NEWEST_WINDOW", 3)
    assert paged(client, supervisor, "sampah menumpuk") == filed[::-1]
    assert found(client, supervisor, "sampah menumpuk") == filed[::-1]
    monkeypatch.undo()

    assert found(client, supervisor, "jalan", agency="DLH") == filed[::-1]
    assert found(client, supervisor, "jalan", agency="DPU") == [pothole]
    assert found(client, supervisor, "jalan", status="in_progress") == []
    moved = client.post(
        f"/api/v1/cases/{filed[2]}/transitions",
        json={"status": "in_progress"},
        headers=supervisor,
    )
    assert moved.status_code == 200, moved.text
    assert found(client, supervisor, "jalan", status="in_progress") == [filed[2]]
    assert found(client, supervisor, "sampah", sort="urgent")[-1] in filed


def moved(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text


def test_an_officer_finds_the_cases_of_their_agency_as_they_move_between_agencies(
    client: TestClient,
    settings: Settings,
    supervisor: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An officer's search finds their agency's cases and never another's, by the words of the
    text and of the notes, as a case comes out of triage, is forwarded or referred; a
    supervisor's agency filter likewise. With a window of one case, the older cases are read
    through the word index, which then narrows to the agency itself."""
    monkeypatch.setattr(search, "NEWEST_WINDOW", 1)
    pothole = file_complaint(client)["tracking_code"]
    rubbish = file_complaint(client, text=RUBBISH)["tracking_code"]
    triage = file_complaint(client, text=UNCLEAR)["tracking_code"]
    create_staff(settings, "dpu", "officer", agency="DPU")
    create_staff(settings, "dlh", "officer", agency="DLH")
    dpu, dlh = login(client, "dpu"), login(client, "dlh")
    note(client, supervisor, pothole, "Petugas sudah ukur dengan meteran")

    assert found(client, dpu, "berlubang meteran") == [pothole]
    assert found(client, dlh, "berlubang meteran") == []
    assert found(client, dpu, "jalan") == [pothole]
    assert found(client, dlh, "jalan") == [rubbish]
    assert found(client, dpu, "bantuannya") == []
    assert found(client, supervisor, "bantuannya") == [triage]

    forward = {"agency": "DLH", "note": "Bukan jalan rusak, saluran tersumbat"}
    moved(client.post(f"/api/v1/cases/{pothole}/forward", json=forward, headers=dpu))
    assert found(client, dpu, "berlubang meteran") == []
    assert found(client, dlh, "berlubang meteran") == [pothole]
    assert found(client, dlh, "jalan") == [rubbish, pothole]
    assert found(client, dlh, "tersumbat") == [pothole]  # the forward's note
    assert found(client, dpu, "jalan") == []
    assert found(client, supervisor, "meteran", agency="DLH") == [pothole]
    assert found(client, supervisor, "meteran", agency="DPU") == []

    forward = {"agency": "DPU", "note": "Jalan rusak menurut telepon warga"}
    moved(client.post(f"/api/v1/cases/{triage}/forward", json=forward, headers=supervisor))
    assert found(client, dpu, "bantuannya") == [triage]
    assert found(client, dpu, "jalan") == [triage]
    assert found(client, dlh, "bantuannya") == []

    refer = {"agency": "BBPJN", "note": "jalan nasional, bukan jalan kota"}
    moved(client.post(f"/api/v1/cases/{triage}/refer", json=refer, headers=dpu))
    assert found(client, dpu, "bantuannya") == []
    assert found(client, supervisor, "bantuannya", agency="BBPJN") == [triage]
    assert found(client, supervisor, "bantuannya") == [triage]


def test_common_words_that_never_come_together_find_the_few_cases_holding_both(
    client: TestClient, supervisor: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two words each in most cases but both in only a few ("di", "the"): the search lists
    exactly those, in pages, whether they lie among the newest cases or far below them."""
    both = [file_complaint(client, text=MIXED)["tracking_code"]]
    for text in (POTHOLE, RUBBISH, ENGLISH, POTHOLE, ENGLISH, RUBBISH):
        file_complaint(client, text=text)
    both.append(file_complaint(client, text=MIXED_LATER)["tracking_code"])
    for text in (ENGLISH, POTHOLE, ENGLISH):
        file_complaint(client, text=text)
    newest_first = both[::-1]

    assert found(client, supervisor, "di the") == newest_first
    assert paged(client, supervisor, "di the") == newest_first
    for window in (1, 2, 4):  # a page partly among the newest cases, or none of it
        monkeypatch.setattr(search, "NEWEST_WINDOW", window)
        assert found(client, supervisor, "di the") == newest_first
        assert paged(client, supervisor, "di the") == newest_first
        assert found(client, supervisor, "the di street") == [both[0]]


def test_the_last_word_finds_every_word_it_starts_however_long_it_is(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    """The last word finds the words it starts, in the complaint or a later note, the same
    whether it is as short as the starts the PostgreSQL index keeps of every word (three to six
    letters) or longer; a word before it only finds itself."""
    street = file_complaint(client, text="Lampu jalan mati, the street is dark")["tracking_code"]
    there = file_complaint(client, text="Nobody came there after my report")["tracking_code"]
    theatre = file_complaint(client, text="Rubbish behind the old theatre")["tracking_code"]
    shop = file_complaint(client, text="The thermometer shop floods every rain")["tracking_code"]

    assert found(client, supervisor, "the") == [shop, theatre, there, street]
    assert found(client, supervisor, "ther") == [shop, there]
    assert found(client, supervisor, "thea") == [theatre]
    assert found(client, supervisor, "thermomet") == [shop]
    assert found(client, supervisor, "theatre") == [theatre]
    assert found(client, supervisor, "street the") == [street]
    assert found(client, supervisor, "ther street") == []

    note(client, supervisor, street, "Thermostat panel diganti")
    assert found(client, supervisor, "therm") == [shop, street]
    assert found(client, supervisor, "thermos") == [street]


@pytest.mark.parametrize(
    "typed",
    [
        "sampah'",
        "'sampah",
        'sampah" OR "x',
        '"sampah*',
        "sampah & !pasar",
        "sampah | pasar",
        "sampah:*",
        "sampah:A",
        "sampah <-> pasar",
        "NEAR(sampah pasar)",
        "sampah AND pasar",
        "sampah NOT pasar",
        "sampah -pasar",
        "(sampah",
        "sampah\\",
        "sampah %_",
        "sampah; DROP TABLE cases; --",
        "sampah\x00",
    ],
)
def test_characters_the_indexes_give_meaning_are_only_punctuation(
    client: TestClient, supervisor: dict[str, str], typed: str
) -> None:
    """Quotes, tsquery's `&|!:*<->()`, FTS5's `"`, `*`, NEAR and AND/OR/NOT are read as the
    words around them: the search still answers, and finds the case that holds those words."""
    rubbish = file_complaint(client, text=RUBBISH)["tracking_code"]
    file_complaint(client)
    response = client.get("/api/v1/cases", params={"q": typed}, headers=supervisor)
    assert response.status_code == 200, response.text
    listed = [case["tracking_code"] for case in response.json()["items"]]
    assert rubbish in listed or listed == []
    assert found(client, supervisor, typed.replace("pasar", "").strip()) in ([rubbish], [])


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("!!!", "give a word, a tracking code or a phone number"),
        ("&|!:*()<->\"'", "give a word, a tracking code or a phone number"),
        ("x" * 201, "at most 200 characters"),
        (" ".join(["sampah"] * 13), "at most 200 characters and 12 words"),
    ],
)
def test_a_search_with_nothing_to_search_or_too_much_is_refused_with_its_reason(
    client: TestClient, supervisor: dict[str, str], typed: str, reason: str
) -> None:
    """Only punctuation, more than 200 characters or 12 words: 422 and why."""
    response = client.get("/api/v1/cases", params={"q": typed}, headers=supervisor)
    assert response.status_code == 422
    assert reason in response.text
