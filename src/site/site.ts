/**
 * A controller's membership of a site (`docs/site.md`): joining (the first
 * controller founds the site with its own data; a later one loads the
 * newest snapshot), the policy log it follows and writes through, the
 * snapshots it takes, and the state `/healthz` and `system_overview` show.
 *
 * @module
 */
import { join } from "node:path";
import { jetstream, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { type ObjectStore, Objm } from "@nats-io/obj";
import { logger } from "../log.ts";
import { DATA_FILES, type Store } from "../store/store.ts";
import { prepared } from "../store/db.ts";
import type { SiteSetting } from "../cli/site_flags.ts";
import { Capture, REPLICATED_TABLES } from "./capture.ts";
import { SiteLink } from "./link.ts";
import { type SiteNames, siteNames } from "./names.ts";
import { type AppliedChange, appliedSequence, PolicyLog } from "./policy_log.ts";
import type { SitePolicyPort, SiteService, SiteStatus } from "./service.ts";
import { EventOutbox } from "./event_outbox.ts";
import { EventInbox } from "./event_inbox.ts";
import type { SiteEventRetention } from "./event_retention.ts";
import type { EventHub } from "../ws/event_hub.ts";
import type { ControllerPort } from "../controller/port.ts";
import { type DoorEventSource, SiteDoors } from "./doors.ts";
import { loadSnapshot, readSnapshotMeta, SNAPSHOT_OBJECT, writeSnapshot } from "./snapshot.ts";
import { errorText } from "../errors.ts";

const log = logger("site");

/** A snapshot is taken once the log has grown by this many changes since the last one ... */
export const SNAPSHOT_EVERY = 1_000;
/** ... or once this many rows were changed since (a bulk import). */
export const SNAPSHOT_EVERY_ROWS = 50_000;
/** The key that records which controller founded the site. */
const FOUNDER_KEY = "_founder";
/** The key whose revision elects the controller taking the next snapshot. */
const SNAPSHOT_KEY = "_snapshot";

/** Tables whose rows the controller wires (a change to them reloads the wiring). */
const WIRING_TABLES = new Set(["devices", "access_points", "doors"]);

/** What the rest of the server hands the site once it runs. */
export interface SiteHooks {
  /** Live events (other controllers' events are pushed to it). */
  events: EventHub;
  /** This controller's doors: commands from other controllers run on it, its events refresh the door bucket. */
  controller: (ControllerPort & DoorEventSource) | null;
  /** How long the site's events are kept (the audit retention's periods). */
  retention: SiteEventRetention;
  /** Re-reads the wiring (a device, door or access point changed). */
  reload(): Promise<void>;
  /** Re-checks every session (a user's password, rank or validity changed). */
  recheckSessions(): void;
}

/** The number of JetStream replicas for the site's streams: up to 3, as many servers as known. */
export function replicasFor(nc: NatsConnection): number {
  const known = nc.info?.connect_urls?.length ?? 0;
  return Math.max(1, Math.min(3, known));
}

/** One controller's site. */
export class Site implements SiteService {
  readonly siteName: string;
  readonly controller: string;
  readonly names: SiteNames;
  readonly link: SiteLink;
  readonly #store: Store;
  readonly #dataDir: string;
  #log: PolicyLog | null = null;
  #capture: Capture | null = null;
  #founding = false;
  #hooks: SiteHooks | null = null;
  #snapshotting = false;
  #lastSnapshotSeq = 0;
  #rowsSinceSnapshot = 0;
  #stopped = false;
  #outbox: EventOutbox | null = null;
  #inbox: EventInbox | null = null;
  /** Every door of the site: live states, commands to other controllers' doors. */
  doors: SiteDoors | null = null;

  constructor(setting: SiteSetting, store: Store, dataDir: string) {
    this.siteName = setting.siteName;
    this.controller = setting.controller;
    this.names = siteNames(setting.siteName);
    this.link = new SiteLink(setting);
    this.#store = store;
    this.#dataDir = dataDir;
  }

  /** The policy log (after {@linkcode Site.prepare}). */
  get policy(): SitePolicyPort {
    const policyLog = this.#log;
    const capture = this.#capture;
    if (policyLog === null || capture === null) throw new Error("the site is not prepared");
    return { capture, write: (compute) => policyLog.write(compute) };
  }

  /** The policy log itself (tests, benchmarks). */
  get log(): PolicyLog | null {
    return this.#log;
  }

  status(): SiteStatus {
    return {
      name: this.siteName,
      controller: this.controller,
      connected: this.link.connected,
      lag_ms: this.#log?.lagMs() ?? 0,
      applied_sequence: this.#log?.appliedSequence ?? appliedSequence(this.#store.db),
    };
  }

  /**
   * Before the server starts: a data directory already in the site checks
   * its names and goes on (the link connects in the background; doors decide
   * from the local copy meanwhile). One that is not yet in a site waits for
   * NATS, then founds the site (the first controller) or joins it from the
   * newest snapshot (its database must be new). Returns true when this
   * controller founds the site: {@linkcode Site.found} must follow once the
   * first administrator exists.
   */
  async prepare(print: (line: string) => void): Promise<boolean> {
    const db = this.#store.db;
    const row = prepared(db, "SELECT site, controller FROM site_state WHERE id = 1").get();
    this.link.start();
    if (row !== undefined) {
      if (row.site !== this.siteName || row.controller !== this.controller) {
        throw new Error(
          `this data directory belongs to controller "${row.controller}" of site "${row.site}", ` +
            `not "${this.controller}" of "${this.siteName}"`,
        );
      }
      this.#init();
      return false;
    }
    if (!this.link.connected) {
      print(`Waiting for the site's NATS servers to join site "${this.siteName}" …`);
      await this.link.whenConnected();
    }
    const nc = this.link.connection!;
    const jsm = await jetstreamManager(nc);
    await this.#ensureStreams(nc, jsm);
    const kv = await new Kvm(nc).open(this.names.controllersBucket);
    let founder: string | null = null;
    try {
      await kv.create(FOUNDER_KEY, this.controller);
      founder = this.controller;
    } catch {
      founder = (await kv.get(FOUNDER_KEY))?.string() ?? null;
    }
    if (founder === this.controller && !(await this.#snapshotExists(nc))) {
      const head = (await jsm.streams.info(this.names.policyStream)).state.last_seq;
      if (head !== 0) throw new Error("the site's policy log holds changes but no snapshot");
      this.#founding = true;
      return true;
    }
    await this.#join(nc, print);
    this.#init();
    await this.#catchUpAfterJoin();
    return false;
  }

  /**
   * A copy fresh from a snapshot applies what the site changed since (a card
   * disabled after the snapshot was taken) before the controller decides
   * anything. When the site cannot bring it up to date within
   * {@linkcode JOIN_CATCH_UP_MS}, it starts anyway and goes on following:
   * the reason is logged, and `lag_ms` shows the delay.
   */
  async #catchUpAfterJoin(): Promise<void> {
    const started = performance.now();
    try {
      const seq = await this.#log!.catchUp(JOIN_CATCH_UP_MS);
      log.info("Caught up with site {site} to sequence {seq} in {ms} ms", {
        site: this.siteName,
        seq,
        ms: Math.round(performance.now() - started),
      });
    } catch (error) {
      log.warn("Starting behind site {site} ({error}); still following it", {
        site: this.siteName,
        error: errorText(error),
      });
    }
  }

  /** Founds the site: stamps this controller on its devices and publishes the first snapshot. */
  async found(): Promise<void> {
    if (!this.#founding) return;
    const db = this.#store.db;
    db.exec("BEGIN IMMEDIATE");
    try {
      for (const table of WIRING_TABLES) {
        prepared(db, `UPDATE "${table}" SET controller = ? WHERE controller IS NULL`).run(
          this.controller,
        );
      }
      prepared(
        db,
        "INSERT INTO site_state (id, site, controller, applied_seq, applied_at) VALUES (1, ?, ?, 0, ?)",
      ).run(this.siteName, this.controller, Date.now());
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
    await this.#publishSnapshot();
    log.info("Founded site {site} as controller {controller}", {
      site: this.siteName,
      controller: this.controller,
    });
    this.#founding = false;
    this.#init();
  }

  /** Starts following the site's policy log, publishing this controller's events and reading the site's. */
  start(hooks: SiteHooks): void {
    this.#hooks = hooks;
    this.#log?.start();
    const nc = this.link.connection;
    const replicas = nc === null ? undefined : replicasFor(nc);
    const common = {
      db: this.#store.db,
      link: this.link,
      names: this.names,
      controller: this.controller,
      ...(replicas === undefined ? {} : { replicas }),
    };
    this.#outbox = new EventOutbox(common);
    this.#inbox = new EventInbox({ ...common, events: hooks.events, retention: hooks.retention });
    this.#outbox.start();
    this.#inbox.start();
    this.doors = new SiteDoors({
      link: this.link,
      names: this.names,
      controller: this.controller,
      db: this.#store.db,
      port: hooks.controller,
      events: hooks.controller,
      replicas: (connection) => replicasFor(connection),
    });
    this.doors.start().catch((error) =>
      log.warn("Site doors did not start: {error}", { error: String(error) })
    );
    this.link.onChange((up) => {
      if (up) void this.#announce();
    });
    if (this.link.connected) void this.#announce();
  }

  /** Stops following and closes the link. */
  async close(): Promise<void> {
    this.#stopped = true;
    await this.doors?.close();
    await this.#outbox?.close();
    await this.#inbox?.close();
    await this.#log?.close();
    await this.link.close();
  }

  #init(): void {
    this.#capture ??= new Capture(this.#store.db);
    this.#log ??= new PolicyLog({
      db: this.#store.db,
      link: this.link,
      names: this.names,
      controller: this.controller,
      onApplied: (change) => this.#applied(change),
      onStoreFull: () => this.#store.reserve.release("a site change could not be applied"),
    });
  }

  #applied(change: AppliedChange): void {
    const hooks = this.#hooks;
    if (hooks !== null) {
      if ([...change.tables].some((t) => WIRING_TABLES.has(t))) {
        hooks.reload().then(() => this.doors?.refresh()).catch((error) =>
          log.warn("Wiring reload after a site change failed: {error}", { error: String(error) })
        );
      }
      if (change.users.size > 0) hooks.recheckSessions();
    }
    this.#rowsSinceSnapshot += change.rows;
    const bulk = this.#rowsSinceSnapshot >= SNAPSHOT_EVERY_ROWS;
    if ((bulk || change.seq - this.#lastSnapshotSeq >= SNAPSHOT_EVERY) && !this.#snapshotting) {
      void this.#maybeSnapshot(change.seq, bulk);
    }
  }

  /** Takes a snapshot if this controller wins the election for it. */
  async #maybeSnapshot(seq: number, bulk: boolean): Promise<void> {
    const nc = this.link.connection;
    if (nc === null || this.#stopped) return;
    this.#snapshotting = true;
    try {
      const kv = await new Kvm(nc).open(this.names.controllersBucket);
      const entry = await kv.get(SNAPSHOT_KEY);
      const last = entry === null || entry.operation !== "PUT" ? 0 : Number(entry.string());
      this.#lastSnapshotSeq = Math.max(this.#lastSnapshotSeq, last);
      if (last >= seq || (!bulk && seq - last < SNAPSHOT_EVERY)) return;
      try {
        if (entry === null) await kv.create(SNAPSHOT_KEY, String(seq));
        else await kv.update(SNAPSHOT_KEY, String(seq), entry.revision);
      } catch {
        this.#rowsSinceSnapshot = 0;
        return; // another controller takes it
      }
      this.#rowsSinceSnapshot = 0;
      await this.#publishSnapshot();
      this.#lastSnapshotSeq = seq;
    } catch (error) {
      log.warn("Snapshot not taken: {error}", { error: String(error) });
    } finally {
      this.#snapshotting = false;
    }
  }

  async #publishSnapshot(): Promise<void> {
    const nc = this.link.connection;
    if (nc === null) throw new Error("the site cannot be reached");
    const { path, meta } = writeSnapshot(
      this.#store.databasePath,
      this.#dataDir,
      this.siteName,
      this.controller,
      this.#store.secret,
      Date.now(),
    );
    try {
      const os = await new Objm(nc).open(this.names.snapshotStore);
      const file = await Deno.open(path, { read: true });
      const name = snapshotName(meta.seq);
      await os.put({ name, description: JSON.stringify(meta) }, file.readable);
      log.info("Policy snapshot at sequence {seq} published ({bytes} bytes)", {
        seq: meta.seq,
        bytes: Deno.statSync(path).size,
      });
      // Keep the two newest: a controller still downloading the older one finishes it.
      const older = (await listSnapshots(os)).slice(2);
      for (const { name } of older) await os.delete(name).catch(() => {});
    } finally {
      Deno.removeSync(path);
    }
  }

  async #snapshotExists(nc: NatsConnection): Promise<boolean> {
    const os = await new Objm(nc).open(this.names.snapshotStore);
    return (await listSnapshots(os)).length > 0;
  }

  /** Joins from the newest snapshot (waiting for the founder to publish one). */
  async #join(nc: NatsConnection, print: (line: string) => void): Promise<void> {
    const db = this.#store.db;
    for (const table of ["users", "doors", "devices", "credentials", "groups"]) {
      const n = Number(prepared(db, `SELECT count(*) AS n FROM "${table}"`).get()?.n ?? 0);
      if (n > 0) {
        throw new Error(
          `cannot join site "${this.siteName}": this data directory already holds ${table} ` +
            "(a controller joins with a new data directory; its doors and devices are then " +
            "added through the site)",
        );
      }
    }
    // A busy cluster (a node restarting, a large log) can take longer than
    // the client's default 5 s to answer: the join asks with more patience,
    // and any failure of an attempt (listing, downloading, loading) is tried
    // again with the newest snapshot until it has failed for JOIN_PATIENCE_MS.
    const objm = new Objm(jetstream(nc, { timeout: JOIN_API_TIMEOUT_MS }));
    let waited = false;
    const started = performance.now();
    let failingSince: number | null = null;
    for (let attempt = 1;; attempt++) {
      let path: string | null = null;
      try {
        const os = await objm.open(this.names.snapshotStore);
        const newest = (await listSnapshots(os))[0];
        if (newest === undefined) {
          if (!waited) print(`Waiting for site "${this.siteName}" to publish its first snapshot …`);
          waited = true;
          attempt = 0;
          failingSince = null;
          await new Promise((r) => setTimeout(r, 1_000));
          continue;
        }
        path = join(this.#dataDir, `snapshot-${crypto.randomUUID()}.db`);
        await download(os, newest.name, newest.size, path);
        const { secret } = readSnapshotMeta(path);
        const meta = loadSnapshot(db, path, this.siteName, this.controller);
        // The site's PIN key: PIN codes hash the same on every controller.
        const keyPath = join(this.#dataDir, DATA_FILES.secret);
        Deno.writeFileSync(keyPath + ".site", secret, { mode: 0o600 });
        Deno.renameSync(keyPath + ".site", keyPath);
        (this.#store as { secret: Uint8Array }).secret = secret;
        log.info(
          "Joined site {site} from its snapshot at sequence {seq} in {ms} ms ({users} users)",
          {
            site: this.siteName,
            seq: meta.seq,
            ms: Math.round(performance.now() - started),
            users: Number(prepared(db, "SELECT count(*) AS n FROM users").get()?.n ?? 0),
          },
        );
        return;
      } catch (error) {
        failingSince ??= performance.now();
        if (performance.now() - failingSince > JOIN_PATIENCE_MS) throw error;
        const waitMs = Math.min(10_000, 1_000 * 2 ** Math.min(attempt - 1, 4));
        log.warn(
          "The site's snapshot could not be loaded ({error}); trying the newest again in {s} s",
          {
            error: String(error),
            s: waitMs / 1000,
          },
        );
        await new Promise((r) => setTimeout(r, waitMs));
      } finally {
        if (path !== null) {
          try {
            Deno.removeSync(path);
          } catch { /* never written */ }
        }
      }
    }
  }

  async #ensureStreams(nc: NatsConnection, jsm: JetStreamManager): Promise<void> {
    const replicas = replicasFor(nc);
    const names = this.names;
    try {
      await jsm.streams.info(names.policyStream);
    } catch {
      await jsm.streams.add({
        name: names.policyStream,
        subjects: [names.policySubject],
        num_replicas: replicas,
        duplicate_window: 120_000_000_000,
        max_msg_size: 1024 * 1024,
      }).catch(async (error) => {
        // Another controller created it meanwhile.
        await jsm.streams.info(names.policyStream).catch(() => {
          throw error;
        });
      });
    }
    // Open what exists (another controller made it, perhaps with other replicas).
    const kvm = new Kvm(nc);
    await kvm.open(names.controllersBucket).then((kv) => kv.status()).catch(() =>
      kvm.create(names.controllersBucket, { replicas, history: 1 })
    );
    const objm = new Objm(nc);
    await objm.open(names.snapshotStore).then((os) => os.status()).catch(() =>
      objm.create(names.snapshotStore, { replicas })
    );
  }

  async #announce(): Promise<void> {
    const nc = this.link.connection;
    if (nc === null) return;
    try {
      const kv = await new Kvm(nc).open(this.names.controllersBucket);
      await kv.put(
        this.controller,
        JSON.stringify({ controller: this.controller, connected_at: Date.now() }),
      );
    } catch (error) {
      log.debug("Cannot announce this controller: {error}", { error: String(error) });
    }
  }
}

/** How long a joining controller keeps trying to load the site's snapshot before it gives up. */
const JOIN_PATIENCE_MS = 10 * 60_000;

/** How long a copy fresh from a snapshot waits to apply the site's later changes before it starts. */
const JOIN_CATCH_UP_MS = 2 * 60_000;
/** The JetStream API's answer time when joining (the client's default is 5 s). */
const JOIN_API_TIMEOUT_MS = 20_000;

/** The object name of the snapshot at `seq` (sorts by sequence). */
function snapshotName(seq: number): string {
  return `${SNAPSHOT_OBJECT}-${String(seq).padStart(16, "0")}`;
}

/** The site's snapshots, newest first. */
async function listSnapshots(os: ObjectStore): Promise<{ name: string; size: number }[]> {
  return (await os.list())
    .filter((info) => !info.deleted && info.name.startsWith(`${SNAPSHOT_OBJECT}-`))
    .map((info) => ({ name: info.name, size: info.size }))
    .sort((x, y) => (x.name < y.name ? 1 : -1));
}

/**
 * Downloads object `name` into a new file at `path`, failing when it stalls:
 * at least 1 MiB/s after a minute's grace.
 */
async function download(os: ObjectStore, name: string, size: number, path: string): Promise<void> {
  const object = await os.get(name);
  if (object === null) throw new Error(`the site's snapshot ${name} disappeared`);
  const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  const deadline = AbortSignal.timeout(60_000 + Math.ceil(size / (1024 * 1024)) * 1_000);
  await object.data.pipeTo(file.writable, { signal: deadline });
  const failure = await object.error;
  if (failure) throw new Error(`the snapshot download failed: ${failure.message}`);
}

/** Tables a snapshot holds (re-exported for docs and tests). */
export const SNAPSHOT_TABLES: readonly string[] = REPLICATED_TABLES;
