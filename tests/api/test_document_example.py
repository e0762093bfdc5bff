"""The hosted API document's own Python client, run unchanged against our server.

`hosted_document_python_example.txt` beside this file is the document's "Python" example
copied verbatim (the text between its "Python" and "cURL" headings in the hosted service's
public image2video API documentation, `seed/image2video-api.txt` in the project's shared
notes), so that the suite passes on a clone with nothing beside it. The document's text lost
its indentation and has a typo (`status "TASK_SUCCEEDED"` for `status == ...`), so the script
is kept here indented; a check proves it is the document's code, token for token, with only
the four allowed changes: API_BASE, API_TOKEN, image_url and the poll interval.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.servers import ServerProcess

DOCUMENT_EXAMPLE = Path(__file__).with_name("hosted_document_python_example.txt")

EXAMPLE = '''\
import requests
import time
API_BASE = "https://api-gen-na.bach.art/api/vdr"
API_TOKEN = "<your_api_token>"
headers = {
    "Authorization": f"Bearer {API_TOKEN}",
    "Content-Type": "application/json"
}
# Step 1: Create an image-to-video task
payload = {
    "model_name": "bach-1.0-preview",
    "image_url": "https://example.com/images/landscape.jpg",
    "prompt": "Clouds drift slowly across the sky, trees sway gently in the breeze",
    "negative_prompt": "static, frozen, jerky motion",
    "resolution": "1080p",
    "duration": 5,
    "cfg_scale": 5.0,
    "enhance_prompt": True
}
response = requests.post(
    f"{API_BASE}/videos/image2video",
    headers=headers,
    json=payload
)
task_id = response.json()["data"]["task_id"]
print(f"Task submitted: {task_id}")
# Step 2: Poll for completion
while True:
    status_response = requests.get(
        f"{API_BASE}/videos/image2video/{task_id}",
        headers=headers
    )
    result = status_response.json()["data"]
    status = result["status"]
    if status == "TASK_SUCCEEDED":
        print(f"Video ready: {result['video_url']}")
        break
    elif status == "TASK_FAILED":
        print(f"Generation failed: {result['message']}")
        break
    else:
        print(f"Status: {status}, waiting...")
        time.sleep(10)
'''


def test_the_kept_copy_is_the_documents_code() -> None:
    document = DOCUMENT_EXAMPLE.read_text().replace('status "TASK_', 'status == "TASK_')
    assert EXAMPLE.split() == document.split()


def test_the_documents_python_example_runs_against_our_server(server: ServerProcess, image_host: Any,
                                                              tmp_path: Path) -> None:
    script = (
        EXAMPLE.replace('"https://api-gen-na.bach.art/api/vdr"', repr(server.base_url + "/api/vdr"))
        .replace('"<your_api_token>"', repr(server.keys["alice"]["api_key"]))  # type: ignore[attr-defined]
        .replace('"https://example.com/images/landscape.jpg"', repr(image_host.url("/landscape.jpg")))
        .replace("time.sleep(10)", "time.sleep(0.5)")
    )
    path = tmp_path / "example.py"
    path.write_text(script)
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("Task submitted: ")
    assert lines[-1].startswith(f"Video ready: {server.base_url}/files/videos/"), result.stdout
