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

  const seconds = await get(`/api/races/${encodeURIComponent(chosenEvent)}/timeline`);
  const points = seconds.map(s => ({ second: s.second, issued: s.issued, ...s.answers }));
  drawLines($("timeline"), points, series, 260);
}

/** A line per series over the seconds of the timeline, with a y axis from 0 to the largest value. */
function drawLines(svg, points, lines, height) {
  const width = 1000, left = 44, bottom = 18, top = 8;
  const max = Math.max(1, ...points.flatMap(p => lines.map(l => p[l.key] ?? 0)));
  const x = i => left + (width - left - 6) * i / Math.max(1, points.length - 1);
  const y = v => top + (height - top - bottom) * (1 - v / max);
  let out = `<line class="axis" x1="${left}" y1="${y(0)}" x2="${width}" y2="${y(0)}"/>`;
  out += `<text x="4" y="${top + 10}">${number(max)}</text><text x="4" y="${y(0)}">0</text>`;
  const step = Math.max(1, Math.ceil(points.length / 8));
  for (let i = 0; i < points.length - step / 2; i += step) {
    out += `<text x="${x(i) - 22}" y="${height - 4}">${new Date(points[i].second * 1000).toLocaleTimeString("en-GB", { hour12: false })}</text>`;
  }
  for (const line of lines) {
    const path = points.map((p, i) => `${x(i).toFixed(1)},${y(p[line.key] ?? 0).toFixed(1)}`);
    if (path.length) out += `<polyline fill="none" stroke="${line.color}" stroke-width="2" vector-effect="non-scaling-stroke" points="${path.join(" ")}"/>`;
  }
  svg.innerHTML = out;
}

refresh();
setInterval(refresh, 1000);
