/* Drawing the console from its state. Text goes in as text, never as HTML. */

import {
  counterStatusName, eventName, languageName, printName, reasonName, statusName, t,
} from "./words.js";

const $ = function (id) { return document.getElementById(id); };

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function put(id, text) { $(id).textContent = text === undefined || text === null ? "" : text; }

/** Whole minutes from `iso` to `nowMs` (never below 0). */
export function minutesSince(iso, nowMs) {
  const at = Date.parse(iso || "");
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.floor((nowMs - at) / 60000));
}

function minutes(n) { return n === null ? t("figures.none") : t("minutes", { n: n }); }

export function deskName(site, serviceId) {
  // A stage at another organisation's desk comes as "other": its desk is not told.
  if (serviceId === "other") return t("desk.other");
  const found = site && site.services.find(function (s) { return s.id === serviceId; });
  return found ? found.name : serviceId || "";
}

export function counterTitle(counter) {
  return t("counter.number", { number: counter.number }) + " " + counter.name;
}

function priorityMark() {
  const mark = el("span", "prio", "◆");
  mark.title = t("priority.title");
  mark.setAttribute("aria-label", t("priority.title"));
  mark.setAttribute("role", "img");
  return mark;
}

// ---- the bar ----------------------------------------------------------------------------

export function renderBar(view) {
  put("counter-title", counterTitle(view.counter));
  const status = $("counter-status");
  status.dataset.status = view.counterState.status;
  status.textContent = counterStatusName(view.counterState.status);
  put("staff-name", view.user.name || view.user.username);
  put("label-pause", t(view.counterState.status === "paused" ? "action.resume" : "action.pause"));
}

export function renderLive(connected) {
  const live = $("live-state");
  live.dataset.on = connected ? "true" : "false";
  live.textContent = t(connected ? "live.on" : "live.off");
}

export function renderFigures(figures) {
  const f = figures || {};
  const count = function (n) { return n === undefined || n === null ? t("figures.none") : String(n); };
  put("fig-called", count(f.called));
  put("fig-finished", f.placements ? count(f.finished) + "（" + t("figures.placements") + " " +
      f.placements + "）" : count(f.finished));
  put("fig-transferred", count(f.transferred));
  put("fig-no_shows", count(f.no_shows));
  const secs = function (s) { return s === undefined || s === null ? null : Math.round(s / 60); };
  put("fig-wait", minutes(secs(f.average_wait_seconds)));
  put("fig-service", minutes(secs(f.average_service_seconds)));
}

// ---- the ticket in hand -----------------------------------------------------------------

export function renderHand(view) {
  const card = $("in-hand");
  const ticket = view.inHand;
  card.dataset.state = ticket ? ticket.status : "empty";
  card.dataset.ticket = ticket ? String(ticket.id) : "";
  if (!ticket) {
    $("reason").hidden = true;
    return;
  }
  put("hand-number", ticket.label);
  $("hand-priority").hidden = !ticket.priority;
  put("hand-desk", ticket.service_name);
  put("hand-status", statusName(ticket.status));
  put("hand-calls", t("hand.calls_n", { n: ticket.calls }));
  put("hand-language", languageName(ticket.language));
  const purposes = $("hand-purposes");
  purposes.replaceChildren();
  ticket.purposes.forEach(function (serviceId, index) {
    const chip = el("span", "chip", deskName(view.site, serviceId));
    if (index === ticket.purpose_index) chip.classList.add("current");
    if (index < ticket.purpose_index) chip.classList.add("past");
    purposes.appendChild(chip);
  });
  $("hand-from-row").hidden = !ticket.transferred_from;
  put("hand-from", ticket.transferred_from ? deskName(view.site, ticket.transferred_from) : "");
  $("hand-away-row").hidden = !isNotified(view, ticket);
  $("hand-note-row").hidden = !ticket.note;
  put("hand-note", ticket.note || "");
  renderHandTimes(view);
  renderReason(view);
}

/** The parts of the card that change with the clock. */
export function renderHandTimes(view) {
  const ticket = view.inHand;
  if (!ticket) return;
  const calledMs = Date.parse(ticket.called_at || "");
  const waited = Number.isNaN(calledMs) ? null : minutesSince(ticket.rank_at, calledMs);
  put("hand-waited", minutes(waited));
  put("hand-since", minutes(minutesSince(ticket.called_at, view.now)));
}

function renderReason(view) {
  const reason = view.reason;
  const line = $("reason");
  if (!reason || !view.inHand || reason.ticket !== view.inHand.id) {
    line.hidden = true;
    return;
  }
  line.hidden = false;
  put("reason-text", reasonName(reason.code));
  // The server's own words for the reason are English (for the log and the API): the page
  // says which desk's line the call came from, in Japanese.
  const byDesk = ["longest_wait", "service_order", "max_wait"].includes(reason.code);
  put("reason-desk", byDesk ? t("reason.desk", { desk: view.inHand.service_name }) : "");
}

export function renderJourney(view) {
  const list = $("journey");
  list.replaceChildren();
  const events = view.inHand && view.journey && view.journey.ticket === view.inHand.id
    ? view.journey.events : [];
  if (!events.length) {
    list.appendChild(el("li", "muted", t("journey.empty")));
    return;
  }
  events.forEach(function (event) {
    const item = el("li");
    item.dataset.kind = event.kind;
    item.appendChild(el("time", "at", (event.at || "").slice(11, 16)));
    item.appendChild(el("span", "what", eventName(event.kind)));
    item.appendChild(el("span", "where", journeyDetail(view, event)));
    list.appendChild(item);
  });
}

function journeyDetail(view, event) {
  const data = event.data || {};
  const parts = [];
  if (event.kind === "transferred") {
    parts.push(deskName(view.site, data.from_service) + " → " + deskName(view.site, event.service));
    if (data.note) parts.push("「" + data.note + "」");
  } else if (event.service && event.kind !== "printed") {
    parts.push(deskName(view.site, event.service));
  }
  if (data.counter_number) parts.push(t("counter.number", { number: data.counter_number }));
  if (event.kind === "finished" && data.outcome) parts.push(outcomeLabel(view.site, data.outcome));
  if (event.kind === "printed") {
    if (data.reissue) parts.push(printName("reissue"));
    if (data.outcome) parts.push(printName(data.outcome));
  }
  if (event.staff && event.kind !== "issued") parts.push(event.staff);
  return parts.join("・");
}

export function outcomeLabel(site, code) {
  const found = site && site.outcomes.find(function (o) { return o.code === code; });
  return found ? found.label : code;
}

// ---- the queues -------------------------------------------------------------------------

export function renderQueues(view) {
  const box = $("queues");
  box.replaceChildren();
  view.counter.services.forEach(function (serviceId) {
    const entry = view.snapshot.services.find(function (s) { return s.id === serviceId; });
    const waiting = entry ? entry.waiting : [];
    const section = el("section", "queue");
    section.dataset.service = serviceId;
    const head = el("h3");
    head.appendChild(el("span", "desk", deskName(view.site, serviceId)));
    head.appendChild(el("span", "count", t("people", { n: waiting.length })));
    section.appendChild(head);
    const list = el("ol", "q-list");
    if (!waiting.length) list.appendChild(el("li", "q-empty muted", t("queues.empty")));
    waiting.forEach(function (ticket) { list.appendChild(queueRow(view, ticket)); });
    section.appendChild(list);
    box.appendChild(section);
  });
  renderParked(view);
}

function queueRow(view, ticket) {
  const row = el("li", "q-row");
  row.dataset.ticket = String(ticket.id);
  row.dataset.label = ticket.label;
  row.appendChild(el("span", "q-num", ticket.label));
  const wait = el("span", "q-wait", minutes(minutesSince(ticket.rank_at, view.now)));
  wait.dataset.since = ticket.rank_at || "";
  row.appendChild(wait);
  const marks = el("span", "q-marks");
  if (ticket.transferred_from) {
    const from = el("span", "q-from", t("queues.transferred",
      { desk: deskName(view.site, ticket.transferred_from) }));
    marks.appendChild(from);
  }
  if (ticket.note) {
    const note = el("span", "q-note", "✎");
    note.title = t("hand.note") + ": " + ticket.note;
    marks.appendChild(note);
  }
  if (ticket.requeues) marks.appendChild(el("span", "q-tag", statusName("no_show")));
  // An appointment, discreetly like priority: its slot's time.
  if (ticket.slot_at) marks.appendChild(el("span", "q-appt", t("appt.mark", { time: ticket.slot_at.slice(11, 16) })));
  if (isNotified(view, ticket)) {
    // Words, not an emoji: a staff PC without an emoji font draws 📱 as an empty box.
    const away = el("span", "q-tag q-away", t("hand.notified"));
    away.title = t("queues.notified");
    marks.appendChild(away);
  }
  row.appendChild(marks);
  if (ticket.priority) row.appendChild(priorityMark());
  return row;
}

/** Whether the visitor is told of the call on their phone, and so may be away. */
function isNotified(view, ticket) {
  return (view.snapshot.notified || []).indexOf(ticket.id) >= 0;
}

export function renderParked(view) {
  const list = $("parked");
  list.replaceChildren();
  const parked = parkedHere(view);
  if (!parked.length) list.appendChild(el("li", "muted", t("parked.empty")));
  parked.forEach(function (ticket) {
    const row = el("li", "q-row");
    row.dataset.ticket = String(ticket.id);
    row.dataset.label = ticket.label;
    row.appendChild(el("span", "q-num", ticket.label));
    row.appendChild(el("span", "q-desk", ticket.service_name));
    if (ticket.priority) row.appendChild(priorityMark());
    list.appendChild(row);
  });
}

/** Parked tickets of the desks this counter serves, oldest first. */
export function parkedHere(view) {
  return (view.snapshot.parked || [])
    .filter(function (ticket) { return view.counter.services.indexOf(ticket.service) >= 0; })
    .sort(function (a, b) { return (a.rank_at || "").localeCompare(b.rank_at || ""); });
}

/** Waiting minutes move on by themselves, without a new snapshot. */
export function renderWaitTimes(view) {
  document.querySelectorAll(".q-wait").forEach(function (node) {
    node.textContent = minutes(minutesSince(node.dataset.since, view.now));
  });
  renderHandTimes(view);
}

// ---- the buttons --------------------------------------------------------------------------

const NEEDS_CALLED = ["recall", "start", "no-show"];
const NEEDS_TICKET = ["finish", "transfer", "park", "reprint"];

/** Buttons stay pressable when the server is the one to say no (call next while paused
 * shows the server's refusal); those with nothing to act on are disabled. */
export function renderActions(view) {
  const ticket = view.inHand;
  document.querySelectorAll("#actions button[data-action]").forEach(function (button) {
    const action = button.dataset.action;
    let off = view.busy;
    if (NEEDS_CALLED.indexOf(action) >= 0) off = off || !ticket || ticket.status !== "called";
    if (NEEDS_TICKET.indexOf(action) >= 0) off = off || !ticket;
    if (action === "return") off = off || !parkedHere(view).length;
    button.disabled = off;
  });
  $("actions").classList.toggle("busy", view.busy);
}

// ---- pickers ------------------------------------------------------------------------------

/** A numbered list of choices for a dialog: 1–9 choose by keyboard too. */
export function renderPickList(listId, items, onPick, selected) {
  const list = $(listId);
  list.replaceChildren();
  items.forEach(function (item, index) {
    const li = el("li");
    const button = el("button", "pick");
    button.type = "button";
    button.dataset.value = item.value;
    if (selected !== undefined) {
      button.setAttribute("role", "radio");
      button.setAttribute("aria-checked", item.value === selected ? "true" : "false");
    }
    if (index < 9) button.appendChild(el("kbd", null, String(index + 1)));
    button.appendChild(el("span", "pick-label", item.label));
    if (item.detail) button.appendChild(el("span", "pick-detail muted", item.detail));
    if (item.priority) button.appendChild(priorityMark());
    button.addEventListener("click", function () { onPick(item.value); });
    li.appendChild(button);
    list.appendChild(li);
  });
}
