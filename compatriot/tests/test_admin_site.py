"""The admin as a whole: every model of the project's apps is in it, every page answers a
platform administrator, and a changelist's queries do not grow with its rows."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, models
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compatriot.cases.models import Case, CaseNote, Concern, Referral
from compatriot.core.models import Crisis, Organisation, SharingAgreement
from compatriot.core.tests.adminforms import superuser_browser
from compatriot.linkage.models import CandidatePair
from compatriot.people.models import Person
from compatriot.tracing.models import TracingRequest

pytestmark = pytest.mark.django_db


def _project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_config.name.startswith("compatriot.")]


def _reachable() -> set[type[models.Model]]:
    """Registered models and the models of their inlines."""
    found = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        found.update(inline.model for inline in model_admin.inlines)
    return found


def test_every_model_of_the_projects_apps_is_in_the_admin() -> None:
    missing = [m._meta.label for m in _project_models() if m not in _reachable()]
    assert missing == []


def _value(field: models.Field, index: int) -> Any:
    """A plain valid value for a required field of a row made only to show its pages."""
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey):
        target = field.related_model
        return target._default_manager.order_by("pk").first() or _a_row(target)
    if isinstance(field, models.DecimalField):
        return Decimal("1.00")
    if isinstance(field, (models.IntegerField, models.FloatField)):
        return 1
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return dt.date(2026, 1, 1)
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.CharField):
        return f"X{index}{uuid.uuid4().hex[:6]}"[: field.max_length]
    return "x"


def _special(model: type[models.Model]) -> dict[str, Any]:
    """Values the plain ones would break a constraint with."""
    if model is CandidatePair:
        first, second = Person.objects.order_by("pk").values_list("pk", flat=True)[:2]
        return {"person_a_id": first, "person_b_id": second}
    if model is TracingRequest:
        return {"given_name": "Sought", "seeker_name": "Seeker", "status": "open"}
    return {}


_Row = TypeVar("_Row", bound=models.Model)


def _a_row(model: type[_Row], **given: Any) -> _Row:
    values = {**_special(model), **given}
    for index, field in enumerate(model._meta.concrete_fields):
        if field.primary_key or field.has_default() or field.null:
            continue
        if field.name in values or field.attname in values:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.blank and not isinstance(field, models.ForeignKey):
            continue
        values[field.name] = _value(field, index)
    return model._default_manager.create(**values)


@override_settings(DEBUG=True)  # the demo refuses to load otherwise
def test_every_admin_page_answers_a_platform_administrator() -> None:
    call_command("demo", persons=12, verbosity=0)
    browser, user = superuser_browser()
    request = RequestFactory().get("/admin/")
    request.user = user
    # A row of every model without one (registered ones first: an inline's row then belongs to
    # the first of its parent's, whose page is the one shown).
    inline_models = [i.model for a in admin.site._registry.values() for i in a.inlines]
    for model in [*admin.site._registry, *inline_models]:
        if not model._default_manager.exists():
            _a_row(model)
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        base = "/admin/{}/{}/".format(*info)
        assert browser.get(base).status_code == 200, base
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None
        change = f"{base}{obj.pk}/change/"
        assert browser.get(change).status_code == 200, change
        can_add = model_admin.has_add_permission(request)
        assert browser.get(f"{base}add/").status_code == (200 if can_add else 403), base


def _organisation() -> Organisation:
    return Organisation.objects.create(name=f"Org {uuid.uuid4().hex[:8]}", kind="ngo")


def _user() -> Any:
    return get_user_model().objects.create_user(username=f"u-{uuid.uuid4().hex[:8]}")


def _case() -> Case:
    owner = _organisation()
    person = _a_row(Person, registered_by=owner, given_name="A")
    return _a_row(Case, owner_organisation=owner, person=person)


# Each row with its own related rows (nullable ones too: the changelist's automatic
# select_related follows only the others), so that a list reading them one by one shows it.
_ROWS: dict[type[models.Model], Callable[[], object]] = {
    SharingAgreement: lambda: SharingAgreement.objects.create(
        provider=_organisation(),
        recipient=_organisation(),
        crisis=_a_row(Crisis),
        purpose="p",
        created_by=_user(),
    ),
    Concern: lambda: _a_row(Concern, receiving_organisation=_organisation()),
    Case: _case,
    CaseNote: lambda: CaseNote.objects.create(case=_case(), author=_user(), text="t"),
    Referral: lambda: _a_row(
        Referral, case=_case(), from_organisation=_organisation(), to_organisation=_organisation()
    ),
}


@pytest.mark.parametrize("model", list(_ROWS), ids=lambda model: model.__name__)
def test_a_changelists_queries_do_not_grow_with_its_rows(model) -> None:
    browser, _ = superuser_browser()
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"

    def queries_with(rows: int) -> int:
        while model._default_manager.count() < rows:
            _ROWS[model]()
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count == rows
        return len(captured)

    assert queries_with(2) == queries_with(6)
