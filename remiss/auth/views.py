"""Log-in, log-out, one-time links, the account page and people administration."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from remiss.auth import operations
from remiss.auth.forms import (
    PASSWORD_HINT, ChangePasswordForm, ForgotPasswordForm, InviteForm, LanguageForm, LoginForm, PeopleSearchForm,
    PersonForm, SetPasswordForm,
)
from remiss.auth.models import Role, TokenPurpose, User
from remiss.auth.operations import AccountError, InvalidLink, LinkProblem
from remiss.extensions import db, limiter
from remiss.mail import MailError, OutboxMail
from remiss.organisations.models import Organisation
from remiss.permissions import may_administer, may_read_mailbox, permission_required
from remiss.safe_redirect import safe_next

bp = Blueprint("auth", __name__)

PEOPLE_PER_PAGE = 25
MAILS_PER_PAGE = 20


def _me() -> User:
    """The logged-in User itself, not the current_user proxy, for operations to keep and compare."""
    return current_user._get_current_object()


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _show_error(form, error: AccountError, default_field: str) -> None:
    """Put an operation's message on the field it is about, so it is read out with that field."""
    name = error.field if error.field in form else default_field
    form[name].errors = list(form[name].errors) + [error.message]


def _private(response):
    """Pages behind one-time links: never cached, never leak the link onwards."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- log-in ---------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Fel e-postadress eller lösenord."))
        else:
            operations.start_session(user)
            db.session.commit()
            flash(_("Du är inloggad som %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    operations.end_session()
    db.session.commit()
    flash(_("Du är utloggad."), "success")
    return redirect(url_for("documents.index"))


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language; remembered in the session and on the account."""
    locale = request.form.get("locale")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        operations.set_locale(_me(), locale)
        db.session.commit()
    return redirect(safe_next(request.form.get("next")))


# --- password reset and invitations -------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            operations.request_password_reset(form.email.data)
            db.session.commit()
        except MailError:
            # Logged by send_mail. The answer stays the same, or it would tell who has an account.
            db.session.rollback()
        return redirect(url_for("auth.forgot_password_sent"))
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/password/forgot/sent")
def forgot_password_sent():
    return render_template("auth/forgot_password_sent.html")


def _invalid_link(purpose: TokenPurpose, problem: LinkProblem):
    status = 404 if problem is LinkProblem.unknown else 410
    response = current_app.make_response(
        (render_template("auth/link_invalid.html", purpose=purpose.value, problem=problem.value), status)
    )
    return _private(response)


def _set_password_page(purpose: TokenPurpose, token: str, operation, template: str, welcome: str):
    try:
        user = operations.check_token(token, purpose)
    except InvalidLink as error:
        return _invalid_link(purpose, error.problem)
    form = SetPasswordForm(account_email=user.email)
    if form.validate_on_submit():
        try:
            user = operation(token, form.password.data)
        except InvalidLink as error:  # used by someone else a moment ago
            db.session.rollback()
            return _invalid_link(purpose, error.problem)
        except AccountError as error:
            db.session.rollback()
            _show_error(form, error, "password")
        else:
            db.session.commit()
            flash(welcome % {"name": user.name}, "success")
            return redirect(url_for("auth.account"))
    status = 422 if form.errors else 200
    page = render_template(template, form=form, user=user, password_hint=PASSWORD_HINT)
    return _private(current_app.make_response((page, status)))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    return _set_password_page(
        TokenPurpose.password_reset, token, operations.reset_password, "auth/reset_password.html",
        _("Ditt lösenord är bytt och du är inloggad, %(name)s. Andra inloggningar med ditt konto har avslutats."),
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    return _set_password_page(
        TokenPurpose.invitation, token, operations.accept_invitation, "auth/accept_invitation.html",
        _("Välkommen till Remiss, %(name)s! Du är inloggad."),
    )


# --- my account -----------------------------------------------------------------------------


def _account_page(password_form=None, language_form=None, status=200):
    password_form = password_form or ChangePasswordForm(formdata=None, account_email=current_user.email)
    language_form = language_form or LanguageForm(formdata=None, locale=current_user.locale or "sv")
    return render_template(
        "auth/account.html", password_form=password_form, language_form=language_form, password_hint=PASSWORD_HINT
    ), status


@bp.route("/account")
@login_required
def account():
    return _account_page()


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm(account_email=current_user.email)
    if form.validate_on_submit():
        try:
            operations.change_password(_me(), form.current_password.data, form.password.data)
        except AccountError as error:
            db.session.rollback()
            _show_error(form, error, "password")
        else:
            db.session.commit()
            flash(_("Ditt lösenord är bytt. Du har loggats ut från alla andra webbläsare och enheter."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=422)


@bp.route("/account/language", methods=["POST"])
@login_required
def account_language():
    form = LanguageForm()
    if form.validate_on_submit():
        operations.set_locale(_me(), form.locale.data)
        session["locale"] = form.locale.data
        db.session.commit()
        flash(_("Språket är sparat."), "success")
        return redirect(url_for("auth.account"))
    return _account_page(language_form=form, status=422)


# --- people administration ----------------------------------------------------------------------


def _organisations():
    return list(db.session.execute(select(Organisation).order_by(Organisation.name)).scalars())


def _person(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/admin/people")
@permission_required(may_administer)
def people():
    form = PeopleSearchForm(request.args)
    form.validate()  # an unknown role in the address is ignored, not an error page
    filters = operations.PeopleFilter(
        query="" if form.q.errors else (form.q.data or ""),
        role=Role(form.role.data) if form.role.data and not form.role.errors else None,
    )
    page = db.paginate(operations.people_statement(filters), per_page=PEOPLE_PER_PAGE, error_out=False)
    return render_template("auth/people.html", form=form, page=page, filters=filters)


@bp.route("/admin/people/invite", methods=["GET", "POST"])
@permission_required(may_administer)
def people_invite():
    form = InviteForm(organisations=_organisations())
    mail_failed = False
    if form.validate_on_submit():
        try:
            user = operations.invite_user(
                _me(), form.email.data, form.name.data, form.role.data, form.selected_organisation()
            )
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            _show_error(form, error, "email")
        except MailError:
            db.session.rollback()
            mail_failed = True
        except IntegrityError:  # the same address was added a moment ago by someone else
            db.session.rollback()
            form.email.errors.append(_("Det finns redan ett konto med den e-postadressen."))
        else:
            flash(_("%(name)s är inbjuden. En inbjudan har skickats till %(email)s.", name=user.name, email=user.email),
                  "success")
            return redirect(url_for("auth.people_edit", user_id=user.id))
    status = 503 if mail_failed else 422 if form.errors else 200
    return render_template("auth/people_invite.html", form=form, mail_failed=mail_failed), status


@bp.route("/admin/people/<int:user_id>", methods=["GET", "POST"])
@permission_required(may_administer)
def people_edit(user_id):
    person = _person(user_id)
    form = PersonForm(
        data={"name": person.name, "role": person.role.value, "organisation": person.organisation_id,
              "signatory": bool(person.signatory)},
        organisations=_organisations(),
    )
    if form.validate_on_submit():
        try:
            operations.update_user(
                _me(), person, name=form.name.data, role=form.role.data,
                organisation=form.selected_organisation(), signatory=form.signatory.data,
            )
        except AccountError as error:
            db.session.rollback()
            _show_error(form, error, "name")
        else:
            db.session.commit()
            flash(_("Uppgifterna om %(name)s är sparade.", name=person.name), "success")
            return redirect(url_for("auth.people_edit", user_id=person.id))
    status = 422 if form.errors else 200
    return render_template("auth/people_edit.html", form=form, person=person), status


@bp.route("/admin/people/<int:user_id>/invitation", methods=["POST"])
@permission_required(may_administer)
def people_invitation(user_id):
    person = _person(user_id)
    try:
        operations.send_invitation(_me(), person)
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        flash(error.message, "error")
    except MailError:
        db.session.rollback()
        flash(_("E-post kunde inte skickas just nu. Försök igen om en stund."), "error")
    else:
        flash(_("En ny inbjudan har skickats till %(email)s. Den tidigare länken fungerar inte längre.",
                email=person.email), "success")
    return redirect(url_for("auth.people_edit", user_id=person.id))


@bp.route("/admin/people/<int:user_id>/deactivate", methods=["GET", "POST"])
@permission_required(may_administer)
def people_deactivate(user_id):
    """GET asks "Är du säker?"; POST deactivates."""
    person = _person(user_id)
    refusal = None
    if person.id == current_user.id:
        refusal = _("Du kan inte inaktivera ditt eget konto. Be en annan administratör om det behövs.")
    if request.method == "POST" and refusal is None:
        try:
            operations.deactivate_user(_me(), person)
        except AccountError as error:
            db.session.rollback()
            refusal = error.message
        else:
            db.session.commit()
            flash(_("%(name)s är inaktiverad och har loggats ut. Personen kan inte logga in förrän kontot "
                    "aktiveras igen.", name=person.name), "success")
            return redirect(url_for("auth.people_edit", user_id=person.id))
    status = 409 if refusal else 200
    return render_template("auth/people_deactivate.html", person=person, refusal=refusal), status


@bp.route("/admin/people/<int:user_id>/reactivate", methods=["POST"])
@permission_required(may_administer)
def people_reactivate(user_id):
    person = _person(user_id)
    operations.reactivate_user(_me(), person)
    db.session.commit()
    flash(_("%(name)s är aktiverad igen och kan logga in.", name=person.name), "success")
    return redirect(url_for("auth.people_edit", user_id=person.id))


# --- development mailbox ------------------------------------------------------------------------


@bp.route("/admin/mailbox")
@permission_required(may_read_mailbox)
def mailbox():
    page = db.paginate(
        select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()),
        per_page=MAILS_PER_PAGE, error_out=False,
    )
    return render_template("auth/mailbox.html", page=page)


# GDPR export and erasure live in their own module, on this blueprint.
from remiss.auth import gdpr_views  # noqa: E402,F401
