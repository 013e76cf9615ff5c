"""Settings, email changes, signing in as another user

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 21:50:51.136967
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (AutoString columns)
from alembic import op

import lms_app.models.base  # noqa: F401  (UTCDateTime columns)


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('emailchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('new_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', lms_app.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', lms_app.models.base.UTCDateTime(), nullable=False),
    sa.Column('used_at', lms_app.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('emailchange', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emailchange_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_emailchange_user_id'), ['user_id'], unique=False)

    op.create_table('orgsetting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('updated_at', lms_app.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'key')
    )
    with op.batch_alter_table('orgsetting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orgsetting_org_id'), ['org_id'], unique=False)

    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('impersonator_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_auditevent_impersonator_id'), ['impersonator_id'], unique=False)

    with op.batch_alter_table('loginsession', schema=None) as batch_op:
        batch_op.add_column(sa.Column('impersonator_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_loginsession_impersonator_id', 'app_user', ['impersonator_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    with op.batch_alter_table('loginsession', schema=None) as batch_op:
        batch_op.drop_constraint('fk_loginsession_impersonator_id', type_='foreignkey')
        batch_op.drop_column('impersonator_id')

    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditevent_impersonator_id'))
        batch_op.drop_column('impersonator_id')

    with op.batch_alter_table('orgsetting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orgsetting_org_id'))

    op.drop_table('orgsetting')
    with op.batch_alter_table('emailchange', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emailchange_user_id'))
        batch_op.drop_index(batch_op.f('ix_emailchange_token_hash'))

    op.drop_table('emailchange')
