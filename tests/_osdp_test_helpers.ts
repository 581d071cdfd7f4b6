/**
 * Helpers of the OSDP tests that drive a control panel against the emulated
 * readers (`osdp_cp_test.ts`, `osdp_bus_thread_test.ts`). Kept apart from the
 * emulator (`_osdp_pd.ts`), which shares nothing with the control panel.
 *
 * @module
 */
import type { OsdpEvent } from "../src/hardware/osdp/pd_link.ts";

/** Waits (on real bus traffic) until `condition` holds. */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The events of one type. */
export function ofType<T extends OsdpEvent["type"]>(
  events: OsdpEvent[],
  type: T,
): Extract<OsdpEvent, { type: T }>[] {
  return events.filter((e): e is Extract<OsdpEvent, { type: T }> => e.type === type);
}

/** 26-bit H10301 bits of `facility` and `card`, with parity. */
export function h10301(facility: number, card: number): bigint {
  const payload = (BigInt(facility) << 16n) | BigInt(card);
  const bits = payload.toString(2).padStart(24, "0");
  const even = [...bits.slice(0, 12)].filter((b) => b === "1").length % 2;
  const odd = 1 - ([...bits.slice(12)].filter((b) => b === "1").length % 2);
  return BigInt(`0b${even}${bits}${odd}`);
}
