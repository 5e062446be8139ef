"""`billing run` and the service operations: thin wrappers that open a session and call the domain."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from hostico.billing.errors import BillingError, BillingRunBusy
from hostico.billing.hosting_services import suspend_service, terminate_service, unsuspend_service
from hostico.billing.run import run_billing
from hostico.logs import new_request_id, request_id_bound
from hostico.models import Service
from hostico.models.service import SUSPENSION_REASONS
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db

billing_cli = AppGroup("billing", help="Billing operations.")


@billing_cli.command("run")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this date (YYYY-MM-DD); default: today in the business time zone.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True)
@click.option("--wait", is_flag=True, help="If another billing run is in progress, wait for it (default: exit).")
def run_command(today: dt.datetime | None, batch_size: int, wait: bool) -> None:
    """Issue renewal proformas, send reminders and suspend overdue services (idempotent, resumable; one at a time
    on every host)."""
    settings = app_settings().billing
    day = today.date() if today else settings.today()
    click.echo(f"Billing run for {day.isoformat()} (renewals {settings.renewal_days_before} days ahead, "
               f"grace {settings.grace_days} days)")
    session = db.new_session()

    def progress(phase: str, done: int, total: int) -> None:
        click.echo(f"  {phase}: {done}/{total}")

    try:
        # One id for the run: its log lines and the notices it queues carry it (hostico/logs.py).
        with request_id_bound(new_request_id("run-")):
            summary = run_billing(session, settings, day, batch_size=batch_size, progress=progress, wait=wait)
    except BillingRunBusy as busy:
        click.echo(f"{busy} (another host or process holds the lock; --wait waits for it)")
        return  # exit 0: a timer firing on several hosts is not a failure
    finally:
        session.close()
    click.echo(f"Done: {summary['services_scanned']} services scanned, {summary['proformas_issued']} proformas "
               f"issued, {summary['reminders']} reminders, {summary['suspensions']} suspensions, "
               f"{summary['orders_expired']} unpaid orders expired (run #{summary['run_id']}).")
    if summary["waiting_for_billing_data"] or summary["waiting_for_rate"]:
        click.echo(f"Waiting: {summary['waiting_for_billing_data']} renewals for the customer's billing data "
                   f"(asked by email), {summary['waiting_for_rate']} for a BNR rate; the next run retries them.")



service_cli = AppGroup("service", help="Service operations: suspend, unsuspend, terminate.")


def _service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise click.ClickException(f"No service {service_id}.")
    return service


def _apply(action, service_id: int, **kwargs) -> Service:
    service = _service(service_id)
    try:
        action(db.session, service, actor_kind="system", **kwargs)
    except BillingError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    return service


@service_cli.command("suspend")
@click.argument("service_id", type=int)
@click.option("--reason", type=click.Choice(SUSPENSION_REASONS), required=True)
@click.option("--note", default=None, help="Why, for the staff and the customer's notice.")
def suspend_command(service_id: int, reason: str, note: str | None) -> None:
    """Suspend a service (email and SMS to the customer)."""
    settings = app_settings().billing
    service = _apply(suspend_service, service_id, reason=reason, note=note, sms_hours=settings.sms_hours,
                     timezone=settings.timezone)
    click.echo(f"Service {service.id} ({service.domain}) suspended: {reason}.")


@service_cli.command("unsuspend")
@click.argument("service_id", type=int)
def unsuspend_command(service_id: int) -> None:
    """Lift a service's suspension, whatever its reason."""
    service = _apply(unsuspend_service, service_id)
    click.echo(f"Service {service.id} ({service.domain}) is active again.")


@service_cli.command("terminate")
@click.argument("service_id", type=int)
def terminate_command(service_id: int) -> None:
    """Terminate a service for good (its unpaid proformas are cancelled)."""
    service = _apply(terminate_service, service_id)
    click.echo(f"Service {service.id} ({service.domain}) terminated.")
