/* Whether this display may play sound, known from the moment it loads.
 *
 * A browser started as a TV or signage player starts it (no autoplay flag) refuses to play
 * sound until someone touches the screen, and a TV has no one to touch it. So the display
 * asks at once: navigator.getAutoplayPolicy where the browser has it, else it plays a
 * moment of silence and sees whether that was allowed. It shows the answer where the
 * installer will see it, tells the server (the admin page lists each display's sound), and
 * asks again after any touch or key. Every call is still tried: one that plays shows sound
 * is allowed after all, one that is refused is kept by the display to speak later.
 *
 *   MadoguchiSound.start({report(state), onAllowed()});  MadoguchiSound.state;
 *   MadoguchiSound.refused();   // a play was refused (NotAllowedError)
 *   MadoguchiSound.test();      // the admin page's sound test: a short chime
 */
(function (global) {
  "use strict";

  let state = "unknown";  // "allowed" | "blocked" | "unknown"
  let options = {};
  let silence = null;

  // A tenth of a second of silence as a WAV file, made here (nothing is fetched).
  function silentWav(seconds, tone) {
    const rate = 8000;
    const n = Math.round(rate * seconds);
    const buffer = new ArrayBuffer(44 + n * 2);
    const view = new DataView(buffer);
    const ascii = function (at, text) {
      for (let i = 0; i < text.length; i += 1) view.setUint8(at + i, text.charCodeAt(i));
    };
    ascii(0, "RIFF"); view.setUint32(4, 36 + n * 2, true); ascii(8, "WAVE");
    ascii(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true);
    view.setUint16(22, 1, true); view.setUint32(24, rate, true);
    view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true);
    view.setUint16(34, 16, true); ascii(36, "data"); view.setUint32(40, n * 2, true);
    for (let i = 0; tone && i < n; i += 1) {
      const pitch = i < n / 2 ? tone : tone * 0.75;
      const fade = Math.min(1, i / 200, (n - i) / 200);
      view.setInt16(44 + i * 2, Math.round(9000 * fade * Math.sin(2 * Math.PI * pitch * i / rate)),
        true);
    }
    return URL.createObjectURL(new Blob([buffer], { type: "audio/wav" }));
  }

  async function probe() {
    if (navigator.getAutoplayPolicy) {
      return navigator.getAutoplayPolicy("mediaelement") === "allowed" ? "allowed" : "blocked";
    }
    if (!silence) silence = silentWav(0.1, 0);
    const audio = new Audio(silence);
    try {
      await audio.play();
      audio.pause();
      return "allowed";
    } catch (err) {
      return err && err.name === "NotAllowedError" ? "blocked" : "allowed";
    }
  }

  function set(next) {
    const before = state;
    state = next;
    document.getElementById("app").dataset.sound = state;
    document.getElementById("sound").hidden = state !== "blocked";
    // The calls kept are let go first, so that the report says how many are still kept.
    if (state === "allowed" && before !== "allowed" && options.onAllowed) options.onAllowed();
    if (options.report) options.report(state);
  }

  async function check() { set(await probe()); }

  function start(given) {
    options = given || {};
    check();
    ["pointerdown", "keydown", "click"].forEach(function (name) {
      document.addEventListener(name, function () { if (state !== "allowed") check(); }, true);
    });
  }

  function refused() { if (state !== "blocked") set("blocked"); }

  // A call was heard after all (a key from a remote, a management tool: the browser let it).
  function played() { if (state !== "allowed") set("allowed"); }

  // The admin page's test: a short two-tone chime; "played" or "blocked".
  async function test() {
    const audio = new Audio(silentWav(0.8, 880));
    try {
      await audio.play();
      if (state !== "allowed") set("allowed");
      return "played";
    } catch (err) {
      refused();
      return "blocked";
    }
  }

  global.MadoguchiSound = {
    start: start, refused: refused, played: played, test: test,
    get state() { return state; },
  };
})(window);
