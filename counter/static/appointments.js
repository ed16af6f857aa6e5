/* Appointments at the console: check a visitor in by their booking code, and book a slot for
 * a visitor (on the telephone, or the next appointment at the end of a consultation). The
 * code is shown once, with its QR code, to be passed on to the visitor.
 */

import { act, read } from "./api.js";
import { refresh, state } from "./console.js";
import { errorText, t } from "./words.js";

const $ = function (id) { return document.getElementById(id); };
let dayChosen = false;  // staff picked a day: keep it; otherwise the day is the site's today

function sitePath(rest) {
  return "/api/sites/" + encodeURIComponent(state.siteId) + rest;
}

function say(text) { $("appt-result").textContent = text; }

function hhmm(iso) { return iso ? iso.slice(11, 16) : ""; }

/** Show the section where the site has bookable desks, with those desks to choose from. */
export function showAppointments() {
  const desks = (state.site && state.site.services || []).filter(function (s) {
    return s.bookable;
  });
  $("appointments").hidden = !desks.length;
  const contact = Boolean(state.site && state.site.appointment_contact);
  $("appt-contact").hidden = !contact;
  document.querySelector("label[for=appt-contact]").hidden = !contact;
  const select = $("appt-desk");
  select.replaceChildren();
  desks.forEach(function (desk) {
    const option = document.createElement("option");
    option.value = desk.id;
    option.textContent = desk.name;
    select.appendChild(option);
  });
  dayChosen = false;
  say("");
}

/** Today at the site by the server's clock (the console's own may be off, or the server's
 * simulated): "sv-SE" writes dates as YYYY-MM-DD. */
function siteToday() {
  return new Date(Date.now() + (state.skew || 0))
    .toLocaleDateString("sv-SE", { timeZone: state.site.timezone });
}

async function loadSlots() {
  const select = $("appt-slot");
  select.replaceChildren();
  const desk = $("appt-desk").value;
  const day = $("appt-day").value;
  if (!desk || !day) return;
  const reply = await read(sitePath("/appointments/slots?service=" + encodeURIComponent(desk)
                                    + "&day=" + encodeURIComponent(day)));
  const slots = reply.status === 200 ? reply.body.slots : [];
  if (reply.status !== 200) say(errorText(reply));
  if (!slots.length) {
    const none = document.createElement("option");
    none.value = "";
    none.textContent = t("appt.no_slots");
    select.appendChild(none);
  }
  slots.forEach(function (slot) {
    const option = document.createElement("option");
    option.value = slot.at;
    option.textContent = hhmm(slot.at) + "（残り" + slot.free + "）";
    select.appendChild(option);
  });
}

async function checkIn(event) {
  event.preventDefault();
  const code = $("appt-code").value.trim();
  if (!code) return;
  const reply = await act("POST", sitePath("/appointments/check-in"), { code: code });
  if (reply.status !== 201) {
    say(errorText(reply));
    return;
  }
  $("appt-code").value = "";
  const kept = reply.body.appointment && reply.body.appointment.kept;
  say(kept ? t("appt.checked_in", { label: reply.body.label,
                                     slot: t("appt.mark", { time: hhmm(reply.body.appointment.slot_at) }) })
           : t("appt.checked_in_walk_in", { label: reply.body.label }));
  refresh();
}

async function book(event) {
  event.preventDefault();
  const slot = $("appt-slot").value;
  if (!slot) return;
  const body = { services: [$("appt-desk").value], slot: slot };
  const contact = $("appt-contact").value.trim();
  if (contact) body.contact = contact;
  const reply = await act("POST", sitePath("/appointments"), body);
  if (reply.status !== 201) {
    say(errorText(reply));
    loadSlots();
    return;
  }
  $("appt-contact").value = "";
  say(t("appt.booked", { code: reply.body.code, slot: reply.body.slot_at.slice(0, 10) + " "
                         + hhmm(reply.body.slot_at) }));
  const qr = $("appt-qr");
  qr.src = reply.body.qr_svg_url;
  qr.hidden = false;
  loadSlots();
}

export function bindAppointments() {
  $("appt-checkin").addEventListener("submit", checkIn);
  $("appt-book").addEventListener("submit", book);
  $("appt-desk").addEventListener("change", loadSlots);
  $("appt-day").addEventListener("change", function () {
    dayChosen = true;
    loadSlots();
  });
  $("appt-booking").addEventListener("toggle", function () {
    if (!$("appt-booking").open) return;
    if (!dayChosen) $("appt-day").value = siteToday();  // the day may have turned meanwhile
    loadSlots();
  });
}
