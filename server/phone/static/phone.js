// The phone page: live updates of one ticket over Socket.IO (/phone namespace).
(function () {
  "use strict";
  const main = document.getElementById("ticket");
  const token = main.dataset.token;
  const $ = (id) => document.getElementById(id);

  function show(view) {
    $("number").textContent = view.label;
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
