/**
 * What the API sees of the site this controller belongs to
 * (`docs/site.md`): its names, its state for `/healthz` and
 * `system_overview`, and the parts endpoints call (remote door commands,
 * site events). Null when the controller runs alone.
 *
 * @module
 */
import type { Capture } from "./capture.ts";
import type { ComputedChange } from "./policy_log.ts";
import type { SiteDoorsPort } from "./door_command.ts";

/** The site's state as `/healthz` and `system_overview` report it. */
export interface SiteStatus {
  /** The site's name. */
  name: string;
  /** This controller's name. */
  controller: string;
  /** True while a NATS server of the site answers. */
  connected: boolean;
  /**
   * How far this copy is behind the site's policy log, in ms: 0 when it has
   * applied everything the site holds, the time since the oldest change it
   * has not applied otherwise, or the time since the link was lost.
   */
  lag_ms: number;
  /** The last policy-log sequence applied to this copy. */
  applied_sequence: number;
}

/** The policy log as the dispatcher uses it for site-wide writes (`policy_log.ts`). */
export interface SitePolicyPort {
  /** The capture triggers of the API's connection. */
  readonly capture: Capture;
  /**
   * Runs one site-wide change: catches up, calls `compute` (the handler,
   * capturing its rows), publishes, applies, and resolves with its result.
   */
  write<T>(compute: () => ComputedChange<T> | Promise<ComputedChange<T>>): Promise<T>;
}

/** The site, as endpoints use it. */
export interface SiteService {
  /** The site's name. */
  readonly siteName: string;
  /** This controller's name. */
  readonly controller: string;
  /** The state for `/healthz` and `system_overview`. */
  status(): SiteStatus;
  /** The policy log (site-wide writes go through it). */
  readonly policy: SitePolicyPort;
  /**
   * The site's doors (`doors.ts`): commands to other controllers' doors and
   * every door's live state. Absent or null: remote doors cannot be
   * commanded (a clear error) and `door.status` lists them as offline.
   */
  readonly doors?: SiteDoorsPort | null;
}
