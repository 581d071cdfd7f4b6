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
import { GROUP_ENDPOINTS } from "./handlers/groups.ts";
import { MEMBERSHIP_ENDPOINTS } from "./handlers/memberships.ts";
import { CREDENTIAL_ENDPOINTS } from "./handlers/credentials.ts";
import { SEARCH_ENDPOINTS } from "./handlers/search.ts";
import { ACCESS_OVERVIEW_ENDPOINTS } from "./handlers/access_overview.ts";
import { DOOR_CONTROL_ENDPOINTS } from "./handlers/doors_control.ts";
import { HOLIDAY_ENDPOINTS } from "./handlers/holidays.ts";
import { EVENT_ENDPOINTS } from "./handlers/events.ts";
import { SIMULATE_ENDPOINTS } from "./handlers/simulate.ts";
import { DEVICE_ENDPOINTS } from "./handlers/devices.ts";

/** Every endpoint, by wire name. */
export const ENDPOINTS: Readonly<Record<string, Endpoint>> = Object.freeze({
  ...SESSION_ENDPOINTS,
  ...USER_ENDPOINTS,
  ...SCHEDULE_ENDPOINTS,
  ...DOOR_ENDPOINTS,
  ...ACCESS_POINT_ENDPOINTS,
  ...ZONE_ENDPOINTS,
  ...AUDIT_ENDPOINTS,
  ...GROUP_ENDPOINTS,
  ...MEMBERSHIP_ENDPOINTS,
  ...CREDENTIAL_ENDPOINTS,
  ...SEARCH_ENDPOINTS,
  ...ACCESS_OVERVIEW_ENDPOINTS,
  ...DOOR_CONTROL_ENDPOINTS,
  ...HOLIDAY_ENDPOINTS,
  ...EVENT_ENDPOINTS,
  ...SIMULATE_ENDPOINTS,
  ...DEVICE_ENDPOINTS,
});
