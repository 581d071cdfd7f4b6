/**
 * The embedded web UI files (kept as strings so the single-file build
 * carries them without `--include`).
 *
 * @module
 */

/** Path → {type, body}. */
export const ASSETS: Readonly<Record<string, { type: string; body: string }>> = {
  "/": {
    type: "text/html; charset=utf-8",
    body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Leosac</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Leosac for Deno</h1>
<p>The WebSocket API is at <code>/websocket</code>. Health: <a href="/healthz">/healthz</a>.</p>
</body></html>`,
  },
};
