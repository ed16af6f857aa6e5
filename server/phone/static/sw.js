// The phone page's service worker: shows the notices the server pushes (your turn is near,
// you are called), and opens the ticket's page when one is touched. It caches nothing.
"use strict";

self.addEventListener("push", (event) => {
  let notice = {};
  try { notice = event.data ? event.data.json() : {}; } catch (e) { notice = {}; }
  const title = notice.title || "madoguchi";
  event.waitUntil(self.registration.showNotification(title, {
    body: notice.body || "",
    lang: notice.lang || "ja",
    tag: "madoguchi-" + (notice.label || ""),
    renotify: true,
    requireInteraction: notice.kind === "called",
    vibrate: notice.kind === "called" ? [300, 150, 300, 150, 300] : [200],
    data: { url: notice.url || "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  event.waitUntil((async () => {
    const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of open) {
      if (client.url === url && "focus" in client) return client.focus();
    }
    if (url) return self.clients.openWindow(url);
    return undefined;
  })());
});
