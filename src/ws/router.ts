/**
 * The endpoint table: wire name → endpoint. The only registry.
 *
 * @module
 */
import type { Endpoint } from "./context.ts";
import { AUDIT_ENDPOINTS } from "./handlers/audit.ts";
import { SESSION_ENDPOINTS } from "./handlers/session_endpoints.ts";
import { USER_ENDPOINTS } from "./handlers/users.ts";

/** Every endpoint, by wire name. */
export const ENDPOINTS: Readonly<Record<string, Endpoint>> = Object.freeze({
  ...SESSION_ENDPOINTS,
  ...USER_ENDPOINTS,
  ...AUDIT_ENDPOINTS,
});
