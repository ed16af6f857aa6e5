// The crowding page, live: the open JSON asked again every 15 s (a 304 when nothing changed).
(function () {
  "use strict";
  const section = document.getElementById("status");
  if (!section || !window.fetch) return;
  const words = JSON.parse(document.getElementById("status-words").textContent);
  const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
  let etag = null;

  function estimateText(estimate) {
    if (!estimate) return words.estimate_none;
    if (estimate.high_min <= 5) return words.estimate_soon;
    if (estimate.low_min === 0) return fill(words.estimate_within, { high: estimate.high_min });
    return fill(words.estimate_range, { low: estimate.low_min, high: estimate.high_min });
  }

  function show(view) {
    const state = document.getElementById("state");
    state.textContent = view.open_now ? words.open_now : words.closed_now;
    state.className = "state " + (view.open_now ? "open" : "closed");
    document.getElementById("updated").textContent = fill(words.updated,
      { time: view.now.slice(11, 16) });
    view.desks.forEach((desk) => {
      const row = section.querySelector(`tr[data-desk="${CSS.escape(desk.id)}"]`);
      if (!row) return;
      row.querySelector(".waiting").textContent = fill(words.waiting_n, { n: desk.waiting });
      row.querySelector(".estimate").textContent = estimateText(desk.estimate);
    });
    const recent = document.getElementById("recent");
    const items = view.recent_calls.map((call) => {
      const li = document.createElement("li");
      li.textContent = fill(words.recent_item, { label: call.label, counter: call.counter_number });
      return li;
    });
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = words.recent_none;
      items.push(li);
    }
    recent.replaceChildren(...items);
    section.dataset.updated = view.now;
  }

  async function poll() {
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const answer = await fetch(`/api/public/sites/${encodeURIComponent(section.dataset.site)}`,
        { headers: headers, cache: "no-cache" });
      if (answer.status === 200) {
        etag = answer.headers.get("ETag");
        show(await answer.json());
      }
    } catch (e) { /* offline for a moment: the next poll tries again */ }
    setTimeout(poll, Number(section.dataset.every || 15000));
  }
  poll();
})();
