/**
 * Assertions on WebSocket replies, shared by the CRUD and entity fixtures.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ServerMessage } from "../src/ws/protocol.ts";

/** Asserts success and returns the content. */
// deno-lint-ignore no-explicit-any
export function ok(reply: ServerMessage): any {
  assert.equal(reply.status_code, 0, `expected success, got ${JSON.stringify(reply)}`);
  assert.equal(reply.status_string, "");
  return reply.content;
}

/** Asserts a status code and returns the content. */
// deno-lint-ignore no-explicit-any
export function failed(reply: ServerMessage, status: number): any {
  assert.equal(reply.status_code, status, `expected ${status}, got ${JSON.stringify(reply)}`);
  return reply.content;
}

/** Asserts ENTITY_NOT_FOUND for `entityType` and `entityId`. */
export function assertNotFound(reply: ServerMessage, entityType: string, entityId: unknown): void {
  assert.deepEqual(failed(reply, 8), { entity_id: String(entityId), entity_type: entityType });
}

/** Asserts a MODEL_EXCEPTION whose first error has `pointer`; returns its detail. */
export function assertModelError(reply: ServerMessage, pointer: string): string {
  const content = failed(reply, 11) as {
    errors: { detail: string; source: { pointer: string } }[];
  };
  assert.equal(content.errors[0]?.source.pointer, pointer);
  return content.errors[0]!.detail;
}
