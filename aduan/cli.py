"""The `aduan` command: thin wrappers that parse options and call service functions."""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from core.db import get_engine, session_scope
from core.logs import configure_logging, log_config
from core.metrics import MULTIPROC_ENV
from core.settings import get_settings, settings_problems

if TYPE_CHECKING:
    from privacy.service import Identity
    from routing.model import Classifier

app = typer.Typer(help="Aduan: public complaint intake and case tracking.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema and catalogue.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
routing_app = typer.Typer(help="Complaint classification.", no_args_is_help=True)
catalog_app = typer.Typer(help="The agency catalogue.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data for a local try-out.", no_args_is_help=True)
telegram_app = typer.Typer(help="The Telegram bot.", no_args_is_help=True)
cases_app = typer.Typer(help="Cases and their lifecycle.", no_args_is_help=True)
translations_app = typer.Typer(help="The message catalogue (core/locale).", no_args_is_help=True)
privacy_app = typer.Typer(
    help="A resident's data, at their request in person: what is stored, and its erasure.",
    no_args_is_help=True,
)
open311_app = typer.Typer(help="The Open311 API for partners' apps.", no_args_is_help=True)
stats_app = typer.Typer(help="The daily summaries the statistics read.", no_args_is_help=True)
open311_keys_app = typer.Typer(help="Partners' API keys.", no_args_is_help=True)
open311_app.add_typer(open311_keys_app, name="keys")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(routing_app, name="routing")
app.add_typer(catalog_app, name="catalog")
app.add_typer(demo_app, name="demo")
app.add_typer(telegram_app, name="telegram")
app.add_typer(cases_app, name="cases")
app.add_typer(translations_app, name="translations")
webhooks_app = typer.Typer(
    help="Partners' webhook endpoints: signed events about cases and announcements.",
    no_args_is_help=True,
)
app.add_typer(privacy_app, name="privacy")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(open311_app, name="open311")
app.add_typer(stats_app, name="stats")


def _fail(message: str) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code=1)


@app.callback()
def _every_command() -> None:
    # settings are checked before any command runs: a wrong one stops it with the reason (and
    # no value of any setting, as they hold secrets) instead of a traceback half-way through
    try:
        settings = get_settings()
    except ValidationError as exc:
        raise _fail(settings_problems(exc)) from None
    # every command logs as the web process does: the same format, personal data masked
    configure_logging(settings.log_format)
    # prometheus_client keeps a process's metrics in files there from its first import on
    if directory := os.environ.get(MULTIPROC_ENV):
        Path(directory).mkdir(parents=True, exist_ok=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="web worker processes")] = 1,
    keep_alive: Annotated[
        int,
        typer.Option(
            envvar="KEEP_ALIVE_SECONDS", min=1, help="seconds an idle client connection stays open"
        ),
    ] = 75,
) -> None:
    """Run the web service (API, web form and webhooks).

    With several workers each process accepts on its own socket (`aduan.webserver`).

    The keep-alive outlasts a proxy's or client's own (nginx keeps idle upstream connections
    60 s): when the server closes first, a request sent on the closing connection is reset
    unanswered. uvicorn's 5 s default did exactly that to one request in a few thousand in
    `bench/intake.py` at concurrency 64.
    """
    from aduan.webserver import serve as serve_web

    options = {
        "proxy_headers": True,
        "log_config": log_config(get_settings().log_format),
        "timeout_keep_alive": keep_alive,
    }
    try:
        serve_web(host, port, workers, options)
    except ValueError as exc:
        raise _fail(str(exc)) from exc


@app.command()
def worker(
    burst: Annotated[bool, typer.Option(help="exit when the queue is empty")] = False,
) -> None:
    """Run an RQ worker (with the scheduler) that delivers notifications.

    Jobs run in the worker process itself (SimpleWorker), not in a child forked per job: a job
    is a few database statements and one provider call, and a fork per job costs far more start-up
    than that (docs/performance.md has the measurement).
    """
    from rq import SimpleWorker

    from aduan.channels import build_channels
    from core.i18n import require_catalogues
    from core.periodic import Every
    from core.queue import get_queue
    from notifications.channels import install
    from notifications.dispatch import RQDispatcher, sweep
    from notifications.jobs import stop_requested

    settings = get_settings()
    if not settings.redis_url:
        raise _fail("REDIS_URL is not set: without Redis the web process delivers notifications")
    require_catalogues()  # the messages it sends are made from them
    _lower_priority(settings.worker_nice)
    install(build_channels())  # the delivery jobs send, and the follow-up jobs queue, through them
    engine = get_engine(settings.database_url)
    dispatcher = RQDispatcher(settings)
    interval = settings.notify_sweep_seconds

    class Worker(SimpleWorker):
        def request_stop(self, signum, frame):  # type: ignore[no-untyped-def]
            stop_requested.set()  # the job in flight ends after its current row
            super().request_stop(signum, frame)

        def unsubscribe(self) -> None:
            # RQ unsubscribes, then calls the command listener thread's stop(), which since
            # redis-py 8.2 waits for the thread; a thread that read the unsubscribe reply first
            # has looped into a 60 s wait for a subscription, and every burst round and every
            # stop waited with it. Stopping the loop first lets the reply end the thread.
            if self.pubsub_thread is not None:
                self.pubsub_thread._running.clear()
            super().unsubscribe()

    queue = get_queue(settings)
    rq_worker = Worker([queue], connection=queue.connection)
    if burst:
        # everything due goes out before exiting: the sweep only adds what the queue lacks
        # once the queue is empty, so sweep and drain until a sweep finds nothing
        while True:
            rq_worker.work(burst=True, with_scheduler=True)
            if not sweep(engine, dispatcher, older_than=timedelta(0)):
                return
    sweep(engine, dispatcher, older_than=timedelta(0))
    # the safety net: rows whose enqueue was lost (Redis down, a crash) and a dead worker's,
    # once their lease has run out, go out anyway
    Every(
        interval,
        lambda: sweep(engine, dispatcher, older_than=timedelta(seconds=interval)),
        "aduan-sweep",
    ).start()
    rq_worker.work(with_scheduler=True)


def _lower_priority(nice: int) -> None:
    """Linux shares CPU between sessions by their autogroup before it looks at a process's own
    nice value, so a worker that leads its own session (as a process manager starts it) lowers
    its autogroup too; otherwise the web processes' session would only get an equal share."""
    if nice <= 0:
        return
    os.nice(nice)
    if os.getsid(0) == os.getpid():
        with contextlib.suppress(OSError):  # no autogroups on this kernel
            Path("/proc/self/autogroup").write_text(str(nice))


@translations_app.command("update")
def translations_update() -> None:
    """Extract the wording from the sources and merge it into every language's .po file.

    Then translate what is new or changed (empty or fuzzy entries) and commit the files.
    """
    from aduan.translations import update

    update()
    typer.echo("core/locale updated: translate the empty and fuzzy entries of each .po file")


@app.command()
def scheduler() -> None:
    """Run RQ's cron scheduler: queues the follow-up pass (auto-close, escalation, digests,
    retention of contact details and files).

    Run one (a second is harmless: the pass is idempotent); `aduan worker` processes execute it.
    """
    from rq.cron import CronScheduler

    from cases.jobs import followups_job
    from core.queue import get_queue
    from privacy.jobs import retention_job

    settings = get_settings()
    if not settings.redis_url:
        raise _fail("REDIS_URL is not set: without Redis the web process runs the follow-ups")
    queue = get_queue(settings)
    cron = CronScheduler(connection=queue.connection)
    for job in (followups_job, retention_job):
        cron.register(
            job,
            queue_name=queue.name,
            interval=max(1, int(settings.followup_interval_seconds)),
            job_timeout=600,
            result_ttl=86400,
        )
    cron.start()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations, and load the agency catalogue if the database has none."""
    from aduan.migrate import upgrade_database
    from routing.catalogue import CatalogueError, default_catalogue_path, read_catalogue
    from routing.stored_catalogue import catalogue_is_empty, load_catalogue

    settings = get_settings()
    upgrade_database(settings.database_url)
    typer.echo("database schema is up to date")
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        if catalogue_is_empty(session):
            path = settings.catalogue_file or default_catalogue_path()
            try:
                report = load_catalogue(session, read_catalogue(path))
            except CatalogueError as exc:
                raise _fail(str(exc)) from exc
            typer.echo(f"loaded {report.loaded} from {path}")


@catalog_app.command("load")
def catalog_load(file: Annotated[Path, typer.Argument(help="catalogue YAML file")]) -> None:
    """Make the database match FILE; agencies and categories it drops are deactivated."""
    from routing.catalogue import CatalogueError, read_catalogue
    from routing.stored_catalogue import load_catalogue

    try:
        catalogue = read_catalogue(file)
    except CatalogueError as exc:
        raise _fail(str(exc)) from exc
    with session_scope(get_engine(get_settings().database_url), dispatcher=None) as session:
        report = load_catalogue(session, catalogue)
    typer.echo(f"loaded {report.loaded}; deactivated {report.deactivated}")


@stats_app.command("rebuild")
def stats_rebuild() -> None:
    """Compute every agency's daily summary again from the cases and their history: after
    CITY_TIMEZONE changed, or cases were changed other than through Aduan."""
    from sqlalchemy.exc import DBAPIError

    from cases.day_stats import rebuild

    settings = get_settings()
    engine = get_engine(settings.database_url)
    # on PostgreSQL one snapshot of the cases: a summary row a filing or a move changed since
    # stops the rebuild (SQLSTATE 40001) rather than be counted twice or not at all
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                rows = rebuild(connection, settings.city_timezone)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != "40001":
            raise
        raise _fail("cases changed while the summaries were rebuilt; run it again") from exc
    typer.echo(f"rebuilt {rows} daily summary rows in {settings.city_timezone}")


@cases_app.command("lifecycle")
def cases_lifecycle() -> None:
    """Print every move that sets a case's status, as the Markdown table the README holds."""
    from cases.transitions import markdown

    typer.echo(markdown(), nl=False)


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            raise _fail("the passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="username")],
    role: Annotated[str, typer.Option(help="officer, supervisor or admin")],
    agency: Annotated[str | None, typer.Option(help="agency code (officers)")] = None,
    full_name: Annotated[str | None, typer.Option(help="display name")] = None,
) -> None:
    """Create a staff account; the password is read from standard input."""
    from staff.service import UserError, create_user, parse_role

    try:
        role_value = parse_role(role)
    except UserError as exc:
        raise _fail(str(exc)) from None
    password = _read_password()
    try:
        with session_scope(get_engine(get_settings().database_url), dispatcher=None) as session:
            create_user(
                session,
                username=name,
                password=password,
                role=role_value,
                agency_code=agency,
                full_name=full_name,
            )
    except UserError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"created {role_value} '{name}'")


@open311_keys_app.command("create")
def open311_keys_create(
    name: Annotated[str, typer.Argument(help="the partner, as admins will know it")],
    services: Annotated[
        str | None, typer.Option(help="service codes it may file into, e.g. a,b (default: all)")
    ] = None,
) -> None:
    """Make a partner's API key; it is printed once and stored only hashed."""
    from intake.partner_keys import KeyRefused, create_key, parse_services

    settings = get_settings()
    try:
        with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
            made = create_key(
                session,
                settings,
                name=name,
                services=parse_services(services),
                created_by="cli",
            )
            key_id = made.row.id
    except KeyRefused as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"key {key_id} for {name.strip()}: {made.secret}")
    typer.echo("keep it now: it is stored only hashed and cannot be shown again")


@open311_keys_app.command("list")
def open311_keys_list() -> None:
    """Every key: id, state, name, services, when made and by whom (never the key)."""
    from intake.partner_keys import all_keys

    with session_scope(get_engine(get_settings().database_url), dispatcher=None) as session:
        for key in all_keys(session):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            services = ",".join(key.services) if key.services else "all services"
            made = f"{key.created_at:%Y-%m-%d} by {key.created_by}"
            typer.echo(f"{key.id}\t{state}\t{key.name}\t{services}\t{made}")


@open311_keys_app.command("revoke")
def open311_keys_revoke(key_id: Annotated[int, typer.Argument(help="the key's id")]) -> None:
    """Revoke a key: its partner's next post is refused (403)."""
    from intake.partner_keys import revoke_key

    with session_scope(get_engine(get_settings().database_url), dispatcher=None) as session:
        row = revoke_key(session, key_id, revoked_by="cli")
        name = row.name if row else None
    if name is None:
        raise _fail(f"no key with id {key_id}")
    typer.echo(f"key {key_id} ({name}) revoked")


@demo_app.command("users")
def demo_users() -> None:
    """Create demo accounts for a local try-out (refused outside development)."""
    from staff.demo import DEMO_PASSWORD, create_demo_users

    settings = get_settings()
    if settings.app_env != "development":
        raise _fail("demo accounts are only for APP_ENV=development")
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        names = create_demo_users(session)
    typer.echo(f"demo accounts: {', '.join(names)} (password: {DEMO_PASSWORD})")


@demo_app.command("cases")
def demo_cases(
    count: Annotated[int, typer.Option("--count", min=1, max=5000, help="how many")] = 320,
) -> None:
    """File and work a few hundred demo complaints of the past 100 days, into a database with
    no cases (refused in production)."""
    from intake.demo import DemoRefused, seed_demo_cases

    settings = get_settings()
    if settings.app_env == "production":
        raise _fail(
            "demo cases are never added with APP_ENV=production: they would mix with residents' "
            "real complaints"
        )
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        try:
            report = seed_demo_cases(session, settings, count)
        except DemoRefused as exc:
            typer.echo(f"no demo cases added: {exc}")
            return
    statuses = ", ".join(f"{count} {status}" for status, count in sorted(report.by_status.items()))
    typer.echo(f"demo cases: {report.cases} filed over the past 100 days ({statuses})")


CATALOGUE_OPTION = typer.Option(help="use this catalogue file instead of the database's")


def _routing_classifier(catalogue: Path | None) -> tuple[Classifier, frozenset[str]]:
    """The classifier routing would use, and the codes of the referral bodies: for the
    database's catalogue, or for a catalogue file."""
    from routing.catalogue import CatalogueError, read_catalogue
    from routing.service import classifier_for
    from routing.stored_catalogue import catalogue_from_database, catalogue_is_empty
    from routing.training import classifier_for_catalogue

    settings = get_settings()
    if catalogue is not None:
        try:
            read = read_catalogue(catalogue)
        except CatalogueError as exc:
            raise _fail(str(exc)) from exc
        return classifier_for_catalogue(read, settings), read.referral_codes
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        if catalogue_is_empty(session):
            raise _fail("the database has no catalogue: run `aduan db upgrade` first")
        return classifier_for(session), catalogue_from_database(session).referral_codes


@routing_app.command("train")
def routing_train() -> None:
    """Train the routing model on the catalogue, the examples file and officers' corrections."""
    from routing.stored_catalogue import catalogue_is_empty
    from routing.training import ExamplesError, TrainingImpossible, train_and_save

    settings = get_settings()
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        if catalogue_is_empty(session):
            raise _fail("the database has no catalogue: run `aduan db upgrade` first")
        try:
            report = train_and_save(session, settings)
        except (ExamplesError, TrainingImpossible) as exc:
            raise _fail(str(exc)) from exc
    typer.echo(
        f"trained on {report.examples} examples in {report.seconds:.1f} s; "
        f"saved the model to {report.path}"
    )


@routing_app.command("eval")
def routing_eval(
    data: Annotated[
        Path,
        typer.Option(
            help="labelled CSV: text, label (agency, referral:X, chatter, question) "
            "or text, agency[, language]"
        ),
    ],
    min_accuracy: Annotated[
        float | None, typer.Option(min=0, max=1, help="exit 1 when accuracy is lower")
    ] = None,
    catalogue: Annotated[Path | None, CATALOGUE_OPTION] = None,
) -> None:
    """Measure routing on a labelled CSV.

    With a `label` column: complaints routed, precision of the routed, accuracy and macro-F1 of
    the outcomes, at the configured threshold and across thresholds. With an `agency` column:
    agency accuracy, macro-F1, per agency and per language.
    """
    from routing.evaluate import evaluate, format_report, read_labelled
    from routing.outcome_eval import (
        evaluate_outcomes,
        format_outcome_report,
        has_label_column,
        read_outcome_labels,
    )
    from routing.training import ExamplesError

    threshold = get_settings().routing_min_confidence
    try:
        by_outcome = has_label_column(data)
        rows = read_outcome_labels(data) if by_outcome else read_labelled(data)
    except ExamplesError as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from exc
    classifier, referrals = _routing_classifier(catalogue)
    try:
        if by_outcome:
            outcomes = evaluate_outcomes(classifier, rows, threshold, referrals)
            text = format_outcome_report(outcomes)
            accuracy = outcomes.accuracy
        else:
            report = evaluate(classifier, rows, threshold)
            text = format_report(report)
            accuracy = report.overall.accuracy
    except ValueError as exc:
        typer.secho(f"{data}: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from exc
    typer.echo(text)
    if min_accuracy is not None and accuracy < min_accuracy:
        raise _fail(f"accuracy {accuracy:.3f} is below --min-accuracy {min_accuracy}")


@routing_app.command("predict")
def routing_predict(catalogue: Annotated[Path | None, CATALOGUE_OPTION] = None) -> None:
    """Read JSON lines {"text": ...}; write {"agency","category","confidence","alternatives",
    "routed","outcome","problems"}: `agency` is the prediction whatever the confidence,
    `referral:<CODE>` for a referral body outside the city; `routed` whether it goes straight to
    the agency or referral, without triage (it clears ROUTING_MIN_CONFIDENCE and holds one
    problem); `outcome` agency, referral, chatter, question or triage; `problems` the separate
    problems of a message that holds several (text and agency)."""
    from routing.catalogue import destination
    from routing.service import assess

    min_confidence = get_settings().routing_min_confidence
    classifier, referrals = _routing_classifier(catalogue)
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            typer.secho(f'line {number}: expected {{"text": "..."}}', err=True, fg="red")
            print(json.dumps({"error": "expected a JSON object with a string 'text'"}), flush=True)
            continue
        assessment = assess(classifier, text, min_confidence, referrals)
        prediction = assessment.prediction
        alternatives = [
            {"agency": destination(a, referrals), "category": c, "confidence": round(s, 4)}
            for a, c, s in prediction.alternatives
        ]
        print(
            json.dumps(
                {
                    "agency": destination(prediction.agency, referrals),
                    "category": prediction.category,
                    "confidence": round(prediction.confidence, 4),
                    "alternatives": alternatives,
                    "routed": assessment.routed,
                    "outcome": assessment.outcome,
                    "problems": [
                        {"agency": destination(a, referrals), "text": t}
                        for t, a in assessment.problems
                    ],
                }
            ),
            flush=True,
        )


@telegram_app.command("set-webhook")
def telegram_set_webhook(
    drop_pending: Annotated[bool, typer.Option(help="discard updates Telegram holds")] = False,
) -> None:
    """Register PUBLIC_BASE_URL/webhooks/telegram with Telegram, with the webhook secret."""
    from bots.telegram.webhook import TelegramRefused, register_webhook

    settings = get_settings()
    if not settings.telegram_bot_token or not settings.telegram_webhook_secret:
        raise _fail("set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first")
    try:
        url = register_webhook(settings, drop_pending=drop_pending)
    except TelegramRefused as exc:
        raise _fail(f"Telegram refused: {exc}") from exc
    typer.echo(f"webhook set to {url}")


@telegram_app.command("poll")
def telegram_poll() -> None:
    """Run the bot by long polling, for development without a public URL."""
    from aduan.channels import build_channels
    from bots.telegram.runtime import run_polling
    from notifications.channels import install
    from notifications.dispatch import EmbeddedDispatcher, RQDispatcher

    settings = get_settings()
    if not settings.telegram_bot_token:
        raise _fail("set TELEGRAM_BOT_TOKEN first")
    engine = get_engine(settings.database_url)
    channels = build_channels()
    install(channels)
    embedded = None if settings.redis_url else EmbeddedDispatcher(engine, settings, channels)
    if embedded:
        embedded.start()
    try:
        run_polling(settings, engine, embedded or RQDispatcher(settings))
    finally:
        if embedded:
            embedded.stop()


PHONE_OPTION = typer.Option("--phone", help="a phone number: its SMS and WhatsApp contacts")
EMAIL_OPTION = typer.Option("--email", help="an e-mail address")
TELEGRAM_OPTION = typer.Option("--telegram", help="a Telegram chat id")


def _identity(phone: str | None, email: str | None, telegram: str | None) -> Identity:
    """The resident named by exactly one of the options, normalised as intake stores it."""
    from privacy.service import BadIdentity, Identity

    given = [
        (make, value)
        for make, value in (
            (Identity.phone, phone),
            (Identity.email, email),
            (Identity.telegram, telegram),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise _fail("give exactly one of --phone, --email and --telegram")
    make, value = given[0]
    try:
        return make(value)
    except BadIdentity as exc:
        raise _fail(str(exc)) from None


@privacy_app.command("export")
def privacy_export(
    phone: Annotated[str | None, PHONE_OPTION] = None,
    email: Annotated[str | None, EMAIL_OPTION] = None,
    telegram: Annotated[str | None, TELEGRAM_OPTION] = None,
) -> None:
    """Print as JSON everything stored about a resident (contacts, cases, messages)."""
    from privacy.service import contacts_of, stored_data

    identity = _identity(phone, email, telegram)
    with session_scope(get_engine(get_settings().database_url), dispatcher=None) as session:
        contacts = contacts_of(session, identity)
        if not contacts:
            raise _fail("nothing is stored about this resident")
        data = stored_data(session, contacts)
    logging.getLogger("aduan.privacy").info(
        "exported a resident's data: %d contacts, %d cases", len(data.contacts), len(data.cases)
    )
    typer.echo(json.dumps(data.as_json(), ensure_ascii=False, indent=2))


@privacy_app.command("erase")
def privacy_erase(
    phone: Annotated[str | None, PHONE_OPTION] = None,
    email: Annotated[str | None, EMAIL_OPTION] = None,
    telegram: Annotated[str | None, TELEGRAM_OPTION] = None,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Erase a resident's contact details from every case and everything else stored; their
    cases stay, naming nobody. Prints what was erased, in counts."""
    from core.db import utcnow
    from privacy.service import contacts_of, erase

    settings = get_settings()
    identity = _identity(phone, email, telegram)
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        contacts = contacts_of(session, identity)
        if not contacts:
            raise _fail("nothing is stored about this resident")
        channels = ", ".join(contact.channel for contact in contacts)
        if not yes and not typer.confirm(
            f"Erase this resident's {len(contacts)} contact(s) ({channels}) from every case?"
        ):
            raise _fail("nothing was erased")
        done = erase(session, settings, contacts, utcnow())
    logging.getLogger("aduan.privacy").info("erased a resident at their request: %s", done)
    typer.echo(
        f"erased {done.contacts} contact(s); {done.cases} case(s) no longer name them; "
        f"{done.subscriptions} follow(s) ended; {done.cancelled} unsent message(s) cancelled, "
        f"{done.messages} sent one(s) kept without a recipient; {done.pending} pending "
        f"question(s) or location(s) and {done.files} held file(s) deleted"
    )


def main() -> None:
    app()


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="the endpoint's http:// or https:// URL")],
    events: Annotated[
        str, typer.Option(help="comma-separated, e.g. case.created,case.status_changed")
    ],
    agency: Annotated[
        list[str] | None, typer.Option("--agency", help="only this agency's (repeatable)")
    ] = None,
    trusted: Annotated[
        bool, typer.Option(help="send reporters' contacts and Rahasia and hidden cases' words")
    ] = False,
) -> None:
    """Register an endpoint; prints its id and its signing secret, shown this once only."""
    from notifications.webhooks import WebhookError, add_endpoint

    try:
        with session_scope(get_engine(get_settings().database_url), dispatcher=None) as session:
            endpoint = add_endpoint(
                session, url=url, events=events.split(","), agencies=agency or (), trusted=trusted
            )
            endpoint_id, secret = endpoint.id, endpoint.secret
    except WebhookError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"endpoint {endpoint_id}")
    typer.echo(f"secret {secret}")
    typer.echo("keep the secret now: it is not shown again", err=True)


@webhooks_app.command("list")
def webhooks_list() -> None:
    """Every endpoint: id, URL (without its query), events, agencies, trust and health."""
    from notifications.webhooks import all_endpoints, shown_url

    with session_scope(get_engine(get_settings().database_url), dispatcher=None) as session:
        for e in all_endpoints(session):
            state = "paused" if e.paused_at else "active"
            typer.echo(
                f"{e.id}\t{shown_url(e.url)}\t{','.join(e.events)}\t"
                f"{','.join(e.agencies) or 'all agencies'}\t"
                f"{'trusted' if e.trusted else 'untrusted'}\t{state}\t"
                f"failures={e.consecutive_failures}\tlast={e.last_status or '-'}"
            )


@webhooks_app.command("remove")
def webhooks_remove(endpoint_id: Annotated[int, typer.Argument(help="the endpoint's id")]) -> None:
    """Delete an endpoint with its delivery log; its events not yet sent are dropped."""
    from notifications.webhooks import WebhookError, remove_endpoint

    try:
        with session_scope(get_engine(get_settings().database_url), dispatcher=None) as session:
            remove_endpoint(session, endpoint_id)
    except WebhookError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"removed endpoint {endpoint_id}")


@webhooks_app.command("resume")
def webhooks_resume(endpoint_id: Annotated[int, typer.Argument(help="the endpoint's id")]) -> None:
    """Deliver to a paused endpoint again; its held events go out within a sweep."""
    from notifications.webhooks import WebhookError, resume

    try:
        with session_scope(get_engine(get_settings().database_url), dispatcher=None) as session:
            resume(session, endpoint_id)
    except WebhookError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"resumed endpoint {endpoint_id}")
