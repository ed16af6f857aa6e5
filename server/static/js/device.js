/* A paired device's side of the server, shared by the kiosk and the displays: its token, its
 * calls to the API, and pairing when it has no token yet.
 *
 *   const device = MadoguchiDevice.open("madoguchi.kiosk.token");
 *   device.token;                         // from ?token=… once (then out of the address bar),
 *                                         // else as kept in localStorage; null if none
 *   await device.api("POST", path, body, key);  // {status, body}; throws if no answer
 *   device.keep(token); device.forget();
 *   MadoguchiDevice.pair({ onPaired(token) {}, onUnavailable() {} });  // shows a short code
 *   MadoguchiDevice.randomKey();          // a fresh Idempotency-Key
 *
 * Pairing asks the server for a code, shows it in #pairing-code (and the time left in
 * #pairing-left, #pairing unhidden if the page has one) and waits until an administrator
 * enters it on the admin page; a new code follows when one expires.
 */
(function (global) {
  "use strict";

  const REQUEST_TIMEOUT_MS = 15000;

  function randomKey() {
    const bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);  // works on plain http too, unlike randomUUID
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function stored(storageKey) {
    try { return global.localStorage.getItem(storageKey); } catch (err) { return null; }
  }

  function store(storageKey, token) {
    try {
      if (token) global.localStorage.setItem(storageKey, token);
      else global.localStorage.removeItem(storageKey);
    } catch (err) { /* private mode: the token lasts as long as the page */ }
  }

  // A token given in the address is kept and taken out of the address bar (and so out of
  // what the browser shows and bookmarks).
  function fromAddress(storageKey) {
    const url = new URL(global.location.href);
    const given = url.searchParams.get("token");
    if (!given) return null;
    store(storageKey, given);
    url.searchParams.delete("token");
    global.history.replaceState(null, "", url.pathname + url.search + url.hash);
    return given;
  }

  // One request with the device's token. Resolves to {status, body}; throws when nothing
  // answered within `timeoutMs`.
  async function request(token, method, path, body, key, timeoutMs) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (key) headers["Idempotency-Key"] = key;
    const abort = new AbortController();
    const timer = setTimeout(function () { abort.abort(); }, timeoutMs || REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(path, {
        method: method, headers: headers, cache: "no-store", signal: abort.signal,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      let payload = null;
      try { payload = await response.json(); } catch (err) { payload = null; }
      return { status: response.status, body: payload || {} };
    } finally {
      clearTimeout(timer);
    }
  }

  function open(storageKey) {
    const device = {
      token: fromAddress(storageKey) || stored(storageKey),
      api(method, path, body, key, timeoutMs) {
        return request(device.token, method, path, body, key, timeoutMs);
      },
      keep(token) { device.token = token; store(storageKey, token); },
      forget() { device.token = null; store(storageKey, null); },
    };
    return device;
  }

  // ---- pairing ----------------------------------------------------------------------------

  let running = null;

  function put(id, text) { const el = document.getElementById(id); if (el) el.textContent = text; }

  // Show codes until an administrator approves one: then onPaired(token). A server that
  // offers no pairing: onUnavailable(), if given (else it is asked again later).
  function pair(options) {
    const opts = options || {};
    const pollMs = opts.pollMs || 2000;
    const retryMs = opts.retryMs || 5000;
    stopPairing();
    const run = { stopped: false, timer: null };
    running = run;
    const box = document.getElementById("pairing");

    async function newCode() {
      if (run.stopped) return;
      let reply = null;
      try { reply = await request(null, "POST", "/api/pairing"); } catch (err) { reply = null; }
      if (run.stopped) return;
      if (reply && (reply.status === 404 || reply.status === 405) && opts.onUnavailable) {
        stopPairing();
        opts.onUnavailable();
        return;
      }
      if (!reply || reply.status !== 201) { run.timer = setTimeout(newCode, retryMs); return; }
      const code = String(reply.body.code || "");
      put("pairing-code", code.length === 6 ? code.slice(0, 3) + "-" + code.slice(3) : code);
      if (box) box.hidden = false;
      poll(reply.body.pairing_id, Date.now() + Number(reply.body.expires_in) * 1000);
    }

    async function poll(id, expiresAt) {
      if (run.stopped) return;
      const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
      put("pairing-left", "有効時間 あと" + Math.floor(left / 60) + "分" +
          String(left % 60).padStart(2, "0") + "秒");
      if (left <= 0) { newCode(); return; }
      let reply = null;
      try {
        reply = await request(null, "GET", "/api/pairing/" + encodeURIComponent(id));
      } catch (err) { reply = null; }
      if (run.stopped) return;
      if (reply && reply.status === 200 && reply.body.status === "paired" && reply.body.token) {
        stopPairing();
        opts.onPaired(reply.body.token);
        return;
      }
      if (reply && reply.status >= 400 && reply.status < 500 && reply.status !== 429) {
        newCode();
        return;
      }
      run.timer = setTimeout(function () { poll(id, expiresAt); }, pollMs);
    }

    newCode();
  }

  function stopPairing() {
    if (running) { running.stopped = true; clearTimeout(running.timer); running = null; }
    const box = document.getElementById("pairing");
    if (box) box.hidden = true;
  }

  global.MadoguchiDevice = { open: open, pair: pair, stopPairing: stopPairing,
                             randomKey: randomKey };
})(window);
