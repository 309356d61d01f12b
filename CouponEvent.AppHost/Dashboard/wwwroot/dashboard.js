// The CouponEvent dashboard: plain JavaScript, no build step. Each tab polls the AppHost's JSON API once a second.
"use strict";

const $ = id => document.getElementById(id);
const number = n => n == null ? "–" : n.toLocaleString("en-US");
const escape = text => String(text ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const ms = value => value < 1 ? `${(value * 1000).toFixed(0)} µs` : value < 1000 ? `${value.toFixed(1)} ms` : `${(value / 1000).toFixed(2)} s`;
const clock = unixMs => new Date(unixMs).toLocaleTimeString("en-GB", { hour12: false }) + "." + String(Math.floor(unixMs % 1000)).padStart(3, "0");

async function get(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

// ---- Tabs -------------------------------------------------------------------------------------------------------
const tabs = { race: refreshRace, resources: refreshResources, traces: refreshTraces, metrics: refreshMetrics };
let current = "race";

function show() {
  current = (location.hash.slice(1).split("/")[0]) || "race";
  if (!tabs[current]) current = "race";
  for (const name of Object.keys(tabs)) $(name).hidden = name !== current;
  // #traces/{traceId} opens that trace: a link to one application's journey.
  const linked = location.hash.match(/^#traces\/([0-9a-f]{32})$/);
  if (linked && linked[1] !== openTrace) openTraceDetail(linked[1]);
  document.querySelectorAll("nav a").forEach(a => a.classList.toggle("active", a.dataset.tab === current));
  refresh();
}

async function refresh() {
  try {
    await tabs[current]();
    $("status").textContent = `live · ${new Date().toLocaleTimeString("en-GB", { hour12: false })}`;
    $("status").classList.remove("down");
  } catch (error) {
    $("status").textContent = `no answer from the AppHost (${error.message})`;
    $("status").classList.add("down");
  }
}

// ---- Race -------------------------------------------------------------------------------------------------------
let chosenEvent = null;

const series = [
  { key: "admitted", label: "202 admitted", color: "var(--admitted)" },
  { key: "issued", label: "issued (rows)", color: "var(--issued)" },
  { key: "duplicate", label: "409 duplicate", color: "var(--duplicate)" },
  { key: "soldOut", label: "410 sold out", color: "var(--sold-out)" },
  { key: "unavailable", label: "503 unavailable", color: "var(--unavailable)" },
  { key: "other", label: "other", color: "var(--other)" },
];
$("legend").innerHTML = series.map(s => `<span><i style="background:${s.color}"></i>${s.label}</span>`).join("");

$("event-select").addEventListener("change", e => { chosenEvent = e.target.value; refresh(); });

async function refreshRace() {
  const board = await get("/api/races");
  $("race-problem").textContent = board.problem ? `servers not readable yet: ${board.problem}` : "";
  const select = $("event-select");
  const ids = board.races.map(r => r.race.eventId);
  if (select.dataset.ids !== ids.join(",")) {
    select.innerHTML = board.races.map(r => `<option value="${escape(r.race.eventId)}">${escape(r.race.eventId)} · ${escape(r.race.name)}</option>`).join("");
    select.dataset.ids = ids.join(",");
  }
  if (!chosenEvent || !ids.includes(chosenEvent)) chosenEvent = ids[0] ?? null;
  select.value = chosenEvent ?? "";
  const entry = board.races.find(r => r.race.eventId === chosenEvent);
  if (!entry) { $("counters").innerHTML = `<p class="muted">No event yet: create one with POST /api/events.</p>`; return; }

  const race = entry.race;
  const counters = [
    ["quantity", "Quantity", race.quantity], ["admitted", "Admitted (202)", race.admitted], ["issued", "Issued", race.issued],
    ["remaining", "Remaining", race.remaining], ["duplicate", "409 duplicate", entry.duplicates], ["sold-out", "410 sold out", entry.soldOut],
    ["unavailable", "503 unavailable", entry.unavailable], ["retrying", "Retrying", race.retrying], ["parked", "Failed (parked)", race.parked],
    ["refused", "Refused over quantity", race.refused],
  ];
  $("counters").innerHTML = counters.map(([key, label, value]) =>
    `<div class="counter ${key}"><div class="value" data-testid="${key}">${number(value)}</div><div class="label">${label}</div></div>`).join("");
  $("progress-admitted").style.width = `${Math.min(100, 100 * race.admitted / race.quantity)}%`;
  $("progress-issued").style.width = `${Math.min(100, 100 * race.issued / race.quantity)}%`;

  const points = await get(`/api/races/${encodeURIComponent(chosenEvent)}/timeline`);
  drawLines($("timeline"), points, series, 260);
  drawLines($("lag"), points, [{ key: "lag", color: "var(--issued)" }], 100);
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
    const path = points.map((p, i) => p[line.key] == null ? null : `${x(i).toFixed(1)},${y(p[line.key]).toFixed(1)}`).filter(Boolean);
    if (path.length) out += `<polyline fill="none" stroke="${line.color}" stroke-width="2" vector-effect="non-scaling-stroke" points="${path.join(" ")}"/>`;
  }
  svg.innerHTML = out;
}

// ---- Resources --------------------------------------------------------------------------------------------------
let logsOf = null;

async function refreshResources() {
  const resources = await get("/api/resources");
  $("resource-rows").innerHTML = resources.map(r => `<tr>
      <td>${escape(r.name)}</td><td>${escape(r.type)}</td><td><span class="badge ${escape(r.state)}">${escape(r.state)}</span></td>
      <td><span class="badge ${escape(r.health)}">${escape(r.health)}</span></td><td class="num">${r.pid ?? "–"}</td>
      <td>${r.url?.startsWith("http") ? `<a href="${escape(r.url)}/health" target="_blank">${escape(r.url)}</a>` : escape(r.url ?? "")}</td>
      <td class="num">${r.restarts}</td><td><button data-logs="${escape(r.name)}">Logs</button></td></tr>`).join("");
  if (logsOf) {
    const lines = await get(`/api/resources/${encodeURIComponent(logsOf)}/logs`);
    const box = $("log-lines"), atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    box.textContent = lines.map(l => `${new Date(l.time).toLocaleTimeString("en-GB", { hour12: false })}  ${l.line}`).join("\n") || "(nothing printed yet)";
    if (atEnd) box.scrollTop = box.scrollHeight;
  }
}

$("resource-rows").addEventListener("click", e => {
  const name = e.target.dataset?.logs;
  if (!name) return;
  logsOf = name;
  $("log-title").textContent = `Logs of ${name} (last 300 lines)`;
  $("log-title").hidden = $("log-lines").hidden = false;
  refresh();
});

// ---- Traces -----------------------------------------------------------------------------------------------------
let openTrace = null;
let shownSpans = 0;
let queryTimer = null;

$("trace-query").addEventListener("input", () => { clearTimeout(queryTimer); queryTimer = setTimeout(refresh, 250); });

async function refreshTraces() {
  const query = $("trace-query").value.trim();
  const traces = await get(`/api/traces?q=${encodeURIComponent(query)}`);
  $("trace-rows").innerHTML = traces.map(t => `<tr data-trace="${t.traceId}" class="${t.traceId === openTrace ? "selected" : ""}">
      <td>${clock(t.startMs)}</td><td title="${t.traceId}">${escape(t.name)}</td><td>${t.services.map(escape).join(", ")}</td>
      <td>${escape(t.userId ?? "")}</td><td>${t.outcome ? `<span class="badge ${escape(t.outcome)}">${escape(t.outcome)}</span>` : t.error ? `<span class="badge error">error</span>` : ""}</td>
      <td class="num">${t.spans}</td><td class="num">${ms(t.durationMs)}</td></tr>`).join("")
    || `<tr><td colspan="7" class="muted">${query ? "No trace in the window matches." : "No traces yet."}</td></tr>`;
  // An open trace grows while its application travels (the consumer's spans arrive a second or so later).
  if (openTrace) {
    const trace = await get(`/api/traces/${openTrace}`).catch(() => null);
    if (trace && trace.spans.length !== shownSpans) await openTraceDetail(openTrace);
  }
}

$("trace-rows").addEventListener("click", e => {
  const row = e.target.closest("tr[data-trace]");
  if (row) openTraceDetail(row.dataset.trace);
});

async function openTraceDetail(traceId) {
  openTrace = traceId;
  const detail = $("trace-detail");
  let trace;
  try {
    trace = await get(`/api/traces/${traceId}`);
  } catch {
    detail.innerHTML = `<p class="muted">Trace ${escape(traceId)} is no longer in the window.</p>`;
    return;
  }
  shownSpans = trace.spans.length;
  const start = Math.min(...trace.spans.map(s => s.startMs));
  const end = Math.max(...trace.spans.map(s => s.startMs + s.durationMs));
  const total = Math.max(end - start, 0.001);
  const ids = new Set(trace.spans.map(s => s.spanId));
  const children = new Map();
  for (const span of trace.spans) {
    const parent = ids.has(span.parentSpanId) ? span.parentSpanId : "";
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(span);
  }
  const rows = [];
  (function walk(parent, depth) {
    for (const span of children.get(parent) ?? []) { rows.push([span, depth]); walk(span.spanId, depth + 1); }
  })("", 0);

  const linked = [...new Set(trace.spans.flatMap(s => s.linkedTraceIds))];
  detail.innerHTML = `<h3>Trace <a href="#traces/${traceId}"><code>${traceId}</code></a> · ${ms(total)} · ${trace.spans.length} spans</h3>
    <div class="waterfall" data-testid="waterfall">${rows.map(([s, depth]) => {
      const left = 100 * (s.startMs - start) / total, width = Math.max(0.3, 100 * s.durationMs / total);
      return `<div class="name" style="padding-left:${depth * 14}px" data-span="${s.spanId}" title="${escape(s.name)}"><span class="service">${escape(s.service)}</span>${escape(s.name)}</div>
        <div class="track"><div class="span-bar ${escape(s.service)}${s.error ? " error" : ""}" style="left:${left}%;width:${width}%"></div>
        <span class="duration" style="${left + width > 80 ? `right:${100 - left}%` : `left:${left + width}%`}">${ms(s.durationMs)}</span></div>`;
    }).join("")}</div>
    ${linked.length ? `<p class="muted">Linked: ${linked.map(id => `<a href="#traces" data-open="${id}">batch trace ${id.slice(0, 8)}…</a>`).join(", ")}</p>` : ""}
    <div id="span-attributes" class="attributes"></div>
    ${trace.logs.length ? `<h3>Logs</h3><pre class="logs">${trace.logs.map(l => `${clock(l.timeMs)} ${escape(l.service)} ${escape(l.severity)}: ${escape(l.message)}`).join("\n")}</pre>` : ""}`;
  detail.hidden = false;
  detail.querySelectorAll("[data-span]").forEach(el => el.addEventListener("click", () => showSpan(trace.spans.find(s => s.spanId === el.dataset.span))));
  detail.querySelectorAll("[data-open]").forEach(el => el.addEventListener("click", e => { e.preventDefault(); openTraceDetail(el.dataset.open); }));
  showSpan(rows[0]?.[0]);
  document.querySelectorAll("#trace-rows tr").forEach(tr => tr.classList.toggle("selected", tr.dataset.trace === traceId));
}

function showSpan(span) {
  if (!span) return;
  const fields = { span: span.name, service: span.service, kind: span.kind, duration: ms(span.durationMs), status: span.error ? `error ${span.statusMessage}` : "ok", ...span.attributes };
  $("span-attributes").innerHTML = `<table>${Object.entries(fields).map(([k, v]) => `<tr><td>${escape(k)}</td><td>${escape(v)}</td></tr>`).join("")}</table>`;
}

// ---- Metrics ----------------------------------------------------------------------------------------------------
async function refreshMetrics() {
  const metrics = await get("/api/metrics");
  $("metric-rows").innerHTML = metrics.flatMap(m => m.series.map((s, i) => `<tr>
      <td>${i === 0 ? escape(m.service) : ""}</td><td title="${escape(m.description)}">${i === 0 ? escape(m.name) : ""}</td><td>${i === 0 ? escape(m.kind) : ""}</td>
      <td>${escape(s.attributes)}</td><td class="num">${s.count != null ? `mean ${s.value.toFixed(2)} ${escape(m.unit)} (n=${number(s.count)})` : `${number(Math.round(s.value * 100) / 100)} ${escape(m.unit)}`}</td></tr>`)).join("");
}

window.addEventListener("hashchange", show);
show();
setInterval(refresh, 1000);
