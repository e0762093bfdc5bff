"""Request and response bodies of the image2video contract (SPEC.md), with OpenAPI examples.

Types are strict ("5" is not an integer, 5.5 is not an integer, "true" is not a
boolean). One rule for every integer field (duration, fps, seed): a JSON number
written with a fraction or an exponent (`6.0`, `3e1`) is not an integer, even
when its value is whole; `cfg_scale`, a number, takes both. Any rejected field
answers 400/1000 with the message in `FIELD_RULES`, in the document's own style,
so a message always names the field and its rule. Unknown fields are ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

from stillmotion.inputs.limits import MAX_URL_LENGTH as MAX_IMAGE_URL
from stillmotion.inputs.urls import BadWebURL, parse_web_url
from stillmotion.tasks.models import TaskStatus

MAX_TEXT = 10_000
MAX_CALLBACK_URL = 500
MAX_AUDIO_PROMPT = 200
MAX_SEED = 10_000_000

FIELD_RULES: dict[str, str] = {
    "model_name": "model_name must be a supported model name (see GET /api/vdr/models).",
    "image_url": f"image_url must be an http or https URL of at most {MAX_IMAGE_URL} characters.",
    "prompt": f"Prompt must be a string of at most {MAX_TEXT} characters.",
    "negative_prompt": f"negative_prompt must be a string of at most {MAX_TEXT} characters.",
    "resolution": "Resolution must be 720p or 1080p.",
    "duration": "Duration must be between 1 and 6 seconds.",
    "fps": "fps must be 24 or 30.",
    "cfg_scale": "cfg_scale must be a number between 1.0 and 15.0.",
    "enhance_prompt": "enhance_prompt must be a boolean.",
    "generate_audio": "generate_audio must be a boolean.",
    "audio_prompt": f"audio_prompt must be a string of at most {MAX_AUDIO_PROMPT} characters.",
    "callback_url": f"callback_url must be an http or https URL of at most {MAX_CALLBACK_URL} characters, "
    "with a port (if any) in 1..65535.",
    "seed": f"Seed must be an integer between 0 and {MAX_SEED}.",
    "enable_moderation": "enable_moderation must be a boolean.",
}
TASK_STATUSES = [status.value for status in TaskStatus]
MAX_PAGE = 100
PARAMETER_RULES: dict[str, str] = {
    **FIELD_RULES,
    "file": "file must be the image, sent as the multipart/form-data field named file.",
    "status": f"status must be one of {', '.join(TASK_STATUSES)}.",
    "limit": f"limit must be an integer between 1 and {MAX_PAGE}.",
    "cursor": "cursor must be a next_cursor value from a previous page.",
}
"""The message for each field of a body, form or query that validation can refuse (400/1000)."""
REQUIRED_MESSAGES: dict[str, str] = {
    "model_name": "Please provide model_name.",
    "image_url": "Please provide image_url.",
    "resolution": "Please provide resolution (720p or 1080p).",
    "duration": "Please provide duration (1 to 6 seconds).",
    "file": "Please provide the image as the multipart/form-data field named file.",
}


def _web_url(max_length: int, allow_data: bool) -> AfterValidator:
    """image_url is only screened here (its own rules answer 1001 at create); callback_url,
    which nothing else checks before the address rules, must be connectable as written."""

    def check(value: str) -> str:
        lowered = value[:11].lower()
        if allow_data and lowered.startswith("data:image/"):
            return value  # size and content are checked with the image rules (code 1001)
        if len(value) > max_length or not (lowered.startswith("http://") or lowered.startswith("https://")):
            raise ValueError("not an http(s) URL")
        if len(value.split("://", 1)[1]) == 0:
            raise ValueError("URL has no host")
        if not allow_data:
            try:
                parse_web_url(value)
            except BadWebURL as bad:
                raise ValueError(bad.reason) from None
        return value

    return AfterValidator(check)


def _one_of(*allowed: int) -> AfterValidator:
    def check(value: int) -> int:
        if value not in allowed:
            raise ValueError(f"not one of {allowed}")
        return value

    return AfterValidator(check)


class CreateTaskRequest(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "model_name": "bach-1.0-preview",
                    "image_url": "https://example.com/images/scene.jpg",
                    "prompt": "The scene comes alive with gentle movement",
                    "negative_prompt": "blurry, distorted, unnatural",
                    "resolution": "720p",
                    "duration": 6,
                    "cfg_scale": 5.0,
                    "enhance_prompt": True,
                    "generate_audio": False,
                    "audio_prompt": "gentle movement, ambient sounds",
                    "callback_url": "https://your-domain.com/callback",
                    "seed": 12345,
                    "enable_moderation": True,
                }
            ]
        },
    )

    model_name: str = Field(min_length=1, max_length=100, description="Model identifier; see GET /api/vdr/models.")
    image_url: Annotated[str, _web_url(MAX_IMAGE_URL, allow_data=True)] = Field(
        description="http(s) URL of the source image (extension: a data:image/...;base64 URL up to 10 MB)."
    )
    prompt: str | None = Field(default=None, max_length=MAX_TEXT, description="What should move, and how.")
    negative_prompt: str | None = Field(default=None, max_length=MAX_TEXT, description="What should not happen.")
    resolution: Literal["720p", "1080p"] = Field(
        description="The frame size also depends on the image's aspect: see the table at the top."
    )
    duration: int = Field(ge=1, le=6, description="Seconds.")
    # Not Literal[24, 30]: a literal compares by value, so it would take 30.0 (and True as 1).
    fps: Annotated[StrictInt, _one_of(24, 30)] = Field(
        default=30, json_schema_extra={"enum": [24, 30]}, description="Frames per second; the video has duration × fps frames."
    )
    cfg_scale: float = Field(default=5.0, ge=1.0, le=15.0, description="How strongly the prompt is followed.")
    enhance_prompt: bool = Field(default=True, description="Enrich the prompt from what the image shows.")
    generate_audio: bool = Field(default=False, description="Add an AAC sound track (+1 credit).")
    audio_prompt: str | None = Field(
        default=None, max_length=MAX_AUDIO_PROMPT, description="What the sound should be; used with generate_audio."
    )
    callback_url: Annotated[str, _web_url(MAX_CALLBACK_URL, allow_data=False)] | None = Field(
        default=None, description="Receives a signed POST when the task ends (docs/webhooks.md)."
    )
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED, description="Server picks and records one if absent.")
    enable_moderation: bool = Field(
        default=True, description="Check the texts and the image; the operator may make it mandatory."
    )


T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    code: int = Field(examples=[200])
    message: str = Field(examples=["Success"])
    data: T | None = None


class ErrorEnvelope(BaseModel):
    code: int = Field(examples=[1000])
    message: str = Field(examples=["Duration must be between 1 and 6 seconds."])
    data: None = None


class CreatedTask(BaseModel):
    task_id: str = Field(examples=["770e8400-e29b-41d4-a716-446655440002"])
    create_at: int = Field(description="Unix seconds (the document's spelling).", examples=[1709251200])


class TaskView(BaseModel):
    """Query response. `video_url` only when succeeded; extensions are always present."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "task_id": "770e8400-e29b-41d4-a716-446655440002",
                    "status": "TASK_SUCCEEDED",
                    "message": "Video generation completed successfully",
                    "video_url": "http://127.0.0.1:8000/files/videos/770e8400-e29b-41d4-a716-446655440002.mp4",
                    "progress": 100,
                    "created_at": 1709251200,
                    "updated_at": 1709251280,
                    "completed_at": 1709251280,
                    "seed": 12345,
                    "enhanced_prompt": "The scene comes alive with gentle movement, slow push in",
                    "failure_code": None,
                }
            ]
        }
    )

    task_id: str
    status: Literal["TASK_PENDING", "TASK_PROCESSING", "TASK_SUCCEEDED", "TASK_FAILED"]
    message: str
    video_url: str | None = Field(default=None, description="Present only when status is TASK_SUCCEEDED.")
    progress: int = Field(ge=0, le=100, description="Extension: 0..100.")
    created_at: int = Field(description="Extension: unix seconds.")
    updated_at: int = Field(description="Extension: unix seconds.")
    completed_at: int | None = Field(description="Extension: unix seconds, when the task ended.")
    seed: int = Field(description="Extension: the seed used.")
    enhanced_prompt: str | None = Field(description="Extension: the prompt the engine followed.")
    failure_code: int | None = Field(description="Extension: 1001 image, 1002 moderation, 5002 engine, 5003 cancelled, 5004 timed out.")

    def to_json(self) -> dict[str, Any]:
        body = self.model_dump()
        if body["video_url"] is None:
            del body["video_url"]
        return body


class UploadedImage(BaseModel):
    image_url: str = Field(description="Usable as image_url in a create request.")
    bytes: int


class ModelInfo(BaseModel):
    model_name: str
    engine: str = Field(examples=["motion"])
    family: str | None = Field(description="Diffusion model family (wan, ltx, cogvideox); null for motion.")
    ready: bool = Field(description="Loaded and servable; false while loading or when its configuration is broken.")


class ModelList(BaseModel):
    models: list[ModelInfo]
