/**
 * What `/` shows when the console has not been built: how to build it, and
 * where the API and its reference still are. Self-contained, no scripts.
 */
export const CONSOLE_NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Facility Portal: the web console is not built</title>
</head>
<body>
  <main>
    <h1>The web console is not built</h1>
    <p>This portal serves its API, but the web console has not been built in this installation.</p>
    <p>Build it from the portal's folder, then reload this page:</p>
    <pre><code>npm run build:console</code></pre>
    <p><code>npm start</code> and <code>npm test</code> build it when it is missing, and the
    production image (Dockerfile) contains it.</p>
    <p>The API answers meanwhile under <code>/api/v1</code>; its reference is at
    <a href="/api/docs">/api/docs</a>.</p>
  </main>
</body>
</html>`
