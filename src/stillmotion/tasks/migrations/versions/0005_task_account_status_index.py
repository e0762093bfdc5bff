"""tasks (account_id, status) index: the create's active-task count reads only active tasks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 10:35:00
"""

from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tasks_account_status', 'tasks', ['account_id', 'status'])


def downgrade() -> None:
    op.drop_index('ix_tasks_account_status', table_name='tasks')
