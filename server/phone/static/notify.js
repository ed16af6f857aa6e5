// The phone page's notifications: one tap subscribes this browser's push service through our
// service worker (/t/sw.js) and hands the subscription to the server; where the browser cannot
// (no service workers or no Push API), an e-mail address does, if the city has a mail server.
(function () {
  "use strict";
  const section = document.getElementById("notify");
  if (!section) return;
  const token = document.getElementById("ticket").dataset.token;
  const words = JSON.parse(document.getElementById("notify-words").textContent);
  const $ = (id) => document.getElementById(id);
  const on = $("notify-on");
  const off = $("notify-off");
  const state = $("notify-state");
  const form = $("notify-email");
  const canPush = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window
    && section.dataset.pushKey;

  function showChannels(channels) {
    const active = channels.length > 0;
    on.hidden = active || !canPush;
    off.hidden = !active;
    if (form) form.hidden = active;
    state.textContent = active ? (channels.includes("email") && !channels.includes("push")
      ? words.email_on : words.on) : (canPush ? "" : (form ? "" : words.unsupported));
  }

  function keyBytes(base64url) {
    const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/")
      + "=".repeat((4 - (base64url.length % 4)) % 4));
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }

  async function send(path, body, method) {
    const answer = await fetch(`/t/${token}/notify${path}`, {
      method: method || "POST",
      headers: { "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    const reply = await answer.json();
    if (!answer.ok) throw new Error(reply.error || String(answer.status));
    return reply;
  }

  async function turnOn() {
    on.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") { state.textContent = words.denied; return; }
      const registration = await navigator.serviceWorker.register("/t/sw.js", { scope: "/t/" });
      await navigator.serviceWorker.ready;
      let subscription = await registration.pushManager.getSubscription();
      if (!subscription) {
        subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(section.dataset.pushKey),
        });
      }
      const reply = await send("/push", subscription.toJSON());
      showChannels(reply.channels);
    } catch (error) {
      section.dataset.error = String(error && error.message || error);
      state.textContent = words.failed;
    } finally {
      on.disabled = false;
    }
  }

  on.addEventListener("click", turnOn);
  off.addEventListener("click", async () => {
    try { showChannels((await send("", null, "DELETE")).channels); } catch (e) {
      state.textContent = words.failed;
    }
  });
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        showChannels((await send("/email", { address: $("email-address").value })).channels);
      } catch (error) {
        section.dataset.error = String(error && error.message || error);
        state.textContent = words.failed;
      }
    });
  }
  showChannels((section.dataset.channels || "").split(",").filter(Boolean));
})();
