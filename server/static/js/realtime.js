/* madoguchi's small Socket.IO client, shared by the kiosk, the displays and the consoles.
 *
 *   const live = MadoguchiRealtime.connect({
 *     token,                         // the device token (also the socket's credential);
 *                                    // none: the login cookie goes with the handshake
 *     site,                          // optional: the site an administrator's login watches
 *     counter,                       // optional: the counter a person's console works (its
 *                                    // desks are shown even if another organisation's)
 *     onSnapshot(snapshot) {},       // the full state: on every (re)connect and after a resync
 *     onEvents(events, message) {},  // new events only, in order; message.waiting has counts
 *     onStatus(connected, reason) {},
 *     onRefused(reason) {},          // the server refused this token ("unknown_device", …)
 *   });
 *   live.on("print", fn);            // any other message, as it comes
 *   live.lastSeq; live.connected; live.close();
 *   await live.resync();             // ask now for anything missed (also done on "resync")
 *
 * Every event carries the server's sequence number `seq`. The client keeps the highest it has
 * seen (lastSeq), sends it as auth {token, since} whenever it (re)connects so the server
 * replays what it missed, and drops anything it has already seen: a replay and a live push
 * can overlap. A snapshot resets lastSeq, since a snapshot is the whole truth at its seq.
 * Needs /static/vendor/socket.io.min.js loaded first.
 */
(function (global) {
  "use strict";

  function call(fn) {
    if (typeof fn !== "function") return;
    try {
      fn.apply(null, Array.prototype.slice.call(arguments, 1));
    } catch (err) {
      if (global.console) global.console.error(err);
    }
  }

  function isSeq(value) {
    return typeof value === "number" && Number.isInteger(value) && value >= 0;
  }

  function connect(options) {
    const opts = options || {};
    let lastSeq = isSeq(opts.since) ? opts.since : null;
    let closed = false;
    let socket = null;

    const live = {
      get lastSeq() { return lastSeq; },
      get connected() { return Boolean(socket && socket.connected); },
      get socket() { return socket; },
      on(name, fn) { if (socket) socket.on(name, fn); return live; },
      resync: resync,
      close() { closed = true; if (socket) socket.disconnect(); },
    };

    if (typeof global.io !== "function") {
      // Without the client library the page still works over HTTP; it only misses pushes.
      if (global.console) global.console.warn("realtime: socket.io client not loaded");
      call(opts.onStatus, false, "no_client");
      return live;
    }

    function takeEvents(message) {
      const fresh = [];
      (message && Array.isArray(message.events) ? message.events : []).forEach(function (ev) {
        if (ev && isSeq(ev.seq)) {
          if (lastSeq !== null && ev.seq <= lastSeq) return;  // seen already
          lastSeq = ev.seq;
        }
        fresh.push(ev);
      });
      if (fresh.length || (message && message.waiting)) call(opts.onEvents, fresh, message || {});
      return fresh.length;
    }

    function takeSnapshot(snapshot) {
      if (!snapshot) return;
      if (isSeq(snapshot.seq)) lastSeq = snapshot.seq;
      call(opts.onSnapshot, snapshot);
    }

    // Ask for what was missed; the answer comes back as the acknowledgement. Resolves to
    // "snapshot", the number of new events, or null (not connected, or no answer: the next
    // connect sends `since` anyway).
    function resync() {
      return new Promise(function (resolve) {
        if (!socket || !socket.connected) { resolve(null); return; }
        socket.timeout(10000).emit("sync", { since: lastSeq === null ? 0 : lastSeq },
          function (err, reply) {
            if (err || !reply || !reply.ok) { resolve(null); return; }
            if (reply.snapshot) { takeSnapshot(reply.snapshot); resolve("snapshot"); return; }
            resolve(takeEvents({ events: reply.events || [], replay: true }));
          });
      });
    }

    socket = global.io(opts.url || undefined, {
      // A function, so every reconnect sends the newest lastSeq.
      auth: function (cb) {
        const auth = { token: opts.token };
        if (opts.site) auth.site = opts.site;
        if (opts.counter) auth.counter = opts.counter;
        if (lastSeq !== null) auth.since = lastSeq;
        cb(auth);
      },
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
    });

    socket.on("connect", function () { call(opts.onStatus, true, "connected"); });
    socket.on("disconnect", function (reason) {
      call(opts.onStatus, false, reason);
      // The client does not come back by itself after the server closed the connection.
      if (reason === "io server disconnect" && !closed) socket.connect();
    });
    socket.on("connect_error", function (err) {
      if (!socket.active) {
        call(opts.onRefused, (err && err.message) || "refused");
      } else {
        call(opts.onStatus, false, "connect_error");
      }
    });
    socket.on("snapshot", takeSnapshot);
    socket.on("events", takeEvents);
    socket.on("resync", resync);
    return live;
  }

  global.MadoguchiRealtime = { connect: connect };
})(window);
