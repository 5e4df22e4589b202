"""Latitude bands of a hundredth of a degree (were a tenth), and covering indexes for the radius
search (locations, a location's services, a service's status and category)."""

import math

from django.db import migrations, models

BANDS_PER_DEGREE = 100  # as in compatriot.directory.geo at the time of this migration


def rebuild_bands(apps, schema_editor):
    for model_name in ("DiasporaProfile", "Location"):
        model = apps.get_model("directory", model_name)
        changed = []
        for row in model.objects.filter(latitude__isnull=False).only("id", "latitude"):
            row.lat_band = math.floor(row.latitude * BANDS_PER_DEGREE)
            changed.append(row)
        model.objects.bulk_update(changed, ["lat_band"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="location",
            name="location_geo",
        ),
        migrations.AddIndex(
            model_name="location",
            index=models.Index(
                fields=["lat_band", "longitude", "latitude", "id"], name="location_geo"
            ),
        ),
        migrations.AddIndex(
            model_name="service",
            index=models.Index(fields=["id", "status", "category"], name="service_search"),
        ),
        migrations.AddIndex(
            model_name="serviceatlocation",
            index=models.Index(fields=["location", "service"], name="service_at_location_near"),
        ),
        migrations.RunPython(rebuild_bands, migrations.RunPython.noop),
    ]
