// @ts-check
// OSDP: the buses (serial ports), their readers, each running reader's status
// from osdp-reader.status (online, Secure Channel, tamper, last card), and
// install mode (a secure reader receives its key). A bus's or a reader's name
// opens its editor (osdp_editor.js: change, delete). Readers are wired to
// doors on the access point page, like Wiegand readers.

import {
  busy,
  card,
  checkbox,
  confirmDialog,
  field,
  h,
  replace,
  select,
  table,
  toast,
} from "../../dom.js";
import { loadInto } from "../common.js";
import { header } from "./common.js";
import { BAUDS, OSDP_BUS, OSDP_READER } from "./osdp_editor.js";

/** @typedef {import("../../types.js").PageContext} PageContext */
/** @typedef {import("../../types.js").Entity} Entity */

/** Longest install mode the API accepts, seconds. */
const INSTALL_SECONDS = 120;

/**
 * A yes/no cell.
 * @param {unknown} value
 * @param {string} yes
 * @param {string} no
 * @returns {HTMLElement}
 */
function flag(value, yes, no) {
  return h("span", { class: value ? "badge ok" : "badge" }, value ? yes : no);
}

/**
 * The status cells of a reader (— when the controller does not run it).
 * @param {any} s a row of osdp-reader.status, or undefined
 * @returns {import("../../dom.js").Child[]}
 */
function statusCells(s) {
  if (s === undefined) return ["Not running", "—", "—", "—"];
  return [
    s.bus_error
      ? h(
        "span",
        {},
        h("span", { class: "badge warn" }, "Port down"),
        " ",
        h("small", { class: "muted" }, s.bus_error),
      )
      : flag(s.online, "Online", "Offline"),
    s.online ? (s.secure ? "Secure Channel" : (s.trusted ? "Clear" : "Untrusted")) : "—",
    s.online ? (s.tamper ? h("span", { class: "badge warn" }, "Tamper") : "OK") : "—",
    s.last_card_at ? new Date(s.last_card_at).toLocaleString() : "—",
  ];
}

/**
 * The OSDP page: buses, readers and their status, forms to add them.
 * @param {HTMLElement} view
 * @param {PageContext} ctx
 */
export async function osdpPage(view, ctx) {
  const { api, session } = ctx;
  const top = header("osdp");
  if (!session.can("hardwareRead")) {
    replace(
      view,
      top,
      h("p", { class: "muted" }, "Supervisors and administrators see OSDP readers."),
    );
    return;
  }
  const loaded = await loadInto(view, top, () =>
    Promise.all([
      api.request("osdp-bus.read", { bus_id: 0 }).then((/** @type {any} */ d) => d.data ?? []),
      api.request("osdp-reader.read", { reader_id: 0 }).then((/** @type {any} */ d) =>
        d.data ?? []
      ),
      api.request("osdp-reader.status", {}).then((/** @type {any} */ d) => d.data ?? []),
    ]));
  if (loaded === null || !ctx.alive()) return;
  /** @type {[Entity[], Entity[], any[]]} */
  const [buses, readers, statuses] = loaded;
  const admin = session.can("hardwareWrite");
  const reload = () => osdpPage(view, ctx);
  const busName = new Map(buses.map((b) => [String(b.id), b.attributes.name]));
  const statusOf = new Map(statuses.map((s) => [s.reader_id, s]));

  const busRows = buses.map((b) => {
    const a = b.attributes;
    const count = readers.filter((r) => r.relationships?.bus?.data?.id === b.id).length;
    return [
      editLink(OSDP_BUS, b),
      a.port,
      String(a.baud),
      `${a["poll-interval"] ?? "—"} ms`,
      String(count),
    ];
  });

  const readerRows = readers.map((r) => {
    const a = r.attributes;
    const s = statusOf.get(String(r.id));
    const busId = r.relationships?.bus?.data?.id ?? a.bus_id;
    /** @type {import("../../dom.js").Child} */
    let actions = "—";
    if (admin && a.secure) {
      const button = /** @type {HTMLButtonElement} */ (h(
        "button",
        { type: "button", "aria-label": `Install mode for ${a.name}` },
        s?.install_mode ? "In install mode" : "Install mode",
      ));
      button.addEventListener("click", () =>
        busy(button, async () => {
          await api.request("osdp-reader.install", {
            reader_id: r.id,
            timeout: INSTALL_SECONDS,
          });
          toast(`${a.name}: install mode for ${INSTALL_SECONDS} s; the reader receives its key.`);
          await reload();
        }));
      actions = h("span", { class: "actions" }, button, rotateButton(ctx, r, s, reload));
    }
    return [
      editLink(OSDP_READER, r),
      busName.get(String(busId)) ?? "—",
      String(a.address),
      a["has-key"] ? "Key installed" : (a.secure ? "No key" : "Not required"),
      ...statusCells(s),
      actions,
    ];
  });

  const refresh = /** @type {HTMLButtonElement} */ (h("button", { type: "button" }, "Refresh"));
  refresh.addEventListener("click", () => busy(refresh, reload));

  replace(
    view,
    top,
    h(
      "p",
      { class: "muted" },
      "OSDP readers on RS-485 buses. Wire a reader to a door on its access point page. " +
        'With simulated hardware a bus port may be "sim:NAME".',
    ),
    card(
      `OSDP buses (${buses.length})`,
      {},
      table(["Bus", "Port", "Baud", "Poll", "Readers"], busRows, {
        empty: "No OSDP bus yet.",
        caption: "OSDP buses",
      }),
      admin ? busForm(ctx, reload) : null,
    ),
    card(
      `OSDP readers (${readers.length})`,
      { actions: [refresh] },
      table(
        ["Reader", "Bus", "Address", "Key", "Status", "Channel", "Tamper", "Last card", "Actions"],
        readerRows,
        { empty: "No OSDP reader yet.", caption: "OSDP readers" },
      ),
      admin && buses.length > 0 ? readerForm(ctx, buses, reload) : null,
    ),
  );
}

/**
 * The "Rotate key" button of a secure reader: after a confirmation, the
 * reader gets a fresh key (`osdp-reader.rekey`). Disabled unless the reader
 * is online in Secure Channel (and not in install mode).
 * @param {PageContext} ctx
 * @param {Entity} reader
 * @param {any} s its status row, or undefined
 * @param {() => Promise<void>} reload
 * @returns {HTMLButtonElement}
 */
function rotateButton(ctx, reader, s, reload) {
  const name = reader.attributes.name;
  const ready = s?.online === true && s?.secure === true && s?.install_mode !== true;
  const button = /** @type {HTMLButtonElement} */ (h(
    "button",
    {
      type: "button",
      "aria-label": `Rotate key of ${name}`,
      disabled: !ready,
      title: ready
        ? "Give the reader a fresh Secure Channel key"
        : "Only for a reader online in Secure Channel",
    },
    "Rotate key",
  ));
  button.addEventListener("click", async () => {
    const confirmed = await confirmDialog({
      title: `Rotate the key of ${name}?`,
      message: "The reader gets a fresh random Secure Channel key, sent inside its secure " +
        "session. It keeps reading cards; its old key stops working once it confirms.",
      confirmLabel: "Rotate key",
    });
    if (!confirmed) return;
    await busy(button, async () => {
      await ctx.api.request("osdp-reader.rekey", { reader_id: reader.id });
      toast(`${name} has a new Secure Channel key.`);
      await reload();
    });
  });
  return button;
}

/**
 * A bus's or a reader's name, linked to its editor.
 * @param {import("../common.js").Resource} resource
 * @param {Entity} entity
 * @returns {HTMLElement}
 */
function editLink(resource, entity) {
  return h(
    "a",
    { href: `#/${resource.route}/${encodeURIComponent(entity.id)}` },
    entity.attributes.name,
  );
}

/**
 * A form's submit: `create` the attributes, then reload; errors stay on the form.
 * @param {PageContext} ctx
 * @param {HTMLFormElement} form
 * @param {string} call
 * @param {() => Record<string, unknown>} attributes
 * @param {() => Promise<void>} reload
 */
function onCreate(ctx, form, call, attributes, reload) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const submit = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
    busy(submit, async () => {
      await ctx.api.request(call, { attributes: attributes() });
      toast("Saved.");
      await reload();
    });
  });
}

/**
 * The "Add a bus" form.
 * @param {PageContext} ctx
 * @param {() => Promise<void>} reload
 * @returns {HTMLElement}
 */
function busForm(ctx, reload) {
  const name = h("input", { name: "name", required: true, maxlength: 64 });
  const port = h("input", { name: "port", required: true, placeholder: "/dev/ttyUSB0" });
  const baud = select({ name: "baud" }, BAUDS, 115200);
  const poll = h("input", { name: "poll-interval", type: "number", min: 10, max: 1000, value: 50 });
  const form = /** @type {HTMLFormElement} */ (h(
    "form",
    { class: "form-grid", "aria-label": "Add an OSDP bus" },
    h("h3", null, "Add a bus"),
    field("Bus name", name),
    field("Port", port, { hint: 'A serial device, or "sim:NAME" when simulated.' }),
    field("Baud rate", baud),
    field("Poll interval (ms)", poll),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add bus")),
  ));
  onCreate(ctx, form, "osdp-bus.create", () => ({
    name: name.value,
    port: port.value,
    baud: Number(baud.value),
    "poll-interval": Number(poll.value),
  }), reload);
  return form;
}

/**
 * The "Add a reader" form.
 * @param {PageContext} ctx
 * @param {Entity[]} buses
 * @param {() => Promise<void>} reload
 * @returns {HTMLElement}
 */
function readerForm(ctx, buses, reload) {
  const name = h("input", { name: "name", required: true, maxlength: 64 });
  const bus = select(
    { name: "bus_id" },
    buses.map((b) => [String(b.id), b.attributes.name]),
  );
  const address = h("input", { name: "address", type: "number", min: 0, max: 126, value: 0 });
  const secure = checkbox("Secure Channel required", { name: "secure", checked: true });
  const form = /** @type {HTMLFormElement} */ (h(
    "form",
    { class: "form-grid", "aria-label": "Add an OSDP reader" },
    h("h3", null, "Add a reader"),
    field("Reader name", name),
    field("Bus", bus),
    field("Address", address, { hint: "0–126, unique on its bus." }),
    secure,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add reader")),
  ));
  onCreate(ctx, form, "osdp-reader.create", () => ({
    name: name.value,
    bus_id: bus.value,
    address: Number(address.value),
    secure: /** @type {HTMLInputElement} */ (secure.querySelector("input")).checked,
  }), reload);
  return form;
}
