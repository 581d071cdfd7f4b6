/**
 * Serves the embedded web UI (the files of {@linkcode UI_FILES}).
 *
 * @module
 */
import { UI_FILES } from "./ui_files.ts";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy":
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
};

/** The response for a GET of `pathname`. */
export function serveStatic(pathname: string): Response {
  const asset = UI_FILES.get(pathname === "/index.html" ? "/" : pathname);
  if (!asset) return new Response("Not found\n", { status: 404, headers: SECURITY_HEADERS });
  return new Response(asset.body, {
    headers: { "content-type": asset.type, "cache-control": "no-cache", ...SECURITY_HEADERS },
  });
}
