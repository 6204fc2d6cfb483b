"""The verbs of organisations and networks, and the organisations CSV import.

Who may call them: administrators (the views check `may_administer`), the
command line and the demo loader (actor None). Every change writes an audit
entry; nothing here commits, so that a change and its audit entry are stored
together or not at all.
"""
from __future__ import annotations

import csv
import io
import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from remiss.audit import record
from remiss.auth.models import Role, User
from remiss.extensions import db
from remiss.organisations.models import Network, Organisation, network_member, network_organisation

SHORT_NAME_MAX = 32
NAME_MAX = 200
DESCRIPTION_MAX = 2000
CSV_MAX_ERRORS = 50  # enough to fix a file with; the rest after the first round

# The seed file names kinds in English; users see them in Swedish.
ORGANISATION_KINDS = {
    "hospital": _l("sjukhus"),
    "care provider": _l("vårdgivare"),
    "primary care": _l("primärvård"),
    "central administration": _l("central förvaltning"),
}
# The Swedish words are accepted in a CSV file too (as written here, not translated).
_SWEDISH_KINDS = {"sjukhus": "hospital", "vårdgivare": "care provider", "primärvård": "primary care",
                  "central förvaltning": "central administration"}

CSV_REQUIRED_COLUMNS = ("short_name", "name", "kind")
CSV_COUNT_COLUMN = "representatives_in_network"


class OrganisationError(ValueError):
    """A change that cannot be made; `message` is for the user (Swedish), `field` the form field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class CsvImportError(OrganisationError):
    """A CSV file that was not imported; `errors` lists every problem, each naming its row."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(" ".join(errors), field="file")


# --- kinds ----------------------------------------------------------------------------------------


def organisation_kind_label(kind: str | None) -> str:
    """The Swedish word for a kind (sjukhus for hospital); an unknown kind is shown as stored."""
    if kind is None:
        return ""
    return str(ORGANISATION_KINDS.get(kind, kind))


def organisation_kind_choices(current: str | None = None) -> list[tuple[str, str]]:
    """(value, label) for a select list; a stored kind outside the list stays choosable."""
    choices = [(key, organisation_kind_label(key)) for key in ORGANISATION_KINDS]
    if current and current not in ORGANISATION_KINDS:
        choices.append((current, current))
    return choices


def _kind(value: str, current: str | None = None) -> str:
    """The stored key of a kind written in English or Swedish, any case."""
    text = " ".join((value or "").split()).lower()
    if text in ORGANISATION_KINDS:
        return text
    if text in _SWEDISH_KINDS:
        return _SWEDISH_KINDS[text]
    if current and value == current:
        return current
    known = ", ".join(str(label) for label in ORGANISATION_KINDS.values())
    if not text:
        raise OrganisationError(_("Välj typ av organisation: %(known)s.", known=known), field="kind")
    raise OrganisationError(
        _("Okänd typ av organisation: %(kind)s. Välj en av: %(known)s.", kind=value.strip(), known=known), field="kind"
    )


# --- text checks ----------------------------------------------------------------------------------


def _has_control_characters(text: str) -> bool:
    # NUL is refused by PostgreSQL; other control characters are never meant in a name.
    return any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text)


def _clean(value: str | None, *, field: str, label: str, max_length: int, required: bool = True,
           multiline: bool = False) -> str:
    text = (value or "").strip()
    if not multiline:
        text = " ".join(text.split())
    if required and not text:
        raise OrganisationError(_("Fyll i %(what)s.", what=label), field=field)
    if len(text) > max_length:
        raise OrganisationError(
            _("%(what)s får ha högst %(n)d tecken.", what=label[:1].upper() + label[1:], n=max_length), field=field
        )
    if _has_control_characters(text):
        raise OrganisationError(_("%(what)s innehåller otillåtna tecken.", what=label[:1].upper() + label[1:]),
                                field=field)
    return text


def _short_name(value):
    return _clean(value, field="short_name", label=_("kortnamnet"), max_length=SHORT_NAME_MAX)


def _organisation_name(value):
    return _clean(value, field="name", label=_("namnet"), max_length=NAME_MAX)


# --- organisations --------------------------------------------------------------------------------


def _snapshot(organisation: Organisation) -> dict:
    return {"short_name": organisation.short_name, "name": organisation.name, "kind": organisation.kind,
            "requires_signoff": bool(organisation.requires_signoff)}


def find_organisation(short_name: str) -> Organisation | None:
    return db.session.execute(
        select(Organisation).where(Organisation.short_name == short_name)
    ).scalar_one_or_none()


def _check_unique(short_name: str, name: str, organisation: Organisation | None = None) -> None:
    own_id = organisation.id if organisation is not None else None
    with db.session.no_autoflush:
        same_short = find_organisation(short_name)
        same_name = db.session.execute(select(Organisation).where(Organisation.name == name)).scalar_one_or_none()
    if same_short is not None and same_short.id != own_id:
        raise OrganisationError(
            _("Det finns redan en organisation med kortnamnet %(short)s.", short=short_name), field="short_name"
        )
    if same_name is not None and same_name.id != own_id:
        raise OrganisationError(
            _("Det finns redan en organisation som heter %(name)s (%(short)s).", name=name, short=same_name.short_name),
            field="name",
        )


def create_organisation(actor: User | None, short_name: str, name: str, kind: str,
                        requires_signoff: bool = False) -> Organisation:
    """Administrators: add an organisation. Raises OrganisationError for a missing or taken name."""
    short_name, name = _short_name(short_name), _organisation_name(name)
    kind = _kind(kind)
    _check_unique(short_name, name)
    organisation = Organisation(short_name=short_name, name=name, kind=kind, requires_signoff=bool(requires_signoff))
    db.session.add(organisation)
    record(actor, "organisation.created", organisation, summary=short_name, after=_snapshot(organisation))
    return organisation


def update_organisation(actor: User | None, organisation: Organisation, *, short_name: str, name: str,
                        kind: str, requires_signoff: bool | None = None) -> bool:
    """Administrators: change short name, name, kind and whether a signatory must approve the
    organisation's answers (None: unchanged). Returns whether anything changed."""
    short_name, name = _short_name(short_name), _organisation_name(name)
    kind = _kind(kind, current=organisation.kind)
    _check_unique(short_name, name, organisation)
    before = _snapshot(organisation)
    organisation.short_name, organisation.name, organisation.kind = short_name, name, kind
    if requires_signoff is not None:
        organisation.requires_signoff = bool(requires_signoff)
    after = _snapshot(organisation)
    changed = [key for key in before if before[key] != after[key]]
    if changed:
        record(actor, "organisation.updated", organisation, summary=short_name,
               before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return bool(changed)


def people_in_organisation(organisation: Organisation) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.organisation_id == organisation.id))


def organisation_deletion_problem(organisation: Organisation) -> str | None:
    """Why the organisation cannot be deleted now, in words for the administrator; None if it can."""
    from remiss.consultations.models import Respondent

    people = people_in_organisation(organisation)
    if people:
        return _(
            "%(name)s kan inte tas bort eftersom %(count)d personer hör till organisationen. Flytta dem till en "
            "annan organisation eller gör dem till enskilda nätverksmedlemmar under Personer först.",
            name=organisation.name, count=people,
        )
    consulted = db.session.scalar(
        select(func.count()).select_from(Respondent).where(Respondent.organisation_id == organisation.id)
    )
    if consulted:
        return _(
            "%(name)s kan inte tas bort eftersom organisationen är remissinstans i %(count)d remisser. Remissvar är "
            "allmänna handlingar och ska finnas kvar.",
            name=organisation.name, count=consulted,
        )
    return None


def delete_organisation(actor: User | None, organisation: Organisation) -> None:
    """Administrators: delete an organisation nobody belongs to; it leaves every network it was in.

    Refused (OrganisationError) while people belong to it or it has been asked in a remiss.
    """
    problem = organisation_deletion_problem(organisation)
    if problem:
        raise OrganisationError(problem)
    networks = [n.name for n in organisation.networks]
    record(actor, "organisation.deleted", organisation, summary=organisation.short_name,
           before=dict(_snapshot(organisation), networks=networks))
    db.session.delete(organisation)


# --- networks -------------------------------------------------------------------------------------


def _network_snapshot(network: Network) -> dict:
    return {"name": network.name, "description": network.description}


def _network_fields(name: str, description: str | None, network: Network | None = None) -> tuple[str, str]:
    name = _clean(name, field="name", label=_("namnet"), max_length=NAME_MAX)
    description = _clean(description, field="description", label=_("beskrivningen"), max_length=DESCRIPTION_MAX,
                         required=False, multiline=True)
    with db.session.no_autoflush:
        same = db.session.execute(select(Network).where(Network.name == name)).scalar_one_or_none()
    if same is not None and (network is None or same.id != network.id):
        raise OrganisationError(_("Det finns redan ett nätverk som heter %(name)s.", name=name), field="name")
    return name, description


def create_network(actor: User | None, name: str, description: str = "") -> Network:
    """Administrators: add a network (empty; organisations and members are added afterwards)."""
    name, description = _network_fields(name, description)
    network = Network(name=name, description=description)
    db.session.add(network)
    record(actor, "network.created", network, summary=name, after=_network_snapshot(network))
    return network


def update_network(actor: User | None, network: Network, *, name: str, description: str) -> bool:
    """Administrators: rename or describe a network. Returns whether anything changed."""
    name, description = _network_fields(name, description, network)
    before = _network_snapshot(network)
    network.name, network.description = name, description
    after = _network_snapshot(network)
    changed = [key for key in before if before[key] != after[key]]
    if changed:
        record(actor, "network.updated", network, summary=name,
               before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return bool(changed)


def network_deletion_problem(network: Network) -> str | None:
    """Why the network cannot be deleted now; None if it can."""
    from remiss.consultations.models import consultation_network, respondent_network

    used = db.session.scalar(
        select(func.count()).select_from(consultation_network).where(consultation_network.c.network_id == network.id)
    ) or db.session.scalar(
        select(func.count()).select_from(respondent_network).where(respondent_network.c.network_id == network.id)
    )
    if used:
        return _(
            "%(name)s kan inte tas bort eftersom nätverket har fått en remiss. Vem som tillfrågades genom nätverket "
            "är en del av remissens historik. Byt gärna namn på nätverket i stället.",
            name=network.name,
        )
    return None


def delete_network(actor: User | None, network: Network) -> None:
    """Administrators: delete a network that no remiss has been sent to. Organisations and people stay."""
    problem = network_deletion_problem(network)
    if problem:
        raise OrganisationError(problem)
    record(actor, "network.deleted", network, summary=network.name,
           before=dict(_network_snapshot(network),
                       organisations=[o.short_name for o in network.organisations],
                       members=[u.email for u in network.members]))
    db.session.delete(network)


def add_organisation_to_network(actor: User | None, network: Network, organisation: Organisation) -> None:
    """Administrators: the organisation is asked, as one respondent, when a remiss goes to the network."""
    if organisation in network.organisations:
        raise OrganisationError(
            _("%(name)s är redan med i nätverket.", name=organisation.name), field="organisation"
        )
    network.organisations.append(organisation)
    record(actor, "network.organisation_added", network, summary=f"{network.name}: {organisation.short_name}",
           after={"organisation": organisation.short_name})


def remove_organisation_from_network(actor: User | None, network: Network, organisation: Organisation) -> list[User]:
    """Administrators: take the organisation out of the network, and its representatives with it.

    Its representatives go too: a remiss to the network asks every organisation
    that has a representative in it, so leaving them would keep the organisation in.
    Returns the people removed.
    """
    if organisation not in network.organisations:
        raise OrganisationError(_("%(name)s är inte med i nätverket.", name=organisation.name))
    representatives = network.representatives_of(organisation)
    network.organisations.remove(organisation)
    for user in representatives:
        network.members.remove(user)
    record(actor, "network.organisation_removed", network, summary=f"{network.name}: {organisation.short_name}",
           before={"organisation": organisation.short_name, "members": [u.email for u in representatives]})
    return representatives


def add_member_to_network(actor: User | None, network: Network, user: User) -> bool:
    """Administrators: add a person to the network.

    A person with an organisation represents it there; an organisation not yet in
    the network is added with them (a remiss would ask it anyway through them), so
    the page and the respondents agree. Returns True when the organisation was added.
    Only active representatives can be members: they are the ones a remiss asks.
    """
    if user in network.members:
        raise OrganisationError(_("%(name)s är redan medlem i nätverket.", name=user.name), field="user")
    if not user.active:
        raise OrganisationError(
            _("%(name)s har ett inaktiverat konto. Aktivera kontot under Personer först.", name=user.name),
            field="user",
        )
    if user.role != Role.representative:
        raise OrganisationError(
            _("%(name)s är inte nätverksrepresentant. Bara nätverksrepresentanter tillfrågas när en remiss går "
              "till nätverket; ändra rollen under Personer om personen ska vara med.", name=user.name),
            field="user",
        )
    organisation_added = False
    organisation = user.organisation
    if organisation is not None and organisation not in network.organisations:
        add_organisation_to_network(actor, network, organisation)
        organisation_added = True
    network.members.append(user)
    record(actor, "network.member_added", network, summary=f"{network.name}: {user.email}",
           after={"member": user.email, "organisation": organisation.short_name if organisation else None})
    return organisation_added


def remove_member_from_network(actor: User | None, network: Network, user: User) -> None:
    """Administrators: take a person out of the network; their organisation stays in it."""
    if user not in network.members:
        raise OrganisationError(_("%(name)s är inte medlem i nätverket.", name=user.name))
    network.members.remove(user)
    record(actor, "network.member_removed", network, summary=f"{network.name}: {user.email}",
           before={"member": user.email})


def network_member_count(network: Network) -> int:
    return db.session.scalar(
        select(func.count()).select_from(network_member).where(network_member.c.network_id == network.id)
    )


def network_organisation_count(network: Network) -> int:
    return db.session.scalar(
        select(func.count()).select_from(network_organisation).where(network_organisation.c.network_id == network.id)
    )


# --- CSV import -----------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (with or without BOM), else Windows-1252 as Excel saves it."""
    if b"\x00" in data:
        raise CsvImportError([_("Filen är inte en textfil. Spara den som CSV (UTF-8) och försök igen.")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _header_key(value: str) -> str:
    return " ".join((value or "").replace("\ufeff", "").split()).lower().replace(" ", "_")


def _read_rows(text: str) -> list[tuple[int, dict]]:
    """(row number, {column: value}) for every non-empty data row; row 1 is the header."""
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise CsvImportError([_("Filen innehåller otillåtna tecken (NUL). Spara den som CSV (UTF-8) och försök igen.")])
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise CsvImportError([_("Filen är tom. Första raden ska vara rubrikraden short_name,name,kind.")])
    first = next(line for line in lines if line.strip())
    # Swedish Excel separates with semicolons.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, dict]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [_header_key(cell) for cell in cells]
                missing = [column for column in CSV_REQUIRED_COLUMNS if column not in header]
                if missing:
                    raise CsvImportError([
                        _("Rad %(row)d: kolumnerna %(missing)s saknas i rubrikraden. Rubrikraden ska vara "
                          "short_name,name,kind,representatives_in_network.",
                          row=reader.line_num, missing=", ".join(missing))
                    ])
                continue
            values = {column: (cells[i] if i < len(cells) else "") for i, column in enumerate(header) if column}
            rows.append((reader.line_num, values))
    except csv.Error as error:
        raise CsvImportError([_("Rad %(row)d: raden kan inte läsas som CSV (%(error)s).",
                                row=reader.line_num, error=str(error))]) from None
    return rows


def _parse_row(values: dict) -> tuple[str, str, str]:
    """(short name, name, kind) of one row, or an OrganisationError naming what is wrong."""
    missing = {
        "short_name": _("kortnamnet saknas (kolumnen short_name)."),
        "name": _("namnet saknas (kolumnen name)."),
        "kind": _("typen saknas (kolumnen kind)."),
    }
    for column, message in missing.items():
        if not (values.get(column) or "").strip():
            raise OrganisationError(message)
    short_name = _short_name(values.get("short_name"))
    name = _organisation_name(values.get("name"))
    kind = _kind(values.get("kind", ""))
    count = (values.get(CSV_COUNT_COLUMN) or "").strip()
    if count and not (count.isdigit() and int(count) < 10000):
        raise OrganisationError(
            _("representatives_in_network ska vara ett heltal, 0 eller mer (var ”%(value)s”).", value=count)
        )
    return short_name, name, kind


def import_organisations_csv(text: str, actor: User | None = None) -> tuple[int, int]:
    """Create or update organisations from CSV text; returns (created, updated).

    Format: a header row `short_name,name,kind,representatives_in_network`
    (comma or semicolon; column order free; other columns ignored), then one row
    per organisation. A short name already in Remiss updates that organisation;
    running the same file twice changes nothing. The whole file is checked first:
    if any row is wrong, CsvImportError lists every problem by row number and
    nothing is written. `representatives_in_network` is checked but not stored
    (the demo loader uses it to create people). Callers: administrators' upload,
    `flask organisations import`, the demo loader.
    """
    rows = _read_rows(text)
    if not rows:
        raise CsvImportError([_("Filen har ingen organisation, bara en rubrikrad.")])

    errors: list[str] = []
    parsed: list[tuple[int, str, str, str]] = []
    seen_short: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    for row_number, values in rows:
        try:
            short_name, name, kind = _parse_row(values)
        except OrganisationError as error:
            errors.append(_("Rad %(row)d: %(message)s", row=row_number, message=error.message))
            continue
        if short_name in seen_short:
            errors.append(_("Rad %(row)d: kortnamnet %(short)s finns redan på rad %(first)d.",
                            row=row_number, short=short_name, first=seen_short[short_name]))
            continue
        if name in seen_name:
            errors.append(_("Rad %(row)d: namnet %(name)s finns redan på rad %(first)d.",
                            row=row_number, name=name, first=seen_name[name]))
            continue
        seen_short[short_name], seen_name[name] = row_number, row_number
        parsed.append((row_number, short_name, name, kind))

    existing = {o.short_name: o for o in db.session.execute(select(Organisation)).scalars()}
    # Names must stay unique after the import too: an organisation not in the file keeps its name.
    names_kept = {o.name: o.short_name for o in existing.values() if o.short_name not in seen_short}
    for row_number, short_name, name, _kind_key in parsed:
        if name in names_kept:
            errors.append(_("Rad %(row)d: namnet %(name)s används redan av organisationen %(short)s.",
                            row=row_number, name=name, short=names_kept[name]))
    if errors:
        if len(errors) > CSV_MAX_ERRORS:
            more = len(errors) - CSV_MAX_ERRORS
            errors = errors[:CSV_MAX_ERRORS] + [_("… och %(count)d fel till.", count=more)]
        raise CsvImportError(errors)

    created = updated = 0
    with db.session.no_autoflush:
        for _row, short_name, name, kind in parsed:
            organisation = existing.get(short_name)
            if organisation is None:
                organisation = Organisation(short_name=short_name, name=name, kind=kind)
                db.session.add(organisation)
                record(actor, "organisation.created", organisation, summary=f"{short_name} (CSV)",
                       after=_snapshot(organisation))
                created += 1
                continue
            before = _snapshot(organisation)
            organisation.name, organisation.kind = name, kind
            after = _snapshot(organisation)
            changed = [key for key in before if before[key] != after[key]]
            if changed:
                record(actor, "organisation.updated", organisation, summary=f"{short_name} (CSV)",
                       before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
                updated += 1
    db.session.flush()
    return created, updated


# --- read side: what the administration pages show, in a fixed number of queries --------------------


def organisation_counts(organisation_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{organisation id: (people, networks)} for the organisations on one page of the list."""
    if not organisation_ids:
        return {}
    people = dict(db.session.execute(
        select(User.organisation_id, func.count()).where(User.organisation_id.in_(organisation_ids))
        .group_by(User.organisation_id)
    ).all())
    networks = dict(db.session.execute(
        select(network_organisation.c.organisation_id, func.count())
        .where(network_organisation.c.organisation_id.in_(organisation_ids))
        .group_by(network_organisation.c.organisation_id)
    ).all())
    return {i: (people.get(i, 0), networks.get(i, 0)) for i in organisation_ids}


def network_counts(network_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """{network id: (organisations, representatives, individual members)} for one page of networks."""
    if not network_ids:
        return {}
    organisations = dict(db.session.execute(
        select(network_organisation.c.network_id, func.count())
        .where(network_organisation.c.network_id.in_(network_ids))
        .group_by(network_organisation.c.network_id)
    ).all())
    members: dict[int, list[int]] = {i: [0, 0] for i in network_ids}
    rows = db.session.execute(
        select(network_member.c.network_id, User.organisation_id.is_(None), func.count())
        .join(User, User.id == network_member.c.user_id)
        .where(network_member.c.network_id.in_(network_ids))
        .group_by(network_member.c.network_id, User.organisation_id.is_(None))
    ).all()
    for network_id, individual, count in rows:
        members[network_id][1 if individual else 0] += count
    return {i: (organisations.get(i, 0), members[i][0], members[i][1]) for i in network_ids}


def network_representatives(network: Network) -> list[User]:
    """The members who represent an organisation, with their organisation loaded, by name."""
    from sqlalchemy.orm import selectinload

    return list(db.session.execute(
        select(User).join(network_member, network_member.c.user_id == User.id)
        .where(network_member.c.network_id == network.id, User.organisation_id.is_not(None))
        .options(selectinload(User.organisation)).order_by(User.name, User.id)
    ).scalars())


def network_individuals_statement(network: Network):
    """The individual members (no organisation), by name: paginated on the network page."""
    return (
        select(User).join(network_member, network_member.c.user_id == User.id)
        .where(network_member.c.network_id == network.id, User.organisation_id.is_(None))
        .order_by(User.name, User.id)
    )


def organisations_not_in(network: Network) -> list[Organisation]:
    in_network = select(network_organisation.c.organisation_id).where(network_organisation.c.network_id == network.id)
    return list(db.session.execute(
        select(Organisation).where(Organisation.id.not_in(in_network)).order_by(Organisation.name)
    ).scalars())


def people_who_can_join(network: Network) -> list[User]:
    """Active representatives not yet in the network, by name, with their organisation loaded."""
    from sqlalchemy.orm import selectinload

    members = select(network_member.c.user_id).where(network_member.c.network_id == network.id)
    return list(db.session.execute(
        select(User).where(User.active.is_(True), User.role == Role.representative, User.id.not_in(members))
        .options(selectinload(User.organisation)).order_by(User.name, User.id)
    ).scalars())
