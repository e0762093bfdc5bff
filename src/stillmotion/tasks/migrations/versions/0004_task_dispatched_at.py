"""task dispatched_at: when a pending task's message was last sent, apart from updated_at

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stillmotion.tasks.models

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks') as batch_op:
        batch_op.add_column(sa.Column('dispatched_at', stillmotion.tasks.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tasks') as batch_op:
        batch_op.drop_column('dispatched_at')
