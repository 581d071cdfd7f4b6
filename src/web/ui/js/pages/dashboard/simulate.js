// @ts-check
// The simulated-hardware panel of the dashboard: present a card, type a PIN,
// press the exit button or move the door contact of a chosen door.

import { busy, card, errorContent, field, h, replace, select } from "../../dom.js";
import { normalizeHex } from "../../wiegand.js";

/** @typedef {import("../../types.js").PageContext} PageContext */
/** @typedef {import("./doors.js").DashboardDoor} DashboardDoor */

/**
 * The simulated-hardware panel: cards, PINs and door inputs.
 * @param {PageContext} ctx
 * @param {DashboardDoor[]} doors
 * @returns {HTMLElement}
 */
export function simulatePanel(ctx, doors) {
  const { api } = ctx;
  const result = h("div", { class: "sim-result muted", role: "status", "aria-live": "polite" });
  const show = (/** @type {string} */ text) => {
    result.textContent = text;
  };
  /** A refused simulation, with what to check when the reader is not running. */
  const showError = (/** @type {unknown} */ error) => {
    const message = /** @type {{ message?: string } | null | undefined} */ (error)?.message;
    const notListening = /not listening/.test(message ?? "");
    replace(
      result,
      h("p", null, errorContent(error)),
      notListening
        ? h(
          "p",
          { class: "hint" },
          "The controller could not open this reader's lines. Check its D0 and D1 lines in ",
          ctx.session.can("hardwareRead")
            ? h("a", { href: "#/doors/devices" }, "Doors & readers → Devices")
            : "Doors & readers → Devices",
          ": each line can serve only one role (reader, strike, contact, exit button or LED).",
        )
        : null,
    );
  };
  const doorSelect = select(
    { name: "door", id: "sim-door" },
    doors.map((d) => [d.id, d.alias]),
    doors[0]?.id,
  );
  // The door field's hint: field() puts it in its own hint paragraph.
  const readerNote = document.createTextNode("");
  const chosen = () => doors.find((d) => d.id === Number(doorSelect.value));

  const cardMode = select({ name: "card-format", id: "sim-card-format" }, [
    ["H10301", "H10301 (26-bit)"],
    ["raw", "Raw card id"],
  ], "H10301");
  const facility = h("input", {
    name: "facility",
    id: "sim-facility",
    type: "number",
    min: "0",
    max: "255",
    value: "12",
  });
  const number = h("input", {
    name: "number",
    id: "sim-number",
    type: "number",
    min: "0",
    max: "65535",
    value: "3456",
  });
  const hex = h("input", { name: "card-id", id: "sim-card-id", placeholder: "e.g. 0c:1b:00:40" });
  const bits = h("input", {
    name: "nb-bits",
    id: "sim-nb-bits",
    type: "number",
    min: "1",
    max: "128",
    value: "26",
  });
  const h10301Fields = h(
    "div",
    { class: "row" },
    field("Facility", facility),
    field("Card number", number),
  );
  const rawFields = h(
    "div",
    { class: "row", hidden: true },
    field("Card id", hex),
    field("Bits", bits),
  );
  cardMode.addEventListener("change", () => {
    h10301Fields.hidden = cardMode.value !== "H10301";
    rawFields.hidden = cardMode.value === "H10301";
  });
  const presentCard = h("button", { type: "submit", class: "primary" }, "Present card");
  const cardForm = h(
    "form",
    { class: "sim-block", "aria-label": "Present a card" },
    h("h3", null, "Present a card"),
    field("Card format", cardMode),
    h10301Fields,
    rawFields,
    presentCard,
  );
  cardForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const door = chosen();
    if (!door?.reader) return show("This door has no reader: set one on its access point.");
    const content = { action: "card", reader: door.reader };
    if (cardMode.value === "H10301") {
      Object.assign(content, {
        format: "H10301",
        facility: Number(facility.value),
        number: Number(number.value),
      });
    } else {
      const cardId = normalizeHex(hex.value);
      if (cardId === null) return show("Card id: type hexadecimal bytes, e.g. 0c:1b:00:40.");
      Object.assign(content, { card_id: cardId, nb_bits: Number(bits.value) });
    }
    busy(presentCard, async () => {
      show("Sending the card…");
      const reply = await api.request("hardware.simulate", content);
      show(
        `Card presented at ${door.alias} (${reply.bits} bits). The decision appears in the feed.`,
      );
    }, showError);
  });

  const pin = h("input", {
    name: "pin",
    id: "sim-pin",
    inputmode: "numeric",
    autocomplete: "off",
    pattern: "[0-9]*",
  });
  const sendPin = h("button", { type: "submit", class: "primary" }, "Type PIN");
  const pinForm = h(
    "form",
    { class: "sim-block", "aria-label": "Type a PIN" },
    h("h3", null, "Type a PIN"),
    field("PIN digits", pin),
    sendPin,
  );
  pinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const door = chosen();
    if (!door?.reader) return show("This door has no reader: set one on its access point.");
    if (!/^\d{1,32}$/.test(pin.value)) return show("A PIN is digits only.");
    busy(sendPin, async () => {
      await api.request("hardware.simulate", {
        action: "pin",
        reader: door.reader,
        pin: pin.value,
      });
      pin.value = "";
      show(`PIN typed at ${door.alias}. The decision appears in the feed.`);
    }, showError);
  });

  const input = (/** @type {string} */ name, /** @type {boolean} */ value) =>
    api.request("hardware.simulate", {
      action: "input",
      door: Number(doorSelect.value),
      input: name,
      value,
    });
  const rex = h("button", { type: "button", class: "secondary" }, "Press REX");
  rex.addEventListener("click", () =>
    busy(rex, async () => {
      await input("rex", true);
      await new Promise((r) => setTimeout(r, 300));
      await input("rex", false);
      show(`Request-to-exit pressed at ${chosen()?.alias}.`);
    }, showError));
  const contactOpen = h("button", { type: "button", class: "secondary" }, "Open door contact");
  const contactClose = h("button", { type: "button", class: "secondary" }, "Close door contact");
  /** @type {[HTMLButtonElement, boolean][]} */
  const contactButtons = [[contactOpen, true], [contactClose, false]];
  for (const [button, value] of contactButtons) {
    button.addEventListener("click", () =>
      busy(button, async () => {
        await input("contact", value);
        show(`Door contact of ${chosen()?.alias} ${value ? "opened" : "closed"}.`);
      }, showError));
  }
  const inputs = h(
    "div",
    { class: "sim-block", role: "group", "aria-label": "Door inputs" },
    h("h3", null, "Door inputs"),
    h("div", { class: "button-row" }, rex, contactOpen, contactClose),
  );

  const updateReader = () => {
    const door = chosen();
    readerNote.textContent = door?.reader
      ? "Card and PIN go to this door's reader."
      : "This door has no reader: cards and PINs cannot be simulated here.";
    presentCard.disabled = !door?.reader;
    sendPin.disabled = !door?.reader;
  };
  doorSelect.addEventListener("change", updateReader);
  updateReader();

  return card(
    "Simulate hardware",
    { id: "simulate" },
    h(
      "p",
      { class: "muted" },
      "The controller runs on simulated hardware: these play real Wiegand pulses and door inputs.",
    ),
    field("Door", doorSelect, { hint: readerNote }),
    h("div", { class: "sim-grid" }, cardForm, pinForm, inputs),
    result,
  );
}
