import assert from "node:assert/strict";
import { CMD } from "./codes.ts";
import { checksum, crc16, decodePacket, encodePacket, FrameError, FrameReader } from "./frame.ts";

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.trim().split(/\s+/), (b) => parseInt(b, 16));
}

Deno.test("crc16() matches the SIA Annex E vectors", () => {
  assert.equal(crc16(hex("53 00 09 00 04 61 00")), 0x66c0); // sent C0 66
  assert.equal(crc16(hex("53 7F 0D 00 04 6E 00 80 25 00 00")), 0x386e); // sent 6E 38
});

Deno.test("checksum() matches the SIA Annex E vector", () => {
  assert.equal(checksum(hex("53 00 08 00 00 61 00")), 0x44);
});

Deno.test("encodePacket() builds the SIA POLL frames in both modes", () => {
  assert.deepEqual(
    encodePacket({ address: 0, sequence: 2, useCrc: true, code: CMD.POLL }),
    hex("53 00 08 00 06 60 89 CC"),
  );
  assert.deepEqual(
    encodePacket({ address: 0, sequence: 2, useCrc: false, code: CMD.POLL }),
    hex("53 00 07 00 02 60 44"),
  );
  assert.deepEqual(
    encodePacket({ address: 0, sequence: 0, useCrc: true, code: CMD.ID, data: hex("00") }),
    hex("53 00 09 00 04 61 00 C0 66"),
  );
  assert.deepEqual(
    encodePacket({
      address: 0x7f,
      sequence: 0,
      useCrc: true,
      code: CMD.COMSET,
      data: hex("00 80 25 00 00"),
    }),
    hex("53 7F 0D 00 04 6E 00 80 25 00 00 6E 38"),
  );
});

Deno.test("encodePacket() rejects bad addresses, sequences and sizes", () => {
  assert.throws(() => encodePacket({ address: 128, sequence: 0, useCrc: true, code: 0x60 }));
  assert.throws(() => encodePacket({ address: 0, sequence: 4, useCrc: true, code: 0x60 }));
  assert.throws(
    () =>
      encodePacket({
        address: 0,
        sequence: 1,
        useCrc: true,
        code: 0x60,
        data: new Uint8Array(1500),
      }),
    /exceeds 1440/,
  );
});

Deno.test("decodePacket() reads back a secure packet with its block and MAC", () => {
  const bytes = encodePacket(
    {
      address: 5,
      reply: true,
      sequence: 3,
      useCrc: true,
      securityBlock: hex("02 18"),
      code: 0x50,
      data: hex("01 02 03"),
    },
    () => hex("AA BB CC DD"),
  );
  const packet = decodePacket(bytes);
  assert.equal(packet.address, 5);
  assert.equal(packet.reply, true);
  assert.equal(packet.sequence, 3);
  assert.equal(packet.securityType, 0x18);
  assert.equal(packet.code, 0x50);
  assert.deepEqual(packet.data, hex("01 02 03"));
  assert.deepEqual(packet.mac, hex("AA BB CC DD"));
  assert.deepEqual(packet.macInput, bytes.subarray(0, bytes.length - 6));
  assert.equal(bytes[2], bytes.length);
});

Deno.test("decodePacket() refuses a corrupted CRC or checksum", () => {
  const crc = hex("53 00 08 00 06 60 89 CD");
  assert.throws(() => decodePacket(crc), (e) => e instanceof FrameError && e.reason === "check");
  const sum = hex("53 00 07 00 02 60 45");
  assert.throws(() => decodePacket(sum), (e) => e instanceof FrameError && e.reason === "check");
});

Deno.test("FrameReader cuts a stream at SOM, across chunks, past noise and bad packets", () => {
  const reader = new FrameReader();
  const poll = hex("53 00 08 00 06 60 89 CC");
  const bad = hex("53 00 08 00 06 60 89 00");
  const stream = new Uint8Array([0xff, 0x00, ...poll, 0xff, ...bad, ...poll]);
  const out = [
    ...reader.push(stream.subarray(0, 5)),
    ...reader.push(stream.subarray(5, 13)),
    ...reader.push(stream.subarray(13)),
  ];
  assert.deepEqual(out.map((r) => r.kind), ["packet", "error", "packet"]);
  assert.equal(reader.pending, 0);
  // An impossible length drops that SOM and finds the next packet.
  const resync = reader.push(new Uint8Array([0x53, 0x00, 0xff, 0xff, ...poll]));
  assert.deepEqual(resync.map((r) => r.kind), ["error", "packet"]);
  // A partial packet waits; reset() forgets it.
  assert.deepEqual(reader.push(poll.subarray(0, 4)), []);
  assert.equal(reader.pending, 4);
  reader.reset();
  assert.equal(reader.pending, 0);
});
