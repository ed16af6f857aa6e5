// The public booking page: choose a desk, a day and a free slot, then book.
"use strict";

(function () {
  const form = document.getElementById("book");
  const words = JSON.parse(document.getElementById("words").textContent);
  const site = form.dataset.site;
  const desks = document.getElementById("desks");
  const day = document.getElementById("day");
  const slots = document.getElementById("slots");
  const note = document.getElementById("slots-note");
  const error = document.getElementById("error");
  const key = window.bookingKey();

  const desk = () => (form.querySelector("input[name=desk]:checked") || {}).value;
  const refresh = () => desk() && day.value &&
    window.bookingSlots(site, desk(), day.value, slots, note, words);

  async function start() {
    const reply = await fetch(`/api/public/sites/${encodeURIComponent(site)}/appointments`);
    const info = await reply.json();
    info.desks.forEach((d, k) => {
      const label = document.createElement("label");
      label.className = "choice";
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "desk";
      input.value = d.id;
      input.checked = k === 0;
      input.dataset.last = d.last_day;
      label.append(input, ` ${d.label}`);
      desks.append(label);
    });
    document.getElementById("contact-row").hidden = !info.contact;
    day.min = info.today;  // the centre's today, not the phone's
    day.value = day.min;
    if (info.desks.length) day.max = info.desks[0].last_day;
    await refresh();
  }

  desks.addEventListener("change", refresh);
  day.addEventListener("change", refresh);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const slot = (form.querySelector("input[name=slot]:checked") || {}).value;
    if (!slot) {
      error.textContent = words.choose_slot;
      return;
    }
    const body = { services: [desk()], slot };
    const contact = document.getElementById("contact").value.trim();
    if (contact) body.contact = contact;
    const reply = await fetch(`/api/public/sites/${encodeURIComponent(site)}/appointments`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": key },
      body: JSON.stringify(body),
    });
    const answer = await reply.json();
    if (!reply.ok) {
      error.textContent = answer.message || words.failed;
      if (answer.error === "slot_full") refresh();
      return;
    }
    form.hidden = true;
    document.getElementById("code").textContent = answer.code;
    document.getElementById("qr").src = answer.qr_svg_url;
    document.getElementById("manage").href = `/b/${answer.code.replace("-", "")}`;
    document.getElementById("done").hidden = false;
    document.getElementById("done-title").focus();
  });
  start();
})();
