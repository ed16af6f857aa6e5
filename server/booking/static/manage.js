// One's own booking: move it to another free slot, or cancel it.
"use strict";

(function () {
  const form = document.getElementById("change");
  const words = JSON.parse(document.getElementById("words").textContent);
  const code = form.dataset.code;
  const day = document.getElementById("day");
  const slots = document.getElementById("slots");
  const note = document.getElementById("slots-note");
  const result = document.getElementById("result");
  const status = document.getElementById("status");

  const refresh = () => window.bookingSlots(form.dataset.site, form.dataset.service, day.value,
    slots, note, words);

  async function send(path, body) {
    const reply = await fetch(`/api/appointments/${code}/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": window.bookingKey() },
      body: JSON.stringify(body),
    });
    const answer = await reply.json();
    result.textContent = reply.ok ? "" : (answer.message || words.failed);
    return reply.ok ? answer : null;
  }

  day.addEventListener("change", refresh);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const slot = (form.querySelector("input[name=slot]:checked") || {}).value;
    if (!slot) {
      result.textContent = words.choose_slot;
      return;
    }
    const answer = await send("change", { slot });
    if (answer) {
      const at = document.getElementById("slot-at");
      at.textContent = `${answer.slot_at.slice(0, 10)} ${answer.slot_at.slice(11, 16)}`;
      result.textContent = words.changed;
      refresh();
    }
  });
  document.getElementById("cancel").addEventListener("click", async () => {
    if (!window.confirm(words.cancel_confirm)) return;
    if (await send("cancel", {})) {
      form.hidden = true;
      document.getElementById("cancel").hidden = true;
      status.textContent = words.status_cancelled;
      result.textContent = words.cancelled;
    }
  });
  if (!form.hidden) refresh();
})();
