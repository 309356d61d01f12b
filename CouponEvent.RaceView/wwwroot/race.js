// The race view: plain JavaScript, no build step. Polls the race view's JSON API once a second.
"use strict";

const $ = id => document.getElementById(id);
const number = n => n == null ? "–" : n.toLocaleString("en-US");
const escape = text => String(text ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// Outside Development the race view's data is for operators: a bearer token with the scope couponevent.admin, asked
// for once and kept for this tab only. In Development (the local stack) nothing is asked.
let askedForToken = false;
async function get(path) {
  const headers = sessionStorage.getItem("token") ? { Authorization: `Bearer ${sessionStorage.getItem("token")}` } : {};
  const response = await fetch(path, { cache: "no-store", headers });
  if ((response.status === 401 || response.status === 403) && !askedForToken) {
    askedForToken = true;
    const token = prompt("The race view is for operators: paste an access token with the scope couponevent.admin.");
    if (token) {
      sessionStorage.setItem("token", token.trim());
      askedForToken = false;
      return get(path);
    }
  }
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

// The outcomes ApplyApi counts per event (coupon.applications), as the race view's API names them; then the rows.
const cssName = key => key.replaceAll("_", "-");
let series = [];
function chooseSeries(outcomes) {
  if (series.length) return;
  series = [...outcomes.map(o => ({ key: o.key, label: o.label, color: `var(--${cssName(o.key)}, var(--other))` })),
    { key: "issued", label: "issued (rows)", color: "var(--issued)" }];
  $("legend").innerHTML = series.map(s => `<span><i style="background:${s.color}"></i>${s.label}</span>`).join("");
}

let chosenEvent = new URLSearchParams(location.search).get("event");
$("event-select").addEventListener("change", e => { chosenEvent = e.target.value; refresh(); });

async function refresh() {
  try {
    await refreshRace();
    $("status").textContent = `live · ${new Date().toLocaleTimeString("en-GB", { hour12: false })}`;
    $("status").classList.remove("down");
  } catch (error) {
    $("status").textContent = `no answer (${error.message})`;
    $("status").classList.add("down");
  }
}

async function refreshRace() {
  const board = await get("/api/races");
  chooseSeries(board.outcomes);
  $("race-problem").textContent = board.problem ? `servers not readable yet: ${board.problem}` : "";
  const select = $("event-select");
  const ids = board.races.map(r => r.eventId);
  if (select.dataset.ids !== ids.join(",")) {
    select.innerHTML = board.races.map(r => `<option value="${escape(r.eventId)}">${escape(r.eventId)} · ${escape(r.name)}</option>`).join("");
    select.dataset.ids = ids.join(",");
  }
  if (!chosenEvent || !ids.includes(chosenEvent)) chosenEvent = ids[0] ?? null;
  select.value = chosenEvent ?? "";
  const race = board.races.find(r => r.eventId === chosenEvent);
  if (!race) { $("counters").innerHTML = `<p class="muted">No event yet: create one with POST /api/events, or press "Run the course's race" on applyapi in the dashboard.</p>`; return; }

  const answers = race.answers ?? {};
  const refusals = board.outcomes.filter(o => o.status >= 400).map(o => [cssName(o.key), o.label, answers[o.key] ?? 0]);
  const counters = [
    ["quantity", "Quantity", race.quantity], ["admitted", "Admitted", race.admitted], ["issued", "Issued", race.issued],
    ["remaining", "Remaining", race.remaining], ...refusals, ["retrying", "Retrying", race.retrying], ["parked", "Failed (parked)", race.parked],
    ["refused", "Refused over quantity", race.refused], ["from-redis", "Issued from Redis", race.issuedFromRedis],
  ];
  $("counters").innerHTML = counters.map(([key, label, value]) =>
    `<div class="counter ${key}"><div class="value" data-testid="${key}">${number(value)}</div><div class="label">${label}</div></div>`).join("");
  $("progress-admitted").style.width = `${Math.min(100, 100 * race.admitted / race.quantity)}%`;
  $("progress-issued").style.width = `${Math.min(100, 100 * race.issued / race.quantity)}%`;

  const timeline = await get(`/api/races/${encodeURIComponent(chosenEvent)}/timeline`);
  drawTimeline($("timeline"), timeline, series, 260);
}

const duration = ms => ms < 1000 ? `${ms} ms` : ms < 60000 ? `${ms / 1000} s` : ms < 3600000 ? `${ms / 60000} min` : `${ms / 3600000} h`;

/**
 * The race from its first answer or coupon row to its last, a line per series over the timeline's buckets; the y axis
 * counts per bucket, the x axis the time since the race's start. The chart's totals are on the element for tests.
 */
function drawTimeline(svg, timeline, lines, height) {
  const width = 1000, left = 64, right = 12, bottom = 40, top = 12;
  const points = timeline.buckets.map(b => ({ at: b.at, issued: b.issued, ...b.answers }));
  const plotted = lines.filter(l => points.some(p => p[l.key]));
  const max = Math.max(1, ...points.flatMap(p => plotted.map(l => p[l.key] ?? 0)));
  const x = i => left + (width - left - right) * i / Math.max(1, points.length - 1);
  const y = v => top + (height - top - bottom) * (1 - v / max);
  svg.dataset.issued = points.reduce((sum, p) => sum + p.issued, 0);
  svg.dataset.buckets = points.length;
  svg.dataset.bucketMs = timeline.bucketMilliseconds;
  $("per-bucket").textContent = `per ${duration(timeline.bucketMilliseconds)}`;
  if (!points.length) { svg.innerHTML = `<text x="${width / 2 - 80}" y="${height / 2}">No answers yet</text>`; return; }

  let out = "";
  for (const v of [0, Math.round(max / 2), max]) {
    out += `<line class="gridline" x1="${left}" y1="${y(v)}" x2="${width - right}" y2="${y(v)}"/>`;
    out += `<text class="tick" x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${number(v)}</text>`;
  }
  const start = points[0].at;
  const step = Math.max(1, Math.ceil(points.length / 10));
  for (let i = 0; i < points.length && x(i) < width - right - 24; i += step) {
    out += `<text class="tick" x="${x(i)}" y="${height - bottom + 16}" text-anchor="middle">+${duration(points[i].at - start)}</text>`;
  }
  const clock = new Date(start).toLocaleTimeString("en-GB", { hour12: false });
  out += `<text class="axis-title" x="${left + (width - left) / 2}" y="${height - 4}" text-anchor="middle">time since ${clock}</text>`;
  out += `<text class="axis-title" transform="translate(14 ${top + (height - top - bottom) / 2}) rotate(-90)" text-anchor="middle">per ${duration(timeline.bucketMilliseconds)}</text>`;
  for (const line of plotted) {
    const path = points.map((p, i) => `${x(i).toFixed(1)},${y(p[line.key] ?? 0).toFixed(1)}`);
    out += `<polyline fill="none" stroke="${line.color}" stroke-width="2" vector-effect="non-scaling-stroke" points="${path.join(" ")}"/>`;
  }
  svg.innerHTML = out;
}

refresh();
setInterval(refresh, 1000);
