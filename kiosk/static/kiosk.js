/* The reception kiosk: choose one or more purposes, get one number, back to the start.
 *
 * Screens: loading → (refused | closed | start ⇄ confirm → ticket → start). The device token
 * comes once in the address (?token=…) or from pairing, and is kept (server/static/js/device.js).
 * Every string comes from the language files embedded in the page.
 */
(function () {
  "use strict";

  const IDLE_MS = 75 * 1000;           // no touch for 60–90 s on a screen with choices…
  const PROMPT_SECONDS = 20;           // …then "continue?" with 20 s to answer (WCAG 2.2.1)
  const TICKET_SECONDS = 15;           // the number stays up this long once the ticket is out
  const TICKET_LONG_SECONDS = 60;      // …or this long when no paper came out for sure
  const TICKET_LONGER_SECONDS = 60;    // each press of "keep this on screen" adds this
  const PRINT_PATIENCE_SECONDS = 180;  // no word from the server by then: say "if no paper…"
  const SITE_POLL_MS = 60 * 1000;
  const MESSAGE_SECONDS = 12;
  const CALL_STAFF_PAUSE_MS = 20 * 1000;
  const ASKED_FORGET_MS = 10 * 60 * 1000;  // a call taken later than this is not announced
  const RETRY_BOOT_MS = 5000;
  const REQUEST_TIMEOUT_MS = 15000;
  const TOKEN_KEY = "madoguchi.kiosk.token";
  const ICONS = {
    job_referral: "briefcase", job: "briefcase", job_search: "search", search: "search",
    career: "career", welfare: "heart", housing: "house", reception: "info",
  };

  const data = JSON.parse(document.getElementById("kiosk-data").textContent);
  const DEFAULT = data.default;
  const LANGS = {};
  data.languages.forEach(function (lang) { LANGS[lang.code] = lang; });
  const $ = function (id) { return document.getElementById(id); };
  const app = $("app");

  const state = {
    siteId: null, services: [], open: true, screen: "loading",
    lang: DEFAULT, large: false, chosen: [], needHelp: false, adding: false,
    issueKey: null, busy: false, ticket: null, helpResult: null,
    printStates: {}, live: null, callStaffUntil: 0,
    asked: {},  // alert id -> {kind, at, ticket}: this kiosk's calls for staff, until taken
  };
  const timers = { idle: null, prompt: null, ticket: null, message: null, poll: null,
                   patience: null };
  let ticketDeadline = 0;
  let promptDeadline = 0;

  // ---- words ------------------------------------------------------------------------------

  const { fill, plain, put, make, icon } = window.KioskWords;

  function text(key, vars, code) {
    const lang = LANGS[code || state.lang] || LANGS[DEFAULT];
    let s = lang.ui[key];
    if (s == null) s = LANGS[DEFAULT].ui[key];
    return fill(s == null ? key : s, vars);
  }

  function say(el, key, vars) { put(el, text(key, vars)); }

  const ticketScreen = window.KioskTicket.screen({
    say: say, text: text,
    desk: function (id) { return serviceText(serviceById(id)).label; },
  });

  // A desk in the visitor's language: the server's one lookup (server/desk_words.py), the
  // same words the printed ticket and the phone page say.
  function serviceText(service) {
    const words = (service.visitor || {})[state.lang] || (service.visitor || {})[DEFAULT];
    if (words && words.label) return { label: words.label, description: words.description || "" };
    return { label: service.name || service.public_label || service.id,
             description: service.description || "" };
  }

  function serviceById(id) {
    return state.services.find(function (s) { return s.id === id; }) || { id: id, name: id };
  }

  // ---- talking to the server --------------------------------------------------------------

  const device = window.MadoguchiDevice.open(TOKEN_KEY);
  const randomKey = window.MadoguchiDevice.randomKey;

  function api(method, path, body, key) {
    return device.api(method, path, body, key, REQUEST_TIMEOUT_MS);
  }

  function sitePath(rest) { return "/api/sites/" + encodeURIComponent(state.siteId) + rest; }

  const appointment = window.KioskAppointment.screen({
    api: api, sitePath: sitePath, show: show, showTicket: showTicket, showError: showError,
    randomKey: randomKey,
  });

  async function whichSite() {
    const me = await api("GET", "/api/me");
    if (me.status === 200) return me.body.role === "kiosk" && me.body.site ? me.body.site : null;
    if (me.status === 401) { device.forget(); refuse(true); return null; }  // unknown or revoked
    if (me.status === 403) return null;
    if (me.status !== 404) throw new Error("me " + me.status);
    // A server without /api/me: the token's one visible site, if it is not a staff token.
    const sites = await api("GET", "/api/sites");
    if (sites.status !== 200) return null;
    const list = sites.body.sites || [];
    if (list.length !== 1) return null;
    const staff = await api("GET", "/api/sites/" + encodeURIComponent(list[0].id) + "/queues");
    return staff.status === 403 ? list[0].id : null;
  }

  async function boot() {
    if (!device.token) { refuse(true); return; }
    show("loading");
    try {
      state.siteId = await whichSite();
      if (!state.siteId) { refuse(); return; }
      if (!(await loadSite())) throw new Error("site");
    } catch (err) {
      if (state.screen === "refused") return;
      setTimeout(boot, RETRY_BOOT_MS);  // the server may be starting: try again quietly
      return;
    }
    connectLive();
    clearInterval(timers.poll);
    timers.poll = setInterval(loadSite, SITE_POLL_MS);
    resetToStart();
  }

  // Fetch the site: its desks in order and whether it is open. Returns true when read.
  async function loadSite() {
    let reply;
    try { reply = await api("GET", sitePath("")); } catch (err) { return false; }
    if (reply.status === 401 || reply.status === 403) { refuse(); return false; }
    if (reply.status !== 200) return false;
    const changed = JSON.stringify(state.services) !== JSON.stringify(reply.body.services || []);
    state.services = reply.body.services || [];
    put($("site-name"), reply.body.name || "");
    appointment.offer(reply.body.appointments === true);
    if (changed && state.screen === "start") renderPurposes();
    setOpen(reply.body.open !== false);
    return true;
  }

  function setOpen(open) {
    state.open = open;
    if (!open && ["start", "confirm", "loading"].indexOf(state.screen) >= 0 && !state.busy) {
      closeDialogs();
      show("closed");
    } else if (open && state.screen === "closed") {
      resetToStart();
    }
  }

  function connectLive() {
    if (state.live || !window.MadoguchiRealtime) return;
    state.live = window.MadoguchiRealtime.connect({
      token: device.token,
      // A snapshot comes on (re)connecting and whenever the site's desks or hours change:
      // read the site again, so that a desk added or removed shows at once.
      onSnapshot: function () { loadSite(); },
      onEvents: function (events) {
        if (events.some(function (e) { return e.kind === "day_closed"; })) loadSite();
      },
      onRefused: function () { refuse(); },
    });
    state.live.on("print", onPrint);
    state.live.on("alert", onAlertTaken);
  }

  // Not a kiosk's token (or none): say so; a kiosk with no usable token offers pairing.
  function refuse(offerPairing) {
    closeDialogs();
    clearAllTimers();
    if (state.live) { state.live.close(); state.live = null; }
    show("refused");
    if (offerPairing) {
      window.MadoguchiDevice.pair({ onPaired: function (token) { device.keep(token); boot(); } });
    }
  }

  // ---- screens ----------------------------------------------------------------------------

  function show(name) {
    state.screen = name;
    app.dataset.screen = name;
    document.querySelectorAll(".screen").forEach(function (el) {
      el.hidden = el.id !== "screen-" + name;
    });
    $("add-back").hidden = !(name === "start" && state.adding);
    if (name === "start") renderStart();
    if (name === "confirm") renderConfirm();
    armIdle();
  }

  function applyLanguage() {
    const lang = LANGS[state.lang];
    document.documentElement.lang = lang.lang;
    document.documentElement.dir = lang.dir || "ltr";
    document.documentElement.classList.toggle("ruby", Boolean(lang.ruby));
    document.documentElement.classList.toggle("large", state.large);
    document.title = plain(text("page_title"));
    document.querySelectorAll("[data-t]").forEach(function (el) { say(el, el.dataset.t); });
    document.querySelectorAll("button.lang").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
    });
    $("larger").setAttribute("aria-pressed", String(state.large));
    if (state.screen === "start") renderStart();
    if (state.screen === "confirm") renderConfirm();
  }

  function setLanguage(code) {
    if (!LANGS[code]) return;
    state.lang = code;
    applyLanguage();
  }

  function renderStart() {
    say($("start-title"), state.adding ? "add.title" : "start.title");
    say($("start-hint"), state.adding ? "add.hint" : "start.hint");
    renderPurposes();
  }

  function renderPurposes() {
    const box = $("purposes");
    box.textContent = "";
    state.services.forEach(function (service) {
      const words = serviceText(service);
      const button = make("button", "purpose");
      button.type = "button";
      button.dataset.service = service.id;
      button.append(icon(ICONS[service.id] || "dot"));
      const body = make("span", "body");
      const label = make("span", "label");
      put(label, words.label);
      body.append(label);
      if (words.description) {
        const desc = make("span", "desc");
        put(desc, words.description);
        body.append(desc);
      }
      button.append(body);
      const order = state.chosen.indexOf(service.id);
      if (order >= 0) {
        button.classList.add("chosen");
        button.setAttribute("aria-disabled", "true");
        const badge = make("span", "badge");
        badge.textContent = String(order + 1);
        button.append(badge);
      }
      button.addEventListener("click", function () { choose(service.id); });
      box.append(button);
    });
  }

  function choose(id) {
    if (state.chosen.indexOf(id) >= 0) return;
    state.chosen.push(id);
    state.adding = false;
    state.issueKey = null;  // a new choice is a new request
    show("confirm");
  }

  function renderConfirm() {
    const list = $("chosen");
    list.textContent = "";
    state.chosen.forEach(function (id, index) {
      const item = make("li");
      const badge = make("span", "badge");
      badge.textContent = String(index + 1);
      const label = make("span", "label");
      put(label, serviceText(serviceById(id)).label);
      item.append(badge, icon(ICONS[id] || "dot"), label);
      list.append(item);
    });
    say($("confirm-note"), state.chosen.length > 1 ? "confirm.many" : "confirm.one");
    $("need-help").setAttribute("aria-pressed", String(state.needHelp));
    $("add-more").hidden = state.chosen.length >= Math.min(state.services.length, 6);
    say($("issue-label"), state.busy ? "issuing" : "confirm.issue");
    $("issue").disabled = state.busy;
  }

  // ---- issuing ----------------------------------------------------------------------------

  async function issue() {
    if (state.busy || !state.chosen.length) return;
    state.busy = true;
    clearTimeout(timers.idle);
    renderConfirm();
    if (!state.issueKey) state.issueKey = randomKey();
    const body = { services: state.chosen.slice(), priority: state.needHelp, language: state.lang };
    let reply = null;
    for (let attempt = 0; attempt < 3 && reply === null; attempt += 1) {
      try {
        reply = await api("POST", sitePath("/tickets"), body, state.issueKey);
      } catch (err) {
        if (attempt < 2) await new Promise(function (ok) { setTimeout(ok, 700 * (attempt + 1)); });
      }
    }
    state.busy = false;
    renderConfirm();
    if (reply && reply.status === 201) {
      state.issueKey = null;
      if (state.needHelp) callFor("need_help", reply.body.id).then(showHelpResult);
      // The desks named as the visitor chose them, in their language, not the server's words.
      showTicket(Object.assign({}, reply.body, { chosen: body.services.slice() }));
    } else if (reply && (reply.status === 401 || reply.status === 403)) {
      refuse();
    } else if (reply && reply.body.error === "site_closed") {
      state.issueKey = null;
      setOpen(false);
      loadSite();
    } else {
      // Same key again only if the server may have done it (no answer, or its own failure).
      if (reply && reply.status < 500) state.issueKey = null;
      showError(reply);
    }
    armIdle();
  }

  function showError(reply) {
    const code = reply ? reply.body.error : null;
    const known = ["numbers_exhausted", "unknown_service", "unknown_booking", "site_closed",
      "already_checked_in", "booking_expired", "booking_other_site", "booking_not_yet",
      "too_many_attempts"];
    const key = !reply ? "error.network" : known.indexOf(code) >= 0 ? "error." + code
      : "error.generic";
    say($("error-text"), key);
    // The server's own words, small, for the member of staff who comes to help.
    $("error-detail").textContent = reply && reply.body.message
      ? reply.body.message + (code ? " (" + code + ")" : "") : "";
    openDialog("error");
  }

  // ---- the ticket -------------------------------------------------------------------------

  function showTicket(ticket) {
    state.ticket = ticket;
    state.helpResult = state.needHelp ? "pending" : null;
    renderTicket();
    show("ticket");
    paperSettled(paperOf(ticket));
  }

  // The paper's state ({state, late}): a push from the printer (it may come before the
  // answer to the issue) wins over the answer's own.
  function paperOf(ticket) {
    return state.printStates[ticket.id]
      || (ticket.print ? { state: ticket.print.state, late: false } : null);
  }

  // The way back to the start is counted only once the paper's fate is known: "take your
  // ticket" is never said before the printer confirmed it, and a failure that comes late
  // still finds the number on screen. With no word at all, the kiosk says "if no paper
  // comes out, this is your number" after PRINT_PATIENCE_SECONDS.
  function paperSettled(paper) {
    clearTimeout(timers.patience);
    if (window.KioskTicket.waiting(paper)) {
      clearInterval(timers.ticket);
      ticketDeadline = 0;
      $("ticket-returning").textContent = "";
      $("ticket-longer").hidden = true;
      const id = state.ticket.id;
      timers.patience = setTimeout(function () {
        onPrint({ ticket: id, state: "unknown", late: false });
      }, PRINT_PATIENCE_SECONDS * 1000);
      return;
    }
    startTicketCountdown(paper && paper.state === "printed" ? TICKET_SECONDS
      : TICKET_LONG_SECONDS);
  }

  function renderTicket() {
    if (state.ticket) ticketScreen.render(state.ticket, paperOf(state.ticket), state.helpResult);
  }

  function renderPaper() { ticketScreen.paper(paperOf(state.ticket)); }

  function renderHelp() { ticketScreen.help(state.helpResult); }

  function showHelpResult(result) {
    if (!state.ticket) return;
    state.helpResult = result;
    renderHelp();
  }

  function onPrint(message) {
    if (!message || message.ticket == null) return;
    state.printStates[message.ticket] = { state: message.state, late: !!message.late };
    const ids = Object.keys(state.printStates);
    if (ids.length > 50) delete state.printStates[ids[0]];
    if (state.screen !== "ticket" || !state.ticket || state.ticket.id !== message.ticket) return;
    renderPaper();
    paperSettled(state.printStates[message.ticket]);
  }

  function startTicketCountdown(seconds) {
    ticketDeadline = Math.max(ticketDeadline, Date.now() + seconds * 1000);
    clearInterval(timers.ticket);
    const tick = function () {
      const left = Math.ceil((ticketDeadline - Date.now()) / 1000);
      if (left <= 0) { resetToStart(); return; }
      say($("ticket-returning"), "ticket.returning", { s: left });
    };
    tick();
    timers.ticket = setInterval(tick, 1000);
    $("ticket-longer").hidden = false;
  }

  // The visitor may keep the number up longer, as often as they like (WCAG 2.2.1).
  function keepTicketLonger() {
    if (!ticketDeadline) return;
    ticketDeadline = Math.max(ticketDeadline, Date.now()) + TICKET_LONGER_SECONDS * 1000;
    say($("ticket-returning"), "ticket.returning",
        { s: Math.ceil((ticketDeadline - Date.now()) / 1000) });
  }

  // ---- staff ------------------------------------------------------------------------------

  // "sent", "missing" (the server has no alerts yet) or "failed". With the ticket, staff
  // know which number to look for. The alert's id is kept until someone takes it.
  async function callFor(kind, ticketId) {
    const body = typeof ticketId === "number" ? { kind: kind, ticket: ticketId } : { kind: kind };
    try {
      const reply = await api("POST", sitePath("/alerts"), body, randomKey());
      if (reply.status >= 200 && reply.status < 300) {
        if (reply.body && reply.body.id) {
          state.asked[reply.body.id] = { kind: kind, at: Date.now(), ticket: ticketId };
        }
        return "sent";
      }
      return reply.status === 404 ? "missing" : "failed";
    } catch (err) {
      return "failed";
    }
  }

  async function callStaff() {
    if (Date.now() < state.callStaffUntil) { showMessage(null); return; }
    state.callStaffUntil = Date.now() + CALL_STAFF_PAUSE_MS;
    showMessage(null);
    showMessage(await callFor("call_staff"));
  }

  // A member of staff took this kiosk's call: tell the visitor someone is coming (on the
  // ticket screen of the number that asked, else in the message box), if it is recent.
  function onAlertTaken(message) {
    const asked = message && message.state === "taken" && state.asked[message.id];
    if (!asked) return;
    delete state.asked[message.id];
    if (Date.now() - asked.at > ASKED_FORGET_MS) return;
    if (state.screen === "ticket" && state.ticket && state.ticket.id === asked.ticket) {
      state.helpResult = "taken";
      renderHelp();
      return;
    }
    showMessage("taken");
  }

  function showMessage(result) {
    say($("message-text"), result === "taken" ? "staff_coming" : "staff_called");
    const more = $("message-more");
    more.hidden = !(result === "missing" || result === "failed");
    say(more, "staff_ask_counter");
    openDialog("message");
    clearTimeout(timers.message);
    timers.message = setTimeout(function () { closeDialog("message"); }, MESSAGE_SECONDS * 1000);
  }

  // ---- dialogs, idle and reset ------------------------------------------------------------

  function openDialog(name) {
    document.querySelectorAll(".dialog").forEach(function (el) {
      el.hidden = el.id !== "dialog-" + name;
    });
    $("overlay").hidden = false;
  }

  function closeDialog(name) {
    if ($("dialog-" + name).hidden) return;
    $("dialog-" + name).hidden = true;
    $("overlay").hidden = true;
    if (name === "idle") { clearInterval(timers.prompt); armIdle(); }
  }

  function closeDialogs() {
    ["idle", "message", "error"].forEach(function (name) { $("dialog-" + name).hidden = true; });
    $("overlay").hidden = true;
    clearInterval(timers.prompt);
  }

  function dialogOpen(name) { return !$("dialog-" + name).hidden; }

  function pristine() {
    return state.screen === "start" && state.lang === DEFAULT && !state.large
      && state.chosen.length === 0;
  }

  function armIdle() {
    clearTimeout(timers.idle);
    timers.idle = null;
    if (dialogOpen("idle") || state.busy) return;
    if ((state.screen === "start" || state.screen === "confirm") && !pristine()) {
      timers.idle = setTimeout(promptIdle, IDLE_MS);
    }
  }

  function promptIdle() {
    closeDialogs();
    promptDeadline = Date.now() + PROMPT_SECONDS * 1000;
    say($("idle-title"), "idle.title");
    const second = $("idle-second");
    second.hidden = state.lang === "ja-easy" || !LANGS["ja-easy"];
    if (!second.hidden) put(second, text("idle.title", null, "ja-easy"));
    say($("idle-continue-label"), "idle.continue");
    say($("idle-restart-label"), "idle.restart");
    const tick = function () {
      const left = Math.ceil((promptDeadline - Date.now()) / 1000);
      if (left <= 0) { resetToStart(); return; }
      say($("idle-body"), "idle.body", { s: left });
    };
    tick();
    openDialog("idle");
    clearInterval(timers.prompt);
    timers.prompt = setInterval(tick, 1000);
  }

  function clearAllTimers() {
    clearTimeout(timers.idle);
    clearInterval(timers.prompt);
    clearInterval(timers.ticket);
    clearTimeout(timers.message);
    clearInterval(timers.poll);
    clearTimeout(timers.patience);
  }

  // The next visitor starts from a clean screen, in Japanese, at normal text size.
  function resetToStart() {
    appointment.leave();
    closeDialogs();
    clearInterval(timers.ticket);
    clearTimeout(timers.patience);
    clearTimeout(timers.message);
    ticketDeadline = 0;
    Object.assign(state, { lang: DEFAULT, large: false, chosen: [], needHelp: false,
                           adding: false, issueKey: null, ticket: null, helpResult: null });
    state.screen = "start";
    renderConfirm();  // no stale choice lingers behind the start screen
    applyLanguage();
    show(state.open ? "start" : "closed");
  }

  // ---- wiring -----------------------------------------------------------------------------

  function wire() {
    document.querySelectorAll("button.lang").forEach(function (button) {
      button.addEventListener("click", function () { setLanguage(button.dataset.lang); });
    });
    $("issue").addEventListener("click", issue);
    $("need-help").addEventListener("click", function () {
      state.needHelp = !state.needHelp;
      renderConfirm();
    });
    $("add-more").addEventListener("click", function () { state.adding = true; show("start"); });
    $("add-back").addEventListener("click", function () { state.adding = false; show("confirm"); });
    $("restart").addEventListener("click", function () {
      Object.assign(state, { chosen: [], needHelp: false, adding: false, issueKey: null });
      show("start");
    });
    $("larger").addEventListener("click", function () {
      state.large = !state.large;
      applyLanguage();
    });
    $("call-staff").addEventListener("click", callStaff);
    $("ticket-done").addEventListener("click", resetToStart);
    $("ticket-longer").addEventListener("click", keepTicketLonger);
    $("idle-continue").addEventListener("click", function () { closeDialog("idle"); });
    $("idle-restart").addEventListener("click", resetToStart);
    $("message-ok").addEventListener("click", function () { closeDialog("message"); });
    $("error-retry").addEventListener("click", function () { closeDialog("error"); issue(); });
    $("error-restart").addEventListener("click", resetToStart);
    $("overlay").addEventListener("click", function (event) {
      if (event.target !== $("overlay")) return;  // a tap beside the sheet
      if (dialogOpen("idle")) closeDialog("idle");
      else if (dialogOpen("message")) closeDialog("message");
    });
    // Any touch means someone is there: restart the idle clock (after the tap did its work).
    document.addEventListener("pointerdown", function () { if (!dialogOpen("idle")) armIdle(); },
                              true);
    document.addEventListener("click", function () { if (!dialogOpen("idle")) armIdle(); });
    document.addEventListener("keydown", function () { if (!dialogOpen("idle")) armIdle(); });
    // No long-press menu, no dragging, no selecting on a public touch screen.
    ["contextmenu", "dragstart", "selectstart", "gesturestart"].forEach(function (name) {
      document.addEventListener(name, function (event) { event.preventDefault(); });
    });
  }

  wire();
  boot();
})();
