/**
 * Migration 11: the site's events (issue 12, `docs/site.md`).
 *
 * - `site_event_cursors`: named positions of the event outbox and inbox
 *   (`src/site/event_outbox.ts`, `src/site/event_inbox.ts`): the last local
 *   audit id copied into `site_events`, the last one the site's event stream
 *   acknowledged (and its stream sequence), the last stream sequence read.
 * - `site_events`: the site's events as this controller knows them: its own
 *   rows (copied from `audit_events` as they are committed) and every other
 *   controller's (read from the stream). `(controller, origin_id)` is the
 *   idempotency key: a second copy is ignored. `n` is the local order, the
 *   tie-break of keyset pages (`<timestamp>.<n>`). `message` is the event as
 *   published on the stream; `seq` its stream sequence (NULL for an own row
 *   not yet read back). The id columns serve `audit.get`'s door, user and
 *   card filters, with an index each whose last column is the time.
 *
 * @module
 */

/** The migration's SQL. */
export const MIGRATION_0011 = `
CREATE TABLE site_event_cursors (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE site_events (
  n INTEGER PRIMARY KEY,
  controller TEXT NOT NULL,
  origin_id INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  kind TEXT NOT NULL,
  author_id INTEGER,
  target_id INTEGER,
  target2_id INTEGER,
  credential_id INTEGER,
  message TEXT NOT NULL,
  seq INTEGER,
  UNIQUE (controller, origin_id)
);
CREATE INDEX site_events_time ON site_events(timestamp);
CREATE INDEX site_events_kind_time ON site_events(kind, timestamp);
CREATE INDEX site_events_target_time ON site_events(target_id, timestamp)
  WHERE target_id IS NOT NULL;
CREATE INDEX site_events_target2_time ON site_events(target2_id, timestamp)
  WHERE target2_id IS NOT NULL;
CREATE INDEX site_events_author_time ON site_events(author_id, timestamp)
  WHERE author_id IS NOT NULL;
CREATE INDEX site_events_credential_time ON site_events(credential_id, timestamp)
  WHERE credential_id IS NOT NULL;
`;
