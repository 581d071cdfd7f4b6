/**
 * `system_overview`: instance name, configuration version, uptime, modules
 * and which hardware drives the doors.
 *
 * @module
 */
import { prepared } from "../../../store/db.ts";
import { VERSION_STRING } from "../../../version.ts";
import { defineEndpoint } from "../../endpoint.ts";
import { ignored } from "../../validate.ts";

/** Leosac's module names, for its clients. */
const MODULES = ["WEBSOCK_API", "AUTH_DB", "DOORMAN", "WIEGAND_READER", "LED_BUZZER", "LIBGPIOD"];

/** The declaration. */
export const systemOverview = defineEndpoint({
  names: ["system_overview"],
  session: "required",
  permission: { action: "SYSTEM_OVERVIEW" },
  access: "read",
  audit: "failures",
  wiring: false,
  uses: ["system", "site"],
  decode: ignored,
  handle(ctx) {
    const row = prepared(ctx.store.db, "SELECT coalesce(max(id), 0) AS v FROM audit_events")
      .get() as { v: number };
    const { system } = ctx.services;
    return {
      instance_name: system.instanceName,
      config_version: row.v,
      uptime: Math.floor((ctx.now - system.startedAt) / 1000),
      modules: MODULES,
      // Beyond Leosac: the version string, as `leosac --version`, /healthz and get_leosac_version.
      version: VERSION_STRING,
      // Beyond Leosac: which hardware drives the doors ("sim" enables hardware.simulate).
      hardware: ctx.controller === null ? "none" : ctx.controller.simulated ? "sim" : "gpio",
      // Beyond Leosac: the site this controller belongs to (docs/site.md), or null.
      site: ctx.services.site?.status() ?? null,
    };
  },
});
