import re

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models import Q

# assessments.validation at the time of writing: reasons are stored with "\n" only and without
# direction controls. Stored reasons from before still carry the browser's "\r\n"; left so, the
# next save of the same text would record a change that is none.
BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def normalise_reasons(apps, schema_editor):
    Score = apps.get_model("assessments", "Score")
    wanted = Q(reason__contains="\r")
    for char in BIDI:
        wanted |= Q(reason__contains=char)
    pattern = re.compile(f"[{BIDI}]")
    changed = []
    for score in Score.objects.filter(wanted).only("pk", "reason").iterator(chunk_size=2000):
        cleaned = pattern.sub("", score.reason.replace("\r\n", "\n").replace("\r", "\n")).strip()
        if cleaned:  # a reason of nothing but controls stays: a score below its cap needs one
            score.reason = cleaned
            changed.append(score)
    Score.objects.bulk_update(changed, ["reason"], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(normalise_reasons, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="score",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("reason"), 1000
                ),
                name="score_reason_within_limit",
            ),
        ),
    ]
