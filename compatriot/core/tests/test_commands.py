"""The CLI: the console script's dispatch, `token create` and `audit verify`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from compatriot.cli import resolve
from compatriot.core.audit import audit_maintenance, audit_record
from compatriot.core.models import ApiToken, AuditAction, AuditEntry, Role
from compatriot.core.selectors import viewer_for_token
from compatriot.core.tokens import hash_token
from compatriot.core.viewer import Viewer


@pytest.mark.parametrize(
    ("_case", "argv", "expected"),
    [
        ("noun verb", ["token", "create", "--name", "x"], ["token_create", "--name", "x"]),
        ("dashed verb", ["audit", "verify"], ["audit_verify"]),
        ("plain command", ["migrate", "--noinput"], ["migrate", "--noinput"]),
        ("unknown pair", ["help", "migrate"], ["help", "migrate"]),
    ],
)
def test_resolve_maps_noun_verb_to_command(
    _case: str, argv: list[str], expected: list[str]
) -> None:
    assert resolve(argv, set(get_commands())) == expected


def test_console_script_runs_a_command() -> None:
    script = Path(sys.executable).with_name("compatriot")
    result = subprocess.run(  # noqa: S603  our own console script
        [str(script), "help", "audit_verify"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Verify the audit log's hash chain" in result.stdout


def test_token_create_prints_a_working_secret_once(make_member, org_a, capsys) -> None:
    user = make_member(org_a, Role.VOLUNTEER)
    call_command(
        "token_create", "--as-user", user.username, "--org", org_a.name, "--name", "laptop"
    )
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=user)
    assert token.name == "laptop"
    assert token.key_hash == hash_token(secret)
    assert secret not in token.key_hash
    found = viewer_for_token(secret)
    assert found is not None
    assert found[0].organisation_id == org_a.id
    assert found[0].role == Role.VOLUNTEER


@pytest.mark.parametrize(
    ("_case", "arguments", "message"),
    [
        ("no user", ["--org", "Nigerian Community in Poland"], "Give --as-user"),
        ("unknown org", ["--as-user", "{user}", "--org", "Nobody"], "No organisation named"),
        ("not a member", ["--as-user", "{user}", "--org", "Other Helpers"], "cannot act for"),
    ],
)
def test_token_create_refuses_without_a_membership(
    _case: str, arguments: list[str], message: str, make_member, org_a, org_b
) -> None:
    user = make_member(org_a, Role.VOLUNTEER)
    arguments = [argument.replace("{user}", user.username) for argument in arguments]
    with pytest.raises(CommandError, match=message):
        call_command("token_create", *arguments)
    assert ApiToken.objects.count() == 0


def test_audit_verify_reports_intact_then_the_first_broken_entry(org_a, capsys) -> None:
    actor = Viewer(None, org_a.id, org_a.kind, Role.ADMIN, False, "test")
    entries = [
        audit_record(actor, action=AuditAction.CREATE, object_type="thing", object_id=str(n))
        for n in range(5)
    ]
    call_command("audit_verify")
    assert capsys.readouterr().out.splitlines()[0] == "audit chain intact: 5 entries"

    with audit_maintenance():
        AuditEntry.objects.filter(id=entries[2].id).update(object_id="forged")
    with pytest.raises(CommandError, match=f"broken at entry #{entries[2].id}: content"):
        call_command("audit_verify")


def _serve(
    monkeypatch, *arguments: str, migrates: bool | None = True
) -> list[tuple[str, list[str]]]:
    """Runs `serve` up to the exec of gunicorn; returns what it ran."""
    from compatriot.core.management.commands import serve

    ran: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: ran.append(("call", [])))
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: ran.append((path, argv)))
    lost = None if migrates is None else not migrates  # None: the kernel does not say
    monkeypatch.setattr(serve, "queued_connections_lost_on_exit", lambda: lost)
    call_command("serve", *arguments)
    return ran


def _gunicorn_config(argv: list[str]):
    """gunicorn's own parser reads the command line: what `serve` asks for is what it runs."""
    from gunicorn.config import Config

    config = Config()
    for name, value in vars(config.parser().parse_args(argv[3:])).items():
        if value is not None and name in config.settings:
            config.set(name, value)
    return config


def test_serve_runs_gunicorn_with_a_listener_per_worker(monkeypatch, capsys) -> None:
    ran = _serve(monkeypatch, "--port", "8123", "--workers", "3", "--threads", "4")

    assert ran[0] == ("call", [])  # collectstatic first
    path, argv = ran[1]
    assert argv[:4] == [path, "-m", "gunicorn", "compatriot.wsgi:application"]
    config = _gunicorn_config(argv)
    assert config.bind == ["127.0.0.1:8123"]
    assert (config.workers, config.threads) == (3, 4)
    # SO_REUSEPORT: a listener per worker, so that kept-alive clients spread over the workers.
    assert config.reuse_port is True
    out, err = capsys.readouterr()
    assert "Compatriot on http://127.0.0.1:8123/" in out
    assert err == ""


def test_serve_shares_one_listener_where_a_reload_would_reset_queued_connections(
    monkeypatch, capsys
) -> None:
    for migrates in (False, None):  # the kernel says it would not hand them over, or nothing
        ran = _serve(monkeypatch, migrates=migrates)

        assert _gunicorn_config(ran[1][1]).reuse_port is False
        assert capsys.readouterr().err == ""


def test_serve_reuse_port_asked_for_warns_when_queued_connections_would_be_reset(
    monkeypatch, capsys
) -> None:
    ran = _serve(monkeypatch, "--reuse-port", migrates=False)

    assert _gunicorn_config(ran[1][1]).reuse_port is True
    assert "net.ipv4.tcp_migrate_req is 0" in capsys.readouterr().err


def test_serve_without_reuse_port_shares_one_listener(monkeypatch, capsys) -> None:
    ran = _serve(monkeypatch, "--no-reuse-port")

    assert _gunicorn_config(ran[1][1]).reuse_port is False
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("days", ["0", "-3"])
def test_token_create_refuses_an_expiry_of_no_days_or_fewer(days, make_member, org_a) -> None:
    # 0 once made a token that never expires (a truthiness test).
    user = make_member(org_a, Role.VOLUNTEER)
    arguments = ["--as-user", user.username, "--org", org_a.name, "--expires-days", days]

    with pytest.raises(CommandError, match="--expires-days must be at least 1"):
        call_command("token_create", *arguments)
    assert ApiToken.objects.count() == 0


def test_token_create_expires_after_the_days_given(make_member, org_a, time_machine) -> None:
    time_machine.move_to("2026-12-08 12:00:00+00:00", tick=False)
    user = make_member(org_a, Role.VOLUNTEER)

    call_command("token_create", "--as-user", user.username, "--org", org_a.name)
    call_command(
        "token_create", "--as-user", user.username, "--org", org_a.name, "--expires-days", "1"
    )

    expiries = list(ApiToken.objects.values_list("expires_at", flat=True))
    assert sorted(expiries, key=lambda at: at is not None) == [
        None,
        dt.datetime(2026, 12, 9, 12, tzinfo=dt.UTC),
    ]
