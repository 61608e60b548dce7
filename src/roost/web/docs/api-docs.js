// @ts-check
/**
 * The API's interactive documentation at /api/docs: Swagger UI from this server's own copy
 * (vendor/swagger/), reading /api/openapi.json. Nothing is loaded from anywhere else.
 */
window.addEventListener('DOMContentLoaded', () => {
  /** @type {any} */
  const global = window;
  const SwaggerUIBundle = global.SwaggerUIBundle;
  global.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
