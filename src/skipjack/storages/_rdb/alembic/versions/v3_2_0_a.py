"""Create Optuna's schema version 12 (revision ``v3.2.0.a``) on an empty database.

A database that already has revision ``v3.2.0.a`` (created by Optuna 3.2+ or skipjack) is not
touched. skipjack adds no revision of its own (Optuna would refuse a revision it does not know);
its extra indexes are created by ``skipjack storage upgrade`` outside Alembic.
"""

from __future__ import annotations

from alembic import op

from skipjack.storages._rdb import models
from skipjack.version import __version__

revision = "v3.2.0.a"
down_revision = None
branch_labels = None
depends_on = None

__all__: list[str] = []


def upgrade() -> None:
    bind = op.get_bind()
    models.metadata.create_all(bind, checkfirst=True)
    count = bind.execute(models.version_info.select()).fetchall()
    if not count:
        op.bulk_insert(
            models.version_info,
            [{"version_info_id": 1, "schema_version": models.SCHEMA_VERSION,
              "library_version": __version__}],
        )


def downgrade() -> None:
    raise NotImplementedError("skipjack does not downgrade schemas.")
