"""Administration of organisations and networks: thin views over operations.py."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from remiss.auth.models import User
from remiss.extensions import db
from remiss.forms import ConfirmForm
from remiss.organisations import operations
from remiss.organisations.forms import (
    AddMemberForm, AddOrganisationForm, NetworkForm, OrganisationForm, OrganisationsCsvForm,
)
from remiss.organisations.models import Network, Organisation
from remiss.organisations.operations import CsvImportError, OrganisationError, organisation_kind_label
from remiss.permissions import may_administer, permission_required

bp = Blueprint("organisations", __name__, url_prefix="/admin")

ORGANISATIONS_PER_PAGE = 25
NETWORKS_PER_PAGE = 25
INDIVIDUALS_PER_PAGE = 50


@bp.app_template_filter("organisation_kind")
def _organisation_kind_filter(kind):
    """{{ organisation.kind|organisation_kind }}: the kind in Swedish, on every page."""
    return organisation_kind_label(kind)


def _show_error(form, error: OrganisationError, default_field: str) -> None:
    """Put an operation's message on the field it is about, so it is read out with that field."""
    name = error.field if error.field in form else default_field
    form[name].errors = list(form[name].errors) + [error.message]


def _organisation(organisation_id: int) -> Organisation:
    return db.session.get(Organisation, organisation_id) or abort(404)


def _network(network_id: int) -> Network:
    return db.session.get(Network, network_id) or abort(404)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


# --- organisations --------------------------------------------------------------------------------


def _organisations_page(upload_form, import_errors=None, status=200):
    page = db.paginate(
        select(Organisation).order_by(Organisation.short_name), per_page=ORGANISATIONS_PER_PAGE, error_out=False
    )
    counts = operations.organisation_counts([o.id for o in page.items])
    return render_template(
        "organisations/organisations.html", page=page, counts=counts, upload_form=upload_form,
        import_errors=import_errors or [],
    ), status


@bp.route("/organisations")
@permission_required(may_administer)
def organisations():
    return _organisations_page(OrganisationsCsvForm(formdata=None))


@bp.route("/organisations/import", methods=["GET", "POST"])
@permission_required(may_administer)
def organisation_import():
    if request.method == "GET":  # e.g. reloading the address after an upload: the form is on the list page
        return redirect(url_for("organisations.organisations", _anchor="import-heading"))
    form = OrganisationsCsvForm()
    errors = []
    if form.validate_on_submit():
        try:
            text = operations.decode_csv(form.file.data.read())
            created, updated = operations.import_organisations_csv(text, actor=current_user)
            db.session.commit()
        except CsvImportError as error:
            db.session.rollback()
            errors = error.errors
        except IntegrityError:
            db.session.rollback()
            errors = [_("Filen kunde inte importeras eftersom två organisationer skulle få samma namn. "
                        "Kontrollera namnen och försök igen.")]
        else:
            flash(_("Importen är klar: %(created)d nya och %(updated)d ändrade organisationer. Övriga var redan "
                    "aktuella.", created=created, updated=updated), "success")
            return redirect(url_for("organisations.organisations"))
    if errors:
        form.file.errors = list(form.file.errors) + [
            _("Filen har fel och har inte importerats. Inget har sparats. Felen står listade ovan.")
        ]
    return _organisations_page(form, errors, 422)


@bp.route("/organisations/new", methods=["GET", "POST"])
@permission_required(may_administer)
def organisation_new():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = operations.create_organisation(
                current_user, form.short_name.data, form.name.data, form.kind.data,
                requires_signoff=form.requires_signoff.data,
            )
            db.session.commit()
        except OrganisationError as error:
            db.session.rollback()
            _show_error(form, error, "name")
        except IntegrityError:  # added by someone else a moment ago
            db.session.rollback()
            form.short_name.errors.append(_("Det finns redan en organisation med det kortnamnet eller namnet."))
        else:
            flash(_("%(name)s är tillagd.", name=organisation.name), "success")
            return redirect(url_for("organisations.organisations"))
    status = 422 if form.errors else 200
    return render_template("organisations/organisation_form.html", form=form, organisation=None), status


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@permission_required(may_administer)
def organisation_edit(organisation_id):
    organisation = _organisation(organisation_id)
    form = OrganisationForm(obj=organisation, current_kind=organisation.kind)
    if form.validate_on_submit():
        try:
            changed = operations.update_organisation(
                current_user, organisation, short_name=form.short_name.data, name=form.name.data,
                kind=form.kind.data, requires_signoff=form.requires_signoff.data,
            )
            db.session.commit()
        except OrganisationError as error:
            db.session.rollback()
            _show_error(form, error, "name")
        except IntegrityError:
            db.session.rollback()
            form.short_name.errors.append(_("Det finns redan en organisation med det kortnamnet eller namnet."))
        else:
            flash(_("Ändringarna av %(name)s är sparade.", name=organisation.name) if changed
                  else _("Inget var ändrat."), "success")
            return redirect(url_for("organisations.organisation_edit", organisation_id=organisation.id))
    if form.errors:
        db.session.refresh(organisation)  # the heading shows what is stored, the form what was typed
    people = operations.people_in_organisation(organisation)
    status = 422 if form.errors else 200
    return render_template(
        "organisations/organisation_form.html", form=form, organisation=organisation, people=people,
    ), status

def _confirmed_delete(form, refusal, delete, race_message) -> tuple[bool, str | None]:
    """The POST of an "Är du säker?" page: run `delete` and commit, unless it is refused.

    Returns (deleted, refusal). `race_message` explains a foreign-key conflict that arrived
    between the check and the delete (someone added a person, a remiss went out).
    """
    if request.method != "POST" or refusal is not None or not form.validate_on_submit():
        return False, refusal
    try:
        delete()
        db.session.commit()
    except OrganisationError as error:
        db.session.rollback()
        return False, error.message
    except IntegrityError:
        db.session.rollback()
        return False, race_message
    return True, None


@bp.route("/organisations/<int:organisation_id>/delete", methods=["GET", "POST"])
@permission_required(may_administer)
def organisation_delete(organisation_id):
    """GET asks "Är du säker?"; POST deletes."""
    organisation = _organisation(organisation_id)
    form = ConfirmForm()
    name = organisation.name
    deleted, refusal = _confirmed_delete(
        form, operations.organisation_deletion_problem(organisation),
        lambda: operations.delete_organisation(current_user, organisation),
        # someone was added to it a moment ago
        _("%(name)s kan inte tas bort eftersom någon just har lagts till i organisationen.", name=name),
    )
    if deleted:
        flash(_("%(name)s är borttagen.", name=name), "success")
        return redirect(url_for("organisations.organisations"))
    status = 409 if refusal else 200
    return render_template(
        "organisations/organisation_delete.html", organisation=organisation, refusal=refusal, form=form,
    ), status


# --- networks -------------------------------------------------------------------------------------


@bp.route("/networks")
@permission_required(may_administer)
def networks():
    page = db.paginate(select(Network).order_by(Network.name), per_page=NETWORKS_PER_PAGE, error_out=False)
    counts = operations.network_counts([n.id for n in page.items])
    return render_template("organisations/networks.html", page=page, counts=counts)


@bp.route("/networks/new", methods=["GET", "POST"])
@permission_required(may_administer)
def network_new():
    form = NetworkForm()
    if form.validate_on_submit():
        try:
            network = operations.create_network(current_user, form.name.data, form.description.data)
            db.session.commit()
        except OrganisationError as error:
            db.session.rollback()
            _show_error(form, error, "name")
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(_("Det finns redan ett nätverk med det namnet."))
        else:
            flash(_("Nätverket %(name)s är skapat. Lägg till organisationer och personer nedan.", name=network.name),
                  "success")
            return redirect(url_for("organisations.network", network_id=network.id))
    status = 422 if form.errors else 200
    return render_template("organisations/network_form.html", form=form, network=None), status


@bp.route("/networks/<int:network_id>/edit", methods=["GET", "POST"])
@permission_required(may_administer)
def network_edit(network_id):
    network = _network(network_id)
    form = NetworkForm(obj=network)
    if form.validate_on_submit():
        try:
            changed = operations.update_network(
                current_user, network, name=form.name.data, description=form.description.data
            )
            db.session.commit()
        except OrganisationError as error:
            db.session.rollback()
            _show_error(form, error, "name")
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(_("Det finns redan ett nätverk med det namnet."))
        else:
            flash(_("Ändringarna av %(name)s är sparade.", name=network.name) if changed else _("Inget var ändrat."),
                  "success")
            return redirect(url_for("organisations.network", network_id=network.id))
    if form.errors:
        db.session.refresh(network)
    status = 422 if form.errors else 200
    return render_template("organisations/network_form.html", form=form, network=network), status


def _network_page(network, organisation_form=None, member_form=None, status=200):
    representatives = operations.network_representatives(network)
    by_organisation: dict[int, list[User]] = {}
    for user in representatives:
        by_organisation.setdefault(user.organisation_id, []).append(user)
    organisations = network.organisations
    in_network = {o.id for o in organisations}
    # Someone moved to another organisation after joining: shown apart, so it is noticed.
    elsewhere = [u for u in representatives if u.organisation_id not in in_network]
    individuals = db.paginate(
        operations.network_individuals_statement(network), per_page=INDIVIDUALS_PER_PAGE, error_out=False
    )
    organisation_form = organisation_form or AddOrganisationForm(
        formdata=None, organisations=operations.organisations_not_in(network)
    )
    member_form = member_form or AddMemberForm(formdata=None, people=operations.people_who_can_join(network))
    return render_template(
        "organisations/network.html", network=network, organisations=organisations,
        by_organisation=by_organisation, elsewhere=elsewhere, individuals=individuals,
        organisation_form=organisation_form, member_form=member_form,
    ), status


@bp.route("/networks/<int:network_id>")
@permission_required(may_administer)
def network(network_id):
    return _network_page(_network(network_id))


@bp.route("/networks/<int:network_id>/organisations", methods=["POST"])
@permission_required(may_administer)
def network_add_organisation(network_id):
    network = _network(network_id)
    candidates = operations.organisations_not_in(network)
    form = AddOrganisationForm(organisations=candidates)
    if form.validate_on_submit():
        organisation = {o.id: o for o in candidates}[form.organisation.data]
        try:
            operations.add_organisation_to_network(current_user, network, organisation)
            db.session.commit()
        except OrganisationError as error:
            db.session.rollback()
            _show_error(form, error, "organisation")
        except IntegrityError:  # added by someone else a moment ago: the wish is fulfilled
            db.session.rollback()
            return redirect(url_for("organisations.network", network_id=network.id))
        else:
            flash(_("%(organisation)s är tillagd i %(network)s.", organisation=organisation.name,
                    network=network.name), "success")
            return redirect(url_for("organisations.network", network_id=network.id, _anchor="organisations-heading"))
    return _network_page(network, organisation_form=form, status=422)


@bp.route("/networks/<int:network_id>/organisations/<int:organisation_id>/remove", methods=["GET", "POST"])
@permission_required(may_administer)
def network_remove_organisation(network_id, organisation_id):
    """GET asks "Är du säker?" and names the representatives who leave too; POST removes."""
    network = _network(network_id)
    organisation = _organisation(organisation_id)
    if organisation not in network.organisations:
        abort(404)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        removed = operations.remove_organisation_from_network(current_user, network, organisation)
        db.session.commit()
        message = _("%(organisation)s är borttagen ur %(network)s.", organisation=organisation.name,
                    network=network.name)
        if removed:
            message += " " + _("Dess representanter i nätverket togs också bort: %(names)s.",
                               names=", ".join(u.name for u in removed))
        flash(message, "success")
        return redirect(url_for("organisations.network", network_id=network.id))
    return render_template(
        "organisations/network_remove_organisation.html", network=network, organisation=organisation,
        representatives=network.representatives_of(organisation), form=form,
    )


@bp.route("/networks/<int:network_id>/members", methods=["POST"])
@permission_required(may_administer)
def network_add_member(network_id):
    network = _network(network_id)
    candidates = operations.people_who_can_join(network)
    form = AddMemberForm(people=candidates)
    if form.validate_on_submit():
        user = {u.id: u for u in candidates}[form.user.data]
        try:
            organisation_added = operations.add_member_to_network(current_user, network, user)
            db.session.commit()
        except OrganisationError as error:
            db.session.rollback()
            _show_error(form, error, "user")
        except IntegrityError:
            db.session.rollback()
            return redirect(url_for("organisations.network", network_id=network.id))
        else:
            if organisation_added:
                flash(_("%(name)s är tillagd i %(network)s. Organisationen %(organisation)s var inte med i nätverket "
                        "och lades till samtidigt, eftersom %(name)s representerar den.", name=user.name,
                        network=network.name, organisation=user.organisation.name), "success")
            else:
                flash(_("%(name)s är tillagd i %(network)s.", name=user.name, network=network.name), "success")
            return redirect(url_for("organisations.network", network_id=network.id, _anchor="members-heading"))
    return _network_page(network, member_form=form, status=422)


@bp.route("/networks/<int:network_id>/members/<int:user_id>/remove", methods=["GET", "POST"])
@permission_required(may_administer)
def network_remove_member(network_id, user_id):
    """GET asks "Är du säker?"; POST removes the person from the network (the account stays)."""
    network = _network(network_id)
    user = _user(user_id)
    if user not in network.members:
        abort(404)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        operations.remove_member_from_network(current_user, network, user)
        db.session.commit()
        flash(_("%(name)s är borttagen ur %(network)s.", name=user.name, network=network.name), "success")
        return redirect(url_for("organisations.network", network_id=network.id))
    return render_template("organisations/network_remove_member.html", network=network, person=user, form=form)


@bp.route("/networks/<int:network_id>/delete", methods=["GET", "POST"])
@permission_required(may_administer)
def network_delete(network_id):
    """GET asks "Är du säker?"; POST deletes. Refused once a remiss has gone to the network."""
    network = _network(network_id)
    form = ConfirmForm()
    name = network.name
    deleted, refusal = _confirmed_delete(
        form, operations.network_deletion_problem(network),
        lambda: operations.delete_network(current_user, network),
        # a remiss was sent to it a moment ago
        _("%(name)s kan inte tas bort eftersom nätverket just har fått en remiss.", name=name),
    )
    if deleted:
        flash(_("Nätverket %(name)s är borttaget. Organisationerna och personerna finns kvar.", name=name),
              "success")
        return redirect(url_for("organisations.networks"))
    counts = operations.network_counts([network.id])[network.id]
    status = 409 if refusal else 200
    return render_template(
        "organisations/network_delete.html", network=network, refusal=refusal, counts=counts, form=form,
    ), status
