"""Log-in, log-out and the account pages."""
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from remiss.auth import operations
from remiss.auth.forms import LoginForm
from remiss.auth.models import User
from remiss.extensions import db, limiter
from remiss.mail import OutboxMail
from remiss.permissions import may_administer, may_read_mailbox, permission_required
from remiss.safe_redirect import safe_next

bp = Blueprint("auth", __name__)


def _login_limit():
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


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


@bp.route("/account")
@login_required
def account():
    return render_template("auth/account.html")


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language; remembered in the session and on the account."""
    locale = request.form.get("locale")
    if locale not in ("sv", "en"):
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    return render_template("auth/forgot_password.html")


@bp.route("/admin/people")
@permission_required(may_administer)
def people():
    users = db.session.execute(select(User).options(selectinload(User.organisation)).order_by(User.name)).scalars()
    return render_template("auth/people.html", users=list(users))


@bp.route("/admin/mailbox")
@permission_required(may_read_mailbox)
def mailbox():
    mails = db.session.execute(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(50)).scalars()
    return render_template("auth/mailbox.html", mails=list(mails))
