// The inspector page: chat with the engine, and see each turn, the state and the domain's picture.
// Every value from the engine is shown with textContent: nothing from a conversation is read as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const inspector = { sessionId: null, turns: [], selected: -1, replaying: false };
window.inspectorTimings = [];  // per turn: the page's time from send to shown, and the engine's own (benchmarks)

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function show(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function fill(list, items, render) {
  list.replaceChildren(...items.map(render));
  if (!items.length && list.tagName !== "TBODY") list.replaceChildren(el("li", "none", "dim"));
}

function row(cells, className) {
  const tr = el("tr", null, className);
  cells.forEach((cell) => tr.appendChild(el("td", cell)));
  return tr;
}

function status(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

async function api(path, body) {
  const options = body === undefined ? {} :
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function newConversation() {
  inspector.sessionId = "inspect-" + Math.random().toString(16).slice(2, 10);
  inspector.turns = [];
  inspector.selected = -1;
  inspector.replaying = false;
  $("session-id").textContent = inspector.sessionId;
  $("chat").replaceChildren();
  status("");
}

async function send(input) {
  if (inspector.replaying) newConversation();
  const began = performance.now();
  try {
    const view = await api("/api/turn", { session_id: inspector.sessionId, channel: $("channel").value, input });
    add(view);
    window.inspectorTimings.push({ turn: view.turn, page_ms: performance.now() - began,
                                   engine_ms: view.latency_ms.total || 0 });
    status("");
  } catch (error) {
    const item = el("li", "error: " + error.message, "error");
    $("chat").appendChild(item);
    status(error.message, true);
  }
}

function add(view) {
  const index = inspector.turns.push(view) - 1;
  const said = el("li", view.said, "user");
  said.dataset.turn = index;
  $("chat").appendChild(said);
  view.messages.forEach((message) => {
    const item = el("li", message.text, "bot");
    item.dataset.turn = index;
    item.appendChild(el("span", " " + (message.source === "llm" ? "[llm]" : "[template]"), "tag"));
    $("chat").appendChild(item);
  });
  if (view.ended || view.handoff) {
    $("chat").appendChild(el("li", view.handoff ? "(handed off to a person)" : "(conversation ended)", "bot dim"));
  }
  select(index);
  $("chat").scrollTop = $("chat").scrollHeight;
}

function select(index) {
  inspector.selected = index;
  document.querySelectorAll("#chat li").forEach((item) =>
    item.classList.toggle("selected", Number(item.dataset.turn) === index));
  const view = inspector.turns[index];
  showTurn(view);
  showState(view);
}

function showTurn(view) {
  $("turn-number").textContent = view.turn;
  const understood = view.understood;
  $("intent").textContent = understood ? understood.intent : "(no input to understand)";
  $("confidence").textContent = understood ? understood.confidence.toFixed(3) : "";
  $("origin").textContent = understood ? understood.origin : "";
  fill($("ranking").tBodies[0], understood ? understood.ranking : [],
       (score) => row([score.name, score.confidence.toFixed(3)]));
  showSpans(understood);
  const entities = understood ? Object.entries(understood.entities) : [];
  fill($("entities").tBodies[0], entities, ([slot, value]) => {
    const span = understood.spans.find((s) => s.slot === slot);
    return row([slot, span ? span.text : "", show(value), span ? span.source : understood.origin]);
  });
  fill($("guards"), view.guards, (g) => el("li", g.guard + (g.vetoed ? " (vetoed)" : ""), g.vetoed ? "vetoed" : ""));
  fill($("actions"), view.actions, (label) =>
    el("li", label, view.writes.includes(label) ? "highlight" : ""));
  fill($("calls"), view.calls, (call) => el("li",
    `${call.service} ${call.method} ${call.path} → ${call.status} (${call.ms} ms, ${call.attempts} attempt(s))` +
    (call.error ? ": " + call.error : "")));
  fill($("messages"), view.messages, (message) => {
    const item = el("li", null, message.source === "llm" ? "llm" : "");
    item.appendChild(el("b", message.response + ": "));
    item.appendChild(document.createTextNode(message.text));
    item.appendChild(el("span", " " + message.source + (message.note ? ": " + message.note : ""), "tag"));
    if (message.ssml) item.appendChild(el("div", message.ssml, "dim ssml"));
    return item;
  });
  fill($("sources"), view.sources, (found) =>
    el("li", `${found.kind} ${found.id} (${found.score.toFixed(3)}) ${found.source || ""}`));
  fill($("latency").tBodies[0], Object.entries(view.latency_ms), ([step, ms]) => row([step, ms.toFixed(2)]));
  fill($("warnings"), view.warnings, (warning) => el("li", "warning: " + warning, "vetoed"));
}

function showSpans(understood) {
  const line = $("spans");
  line.replaceChildren();
  if (!understood || !understood.text) return;
  const text = understood.text;
  let at = 0;
  [...understood.spans].sort((a, b) => a.start - b.start).forEach((span) => {
    if (span.start < at) return;
    line.appendChild(document.createTextNode(text.slice(at, span.start)));
    const marked = el("span", text.slice(span.start, span.end), "span");
    marked.title = `${span.slot} = ${show(span.value)}`;
    line.appendChild(marked);
    at = span.end;
  });
  line.appendChild(document.createTextNode(text.slice(at)));
}

function showState(view) {
  const state = view.state;
  const changed = view.changed;
  $("active-task").textContent = state.active_task || "none";
  $("fsm-state").textContent = state.fsm_state ? "@ " + state.fsm_state : "";
  $("requested-slot").textContent = state.requested_slot ? "asking " + state.requested_slot : "";
  $("active-task").parentElement.classList.toggle("highlight", changed.place);
  fill($("stack"), [...state.stack].reverse(), (task) => el("li", task));
  $("stack").classList.toggle("highlight", changed.stack);
  const rows = Object.entries(state.slots).map(([name, value]) =>
    Object.assign(row([name, show(value)], changed.slots[name] || ""), { title: changed.slots[name] || "" }));
  Object.entries(changed.slots).filter(([, how]) => how === "removed")
    .forEach(([name]) => rows.push(row([name, "(cleared)"], "removed")));
  rows.forEach((tr) => { tr.dataset.slot = tr.firstChild.textContent; });
  $("slots").tBodies[0].replaceChildren(...rows);
  markGraph(view.marks);
}

function markGraph(marks) {
  document.querySelectorAll("#graph g.active").forEach((node) => node.classList.remove("active"));
  const found = marks.map((id) => document.getElementById(id)).filter((node) => node);
  found.forEach((node) => node.classList.add("active"));
  if (found.length) centre(found[found.length - 1]);
}

function centre(node) {
  // Scroll the picture (not the page) so that the innermost mark is in the middle of it.
  const panel = $("graph");
  const box = node.getBoundingClientRect();
  const frame = panel.getBoundingClientRect();
  panel.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
  panel.scrollTop += box.top + box.height / 2 - (frame.top + frame.height / 2);
}

function zoom() {
  $("graph").classList.toggle("zoomed");
  $("zoom").textContent = $("graph").classList.contains("zoomed") ? "fit" : "zoom";
  const view = inspector.turns[inspector.selected];
  if (view) markGraph(view.marks);
}

async function loadGraph() {
  const response = await fetch("/api/graph.svg");
  if (!response.ok) {
    $("graph").replaceChildren(el("p", "no picture (install Graphviz for it)", "dim"));
    return;
  }
  const parsed = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
  const svg = parsed.documentElement;
  svg.querySelectorAll("script").forEach((node) => node.remove());
  $("graph").replaceChildren(document.importNode(svg, true));
}

async function saveTest() {
  const name = $("test-name").value.trim();
  try {
    const saved = await api("/api/tests", { session_id: inspector.sessionId, name });
    status(`saved the test '${saved.name}' in ${saved.file}`);
  } catch (error) {
    status(error.message, true);
  }
}

async function loadStored() {
  const { sessions } = await api("/api/stored");
  const options = sessions.map((session) => {
    const option = el("option", `${session.session_id} (${session.turns} turns, ${session.updated_at})`);
    option.value = session.session_id;
    return option;
  });
  $("stored").replaceChildren(el("option", "stored sessions…"), ...options);
  $("stored").firstChild.value = "";
}

async function replay() {
  const sessionId = $("stored").value;
  if (!sessionId) return;
  try {
    const { turns } = await api("/api/stored/" + encodeURIComponent(sessionId));
    newConversation();
    inspector.replaying = true;
    $("session-id").textContent = sessionId + " (stored; typing starts a new conversation)";
    turns.forEach(add);
    if (turns.length) select(0);
  } catch (error) {
    status(error.message, true);
  }
}

async function start() {
  const domain = await api("/api/domain");
  $("domain-name").textContent = domain.name;
  $("where").textContent = domain.where;
  document.title = "dialogue inspector: " + domain.name;
  if (domain.stored) {
    $("stored-group").hidden = false;
    $("stored").addEventListener("focus", loadStored);
    await loadStored();
  }
  newConversation();
  loadGraph();
}

document.addEventListener("DOMContentLoaded", () => {
  $("say").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value;
    $("text").value = "";
    send(text.trim() ? { text } : { event: "no_input" });
  });
  document.querySelectorAll("button.key").forEach((button) =>
    button.addEventListener("click", () => send({ event: "dtmf", digits: button.textContent })));
  document.querySelectorAll("button.event").forEach((button) =>
    button.addEventListener("click", () => send({ event: button.dataset.event })));
  $("chat").addEventListener("click", (event) => {
    const item = event.target.closest("li[data-turn]");
    if (item) select(Number(item.dataset.turn));
  });
  $("new-conversation").addEventListener("click", newConversation);
  $("save-test").addEventListener("click", saveTest);
  $("replay").addEventListener("click", replay);
  $("zoom").addEventListener("click", zoom);
  start().catch((error) => status(error.message, true));
});
