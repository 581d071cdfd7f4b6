/**
 * What the zone endpoints share: the JSON:API shape (type `zone`; beyond
 * Leosac `antipassback` off|soft|hard, `antipassback-reset` in seconds with
 * 0 = never, and the `parent` relationship), the attributes decoder, the
 * id-list check against the store and the audit row.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { NotFoundError, ValidationError } from "../../../errors.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../../store/audit.ts";
import {
  ANTIPASSBACK_MODES,
  getZone,
  listParentZones,
  type Zone,
  ZONE_TYPE,
  type ZonePatch,
  type ZoneType,
} from "../../../store/zones.ts";
import type { EndpointContext } from "../../endpoint.ts";
import {
  ATTR_POINTER,
  attributesOf,
  enumAttr,
  idList,
  intAttr,
  requiredKey,
  textAttr,
} from "../_entity_attrs.ts";

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
      version: zone.version,
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

function zoneType(value: unknown): ZoneType | undefined {
  if (value === undefined || value === null) return undefined;
  if (value !== ZONE_TYPE.PHYSICAL && value !== ZONE_TYPE.LOGICAL) {
    throw new ValidationError("Invalid zone type.", ATTR_POINTER + "type");
  }
  return value;
}

/** The decoded attributes: the scalar patch and the two id lists as sent. */
export interface ZoneAttributes {
  /** The scalar attributes sent. */
  readonly patch: Omit<ZonePatch, "doorIds" | "childIds">;
  /** The `doors` value (present, not yet checked: see {@linkcode zonePatch}). */
  readonly doors: unknown;
  /** The `children` value (present, not yet checked). */
  readonly children: unknown;
}

/**
 * The attributes a client may send: absent scalars are left out; `doors`
 * and `children` are required (they replace the lists).
 */
export function zoneAttributes(value: unknown): ZoneAttributes {
  const attrs = attributesOf(value);
  const patch: Omit<ZonePatch, "doorIds" | "childIds"> = {};
  const type = zoneType(attrs.type);
  const alias = textAttr(attrs, "alias");
  const description = textAttr(attrs, "description", 1024);
  const antipassback = enumAttr(attrs, "antipassback", ANTIPASSBACK_MODES);
  const reset = intAttr(attrs, "antipassback-reset", { min: 0, max: 31_536_000 });
  if (type !== undefined) patch.type = type;
  if (alias !== undefined) patch.alias = alias;
  if (description !== undefined) patch.description = description;
  if (antipassback !== undefined) patch.antipassback = antipassback;
  if (reset !== undefined) patch.antipassbackResetS = reset;
  return {
    patch,
    doors: requiredKey(attrs, "doors"),
    children: requiredKey(attrs, "children"),
  };
}

/** The full patch: the id lists read and every id checked to exist. */
export function zonePatch(db: DatabaseSync, attributes: ZoneAttributes): ZonePatch {
  return {
    ...attributes.patch,
    doorIds: idList(db, attributes.doors, { key: "doors", kind: "door" }),
    childIds: idList(db, attributes.children, { key: "children", kind: "zone" }),
  };
}

/** The zone `zoneId`, or ENTITY_NOT_FOUND. */
export function findZone(db: DatabaseSync, zoneId: number): Zone {
  const zone = getZone(db, zoneId);
  if (!zone) throw new NotFoundError("zone", zoneId);
  return zone;
}

/** The audit verbs of a zone change. */
const VERBS = {
  [AUDIT_EVENT.ZONE_CREATED]: "created",
  [AUDIT_EVENT.ZONE_UPDATED]: "updated",
  [AUDIT_EVENT.ZONE_DELETED]: "deleted",
} as const;

/** Appends the audit row of a zone change (inside the change's transaction). */
export function auditZone(
  ctx: EndpointContext<"ZONE_WRITE">,
  event: keyof typeof VERBS,
  before: Zone | null,
  after: Zone | null,
): void {
  const zone = (after ?? before)!;
  ctx.audit({
    kind: AUDIT_KIND.ZONE,
    mask: auditMask(event),
    authorId: ctx.require("ZONE_WRITE").userId,
    targetId: zone.id,
    description: `Zone ${zone.alias} has been ${VERBS[event]}.`,
    ...(before === null ? {} : { before: snapshot(before) }),
    ...(after === null ? {} : { after: snapshot(after) }),
  });
}
