"""`manage.py create_api_token`: prints only the token, which then works against the API."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from wuzha.orgs import services
from wuzha.orgs.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_one_line_token_that_works(client, world):
    out, err = run("t_teacher_a", "--name", "导出脚本")
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 1
    key = lines[0]
    assert key.startswith("wz_")
    token = ApiToken.objects.get(user=world.teacher_a)
    assert token.name == "导出脚本"
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in (token.key_hash, token.prefix)
    auth = {"Authorization": f"Bearer {key}"}
    response = client.get(f"/api/v1/persons/{world.student_a.pk}", headers=auth)
    assert response.status_code == 200
    assert response.json()["name"] == "王小明"
    other = client.get(f"/api/v1/persons/{world.other_student.pk}", headers=auth)
    assert other.status_code == 404


def test_each_call_makes_a_new_token(world):
    first, _ = run("t_leader")
    second, _ = run("t_leader")
    assert first != second
    assert ApiToken.objects.filter(user=world.leader).count() == 2


def test_unknown_user_fails_in_chinese(world):
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        run("nobody")
    assert not ApiToken.objects.exists()


def test_inactive_user_fails(world):
    services.user_set_active(user=world.leader, active=False)
    with pytest.raises(CommandError, match="已停用"):
        run("t_leader")
    assert not ApiToken.objects.exists()


def test_too_long_name_fails(world):
    with pytest.raises(CommandError, match="最多 50 个字符"):
        run("t_leader", "--name", "名" * 51)
    assert not ApiToken.objects.exists()


def test_command_line_error_goes_to_stderr_with_exit_code(world, capsys):
    """As a script runs it: Chinese error on stderr, non-zero exit, nothing on stdout."""
    from wuzha.orgs.management.commands.create_api_token import Command

    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "create_api_token", "nobody"])
    assert exit_info.value.code != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "用户 nobody 不存在" in captured.err


def test_command_line_prints_only_the_token(world):
    # call_command rather than run_from_argv: the latter closes every database connection when it
    # finishes, which would end the test's transaction on PostgreSQL.
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "t_leader", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert out.getvalue().count("\n") == 1
    assert ApiToken.hash_key(out.getvalue().strip()) == ApiToken.objects.get().key_hash
