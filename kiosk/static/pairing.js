/* Pairing for an unregistered kiosk: ask the server for a short code, show it, and wait
 * until an administrator enters it on the admin page; then keep the token it gives. */
(function () {
  "use strict";
  const POLL_MS = 2000;
  const RETRY_MS = 5000;
  let running = null;

  function put(id, text) { const el = document.getElementById(id); if (el) el.textContent = text; }

  async function ask(method, path) {
    const response = await fetch(path, { method: method, cache: "no-store" });
    return { status: response.status, body: await response.json() };
  }

  // Start showing a code; onPaired(token) is called once an administrator approved it.
  function start(onPaired) {
    stop();
    const run = { stopped: false, timer: null };
    running = run;
    const box = document.getElementById("pairing");

    async function newCode() {
      if (run.stopped) return;
      let reply = null;
      try { reply = await ask("POST", "/api/pairing"); } catch (err) { reply = null; }
      if (run.stopped) return;
      if (!reply || reply.status !== 201) { run.timer = setTimeout(newCode, RETRY_MS); return; }
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
      try { reply = await ask("GET", "/api/pairing/" + encodeURIComponent(id)); } catch (err) { reply = null; }
      if (run.stopped) return;
      if (reply && reply.status === 200 && reply.body.status === "paired" && reply.body.token) {
        stop();
        onPaired(reply.body.token);
        return;
      }
      if (reply && reply.status >= 400 && reply.status < 500 && reply.status !== 429) { newCode(); return; }
      run.timer = setTimeout(function () { poll(id, expiresAt); }, POLL_MS);
    }

    newCode();
  }

  function stop() {
    if (running) { running.stopped = true; clearTimeout(running.timer); running = null; }
    const box = document.getElementById("pairing");
    if (box) box.hidden = true;
  }

  window.MadoguchiPairing = { start: start, stop: stop };
})();
