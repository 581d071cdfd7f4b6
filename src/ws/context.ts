/**
 * The services the app builds once and every session shares. Endpoints never
 * see this: they get an {@linkcode EndpointContext} with what they declared.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { Store } from "../store/store.ts";
import type { AuditWriter } from "./audit_writer.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { EventHub } from "./event_hub.ts";
import type { SessionRegistry } from "./registry.ts";

export type { EndpointContext } from "./endpoint.ts";

/** Services shared by every session (built once by the app). */
export interface AppDeps {
  store: Store;
  clock: Clock;
  /** The `WSAPICall` rows (buffered). */
  audit: AuditWriter;
  sessions: SessionRegistry;
  events: EventHub;
  /** Answers requests from the declared endpoints. */
  dispatcher: Dispatcher;
  /** Process start time (Unix ms). */
  startedAt: number;
}
