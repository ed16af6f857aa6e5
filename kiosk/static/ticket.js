/* The kiosk's ticket screen: the number, the desks in the order of the visit, the people
 * ahead and the wait, the QR code for the phone, what happened to the paper, and whether
 * staff are coming.
 *
 *   const screen = KioskTicket.screen({ say, text });  // the kiosk's words, in its language
 *   screen.render(ticket, paper, help);  // paper: {state, late}; help: null, "pending",
 *   screen.paper(paper);                 // "sent", "missing" or "failed"
 *   screen.help(help);
 */
(function (global) {
  "use strict";

  // What the kiosk says of the paper ({state, late}): "queued" and "printing" while the
  // printer works, "printed" only on the printer's word, "sent" when a printer that cannot
  // confirm took it (or "unknown": no word came), "failed" (late: it may still come out).
  const WAITING = ["queued", "printing"];

  function waiting(paper) {
    return !!paper && WAITING.indexOf(paper.state) >= 0;
  }

  function paperKey(paper) {
    const at = paper ? paper.state : null;
    if (waiting(paper)) return "ticket.printing";
    if (at === "printed") return "ticket.take_paper";
    if (at === "sent" || at === "unknown") return "ticket.print_sent";
    if (at === "failed") return paper.late ? "ticket.print_late" : "ticket.print_failed";
    if (at === "no_printer") return "ticket.no_printer";
    return null;
  }
  const { put, make } = global.KioskWords;
  const $ = function (id) { return document.getElementById(id); };

  function screen(words) {
    const { say, text, desk } = words;

    function render(t, paper, help) {
      $("ticket-number").textContent = t.label != null ? String(t.label) : String(t.number);
      // The desks by the words of the buttons (with ruby), in the visitor's language: the
      // visitor's own choice, or the ticket's desks (an appointment's, checked in).
      const ids = Array.isArray(t.chosen) && t.chosen.length ? t.chosen
        : Array.isArray(t.services) ? t.services : [];
      const desks = ids.length ? ids.map(desk)
        : Array.isArray(t.desks) && t.desks.length ? t.desks : [t.desk].filter(Boolean);
      const list = $("ticket-desks");
      list.textContent = "";
      list.classList.toggle("many", desks.length > 1);
      desks.forEach(function (name) {
        const li = make("li");
        put(li, name);
        list.append(li);
      });
      say($("ticket-route-caption"), desks.length > 1 ? "ticket.route" : "ticket.desk");
      const ahead = $("ticket-ahead");
      ahead.hidden = typeof t.people_ahead !== "number";
      if (!ahead.hidden) say(ahead, "ticket.ahead", { n: t.people_ahead });
      estimate(t.estimate);
      const qrBox = $("ticket-qr-box");
      qrBox.hidden = !t.qr_svg_url;
      if (t.qr_svg_url && $("ticket-qr").getAttribute("src") !== t.qr_svg_url) {
        $("ticket-qr").setAttribute("src", t.qr_svg_url);
      }
      showPaper(paper);
      showHelp(help);
    }

    function estimate(wait) {
      const el = $("ticket-estimate");
      const low = wait && wait.low_min;
      const high = wait && wait.high_min;
      if (typeof low === "number" && typeof high === "number") {
        say(el, low === high ? "ticket.estimate_one" : "ticket.estimate", { low: low, high: high });
        el.hidden = false;
      } else if (wait && wait.text) {
        say(el, "ticket.estimate_text", { text: wait.text });
        el.hidden = false;
      } else {
        el.hidden = true;
      }
    }

    function showPaper(paper) {
      const el = $("ticket-print");
      const key = paperKey(paper);
      el.hidden = !key;
      el.classList.toggle("calm", key === "ticket.take_paper" || key === "ticket.printing");
      if (key) say(el, key);
    }

    function showHelp(help) {
      const el = $("ticket-help");
      el.hidden = !help;
      if (!help) return;
      put(el, text(help === "taken" ? "staff_coming" : "staff_called"));
      if (help === "missing" || help === "failed") {
        const more = make("span", "more");
        put(more, text("staff_ask_counter"));
        el.append(document.createElement("br"), more);
      }
    }

    return { render: render, paper: showPaper, help: showHelp };
  }

  global.KioskTicket = { screen: screen, waiting: waiting };
})(window);
