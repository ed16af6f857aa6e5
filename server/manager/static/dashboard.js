/* The managers' live dashboard: re-reads /api/reports/sites/<site>/live whenever the site's
 * staff room pushes events (a ticket issued, called, finished…) or a printer changes, and
 * every 15 seconds so that the waits keep counting. */
(function () {
  "use strict";

  const root = document.getElementById("dashboard");
  if (!root) return;
  const site = root.dataset.site;
  const isAdmin = root.dataset.admin === "1";
  const ORGS = { hellowork: "ハローワーク", city: "札幌市" };
  const ACTIVITY = { serving: "対応中", called: "呼出中", idle: "空き", paused: "休止中",
    closed: "閉鎖" };
  const ALERTS = { need_help: "お手伝いが必要", call_staff: "職員を呼ぶ",
    printer_failed: "番号札が印刷されませんでした", printer_fault: "プリンターの異常",
    display_silent: "表示盤の音が出ません" };
  const announced = new Set();
  let timer = null;
  let loading = false;
  let again = false;

  function $(id) { return document.getElementById(id); }

  function text(tag, value, className) {
    const el = document.createElement(tag);
    el.textContent = value === null || value === undefined ? "–" : String(value);
    if (className) el.className = className;
    return el;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + "分";
    return Math.floor(minutes / 60) + "時間" + (minutes % 60) + "分";
  }

  function render(data) {
    $("waiting-total").textContent = data.waiting;
    $("visits-today").textContent = data.visits_today;
    const longest = data.longest_wait;
    $("longest-wait").textContent = longest ? duration(longest.seconds) : "–";
    $("longest-detail").textContent = longest ? longest.label + "番（" + longest.name + "）" : "";

    const services = $("services").tBodies[0];
    services.replaceChildren();
    data.services.forEach(function (s) {
      const row = document.createElement("tr");
      row.dataset.service = s.service;
      row.append(text("th", s.name), text("td", ORGS[s.organisation] || s.organisation),
        text("td", s.waiting, "waiting"), text("td", s.priority_waiting),
        text("td", s.longest_wait_seconds === null ? "–" :
          duration(s.longest_wait_seconds) + "（" + s.longest_label + "番）", "longest"),
        text("td", s.target_wait_min + "分"));
      if (s.longest_wait_seconds !== null && s.longest_wait_seconds > s.target_wait_min * 60) {
        row.classList.add("late");
      }
      services.append(row);
    });

    const counters = $("counters").tBodies[0];
    counters.replaceChildren();
    data.counters.forEach(function (c) {
      const row = document.createElement("tr");
      row.dataset.counter = c.counter;
      row.dataset.activity = c.activity;
      const held = c.ticket ? c.ticket.label + "番（" + c.ticket.service_name + "）" : "";
      row.append(text("th", c.number + "番 " + c.name),
        text("td", ACTIVITY[c.activity] || c.activity, "activity"),
        text("td", held, "ticket"), text("td", c.staff || ""),
        text("td", c.ticket ? duration(c.ticket.called_seconds)
          : c.status === "closed" ? "" : duration(c.since_seconds)));
      counters.append(row);
    });

    const printers = $("printers");
    printers.replaceChildren();
    if (!data.printers.length) printers.append(text("li", "プリンターはありません"));
    data.printers.forEach(function (p) {
      const item = text("li", p.name + ": " + p.label + (p.detail ? "（" + p.detail + "）" : ""));
      item.dataset.printer = p.id;
      item.dataset.state = p.state;
      printers.append(item);
    });
    renderAlerts(data.alerts || [], data.now);
    $("updated").textContent = data.now.slice(11, 19);
  }

  // Alerts nobody has taken: escalated ones (past the site's limit) stand out and are
  // announced; the others are listed quietly below them.
  function renderAlerts(alerts, now) {
    const list = $("alert-list");
    list.replaceChildren();
    alerts.forEach(function (a) {
      const waited = Math.max(0, (Date.parse(now) - Date.parse(a.raised_at)) / 1000);
      const item = text("li", (a.escalated ? "⚠ " : "") + (ALERTS[a.kind] || a.kind) + "　" +
        a.where + (a.label ? "　受付番号 " + a.label : "") + "　" + duration(waited) + "前から");
      item.dataset.alert = a.id;
      item.dataset.escalated = a.escalated ? "1" : "0";
      list.append(item);
    });
    $("alerts").hidden = alerts.length === 0;
    const fresh = alerts.filter(function (a) { return a.escalated && !announced.has(a.id); });
    fresh.forEach(function (a) { announced.add(a.id); });
    if (fresh.length) {
      $("alerts-news").textContent = "長く対応待ちの呼び出しがあります: " +
        fresh.map(function (a) { return a.where; }).join("、");
    }
  }

  async function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const reply = await fetch("/api/reports/sites/" + encodeURIComponent(site) + "/live",
        { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (reply.status === 401) { window.location.reload(); return; }
      if (reply.ok) render(await reply.json());
    } catch (err) {
      $("live-status").textContent = "更新できません（再接続を待っています）";
    } finally {
      loading = false;
      if (again) { again = false; soon(); }
    }
  }

  function soon() {
    if (timer) return;
    timer = setTimeout(function () { timer = null; refresh(); }, 100);
  }

  const live = window.MadoguchiRealtime.connect({
    site: isAdmin ? site : undefined,
    onSnapshot: soon,
    onEvents: soon,
    onStatus: function (connected) {
      $("live-status").textContent = connected ? "自動更新中" : "再接続しています…";
      root.dataset.connected = connected ? "1" : "0";
    },
    onRefused: function () { window.location.reload(); },
  });
  live.on("printer", soon);
  setInterval(refresh, 15000);
  refresh();
})();
