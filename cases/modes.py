"""Anonim and Rahasia, SP4N-LAPOR!'s two reporting modes, and how a resident is told which is on.

- Anonim (`anonymous`): no staff member, role or export learns who reported (cases/reporter.py);
  the reporter still hears about every change on their own channel.
- Rahasia (`confidential`): the complaint's text, photos and location never appear on anything
  public (cases/publishing.py).

A resident may ask for either, both, or neither; the intake of each channel sets them once, when
the complaint is filed, and nothing changes them afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import Case
from core.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, translator


@dataclass(frozen=True)
class ReportingMode:
    """What a resident asked for; false in both is an ordinary complaint."""

    anonymous: bool = False
    confidential: bool = False

    def __or__(self, other: ReportingMode) -> ReportingMode:
        return ReportingMode(
            self.anonymous or other.anonymous, self.confidential or other.confidential
        )

    def __bool__(self) -> bool:
        return self.anonymous or self.confidential


ORDINARY = ReportingMode()

# a sentence of its own that follows the acknowledgement of a complaint filed in a mode; an SMS
# carries it, so it is short and GSM-7 only
SENTENCES = {
    ReportingMode(anonymous=True): N_("Mode Anonim: petugas tidak melihat nama dan kontak Anda."),
    ReportingMode(confidential=True): N_("Mode Rahasia: isi aduan tidak ditampilkan untuk umum."),
    ReportingMode(anonymous=True, confidential=True): N_(
        "Mode Anonim dan Rahasia: petugas tidak melihat nama dan kontak Anda, isi aduan tidak "
        "ditampilkan untuk umum."
    ),
}


def mode_of(case: Case) -> ReportingMode:
    return ReportingMode(case.anonymous, case.confidential)


def mode_sentence(language: str, mode: ReportingMode) -> str:
    """Which mode is on, as one sentence in `language`; "" for an ordinary complaint."""
    if not mode:
        return ""
    return translator(language if language in LANGUAGES else SOURCE_LANGUAGE).gettext(
        SENTENCES[mode]
    )
