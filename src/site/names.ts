/**
 * The NATS names of one site: streams, subjects, buckets. Every name carries
 * the site's name, so several sites can share one NATS cluster and a
 * controller's NATS permissions can be written per site and per controller
 * (`deploy/nats-server.conf`).
 *
 * | What | Name |
 * |---|---|
 * | policy changes (one total order) | stream `LEOSAC_<SITE>_POLICY`, subject `leosac.<site>.policy` |
 * | events | stream `LEOSAC_<SITE>_EVENTS`, subjects `leosac.<site>.events.<controller>` |
 * | live door state | KV bucket `LEOSAC_<SITE>_DOORS`, keys `<controller>.<door id>` |
 * | controllers present | KV bucket `LEOSAC_<SITE>_CONTROLLERS`, key `<controller>` |
 * | policy snapshots | object store `LEOSAC_<SITE>_SNAPSHOTS` |
 * | door commands | request/reply on `leosac.<site>.cmd.<controller>` |
 * | replies to this controller (its requests, JetStream API, consumers) | inboxes `_INBOX.<site>.<controller>.*` |
 *
 * @module
 */

/** Site and controller names: letters, digits, `-` and `_`, 1–32 characters. */
export const NAME_PATTERN: RegExp = /^[A-Za-z0-9_-]{1,32}$/;

/** The site name used when `--site-name` is not given. */
export const DEFAULT_SITE_NAME = "site";

/** The NATS names of one site. */
export interface SiteNames {
  /** The site's name as given. */
  readonly site: string;
  /** Policy stream. */
  readonly policyStream: string;
  /** Policy subject. */
  readonly policySubject: string;
  /** Event stream. */
  readonly eventsStream: string;
  /** Subject filter of every controller's events. */
  readonly eventsWildcard: string;
  /** The subject `controller` publishes its events on. */
  eventsSubject(controller: string): string;
  /** KV bucket of the live door states. */
  readonly doorsBucket: string;
  /** KV bucket of the controllers present. */
  readonly controllersBucket: string;
  /** Object store of policy snapshots. */
  readonly snapshotStore: string;
  /** The subject `controller` answers door commands on. */
  commandSubject(controller: string): string;
  /**
   * The inbox prefix of `controller`'s connection: every reply it waits for
   * (requests, the JetStream API, consumers, watchers) comes under it, so its
   * NATS permissions let it subscribe to its own replies only.
   */
  inboxPrefix(controller: string): string;
}

/** The names of site `site` (checked against {@linkcode NAME_PATTERN}). */
export function siteNames(site: string): SiteNames {
  if (!NAME_PATTERN.test(site)) throw new Error(`invalid site name: ${JSON.stringify(site)}`);
  // Stream and bucket names may not hold "." (and "-" reads badly in them).
  const upper = site.toUpperCase().replaceAll("-", "_");
  const prefix = `leosac.${site}`;
  return {
    site,
    policyStream: `LEOSAC_${upper}_POLICY`,
    policySubject: `${prefix}.policy`,
    eventsStream: `LEOSAC_${upper}_EVENTS`,
    eventsWildcard: `${prefix}.events.*`,
    eventsSubject: (controller) => `${prefix}.events.${controller}`,
    doorsBucket: `LEOSAC_${upper}_DOORS`,
    controllersBucket: `LEOSAC_${upper}_CONTROLLERS`,
    snapshotStore: `LEOSAC_${upper}_SNAPSHOTS`,
    commandSubject: (controller) => `${prefix}.cmd.${controller}`,
    inboxPrefix: (controller) => `_INBOX.${site}.${controller}`,
  };
}
