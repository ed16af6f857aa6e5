/* Talking to the server: JSON over HTTP with the login cookie, the CSRF token (kept in
 * memory only) and an Idempotency-Key on every action.
 *
 * One press of a button is one action with one fresh key. If the request gets no answer
 * (network down, timeout) or a 5xx, it is sent again with the SAME key, twice after a short
 * pause; if it still fails, the key is remembered, and pressing the same action again
 * (same address, same body) reuses it: the server then gives back the first answer
 * instead of doing it twice.
 */

const REQUEST_TIMEOUT_MS = 8000;
const RETRY_PAUSES_MS = [300, 900];

let csrfToken = null;
let unanswered = null;  // {signature, key} of an action that got no answer

export function setCsrf(token) { csrfToken = token || null; }

export function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);  // works on plain http too, unlike randomUUID
  return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
}

/** One request. Resolves to {status, body}; throws if there was no answer at all. */
export async function request(method, path, body, key) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (key) headers["Idempotency-Key"] = key;
  const abort = new AbortController();
  const timer = setTimeout(function () { abort.abort(); }, REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(path, {
      method: method, headers: headers, cache: "no-store", credentials: "same-origin",
      signal: abort.signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
    let payload = null;
    try { payload = await response.json(); } catch (err) { payload = null; }
    return { status: response.status, body: payload || {} };
  } finally {
    clearTimeout(timer);
  }
}

/** A read: {status, body}, with status 0 and error "network" when nothing answered. */
export async function read(path) {
  try {
    return await request("GET", path);
  } catch (err) {
    return { status: 0, body: { error: "network" } };
  }
}

function pause(ms) { return new Promise(function (done) { setTimeout(done, ms); }); }

/** One user action, sent until answered (see the top of this file). */
export async function act(method, path, body) {
  const sent = body === undefined ? {} : body;
  const signature = method + " " + path + " " + JSON.stringify(sent);
  const key = unanswered && unanswered.signature === signature ? unanswered.key : randomKey();
  unanswered = { signature: signature, key: key };
  let reply = null;
  for (let attempt = 0; attempt <= RETRY_PAUSES_MS.length; attempt += 1) {
    try {
      reply = await request(method, path, sent, key);
    } catch (err) {
      reply = null;
    }
    if (reply && reply.status < 500) break;
    if (attempt < RETRY_PAUSES_MS.length) await pause(RETRY_PAUSES_MS[attempt]);
  }
  if (reply && reply.status < 500) unanswered = null;  // answered: the next press is new
  return reply || { status: 0, body: { error: "network" } };
}

/** Whether a reply means the login is gone and the login form should come back. */
export function loginEnded(reply) {
  return reply.status === 401;
}
