from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from compatriot.web.views import (
    account,
    dashboard,
    details,
    households,
    organisations,
    public,
    registry,
)

app_name = "web"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "invitation/<uidb64>/<token>/",
        organisations.InvitationView.as_view(),
        name="invitation",
    ),
    path("workspace/context/", account.choose_context, name="choose_context"),
    path("workspace/", dashboard.dashboard, name="dashboard"),
    path("workspace/people/", registry.registry, name="registry"),
    path("workspace/people/new/", registry.person_new, name="person_new"),
    path("workspace/people/<uuid:person_id>/", registry.person_detail, name="person"),
    path("workspace/people/<uuid:person_id>/edit/", registry.person_edit, name="person_edit"),
    path("workspace/people/<uuid:person_id>/needs/", details.need_new, name="need_new"),
    path(
        "workspace/people/<uuid:person_id>/needs/<uuid:need_id>/status/",
        details.need_status,
        name="need_status",
    ),
    path(
        "workspace/people/<uuid:person_id>/vulnerabilities/",
        details.vulnerability_new,
        name="vulnerability_new",
    ),
    path(
        "workspace/people/<uuid:person_id>/vulnerabilities/<slug:code>/remove/",
        details.vulnerability_delete,
        name="vulnerability_delete",
    ),
    path(
        "workspace/people/<uuid:person_id>/consents/<uuid:consent_id>/withdraw/",
        details.consent_end,
        name="consent_withdraw",
    ),
    path("workspace/households/new/", households.household_new, name="household_new"),
    path(
        "workspace/households/<uuid:household_id>/rename/",
        registry.household_rename,
        name="household_rename",
    ),
    path("workspace/organisation/", organisations.organisation, name="organisation"),
    path(
        "workspace/organisation/members/<uuid:membership_id>/role/",
        organisations.member_role,
        name="member_role",
    ),
    path(
        "workspace/organisations/<uuid:organisation_id>/verification/",
        organisations.organisation_verification,
        name="organisation_verification",
    ),
    path("", public.index, name="public_index"),
    path("crisis/<uuid:crisis_id>/", public.landing, name="public_landing"),
    path("crisis/<uuid:crisis_id>/register/", public.self_register, name="public_register"),
    path("crisis/<uuid:crisis_id>/help/", public.need_help, name="public_help"),
    path("thanks/", public.thanks, name="public_thanks"),
]
