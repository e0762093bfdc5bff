"""The `stillmotion` command: serve, worker, generate, keys, credits, webhooks, migrate."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from stillmotion import client_commands
from stillmotion.config import Settings, get_settings

# Help wraps to the terminal (up to 120 columns) and never cuts an option name, as rich's tables
# did at 80 columns off a terminal. An expected failure is one line: tracebacks are for bugs, and
# are shown without their local variables (which can hold keys).
HELP_WIDTH = 120
app = typer.Typer(
    help="stillmotion: turn a still image into a short video.",
    no_args_is_help=True,
    context_settings={"max_content_width": HELP_WIDTH},
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)
keys_app = typer.Typer(help="Manage accounts' credentials.", no_args_is_help=True)
credits_app = typer.Typer(help="Accounts' credit balances and ledger.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Callback deliveries.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(credits_app, name="credits")
app.add_typer(webhooks_app, name="webhooks")
console = Console()
T = TypeVar("T")


@contextmanager
def _database_errors(settings: Settings) -> Iterator[None]:
    """An unreachable or refusing database is an expected failure: one line, not a traceback."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from stillmotion.errors import StoreUnavailable

    try:
        yield
    except (OSError, DBAPIError, StoreUnavailable) as exc:
        reason = exc.orig if isinstance(exc, DBAPIError) else (exc.__cause__ or exc)
        where = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
        _fail(f"error: cannot use the database {where}: {str(reason).strip().splitlines()[0]}")


def _with_store(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(sessions)` on a migrated database, then close the engine."""
    from stillmotion.tasks.db import create_engine, create_sessionmaker
    from stillmotion.tasks.migrate import upgrade_database

    async def run() -> T:
        engine = create_engine(settings)
        try:
            return await work(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    with _database_errors(settings):
        upgrade_database(settings)
        return asyncio.run(run())


def _fail(message: str) -> None:
    """One line, never wrapped (a path can be long), then exit status 1."""
    console.print(message, style="red", soft_wrap=True, markup=False, highlight=False)
    raise typer.Exit(1)


def _print_key(issued, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    if as_json:
        print(json.dumps({"account": issued.account, "access_key": issued.access_key,
                          "secret_key": issued.secret_key, "api_key": issued.api_key,
                          "webhook_secret": issued.webhook_secret, "credits": issued.credits}))
        return
    console.print(f"[bold]Account[/bold]         {issued.account}")
    console.print(f"[bold]Access key[/bold]      {issued.access_key}")
    console.print(f"[bold]Secret key[/bold]      {issued.secret_key}")
    console.print(f"[bold]API key[/bold]         {issued.api_key}")
    console.print(f"[bold]Webhook secret[/bold]  {issued.webhook_secret}")
    console.print(f"[bold]Credits[/bold]         {issued.credits}")
    console.print("[dim]Keep these now: the API key and the secret key are not shown again.[/dim]")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from stillmotion.tasks.migrate import upgrade_database

    from sqlalchemy.engine import make_url

    settings = get_settings()
    with _database_errors(settings):
        upgrade_database(settings)
    database = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    console.print(f"Database is up to date ({database}).", soft_wrap=True)


def _setting_default(name: str) -> str:
    """An option's shown default: the setting's default and the variable that changes it."""
    return f"{Settings.model_fields[name].default}, or STILLMOTION_{name.upper()}"


@app.command()
def serve(
    host: Annotated[
        Optional[str], typer.Option(help="Address to listen on (0.0.0.0: every interface).",
                                    show_default=_setting_default("host"))
    ] = None,
    port: Annotated[
        Optional[int], typer.Option(min=0, max=65535, help="Port to listen on.", show_default=_setting_default("port"))
    ] = None,
) -> None:
    """Serve the API, the web page (/) and the API reference (/docs).

    Migrates the database first. With no account yet, creates one and prints its keys; it gets STILLMOTION_BOOTSTRAP_CREDITS credits. Every setting: docs/configuration.md.
    """
    import uvicorn

    from stillmotion.api.app import create_app
    from stillmotion.logs import logging_config
    from stillmotion.memory import limit_malloc_arenas
    from stillmotion.tasks.accounts import AccountStore

    limit_malloc_arenas()

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = get_settings().model_copy(update=overrides)

    async def bootstrap(sessions):  # type: ignore[no-untyped-def]
        accounts = AccountStore(sessions)
        if await accounts.count() > 0:
            return None
        return await accounts.issue_key(settings.bootstrap_account, credits=settings.bootstrap_credits)

    issued = _with_store(settings, bootstrap)
    if issued is not None:
        console.rule("First start: an account and key were created")
        _print_key(issued, False)
        base = settings.resolved_public_url
        console.print("\nTry it (put an image URL the server may fetch, or upload one first):")
        console.print(
            f"curl -X POST {base}/api/vdr/videos/image2video \\\n"
            f"  -H 'Authorization: Bearer {issued.api_key}' -H 'Content-Type: application/json' \\\n"
            "  -d '{\"model_name\": \"bach-1.0-preview\", \"image_url\": \"https://example.com/photo.jpg\", "
            "\"prompt\": \"clouds drift slowly, slow push in\", \"resolution\": \"720p\", \"duration\": 5}'",
            soft_wrap=True,
        )
        console.print(f"curl -F file=@photo.jpg -H 'Authorization: Bearer {issued.api_key}' {base}/api/vdr/uploads",
                      soft_wrap=True)
        console.print(f"\nOr open {base}/ in a browser and paste the API key; the API reference is at {base}/docs.",
                      soft_wrap=True)
        console.rule()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=logging_config(settings))


@app.command()
def worker(
    models: Annotated[
        Optional[str], typer.Option(help="Comma-separated model names to serve (default: every configured model).")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Tasks rendered at once (threads sharing one set of engines).")] = 1,
    gpus: Annotated[int, typer.Option(min=1, help="GPUs each diffusion video is split across (context parallelism: "
                                                  "this process drives GPU 0, one more process per further GPU).")] = 1,
) -> None:
    """Run the worker role alone (distributed mode).

    Renders tasks from the Celery queues of the given models (STILLMOTION_EXECUTOR=celery;
    docs/deploy.md). Logs like `serve`: STILLMOTION_LOG_LEVEL, STILLMOTION_LOG_FORMAT."""
    from stillmotion.logs import configure_logging
    from stillmotion.memory import limit_malloc_arenas
    from stillmotion.worker.celery_worker import run_worker, serve_models
    from stillmotion.worker.gpus import gpu_count_problem, split_across_gpus

    limit_malloc_arenas()
    settings = get_settings()
    configure_logging(settings)
    try:
        settings = serve_models(settings, [name.strip() for name in models.split(",") if name.strip()] if models else None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--models") from None
    problem = gpu_count_problem(gpus)
    if problem:
        raise typer.BadParameter(problem, param_hint="--gpus")
    with split_across_gpus(settings, gpus):
        code = run_worker(settings, concurrency)
    if gpus > 1 and not code:
        from stillmotion.engines.diffusion.parallel import broken_reason

        code = 1 if broken_reason() is not None else 0  # a rank died: the supervisor must restart us
    raise typer.Exit(code)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Account name (created if new).")],
    credits: Annotated[
        Optional[int],
        typer.Option("--credits", min=0, help="Grant this many credits (default for a new account: "
                                              "STILLMOTION_NEW_ACCOUNT_CREDITS; none for an existing one)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create an account, or another key set for one.

    Prints the keys once: the API key and the secret key are not stored in a readable form."""
    from stillmotion.tasks.accounts import AccountStore

    settings = get_settings()
    issued = _with_store(
        settings,
        lambda sessions: AccountStore(sessions).issue_key(
            name, credits=credits, new_account_credits=settings.new_account_credits
        ),
    )
    _print_key(issued, as_json)


@keys_app.command("list")
def keys_list(name: Annotated[Optional[str], typer.Option("--name", help="Only this account.")] = None) -> None:
    """List every key set.

    Account, access key, the API key's first characters, revoked or not, credits."""
    from rich.table import Table

    from stillmotion.tasks.accounts import AccountStore

    keys = _with_store(get_settings(), lambda sessions: AccountStore(sessions).list_keys(name))
    table = Table("account", "access key", "API key", "revoked", "created", "credits")
    for key in keys:
        table.add_row(key.account, key.access_key, key.api_key_prefix + "…", "yes" if key.revoked else "no",
                      key.created_at.strftime("%Y-%m-%d %H:%M"), str(key.credits))  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="The access key (ak_xxx) or the whole API key.")]) -> None:
    """Revoke a key set at once.

    Its JWTs and its API key stop working on the next request."""
    from stillmotion.tasks.accounts import AccountStore

    if not _with_store(get_settings(), lambda sessions: AccountStore(sessions).revoke(key)):
        _fail("No key set matches.")
    console.print("Revoked.")


@keys_app.command("rotate-webhook-secret")
def keys_rotate_webhook_secret(name: Annotated[str, typer.Argument(help="Account name.")]) -> None:
    """Give an account a new webhook secret.

    Deliveries are signed with it from their next attempt on."""
    from stillmotion.tasks.accounts import AccountStore

    try:
        secret = _with_store(get_settings(), lambda sessions: AccountStore(sessions).rotate_webhook_secret(name))
    except LookupError as exc:
        _fail(str(exc))
    console.print(f"[bold]Webhook secret[/bold]  {secret}")


@credits_app.command("add")
def credits_add(
    name: Annotated[str, typer.Argument(help="Account name.")],
    amount: Annotated[int, typer.Argument(help="Credits to add (negative to remove).")],
    note: Annotated[Optional[str], typer.Option(help="Why, for the ledger.")] = None,
) -> None:
    """Add credits to an account (a ledger row)."""
    from stillmotion.tasks.credits import CreditLedger

    try:
        balance = _with_store(get_settings(), lambda sessions: CreditLedger(sessions).add(name, amount, note))
    except (LookupError, ValueError) as exc:
        _fail(str(exc))
    console.print(f"{name}: {balance} credits.")


@credits_app.command("show")
def credits_show(
    name: Annotated[str, typer.Argument(help="Account name.")],
    last: Annotated[int, typer.Option(min=1, help="Ledger rows to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The balance and the newest ledger rows."""
    from rich.table import Table

    from stillmotion.tasks.credits import CreditLedger

    try:
        balance = _with_store(get_settings(), lambda sessions: CreditLedger(sessions).balance(name, last))
    except LookupError as exc:
        _fail(str(exc))
    if as_json:
        entries = [{"time": entry.created_at.isoformat(), "delta": entry.delta, "reason": entry.reason,
                    "task_id": entry.task_id, "balance_after": entry.balance_after, "note": entry.note}
                   for entry in balance.entries]  # fmt: skip
        print(json.dumps({"account": balance.account, "credits": balance.credits, "entries": entries}))
        return
    console.print(f"[bold]{balance.account}[/bold]: {balance.credits} credits")
    table = Table("time", "delta", "reason", "task", "balance after", "note")
    for entry in balance.entries:
        table.add_row(entry.created_at.strftime("%Y-%m-%d %H:%M:%S"), f"{entry.delta:+d}", entry.reason,
                      entry.task_id or "", str(entry.balance_after), entry.note or "")  # fmt: skip
    console.print(table)


@webhooks_app.command("list")
def webhooks_list(
    account: Annotated[Optional[str], typer.Option(help="Only this account.")] = None,
    status: Annotated[Optional[str], typer.Option(help="pending, succeeded or failed.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many deliveries.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List callback deliveries, newest first.

    With their state, attempts and last error."""
    from rich.table import Table

    from stillmotion.webhooks import DeliveryStore

    rows = _with_store(get_settings(), lambda sessions: DeliveryStore(sessions).listing(account, status, limit))
    if as_json:
        for delivery, name in rows:
            print(json.dumps({"id": delivery.id, "account": name, "task_id": delivery.task_id, "url": delivery.url,
                              "status": delivery.status, "attempts": delivery.attempts,
                              "last_status_code": delivery.last_status_code, "last_error": delivery.last_error,
                              "next_attempt_at": delivery.next_attempt_at.isoformat()
                              if delivery.next_attempt_at else None}))  # fmt: skip
        return
    table = Table("webhook id", "account", "task", "url", "status", "attempts", "last error", "next attempt")
    for delivery, name in rows:
        table.add_row(delivery.id, name, delivery.task_id, delivery.url, delivery.status, str(delivery.attempts),
                      delivery.last_error or "",
                      delivery.next_attempt_at.strftime("%H:%M:%S") if delivery.next_attempt_at else "")  # fmt: skip
    console.print(table)


def _check_output(output: Path) -> None:
    """Refuse an output path that cannot be written before any work starts."""
    if output.is_dir():
        _fail(f"error: -o {output} is a folder; give a file name such as {output / 'out.mp4'}.")
    folder = output.parent
    if not folder.is_dir():
        _fail(f"error: the folder {folder} does not exist; create it or choose another -o.")
    if not os.access(folder, os.W_OK):
        _fail(f"error: cannot write into the folder {folder}.")


@app.command()
def generate(
    image: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The still image.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the MP4.")],
    prompt: Annotated[str, typer.Option("-p", "--prompt", help="What should move, and how.")] = "",
    negative_prompt: Annotated[str, typer.Option("--negative-prompt", help="What should not happen.")] = "",
    resolution: Annotated[str, typer.Option(help="720p or 1080p.")] = "720p",
    duration: Annotated[int, typer.Option(min=1, max=6, help="Seconds.")] = 5,
    fps: Annotated[int, typer.Option(help="24 or 30.")] = 30,
    cfg_scale: Annotated[float, typer.Option(min=1.0, max=15.0, help="How strongly the prompt is followed.")] = 5.0,
    seed: Annotated[Optional[int], typer.Option(min=0, max=10_000_000, help="Same seed, same video.",
                                                show_default="random")] = None,
    model: Annotated[str, typer.Option(help="Model name (see settings).")] = "bach-1.0-preview",
    audio: Annotated[bool, typer.Option("--audio", help="Add a synchronised ambient sound track.")] = False,
    audio_prompt: Annotated[str, typer.Option("--audio-prompt", help="What the sound should be.")] = "",
    enhance: Annotated[bool, typer.Option("--enhance/--no-enhance", help="Enrich the prompt from the image.")] = True,
    explain: Annotated[bool, typer.Option("--explain", help="Print the motion plan.")] = False,
) -> None:
    """Render one video locally, with no server.

    The same engine and encoder as the API; checks the image and the output folder first."""
    from stillmotion.engines.registry import EngineRegistry
    from stillmotion.errors import StillmotionError
    from stillmotion.inputs import check_image_header
    from stillmotion.pipeline.context import TaskContext
    from stillmotion.pipeline.produce import Produced, VideoSpec, produce_video

    _check_output(output)
    image_bytes = image.read_bytes()
    try:
        check_image_header(image_bytes)
    except StillmotionError as exc:
        _fail(f"error {exc.code}: {image}: {exc.message}")
    if resolution not in ("720p", "1080p"):
        raise typer.BadParameter("must be 720p or 1080p", param_hint="--resolution")
    if fps not in (24, 30):
        raise typer.BadParameter("must be 24 or 30", param_hint="--fps")
    settings = get_settings()
    registry = EngineRegistry(settings)
    if model not in registry.model_names:
        raise typer.BadParameter(f"unknown model; known: {', '.join(registry.model_names)}", param_hint="--model")
    spec = VideoSpec(resolution=resolution, duration=duration, fps=fps,
                     seed=seed if seed is not None else secrets.randbelow(10_000_001),
                     prompt=prompt, negative_prompt=negative_prompt, cfg_scale=cfg_scale,
                     enhance_prompt=enhance, generate_audio=audio, audio_prompt=audio_prompt)
    ctx = TaskContext()
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            engine = registry.engine_for(model)
            outcome["produced"] = produce_video(
                image_bytes, spec, engine, registry.audio if audio else None, output, ctx, settings
            )
        except BaseException as exc:  # reported on the main thread
            outcome["error"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=work, daemon=True)
    with Progress(TextColumn("[bold]rendering"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console) as bar:
        job = bar.add_task("render", total=100)
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            bar.update(job, completed=ctx.progress)
        bar.update(job, completed=100 if "produced" in outcome else ctx.progress)
    error = outcome.get("error")
    if isinstance(error, StillmotionError):
        _fail(f"error {error.code}: {error.message}")
    if isinstance(error, OSError):  # the disk filled up, the folder went away...
        _fail(f"error: could not write {output}: {error.strerror or error}")
    if error is not None:
        raise error  # type: ignore[misc]
    produced = outcome["produced"]
    assert isinstance(produced, Produced)
    if explain:
        console.print_json(json.dumps(produced.plan))
    if produced.enhanced_prompt is not None:
        console.print(f"Rendered: {produced.enhanced_prompt}", markup=False, highlight=False)
    for note in produced.notes:
        console.print(f"Not rendered: {note}", markup=False, highlight=False)
    console.print(
        f"Wrote {output} ({produced.width}x{produced.height}, {produced.frames} frames, "
        f"seed {spec.seed}) in {time.monotonic() - started:.1f} s."
    )


client_commands.register(app)  # submit, tasks: last, so `--help` lists the server commands first
