"""All models, imported in one place for Alembic and create_app()."""
from remiss.audit.models import AuditEntry  # noqa: F401
from remiss.auth.models import AuthToken, LoginSession, Role, TokenPurpose, User  # noqa: F401
from remiss.consolidation.models import (  # noqa: F401
    ChangeLink,
    CommentGroup,
    CommentGroupMember,
    ConsolidatedReport,
    Disposition,
    DispositionKind,
    Objection,
    PrincipleSummary,
    Redaction,
)
from remiss.consultations.models import (  # noqa: F401
    AlternativeChoice,
    Attachment,
    Consultation,
    ConsultationStatus,
    CriterionAnswer,
    Dissent,
    GeneralAnswer,
    GeneralQuestion,
    LateSave,
    MagicLink,
    PrincipleAnswer,
    Reminder,
    Respondent,
    Response,
    ResponseStatus,
    Stance,
)
from remiss.decisions.models import Decision, DecisionOutcome, Proposal, ProposalComment  # noqa: F401
from remiss.documents.models import (  # noqa: F401
    Alternative,
    Criterion,
    Document,
    DocumentVersion,
    Principle,
    PrincipleText,
    Section,
    SectionKind,
    VersionStatus,
)
from remiss.mail import OutboxMail  # noqa: F401
from remiss.organisations.models import Network, Organisation  # noqa: F401
