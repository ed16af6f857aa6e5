/* The kiosk's 「予約の方」: a booking code typed on the keypad, typed by a QR scanner that acts
 * as a keyboard, or read by the camera (where the browser can read QR codes), checks the
 * visitor in; the answer is a ticket shown like any other.
 */
(function () {
  "use strict";

  const KEYS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

  window.KioskAppointment = {
    screen: function (kiosk) {
      const $ = function (id) { return document.getElementById(id); };
      const input = $("appointment-code");
      const state = { key: null, busy: false, stream: null, timer: null };

      const keys = $("appointment-keys");
      KEYS.split("").forEach(function (ch) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "key";
        button.textContent = ch;
        button.addEventListener("click", function () { type(ch); });
        keys.append(button);
      });

      function type(ch) {
        if (input.value.replace(/-/g, "").length < 10) input.value += ch;
        if (input.value.replace(/-/g, "").length === 5 && input.value.indexOf("-") < 0) {
          input.value += "-";
        }
        state.key = null;
      }

      async function submit() {
        const code = input.value.trim();
        if (!code || state.busy) return;
        state.busy = true;
        if (!state.key) state.key = kiosk.randomKey();
        let reply = null;
        try {
          reply = await kiosk.api("POST", kiosk.sitePath("/appointments/check-in"),
                                  { code: code }, state.key);
        } catch (err) {
          reply = null;
        }
        state.busy = false;
        if (reply && reply.status === 201) {
          stopCamera();
          state.key = null;
          input.value = "";
          kiosk.showTicket(reply.body);
          return;
        }
        if (reply && reply.status < 500) state.key = null;
        kiosk.showError(reply);
      }

      // The camera: the code is read from the QR's address (…/b/<code>) and checked in at
      // once; by the browser's own reader (BarcodeDetector) where it has one, else by jsQR.
      function reader() {
        if ("BarcodeDetector" in window) {
          const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          return async function (video) {
            const found = await detector.detect(video).catch(function () { return []; });
            return found.length ? found[0].rawValue : null;
          };
        }
        if (typeof window.jsQR !== "function") return null;
        const canvas = document.createElement("canvas");
        const context = canvas.getContext("2d", { willReadFrequently: true });
        return async function (video) {
          if (!video.videoWidth) return null;
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          context.drawImage(video, 0, 0);
          const image = context.getImageData(0, 0, canvas.width, canvas.height);
          const found = window.jsQR(image.data, image.width, image.height,
                                    { inversionAttempts: "dontInvert" });
          return found ? found.data : null;
        };
      }

      async function startCamera() {
        const read = reader();
        if (!read || !navigator.mediaDevices) return;
        try {
          state.stream = await navigator.mediaDevices.getUserMedia({ video: true });
          const video = $("appointment-video");
          video.srcObject = state.stream;
          video.hidden = false;
          $("appointment-camera").hidden = false;
          await video.play();
          const look = async function () {
            if (!state.stream) return;
            const text = await read(video);
            if (text && !state.busy && input.value !== text) {
              input.value = text;
              submit();
            }
            state.timer = setTimeout(look, 300);
          };
          look();
        } catch (err) {
          stopCamera();
        }
      }

      function stopCamera() {
        clearTimeout(state.timer);
        if (state.stream) state.stream.getTracks().forEach(function (t) { t.stop(); });
        state.stream = null;
        $("appointment-video").hidden = true;
        $("appointment-camera").hidden = true;
      }

      $("appointment-open").addEventListener("click", function () {
        input.value = "";
        state.key = null;
        kiosk.show("appointment");
        input.focus();
        startCamera();
      });
      $("appointment-back").addEventListener("click", function () {
        stopCamera();
        kiosk.show("start");
      });
      $("appointment-clear").addEventListener("click", function () {
        input.value = input.value.replace(/-$/, "").slice(0, -1);
        state.key = null;
      });
      $("appointment-submit").addEventListener("click", submit);
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") submit();  // a QR scanner ends what it types with Enter
      });
      input.addEventListener("input", function () { state.key = null; });

      return {
        offer: function (bookable) { $("appointment-entry").hidden = !bookable; },
        leave: stopCamera,
      };
    },
  };
})();
