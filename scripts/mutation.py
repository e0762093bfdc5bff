"""Mutation testing, one package at a time: does the suite fail when the code is wrong?

    .venv/bin/python scripts/mutation.py [PACKAGE ...] [--seconds N] [--children N] [--resume]

For each package (default: all of PACKAGES) the repository's tracked files are copied to
`mutation/<package>/`, mutmut mutates that package's modules there and runs the package's fast,
in-process tests against every mutant, under a wall-clock bound per package. Prints one row per
package: mutants, killed (or timed out), survived, not covered, not run, and the score
killed / (killed + survived + not covered). A package whose bound ran out says so; its score is
then the score of the mutants that finished.

Tests that start the server in a subprocess cannot be used here: mutmut switches mutants inside
the test process, so a mutant in a subprocess server is never active (see docs/testing.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PACKAGES: dict[str, list[str]] = {
    "inputs": ["tests/inputs"],
    "moderation": ["tests/moderation"],
    "webhooks": ["tests/inprocess/test_webhooks.py", "tests/inprocess/test_task_store.py", "tests/control/test_rules.py",
                 "tests/background"],
    "tasks": ["tests/inprocess/test_task_store.py", "tests/inprocess/test_task_store_edges.py",
              "tests/inprocess/test_accounts_and_sweeps.py", "tests/inprocess/test_store_connections.py",
              "tests/inprocess/test_compiled_poll.py",
              "tests/inprocess/test_webhooks.py", "tests/control/test_rules.py", "tests/distributed/test_local_storage.py"],
    "pipeline": ["tests/inprocess/test_task_runner.py", "tests/inprocess/test_task_runner_audio.py",
                 "tests/inprocess/test_idle_release.py", "tests/inprocess/test_runner_parts.py",
                 "tests/inprocess/test_produce.py"],
    "api": ["tests/api_inprocess", "tests/hostile/test_code_table.py"],
}  # fmt: skip
"""Package under src/stillmotion -> its fast tests (in-process; seconds, not minutes)."""

NOT_MUTATED: dict[str, list[str]] = {
    # Alembic scripts: DDL run once per database, checked against the models by
    # tests/postgres/test_migrations.py (compare_metadata), not behaviour a unit test can pin.
    "tasks": ["src/stillmotion/tasks/migrations/*"],
}
"""Files of a package left out of mutation, and why."""


def _copy_tree(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())


def _configure(target: Path, package: str, tests: list[str]) -> None:
    existing = [test for test in tests if (target / test).exists()]
    pyproject = target / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + "\n[tool.mutmut]\n"
        + 'source_paths = ["src/stillmotion"]\n'
        + f'only_mutate = ["src/stillmotion/{package}/*"]\n'
        + f"do_not_mutate = {json.dumps(NOT_MUTATED.get(package, []))}\n"
        + f"pytest_add_cli_args_test_selection = {json.dumps(existing)}\n"
        + 'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]\n'
        + 'also_copy = ["docs"]\n'  # tests/hostile/test_code_table.py reads docs/api.md
    )


def run_package(package: str, seconds: int, children: int, resume: bool) -> dict[str, object]:
    target = ROOT / "mutation" / package
    if not (resume and target.exists()):
        _copy_tree(target)
        _configure(target, package, PACKAGES[package])
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    # mutmut forks every mutant from a process that ran the tests once; a torch (MiniLM) thread
    # pool started there deadlocks in the children, which then read as "timeout" (killed).
    env = {**os.environ, "PYTHONPATH": str(target / "src"), "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    # Its own session, so that at the bound mutmut and every mutant it forked stop together.
    run = subprocess.Popen([mutmut, "run", "--max-children", str(children)], cwd=target, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        run.wait(timeout=seconds)
        finished = True
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait()
        finished = False
    subprocess.run([mutmut, "export-cicd-stats"], cwd=target, env=env, capture_output=True, check=False)
    stats_file = target / "mutants" / "mutmut-cicd-stats.json"
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return {"package": package, "finished": finished, **stats}


def _count(stats: dict[str, object], *names: str) -> int:
    return sum(int(stats.get(name, 0)) for name in names)  # type: ignore[call-overload]


def killed(stats: dict[str, object]) -> int:
    """Killed, counting a mutant that hung the tests (mutmut's timeout) as killed."""
    return _count(stats, "killed", "timeout")


def not_run(stats: dict[str, object]) -> int:
    """Mutants with no verdict when the bound was reached: mutmut's export has no such count, so it
    is the total less every verdict it does count."""
    verdicts = ("killed", "timeout", "survived", "no_tests", "skipped", "suspicious", "segfault")
    return _count(stats, "total") - _count(stats, *verdicts)


def score(stats: dict[str, object]) -> float | None:
    judged = killed(stats) + _count(stats, "survived", "no_tests")
    return None if judged == 0 else 100.0 * killed(stats) / judged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("packages", nargs="*", default=list(PACKAGES))
    parser.add_argument("--seconds", type=int, default=900, help="wall-clock bound per package")
    parser.add_argument("--children", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--resume", action="store_true",
                        help="go on in mutation/<package> as a stopped run left it, keeping its verdicts "
                             "(the code and tests there are the ones it copied)")  # fmt: skip
    args = parser.parse_args()
    print("| package | mutants | killed | survived | no tests | not run | score | finished |")
    print("|---|---|---|---|---|---|---|---|")
    for package in args.packages:
        stats = run_package(package, args.seconds, args.children, args.resume)
        value = score(stats)
        shown = "n/a" if value is None else f"{value:.1f} %"
        print(f"| {package} | {stats.get('total', 0)} | {killed(stats)} "
              f"| {stats.get('survived', 0)} | {stats.get('no_tests', 0)} | {not_run(stats)} "
              f"| {shown} | {'yes' if stats['finished'] else 'no (bound reached)'} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
