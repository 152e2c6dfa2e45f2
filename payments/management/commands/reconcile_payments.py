from django.core.management.base import BaseCommand, CommandError

from payments.reconcile import reconcile


class Command(BaseCommand):
    help = ("Ask the payment gateway (querydr) about payments still pending some minutes after they were started: "
            "paid ones are marked paid (as by the gateway's callback), expired ones expired.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=float, default=None, metavar="MINUTES",
                            help="only payments started at least this many minutes ago (default: the "
                                 "RECONCILE_AFTER_MINUTES setting)")

    def handle(self, *args, older_than=None, **options):
        if older_than is not None and older_than < 0:
            raise CommandError("--older-than must be 0 or more minutes.")
        counts = reconcile(older_than_minutes=older_than)
        total = sum(counts.values())
        parts = ", ".join(f"{name} {counts.get(name, 0)}" for name in ("paid", "failed", "expired", "pending",
                                                                      "error"))
        self.stdout.write(f"{total} payment(s) checked: {parts}")
        if counts.get("error"):
            raise CommandError(f"{counts['error']} payment(s) could not be checked with the gateway (see the log).")
