/* The console's Japanese: the page hands over i18n/ja.json; errors are looked up by code. */

const data = JSON.parse(document.getElementById("counter-words").textContent);

function fill(template, vars) {
  return String(template).replace(/\{(\w+)\}/g, function (whole, name) {
    return vars && vars[name] !== undefined && vars[name] !== null ? String(vars[name]) : whole;
  });
}

/** A page string with {placeholders} filled in. */
export function t(key, vars) {
  const found = data.ui[key];
  return found === undefined ? key : fill(found, vars);
}

/** The plain Japanese for an answer that went wrong: by its code, else the server's own
 * words (which are English), else a generic line. `reply` is {status, body}. */
export function errorText(reply) {
  const body = (reply && reply.body) || {};
  const code = body.error || (reply && reply.status === 0 ? "network" : null);
  // Some refusals say which of their kinds they are (a login lock: whose, and where).
  const kind = code && body.lock ? data.errors[code + "." + body.lock] : undefined;
  if (kind) return fill(kind, body);
  if (code && data.errors[code]) return fill(data.errors[code], body);
  return fill(data.errors.unknown, { message: body.message || (reply ? reply.status : "") });
}

/** A code the page itself raises (no server answer): no_ticket_in_hand, no_parked, … */
export function errorFor(code) {
  return data.errors[code] || code;
}

export function eventName(kind) { return data.events[kind] || kind; }
export function reasonName(code) { return data.reasons[code] || ""; }
export function languageName(code) { return data.languages[code] || code || ""; }
export function statusName(status) { return data.statuses[status] || status || ""; }
export function printName(outcome) { return data.prints[outcome] || outcome || ""; }
export function counterStatusName(status) { return data.statuses["counter." + status] || status; }
