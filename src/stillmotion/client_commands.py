"""`stillmotion submit` and `stillmotion tasks list/show/cancel`: the SDK from the command line.

They talk to a running server (`--server`, `--key`, or STILLMOTION_SERVER / STILLMOTION_API_KEY)
and load nothing of the server itself. Every expected failure (a rejected field, a wrong key,
an unreachable server, a failed task, an output path that cannot be written) is one line and
exit status 1; a wait that runs out is exit status 2 and says how to look again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Optional, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stillmotion.client import APIError, Client, ClientError, Task, TaskFailed, ValidationError, WaitTimeout
from stillmotion.client.protocol import DEFAULT_MODEL, CreateFields
from stillmotion.client.state import PENDING

DEFAULT_SERVER = "http://127.0.0.1:8000"
WAIT_TIMEOUT_EXIT = 2
tasks_app = typer.Typer(help="List, show and cancel your tasks on a server.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

ServerOption = Annotated[
    str, typer.Option("--server", envvar="STILLMOTION_SERVER", help="The server's base URL.", show_envvar=True)
]
KeyOption = Annotated[
    Optional[str],
    typer.Option("--key", envvar="STILLMOTION_API_KEY", help="Your API key (it starts with sm_).", show_envvar=True,
                 show_default=False),
]  # fmt: skip
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _fail(message: str, status: int = 1) -> None:
    errors.print(message, style="red", soft_wrap=True, markup=False, highlight=False)
    raise typer.Exit(status)


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, ValidationError) and exc.field:
        return f"error {exc.code} ({exc.field}): {exc.message}"
    if isinstance(exc, TaskFailed):
        failure = f" ({exc.failure_code})" if exc.failure_code else ""
        return f"task {exc.task_id} failed{failure}: {exc.message}"
    if isinstance(exc, APIError):
        return f"error {exc.code}: {exc.message}"
    return f"error: {exc}"


@contextmanager
def _client(server: str, key: str | None) -> Iterator[Client]:
    """A client, with every expected failure inside the block turned into one line."""
    if not key:
        _fail("no API key: pass --key or set STILLMOTION_API_KEY (`stillmotion keys create` makes one).")
    try:
        with Client(server, api_key=key) as client:
            yield client
    except WaitTimeout as exc:
        _fail(f"task {exc.task.id} is still {exc.task.status} after {exc.timeout:g} s; "
              f"look again with: stillmotion tasks show {exc.task.id}", WAIT_TIMEOUT_EXIT)  # fmt: skip
    except (ClientError, FileNotFoundError) as exc:
        _fail(_describe_error(exc))


def _writable_output(output: Path) -> None:
    """Checked before anything is submitted, so a typo does not cost a render."""
    directory = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        _fail(f"error: {output} is a directory; give a file name such as {output / 'video.mp4'}")
    if not directory.is_dir():
        _fail(f"error: the directory {directory} does not exist")
    if not os.access(directory, os.W_OK):
        _fail(f"error: cannot write to {directory}")


def _print_notes(task: Task) -> None:
    for note in task.notes:
        console.print(f"  note: {note}", soft_wrap=True, markup=False, highlight=False)


def _stage(task: Task) -> str:
    if task.status == PENDING:
        return f"queued (position {task.queue_position})" if task.queue_position else "queued"
    return "rendering"


def _wait_with_bar(task: Task, timeout: float) -> None:
    columns = (TextColumn("{task.description:<22}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=errors, transient=not errors.is_terminal) as bar:
        row = bar.add_task(_stage(task), total=100)

        def show(current: Task) -> None:
            bar.update(row, description=_stage(current), completed=current.progress or 0)

        try:
            task.wait(timeout=timeout, on_progress=show)
        finally:
            show(task)


def submit(
    image: Annotated[str, typer.Argument(help="A local image file (uploaded first) or an http(s) URL.")],
    prompt: Annotated[Optional[str], typer.Option("-p", "--prompt", help="What should move, and how.")] = None,
    negative_prompt: Annotated[Optional[str], typer.Option(help="What should not happen.")] = None,
    model: Annotated[str, typer.Option(help="Model name (GET /api/vdr/models).")] = DEFAULT_MODEL,
    resolution: Annotated[str, typer.Option(help="720p or 1080p; the aspect follows the image.")] = "720p",
    duration: Annotated[int, typer.Option(help="Seconds, 1 to 6.")] = 5,
    fps: Annotated[Optional[int], typer.Option(help="24 or 30 (server default: 30).", show_default=False)] = None,
    cfg_scale: Annotated[Optional[float], typer.Option(help="How literally to follow the prompt, 1 to 15 "
                                                            "(server default: 5).", show_default=False)] = None,
    seed: Annotated[Optional[int], typer.Option(help="0 to 10000000 (default: the server picks one).",
                                                show_default=False)] = None,
    audio: Annotated[bool, typer.Option("--audio", help="Add a sound track.")] = False,
    audio_prompt: Annotated[Optional[str], typer.Option(help="What the sound should be (with --audio).")] = None,
    enhance: Annotated[bool, typer.Option("--enhance/--no-enhance", help="Let the server enrich the prompt.")] = True,
    moderation: Annotated[bool, typer.Option("--moderation/--no-moderation", help="Content checks.")] = True,
    callback_url: Annotated[Optional[str], typer.Option(help="POSTed to when the task ends.")] = None,
    idempotency_key: Annotated[Optional[str], typer.Option(help="Resubmitting with it returns the same task.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the video, with a progress bar.")] = False,
    output: Annotated[
        Optional[Path], typer.Option("-o", "--output", help="Save the MP4 here (implies --wait).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait at most.")] = 600.0,
    as_json: JsonOption = False,
    server: ServerOption = DEFAULT_SERVER,
    key: KeyOption = None,
) -> None:
    """Submit an image to a server; -o waits and saves the video."""
    if output is not None:
        _writable_output(output)
    given = {"model_name": model, "resolution": resolution, "duration": duration, "generate_audio": audio,
             "enhance_prompt": enhance, "enable_moderation": moderation, "negative_prompt": negative_prompt,
             "fps": fps, "cfg_scale": cfg_scale, "seed": seed, "audio_prompt": audio_prompt,
             "callback_url": callback_url}  # fmt: skip
    fields = cast(CreateFields, {name: value for name, value in given.items() if value is not None})
    with _client(server, key) as client:
        task = client.create(image, prompt, idempotency_key=idempotency_key, **fields)
        if not as_json:
            errors.print(f"task {task.id} submitted", highlight=False)
        if wait or output is not None:
            _wait_with_bar(task, timeout)
            if output is not None:
                task.download(output)
        if as_json:
            print(json.dumps(task.state.raw))
            return
        _print_notes(task)
        if output is not None:
            console.print(f"Wrote {output} (seed {task.seed}).", highlight=False)
        elif task.succeeded:
            console.print(task.video_url, highlight=False, soft_wrap=True)
        else:
            console.print(task.id, highlight=False)


def _when(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, tz=timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")


@tasks_app.command("list")
def tasks_list(
    status: Annotated[Optional[str], typer.Option(help="Only TASK_PENDING, TASK_PROCESSING, TASK_SUCCEEDED "
                                                       "or TASK_FAILED.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many, newest first.")] = 20,
    as_json: JsonOption = False,
    server: ServerOption = DEFAULT_SERVER,
    key: KeyOption = None,
) -> None:
    """Your tasks on a running server, newest first."""
    with _client(server, key) as client:
        shown = []
        for task in client.tasks.list(status=status, page_size=min(limit, 100)):
            shown.append(task)
            if len(shown) == limit:
                break
    if as_json:
        for task in shown:
            print(json.dumps(task.state.raw))
        return
    table = Table("task", "status", "progress", "created", "message")
    for task in shown:
        table.add_row(task.id, task.status, f"{task.progress or 0}%", _when(task.state.created_at), task.message)
    console.print(table)


@tasks_app.command("show")
def tasks_show(
    task_id: Annotated[str, typer.Argument(help="The task id.")],
    as_json: JsonOption = False,
    server: ServerOption = DEFAULT_SERVER,
    key: KeyOption = None,
) -> None:
    """One task: status, progress, video, failure, notes."""
    with _client(server, key) as client:
        task = client.get(task_id)
    _show(task, as_json)


@tasks_app.command("cancel")
def tasks_cancel(
    task_id: Annotated[str, typer.Argument(help="The task id.")],
    server: ServerOption = DEFAULT_SERVER,
    key: KeyOption = None,
) -> None:
    """Cancel a queued or running task; its credits are refunded."""
    with _client(server, key) as client:
        task = client.tasks.cancel(task_id)
    console.print(f"Cancelled {task.id}.", highlight=False)


def _show(task: Task, as_json: bool) -> None:
    if as_json:
        print(json.dumps(task.state.raw))
        return
    rows: list[tuple[str, Any]] = [
        ("task", task.id), ("status", task.status), ("progress", f"{task.progress or 0}%"),
        ("queue position", task.queue_position), ("message", task.message), ("video", task.video_url),
        ("failure code", task.failure_code), ("seed", task.seed), ("created", _when(task.state.created_at)),
        ("completed", _when(task.state.completed_at)),
    ]  # fmt: skip
    for label, value in rows:
        if value not in (None, ""):
            console.print(f"{label:<15} {value}", highlight=False, markup=False, soft_wrap=True)
    _print_notes(task)


def register(app: typer.Typer) -> None:
    """Add `submit` and `tasks` to the main command."""
    app.command("submit")(submit)
    app.add_typer(tasks_app, name="tasks")
