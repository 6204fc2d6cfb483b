"""Fixtures for the document tests: the shipped file, a hand-made file, and importing into the test DB."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from remiss.extensions import db

SHIPPED = Path(__file__).resolve().parents[2] / "principles" / "invanarinteraktion.md"

# Canonical, and with everything the format has: a multi-line change summary, alternatives
# on a section and on a principle, a criteria section with text around its list (one item
# over two lines), a code block with a heading-like line, an empty statement and keywords.
HANDMADE = """\
---
titel: Principer för provning
dokument: provdokument
version: 1
ägare: Provprocessen
beslutas_av: Provstyrgruppen
ändringar: |-
  Första versionen.
  Med två rader.
---

## Inledning {#inledning}

Text med **fetstil** och en lista:

- a
- b

```
## inte en rubrik
Nyckelord: inte heller nyckelord
```

### Alternativ: Definition 1

Första formuleringen.

### Alternativ: Definition 2

Andra formuleringen.

## Kvalitet {#kvalitet .kriterier}

Frågorna ställs för varje princip.

1. Är principen tydlig?
2. Är principen specifik
   nog?

## Princip 1. Första principen {#forsta}

Vi gör det första.

Nyckelord: Ett, två

### Vad innebär det för utförare och utvecklare?

- Något konkret.

### Alternativ: Formulering A

Vi gör A.

### Alternativ: Formulering B

Vi gör B.

## Princip 2. Andra principen {#andra}

Nyckelord:

### Vad innebär det för utförare och utvecklare?
"""


@pytest.fixture
def handmade() -> str:
    return HANDMADE


@pytest.fixture
def shipped_text() -> str:
    return SHIPPED.read_text(encoding="utf-8")


@pytest.fixture
def import_text(app):
    """Import a file's text as the CLI would (committed); optionally set the version's status."""
    from remiss.documents.operations import import_document

    def run(text: str, status=None):
        with app.app_context():
            version = import_document(text)
            if status is not None:
                version.status = status
            db.session.commit()
            return version.document.key, version.number

    return run


@pytest.fixture
def row_counts(app):
    """How many rows each document table (and the audit trail) holds."""
    from remiss.audit.models import AuditEntry
    from remiss.documents.models import (
        Alternative, Criterion, Document, DocumentVersion, Principle, PrincipleText, Section,
    )

    def counts():
        with app.app_context():
            return {
                model.__name__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (Document, DocumentVersion, Section, Principle, PrincipleText, Criterion,
                              Alternative, AuditEntry)
            }

    return counts
