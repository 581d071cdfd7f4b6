import assert from "node:assert/strict";
import { type RegisteredSession, SessionRegistry } from "./registry.ts";

function session(id: string): RegisteredSession {
  return { id, userId: () => null, abort() {}, close() {}, recheck: () => false };
}

Deno.test("SessionRegistry.whenAtMost resolves on the removal that brings the count down", async () => {
  const registry = new SessionRegistry();
  const [a, b, c] = [session("a"), session("b"), session("c")];
  for (const s of [a, b, c]) registry.add(s);
  let settled = false;
  const atMostOne = registry.whenAtMost(1).then(() => settled = true);
  registry.remove(a);
  await Promise.resolve();
  assert.equal(settled, false, "two sessions are still open");
  registry.remove(b);
  await atMostOne;
  assert.equal(registry.size, 1);
  await registry.whenAtMost(1); // already so: resolves at once
});
