"""The `stillmotion` command: serve, generate, keys, migrate."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from stillmotion.config import Settings, get_settings

app = typer.Typer(help="stillmotion: turn a still image into a short video.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage accounts' credentials.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
console = Console()


def _accounts(settings: Settings):  # type: ignore[no-untyped-def]
    from stillmotion.tasks.accounts import AccountStore
    from stillmotion.tasks.db import create_engine, create_sessionmaker

    engine = create_engine(settings)
    return engine, AccountStore(create_sessionmaker(engine))


async def _issue_key(settings: Settings, name: str, only_if_empty: bool = False):  # type: ignore[no-untyped-def]
    engine, accounts = _accounts(settings)
    try:
        if only_if_empty and await accounts.count() > 0:
            return None
        return await accounts.issue_key(name)
    finally:
        await engine.dispose()


def _print_key(issued, as_json: bool, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    if as_json:
        print(json.dumps({"account": issued.account, "access_key": issued.access_key,
                          "secret_key": issued.secret_key, "api_key": issued.api_key}))
        return
    console.print(f"[bold]Account[/bold]     {issued.account}")
    console.print(f"[bold]Access key[/bold]  {issued.access_key}")
    console.print(f"[bold]Secret key[/bold]  {issued.secret_key}")
    console.print(f"[bold]API key[/bold]     {issued.api_key}")
    console.print("[dim]Keep these now: the API key and the secret key are not shown again.[/dim]")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from stillmotion.tasks.migrate import upgrade_database

    settings = get_settings()
    upgrade_database(settings)
    console.print(f"Database is up to date ({settings.resolved_database_url.split('///')[0]}…).")


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on.")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Migrate, create a first key if there is no account yet, and serve the API."""
    import uvicorn

    from stillmotion.api.app import create_app
    from stillmotion.tasks.migrate import upgrade_database

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)
    upgrade_database(settings)
    issued = asyncio.run(_issue_key(settings, settings.bootstrap_account, only_if_empty=True))
    if issued is not None:
        console.rule("First start: an account and key were created")
        _print_key(issued, False, settings)
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
        console.rule()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level.lower())


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Account name (created if new).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create an account (or add a key set to it) and print its keys once."""
    from stillmotion.tasks.migrate import upgrade_database

    settings = get_settings()
    upgrade_database(settings)
    _print_key(asyncio.run(_issue_key(settings, name)), as_json, settings)


@app.command()
def generate(
    image: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The still image.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the MP4.")],
    prompt: Annotated[str, typer.Option("-p", "--prompt")] = "",
    negative_prompt: Annotated[str, typer.Option("--negative-prompt")] = "",
    resolution: Annotated[str, typer.Option(help="720p or 1080p.")] = "720p",
    duration: Annotated[int, typer.Option(min=1, max=6, help="Seconds.")] = 5,
    fps: Annotated[int, typer.Option(help="24 or 30.")] = 30,
    cfg_scale: Annotated[float, typer.Option(min=1.0, max=15.0)] = 5.0,
    seed: Annotated[Optional[int], typer.Option(min=0, max=10_000_000)] = None,
    model: Annotated[str, typer.Option(help="Model name (see settings).")] = "bach-1.0-preview",
    explain: Annotated[bool, typer.Option("--explain", help="Print the motion plan.")] = False,
) -> None:
    """Render one video locally, with no server: the same engine and encoder as the API."""
    from stillmotion.engines.registry import EngineRegistry
    from stillmotion.errors import StillmotionError
    from stillmotion.pipeline.context import TaskContext
    from stillmotion.pipeline.produce import EncoderSettings, VideoSpec, produce_video

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
                     prompt=prompt, negative_prompt=negative_prompt, cfg_scale=cfg_scale)
    encoder = EncoderSettings(crf=settings.encoder_crf, preset=settings.encoder_preset, threads=settings.encoder_threads)
    ctx = TaskContext()
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            engine = registry.engine_for(model)
            outcome["produced"] = produce_video(image.read_bytes(), spec, engine, output, ctx, encoder)
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
        console.print(f"[red]error {error.code}:[/red] {error.message}")
        raise typer.Exit(1)
    if error is not None:
        raise error  # type: ignore[misc]
    produced = outcome["produced"]
    if explain:
        console.print_json(json.dumps(produced.plan))  # type: ignore[attr-defined]
    console.print(
        f"Wrote {output} ({produced.width}x{produced.height}, {produced.frames} frames, "  # type: ignore[attr-defined]
        f"seed {spec.seed}) in {time.monotonic() - started:.1f} s."
    )
