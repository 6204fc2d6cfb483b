"""The user-facing name of every enum member, in the current language."""
from flask_babel import lazy_gettext as _l

from remiss.auth.models import Role
from remiss.consolidation.models import DispositionKind
from remiss.consultations.models import ConsultationStatus, CriteriaScale, ResponseChannel, ResponseStatus, Stance
from remiss.decisions.models import DecisionOutcome
from remiss.documents.models import VersionStatus

# Members of different str enums with the same value compare equal ("superseded" is both a version's
# and a response's status), so the table is keyed by (enum class, value), never by the member alone.
_NAMES = [
    (Role.administrator, _l("Administratör")),
    (Role.process_owner, _l("Processansvarig")),
    (Role.steering_member, _l("Ledamot i styrgruppen")),
    (Role.representative, _l("Nätverksrepresentant")),
    (VersionStatus.draft, _l("Utkast")),
    (VersionStatus.on_remiss, _l("På remiss")),
    (VersionStatus.consolidation, _l("Under sammanställning")),
    (VersionStatus.proposed, _l("Förslag till styrgruppen")),
    (VersionStatus.published, _l("Fastställd och publicerad")),
    (VersionStatus.superseded, _l("Ersatt")),
    (VersionStatus.withdrawn, _l("Återkallad")),
    (ConsultationStatus.draft, _l("Utkast")),
    (ConsultationStatus.open, _l("Öppen för svar")),
    (ConsultationStatus.closed, _l("Stängd")),
    (ConsultationStatus.consolidated, _l("Sammanställd")),
    (ConsultationStatus.decided, _l("Beslutad")),
    (Stance.supports, _l("Tillstyrker")),
    (Stance.supports_with_changes, _l("Tillstyrker med ändringar")),
    (Stance.opposes, _l("Avstyrker")),
    (Stance.no_comments, _l("Inga synpunkter")),
    (ResponseStatus.draft, _l("Utkast")),
    (ResponseStatus.submitted, _l("Inskickat")),
    (ResponseStatus.superseded, _l("Ersatt av ny revision")),
    (ResponseChannel.online, _l("Webbformulär")),
    (ResponseChannel.email, _l("E-post")),
    (ResponseChannel.paper, _l("Papper")),
    (ResponseChannel.bulk_import, _l("Massimport")),
    (DispositionKind.accepted, _l("Beaktad")),
    (DispositionKind.partly_accepted, _l("Delvis beaktad")),
    (DispositionKind.not_accepted, _l("Ej beaktad")),
    (DispositionKind.noted, _l("Noterad")),
    (DecisionOutcome.approved, _l("Fastställd")),
    (DecisionOutcome.returned, _l("Återremitterad för bearbetning")),
    (DecisionOutcome.rejected, _l("Avslagen")),
    (CriteriaScale.yes_partly_no, _l("Ja / delvis / nej")),
    (CriteriaScale.one_to_four, _l("1–4")),
]
LABELS = {(type(member), member.value): name for member, name in _NAMES}

# Ratings of the quality criteria, per scale.
RATINGS = {
    CriteriaScale.yes_partly_no: [("yes", _l("Ja")), ("partly", _l("Delvis")), ("no", _l("Nej"))],
    CriteriaScale.one_to_four: [
        ("1", _l("1 – instämmer inte")),
        ("2", _l("2")),
        ("3", _l("3")),
        ("4", _l("4 – instämmer helt")),
    ],
}


def label(value) -> str:
    return str(LABELS.get((type(value), getattr(value, "value", value)), getattr(value, "value", value)))
