"""Owners asked by mail to confirm their stale diaspora profiles.

One message per recipient (the admins and coordinators of the owning organisation who have an
address), listing a link to each profile's page in the workspace, where "Confirm it is still
accurate" is. The profiles are not named: a profile may be an individual volunteer, and mail
leaves the platform; the link (a random id) is enough for someone who may sign in. Each profile
is mailed about once per staleness (`confirmation_mailed_at`, cleared by a confirmation); a
profile whose mail could not be sent, or whose organisation has no one to send it to, is tried
again on the next run.
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
from compatriot.directory.models import DiasporaProfile

logger = logging.getLogger(__name__)

ASKED_ROLES = (Role.ADMIN, Role.COORDINATOR)


def _recipients(organisation_id: uuid.UUID) -> list[str]:
    users = get_user_model().objects.filter(
        is_active=True,
        memberships__in=Membership.objects.filter(
            organisation_id=organisation_id, role__in=ASKED_ROLES, is_active=True
        ),
    )
    return sorted({email for email in users.values_list("email", flat=True) if email})


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


def ask_owners_to_confirm(*, days: int, now: dt.datetime | None = None) -> int:
    """Mail the owners of the stale profiles not mailed about yet; returns how many profiles
    were mailed about."""
    now = now or timezone.now()
    waiting: dict[uuid.UUID, list[DiasporaProfile]] = defaultdict(list)
    for profile in DiasporaProfile.objects.filter(
        is_stale=True, confirmation_mailed_at__isnull=True
    ).order_by("last_confirmed_at", "id"):
        waiting[profile.owner_id].append(profile)
    mailed = 0
    for organisation in Organisation.objects.filter(id__in=waiting).order_by("id"):
        profiles = waiting[organisation.id]
        recipients = _recipients(organisation.id)
        if not recipients:
            logger.warning("directory: organisation %s has no one to ask by mail", organisation.id)
            continue
        with translation.override(mail_language()):
            messages = [_message(organisation, profiles, days, to) for to in recipients]
        try:
            with get_connection() as connection:
                connection.send_messages(messages)
        except (smtplib.SMTPException, OSError) as error:
            # Logged by type only: the server's answer may quote addresses.
            logger.warning(
                "directory: could not mail organisation %s (%s); trying again next run",
                organisation.id,
                type(error).__name__,
            )
            continue
        with transaction.atomic():
            DiasporaProfile.objects.filter(
                id__in=[p.id for p in profiles], is_stale=True, confirmation_mailed_at__isnull=True
            ).update(confirmation_mailed_at=now)
        mailed += len(profiles)
    return mailed
