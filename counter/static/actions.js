/* What staff do at the counter, by button and by key. Each press is one action: the buttons
 * are disabled while it is in flight, it carries its own Idempotency-Key (api.js), and the
 * acknowledgement appears only once the server has answered.
 *
 * Keys: F1 or Space call next; R recall; S start; F finish (then 1–9 for the outcome);
 * N no-show; T transfer (1–9 for the desk, a note, Enter); P park; U return a parked ticket
 * (1–9); C call a given number; Z pause or resume; K reprint the ticket. Esc closes a dialog.
 */

import { act } from "./api.js";
import {
  clearError, counterConfig, inHand, redraw, refresh, refused, reprintAnswered, scheduleFigures,
  showAck, showError, state, takeCounter, takeTicket,
} from "./console.js";
import { deskName, outcomeLabel, parkedHere, renderPickList } from "./render.js";
import { errorFor, t } from "./words.js";

const $ = function (id) { return document.getElementById(id); };

const KEYS = {
  F1: "call-next", Space: "call-next", KeyR: "recall", KeyS: "start", KeyF: "finish",
  KeyN: "no-show", KeyT: "transfer", KeyP: "park", KeyU: "return", KeyC: "call",
  KeyZ: "pause", KeyK: "reprint",
};

function sitePath(rest) {
  return "/api/sites/" + encodeURIComponent(state.siteId) + rest;
}

function counterPath(rest) {
  return sitePath("/counters/" + encodeURIComponent(state.counterId) + rest);
}

function ticketPath(ticket, rest) { return "/api/tickets/" + ticket.id + rest; }

/** Send one action; `done(body)` runs once the server said yes. */
async function perform(method, path, body, done) {
  if (state.busy) return null;
  state.busy = true;
  redraw();
  let reply;
  try {
    reply = await act(method, path, body);
  } finally {
    state.busy = false;
    state.epoch += 1;
  }
  if (reply.status >= 200 && reply.status < 300) {
    done(reply.body);
    scheduleFigures();
  } else {
    refused(reply);
  }
  redraw();
  // Pushes that came meanwhile were held back: fetch the picture now.
  if (reply.status !== 0 && reply.status !== 401) refresh();
  return reply;
}

function held() {
  const ticket = inHand();
  if (!ticket) showError(errorFor("no_ticket_in_hand"));
  return ticket;
}

function called(body) {
  takeTicket(body.ticket);
  state.reason = { ticket: body.ticket.id, code: body.reason_code, text: body.reason };
  redraw();
}

// ---- the actions ----------------------------------------------------------------------------

const ACTIONS = {
  "call-next": function () {
    return perform("POST", counterPath("/call-next"), {}, function (body) {
      called(body);
      showAck(t("ack.call-next", { label: body.ticket.label }));
    });
  },
  recall: function () {
    const ticket = held();
    if (!ticket) return null;
    return perform("POST", ticketPath(ticket, "/recall"), { counter: state.counterId },
      function (body) {
        takeTicket(body.ticket);
        showAck(t("ack.recall", { label: body.ticket.label, calls: body.ticket.calls }));
      });
  },
  start: function () {
    const ticket = held();
    if (!ticket) return null;
    return perform("POST", ticketPath(ticket, "/start"), { counter: state.counterId },
      function (body) {
        takeTicket(body.ticket);
        showAck(t("ack.start", { label: body.ticket.label }));
      });
  },
  "no-show": function () {
    const ticket = held();
    if (ticket && !pending) holdNoShow(ticket);
    return null;
  },
  finish: function () {
    if (held()) openFinish();
  },
  transfer: function () {
    if (held()) openTransfer();
  },
  park: function () {
    const ticket = held();
    if (!ticket) return null;
    return perform("POST", ticketPath(ticket, "/park"), {}, function (body) {
      takeTicket(body.ticket);
      showAck(t("ack.park", { label: body.ticket.label }));
    });
  },
  "return": function () {
    if (!parkedHere(viewLite()).length) {
      showError(errorFor("no_parked"));
      return;
    }
    openReturn();
  },
  call: function () { openCall(); },
  pause: function () {
    const paused = currentStatus() === "paused";
    return perform("POST", counterPath(paused ? "/resume" : "/pause"), {}, function (body) {
      takeCounter(body);
      showAck(t(paused ? "ack.resume" : "ack.pause"));
    });
  },
  reprint: function () {
    const ticket = held();
    if (!ticket) return null;
    state.reprints.set(ticket.id, { answered: false, message: null });
    return perform("POST", ticketPath(ticket, "/reprint"), {}, function () {
      reprintAnswered(ticket.id, t("ack.reprint", { label: ticket.label }));
    });
  },
};

function currentStatus() {
  const live = state.snapshot && state.snapshot.counters.find(function (c) {
    return c.id === state.counterId;
  });
  return live ? live.status : "closed";
}

function viewLite() {
  return { snapshot: state.snapshot || { parked: [] }, counter: counterConfig() };
}

export async function press(name) {
  if (state.busy || !ACTIONS[name]) return;
  if (openDialog()) return;
  clearError();
  if (pending && name !== "no-show") await commitNoShow();
  ACTIONS[name]();
}

// ---- 不在 with a short undo: the no-show is sent only when the undo time has passed ----------

const UNDO_SECONDS = 8;
let pending = null;  // {ticket, left, timer}

function holdNoShow(ticket) {
  pending = { ticket: ticket, left: UNDO_SECONDS, timer: null };
  pending.timer = window.setInterval(function () {
    pending.left -= 1;
    if (pending.left <= 0) commitNoShow();
    else drawUndo();
  }, 1000);
  drawUndo();
  $("undo-cancel").focus();
}

function drawUndo() {
  $("undo").hidden = !pending;
  if (pending) {
    $("undo-text").textContent = t("undo.no-show", { label: pending.ticket.label,
                                                     seconds: pending.left });
  }
}

function dropPending() {
  const was = pending;
  if (was) window.clearInterval(was.timer);
  pending = null;
  drawUndo();
  return was;
}

function undoNoShow() {
  const was = dropPending();
  if (was) showAck(t("ack.no-show_undone", { label: was.ticket.label }));
}

async function commitNoShow() {
  const was = dropPending();
  if (!was) return;
  await perform("POST", ticketPath(was.ticket, "/no-show"), { counter: state.counterId },
    function (body) {
      takeTicket(body.ticket);
      const requeued = body.ticket.status === "waiting";
      showAck(t(requeued ? "ack.no-show_requeued" : "ack.no-show", { label: body.ticket.label }));
    });
}

// ---- dialogs ------------------------------------------------------------------------------

let picked = { transfer: null };

function openDialog() {
  return document.querySelector("dialog[open]");
}

function closeDialogs() {
  document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
}

function openFinish() {
  const outcomes = state.site.outcomes.map(function (o) {
    return { value: o.code, label: o.label };
  });
  renderPickList("finish-list", outcomes, finishWith);
  $("dlg-finish").showModal();
}

function finishWith(code) {
  const ticket = inHand();
  closeDialogs();
  if (!ticket) return;
  perform("POST", ticketPath(ticket, "/finish"), { outcome: code, counter: state.counterId },
    function (body) {
      takeTicket(body.ticket);
      const outcome = outcomeLabel(state.site, code);
      if (body.ticket.status === "waiting") {
        showAck(t("ack.finish_next", { label: body.ticket.label, outcome: outcome,
                                       desk: body.ticket.service_name }));
      } else {
        showAck(t("ack.finish", { label: body.ticket.label, outcome: outcome }));
      }
    });
}

function transferDesks() {
  const ticket = inHand();
  return state.site.services
    .filter(function (s) { return !ticket || s.id !== ticket.service; })
    .map(function (s) { return { value: s.id, label: s.name }; });
}

function drawTransferList() {
  renderPickList("transfer-list", transferDesks(), function (serviceId) {
    picked.transfer = serviceId;
    $("transfer-error").textContent = "";
    drawTransferList();
    $("transfer-note").focus();
  }, picked.transfer);
}

function openTransfer() {
  picked.transfer = null;
  $("transfer-note").value = "";
  $("transfer-error").textContent = "";
  drawTransferList();
  $("dlg-transfer").showModal();
  const first = $("transfer-list").querySelector("button");
  if (first) first.focus();
}

function submitTransfer(event) {
  event.preventDefault();
  const ticket = inHand();
  if (!picked.transfer) {
    $("transfer-error").textContent = t("transfer.pick_first");
    return;
  }
  const note = $("transfer-note").value.trim();
  const body = { service: picked.transfer, counter: state.counterId };
  if (note) body.note = note;
  closeDialogs();
  if (!ticket) return;
  perform("POST", ticketPath(ticket, "/transfer"), body, function (reply) {
    takeTicket(reply.ticket);
    // The desk staff chose themselves (the answer may not name another organisation's).
    showAck(t("ack.transfer", { label: reply.ticket.label,
                                desk: deskName(state.site, body.service) }));
  });
}

function openCall() {
  $("call-label").value = "";
  $("call-error").textContent = "";
  $("dlg-call").showModal();
  $("call-label").focus();
}

function submitCall(event) {
  event.preventDefault();
  const label = $("call-label").value.trim();
  if (!label) {
    $("call-error").textContent = t("call.empty");
    return;
  }
  closeDialogs();
  perform("POST", counterPath("/call"), { label: label }, function (body) {
    called(body);
    showAck(t("ack.call", { label: body.ticket.label }));
  });
}

function openReturn() {
  const items = parkedHere(viewLite()).map(function (ticket) {
    return { value: String(ticket.id), label: ticket.label, detail: ticket.service_name,
             priority: ticket.priority };
  });
  renderPickList("return-list", items, returnTicket);
  $("dlg-return").showModal();
}

function returnTicket(id) {
  closeDialogs();
  perform("POST", "/api/tickets/" + id + "/return", {}, function (body) {
    takeTicket(body.ticket);
    showAck(t("ack.return", { label: body.ticket.label }));
  });
}

/** 1–9 in a picker dialog press the matching choice. */
function pickByDigit(dialog, event) {
  const match = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
  if (!match || (event.target && event.target.tagName === "INPUT")) return false;
  const choices = dialog.querySelectorAll(".pick-list button.pick");
  const choice = choices[Number(match[1]) - 1];
  if (!choice) return false;
  event.preventDefault();
  choice.click();
  return true;
}

// ---- keys and buttons ---------------------------------------------------------------------

function typing(target) {
  return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                    target.tagName === "SELECT" || target.isContentEditable);
}

// Single-key shortcuts (WCAG 2.1.4): each person chooses, in this browser, whether a letter
// or Space acts alone ("plain"), only with Alt ("alt"), or not at all ("off"). F1 always acts.
const KEY_MODES = ["plain", "alt", "off"];
const KEY_MODE_STORE = "madoguchi.counter.keys";

function keyMode() {
  const mode = $("app").dataset.keys;
  return KEY_MODES.includes(mode) ? mode : "plain";
}

function setKeyMode(mode) {
  const chosen = KEY_MODES.includes(mode) ? mode : "plain";
  $("app").dataset.keys = chosen;
  $("keys-mode").value = chosen;
  document.querySelectorAll("#actions button[data-action]").forEach(function (button) {
    const keys = button.dataset.keys.split(" ").filter(function (key) {
      return key === "F1" || chosen !== "off";
    }).map(function (key) { return key === "F1" || chosen === "plain" ? key : "Alt+" + key; });
    button.setAttribute("aria-keyshortcuts", keys.join(" "));
    button.querySelector(".keys").replaceChildren(...keys.map(function (key) {
      const kbd = document.createElement("kbd");
      kbd.textContent = key;
      return kbd;
    }));
  });
  try { window.localStorage.setItem(KEY_MODE_STORE, chosen); } catch (e) { /* private mode */ }
}

function keyAllowed(event) {
  if (event.ctrlKey || event.metaKey || typing(event.target)) return false;
  if (event.code === "F1") return !event.altKey;
  const mode = keyMode();
  return mode === "plain" ? !event.altKey : mode === "alt" && event.altKey;
}

function onKey(event) {
  if (document.getElementById("app").dataset.screen !== "console") return;
  const dialog = openDialog();
  if (dialog) {
    pickByDigit(dialog, event);
    return;
  }
  if (!keyAllowed(event)) return;
  const action = KEYS[event.code];
  if (!action) return;
  event.preventDefault();  // F1 opens no help page; Space presses no focused button
  if (event.repeat) return;  // holding a key down is one press
  press(action);
}

export function bindActions() {
  document.querySelectorAll("#actions button[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      press(button.dataset.action);
      button.blur();  // so that Space means "call next", not "press this button again"
    });
  });
  let stored = null;
  try { stored = window.localStorage.getItem(KEY_MODE_STORE); } catch (e) { /* private mode */ }
  setKeyMode(stored);
  $("keys-mode").addEventListener("change", function () { setKeyMode($("keys-mode").value); });
  document.addEventListener("keydown", onKey);
  document.addEventListener("keyup", function (event) {
    if (event.code === "Space" && !typing(event.target) && !openDialog()) event.preventDefault();
  });
  document.querySelectorAll("dialog [data-close]").forEach(function (button) {
    button.addEventListener("click", closeDialogs);
  });
  $("transfer-form").addEventListener("submit", submitTransfer);
  $("call-form").addEventListener("submit", submitCall);
  $("error-close").addEventListener("click", clearError);
  $("undo-cancel").addEventListener("click", undoNoShow);
  $("undo-commit").addEventListener("click", commitNoShow);
}

export { closeDialogs };
