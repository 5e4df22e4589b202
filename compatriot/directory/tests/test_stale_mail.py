"""Owners asked by mail to confirm stale profiles, sent through Django's SMTP backend to a real
SMTP server (aiosmtpd on 127.0.0.1), with a frozen clock."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.test import override_settings

from compatriot.core.models import Membership, Organisation, Role
from compatriot.directory.models import DiasporaProfile, ProfileConfirmationMail
from compatriot.directory.services import profile_confirm
from compatriot.directory.tasks import flag_stale_profiles
from compatriot.directory.tests.factories import actor_for, make_profile

START = dt.datetime(2022, 3, 1, 9, 0, tzinfo=dt.UTC)
STALE = START + dt.timedelta(days=31)


class Inbox:
    """aiosmtpd handler: keeps what the server accepted (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        # Addresses refused at RCPT (550), or whose message is refused at DATA with 421 (the
        # server closes the connection), as a failing server would.
        self.refused_at_rcpt: set[str] = set()
        self.refused_at_data: set[str] = set()

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refused_at_rcpt:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refused_at_data & set(envelope.rcpt_tos):
            return "421 Service not available, closing transmission channel"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def by_recipient(self) -> dict[str, email.message.EmailMessage]:
        return {to: message for tos, message in self.received for to in tos}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.WEB_BASE_URL = "https://compatriot.example.org"
    settings.DIRECTORY_STALE_AFTER_DAYS = 30
    yield inbox
    controller.stop()


def _member(make_member: Any, organisation: Organisation, role: str, address: str) -> Any:
    user = make_member(organisation, role)
    user.email = address
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def world(org_a: Organisation, org_b: Organisation, make_member: Any) -> dict[str, Any]:
    """org_a: an admin and a coordinator with addresses (asked), a caseworker (not asked), a
    coordinator without an address and one whose membership ended. org_b: an admin."""
    admin = _member(make_member, org_a, Role.ADMIN, "admin@a.example")
    _member(make_member, org_a, Role.COORDINATOR, "coordinator@a.example")
    _member(make_member, org_a, Role.CASEWORKER, "caseworker@a.example")
    _member(make_member, org_a, Role.COORDINATOR, "")
    gone = _member(make_member, org_a, Role.COORDINATOR, "gone@a.example")
    Membership.objects.filter(user=gone).update(is_active=False)
    b_admin = _member(make_member, org_b, Role.ADMIN, "admin@b.example")
    with time_machine.travel(START, tick=False):
        volunteer = make_profile(
            actor_for(org_a, admin),
            kind="individual_volunteer",
            name="Adaeze Okonkwo",
            contact_email="adaeze@example.org",
        )
        group = make_profile(actor_for(org_a, admin), name="Igbo union, Rzeszow")
        other = make_profile(actor_for(org_b, b_admin), name="Cameroonian network")
    with time_machine.travel(START + dt.timedelta(days=20), tick=False):
        recent = make_profile(actor_for(org_a, admin), name="Recent")
    return {"admin": admin, "volunteer": volunteer, "group": group, "other": other,
            "recent": recent}  # fmt: skip


def test_owners_admins_and_coordinators_are_mailed_once_per_staleness(
    smtp_server: Inbox, world: dict[str, Any], org_a: Organisation, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    with time_machine.travel(STALE, tick=False):
        assert flag_stale_profiles.delay().get() == 3
    inbox = smtp_server.by_recipient()
    assert set(inbox) == {"admin@a.example", "coordinator@a.example", "admin@b.example"}
    assert len(smtp_server.received) == 3  # one message per recipient

    message = inbox["admin@a.example"]
    assert message["Subject"] == f"Diaspora profiles to confirm: {org_a.name}"
    body = message.get_content()
    for profile in (world["volunteer"], world["group"]):
        url = f"https://compatriot.example.org/workspace/directory/profiles/{profile.id}/"
        assert f"Last confirmed on 2022-03-01: {url}" in body
    assert str(world["recent"].id) not in body
    assert str(world["other"].id) not in body
    assert "30 days" in body
    # No personal data: neither the volunteer's name nor any contact travels or is logged.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("compatriot"))
    assert "owners mailed about 3" in ours
    for secret in ("Adaeze", "Okonkwo", "adaeze@example.org", "Igbo union", "@a.example"):
        assert secret not in body.replace("admin@a.example", "")
        assert secret not in ours

    for profile in ("volunteer", "group", "other"):
        world[profile].refresh_from_db()
        assert world[profile].confirmation_mailed_at == STALE

    # The next runs ask no one again while the profiles stay stale.
    with time_machine.travel(STALE + dt.timedelta(days=1), tick=False):
        assert flag_stale_profiles.delay().get() == 0
    assert len(smtp_server.received) == 3

    # Confirmed, then stale again 30 days later: asked again, once.
    with time_machine.travel(STALE + dt.timedelta(days=2), tick=False):
        profile_confirm(actor_for(org_a, world["admin"]), profile_id=world["group"].id)
    world["group"].refresh_from_db()
    assert world["group"].confirmation_mailed_at is None
    assert not ProfileConfirmationMail.objects.filter(profile=world["group"]).exists()
    assert ProfileConfirmationMail.objects.filter(profile=world["volunteer"]).count() == 2
    with time_machine.travel(STALE + dt.timedelta(days=33), tick=False):
        flag_stale_profiles.delay().get()
        flag_stale_profiles.delay().get()
    again = smtp_server.received[3:]  # group and recent (stale by now) in one message each
    assert sorted(to for tos, _ in again for to in tos) == [
        "admin@a.example",
        "coordinator@a.example",
    ]
    for _, message in again:
        assert str(world["group"].id) in message.get_content()
        assert str(world["recent"].id) in message.get_content()


def test_a_mail_that_could_not_be_sent_is_tried_again_next_run(
    smtp_server: Inbox, world: dict[str, Any], settings: Any, caplog: Any
) -> None:
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    with time_machine.travel(STALE, tick=False):
        assert flag_stale_profiles.delay().get() == 3
    assert smtp_server.received == []
    assert not DiasporaProfile.objects.filter(confirmation_mailed_at__isnull=False).exists()
    assert "could not mail" in caplog.text

    settings.EMAIL_PORT = port
    with time_machine.travel(STALE + dt.timedelta(days=1), tick=False):
        assert flag_stale_profiles.delay().get() == 0  # already flagged, still to be mailed
    assert len(smtp_server.received) == 3
    assert (
        DiasporaProfile.objects.filter(is_stale=True, confirmation_mailed_at__isnull=True).count()
        == 0
    )


@pytest.mark.parametrize("_case", ["refused at RCPT", "closed at DATA"])
def test_a_recipient_refused_halfway_is_asked_next_run_and_no_one_twice(
    smtp_server: Inbox, world: dict[str, Any], caplog: Any, _case: str
) -> None:
    """org_a has two recipients; the server takes the first and refuses the second. The next
    run asks only the second; nobody ever gets the same notice twice."""
    refused = (
        smtp_server.refused_at_rcpt if _case == "refused at RCPT" else smtp_server.refused_at_data
    )
    refused.add("coordinator@a.example")
    with time_machine.travel(STALE, tick=False):
        assert flag_stale_profiles.delay().get() == 3
    assert sorted(to for tos, _ in smtp_server.received for to in tos) == [
        "admin@a.example",
        "admin@b.example",
    ]
    for profile in ("volunteer", "group"):  # not everyone asked yet
        world[profile].refresh_from_db()
        assert world[profile].confirmation_mailed_at is None
    world["other"].refresh_from_db()
    assert world["other"].confirmation_mailed_at == STALE

    refused.clear()
    for day in (1, 2):
        with time_machine.travel(STALE + dt.timedelta(days=day), tick=False):
            flag_stale_profiles.delay().get()
    assert sorted(to for tos, _ in smtp_server.received for to in tos) == [
        "admin@a.example",
        "admin@b.example",
        "coordinator@a.example",
    ]
    body = smtp_server.by_recipient()["coordinator@a.example"].get_content()
    assert str(world["volunteer"].id) in body
    assert str(world["group"].id) in body
    for profile in ("volunteer", "group"):
        world[profile].refresh_from_db()
        assert world[profile].confirmation_mailed_at == STALE + dt.timedelta(days=1)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("compatriot"))
    assert "1 recipient(s) of organisation" in ours
    assert "coordinator@a.example" not in ours


@pytest.mark.parametrize("_case", ["before the mail", "after the mail"])
def test_members_sharing_an_address_get_one_message(
    smtp_server: Inbox, world: dict[str, Any], org_a: Organisation, make_member: Any, _case: str
) -> None:
    """A second member with the coordinator's address, there from the start or joining after
    the mail went (while the profiles stay stale): one message to the address, and the
    profiles count as mailed."""
    if _case == "before the mail":
        _member(make_member, org_a, Role.ADMIN, "coordinator@a.example")
    with time_machine.travel(STALE, tick=False):
        flag_stale_profiles.delay().get()
    if _case == "after the mail":
        DiasporaProfile.objects.update(confirmation_mailed_at=None)  # as if not all were asked
        _member(make_member, org_a, Role.ADMIN, "coordinator@a.example")
    with time_machine.travel(STALE + dt.timedelta(days=1), tick=False):
        flag_stale_profiles.delay().get()
    assert sorted(to for tos, _ in smtp_server.received for to in tos) == [
        "admin@a.example",
        "admin@b.example",
        "coordinator@a.example",
    ]
    assert not DiasporaProfile.objects.filter(
        is_stale=True, confirmation_mailed_at__isnull=True
    ).exists()


@override_settings(LANGUAGE_CODE="fr")
def test_the_mail_is_in_the_platforms_default_language(
    smtp_server: Inbox, world: dict[str, Any], org_a: Organisation
) -> None:
    with time_machine.travel(STALE, tick=False):
        flag_stale_profiles.delay().get()
    message = smtp_server.by_recipient()["admin@a.example"]
    assert message["Subject"].strip() == f"Profils de la diaspora à confirmer : {org_a.name}"
    assert "Dernière confirmation le 2022-03-01" in message.get_content()


def test_an_organisation_with_no_one_to_ask_is_asked_once_someone_has_an_address(
    smtp_server: Inbox, world: dict[str, Any], org_b: Organisation
) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(email="admin@b.example").update(email="")
    with time_machine.travel(STALE, tick=False):
        flag_stale_profiles.delay().get()
    assert "admin@b.example" not in smtp_server.by_recipient()
    world["other"].refresh_from_db()
    assert world["other"].confirmation_mailed_at is None
    get_user_model().objects.filter(username__contains="OtherHelp").update(email="admin@b.example")
    with time_machine.travel(STALE + dt.timedelta(days=1), tick=False):
        flag_stale_profiles.delay().get()
    assert "admin@b.example" in smtp_server.by_recipient()
