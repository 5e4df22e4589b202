"""Test helpers for the admin: a signed-in platform administrator, and what a change page
posts back when its form is submitted as shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.test import Client


def superuser_browser(username: str = "platform-admin") -> tuple[Client, Any]:
    user = get_user_model().objects.create_user(
        username=username, password="not-used-in-tests-1", is_staff=True, is_superuser=True
    )
    browser = Client()
    browser.force_login(user)
    return browser, user


def form_data(response: Any) -> dict[str, Any]:
    """The change page's form as shown (fields and the inlines' management forms), to post back
    with some values changed."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def act(browser: Client, changelist: str, action: str, *objects: Any) -> Any:
    """Run a list page's action on `objects`, as its form does."""
    selected = [str(obj.pk) for obj in objects]
    return browser.post(changelist, {"action": action, "_selected_action": selected, "index": "0"})
