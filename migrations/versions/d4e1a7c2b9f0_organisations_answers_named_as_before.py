"""issue 9 (data only): answers organisations submitted before they were asked keep being published with their name

Until issue 9 only individuals stated whether their answer may be published with their name; an
organisation's answer was always published under its name, and `publish_name` was stored False for
it. Now every respondent states it and False means "Remissinstans N" in the public report: the
answers submitted before are marked as what they were, published with the name.

Revision ID: d4e1a7c2b9f0
Revises: 9c8a98f0b9c1
Create Date: 2026-11-23 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e1a7c2b9f0'
down_revision = '9c8a98f0b9c1'
branch_labels = None
depends_on = None


def upgrade():
    op.get_bind().execute(
        sa.text("UPDATE response SET publish_name = :yes WHERE submitted_at IS NOT NULL AND respondent_id IN "
                "(SELECT id FROM respondent WHERE organisation_id IS NOT NULL)"),
        {"yes": True},
    )


def downgrade():
    # Nothing to undo: before this revision an organisation's publish_name meant nothing.
    pass
