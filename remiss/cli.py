"""flask commands, one group per concern; each area keeps its commands in its own cli.py."""


def register_commands(app):
    from remiss.auth.cli import users
    from remiss.consultations.cli import consultations
    from remiss.demo import demo
    from remiss.documents.cli import principles
    from remiss.organisations.cli import organisations
    from remiss.responses.cli import responses
    from remiss.reports.cli import report

    for command in (users, organisations, principles, demo, responses, consultations, report):
        app.cli.add_command(command)
