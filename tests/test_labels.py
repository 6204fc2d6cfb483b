"""Every enum member has its own name: members of different enums that share a value
("superseded", "draft") must not take each other's labels."""
from remiss.consultations.models import ResponseStatus
from remiss.documents.models import VersionStatus
from remiss.labels import LABELS, label


def test_a_superseded_version_is_not_called_a_superseded_response(app):
    with app.test_request_context():
        assert label(VersionStatus.superseded) == "Ersatt"
        assert label(ResponseStatus.superseded) == "Ersatt av ny revision"


def test_every_member_of_a_labelled_enum_has_a_label(app):
    enums = {cls for cls, _value in LABELS}
    with app.test_request_context():
        missing = [f"{cls.__name__}.{member.name}" for cls in enums for member in cls if (cls, member.value) not in LABELS]
        assert not missing, missing
        assert label("plain text") == "plain text"
