"""`billing run` and the service operations (the billing-engine issue builds them)."""

from flask.cli import AppGroup

billing_cli = AppGroup("billing", help="Billing operations.")


service_cli = AppGroup("service", help="Service operations: suspend, unsuspend, terminate.")
