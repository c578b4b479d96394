"""Which language a resident writes in, and which one we answer them in.

`detect` reads one chat message with word lists: English function words and complaint words
against Indonesian and Javanese ones, in their SMS spellings too. Javanese counts as Indonesian,
because residents writing Javanese are answered in Indonesian. Four library detectors were
measured against these lists (bench/language.py; figures in docs/performance.md, 2026-12-05):
none both named the wrong language less often and left fewer messages undecided, and each
costs several times as long a call, 10 to 90 MiB in every process and a dependency.

The contact rule (`language_for`, `choose_language`) keeps the answer on the contact, and the
contact's open cases follow it (`set_language`), so their status updates come in it too.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from cases.service import open_cases_of
from notifications.models import Contact

ENGLISH, INDONESIAN = "en", "id"


def _words(text: str) -> frozenset[str]:
    """A word list written as the words separated by spaces and line breaks."""
    return frozenset(text.split())


# words that only English uses, among them the complaint words residents write in English
ENGLISH_WORDS = _words(
    """
    the a an and or but if so because of to from for with without by about at on in into onto
    since until after before during over under between behind near next front across around
    is isn't are aren't was wasn't were weren't be been being am i'm it's that's there's
    has hasn't have haven't had do does doesn't did didn't done don't can can't cannot could
    couldn't will won't would should must may might shall
    i me my mine we us our ours you your yours he him his she her they them their it its
    this that these those there here what which who whom whose when where why how
    not no yes yet still already again also only just even ever never always sometimes
    all any some every each both nobody anyone someone everyone anybody nothing something
    anything everything very too much many more most less few lot lots really quite
    get gets getting come comes came coming go goes going went gone see saw seen look
    send sent sending want wants wanted need needs needed know think thought tell told say
    said take took make made keep keeps give let find found fix fixed fixing
    repair repaired work works working worked happen happened happening wait waiting waited
    report reported reports reporting complaint complaints issue broken broke break
    leaking leak leaks blocked flooded flooding floods empty closed dirty dark dangerous bad
    terrible smell smells smelly loud noise deep big small
    street streets road roads light lights lamp lamps streetlight water pipe drain sewer
    rubbish garbage trash waste tree trees hole holes pothole potholes sidewalk
    footpath bridge river canal house home school market hospital park village neighbour
    neighbor block corner traffic truck car cars people children kids mother
    yesterday today tonight tomorrow morning evening night week weeks month months year
    day days hour hours minutes ago last time times first second
    one two three four five six seven eight nine ten
    """
)

# Indonesian and Javanese words, including the spellings of chat and SMS
INDONESIAN_WORDS = _words(
    """
    yang yg di ke dari dr dri dan n dgn dengan ini ni itu tu sudah sdh udah udh dah belum blm
    blom tidak tdk gak ga gk nggak ngga enggak engga tak ada sama sm pada pd akan mau mo
    bisa bs harus hrs boleh perlu masih msh lagi lg juga jg jga karena krn karna soalnya
    tapi tp tetapi untuk utk buat bwt kalau kalo klo kl jika kapan gimana bagaimana gmn
    kenapa knp mengapa apa apakah siapa mana dimana kemana berapa kok sih dong donk deh ya
    yah iya nih tuh aja saja doang banget bgt bngt bgtt sekali sangat parah terlalu cuma
    hanya semua banyak byk sedikit dikit baru lama sejak sampai sampe hingga sekarang skrg
    tadi nanti besok kemarin kmrn kemaren kmren hari minggu seminggu bulan sebulan tahun jam
    saya sy aku aq gue gw kami kita kalian anda dia mereka beliau
    pak bapak bu ibu mas mbak mba min kak bang om tante
    tolong mohon segera cepat cepet terima kasih makasih mksh trims trimakasih maaf permisi
    rusak mati lampu sampah banjir air hujan pohon tumbang menumpuk numpuk selokan gorong
    lubang berlubang bolong gelap bahaya rawan licin macet bocor mampet tersumbat meluap
    genangan roboh putus miring amblas ambrol longsor bau kotor
    depan belakang samping dekat deket sebelah pinggir ujung atas bawah dalam luar
    rumah warga petugas dinas perbaikan aduan laporan keluhan kabar
    wis uwis wes durung dereng ora ra mboten boten ning neng nang teng karo lan mergo
    amarga iku kuwi iki niki niku nggih inggih sampun matur nuwun suwun maturnuwun
    ngapunten nyuwun sewu pripun piye opo kae lho mung wae ae sing seng monggo mangga
    dalan omah banyu gedhe cilik murup nyala didandani dandani dipundhut kali
    """
)

# part of street, building and neighbourhood names, which English messages carry too
PLACE_WORDS = _words(
    "jalan jl jln gang gg pasar masjid mushola simpang rt rw sd smp sma kampung desa "
    "kelurahan kecamatan kabupaten kota perumahan komplek blok no"
)
# Indonesian affixes no English word carries: "lampunya", "diperbaiki", "dibenerin", "dijalan"
INDONESIAN_SUFFIXES = ("nya", "kan", "kah", "lah")
PASSIVE = re.compile(r"di[a-z]{3,}(?:in|i|an)")
# letters with an apostrophe inside (isn't, it's); digits, codes and links are no words
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
NOT_TEXT = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|&\w+;|\S*\d\S*")

MIN_WORDS = 2  # a message needs this many words of one language before it says anything


def detect(text: str) -> str | None:
    """English ("en"), Indonesian or Javanese ("id"), or None when the text cannot tell.

    Words count for the language whose list holds them; place words (jalan, pasar, RT) and
    words both languages use (ok, update, please, thanks) count for neither, and codes, numbers
    and links are skipped. A language is named when at least MIN_WORDS of its words appear and
    more than twice as many as of the other: a one-word message, a tracking code, a street name
    or a half-and-half message is None.
    """
    english = indonesian = 0
    for word in WORD.findall(NOT_TEXT.sub(" ", text.lower().replace("’", "'"))):
        if word in PLACE_WORDS:
            continue
        if word in ENGLISH_WORDS:
            english += 1
        elif word in INDONESIAN_WORDS or _indonesian_form(word):
            indonesian += 1
    if english >= MIN_WORDS and english > 2 * indonesian:
        return ENGLISH
    if indonesian >= MIN_WORDS and indonesian > 2 * english:
        return INDONESIAN
    return None


def _indonesian_form(word: str) -> bool:
    """A word built the Indonesian way: a suffix English never uses, or di- with -i, -in, -an."""
    if len(word) >= 6 and word.endswith(INDONESIAN_SUFFIXES):
        return True
    return PASSIVE.fullmatch(word) is not None


def language_for(session: Session, contact: Contact, text: str) -> str:
    """The language to answer this message in, remembered on the contact.

    The rule: a resident's explicit choice (`choose_language`: EN, /lang en, ID) pins the
    language, and detection never overrides it; only another command changes it. A contact
    that never chose follows what they write: a message `detect` is sure of switches the
    contact (and its open cases) to that language, and one it cannot tell (short, a code, a
    place, mixed) leaves the language as it was. Javanese is answered in Indonesian.

    For messages that are no command; a command choosing a language calls `choose_language`.
    Changes are added to the session, not committed.
    """
    detected = detect(text)
    if not contact.language_pinned and detected is not None and detected != contact.language:
        set_language(session, contact, detected)
    return contact.language


def choose_language(session: Session, contact: Contact, language: str) -> None:
    """A resident's explicit choice: the contact and its open cases speak `language` from now
    on, pinned against detection until the resident chooses again. Not committed."""
    contact.language_pinned = True
    set_language(session, contact, language)


def set_language(session: Session, contact: Contact, language: str) -> None:
    """The contact speaks `language`, and so do the updates of its open cases; the pin is
    left as it is. Changes are added to the session, not committed."""
    contact.language = language
    session.add(contact)
    for case in session.exec(open_cases_of(contact.id)):
        case.language = language
        session.add(case)
