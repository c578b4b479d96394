"""Routing v1 (keyword classifier) against the catalogue shipped with Aduan."""

from __future__ import annotations

from collections import Counter

import pytest

from routing.catalogue import Catalogue, default_catalogue_path, read_catalogue
from routing.keywords import KeywordClassifier, Prediction

AGENCIES = [
    "DPU",
    "DISPERKIM",
    "DLH",
    "DISHUB",
    "PDAM",
    "DINKES",
    "DISDUKCAPIL",
    "DISDIK",
    "DINSOS",
    "SATPOLPP",
    "DAMKAR",
    "BPBD",
    "DPMPTSP",
    "DISKOMINFO",
    "BAPENDA",
    "BKPSDM",
    "DISNAKER",
    "DISPERINDAG",
    "DISPERTAN",
]
# bodies outside the city government, listed after the agencies (`referrals:` in the file)
REFERRALS = [
    "PLN",
    "JASAMARGA",
    "BBPJN",
    "PROVINSI",
    "TELKOM",
    "TELKOMSEL",
    "KAI",
    "POLRI",
    "BPJS",
    "BPN",
    "PERTAMINA",
]

# Complaints as residents send them (typos, slang, Javanese, English), with the agency that
# should receive them. Written as realistic messages, not as lists of catalogue keywords.
COMPLAINTS = [
    # DPU
    ("jln di depan sdn 2 rusak parah bgt, lubangnya gede2 udh makan korban motor jatuh", "DPU"),
    ("Dalane rusak pak, akeh jeglongan, nek udan ra ketok", "DPU"),
    ("jembatan kayu di kampung kami udh keropos, goyang2 kalau dilewati motor", "DPU"),
    ("got depan rumah mampet tlg dikeruk, kalo ujan airnya meluap ke jalan", "DPU"),
    ("trotoar di jl pemuda banyak yg pecah dan bolong, bahaya buat pejalan kaki", "DPU"),
    ("The road near the market is full of potholes, please fix it before someone gets hurt", "DPU"),
    # DISPERKIM
    (
        "lampu jalan di gang mawar mati sudah seminggu, malam jadi gelap gulita rawan maling",
        "DISPERKIM",
    ),
    ("Dalan neng kampungku peteng ndedet, lampune mati kabeh", "DISPERKIM"),
    ("pju depan masjid kedap kedip tiap malam, kadang mati total", "DISPERKIM"),
    ("taman kota ayunannya rusak dan bangkunya patah, anak2 jadi ga bisa main", "DISPERKIM"),
    (
        "ada pohon besar di pinggir jalan udah miring, dahannya kena kabel, tolong dipangkas",
        "DISPERKIM",
    ),
    ("makam di tpu bergota banyak yg rusak, juru kunci minta bayaran terus", "DISPERKIM"),
    ("rumah mbah saya udah reyot, gimana caranya dapet bantuan bedah rumah?", "DISPERKIM"),
    ("The street lights on our road have been out for two weeks, it's very dark", "DISPERKIM"),
    # DLH
    ("sampah di tps pasar numpuk udah 4 hari gak diangkut, baunya kemana2", "DLH"),
    ("smpah dpn gang blm diangkut2 sm petugas, bau bgt", "DLH"),
    ("tetangga tiap sore bakar sampah, asapnya masuk rumah, anak saya sesak napas", "DLH"),
    ("sungai dekat pabrik airnya hitam dan bau menyengat, ikan2 pada mati, kayaknya limbah", "DLH"),
    ("ada orang buang sampah sembarangan di lahan kosong tiap malam, jadi tps liar", "DLH"),
    ("Rubbish hasn't been collected on our street for a week and the bins are overflowing", "DLH"),
    # DISHUB
    ("lampu merah di perempatan kalibanteng mati, lalin semrawut", "DISHUB"),
    ("bangjo simpang lima ijone sebentar banget, macet parah tiap sore", "DISHUB"),
    ("jukir liar di depan minimarket minta 5rb, padahal parkir gratis", "DISHUB"),
    ("bus trans semarang koridor 2 telat terus, nunggu di halte sampai 1 jam", "DISHUB"),
    ("rambu dilarang parkir di jl. pandanaran roboh ketabrak mobil", "DISHUB"),
    ("Cars are double parking along the main road every evening and blocking traffic", "DISHUB"),
    # PDAM
    ("air pdam mati dari kemarin, udh 2 hari gak ngalir sama sekali", "PDAM"),
    ("banyune buthek kaya teh susu, ora iso nggo masak", "PDAM"),
    ("pipa pdam bocor di pinggir jalan, airnya muncrat terus dari pagi", "PDAM"),
    ("tagihan air bulan ini naik 3x lipat padahal pemakaian biasa aja, meterannya aneh", "PDAM"),
    ("No water coming out of the tap since yesterday morning in our area", "PDAM"),
    # DINKES
    (
        "di puskesmas antrinya lama bgt, dokternya blm dateng jam 10, obat juga sering habis",
        "DINKES",
    ),
    ("tetangga 3 orang kena dbd, tolong diadakan fogging di rt 05", "DINKES"),
    ("anak2 pada keracunan setelah makan jajanan di depan sekolah, muntah2 semua", "DINKES"),
    ("banyak nyamuk dan jentik di bak mandi warga, takut demam berdarah", "DINKES"),
    ("Mosquitoes everywhere and two neighbours have dengue, please do fogging", "DINKES"),
    # DISDUKCAPIL
    (
        "ktp saya hilang, gimana cara bikin lagi? udh ke kelurahan katanya blanko habis",
        "DISDUKCAPIL",
    ),
    ("udh 3 bulan rekam ektp tp blm jadi2 jg", "DISDUKCAPIL"),
    ("mau pecah kk karena sudah menikah, syaratnya apa aja ya", "DISDUKCAPIL"),
    ("ngurus akta kelahiran anak kok lama banget, udah sebulan belum jadi", "DISDUKCAPIL"),
    (
        "How do I get a death certificate for my father? The office keeps sending me back",
        "DISDUKCAPIL",
    ),
    # DISDIK
    ("sekolah anak saya narik uang gedung 5 juta, katanya sekolah negeri gratis?", "DISDIK"),
    ("anak ga keterima ppdb jalur zonasi padahal rumah deket", "DISDIK"),
    ("guru di smp negeri 10 sering gak masuk kelas, murid dibiarin", "DISDIK"),
    ("My son was bullied at school and the principal did nothing about it", "DISDIK"),
    # DINSOS
    ("keluarga saya miskin tapi gak dapat bansos, yg dapet malah orang mampu", "DINSOS"),
    ("ada odgj tidur di emperan toko depan pasar, kasian gak ada yg ngurus", "DINSOS"),
    ("banyak anak jalanan ngamen di lampu merah kaligawe, masih kecil2", "DINSOS"),
    ("pengemis di perempatan makin banyak, bawa2 anak kecil", "DINSOS"),
    ("Homeless man sleeping under the bridge for weeks, he seems mentally ill", "DINSOS"),
    # SATPOLPP
    ("pkl di trotoar jl. majapahit makin banyak, orang terpaksa jalan di aspal", "SATPOLPP"),
    ("warung karaoke sebelah rumah berisik sampai jam 2 pagi, banyak yang mabuk", "SATPOLPP"),
    ("spanduk dan baliho liar dipasang di pohon2 sepanjang jalan", "SATPOLPP"),
    ("bangunan liar berdiri di bantaran sungai tanpa imb, tolong ditertibkan", "SATPOLPP"),
    ("Street vendors have taken over the whole pavement near the station", "SATPOLPP"),
    # DAMKAR
    ("KEBAKARAN!!! rumah di gang 3 kobong, tolong damkar cepet", "DAMKAR"),
    ("ada ular kobra masuk rumah, di bawah lemari, tolong dievakuasi", "DAMKAR"),
    ("ada sarang tawon gede di atap rumah, udah nyengat anak saya", "DAMKAR"),
    ("There's a cat stuck on top of a tall tree since last night, it can't get down", "DAMKAR"),
    ("cincin di jari anak saya gak bisa dilepas, jarinya bengkak", "DAMKAR"),
    # BPBD
    ("banjir rob masuk rumah lagi, air setinggi lutut di tambak lorok", "BPBD"),
    ("talud di belakang rumah longsor kena hujan semalam, rumah tetangga terancam", "BPBD"),
    ("angin puting beliung tadi sore, atap rumah warga pada terbang, pohon tumbang", "BPBD"),
    ("Flooding in our neighbourhood, water is waist deep and we need evacuation", "BPBD"),
    # DPMPTSP
    ("ngurus pbg udah 3 bulan gak ada kabar, di simbg statusnya masih verifikasi", "DPMPTSP"),
    ("daftar nib di oss error terus, gak bisa lanjut", "DPMPTSP"),
    ("How long does it take to get a business permit? I applied 2 months ago", "DPMPTSP"),
    # DISKOMINFO
    ("website pemkot gak bisa dibuka dari kemarin, muncul error 502", "DISKOMINFO"),
    ("aplikasi layanan warga force close terus pas login, otp gak masuk2", "DISKOMINFO"),
    ("wifi gratis di taman udah sebulan mati, gak bisa konek", "DISKOMINFO"),
    ("The city website has been hacked, it shows gambling ads on the homepage", "DISKOMINFO"),
    # BAPENDA
    ("pbb tahun ini naik drastis, njop rumah saya dinaikkan tanpa pemberitahuan", "BAPENDA"),
    ("mau bayar bphtb buat balik nama sertifikat tapi sistemnya ribet", "BAPENDA"),
    ("restoran di jalan gajahmada narik pajak 10 persen tapi gak ada struk resmi", "BAPENDA"),
    ("My property tax bill doubled this year, is this correct?", "BAPENDA"),
    # BKPSDM
    ("honorer udah 10 taun gak diangkat pppk, gaji cuma 700rb", "BKPSDM"),
    ("TPP pegawai pemkot belum cair 3 bulan", "BKPSDM"),
    # DISNAKER
    ("gaji 2 bulan belum dibayar pabrik, kena phk gak dapat pesangon", "DISNAKER"),
    ("kapan ada pelatihan kerja gratis di blk? mau bikin kartu kuning juga", "DISNAKER"),
    # DISPERINDAG
    ("atap pasar tradisional bocor, los pedagang banjir tiap hujan", "DISPERINDAG"),
    ("harga cabai naik terus, minyak goreng langka di warung", "DISPERINDAG"),
    # DISPERTAN
    ("pupuk subsidi langka di kios, petani gak bisa nebus pakai kartu tani", "DISPERTAN"),
    ("sapi warga kena pmk, mulutnya luka", "DISPERTAN"),
    # referral bodies
    ("listrik mati dari pagi belum nyala, token juga gak masuk", "PLN"),
    ("pemadaman listrik tiap malam di perumahan", "PLN"),
    ("jalan tol banyak lubang dekat gerbang tol", "JASAMARGA"),
    ("saldo e toll kepotong dua kali", "JASAMARGA"),
    ("jalan pantura rusak parah di perbatasan kota", "BBPJN"),
    ("The national road through town is full of potholes", "BBPJN"),
    ("jalan provinsi ke kabupaten sebelah rusak, kata pemkot kewenangan provinsi", "PROVINSI"),
    ("antri bayar pajak kendaraan di samsat lama", "PROVINSI"),
    ("indihome mati 3 hari, modem los merah", "TELKOM"),
    ("kabel telkom menjuntai di gang", "TELKOM"),
    ("sinyal hp ilang total di kampung, blank spot", "TELKOMSEL"),
    ("pulsa kesedot terus padahal gak dipake", "TELKOMSEL"),
    ("palang pintu kereta di perlintasan gak turun pas kereta lewat", "KAI"),
    ("There is no barrier at the railway crossing in our village", "KAI"),
    ("motor saya dicuri di depan rumah tadi malam", "POLRI"),
    ("ada pengedar narkoba di kos ujung gang", "POLRI"),
    ("kartu bpjs kesehatan nonaktif padahal iuran mandiri dibayar", "BPJS"),
    ("klaim jht ditolak terus di aplikasi jmo", "BPJS"),
    ("sertifikat tanah ptsl belum jadi 2 tahun", "BPN"),
    ("sengketa batas tanah, minta pengukuran ulang bpn", "BPN"),
    ("gas melon 3 kg langka di pangkalan", "PERTAMINA"),
    ("antre solar di spbu sampai ke jalan raya", "PERTAMINA"),
]

# Clear, single-topic complaints: the classifier should be confident about these.
CLEAR = [
    ("sampah di tps pasar numpuk udah 4 hari gak diangkut, baunya kemana2", "DLH"),
    ("lampu jalan di gang mawar mati sudah seminggu, malam jadi gelap gulita", "DISPERKIM"),
    ("air pdam mati dari kemarin, udh 2 hari gak ngalir sama sekali", "PDAM"),
    ("banjir rob masuk rumah lagi, air setinggi lutut", "BPBD"),
    ("ktp saya hilang, udh ke kelurahan katanya blanko habis", "DISDUKCAPIL"),
]

TWO_TOPICS = "lampu jalan depan rumah mati, terus sampah juga numpuk gak diangkut seminggu"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return read_catalogue(default_catalogue_path())


@pytest.fixture(scope="module")
def classifier(catalogue: Catalogue) -> KeywordClassifier:
    return KeywordClassifier(catalogue)


def test_shipped_catalogue_has_the_agreed_agencies_then_referrals(catalogue: Catalogue) -> None:
    """The shipped catalogue lists exactly the agreed agency codes, in the agreed order, then
    the referral bodies (kind referral, each with where to go)."""
    assert [a.code for a in catalogue.agencies] == AGENCIES + REFERRALS
    assert [a.code for a in catalogue.referrals] == REFERRALS
    assert all(a.channel and a.channel_en for a in catalogue.referrals)


def test_every_category_has_indonesian_and_english_keywords(catalogue: Catalogue) -> None:
    """No category is unreachable in either language."""
    missing = [
        c.code
        for a in catalogue.agencies
        for c in a.categories
        if not c.keywords.id or not c.keywords.en
    ]
    assert missing == []


def test_complaint_table_covers_every_agency_at_least_twice() -> None:
    """The accuracy table below really exercises each agency, so the 90% bar means something."""
    counts = Counter(agency for _, agency in COMPLAINTS)
    assert set(counts) == set(AGENCIES + REFERRALS)
    assert min(counts.values()) >= 2
    assert len(COMPLAINTS) >= 60


def test_routes_at_least_90_percent_of_realistic_complaints(
    classifier: KeywordClassifier,
) -> None:
    """Informal, misspelt, Javanese and English complaints reach the right agency."""
    misses = []
    for text, expected in COMPLAINTS:
        got = classifier.predict(text)
        if got.agency != expected:
            misses.append(f"{expected} <- {got.agency} ({got.confidence:.2f}): {text}")
    accuracy = 1 - len(misses) / len(COMPLAINTS)
    assert accuracy >= 0.9, f"accuracy {accuracy:.0%}, misses:\n" + "\n".join(misses)


def test_every_agency_is_predicted_for_some_complaint(classifier: KeywordClassifier) -> None:
    """No agency is starved by keywords of its neighbours."""
    predicted = {classifier.predict(text).agency for text, _ in COMPLAINTS}
    assert set(AGENCIES + REFERRALS) <= predicted, sorted(set(AGENCIES + REFERRALS) - predicted)


@pytest.mark.parametrize(("text", "expected"), CLEAR)
def test_clear_single_topic_complaint_is_confident(
    classifier: KeywordClassifier, text: str, expected: str
) -> None:
    """A complaint about one thing, in plain words, is routed with confidence >= 0.6."""
    got = classifier.predict(text)
    assert got.agency == expected
    assert got.confidence >= 0.6, got


@pytest.mark.parametrize("text", ["", "   ", "?!...,,, !!!", "😡😡😡", "https://t.co/xyz @pemkot"])
def test_text_without_words_gives_no_agency(classifier: KeywordClassifier, text: str) -> None:
    """Nothing to read means no agency and zero confidence, not a guess."""
    assert classifier.predict(text) == Prediction(None, None, 0.0, ())


def test_chatter_is_not_routed_confidently(classifier: KeywordClassifier) -> None:
    """Greetings without a complaint are not sent to an agency with any confidence."""
    got = classifier.predict("selamat pagi semua, semoga harinya menyenangkan")
    assert got.agency is None or got.confidence < 0.5, got


def test_two_topics_are_not_routed_confidently(classifier: KeywordClassifier) -> None:
    """A message about two agencies' problems is flagged as uncertain or offers both."""
    got = classifier.predict(TWO_TOPICS)
    offered = {agency for agency, _, _ in got.alternatives}
    assert got.confidence < 0.5 or {"DISPERKIM", "DLH"} <= offered, got


def test_even_split_between_two_agencies_stays_below_half(classifier: KeywordClassifier) -> None:
    """Equal evidence for two agencies can never look like a confident decision."""
    got = classifier.predict("lampu jalan mati, pipa bocor")
    assert {a for a, _, _ in got.alternatives} == {"DISPERKIM", "PDAM"}
    assert got.confidence < 0.5, got


def test_longest_phrase_wins_over_its_words(classifier: KeywordClassifier) -> None:
    """'lampu merah' is a traffic light; its 'lampu' does not also vote for street lights."""
    got = classifier.predict("lampu merah mati")
    assert (got.agency, got.category) == ("DISHUB", "traffic_light")
    assert [a for a, _, _ in got.alternatives] == ["DISHUB"]


def test_slang_suffixes_prefixes_and_stretched_letters_match(
    classifier: KeywordClassifier,
) -> None:
    """'gaaak di angkut', 'sampahnya', 'kebanjiran' reach the same keywords as the plain forms."""
    assert classifier.predict("sampahnya gaaak di angkut").category == "rubbish_collection"
    assert classifier.predict("rumah kami kebanjiran").category == "flood"
    assert classifier.predict("ktpnya ilang").category == "id_card"


def test_longer_words_match_only_with_a_real_suffix(classifier: KeywordClassifier) -> None:
    """'rambu' (road sign) matches 'rambunya' but not 'rambut' (hair)."""
    assert classifier.predict("rambunya roboh").agency == "DISHUB"
    assert classifier.predict("mau potong rambut dimana ya").agency is None


def test_repeating_a_keyword_counts_once(classifier: KeywordClassifier) -> None:
    """Shouting one word over and over does not outweigh a second topic."""
    once = classifier.predict("sampah, pipa bocor")
    many = classifier.predict("sampah sampah sampah sampah, pipa bocor")
    assert once == many


def test_prediction_is_deterministic(classifier: KeywordClassifier, catalogue: Catalogue) -> None:
    """The same text gives the same prediction, from the same or a fresh classifier."""
    fresh = KeywordClassifier(catalogue)
    for text, _ in COMPLAINTS:
        assert classifier.predict(text) == classifier.predict(text) == fresh.predict(text)


def test_confidence_and_alternatives_are_well_formed(classifier: KeywordClassifier) -> None:
    """Scores lie in [0, 1], at most 3 alternatives, best first, led by the prediction."""
    for text, _ in [*COMPLAINTS, (TWO_TOPICS, "")]:
        got = classifier.predict(text)
        assert 0.0 <= got.confidence <= 1.0
        assert len(got.alternatives) <= 3
        scores = [score for _, _, score in got.alternatives]
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert scores == sorted(scores, reverse=True)
        if got.agency is not None:
            assert got.alternatives[0] == (got.agency, got.category, got.confidence)
