/**
 * Migration 6: indexes for search and paging at a million cardholders and
 * ten million audit rows (issue 10, "Scale").
 *
 * - People are searched by the start of their username, first name, last
 *   name or e-mail, ignoring case (`COLLATE NOCASE` indexes: a prefix becomes
 *   an index range, see `src/store/search.ts`); usernames are stored
 *   lower-case, so the unique index on `username` serves as it is.
 * - Cards by the start of their alias; groups by the start of their name.
 * - The audit log pages newest first by `(timestamp, id)` (keyset, not
 *   OFFSET) and filters by door, user, card and type. Each filter has an
 *   index whose last column is the time, so a page of a filter reads about a
 *   page of index entries (see `queryAuditPage` in `src/store/audit_page.ts`):
 *   the time alone, the kind, `target_id` (the user of an access decision,
 *   the door of a door event …), `target2_id` (the door of an access
 *   decision), `author_id` (who made a change; access rows have none), and
 *   the card (`data.credential`) of access decisions.
 *
 * Cost at 10,000,000 audit rows: about 1.2 GB of indexes and a few minutes
 * to build them on an existing database (one time).
 *
 * @module
 */

/** The migration's SQL. */
export const MIGRATION_0006 = `
CREATE INDEX users_firstname_nocase ON users(firstname COLLATE NOCASE);
CREATE INDEX users_lastname_nocase ON users(lastname COLLATE NOCASE);
CREATE INDEX users_email_nocase ON users(email COLLATE NOCASE);
CREATE INDEX credentials_alias_nocase ON credentials(alias COLLATE NOCASE);
CREATE INDEX groups_name_nocase ON groups(name COLLATE NOCASE);
CREATE INDEX audit_events_time ON audit_events(timestamp);
CREATE INDEX audit_events_kind_time ON audit_events(kind, timestamp);
CREATE INDEX audit_events_target_time ON audit_events(target_id, timestamp)
  WHERE target_id IS NOT NULL;
CREATE INDEX audit_events_target2_time ON audit_events(target2_id, timestamp)
  WHERE target2_id IS NOT NULL;
CREATE INDEX audit_events_author_time ON audit_events(author_id, timestamp)
  WHERE author_id IS NOT NULL;
CREATE INDEX audit_events_credential_time
  ON audit_events(json_extract(data, '$.credential'), timestamp)
  WHERE kind = 'Leosac::Audit::AuthEvent';
`;
