/* The console's state and how it stays current: the staff snapshot (on connect, and fetched
 * again after each push of events), the counter's figures for today, and the journey of the
 * ticket in hand. Two consoles at a site stay consistent because both redraw from the
 * server's snapshot after every change either of them makes.
 */

import { drawAlerts, startAlerts, stopAlerts } from "./alerts.js";
import { loginEnded, read } from "./api.js";
import {
  renderActions, renderBar, renderFigures, renderHand, renderJourney, renderLive,
  renderQueues, renderWaitTimes,
} from "./render.js";
import { errorFor, errorText, t } from "./words.js";

const $ = function (id) { return document.getElementById(id); };
const TICK_MS = 15000;
const FIGURES_DELAY_MS = 400;

export const state = {
  user: null,
  siteId: null,
  site: null,          // GET /api/sites/{site}: desks, counters, outcomes
  counterId: null,
  snapshot: null,      // the staff snapshot
  skew: 0,             // server clock minus this browser's clock, in ms
  busy: false,         // an action is in flight: no second one
  epoch: 0,            // counts answered actions, so an older snapshot fetch is not applied
  reason: null,        // {ticket, code, text} of the last call made here
  journey: null,       // {ticket, events}
  figures: null,
  // Tickets whose reprint this console asked for: {answered, message}. The printer's answer
  // (a "print" push) can come before the server's answer to the request.
  reprints: new Map(),
  live: null,
};

export const hooks = { loginEnded: function () {} };

let timers = { tick: null, figures: null };
let refreshing = null;
let refreshAgain = false;

// ---- what the drawing works from ----------------------------------------------------------

export function counterConfig() {
  return state.site.counters.find(function (c) { return c.id === state.counterId; });
}

function counterState() {
  const live = state.snapshot && state.snapshot.counters.find(function (c) {
    return c.id === state.counterId;
  });
  return live || { status: "closed", ticket: null, staff: null };
}

/** `?counter=`: staff see their own organisation's part of a visit, and their counter's. */
function counterQuery() {
  return state.counterId ? "?counter=" + encodeURIComponent(state.counterId) : "";
}

export function inHand() {
  return counterState().ticket || null;
}

export function view() {
  return {
    user: state.user, site: state.site, counter: counterConfig(), counterState: counterState(),
    snapshot: state.snapshot || { services: [], counters: [], parked: [] },
    inHand: inHand(), reason: state.reason, journey: state.journey, busy: state.busy,
    now: Date.now() + state.skew,
  };
}

export function redraw() {
  if (!state.site || !state.counterId) return;
  const v = view();
  renderBar(v);
  renderHand(v);
  renderJourney(v);
  renderQueues(v);
  renderActions(v);
  drawAlerts();
  const held = v.inHand;
  if (held && (!state.journey || state.journey.ticket !== held.id)) loadJourney(held.id);
}

// ---- notices --------------------------------------------------------------------------------

export function showError(text) {
  $("error-text").textContent = text;
  $("error").hidden = false;
  $("ack").textContent = "";
}

export function clearError() {
  $("error").hidden = true;
  $("error-text").textContent = "";
}

export function showAck(text) {
  clearError();
  $("ack").textContent = text;
}

/** A refused read or action: back to the login form if the login is gone, else a banner. */
export function refused(reply) {
  if (loginEnded(reply)) {
    hooks.loginEnded(errorText(reply));
    return;
  }
  showError(errorText(reply));
}

// ---- keeping current ----------------------------------------------------------------------

export function applySnapshot(snapshot) {
  if (!snapshot || !Array.isArray(snapshot.counters)) return;
  if (state.snapshot && snapshot.seq < state.snapshot.seq) return;  // an older picture
  state.snapshot = snapshot;
  const serverNow = Date.parse(snapshot.now || "");
  if (!Number.isNaN(serverNow)) state.skew = serverNow - Date.now();
  redraw();
}

/** Fetch the staff snapshot again; calls made meanwhile are folded into one more fetch. */
export function refresh() {
  if (!state.siteId) return Promise.resolve();
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async function () {
    do {
      refreshAgain = false;
      const epoch = state.epoch;
      const siteId = state.siteId;
      const reply = await read("/api/sites/" + encodeURIComponent(siteId) + "/snapshot" +
                               counterQuery());
      if (siteId !== state.siteId) break;
      if (reply.status === 200) {
        // While an action is in flight the screen waits for its answer (which fetches
        // again); an action answered meanwhile makes this picture old: fetch a newer one.
        if (state.busy) break;
        if (epoch === state.epoch) applySnapshot(reply.body);
        else refreshAgain = true;
      } else if (reply.status !== 0) {
        refused(reply);
      }
    } while (refreshAgain);
  })();
  return refreshing.finally(function () { refreshing = null; });
}

export async function loadFigures() {
  if (!state.counterId) return;
  const reply = await read("/api/sites/" + encodeURIComponent(state.siteId) + "/counters/" +
                           encodeURIComponent(state.counterId) + "/today");
  if (reply.status === 200 && reply.body.counter === state.counterId) {
    state.figures = reply.body;
    renderFigures(state.figures);
  }
}

/** Load the figures soon; changes coming meanwhile are taken by that one load. */
export function scheduleFigures() {
  if (timers.figures) return;
  timers.figures = setTimeout(function () {
    timers.figures = null;
    loadFigures();
  }, FIGURES_DELAY_MS);
}

export async function loadJourney(ticketId) {
  state.journey = { ticket: ticketId, events: (state.journey && state.journey.ticket === ticketId)
    ? state.journey.events : [] };
  const reply = await read("/api/tickets/" + ticketId + counterQuery());
  if (reply.status !== 200 || !state.journey || state.journey.ticket !== ticketId) return;
  state.journey.events = reply.body.journey || [];
  // After a reload the reason of the call comes from the log.
  const calls = state.journey.events.filter(function (e) { return e.kind === "called"; });
  const last = calls[calls.length - 1];
  if (last && (!state.reason || state.reason.ticket !== ticketId) && last.counter === state.counterId) {
    state.reason = { ticket: ticketId, code: last.data.reason_code, text: last.data.reason };
  }
  redraw();
}

/** Take an action's answer at once, before the next snapshot confirms it. */
export function takeTicket(ticket) {
  if (!state.snapshot || !ticket) return;
  const held = ticket.counter === state.counterId &&
    (ticket.status === "called" || ticket.status === "serving");
  state.snapshot.counters.forEach(function (c) {
    if (c.id !== state.counterId) return;
    if (held) c.ticket = ticket;
    else if (c.ticket && c.ticket.id === ticket.id) c.ticket = null;
  });
  state.snapshot.services.forEach(function (s) {
    s.waiting = s.waiting.filter(function (w) { return w.id !== ticket.id; });
  });
  state.snapshot.parked = (state.snapshot.parked || []).filter(function (p) {
    return p.id !== ticket.id;
  });
  if (state.journey && state.journey.ticket === ticket.id) loadJourney(ticket.id);
  redraw();
}

export function takeCounter(counter) {
  if (!state.snapshot || !counter) return;
  state.snapshot.counters = state.snapshot.counters.map(function (c) {
    return c.id === counter.id ? counter : c;
  });
  redraw();
}

function onEvents(events) {
  if (!events.length) return;
  refresh();
  scheduleFigures();
  const held = inHand();
  if (held && events.some(function (e) { return e.ticket === held.id; })) loadJourney(held.id);
}

function onPrint(message) {
  if (!message || !message.reissue) return;
  const asked = state.reprints.get(message.ticket);
  if (!asked) return;
  if (!asked.answered) {  // said once the request's own answer has come (reprintAnswered)
    asked.message = message;
    return;
  }
  state.reprints.delete(message.ticket);
  showPrintOutcome(message);
}

// The request to reprint was answered: say so, or what the printer said if it already did.
export function reprintAnswered(ticketId, requested) {
  const asked = state.reprints.get(ticketId);
  if (asked && asked.message) {
    state.reprints.delete(ticketId);
    showPrintOutcome(asked.message);
    return;
  }
  if (asked) asked.answered = true;
  showAck(requested);
}

function showPrintOutcome(message) {
  const label = message.label || labelOf(message.ticket);
  if (message.state === "printed") showAck(t("print.printed", { label: label }));
  else showError(t("print.failed", { label: label }));
}

function labelOf(ticketId) {
  const held = inHand();
  if (held && held.id === ticketId) return held.label;
  return state.journey && state.journey.ticket === ticketId && state.journey.events.length
    ? state.journey.events[0].data.label : String(ticketId);
}

function onRefused(reason) {
  if (reason === "unauthorized") hooks.loginEnded(errorFor("session_expired"));
  else showError(errorFor(reason));
}

// ---- opening and closing ------------------------------------------------------------------

export function startLive() {
  stopLive();
  const options = {
    onSnapshot: applySnapshot,
    onEvents: onEvents,
    onStatus: function (connected) { renderLive(connected); },
    onRefused: onRefused,
  };
  if (state.user.role === "admin") options.site = state.siteId;  // admins name the site
  options.counter = state.counterId;
  if (window.MadoguchiRealtime) {
    state.live = window.MadoguchiRealtime.connect(options);
    state.live.on("print", onPrint);
    state.live.on("notified", function () { refresh(); });  // a visitor turned notices on/off
  }
  renderLive(false);
  startAlerts(function () { return state; }, { ack: showAck, error: showError });
  timers.tick = setInterval(function () { renderWaitTimes(view()); }, TICK_MS);
  refresh();
  loadFigures();
}

export function stopLive() {
  stopAlerts();
  if (state.live) state.live.close();
  state.live = null;
  clearInterval(timers.tick);
  clearTimeout(timers.figures);
  timers.figures = null;
}

export function resetConsole() {
  stopLive();
  Object.assign(state, { counterId: null, snapshot: null, reason: null, journey: null,
                         figures: null, busy: false });
  state.reprints.clear();
  renderFigures(null);
}
