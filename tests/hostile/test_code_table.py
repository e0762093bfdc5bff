"""docs/api.md's code table and the code agree: every status/code pair the server can answer is
listed, and every listed pair has something in the code that answers it.

What can answer: each StillmotionError subclass (not the TaskFailure codes, which are recorded
on tasks), the framework errors api/errors.py maps (FRAMEWORK_CODES), the 5000 of an unexpected
exception, and the 200 of success."""

from __future__ import annotations

import re
from pathlib import Path

from stillmotion import errors
from stillmotion.api.errors import FRAMEWORK_CODES

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
_ROW = re.compile(r"^\| (\d{3}) \| \**(\d{3,4})\** \|", re.MULTILINE)


def documented_pairs() -> set[tuple[int, int]]:
    text = API_DOC.read_text()
    table = text[text.index("## Codes") :]
    table = table[: table.index("\n## ", 1)]
    return {(int(status), int(code)) for status, code in _ROW.findall(table)}


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def answered_pairs() -> set[tuple[int, int]]:
    ours = {
        (cls.http_status, cls.code)
        for cls in _subclasses(errors.StillmotionError)
        if not issubclass(cls, errors.TaskFailure) and cls is not errors.TaskFailure
    }
    base = errors.StillmotionError
    framework = set(FRAMEWORK_CODES.items())
    return ours | framework | {(200, 200), (base.http_status, base.code)}


def test_every_answer_is_documented_and_every_documented_pair_is_answered() -> None:
    documented, answered = documented_pairs(), answered_pairs()
    assert answered - documented == set(), "answered but missing from docs/api.md's code table"
    assert documented - answered == set(), "in docs/api.md's code table but nothing answers it"


def test_the_table_is_read() -> None:
    """Guards the parser: the table has SPEC's rows and ours, so an empty parse cannot pass."""
    assert {(400, 1000), (401, 1101), (409, 1202), (431, 1003), (503, 5001)} <= documented_pairs()


def test_failure_codes_are_not_http_answers() -> None:
    failure_codes = {cls.code for cls in _subclasses(errors.TaskFailure)}
    assert failure_codes == {5002, 5003, 5004, 5005, 5006}
    assert not any(code in failure_codes for _, code in documented_pairs())
