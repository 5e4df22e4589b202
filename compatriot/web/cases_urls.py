"""URLs of the cases screens (namespace `cases`, listed in the workspace navigation) and of the
public concern pages."""

from __future__ import annotations

from django.urls import path

from compatriot.web.views import cases, cases_public

app_name = "cases"

urlpatterns = [
    path("workspace/cases/", cases.inbox, name="list"),
    path("workspace/cases/monitoring/", cases.monitoring_page, name="monitoring"),
    path("workspace/cases/monitoring/monthly.csv", cases.monthly_csv, name="monthly_csv"),
    path("workspace/cases/concerns/<uuid:concern_id>/", cases.concern, name="concern"),
    path("workspace/cases/attachments/<uuid:attachment_id>/", cases.attachment, name="attachment"),
    path("workspace/cases/<uuid:case_id>/", cases.case, name="case"),
    path("workspace/cases/<uuid:case_id>/<slug:action>/", cases.case_action, name="case_action"),
    path("workspace/referrals/<uuid:referral_id>/", cases.referral, name="referral"),
    path("workspace/referrals/<uuid:referral_id>/form/", cases.referral_form, name="referral_form"),
    path("crisis/<uuid:crisis_id>/concern/", cases_public.report, name="public_report"),
    path("concern/status/", cases_public.follow, name="public_status"),
]
