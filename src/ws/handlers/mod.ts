/**
 * Every endpoint declaration. Adding an endpoint: write its module (one
 * `defineEndpoint` record), list it here, and add its row to
 * `docs/ws_protocol.md`; `router_test.ts` fails when a module is not listed
 * or a row is missing.
 *
 * @module
 */
import type { AnyEndpoint } from "../endpoint.ts";
import { authenticateWithToken } from "./session/authenticate_with_token.ts";
import { createAuthToken } from "./session/create_auth_token.ts";
import { getLeosacVersion } from "./session/get_leosac_version.ts";
import { logout } from "./session/logout.ts";
import { passwordChange } from "./session/password_change.ts";
import { systemOverview } from "./session/system_overview.ts";
import { holidayCreate } from "./holiday/create.ts";
import { holidayDelete } from "./holiday/delete.ts";
import { holidayRead } from "./holiday/read.ts";
import { holidayUpdate } from "./holiday/update.ts";

/** The declarations, in documentation order. */
export const DECLARATIONS: readonly AnyEndpoint[] = [
  getLeosacVersion,
  createAuthToken,
  authenticateWithToken,
  logout,
  systemOverview,
  passwordChange,
  holidayCreate,
  holidayRead,
  holidayUpdate,
  holidayDelete,
];
