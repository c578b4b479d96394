"""One small query that tells whether the catalogue changed since a process last read it.

The classifier, the catalogue rows routing hands out and the service-area index are kept per
process and rebuilt when this version moves: `load_catalogue` and the console stamp
`updated_at` on what they change, and the counts catch rows added or switched off otherwise.
Asked at most once a second per process (see `core.versions`).
"""

from __future__ import annotations

import sqlalchemy as sa

from core.versions import CachedVersion
from routing.models import Agency, Category, ServiceArea

catalogue_version = CachedVersion(
    sa.select(
        sa.select(sa.func.count(Category.id)).scalar_subquery(),
        sa.select(sa.func.max(Category.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(Agency.updated_at)).scalar_subquery(),
        sa.select(sa.func.count(ServiceArea.id)).scalar_subquery(),
        sa.select(sa.func.count(ServiceArea.id)).where(ServiceArea.active).scalar_subquery(),
        sa.select(sa.func.max(ServiceArea.id)).scalar_subquery(),
    ),
    Agency,
    Category,
    ServiceArea,
)
