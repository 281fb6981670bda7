// /api/docs: render the API's OpenAPI document with Swagger UI (loaded before this script).
window.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("api-docs");
  if (!node || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: node.dataset.url,
    domNode: node,
    deepLinking: true,
    validatorUrl: null, // no call to an outside validator
  });
});
