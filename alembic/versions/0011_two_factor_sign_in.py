"""Two-factor sign-in: TOTP enrolments and recovery codes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 20:25:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (AutoString columns)
from alembic import op

import lms_app.models.base  # noqa: F401  (UTCDateTime columns)


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('twofactorenrolment',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('secret_encrypted', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('last_used_step', sa.Integer(), nullable=False),
    sa.Column('created_at', lms_app.models.base.UTCDateTime(), nullable=False),
    sa.Column('enabled_at', lms_app.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    op.create_index(op.f('ix_twofactorenrolment_user_id'), 'twofactorenrolment', ['user_id'], unique=False)
    op.create_table('twofactorrecoverycode',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', lms_app.models.base.UTCDateTime(), nullable=False),
    sa.Column('used_at', lms_app.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_twofactorrecoverycode_user_id'), 'twofactorrecoverycode', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_twofactorrecoverycode_user_id'), table_name='twofactorrecoverycode')
    op.drop_table('twofactorrecoverycode')
    op.drop_index(op.f('ix_twofactorenrolment_user_id'), table_name='twofactorenrolment')
    op.drop_table('twofactorenrolment')
