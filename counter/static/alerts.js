/* Staff alerts on the console: a kiosk's 職員を呼ぶ or お手伝いが必要, a ticket that did not
 * print, a printer at fault, a display that cannot play sound. They come with the staff
 * snapshot (fetched again after every push), show at the top with where, what and how long
 * ago, and ring once when new. One press of 「対応します」 takes an alert for everyone.
 *
 * A site may name its reception counters: then only their consoles show alerts, until an
 * alert escalates (nobody took it in time): then every console shows it, louder.
 */

import { act } from "./api.js";
import { el } from "./render.js";
import { errorText, t } from "./words.js";

const $ = function (id) { return document.getElementById(id); };
const AGE_TICK_MS = 5000;
const RING_AGAIN_MS = 20000;  // an escalated alert rings again while nobody takes it

let source = null;   // () => {siteId, counterId, snapshot, skew}
let notices = null;  // {ack(text), error(text)}
let heard = new Set();       // ids already rung for
let escalatedHeard = new Set();
let timers = { age: null, ring: null };
let audio = null;

/** Start drawing alerts from `getState()`; `say` shows acknowledgements and errors. */
export function startAlerts(getState, say) {
  source = getState;
  notices = say;
  heard = new Set();
  escalatedHeard = new Set();
  clearInterval(timers.age);
  clearInterval(timers.ring);
  timers.age = setInterval(drawAges, AGE_TICK_MS);
  timers.ring = setInterval(ringForEscalated, RING_AGAIN_MS);
  document.addEventListener("pointerdown", unlockSound, { once: true });
  document.addEventListener("keydown", unlockSound, { once: true });
}

export function stopAlerts() {
  clearInterval(timers.age);
  clearInterval(timers.ring);
  source = null;
  const box = $("alerts");
  if (box) { box.hidden = true; $("alerts-list").replaceChildren(); }
}

function shown() {
  const state = source && source();
  const board = state && state.snapshot && state.snapshot.alerts;
  if (!board) return [];
  const reception = board.reception || [];
  const mine = !reception.length || reception.indexOf(state.counterId) >= 0;
  return (board.open || []).filter(function (a) { return mine || a.escalated; });
}

/** Redraw from the snapshot: called after every snapshot the console applies. */
export function drawAlerts() {
  if (!source) return;
  const alerts = shown();
  const list = $("alerts-list");
  list.replaceChildren();
  alerts.forEach(function (alert) { list.appendChild(item(alert)); });
  $("alerts").hidden = alerts.length === 0;
  $("alerts").dataset.escalated = alerts.some(function (a) { return a.escalated; }) ? "1" : "0";
  const fresh = alerts.filter(function (a) { return !heard.has(a.id); });
  const newlyEscalated = alerts.filter(function (a) {
    return a.escalated && !escalatedHeard.has(a.id);
  });
  fresh.forEach(function (a) { heard.add(a.id); });
  newlyEscalated.forEach(function (a) { escalatedHeard.add(a.id); });
  if (fresh.length) {
    $("alerts-news").textContent = fresh.map(describe).join("。");
  }
  if (newlyEscalated.length) ring(true);
  else if (fresh.length) ring(false);
}

function kindName(kind) { return t("alerts.kind." + kind); }

function describe(alert) {
  return t("alerts.news", { where: alert.where, kind: kindName(alert.kind) }) +
    (alert.label ? " " + t("alerts.number", { label: alert.label }) : "");
}

function ageText(alert) {
  const state = source && source();
  const now = Date.now() + ((state && state.skew) || 0);
  const at = Date.parse(alert.raised_at || "");
  if (Number.isNaN(at)) return "";
  const minutes = Math.max(0, Math.floor((now - at) / 60000));
  return minutes < 1 ? t("alerts.age_now") : t("alerts.age", { n: minutes });
}

function item(alert) {
  const row = el("li", "alert-item");
  row.dataset.alert = alert.id;
  row.dataset.kind = alert.kind;
  row.dataset.escalated = alert.escalated ? "1" : "0";
  const text = el("div", "alert-text");
  const what = el("p", "alert-what");
  what.appendChild(el("strong", "alert-kind", kindName(alert.kind)));
  if (alert.label) what.appendChild(el("span", "alert-number",
                                       t("alerts.number", { label: alert.label })));
  text.appendChild(what);
  const where = el("p", "alert-where");
  where.appendChild(el("span", "alert-place", alert.where));
  const age = el("span", "alert-age", ageText(alert));
  age.dataset.raised = alert.raised_at || "";
  where.appendChild(age);
  if (alert.escalated) where.appendChild(el("span", "alert-late", t("alerts.escalated")));
  text.appendChild(where);
  row.appendChild(text);
  const button = el("button", "primary alert-take", t("alerts.take"));
  button.type = "button";
  button.setAttribute("aria-label", t("alerts.take_label", {
    where: alert.where, kind: kindName(alert.kind) }));
  button.addEventListener("click", function () { take(alert, button); });
  row.appendChild(button);
  return row;
}

function drawAges() {
  if (!source) return;
  const alerts = shown();
  document.querySelectorAll("#alerts-list .alert-item").forEach(function (row) {
    const alert = alerts.find(function (a) { return a.id === row.dataset.alert; });
    if (alert) row.querySelector(".alert-age").textContent = ageText(alert);
  });
}

async function take(alert, button) {
  const state = source && source();
  if (!state || button.disabled) return;
  button.disabled = true;
  const reply = await act("POST", "/api/sites/" + encodeURIComponent(state.siteId) +
    "/alerts/" + encodeURIComponent(alert.id) + "/take",
  state.counterId ? { counter: state.counterId } : {});
  // Taken here or by someone else first: either way it leaves this console now.
  if (reply.status === 200 || reply.status === 409 || reply.status === 404) {
    const board = state.snapshot && state.snapshot.alerts;
    if (board) board.open = board.open.filter(function (a) { return a.id !== alert.id; });
    drawAlerts();
  } else {
    button.disabled = false;
  }
  if (reply.status === 200) notices.ack(t("alerts.taken", { where: alert.where }));
  else notices.error(errorText(reply));
}

// ---- sound ------------------------------------------------------------------------------

function context() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (!audio) audio = new Context();
  return audio;
}

function unlockSound() {
  const ctx = context();
  if (ctx && ctx.state === "suspended") ctx.resume().catch(function () {});
}

/** Two soft tones for a new alert; three loud ones, twice, when it escalated. */
function ring(loud) {
  const ctx = context();
  if (!ctx) return;
  if (ctx.state === "suspended") ctx.resume().catch(function () {});
  const tones = loud ? [988, 784, 988, 784, 988, 784] : [880, 660];
  const volume = loud ? 0.6 : 0.15;
  tones.forEach(function (pitch, n) {
    const start = ctx.currentTime + n * 0.28;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = pitch;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(volume, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.25);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + 0.26);
  });
  document.getElementById("alerts").dataset.rang = String(Number(
    document.getElementById("alerts").dataset.rang || 0) + 1);
}

function ringForEscalated() {
  if (shown().some(function (a) { return a.escalated; })) ring(true);
}
