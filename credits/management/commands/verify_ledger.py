from django.core.management.base import BaseCommand, CommandError

from credits.selectors import ledger_differences


class Command(BaseCommand):
    help = "Recompute every person-year total from the ledger and report disagreements."

    def handle(self, *args, **options):
        differences = ledger_differences()
        for d in differences:
            self.stdout.write(
                f"person {d.person_id} year {d.year}: "
                f"public stored {d.stored_public} ledger {d.ledger_public}; "
                f"professional stored {d.stored_professional} ledger {d.ledger_professional}"
            )
        if differences:
            raise CommandError(f"{len(differences)} person-year total(s) disagree with the ledger.")
        self.stdout.write("The stored totals agree with the ledger.")
