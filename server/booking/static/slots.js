// Free slots of one desk on one day, as radio buttons (shared by the booking pages).
"use strict";

window.bookingSlots = async function (site, service, day, fieldset, note, words) {
  fieldset.querySelectorAll(".slots").forEach((el) => el.remove());
  note.textContent = words.loading;
  const url = `/api/public/sites/${encodeURIComponent(site)}/appointments/slots` +
    `?service=${encodeURIComponent(service)}&day=${encodeURIComponent(day)}`;
  const reply = await fetch(url);
  const body = await reply.json();
  const slots = reply.ok ? body.slots : [];
  note.textContent = slots.length ? "" : (reply.ok ? words.no_slots : body.message);
  const grid = document.createElement("div");
  grid.className = "slots";
  slots.forEach((slot, k) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "slot";
    input.value = slot.at;
    input.id = `slot-${k}`;
    label.htmlFor = input.id;
    label.append(input, ` ${slot.at.slice(11, 16)}`);
    grid.append(label);
  });
  fieldset.append(grid);
};

window.bookingKey = function () {
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
};
