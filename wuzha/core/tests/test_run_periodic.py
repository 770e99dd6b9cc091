from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_runs_each_command_and_survives_a_failure(settings):
    settings.PERIODIC_COMMANDS = ["check", "no_such_command"]
    out, err = StringIO(), StringIO()
    call_command("run_periodic", stdout=out, stderr=err)
    assert "1 成功，1 失败" in out.getvalue()
    assert "no_such_command" in err.getvalue()


@pytest.mark.django_db
def test_configured_commands_exist(settings):
    from django.core.management import get_commands

    assert set(settings.PERIODIC_COMMANDS) <= set(get_commands())
