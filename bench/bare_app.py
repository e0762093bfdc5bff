"""The baseline of `bench/load.py`: the least a FastAPI app on the same uvicorn can do per request.

GET answers a fixed envelope; POST validates a small JSON body with pydantic and answers an
envelope. No auth, no database: what is left is the framework and the server, so stillmotion's
figures divided by these say what our own work per request costs.

    .venv/bin/python -m uvicorn bench.bare_app:app --port 8001
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Body(BaseModel):
    model_name: str
    image_url: str
    resolution: str = "720p"
    duration: int = 5


@app.get("/bare/{item_id}")
async def get_item(item_id: str) -> dict[str, object]:
    return {"code": 200, "message": "Success", "data": {"task_id": item_id, "status": "TASK_PENDING"}}


@app.post("/bare")
async def create_item(body: Body) -> dict[str, object]:
    return {"code": 200, "message": "Success", "data": {"task_id": body.model_name, "create_at": 0}}
