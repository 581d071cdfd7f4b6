/**
 * `access_point.create`, `access_point.read`, `access_point.update`,
 * `access_point.delete` (Leosac §7.8). Leosac forwarded the writes to an
 * `AccessPointBackend` that no module registered; we implement the one the
 * web UI uses, `LEOSAC-BUILTIN-ACCESS-POINT`, whose resources are typed
 * `leosac-builtin-access-point`. Our attributes: `reader` (a wiegand-reader
 * device id), `reader-mode`, `direction`, `pin-timeout` (ms).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BadRequestError, MAX_QUOTED_LENGTH, NotFoundError, quoteValue } from "../../errors.ts";
import {
  type AccessPoint,
  type AccessPointPatch,
  BUILTIN_CONTROLLER_MODULE,
  createAccessPoint,
  deleteAccessPoint,
  DIRECTIONS,
  getAccessPoint,
  listAccessPoints,
  READER_MODES,
  updateAccessPoint,
} from "../../store/access_points.ts";
import { AUDIT_EVENT, AUDIT_KIND, auditMask } from "../../store/audit.ts";
import { transaction } from "../../store/db.ts";
import { getDevice } from "../../store/devices.ts";
import { type Endpoint, endpoint } from "../context.ts";
import { any, id, object } from "../validate.ts";
import { attributesOf, auditChange, enumAttr, intAttr, textAttr } from "./_entity_attrs.ts";

/** The JSON:API type of an access point: `leosac-builtin-access-point` for the builtin module. */
export function accessPointWireType(controllerModule: string): string {
  return controllerModule === BUILTIN_CONTROLLER_MODULE
    ? "leosac-builtin-access-point"
    : "access-point";
}

/** Serialises an access point; `relationships.door` is present only when a door links it. */
export function serializeAccessPoint(ap: AccessPoint): Record<string, unknown> {
  const resource: Record<string, unknown> = {
    id: ap.id,
    type: accessPointWireType(ap.controllerModule),
    attributes: {
      alias: ap.alias,
      description: ap.description,
      "controller-module": ap.controllerModule,
      reader: ap.readerId,
      "reader-mode": ap.readerMode,
      direction: ap.direction,
      "pin-timeout": ap.pinTimeoutMs,
    },
  };
  if (ap.doorId !== null) {
    resource.relationships = { door: { data: { id: ap.doorId, type: "door" } } };
  }
  return resource;
}

function snapshot(ap: AccessPoint): Record<string, unknown> {
  return {
    id: ap.id,
    alias: ap.alias,
    description: ap.description,
    controller_module: ap.controllerModule,
    reader: ap.readerId,
    reader_mode: ap.readerMode,
    direction: ap.direction,
    pin_timeout_ms: ap.pinTimeoutMs,
  };
}

function checkBackend(controllerModule: unknown): void {
  if (controllerModule !== BUILTIN_CONTROLLER_MODULE) {
    const name = typeof controllerModule === "string"
      ? controllerModule
      : JSON.stringify(controllerModule);
    throw new BadRequestError(
      `Cannot find an AccessPointBackend corresponding to controller-module ${
        typeof name === "string" ? name.slice(0, MAX_QUOTED_LENGTH) : quoteValue(name)
      }`,
    );
  }
}

/** `reader`: a wiegand-reader device id; `null`, `""` or `0` clears it. */
function parseReader(db: DatabaseSync, value: unknown): string | null {
  if (value === null || value === "" || value === 0) return null;
  if (typeof value !== "string") throw new BadRequestError("Failed to unserialize UUID");
  if (getDevice(db, value)?.type !== "wiegand-reader") {
    throw new NotFoundError("wiegand-reader", value);
  }
  return value;
}

function parseFields(db: DatabaseSync, attrs: Record<string, unknown>): AccessPointPatch {
  const patch: AccessPointPatch = {};
  const alias = textAttr(attrs, "alias");
  const description = textAttr(attrs, "description", 1024);
  const readerMode = enumAttr(attrs, "reader-mode", READER_MODES);
  const direction = enumAttr(attrs, "direction", DIRECTIONS);
  const pinTimeout = intAttr(attrs, "pin-timeout", { min: 1000, max: 300_000 });
  if (alias !== undefined) patch.alias = alias;
  if (description !== undefined) patch.description = description;
  if (Object.hasOwn(attrs, "reader")) patch.readerId = parseReader(db, attrs.reader);
  if (readerMode !== undefined) patch.readerMode = readerMode;
  if (direction !== undefined) patch.direction = direction;
  if (pinTimeout !== undefined) patch.pinTimeoutMs = pinTimeout;
  return patch;
}

function findAccessPoint(db: DatabaseSync, accessPointId: number): AccessPoint {
  const ap = getAccessPoint(db, accessPointId);
  if (!ap) throw new NotFoundError("access-point", accessPointId);
  return ap;
}

/** The access point endpoints, by wire name. */
export const ACCESS_POINT_ENDPOINTS: Record<string, Endpoint> = {
  "access_point.create": endpoint(object({ attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("ACCESS_POINT_WRITE");
      const attrs = attributesOf(request.attributes);
      if (!Object.hasOwn(attrs, "controller-module")) {
        throw new BadRequestError("key 'controller-module' not found");
      }
      checkBackend(attrs["controller-module"]);
      const db = ctx.deps.store.db;
      const fields = parseFields(db, attrs);
      const ap = transaction(db, () => {
        const created = createAccessPoint(db, {
          ...fields,
          controllerModule: BUILTIN_CONTROLLER_MODULE,
        });
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.ACCESS_POINT,
          mask: auditMask(AUDIT_EVENT.ACCESS_POINT_CREATED),
          targetId: created.id,
          description: `Access point ${created.alias} has been created.`,
          after: snapshot(created),
        });
        return created;
      });
      return { data: serializeAccessPoint(ap) };
    },
  }),

  "access_point.read": endpoint(object({ access_point_id: id }), {
    auth: "logged_in",
    handle(ctx, { access_point_id }) {
      ctx.require("ACCESS_POINT_READ");
      const db = ctx.deps.store.db;
      if (access_point_id === 0) return { data: listAccessPoints(db).map(serializeAccessPoint) };
      return { data: serializeAccessPoint(findAccessPoint(db, access_point_id)) };
    },
  }),

  "access_point.update": endpoint(object({ access_point_id: id, attributes: any }), {
    auth: "logged_in",
    handle(ctx, request) {
      const actor = ctx.require("ACCESS_POINT_WRITE");
      const db = ctx.deps.store.db;
      const ap = findAccessPoint(db, request.access_point_id);
      checkBackend(ap.controllerModule);
      const attrs = attributesOf(request.attributes);
      const module = attrs["controller-module"];
      if (module !== undefined && module !== null) checkBackend(module);
      const patch = parseFields(db, attrs);
      const after = transaction(db, () => {
        const updated = updateAccessPoint(db, ap.id, patch)!;
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.ACCESS_POINT,
          mask: auditMask(AUDIT_EVENT.ACCESS_POINT_UPDATED),
          targetId: ap.id,
          description: `Access point ${updated.alias} has been updated.`,
          before: snapshot(ap),
          after: snapshot(updated),
        });
        return updated;
      });
      return { data: serializeAccessPoint(after) };
    },
  }),

  "access_point.delete": endpoint(object({ access_point_id: id }), {
    auth: "logged_in",
    handle(ctx, { access_point_id }) {
      const actor = ctx.require("ACCESS_POINT_WRITE");
      const db = ctx.deps.store.db;
      const ap = findAccessPoint(db, access_point_id);
      transaction(db, () => {
        deleteAccessPoint(db, ap.id);
        auditChange(ctx, actor.userId, {
          kind: AUDIT_KIND.ACCESS_POINT,
          mask: auditMask(AUDIT_EVENT.ACCESS_POINT_DELETED),
          targetId: ap.id,
          description: `Access point ${ap.alias} has been deleted.`,
          before: snapshot(ap),
        });
      });
      return null;
    },
  }),
};
