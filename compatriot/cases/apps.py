from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "compatriot.cases"
    label = "cases"
    verbose_name = "Protection concerns, cases and referrals"
    default_auto_field = "django.db.models.BigAutoField"
