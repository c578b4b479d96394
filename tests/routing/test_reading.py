"""How routing reads a message before scoring it: courtesy stripped, words folded, sentences."""

from __future__ import annotations

import pytest

from routing.reading import asks, normalise, sentences, strip_formalities

LETTER = (
    "Assalamualaikum wr. wb. Yth. Bapak Walikota Semarang beserta jajarannya. Dengan hormat, "
    "izin menyampaikan bahwa jalan di RT 03 RW 05 Kel. Tlogosari rusak parah. Mohon maaf "
    "apabila kurang berkenan. Atas perhatiannya kami ucapkan terima kasih. "
    "Wassalamualaikum wr. wb."
)


def test_a_letter_keeps_only_what_it_says_about_the_problem() -> None:
    read = strip_formalities(LETTER)
    assert "jalan di rt 03 rw 05 kel. tlogosari rusak parah" in read
    for courtesy in ("assalam", "yth", "walikota", "hormat", "izin", "maaf", "terima", "wassalam"):
        assert courtesy not in read, courtesy


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Selamat pagi min, sampah di Jl. Pemuda belum diangkut", "sampah di jl. pemuda"),
        ("Sugeng enjing, dalan ngarep omah bolong. Matur nuwun", "dalan ngarep omah bolong"),
        ("Halo, lampu jalan mati. Makasih ya", "lampu jalan mati"),
        ("Good morning, the street light is out. Thank you", "the street light is out"),
        ("Demikian laporan kami. Pipa PDAM bocor di Jl. Melati", "pipa pdam bocor"),
    ],
)
def test_greetings_and_closings_go_in_three_languages(text: str, kept: str) -> None:
    read = strip_formalities(text)
    assert kept in read
    assert len(read.split()) <= len(kept.split()) + 3, read


def test_courtesy_alone_is_kept_as_what_was_said() -> None:
    """ "Terima kasih" is all the resident wrote: the model must see it to call it chatter."""
    assert strip_formalities("Terima kasih banyak") == "terima kasih banyak"
    assert strip_formalities("Assalamualaikum") == "assalamualaikum"
    assert strip_formalities("Selamat pagi semua") == "selamat pagi semua"


def test_words_that_only_look_like_courtesy_stay() -> None:
    """ "halo" inside a word, "hormat" as a verb, and thanks inside a place name are not cut."""
    for text in ("jalan di Perumahan Halogen rusak", "warga menghormati petugas kebersihan"):
        assert strip_formalities(text) == text.lower()


def test_sentences_split_at_ends_but_not_at_street_abbreviations() -> None:
    assert sentences("Jl. Pemuda No. 5 gelap. Lampu PJU mati sejak Senin! Tolong dicek") == [
        "Jl. Pemuda No. 5 gelap",
        "Lampu PJU mati sejak Senin Tolong dicek",
    ]


def test_a_short_line_joins_the_sentence_after_it() -> None:
    """A place said on its own line belongs to the problem that follows."""
    assert sentences("Gg. Melati 3\nsampah menumpuk sudah seminggu") == [
        "Gg. Melati 3 sampah menumpuk sudah seminggu"
    ]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("dalan bolong ngarep omah", "jalan bolong depan rumah"),
        ("sy sdh lapor tp blm ada yg dtg", "saya sudah lapor tapi belum ada yang dtg"),
        ("banyu PDAM mboten mili", "air pdam tidak mili"),
        ("sampahhhh numpuk bgt", "sampah numpuk banget"),
    ],
)
def test_shorthand_and_javanese_are_read_as_indonesian(written: str, read: str) -> None:
    assert normalise(written) == read


def test_kali_is_left_alone_as_it_means_river_and_times() -> None:
    assert normalise("sudah dua kali lapor, kali meluap") == "sudah dua kali lapor kali meluap"


@pytest.mark.parametrize(
    ("text", "asking"),
    [
        ("lapor lampu mati ke mana?", True),
        ("Kapan kantor dukcapil buka", True),
        ("bagaimana cara mengurus akta kelahiran", True),
        ("piye carane ngurus KK", True),
        ("jalan di depan SD 2 berlubang", False),
        ("sampah belum diangkut seminggu", False),
    ],
)
def test_questions_are_recognised(text: str, asking: bool) -> None:
    assert asks(text) is asking
