"""credits, webhooks, idempotency and task control

Existing accounts start with 0 credits and get a fresh webhook signing secret each.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:41:56.501667
"""

from __future__ import annotations

import base64
import secrets

import sqlalchemy as sa
from alembic import op

import stillmotion.tasks.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credit_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', stillmotion.tasks.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'reason', name='uq_credit_ledger_task_reason')
    )
    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_credit_ledger_account_created', ['account_id', 'created_at'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', stillmotion.tasks.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'key', name='uq_idempotency_account_key')
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_created_at'), ['created_at'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', stillmotion.tasks.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('created_at', stillmotion.tasks.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', stillmotion.tasks.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', stillmotion.tasks.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id')
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_webhook_deliveries_due', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credits', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('webhook_secret', sa.String(length=100), nullable=True))

    # A secret cannot be a server default (each account needs its own), so fill them here.
    # Same format as tasks.accounts.new_webhook_secret; copied because a migration must not
    # change meaning when application code changes later.
    connection = op.get_bind()
    accounts = sa.table('accounts', sa.column('id', sa.Integer), sa.column('webhook_secret', sa.String))
    for (account_id,) in connection.execute(sa.select(accounts.c.id)).all():
        secret = 'whsec_' + base64.b64encode(secrets.token_bytes(24)).decode()
        connection.execute(accounts.update().where(accounts.c.id == account_id).values(webhook_secret=secret))
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.alter_column('webhook_secret', existing_type=sa.String(length=100), nullable=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credits', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('credit_state', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('cancelled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('expires_at', stillmotion.tasks.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('video_deleted_at', stillmotion.tasks.models.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('video_deleted_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('cancelled')
        batch_op.drop_column('credit_state')
        batch_op.drop_column('credits')

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('webhook_secret')
        batch_op.drop_column('credits')

    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_due')
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_account_id'))

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_created_at'))

    op.drop_table('idempotency_keys')
    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_ledger_account_created')

    op.drop_table('credit_ledger')
