/**
 * `zone.create`, `zone.read`, `zone.update`, `zone.delete` (Leosac §7.9).
 * Graph rules are checked inside the write's transaction, which is rolled
 * back when they fail. Our additions: `antipassback` (off|soft|hard),
 * `antipassback-reset` (seconds, 0 = never) and the `parent` relationship.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { transaction } from "../../store/db.ts";
import {
  ANTIPASSBACK_MODES,
  createZone,
  deleteZone,
  getZone,
  listParentZones,
  listZones,
  updateZone,
  type Zone,
  ZONE_TYPE,
  type ZonePatch,
  type ZoneType,
} from "../../store/zones.ts";
import { type Endpoint, endpoint } from "../context.ts";
import { any, id, object } from "../validate.ts";
import {
  ATTR_POINTER,
  attributesOf,
  auditChange,
  enumAttr,
  idList,
  intAttr,
  requiredKey,
  textAttr,
} from "./_entity_attrs.ts";
import { checkZoneGraph } from "./_zone_graph.ts";

function refs(ids: readonly number[], type: string): { data: { id: number; type: string }[] } {
  return { data: ids.map((id) => ({ id, type })) };
}

/** Serialises a zone; `parent` lists the zones that have it as a child. */
export function serializeZone(db: DatabaseSync, zone: Zone): Record<string, unknown> {
  return {
    id: zone.id,
    type: "zone",
    attributes: {
      alias: zone.alias,
      description: zone.description,
      type: zone.type,
      antipassback: zone.antipassback,
      "antipassback-reset": zone.antipassbackResetS,
    },
    relationships: {
      children: refs(zone.childIds, "zone"),
      doors: refs(zone.doorIds, "door"),
      parent: refs(listParentZones(db, zone.id).map((z) => z.id), "zone"),
    },
  };
}

function snapshot(zone: Zone): Record<string, unknown> {
  return {
    id: zone.id,
    alias: zone.alias,
    description: zone.description,
    type: zone.type,
    antipassback: zone.antipassback,
    antipassback_reset_s: zone.antipassbackResetS,
    children: zone.childIds,
    doors: zone.doorIds,
  };
}

function parseType(value: unknown): ZoneType | undefined {
  if (value === undefined || value === null) return undefined;
  if (value !== ZONE_TYPE.PHYSICAL && value !== ZONE_TYPE.LOGICAL) {
    throw new ValidationError("Invalid zone type.", ATTR_POINTER + "type");
  }
  return value;
}

/** Reads the zone attributes; `doors` and `children` are required and replace the lists. */
function parseFields(db: DatabaseSync, attrs: Record<string, unknown>): ZonePatch {
  const patch: ZonePatch = {};
  const type = parseType(attrs.type);
  const alias = textAttr(attrs, "alias");
  const description = textAttr(attrs, "description", 1024);
  const antipassback = enumAttr(attrs, "antipassback", ANTIPASSBACK_MODES);
  const reset = intAttr(attrs, "antipassback-reset", { min: 0, max: 31_536_000 });
  if (type !== undefined) patch.type = type;
  if (alias !== undefined) patch.alias = alias;
  if (description !== undefined) patch.description = description;
  if (antipassback !== undefined) patch.antipassback = antipassback;
  if (reset !== undefined) patch.antipassbackResetS = reset;
  patch.doorIds = idList(db, requiredKey(attrs, "doors"), { key: "doors", kind: "door" });
  patch.childIds = idList(db, requiredKey(attrs, "children"), { key: "children", kind: "zone" });
  return patch;
}

function findZone(db: DatabaseSync, zoneId: number): Zone {
  const zone = getZone(db, zoneId);
  if (!zone) throw new NotFoundError("zone", zoneId);
  return zone;
}

/** The zone endpoints, by wire name. */
export const ZONE_ENDPOINTS: Record<string, Endpoint> = {
  "zone.create": endpoint(object({ attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("ZONE_WRITE");
      const db = ctx.deps.store.db;
      const fields = parseFields(db, attributesOf(request.attributes));
      const zone = transaction(db, () => {
        const created = createZone(db, { type: ZONE_TYPE.LOGICAL, ...fields });
        checkZoneGraph(listZones(db));
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.ZONE,
          mask: auditMask(AUDIT_EVENT.ZONE_CREATED),
          targetId: created.id,
          description: `Zone ${created.alias} has been created.`,
          after: snapshot(created),
        });
        return created;
      });
      return { data: serializeZone(db, zone) };
    },
  }),

  "zone.read": endpoint(object({ zone_id: id }), {
    auth: "logged_in",
    handle(ctx, { zone_id }) {
      ctx.require("ZONE_READ");
      const db = ctx.deps.store.db;
      if (zone_id === 0) return { data: listZones(db).map((z) => serializeZone(db, z)) };
      return { data: serializeZone(db, findZone(db, zone_id)) };
    },
  }),

  "zone.update": endpoint(object({ zone_id: id, attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("ZONE_WRITE");
      const db = ctx.deps.store.db;
      const zone = findZone(db, request.zone_id);
      const patch = parseFields(db, attributesOf(request.attributes));
      const after = transaction(db, () => {
        const updated = updateZone(db, zone.id, patch)!;
        checkZoneGraph(listZones(db));
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.ZONE,
          mask: auditMask(AUDIT_EVENT.ZONE_UPDATED),
          targetId: zone.id,
          description: `Zone ${updated.alias} has been updated.`,
          before: snapshot(zone),
          after: snapshot(updated),
        });
        return updated;
      });
      return { data: serializeZone(db, after) };
    },
  }),

  "zone.delete": endpoint(object({ zone_id: id }), {
    auth: "logged_in",
    handle(ctx, { zone_id }) {
      const actor = ctx.require("ZONE_WRITE");
      const db = ctx.deps.store.db;
      const zone = findZone(db, zone_id);
      transaction(db, () => {
        deleteZone(db, zone.id);
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.ZONE,
          mask: auditMask(AUDIT_EVENT.ZONE_DELETED),
          targetId: zone.id,
          description: `Zone ${zone.alias} has been deleted.`,
          before: snapshot(zone),
        });
      });
      return null;
    },
  }),
};
