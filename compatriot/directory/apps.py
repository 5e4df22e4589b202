from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "compatriot.directory"
    label = "directory"
    verbose_name = "Diaspora mapping and service directory"
