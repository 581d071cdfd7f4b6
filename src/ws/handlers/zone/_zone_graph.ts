/**
 * The zone graph rules Leosac checks after a zone write: a physical zone has
 * at most one physical parent, a logical zone has no physical parent, and
 * the parent → child graph has no cycle (a zone is never its own child).
 *
 * @module
 */
import { ValidationError } from "../../../errors.ts";
import { type Zone, ZONE_TYPE } from "../../../store/zones.ts";

function label(zone: Zone): string {
  return `"${zone.alias}" (id ${zone.id})`;
}

function findCycle(byId: ReadonlyMap<number, Zone>): Zone | undefined {
  const DONE = 2, ACTIVE = 1;
  const state = new Map<number, number>();
  const visit = (zone: Zone): Zone | undefined => {
    state.set(zone.id, ACTIVE);
    for (const childId of zone.childIds) {
      const child = byId.get(childId);
      if (!child) continue;
      if (state.get(childId) === ACTIVE) return child;
      if (state.get(childId) === undefined) {
        const found = visit(child);
        if (found) return found;
      }
    }
    state.set(zone.id, DONE);
    return undefined;
  };
  for (const zone of byId.values()) {
    if (state.get(zone.id) === undefined) {
      const found = visit(zone);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Checks the whole zone graph.
 *
 * @throws {ValidationError} with pointer `""` (a model-wide error) naming the offending zone.
 */
export function checkZoneGraph(zones: readonly Zone[]): void {
  const byId = new Map(zones.map((z) => [z.id, z]));
  const parents = new Map<number, Zone[]>();
  for (const zone of zones) {
    for (const childId of zone.childIds) {
      parents.set(childId, [...(parents.get(childId) ?? []), zone]);
    }
  }
  for (const zone of zones) {
    const physicalParents = (parents.get(zone.id) ?? []).filter((p) =>
      p.type === ZONE_TYPE.PHYSICAL
    );
    if (zone.type === ZONE_TYPE.PHYSICAL && physicalParents.length > 1) {
      throw new ValidationError(
        `The physical zone ${label(zone)} cannot have more than one physical parent.`,
        "",
      );
    }
    if (zone.type === ZONE_TYPE.LOGICAL && physicalParents.length > 0) {
      throw new ValidationError(
        `The logical zone ${label(zone)} cannot have a physical parent.`,
        "",
      );
    }
  }
  const cycle = findCycle(byId);
  if (cycle) {
    throw new ValidationError(
      `Zone ${label(cycle)} would be its own ancestor: zones cannot form a cycle.`,
      "",
    );
  }
}
