import click


@click.command("demo")
def demo():
    """Load the demo data (idempotent)."""
