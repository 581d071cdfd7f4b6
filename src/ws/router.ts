/**
 * The endpoint table: wire name → endpoint. The only registry.
 *
 * @module
 */
import type { Endpoint } from "./context.ts";
import { AUDIT_ENDPOINTS } from "./handlers/audit.ts";
import { SESSION_ENDPOINTS } from "./handlers/session_endpoints.ts";
import { SCHEDULE_ENDPOINTS } from "./handlers/schedules.ts";
import { DOOR_ENDPOINTS } from "./handlers/doors.ts";
import { ACCESS_POINT_ENDPOINTS } from "./handlers/access_points.ts";
import { ZONE_ENDPOINTS } from "./handlers/zones.ts";
import { USER_ENDPOINTS } from "./handlers/users.ts";

/** Every endpoint, by wire name. */
export const ENDPOINTS: Readonly<Record<string, Endpoint>> = Object.freeze({
  ...SESSION_ENDPOINTS,
  ...USER_ENDPOINTS,
  ...SCHEDULE_ENDPOINTS,
  ...DOOR_ENDPOINTS,
  ...ACCESS_POINT_ENDPOINTS,
  ...ZONE_ENDPOINTS,
  ...AUDIT_ENDPOINTS,
});
