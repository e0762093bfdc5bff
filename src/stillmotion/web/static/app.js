// The stillmotion page: one form that creates an image2video task, a live view of one task,
// and the history of recent ones. It speaks only the public API under /api/vdr with the key
// the user typed, so it works exactly as any other client would.
"use strict";

const API = "/api/vdr";
const MODEL = "bach-1.0-preview";
const KEY_STORE = "stillmotion.apiKey";
const SETTINGS_STORE = "stillmotion.taskSettings"; // task id -> the fields it was created with
const SETTINGS_KEPT = 50; // tasks whose settings are remembered for "same settings, new seed"
const POLL_MS = 1000;
const RETRY_MS = 3000; // after a transient error while polling
const MAX_SEED = 10000000;
const HISTORY_SIZE = 12;
const TERMINAL = new Set(["TASK_SUCCEEDED", "TASK_FAILED"]);

// Output frame sizes (SPEC "Output video"): the image's ratio snapped to the nearest bucket.
const FRAME_SIZES = {
  "720p": { "16:9": [1280, 720], "9:16": [720, 1280], "1:1": [720, 720] },
  "1080p": { "16:9": [1920, 1080], "9:16": [1080, 1920], "1:1": [1080, 1080] },
};
const BUCKET_RATIOS = { "16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1 };

// Where an error is shown. A 1000 or 1002 message names its field; the first match wins, so
// the longer names come before "prompt".
const MESSAGE_FIELDS = [
  ["negative_prompt", /negative[_ ]prompt/i],
  ["audio_prompt", /audio[_ ]prompt/i],
  ["generate_audio", /generate_audio/i],
  ["image", /image/i],
  ["prompt", /prompt/i],
  ["resolution", /resolution/i],
  ["duration", /duration/i],
  ["fps", /\bfps\b/i],
  ["cfg_scale", /cfg_scale/i],
  ["seed", /\bseed\b/i],
];
const SLOTS = {
  key: "api-key-error", image: "image-error", prompt: "prompt-error",
  negative_prompt: "negative_prompt-error", resolution: "resolution-error", duration: "duration-error",
  fps: "fps-error", cfg_scale: "cfg_scale-error", seed: "seed-error", generate_audio: "generate_audio-error",
  audio_prompt: "audio_prompt-error", submit: "submit-error", task: "task-error", history: "history-error",
};
const SLOT_INPUTS = {
  key: "api-key", prompt: "prompt", negative_prompt: "negative-prompt", resolution: "resolution",
  duration: "duration", fps: "fps", cfg_scale: "cfg-scale", seed: "seed", generate_audio: "generate-audio",
  audio_prompt: "audio-prompt",
};

const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

// ---- the API ----------------------------------------------------------------------------

function apiKey() {
  return $("api-key").value.trim();
}

async function api(path, { method = "GET", json, form } = {}) {
  const headers = { Authorization: `Bearer ${apiKey()}` };
  let body;
  if (form) {
    body = form;
  } else if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(API + path, { method, headers, body });
  } catch {
    throw new ApiError(0, 0, "Cannot reach the server. Is `stillmotion serve` still running?");
  }
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    // not JSON: handled below
  }
  if (!envelope || typeof envelope.code !== "number") {
    throw new ApiError(response.status, response.status, `Unexpected answer from the server (HTTP ${response.status}).`);
  }
  if (envelope.code !== 200) {
    throw new ApiError(response.status, envelope.code, envelope.message, response.headers.get("Retry-After"));
  }
  return envelope.data;
}

// ---- errors next to what caused them -------------------------------------------------------

function slotFor(error, fallback) {
  switch (error.code) {
    case 1000:
    case 1002: {
      const match = MESSAGE_FIELDS.find(([, pattern]) => pattern.test(error.message));
      return match ? match[0] : error.code === 1002 ? "prompt" : fallback;
    }
    case 1001:
    case 1003:
      return "image";
    case 1100:
    case 1101:
      return "key";
    default:
      return fallback;
  }
}

function explain(error) {
  const later = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : " Try again shortly.";
  switch (error.code) {
    case 1002:
      return `${error.message} Rephrase it and try again.`;
    case 1003:
      return "The request is too large: the image must be at most 10 MB.";
    case 1100:
      return apiKey() ? "The API key is malformed: paste it exactly, with no spaces."
        : "Enter your API key first.";
    case 1101:
      return `This API key was not accepted (${error.message}) Check it, or create one with \`stillmotion keys create\`.`;
    case 1200:
      return "This task does not exist (or belongs to another key).";
    case 1201:
      return "This task has already finished, so it can no longer be cancelled.";
    case 1302:
      return `Not enough credits for this video (it costs ${cost()}). Add some with \`stillmotion credits add NAME N\`.`;
    case 1303:
    case 5001:
      return `${error.message}${later}`;
    case 5000:
      return `The server hit an internal error: ${error.message}`;
    default:
      return error.message;
  }
}

function showError(error, fallback) {
  const slot = slotFor(error, fallback);
  const box = $(SLOTS[slot]);
  box.textContent = explain(error);
  box.hidden = false;
  const input = $(SLOT_INPUTS[slot] || "");
  if (input) input.setAttribute("aria-invalid", "true");
  return slot;
}

function clearErrors(...slots) {
  for (const slot of slots.length ? slots : Object.keys(SLOTS)) {
    const box = $(SLOTS[slot]);
    box.hidden = true;
    box.textContent = "";
    const input = $(SLOT_INPUTS[slot] || "");
    if (input) input.removeAttribute("aria-invalid");
  }
  if (!slots.length || slots.includes("image")) {
    $("image-file").removeAttribute("aria-invalid");
    $("image-url").removeAttribute("aria-invalid");
  }
}

// ---- the image ----------------------------------------------------------------------------

const image = { file: null, uploaded: null, width: 0, height: 0 }; // uploaded: {file, url}

function aspectBucket(width, height) {
  const ratio = Math.log(width / height);
  return Object.keys(BUCKET_RATIOS).reduce((best, name) =>
    Math.abs(Math.log(BUCKET_RATIOS[name]) - ratio) < Math.abs(Math.log(BUCKET_RATIOS[best]) - ratio) ? name : best);
}

function describeAspect() {
  const line = $("aspect");
  if (!image.width) {
    line.textContent = "";
    return;
  }
  const bucket = aspectBucket(image.width, image.height);
  const [w, h] = FRAME_SIZES[$("resolution").value][bucket];
  line.textContent = `Your ${image.width}×${image.height} image gives a ${bucket} video of ${w}×${h}` +
    (Math.abs(image.width / image.height - w / h) > 0.01 ? ", cropped to fill it." : ".");
}

function showPreview(src) {
  const preview = $("preview");
  image.width = image.height = 0;
  describeAspect();
  if (!src) {
    preview.hidden = true;
    preview.removeAttribute("src");
    return;
  }
  preview.onload = () => {
    image.width = preview.naturalWidth;
    image.height = preview.naturalHeight;
    preview.hidden = false;
    describeAspect();
  };
  preview.onerror = () => { preview.hidden = true; };
  preview.src = src;
}

function chooseFile(file) {
  clearErrors("image");
  image.file = file || null;
  if (file) $("image-url").value = "";
  showPreview(file ? URL.createObjectURL(file) : null);
}

async function imageUrl() {
  if (image.file) {
    if (image.uploaded && image.uploaded.file === image.file) return image.uploaded.url;
    const form = new FormData();
    form.append("file", image.file);
    const data = await api("/uploads", { method: "POST", form });
    image.uploaded = { file: image.file, url: data.image_url };
    return data.image_url;
  }
  return $("image-url").value.trim() || undefined;
}

// ---- the form -----------------------------------------------------------------------------

// A number when the text is one, else the text itself: the server then names the rule it breaks.
function numberOrText(text) {
  const trimmed = text.trim();
  return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
}

function readFields() {
  const fields = {
    resolution: $("resolution").value,
    duration: Number($("duration").value),
    fps: Number($("fps").value),
    cfg_scale: numberOrText($("cfg-scale").value),
    generate_audio: $("generate-audio").checked,
  };
  const prompt = $("prompt").value.trim();
  const negative = $("negative-prompt").value.trim();
  const audioPrompt = $("audio-prompt").value.trim();
  const seed = $("seed").value.trim();
  if (prompt) fields.prompt = prompt;
  if (negative) fields.negative_prompt = negative;
  if (fields.generate_audio && audioPrompt) fields.audio_prompt = audioPrompt;
  if (seed) fields.seed = numberOrText(seed);
  return fields;
}

function fillForm(fields) {
  $("prompt").value = fields.prompt || "";
  $("negative-prompt").value = fields.negative_prompt || "";
  $("resolution").value = fields.resolution;
  $("duration").value = String(fields.duration);
  $("fps").value = String(fields.fps);
  $("cfg-scale").value = String(fields.cfg_scale);
  $("seed").value = fields.seed === undefined ? "" : String(fields.seed);
  $("generate-audio").checked = !!fields.generate_audio;
  $("audio-prompt").value = fields.audio_prompt || "";
  syncAudio();
  describeAspect();
}

function cost() {
  const credits = Number($("duration").value) * ($("resolution").value === "1080p" ? 2 : 1) +
    ($("generate-audio").checked ? 1 : 0);
  return `${credits} credit${credits === 1 ? "" : "s"}`;
}

function syncAudio() {
  $("audio-prompt").disabled = !$("generate-audio").checked;
  $("cost").textContent = `Costs ${cost()}.`;
}

function rememberSettings(taskId, settings) {
  const all = JSON.parse(localStorage.getItem(SETTINGS_STORE) || "{}");
  all[taskId] = settings;
  const ids = Object.keys(all);
  for (const old of ids.slice(0, Math.max(0, ids.length - SETTINGS_KEPT))) delete all[old];
  localStorage.setItem(SETTINGS_STORE, JSON.stringify(all));
}

function settingsOf(taskId) {
  return JSON.parse(localStorage.getItem(SETTINGS_STORE) || "{}")[taskId];
}

async function create(fields, imageSource) {
  const button = $("generate");
  button.disabled = true;
  button.textContent = "Sending…";
  try {
    const image_url = imageSource !== undefined ? imageSource : await imageUrl();
    const created = await api("/videos/image2video", { method: "POST", json: { model_name: MODEL, image_url, ...fields } });
    rememberSettings(created.task_id, { ...fields, image_url });
    openTask(created.task_id);
    $("task").scrollIntoView({ behavior: "smooth", block: "nearest" });
    refreshHistory();
  } catch (error) {
    showError(error, "submit");
  } finally {
    button.disabled = false;
    button.textContent = "Generate";
  }
}

function onSubmit(event) {
  event.preventDefault();
  clearErrors();
  create(readFields());
}

function sameSettingsNewSeed() {
  const settings = settingsOf(current.id);
  if (!settings) return;
  const { image_url, ...fields } = settings;
  fields.seed = Math.floor(Math.random() * (MAX_SEED + 1));
  fillForm(fields);
  clearErrors();
  create(fields, image_url);
}

// ---- one task, live -----------------------------------------------------------------------

const current = { id: null, timer: null };

function openTask(taskId) {
  clearTimeout(current.timer);
  current.id = taskId;
  // A failed task's reason is shown next to its cause (the image, a prompt): clear the last one's.
  clearErrors(...Object.keys(SLOTS).filter((slot) => slot !== "key" && slot !== "history"));
  const player = $("player");
  player.hidden = true;
  player.removeAttribute("src");
  player.load();
  hideLatentPreview();
  $("notes-box").hidden = true;
  $("done-actions").hidden = true;
  $("task").hidden = false;
  $("task-status").textContent = "Loading…";
  setProgress(0);
  markCurrentInHistory();
  poll(taskId);
}

async function poll(taskId) {
  try {
    const task = await api(`/videos/image2video/${encodeURIComponent(taskId)}`);
    if (taskId !== current.id) return;
    clearErrors("task");
    renderTask(task);
    if (!TERMINAL.has(task.status)) current.timer = setTimeout(() => poll(taskId), POLL_MS);
    else refreshHistory();
  } catch (error) {
    if (taskId !== current.id) return;
    showError(error, "task");
    if ([0, 1303, 5000, 5001].includes(error.code)) current.timer = setTimeout(() => poll(taskId), RETRY_MS);
  }
}

function setProgress(percent) {
  const bar = $("progress");
  bar.setAttribute("aria-valuenow", String(percent));
  bar.querySelector(".bar").style.width = `${percent}%`;
}

function statusLine(task) {
  switch (task.status) {
    case "TASK_PENDING":
      return task.queue_position ? `Waiting in the queue: position ${task.queue_position}.` : "Waiting in the queue.";
    case "TASK_PROCESSING":
      return `Rendering… ${task.progress}%`;
    case "TASK_SUCCEEDED":
      return "Ready.";
    default:
      return task.cancelled ? "Cancelled." : `Failed: ${task.message}`;
  }
}

function renderTask(task) {
  const running = !TERMINAL.has(task.status);
  $("task-status").textContent = statusLine(task);
  $("task").dataset.status = task.status;
  setProgress(task.status === "TASK_SUCCEEDED" ? 100 : task.progress);
  $("progress-wrap").hidden = !running;
  $("cancel").hidden = !running;
  renderNotes(task.notes);
  if (task.status === "TASK_FAILED" && !task.cancelled && task.failure_code) {
    showError(new ApiError(0, task.failure_code, task.message), "task");
  }
  if (task.status === "TASK_PROCESSING") showLatentPreview(task.task_id);
  else hideLatentPreview();
  if (task.status === "TASK_SUCCEEDED" && task.video_url) renderVideo(task);
}

// The running task's latent preview (models served with "preview": true); 404 when there is none.
async function showLatentPreview(taskId) {
  let response;
  try {
    response = await fetch(`${API}/videos/image2video/${encodeURIComponent(taskId)}/preview`,
                           { headers: { Authorization: `Bearer ${apiKey()}` } });
  } catch {
    return; // optional: the status line and the bar still say how far it got
  }
  if (!response.ok || taskId !== current.id || !$("player").hidden) return; // the video came first
  const image = $("latent-preview");
  if (image.dataset.url) URL.revokeObjectURL(image.dataset.url);
  image.dataset.url = URL.createObjectURL(await response.blob());
  image.src = image.dataset.url;
  image.hidden = false;
}

function hideLatentPreview() {
  const image = $("latent-preview");
  if (image.dataset.url) URL.revokeObjectURL(image.dataset.url);
  delete image.dataset.url;
  image.removeAttribute("src");
  image.hidden = true;
}

function renderNotes(notes) {
  const box = $("notes-box");
  const list = $("notes");
  list.replaceChildren(...(Array.isArray(notes) ? notes : []).map((note) => {
    const item = document.createElement("li");
    item.textContent = note;
    return item;
  }));
  box.hidden = list.children.length === 0;
}

function renderVideo(task) {
  const player = $("player");
  if (player.getAttribute("src") !== task.video_url) {
    player.src = task.video_url;
    player.hidden = false;
    player.play().catch(() => { /* autoplay refused: the controls are there */ });
  }
  const download = $("download");
  download.href = task.video_url;
  download.setAttribute("download", `stillmotion-${task.task_id}.mp4`);
  $("again").hidden = !settingsOf(task.task_id);
  const seconds = task.completed_at && task.created_at ? task.completed_at - task.created_at : null;
  $("task-meta").textContent = `Seed ${task.seed}` + (seconds !== null ? ` · made in ${seconds} s` : "");
  $("done-actions").hidden = false;
}

async function cancelTask() {
  const button = $("cancel");
  button.disabled = true;
  clearErrors("task");
  try {
    renderTask(await api(`/videos/image2video/${encodeURIComponent(current.id)}/cancel`, { method: "POST" }));
    refreshHistory();
  } catch (error) {
    showError(error, "task");
  } finally {
    button.disabled = false;
  }
}

// ---- history ------------------------------------------------------------------------------

function since(unixSeconds) {
  const seconds = Math.max(0, Math.round(Date.now() / 1000 - unixSeconds));
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(unixSeconds * 1000).toLocaleDateString();
}

const STATUS_WORDS = {
  TASK_PENDING: "queued", TASK_PROCESSING: "rendering", TASK_SUCCEEDED: "ready", TASK_FAILED: "failed",
};

function historyItem(task) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "history-item";
  button.dataset.taskId = task.task_id;
  const thumb = document.createElement("span");
  thumb.className = "thumb";
  const settings = settingsOf(task.task_id);
  if (task.video_url) {
    // The first frame as the thumbnail: the browser fetches only the start of the file.
    const video = document.createElement("video");
    video.muted = true;
    video.preload = "metadata";
    video.src = `${task.video_url}#t=0.001`;
    video.setAttribute("aria-hidden", "true");
    video.tabIndex = -1;
    thumb.append(video);
  } else if (settings && settings.image_url) {
    const picture = document.createElement("img"); // not rendered yet (or failed): the input image
    picture.src = settings.image_url;
    picture.alt = "";
    thumb.append(picture);
  }
  const word = task.cancelled ? "cancelled" : STATUS_WORDS[task.status];
  const badge = document.createElement("span");
  badge.className = `badge ${word}`;
  badge.textContent = task.status === "TASK_PROCESSING" ? `${word} ${task.progress}%` : word;
  const text = document.createElement("span");
  text.className = "history-text";
  const prompt = document.createElement("span");
  prompt.className = "history-prompt";
  prompt.textContent = (settings && settings.prompt) || task.enhanced_prompt || "(no prompt)";
  const when = document.createElement("span");
  when.className = "help";
  when.textContent = since(task.created_at);
  text.append(prompt, badge, when);
  button.append(thumb, text);
  button.setAttribute("aria-label", `Open the ${word} video from ${when.textContent}: ${prompt.textContent}`);
  button.addEventListener("click", () => {
    openTask(task.task_id);
    $("task").scrollIntoView({ behavior: "smooth", block: "start" });
  });
  item.append(button);
  return item;
}

function markCurrentInHistory() {
  for (const button of document.querySelectorAll(".history-item")) {
    if (button.dataset.taskId === current.id) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
}

async function refreshHistory() {
  if (!apiKey()) return;
  clearErrors("history");
  try {
    const page = await api(`/videos/image2video?limit=${HISTORY_SIZE}`);
    $("history-list").replaceChildren(...page.tasks.map(historyItem));
    $("history-empty").textContent = "No videos yet: make your first one.";
    $("history-empty").hidden = page.tasks.length > 0;
    clearErrors("key");
    markCurrentInHistory();
  } catch (error) {
    showError(error, "history");
  }
}

// ---- wiring -------------------------------------------------------------------------------

function wireDrop() {
  const zone = $("drop");
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (!file) return;
    const transfer = new DataTransfer();
    transfer.items.add(file);
    $("image-file").files = transfer.files;
    chooseFile(file);
  });
}

function start() {
  const key = $("api-key");
  key.value = localStorage.getItem(KEY_STORE) || "";
  key.addEventListener("input", () => localStorage.setItem(KEY_STORE, key.value.trim()));
  key.addEventListener("change", () => {
    clearErrors("key");
    refreshHistory();
  });
  $("key-toggle").addEventListener("click", (event) => {
    const shown = key.type === "text";
    key.type = shown ? "password" : "text";
    event.currentTarget.textContent = shown ? "Show" : "Hide";
    event.currentTarget.setAttribute("aria-pressed", String(!shown));
  });
  $("image-file").addEventListener("change", (event) => chooseFile(event.target.files[0]));
  $("image-url").addEventListener("change", (event) => {
    clearErrors("image");
    image.file = null;
    $("image-file").value = "";
    showPreview(event.target.value.trim() || null);
  });
  wireDrop();
  $("resolution").addEventListener("change", () => { describeAspect(); syncAudio(); });
  $("duration").addEventListener("change", syncAudio);
  $("generate-audio").addEventListener("change", syncAudio);
  for (const [slot, id] of Object.entries(SLOT_INPUTS)) {
    if (slot !== "key") $(id).addEventListener("input", () => clearErrors(slot));
  }
  $("create").addEventListener("submit", onSubmit);
  $("cancel").addEventListener("click", cancelTask);
  $("again").addEventListener("click", sameSettingsNewSeed);
  $("refresh").addEventListener("click", refreshHistory);
  syncAudio();
  refreshHistory();
}

document.addEventListener("DOMContentLoaded", start);
