// The image generator page: builds a task from the form, sends it to the bridge's API with the
// page's key, follows it, and shows the images. Plain JavaScript, no libraries.
"use strict";

const KEY = document.querySelector('meta[name="hydrogen-key"]').content;
const STEPS = { queued: 1, submitting: 2, created: 3, running: 4, succeeded: 5 };
const FINAL = ["succeeded", "failed", "aborted", "cancelled"];
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const headers = Object.assign({ Authorization: "Bearer " + KEY }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (!response.ok) {
    let body = {};
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    const error = new Error(body.error || response.status + " " + response.statusText);
    error.details = body.errors || [];
    throw error;
  }
  return response;
}

function number(id) {
  const value = $(id).value.trim();
  return value === "" ? null : Number(value);
}

function buildTask() {
  const model = $("model").value === "custom" ? $("custom-model").value.trim() : $("model").value;
  const [width, height] = $("size").value.split("x").map(Number);
  const seed = number("seed") ?? Math.floor(Math.random() * 2147483647);
  const task = {
    version: "2.5.0",
    base_model: model,
    prompt: $("prompt").value,
    negative_prompt: $("negative-prompt").value,
    task_config: {
      num_images: number("num-images"),
      seed: seed,
      steps: number("steps"),
      cfg: number("cfg"),
      image_width: width,
      image_height: height,
      safety_checker: false,
    },
  };
  const lora = $("lora").value.trim();
  if (lora !== "") {
    task.lora = { model: lora, weight: number("lora-weight") };
  }
  return task;
}

function showErrors(message, details) {
  const box = $("errors");
  box.replaceChildren();
  const p = document.createElement("p");
  p.textContent = message;
  box.append(p);
  if (details && details.length) {
    const list = document.createElement("ul");
    for (const d of details) {
      const li = document.createElement("li");
      li.textContent = (d.field ? d.field + ": " : "") + d.message;
      list.append(li);
    }
    box.append(list);
  }
  box.hidden = false;
}

function showProgress(task) {
  $("progress-section").hidden = false;
  $("progress-text").textContent = task.progress.message;
  const step = STEPS[task.status] ?? 5;
  $("progress-bar").value = step;
  $("progress-bar").textContent = step + " of 5";
}

function describe(task) {
  const c = task.task.task_config;
  const model = typeof task.task.base_model === "string" ? task.task.base_model : task.task.base_model.name;
  let text = `“${task.task.prompt}” · ${model} · ${c.image_width}×${c.image_height} · ${c.steps} steps · CFG ${c.cfg} · seed ${c.seed}`;
  if (task.task.negative_prompt) text += ` · negative: “${task.task.negative_prompt}”`;
  if (task.task.lora) text += ` · LoRA ${task.task.lora.model} at ${task.task.lora.weight}%`;
  return text;
}

async function showImages(task) {
  $("result").hidden = false;
  $("result-params").textContent = describe(task);
  const gallery = $("gallery");
  gallery.replaceChildren();
  for (let n = 0; n < task.images.length; n++) {
    const blob = await (await api(task.images[n])).blob();
    const url = URL.createObjectURL(blob);
    const figure = document.createElement("figure");
    const img = document.createElement("img");
    img.src = url;
    img.alt = `Image ${n + 1} of ${task.images.length}: ${task.task.prompt}`;
    const caption = document.createElement("figcaption");
    const label = document.createElement("span");
    label.textContent = `Image ${n + 1}`;
    const download = document.createElement("a");
    download.href = url;
    download.download = `hydrogen-${task.id}-${n}.png`;
    download.className = "button secondary";
    download.textContent = "Download";
    download.setAttribute("aria-label", `Download image ${n + 1}`);
    caption.append(label, download);
    figure.append(img, caption);
    gallery.append(figure);
  }
}

async function follow(id) {
  for (;;) {
    const task = await (await api("/v1/tasks/" + encodeURIComponent(id))).json();
    showProgress(task);
    if (FINAL.includes(task.status)) return task;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function show(id) {
  const task = await follow(id);
  if (task.status === "succeeded") {
    await showImages(task);
  } else {
    showErrors(`The generation ${task.status}: ${task.reason || "no reason given"}.`);
  }
  return task;
}

async function generate(event) {
  event.preventDefault();
  $("errors").hidden = true;
  if ($("prompt").value.trim() === "") {
    showErrors("Type a prompt first.");
    $("prompt").focus();
    return;
  }
  const button = $("generate-button");
  button.disabled = true;
  button.textContent = "Generating…";
  try {
    const response = await api("/v1/tasks", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(buildTask()),
    });
    const created = await response.json();
    $("result").hidden = true;
    await show(created.id);
  } catch (e) {
    showErrors(e.message, e.details);
  } finally {
    button.disabled = false;
    button.textContent = "Generate";
    loadHistory();
  }
}

async function loadHistory() {
  let tasks = [];
  try {
    tasks = (await (await api("/v1/tasks?limit=20")).json()).tasks;
  } catch (e) {
    return;
  }
  $("history-empty").hidden = tasks.length > 0;
  const list = $("history");
  list.replaceChildren();
  for (const task of tasks) {
    const li = document.createElement("li");
    const what = document.createElement("span");
    what.className = "what";
    what.textContent = `${new Date(task.created_at).toLocaleString()} · ${describe(task)}`;
    const status = document.createElement("span");
    status.className = "status " + task.status;
    status.textContent = task.status;
    li.append(what, status);
    if (task.status === "succeeded") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = "Show";
      button.setAttribute("aria-label", "Show the images of " + task.task.prompt);
      button.addEventListener("click", () => showImages(task).then(() => $("result-title").scrollIntoView()));
      li.append(button);
    }
    list.append(li);
  }
}

$("model").addEventListener("change", () => {
  const custom = $("model").value === "custom";
  $("custom-model-field").hidden = !custom;
  if (custom) $("custom-model").focus();
  if ($("model").value.includes("xl")) $("size").value = "1024x1024";
});
$("generate").addEventListener("submit", generate);
loadHistory();
