"""Administration of organisations and networks."""
from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from remiss.extensions import db
from remiss.organisations.models import Network, Organisation
from remiss.permissions import may_administer, permission_required

bp = Blueprint("organisations", __name__, url_prefix="/admin")


@bp.route("/organisations")
@permission_required(may_administer)
def organisations():
    rows = db.session.execute(select(Organisation).order_by(Organisation.short_name)).scalars()
    return render_template("organisations/organisations.html", organisations=list(rows))


@bp.route("/networks")
@permission_required(may_administer)
def networks():
    rows = db.session.execute(
        select(Network).options(selectinload(Network.organisations), selectinload(Network.members)).order_by(Network.name)
    ).scalars()
    return render_template("organisations/networks.html", networks=list(rows))
