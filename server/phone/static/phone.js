// The phone page: live updates of one ticket over Socket.IO (/phone namespace).
(function () {
  "use strict";
  const main = document.getElementById("ticket");
  const token = main.dataset.token;
  const $ = (id) => document.getElementById(id);

  // The desks as the kiosk's buttons said them; text with ruby as whole words (no line
  // breaks inside a word, nor between a kanji and its reading).
  function desks(list) {
    const ol = $("desks");
    ol.textContent = "";
    list.forEach((desk) => {
      const li = document.createElement("li");
      if (!desk.words) {
        li.textContent = desk.text;
      } else {
        desk.words.forEach((word, n) => {
          if (n) li.append(" ");
          const span = document.createElement("span");
          span.className = "word";
          word.forEach(([piece, reading]) => {
            if (!reading) { span.append(piece); return; }
            const ruby = document.createElement("ruby");
            const rt = document.createElement("rt");
            rt.textContent = reading;
            ruby.append(piece, rt);
            span.append(ruby);
          });
          li.append(span);
        });
      }
      ol.append(li);
    });
  }

  function show(view) {
    $("number").textContent = view.label;
    if (Array.isArray(view.desks)) desks(view.desks);
    $("message").textContent = view.message;
    $("ahead").textContent = view.ahead_text || "";
    const estimate = $("estimate");
    if (view.estimate) {
      $("estimate-text").textContent = view.estimate.text;
      estimate.hidden = false;
    } else {
      estimate.hidden = true;
    }
    main.classList.toggle("called", view.status === "called");
    if (view.status === "called" && navigator.vibrate) navigator.vibrate([300, 150, 300]);
  }

  const socket = io("/phone", { auth: { ticket: token }, transports: ["websocket", "polling"] });
  socket.on("status", (view) => { $("offline").hidden = true; show(view); });
  socket.on("disconnect", (reason) => {
    $("offline").hidden = false;
    if (reason === "io server disconnect") socket.connect();
  });
  socket.on("connect_error", () => { $("offline").hidden = false; });
})();
