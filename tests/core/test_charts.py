"""The server-drawn charts write their scale as the page's language writes numbers."""

from __future__ import annotations

import re
from datetime import date

from core.charts import Series, bar_chart
from core.i18n import Numbers, short_day


def ticks(svg: str) -> list[str]:
    return re.findall(r'class="tick" text-anchor="end">([^<]+)</text>', svg)


def test_the_scale_uses_the_page_s_decimal_mark() -> None:
    """Half hours read 0,5 on an Indonesian page and 0.5 on an English one, thousands get the
    language's separator, and a bar's tooltip says its value the same way."""
    for language, half, thousand in (("id", "0,5", "1.000"), ("en", "0.5", "1,000")):
        small = bar_chart(
            chart_id="c",
            title="t",
            description="d",
            labels=["DPU"],
            series=[Series("Median", [0.5])],
            number=Numbers(language).scale,
        )
        assert half in ticks(small) and "0.005" not in small
        assert f"DPU: Median {half}</title>" in small
        large = bar_chart(
            chart_id="c",
            title="t",
            description="d",
            labels=["DPU"],
            series=[Series("Masuk", [1000])],
            counts=True,
            number=Numbers(language).scale,
        )
        assert thousand in ticks(large)


def test_numbers_and_days_as_each_language_writes_them() -> None:
    """Fixed decimals with the language's marks, percentages, and a week's first day."""
    assert Numbers("id")(1234.5, 1) == "1.234,5" and Numbers("en")(1234.5, 1) == "1,234.5"
    assert Numbers("id").percent(0.3333) == "33,3%" and Numbers("en")(None) == "-"
    assert short_day(date(2026, 12, 7), "id") == "7 Des"
    assert short_day(date(2026, 12, 7), "en") == "Dec 7"
