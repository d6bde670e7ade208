"""Every model change has its migration: a field or choice changed without one would only show on
the next `makemigrations`, after the code that needs it has landed."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit:
        pytest.fail(f"makemigrations --check exited {exit.code}:\n{out.getvalue()}")
