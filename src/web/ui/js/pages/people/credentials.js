// @ts-check
// A user's cards and PINs: the list (with delete) and the forms that add a
// card (H10301 fields or a hexadecimal card id) or a PIN.

import {
  busy,
  card,
  clearFormErrors,
  confirmDialog,
  failure,
  field,
  h,
  replace,
  select,
  showFormError,
  table,
  toast,
} from "../../dom.js";
import { validityBadge } from "../../components.js";
import { describeCard, h10301CardId, normalizeHex, typedCardIdProblem } from "../../wiegand.js";
import { deleteContent, relatedIds } from "../common.js";
import { reloadUser } from "./common.js";

/** @typedef {import("../../types.js").Entity} Entity */
/** @typedef {import("../../types.js").PageContext} PageContext */

/**
 * A card's value: its format and facility/number first, the raw card id and
 * bit count beside it (what Leosac clients and exports use).
 * @param {unknown} cardId
 * @param {unknown} nbBits
 * @returns {HTMLElement}
 */
function cardCell(cardId, nbBits) {
  const card = describeCard(String(cardId ?? ""), Number(nbBits));
  const raw = h("span", { class: "mono muted small" }, `${card.cardId} · ${card.nbBits} bits`);
  if (card.format === null) return h("span", { class: "card-value" }, raw);
  const fields = card.facility === null
    ? `number ${card.number}`
    : `facility ${card.facility}, number ${card.number}`;
  return h("span", { class: "card-value" }, h("strong", null, card.format), ` ${fields} `, raw);
}

/**
 * The user's cards and PINs, with the forms that add one.
 * @param {HTMLElement} container
 * @param {PageContext} ctx
 * @param {number} userId
 * @param {number[]} ids the user's credential ids
 * @returns {Promise<unknown>}
 */
export async function drawCredentials(container, ctx, userId, ids) {
  const { api, session } = ctx;
  /** @type {Entity[]} */
  let credentials;
  try {
    credentials = await Promise.all(
      ids.map((id) => api.request("credential.read", { credential_id: id }).then((d) => d.data)),
    );
  } catch (error) {
    return replace(container, card("Cards and PINs", {}, failure(error)));
  }
  const canWrite = session.can("manage");
  const redraw = async () => {
    const user = await reloadUser(api, userId);
    await drawCredentials(container, ctx, userId, relatedIds(user, "credentials"));
  };
  const rows = credentials.map((c) => {
    const a = c.attributes;
    const isCard = c.type === "rfid-card";
    const remove = canWrite
      ? h("button", {
        type: "button",
        class: "link",
        "aria-label": `Delete ${isCard ? "card" : "PIN"} ${a.alias || c.id}`,
      }, "Delete")
      : null;
    remove?.addEventListener("click", async () => {
      const ok = await confirmDialog({
        title: `Delete ${isCard ? "card" : "PIN"} ${a.alias || ""}?`,
        message: "It stops opening doors immediately.",
        confirmLabel: "Delete",
        danger: true,
      });
      if (!ok) return;
      await busy(remove, async () => {
        await api.request(
          "credential.delete",
          deleteContent("credential_id", Number(c.id), a.version),
        );
        toast("Credential deleted");
        await redraw();
      });
    });
    return [
      isCard ? "Card" : "PIN",
      a.alias || h("span", { class: "muted" }, "—"),
      isCard
        ? cardCell(a["card-id"], a["nb-bits"])
        : h("span", { class: "muted" }, "PIN set (never shown)"),
      validityBadge(a),
      remove,
    ];
  });
  replace(
    container,
    card(
      "Cards and PINs",
      { id: "credentials" },
      table(["Type", "Alias", "Value", "Validity", ""], rows, {
        empty: "No card or PIN.",
        caption: "Cards and PINs",
      }),
      canWrite ? addCardForm(ctx, userId, redraw) : null,
      canWrite ? addPinForm(ctx, userId, redraw) : null,
    ),
  );
}

/**
 * The "Add a card" form (H10301 fields or a hexadecimal card id).
 * @param {PageContext} ctx
 * @param {number} userId
 * @param {() => Promise<void>} done called once the card is added
 * @returns {HTMLFormElement}
 */
function addCardForm(ctx, userId, done) {
  const alias = h("input", { name: "alias", autocomplete: "off" });
  const mode = select({ name: "entry" }, [
    ["H10301", "H10301 (26-bit)"],
    ["raw", "Hexadecimal card id"],
  ], "H10301");
  const facility = h("input", { name: "facility", type: "number", min: "0", max: "255" });
  const number = h("input", { name: "number", type: "number", min: "0", max: "65535" });
  const hex = h("input", { name: "card-id", autocomplete: "off", placeholder: "aa:bb:cc:dd" });
  const bits = h("input", { name: "nb-bits", type: "number", min: "1", max: "128", value: "26" });
  const preview = h("p", { class: "hint", "aria-live": "polite" });
  const h10301 = h(
    "div",
    { class: "row wide" },
    field("Facility code", facility),
    field("Card number", number),
  );
  const raw = h(
    "div",
    { class: "row wide", hidden: true },
    field("Card id", hex, { keys: ["cardId"] }),
    field("Bits", bits, { keys: ["nbBits"] }),
  );
  /** @returns {string | null | unknown} the card id, null when incomplete, or the range error */
  const computed = () => {
    if (mode.value !== "H10301") return null;
    if (facility.value === "" || number.value === "") return null;
    try {
      return h10301CardId(Number(facility.value), Number(number.value));
    } catch (error) {
      return error;
    }
  };
  const updatePreview = () => {
    const id = computed();
    preview.textContent = id instanceof Error
      ? id.message
      : id
      ? `Stored card id: ${id} (26 bits)`
      : "";
  };
  for (const input of [facility, number]) input.addEventListener("input", updatePreview);
  // The hexadecimal entry is checked as it is typed, with the server's rule (shared codec).
  const hexError =
    () => /** @type {HTMLElement} */ (raw.querySelector(`[data-keys~="cardId"] .field-error`));
  const checkHex = () => {
    const problem = hex.value.trim() === ""
      ? null
      : typedCardIdProblem(hex.value, Number(bits.value));
    hexError().textContent = problem ?? "";
    if (problem === null) hex.removeAttribute("aria-invalid");
    else hex.setAttribute("aria-invalid", "true");
    return problem;
  };
  for (const input of [hex, bits]) input.addEventListener("input", checkHex);
  mode.addEventListener("change", () => {
    h10301.hidden = mode.value !== "H10301";
    raw.hidden = mode.value === "H10301";
    updatePreview();
  });
  const submit = h("button", { type: "submit", class: "primary" }, "Add card");
  const form = h(
    "form",
    { class: "form", "aria-label": "Add a card", novalidate: true },
    h("h3", null, "Add a card"),
    field("Alias", alias, { hint: "e.g. the number printed on the badge" }),
    field("Entry", mode),
    h10301,
    raw,
    h(
      "div",
      { class: "wide", dataset: { keys: " cardId nbBits " } },
      preview,
      h("p", { class: "field-error" }),
    ),
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFormErrors(form);
    /** @type {unknown} */
    let cardId;
    /** @type {number} */
    let nbBits;
    if (mode.value === "H10301") {
      const id = computed();
      if (!id || id instanceof Error) {
        // The preview block has the cardId error paragraph.
        /** @type {HTMLElement} */ (form.querySelector(`[data-keys~="cardId"] .field-error`))
          .textContent = id instanceof Error
            ? id.message
            : "Type the facility code and the card number.";
        return;
      }
      cardId = id;
      nbBits = 26;
    } else {
      cardId = normalizeHex(hex.value);
      nbBits = Number(bits.value);
      // field() gives the card id input its error paragraph.
      const problem = typedCardIdProblem(hex.value, nbBits);
      if (problem !== null) {
        hexError().textContent = problem;
        return;
      }
    }
    busy(submit, async () => {
      await ctx.api.request("credential.create", {
        "credential-type": "rfid-card",
        attributes: { alias: alias.value, owner_id: userId, "card-id": cardId, "nb-bits": nbBits },
      });
      toast("Card added");
      await done();
    }, (error) => showFormError(form, error));
  });
  return form;
}

/**
 * The "Add a PIN" form.
 * @param {PageContext} ctx
 * @param {number} userId
 * @param {() => Promise<void>} done called once the PIN is added
 * @returns {HTMLFormElement}
 */
function addPinForm(ctx, userId, done) {
  const alias = h("input", { name: "alias", autocomplete: "off" });
  const code = h("input", {
    name: "code",
    type: "password",
    inputmode: "numeric",
    autocomplete: "new-password",
  });
  const submit = h("button", { type: "submit", class: "primary" }, "Add PIN");
  const form = h(
    "form",
    { class: "form", "aria-label": "Add a PIN", novalidate: true },
    h("h3", null, "Add a PIN"),
    field("Alias", alias),
    field("PIN", code, { hint: "4 to 12 digits; it is stored hashed and never shown again" }),
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFormErrors(form);
    busy(submit, async () => {
      await ctx.api.request("credential.create", {
        "credential-type": "pin-code",
        attributes: { alias: alias.value, owner_id: userId, code: code.value },
      });
      code.value = "";
      toast("PIN added");
      await done();
    }, (error) => showFormError(form, error));
  });
  return form;
}
