/* The waiting-room display and the per-counter screen.
 *
 * Screens: loading → (pairing | refused | room | counter). The device token comes once in
 * the address (?token=…), or from pairing, and is kept (server/static/js/device.js). Without a token (or
 * with one that was revoked) the display shows a short code for an administrator to enter,
 * and collects its token once it is paired. GET /api/me says which screen: a display bound
 * to a counter shows that counter's number, any other display the calls of its area. Everything live comes over Socket.IO (server/static/js/realtime.js):
 * a snapshot on every (re)connect, then events; after an outage the server replays what was
 * missed, so the calls made meanwhile appear in the lists.
 *
 * Announcements (room screen only): every call and recall is spoken, one after another, never
 * overlapping: the words and the audio come from the server (/voice/…). A call replayed after
 * an outage is spoken only if it is less than ANNOUNCE_REPLAYED_WITHIN_MS old, so a long
 * outage does not end in a burst of stale calls. window.__announcements logs each one.
 */
(function () {
  "use strict";

  const TOKEN_KEY = "madoguchi.display.token";
  const RETRY_BOOT_MS = 3000;
  const PAIRING_POLL_MS = 3000;
  const LOST_AFTER_MS = 1500;        // a blip shorter than this is not worth a banner
  const FRESH_MS = 15000;            // how long a new call stays framed
  const RECENT_SHOWN = 6;
  const MAX_CALLS_SHOWN = 8;
  const ANNOUNCE_GAP_MS = 600;
  const ANNOUNCE_REPLAYED_WITHIN_MS = 60000;
  const ANNOUNCE_RETRY_MS = 1000;
  const CLEARS = ["started", "no_show", "requeued", "cancelled", "transferred", "parked",
    "finished"];
  const COUNTER_STATUS = { counter_opened: "open", counter_paused: "paused",
    counter_resumed: "open", counter_closed: "closed" };

  const $ = function (id) { return document.getElementById(id); };
  const app = $("app");

  const state = {
    me: null, mode: null, live: null,
    site: "", notice: "", offsetMs: 0, zone: "+09:00",
    counters: new Map(),   // counter id → {counter, counter_number, counter_name, status, label, kind, seq, at}
    recent: [],            // public call events, newest first
    services: [],          // [{id, label, waiting, estimate}]
    corner: [],            // a welfare corner's display: its sensitive desks, same shape
    fresh: new Map(),      // counter id → {seq, until}
    lostTimer: null, ticking: null,
  };

  // ---- plumbing ---------------------------------------------------------------------------

  function put(el, text) { if (el.textContent !== text) el.textContent = text; }

  function show(name) {
    app.dataset.screen = name;
    document.querySelectorAll(".screen").forEach(function (el) {
      el.hidden = el.id !== "screen-" + name;
    });
  }

  const device = window.MadoguchiDevice.open(TOKEN_KEY);

  function getJson(path) { return device.api("GET", path); }

  // The audio of an announcement (not JSON), with the device's token.
  function authorised(path) {
    return fetch(path, { headers: { Authorization: "Bearer " + device.token }, cache: "no-store" });
  }

  function serverNow() { return Date.now() + state.offsetMs; }

  // ---- start ------------------------------------------------------------------------------

  async function boot() {
    if (!device.token) { pair(); return; }
    let me;
    try { me = await getJson("/api/me"); } catch (err) { me = null; }
    if (!me || me.status >= 500) { setTimeout(boot, RETRY_BOOT_MS); return; }
    if (me.status === 401) { device.forget(); pair(); return; }  // unknown or revoked: pair again
    if (me.status !== 200 || me.body.role !== "display") { refuse(); return; }
    state.me = me.body;
    state.mode = me.body.counter ? "counter" : "room";
    show(state.mode);
    connect();
    if (state.mode === "room") startSound();
    if (!state.ticking) state.ticking = setInterval(tick, 1000);
    tick();
  }

  function refuse() {
    if (state.live) { state.live.close(); state.live = null; }
    show("refused");
  }

  // ---- pairing: show a code, wait for an administrator to enter it -------------------------

  function pair() {
    show("pairing");
    window.MadoguchiDevice.pair({
      pollMs: PAIRING_POLL_MS,
      retryMs: RETRY_BOOT_MS,
      onPaired: function (token) { device.keep(token); boot(); },
      onUnavailable: refuse,  // a server without pairing
    });
  }

  function connect() {
    if (!window.MadoguchiRealtime) { setTimeout(connect, RETRY_BOOT_MS); return; }
    state.live = window.MadoguchiRealtime.connect({
      token: device.token,
      onSnapshot: takeSnapshot,
      onEvents: takeEvents,
      onStatus: setConnected,
      onRefused: function () { state.live.close(); state.live = null; device.forget(); boot(); },
    });
  }

  // Every failed reconnect attempt reports again: the first report starts the count.
  function setConnected(connected) {
    if (connected) {
      clearTimeout(state.lostTimer);
      state.lostTimer = null;
      app.dataset.connection = "live";
      $("offline").hidden = true;
      return;
    }
    if (state.lostTimer !== null || app.dataset.connection === "lost") return;
    state.lostTimer = setTimeout(function () {
      state.lostTimer = null;
      app.dataset.connection = "lost";
      $("offline").hidden = false;
    }, LOST_AFTER_MS);
  }

  // ---- what the server says ---------------------------------------------------------------

  function takeSnapshot(snapshot) {
    if (snapshot.now) {
      state.offsetMs = Date.parse(snapshot.now) - Date.now();
      state.zone = snapshot.now.slice(19) || state.zone;
    }
    state.site = snapshot.name || "";
    state.notice = snapshot.notice || "";
    state.counters = new Map();
    (snapshot.counters || []).forEach(function (c) {
      state.counters.set(c.counter, Object.assign({}, c, { kind: "called", seq: 0, at: null }));
    });
    state.recent = (snapshot.recent_calls || []).slice();
    // The newest call of each counter says when its number was called (for the order).
    state.recent.slice().reverse().forEach(function (call) {
      const counter = state.counters.get(call.counter);
      if (counter && counter.label === call.label) {
        counter.seq = call.seq; counter.at = call.at; counter.kind = call.kind;
      }
    });
    state.services = (snapshot.services || []).map(function (s) { return Object.assign({}, s); });
    state.corner = (snapshot.corner_desks || []).map(function (s) { return Object.assign({}, s); });
    render();
  }

  // A welfare corner's display is sent its sensitive desks' rows whole, in a room of their own
  // (server/corner_displays.py); no other display ever gets them.
  function takeCorner(rows) {
    rows.forEach(function (row) {
      const known = state.corner.find(function (s) { return s.id === row.id; });
      if (known) Object.assign(known, row); else state.corner.push(Object.assign({}, row));
    });
  }

  function takeEvents(events, message) {
    const replay = Boolean(message && message.replay);
    events.forEach(function (ev) { takeEvent(ev, replay); });
    if (message && message.waiting) {
      state.services.forEach(function (s) {
        if (Object.prototype.hasOwnProperty.call(message.waiting, s.id)) s.waiting = message.waiting[s.id];
      });
    }
    if (message && message.corner_desks) takeCorner(message.corner_desks);
    if (message && message.estimates) {
      state.services.forEach(function (s) {
        if (Object.prototype.hasOwnProperty.call(message.estimates, s.id)) s.estimate = message.estimates[s.id];
      });
    }
    render();
  }

  function takeEvent(ev, replay) {
    const counter = ev.counter ? state.counters.get(ev.counter) : null;
    if (ev.kind === "called" || ev.kind === "recalled") {
      if (!counter) return;  // another area's counter
      Object.assign(counter, { label: ev.label, kind: ev.kind, seq: ev.seq, at: ev.at });
      state.recent.unshift(ev);
      state.recent.length = Math.min(state.recent.length, 24);
      state.fresh.set(ev.counter, { seq: ev.seq, until: Date.now() + FRESH_MS });
      if (state.mode === "room" && (!replay || age(ev) < ANNOUNCE_REPLAYED_WITHIN_MS)) {
        announcer.add(ev);
      }
    } else if (CLEARS.indexOf(ev.kind) >= 0) {
      if (counter && counter.label === ev.label) counter.label = null;
    } else if (COUNTER_STATUS[ev.kind]) {
      if (counter) counter.status = COUNTER_STATUS[ev.kind];
    } else if (ev.kind === "day_closed") {
      state.counters.forEach(function (c) { c.label = null; });
      state.recent = [];
    }
  }

  function age(ev) {
    const at = Date.parse(ev.at || "");
    return Number.isNaN(at) ? Infinity : serverNow() - at;
  }

  // ---- drawing ----------------------------------------------------------------------------

  function render() {
    if (state.mode === "room") renderRoom();
    if (state.mode === "counter") renderCounter();
  }

  function calling() {
    const list = [];
    state.counters.forEach(function (c) { if (c.label) list.push(c); });
    list.sort(function (a, b) { return (b.seq - a.seq) || (a.counter_number - b.counter_number); });
    return list.slice(0, MAX_CALLS_SHOWN);
  }

  function renderRoom() {
    put($("site-name"), state.site);
    const calls = calling();
    const holder = $("calls");
    holder.dataset.count = calls.length > 3 ? "many" : "few";
    const keep = new Set(calls.map(function (c) { return c.counter; }));
    Array.from(holder.children).forEach(function (el) {
      if (!keep.has(el.dataset.counter)) el.remove();
    });
    calls.forEach(function (c, index) {
      let el = holder.querySelector('[data-counter="' + CSS.escape(c.counter) + '"]');
      if (!el) el = callBlock(c.counter);
      fillCall(el, c);
      if (holder.children[index] !== el) holder.insertBefore(el, holder.children[index] || null);
    });
    joining.splice(0).forEach(joinBeat);
    $("calls-empty").hidden = calls.length > 0;
    renderRecent(calls);
    renderWaiting();
    put($("notice-text"), state.notice);
    $("notice").hidden = !state.notice;
  }

  function callBlock(counterId) {
    const el = document.createElement("li");
    el.className = "call";
    el.dataset.counter = counterId;
    el.innerHTML = '<span class="call-badge"></span><span class="call-number"></span>' +
      '<span class="call-counter"><span class="to" aria-hidden="true">→</span><span class="name"></span></span>';
    return el;
  }

  // Blocks that began to flash in this render, to be put on the common beat once inserted.
  const joining = [];
  const canJoinBeat = Boolean(document.timeline && typeof Element.prototype.getAnimations === "function");

  // Start a flashing block's animations on the last whole second of the page's timeline,
  // so that every block flashes in step however late the browser got round to starting it.
  function joinBeat(el) {
    const now = canJoinBeat ? document.timeline.currentTime : null;
    if (now === null || now === undefined || !el.isConnected) return;
    const beat = now - (now % 1000);
    el.getAnimations({ subtree: true }).forEach(function (a) {
      if (String(a.animationName || "").indexOf("flash") === 0) a.startTime = beat;
    });
  }

  function fillCall(el, c) {
    put(el.querySelector(".call-number"), c.label);
    put(el.querySelector(".name"), c.counter_name);
    el.dataset.label = c.label;
    const fresh = state.fresh.get(c.counter);
    const isFresh = Boolean(fresh && fresh.until > Date.now() && fresh.seq === c.seq);
    el.classList.toggle("fresh", isFresh);
    put(el.querySelector(".call-badge"), isFresh ? (c.kind === "recalled" ? "もう一度お呼びしています" : "お呼び出し") : "");
    if (isFresh && el.dataset.flashed !== String(c.seq)) {
      el.dataset.flashed = String(c.seq);
      el.classList.remove("flash");
      void el.offsetWidth;  // restart the animation for a new call or a recall
      // Join the common beat: every flashing block turns on and off at the same moments.
      // Where the browser lets us, the animations' start is set once the block is in the
      // page (joinBeat); older ones get a delay from the clock, which is near enough.
      el.style.setProperty("--flash-phase", canJoinBeat ? "0ms" : -(Date.now() % 1000) + "ms");
      el.classList.add("flash");
      joining.push(el);
    } else if (!isFresh) {
      el.classList.remove("flash");
    }
  }

  function renderRecent(calls) {
    const now = new Set(calls.map(function (c) { return c.counter + "|" + c.label; }));
    const seen = new Set();
    const rows = [];
    state.recent.forEach(function (call) {
      const key = call.counter + "|" + call.label;
      if (now.has(key) || seen.has(key) || rows.length >= RECENT_SHOWN) return;
      seen.add(key);
      rows.push(call);
    });
    const list = $("recent");
    const html = rows.map(function (call) {
      return '<li><span class="recent-number"></span><span class="recent-counter"></span>' +
        '<span class="recent-time"></span></li>';
    }).join("");
    if (list.children.length !== rows.length) list.innerHTML = html;
    rows.forEach(function (call, i) {
      const li = list.children[i];
      put(li.querySelector(".recent-number"), call.label);
      put(li.querySelector(".recent-counter"), call.counter_name || "");
      put(li.querySelector(".recent-time"), (call.at || "").slice(11, 16));
    });
    $("recent-empty").hidden = rows.length > 0;
  }

  function renderWaiting() {
    const body = $("waiting");
    const rows = state.services.concat(state.corner);
    if (body.children.length !== rows.length) {
      body.innerHTML = rows.map(function () {
        return '<tr><td class="desk"></td><td class="count"><strong></strong> 人</td><td class="wait"></td></tr>';
      }).join("");
    }
    rows.forEach(function (s, i) {
      const row = body.children[i];
      row.dataset.service = s.id;
      row.classList.toggle("corner", i >= state.services.length);
      put(row.querySelector(".desk"), s.label);
      put(row.querySelector(".count strong"), String(s.waiting));
      put(row.querySelector(".wait"), s.waiting > 0 && s.estimate ? s.estimate.text : "—");
    });
  }

  function renderCounter() {
    const c = state.counters.get(state.me.counter) || state.counters.values().next().value;
    if (!c) return;
    put($("counter-name"), c.counter_name);
    const number = $("counter-number");
    put(number, c.label || "—");
    number.classList.toggle("none", !c.label);
    const text = c.label ? "お入りください" : c.status === "paused" ? "ただいま休止中です"
      : c.status === "closed" ? "受付を終了しました" : "";
    put($("counter-state"), text);
    const fresh = state.fresh.get(c.counter);
    const screen = $("screen-counter");
    if (c.label && fresh && fresh.seq === c.seq && screen.dataset.flashed !== String(c.seq)) {
      screen.dataset.flashed = String(c.seq);
      screen.classList.remove("flash");
      void screen.offsetWidth;
      screen.classList.add("flash");
    }
  }

  function tick() {
    const local = new Date(serverNow() + zoneMs(state.zone));
    const hh = String(local.getUTCHours()).padStart(2, "0");
    const mm = String(local.getUTCMinutes()).padStart(2, "0");
    put($("clock"), hh + ":" + mm);
    // End the frame of calls that are no longer new.
    let expired = false;
    state.fresh.forEach(function (f, id) {
      if (f.until <= Date.now()) { state.fresh.delete(id); expired = true; }
    });
    if (expired) render();
  }

  function zoneMs(zone) {
    const m = /^([+-])(\d\d):(\d\d)$/.exec(zone || "");
    if (!m) return 0;
    return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60000;
  }

  // ---- sound: known from the start, told to the server (display/static/sound.js) ---------

  const SOUND_REPORT_MS = 60000;  // also the display's sign of life on the admin page
  let soundTimer = null;

  function startSound() {
    if (!window.MadoguchiSound || soundTimer) return;
    window.MadoguchiSound.start({ report: function () { reportSound(); },
      onAllowed: function () { announcer.release(); } });
    soundTimer = setInterval(reportSound, SOUND_REPORT_MS);
    if (state.live) {
      state.live.on("sound_test", async function () {
        reportSound(await window.MadoguchiSound.test());
      });
    }
  }

  function reportSound(test) {
    const sound = window.MadoguchiSound.state;
    if (sound === "unknown") return;
    const body = { sound: sound, held: announcer.held() };
    if (test) body.test = test;
    device.api("POST", "/api/displays/sound", body).catch(function () { /* next time */ });
  }

  // ---- announcements ----------------------------------------------------------------------

  const announcer = (function () {
    const queue = [];
    const log = [];
    let waiting = [];  // calls not spoken because sound was not allowed: spoken once it is
    const audio = new Audio();
    let busy = false;
    window.__announcements = log;

    function add(ev) {
      const entry = { seq: ev.seq, label: ev.label, counter: ev.counter,
        counter_number: ev.counter_number, kind: ev.kind, text: null,
        queued: performance.now(), start: null, end: null, error: null };
      log.push(entry);
      queue.push(entry);
      pump();
    }

    async function pump() {
      if (busy || !queue.length) return;
      const entry = queue.shift();
      busy = true;
      let url = null;
      let wait = ANNOUNCE_GAP_MS;
      try {
        const query = "label=" + encodeURIComponent(entry.label) + "&counter=" + entry.counter_number;
        const phrase = await getJson("/voice/announcement?" + query);
        if (phrase.status !== 200) throw new Error(phrase.body.error || "voice " + phrase.status);
        entry.text = phrase.body.text;
        const wav = await authorised(phrase.body.url);
        if (!wav.ok) throw new Error("audio " + wav.status);
        url = URL.createObjectURL(await wav.blob());
        await play(entry, url, phrase.body.seconds);
        if (entry.error === "NotAllowedError") hold(entry);
      } catch (err) {
        // fetch() fails with a TypeError when the server cannot be reached: try again while
        // the call is still worth announcing, and keep the order.
        // A voice slow to come (the request timed out: AbortError) is tried again too.
        const again = err instanceof TypeError || (err && err.name === "AbortError");
        if (again && performance.now() - entry.queued < ANNOUNCE_REPLAYED_WITHIN_MS) {
          queue.unshift(entry);
          wait = ANNOUNCE_RETRY_MS;
        } else {
          entry.error = String((err && err.message) || err);
        }
      } finally {
        if (url) URL.revokeObjectURL(url);
        busy = false;
        setTimeout(pump, wait);
      }
    }

    // Resolves when the audio has ended (or failed, or clearly stalled).
    function play(entry, url, seconds) {
      return new Promise(function (resolve) {
        let guard = null;
        function done(error) {
          if (entry.end !== null) return;
          entry.end = performance.now();
          if (error) entry.error = error;
          clearTimeout(guard);
          audio.onplaying = audio.onended = audio.onerror = null;
          resolve();
        }
        audio.onplaying = function () {
          if (entry.start === null) entry.start = performance.now();
          if (window.MadoguchiSound) window.MadoguchiSound.played();
        };
        audio.onended = function () { done(null); };
        audio.onerror = function () { done("audio error"); };
        audio.src = url;
        guard = setTimeout(function () { done("timeout"); }, (Number(seconds) || 10) * 1000 + 5000);
        const started = audio.play();
        if (started && started.catch) {
          started.catch(function (err) {
            if (err && err.name === "NotAllowedError" && window.MadoguchiSound) {
              window.MadoguchiSound.refused();
            }
            done(err && err.name ? err.name : "play failed");
          });
        }
      });
    }

    // Kept, not dropped: spoken when sound is allowed, if the number is still being called.
    function hold(entry) {
      Object.assign(entry, { held: true, start: null, end: null, error: null });
      waiting.push(entry);
      reportSound();
    }

    function release() {
      const held = waiting;
      waiting = [];
      held.forEach(function (entry) {
        const counter = state.counters.get(entry.counter);
        if (counter && counter.label === entry.label && counter.seq === entry.seq) {
          entry.held = false;
          queue.push(entry);
        } else {
          entry.error = "no longer current";
        }
      });
      pump();
    }

    // Without --autoplay-policy=no-user-gesture-required the browser wants one tap first.
    $("sound").addEventListener("click", function () {
      audio.muted = false;
      audio.play().catch(function () { /* nothing loaded yet: the tap is what counted */ });
    });

    return { add: add, release: release, held: function () { return waiting.length; } };
  })();

  boot();
})();
