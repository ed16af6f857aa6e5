/* The counter console (窓口端末): log in, choose the counter, then work it.
 *
 * The page keeps no secret: the login cookie is HttpOnly, and the CSRF token lives in
 * memory (after a reload GET /api/session gives it again). The address remembers the site
 * and counter (?site=…&counter=…), so a reload comes back to the same console.
 */

import { read, request, setCsrf } from "./api.js";
import { bindActions, closeDialogs } from "./actions.js";
import { bindAppointments, showAppointments } from "./appointments.js";
import { clearError, hooks, redraw, resetConsole, startLive, state } from "./console.js";
import { counterTitle, el } from "./render.js";
import { counterStatusName, errorText, t } from "./words.js";

const $ = function (id) { return document.getElementById(id); };
let choices = [];  // what 1–9 choose on the choosing screen (those the filter left)
let allChoices = [];

function show(screen) {
  $("app").dataset.screen = screen;
  document.querySelectorAll(".screen").forEach(function (node) {
    node.hidden = node.id !== "screen-" + screen;
  });
}

function remember(siteId, counterId) {
  const url = new URL(window.location.href);
  url.search = "";
  if (siteId) url.searchParams.set("site", siteId);
  if (counterId) url.searchParams.set("counter", counterId);
  window.history.replaceState(null, "", url.pathname + url.search);
}

// ---- logging in and out -------------------------------------------------------------------

function toLogin(message, note) {
  closeDialogs();
  resetConsole();
  clearError();
  setCsrf(null);
  state.user = null;
  state.site = null;
  state.siteId = null;
  show("login");
  $("login-error").textContent = message || "";
  $("login-note").textContent = note || "";
  $("login-password").value = "";
  $("login-submit").disabled = false;
  $((message || !$("login-username").value) ? "login-username" : "login-password").focus();
}

hooks.loginEnded = function (message) { toLogin(message); };

async function logIn(event) {
  event.preventDefault();
  const submit = $("login-submit");
  if (submit.disabled) return;
  submit.disabled = true;
  $("login-error").textContent = "";
  $("login-note").textContent = t("login.busy");
  let reply;
  try {
    reply = await request("POST", "/api/session", {
      username: $("login-username").value.trim(), password: $("login-password").value,
    });
  } catch (err) {
    reply = { status: 0, body: { error: "network" } };
  }
  submit.disabled = false;
  $("login-note").textContent = "";
  if (reply.status !== 200) {
    $("login-error").textContent = errorText(reply);
    $("login-password").select();
    return;
  }
  $("login-password").value = "";
  loggedIn(reply.body);
}

async function logOut() {
  await request("DELETE", "/api/session").catch(function () { return null; });
  remember(null, null);
  toLogin("", t("logout.done"));
}

function loggedIn(session) {
  setCsrf(session.csrf_token);
  state.user = session.user;
  const wanted = new URL(window.location.href).searchParams;
  const siteId = wanted.get("site") || state.user.site;
  if (siteId) openSite(siteId, wanted.get("counter"));
  else chooseSite();
}

// ---- choosing the site and the counter ----------------------------------------------------

function drawChoices(title, items, error) {
  show("choose");
  $("choose-title").textContent = title;
  $("choose-error").textContent = error || "";
  $("choose-own-site").hidden = !(error && state.user.site);
  allChoices = items;
  // More than the digits can pick (ten wards, or more): a box to narrow the list by name.
  const many = items.length > 9;
  $("choose-filter-row").hidden = !many;
  $("choose-filter").value = "";
  listChoices(items);
  const first = many ? $("choose-filter") : $("choose-list").querySelector("button");
  if (first) first.focus();
}

function listChoices(items) {
  const list = $("choose-list");
  list.replaceChildren();
  choices = items;
  items.forEach(function (item, index) {
    const button = el("button", "choice");
    button.type = "button";
    button.dataset.value = item.value;
    if (index < 9) button.appendChild(el("kbd", null, String(index + 1)));
    button.appendChild(el("span", "choice-title", item.title));
    if (item.detail) button.appendChild(el("span", "choice-detail", item.detail));
    if (item.status) button.appendChild(el("span", "choice-status", item.status));
    button.addEventListener("click", item.pick);
    list.appendChild(button);
  });
  $("choose-count").textContent = t("choose.count", { shown: items.length,
                                                      all: allChoices.length });
}

function folded(text) {
  return String(text || "").normalize("NFKC").toLowerCase();
}

function filterChoices() {
  const words = folded($("choose-filter").value).split(/\s+/).filter(Boolean);
  listChoices(allChoices.filter(function (item) {
    const text = folded([item.title, item.detail, item.value].join(" "));
    return words.every(function (word) { return text.includes(word); });
  }));
}

function onFilterKey(event) {
  if (event.key !== "Enter" || !choices.length) return;
  event.preventDefault();
  choices[0].pick();
}

async function chooseSite() {
  const reply = await read("/api/sites");
  if (reply.status !== 200) return failedChoosing(reply);
  drawChoices(t("choose.site"), reply.body.sites.map(function (site) {
    return { value: site.id, title: site.name, detail: site.ward,
             pick: function () { openSite(site.id, null); } };
  }));
}

function failedChoosing(reply) {
  if (reply.status === 401) return toLogin(errorText(reply));
  drawChoices(t("choose.title"), [], errorText(reply));
}

async function openSite(siteId, counterId) {
  resetConsole();
  const reply = await read("/api/sites/" + encodeURIComponent(siteId));
  if (reply.status !== 200) return failedChoosing(reply);
  state.siteId = siteId;
  state.site = reply.body;
  showAppointments();
  const stored = counterId || storedCounter(siteId);
  if (stored && state.site.counters.some(function (c) { return c.id === stored; })) {
    openCounter(stored);
  } else {
    chooseCounter();
  }
}

function storageKey() { return "madoguchi.counter." + state.user.username; }

function storedCounter(siteId) {
  try {
    const [site, counter] = (window.localStorage.getItem(storageKey()) || "").split("|");
    return site === siteId ? counter : null;
  } catch (err) {
    return null;
  }
}

async function chooseCounter() {
  resetConsole();
  remember(state.siteId, null);
  const reply = await read("/api/sites/" + encodeURIComponent(state.siteId) + "/counters");
  if (reply.status !== 200) return failedChoosing(reply);
  const desks = function (ids) {
    return ids.map(function (id) {
      const found = state.site.services.find(function (s) { return s.id === id; });
      return found ? found.name : id;
    }).join("・");
  };
  drawChoices(t("choose.title"), reply.body.counters.map(function (counter) {
    let status = counterStatusName(counter.status);
    if (counter.staff && counter.status !== "closed") {
      status += "　" + t("choose.in_use", { staff: counter.staff });
    }
    return { value: counter.id, title: counterTitle(counter), detail: desks(counter.services),
             status: status, pick: function () { openCounter(counter.id); } };
  }));
}

function openCounter(counterId) {
  resetConsole();
  clearError();
  state.counterId = counterId;
  try {
    window.localStorage.setItem(storageKey(), state.siteId + "|" + counterId);
  } catch (err) { /* private mode: the address remembers it too */ }
  remember(state.siteId, counterId);
  $("ack").textContent = "";
  show("console");
  redraw();
  startLive();
}

function onChooseKey(event) {
  if ($("app").dataset.screen !== "choose" || event.ctrlKey || event.altKey || event.metaKey ||
      event.target === $("choose-filter")) {
    return;
  }
  const match = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
  const choice = match && choices[Number(match[1]) - 1];
  if (!choice) return;
  event.preventDefault();
  choice.pick();
}

// ---- starting -----------------------------------------------------------------------------

async function boot() {
  bindActions();
  bindAppointments();
  $("login-form").addEventListener("submit", logIn);
  $("logout").addEventListener("click", logOut);
  $("choose-logout").addEventListener("click", logOut);
  $("change-counter").addEventListener("click", chooseCounter);
  $("choose-own-site").addEventListener("click", function () {
    openSite(state.user.site, null);
  });
  document.addEventListener("keydown", onChooseKey);
  $("choose-filter").addEventListener("input", filterChoices);
  $("choose-filter").addEventListener("keydown", onFilterKey);
  const reply = await read("/api/session");
  if (reply.status === 200) loggedIn(reply.body);
  else if (reply.status === 0) toLogin(errorText(reply));
  else toLogin("");
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();

