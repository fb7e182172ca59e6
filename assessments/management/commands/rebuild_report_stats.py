from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Round
from assessments.services.report_stats import rebuild_round


class Command(BaseCommand):
    help = (
        "Recompute the stored report aggregates (roll-up, weak items, heatmap) of the given rounds, "
        "or of every round, from their stored results. Each round is one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rounds", nargs="*", type=int, help="round ids (default: every round)")

    def handle(self, *args: Any, **options: Any) -> None:
        rounds = Round.objects.order_by("pk")
        if options["rounds"]:
            rounds = rounds.filter(pk__in=options["rounds"])
            missing = set(options["rounds"]) - set(rounds.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"no such round: {', '.join(map(str, sorted(missing)))}")
        for round in rounds:
            rows = rebuild_round(round=round)
            self.stdout.write(f"{round.pk} {round}: {rows} rows")
