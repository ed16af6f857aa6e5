/* /api/docs: draw the server's OpenAPI document with Swagger UI, offline.
 * validatorUrl null: Swagger UI would otherwise ask an outside validator for a badge. */
(function () {
  "use strict";
  const script = document.currentScript;
  const documentUrl = (script && script.dataset.document) || "/api/openapi.json";
  window.addEventListener("DOMContentLoaded", function () {
    window.ui = window.SwaggerUIBundle({
      url: documentUrl,
      dom_id: "#swagger-ui",
      validatorUrl: null,
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
  });
})();
