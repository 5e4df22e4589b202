"""Owners asked by mail to confirm their stale diaspora profiles.

One message per recipient (the admins and coordinators of the owning organisation who have an
address), listing a link to each profile's page in the workspace, where "Confirm it is still
accurate" is. The profiles are not named: a profile may be an individual volunteer, and mail
leaves the platform; the link (a random id) is enough for someone who may sign in. Each profile
is mailed about once per staleness and recipient: each message accepted by the mail server is
recorded at once (`ProfileConfirmationMail`), so a run the server interrupts halfway through an
organisation's recipients mails none of them twice; the next run asks only those not asked
yet (a refused address, or all of them when the server could not be reached, or when the
organisation had no one to send it to). `confirmation_mailed_at` is set (and the profile left
alone, until a confirmation clears it) once every recipient has been asked.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from compatriot.core.models import Membership, Organisation, Role
from compatriot.directory.models import DiasporaProfile, ProfileConfirmationMail

logger = logging.getLogger(__name__)

ASKED_ROLES = (Role.ADMIN, Role.COORDINATOR)


def _recipients(organisation_id: uuid.UUID) -> dict[str, list[int]]:
    """address -> the users (ids) who have it: one message per address, even when shared."""
    users = get_user_model().objects.filter(
        is_active=True,
        memberships__in=Membership.objects.filter(
            organisation_id=organisation_id, role__in=ASKED_ROLES, is_active=True
        ),
    )
    found: dict[str, list[int]] = defaultdict(list)
    for user_id, address in users.values_list("id", "email").distinct().order_by("email", "id"):
        if address:
            found[address].append(user_id)
    return dict(found)


def mail_language() -> str:
    """The platform keeps no language per user or organisation (the interface's choice lives
    in a browser cookie), so mail goes in the platform's default language."""
    return str(settings.LANGUAGE_CODE)


def _message(
    organisation: Organisation, profiles: list[DiasporaProfile], days: int, to: str
) -> EmailMessage:
    lines = [
        _("Hello,"),
        "",
        _(
            "These diaspora profiles of %(organisation)s have not been confirmed for "
            "%(days)s days. Partner organisations rely on them in a crisis: please open each "
            "one, check it, and confirm that it is still accurate or correct it."
        )
        % {"organisation": organisation.name, "days": days},
        "",
    ]
    for profile in profiles:
        url = settings.WEB_BASE_URL + reverse("directory:profile", args=[profile.id])
        date = profile.last_confirmed_at.date().isoformat()
        lines.append(_("Last confirmed on %(date)s: %(url)s") % {"date": date, "url": url})
    lines += [
        "",
        _("Sent by Compatriot to the administrators and coordinators of %(organisation)s.")
        % {"organisation": organisation.name},
    ]
    subject = _("Diaspora profiles to confirm: %(organisation)s") % {
        "organisation": organisation.name
    }
    return EmailMessage(subject, "\n".join(lines) + "\n", to=[to])


def _already_asked(profiles: list[DiasporaProfile]) -> set[tuple[uuid.UUID, int]]:
    """(profile, user) pairs already mailed about the profiles' current staleness."""
    staleness = {p.id: p.last_confirmed_at for p in profiles}
    return {
        (profile_id, user_id)
        for profile_id, user_id, confirmed in ProfileConfirmationMail.objects.filter(
            profile_id__in=staleness
        ).values_list("profile_id", "recipient_id", "last_confirmed_at")
        if staleness[profile_id] == confirmed
    }


def _record(profiles: list[DiasporaProfile], user_ids: list[int], now: dt.datetime) -> None:
    """Recorded (committed: the task runs in autocommit) as soon as the server accepted the
    message: a failure later in the run must not send it again."""
    ProfileConfirmationMail.objects.bulk_create(
        [
            ProfileConfirmationMail(
                profile=profile,
                recipient_id=user_id,
                last_confirmed_at=profile.last_confirmed_at,
                sent_at=now,
            )
            for profile in profiles
            for user_id in user_ids
        ],
        ignore_conflicts=True,  # a run alongside recorded it first
    )


def _ask_organisation(
    organisation: Organisation, profiles: list[DiasporaProfile], days: int, now: dt.datetime
) -> list[DiasporaProfile]:
    """Mail each of the organisation's admins and coordinators the profiles they were not
    mailed about yet; returns the profiles every one of them has now been mailed about."""
    recipients = _recipients(organisation.id)
    if not recipients:
        logger.warning("directory: organisation %s has no one to ask by mail", organisation.id)
        return []
    asked = _already_asked(profiles)

    def has(profile: DiasporaProfile, user_ids: list[int]) -> bool:
        # An address that got the notice as any of its users has it (a member who joined
        # later with a colleague's address is not mailed again).
        return any((profile.id, user_id) in asked for user_id in user_ids)

    failed = 0
    with get_connection() as connection:
        for address, user_ids in recipients.items():
            unasked = [p for p in profiles if not has(p, user_ids)]
            if not unasked:
                continue
            with translation.override(mail_language()):
                message = _message(organisation, unasked, days, address)
            try:
                connection.send_messages([message])
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                failed += 1  # this message only: the others are still asked
                continue
            _record(unasked, user_ids, now)
            asked.update((p.id, u) for p in unasked for u in user_ids)
    if failed:
        logger.warning(
            "directory: %d recipient(s) of organisation %s refused; trying again next run",
            failed,
            organisation.id,
        )
    return [p for p in profiles if all(has(p, user_ids) for user_ids in recipients.values())]


def ask_owners_to_confirm(*, days: int, now: dt.datetime | None = None) -> int:
    """Mail the owners of the stale profiles not mailed about yet; returns how many profiles
    were mailed about to all of their owners' admins and coordinators in this run."""
    now = now or timezone.now()
    waiting: dict[uuid.UUID, list[DiasporaProfile]] = defaultdict(list)
    for profile in DiasporaProfile.objects.filter(
        is_stale=True, confirmation_mailed_at__isnull=True
    ).order_by("last_confirmed_at", "id"):
        waiting[profile.owner_id].append(profile)
    mailed = 0
    for organisation in Organisation.objects.filter(id__in=waiting).order_by("id"):
        try:
            done = _ask_organisation(organisation, waiting[organisation.id], days, now)
        except (smtplib.SMTPException, OSError) as error:
            # The server is unreachable or dropped us: what it accepted is recorded. Logged by
            # type only: the server's answer may quote addresses.
            logger.warning(
                "directory: could not mail organisation %s (%s); trying again next run",
                organisation.id,
                type(error).__name__,
            )
            continue
        with transaction.atomic():
            DiasporaProfile.objects.filter(
                id__in=[p.id for p in done], is_stale=True, confirmation_mailed_at__isnull=True
            ).update(confirmation_mailed_at=now)
        mailed += len(done)
    return mailed
