/**
 * OSDP 2.2 constants: command and reply codes, NAK reasons, security control
 * block types, and the framing limits (SIA OSDP 2.2; see
 * `docs/hardware.md`, "OSDP readers").
 *
 * @module
 */

/** Start of message. */
export const SOM = 0x53;
/** The optional mark byte sent before SOM (not counted in the length). */
export const MARK = 0xff;
/** The broadcast address. */
export const BROADCAST_ADDRESS = 0x7f;
/** Replies set this bit of the address. */
export const REPLY_BIT = 0x80;
/** The largest packet OSDP allows, bytes (SOM through the check). */
export const MAX_PACKET_BYTES = 1440;
/** The smallest receive buffer a PD must have, bytes. */
export const MIN_PD_BUFFER_BYTES = 128;
/** SOM, address, length (2), control. */
export const HEADER_BYTES = 5;

/** Bits of the control byte. */
export const CTRL = {
  /** Sequence number (0–3). */
  SEQUENCE_MASK: 0x03,
  /** A 2-byte CRC16 ends the packet (else a 1-byte checksum). */
  CRC: 0x04,
  /** A security control block follows the control byte. */
  SCB: 0x08,
} as const;

/** Command codes (CP → PD). */
export const CMD = {
  POLL: 0x60,
  ID: 0x61,
  CAP: 0x62,
  LSTAT: 0x64,
  ISTAT: 0x65,
  OSTAT: 0x66,
  OUT: 0x68,
  LED: 0x69,
  BUZ: 0x6a,
  TEXT: 0x6b,
  COMSET: 0x6e,
  KEYSET: 0x75,
  CHLNG: 0x76,
  SCRYPT: 0x77,
  ACURXSIZE: 0x7b,
} as const;

/** Reply codes (PD → CP). */
export const REPLY = {
  ACK: 0x40,
  NAK: 0x41,
  PDID: 0x45,
  PDCAP: 0x46,
  LSTATR: 0x48,
  ISTATR: 0x49,
  OSTATR: 0x4a,
  RAW: 0x50,
  KEYPAD: 0x53,
  COM: 0x54,
  CCRYPT: 0x76,
  RMAC_I: 0x78,
  BUSY: 0x79,
} as const;

/** NAK reason codes (the first data byte of osdp_NAK). */
export const NAK_REASON = {
  /** Bad CRC or checksum (also: this PD only does checksums). */
  CHECK_CHARACTER: 1,
  /** Command length error. */
  LENGTH: 2,
  /** Unknown command code. */
  UNKNOWN_COMMAND: 3,
  /** Unexpected sequence number. */
  SEQUENCE: 4,
  /** Secure Channel not supported, or its condition not met (also a wrong server cryptogram). */
  SECURITY_CONDITION: 5,
  /** Encryption or MAC failure. */
  ENCRYPTION: 6,
} as const;

/** Security control block types. */
export const SCS = {
  /** CP → PD, osdp_CHLNG. */
  CHLNG: 0x11,
  /** PD → CP, osdp_CCRYPT. */
  CCRYPT: 0x12,
  /** CP → PD, osdp_SCRYPT. */
  SCRYPT: 0x13,
  /** PD → CP, osdp_RMAC_I. */
  RMAC_I: 0x14,
  /** CP → PD, MAC, no data. */
  CP_MAC: 0x15,
  /** PD → CP, MAC, no data. */
  PD_MAC: 0x16,
  /** CP → PD, MAC and encrypted data. */
  CP_MAC_ENC: 0x17,
  /** PD → CP, MAC and encrypted data. */
  PD_MAC_ENC: 0x18,
} as const;

/** Bytes of the MAC a Secure Channel message carries. */
export const MAC_BYTES = 4;

/** The default Secure Channel base key (install mode only): 0x30, 0x31, …, 0x3F. */
export const SCBK_D: Uint8Array = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);

/** Capability function codes of osdp_PDCAP used here. */
export const CAP_FUNCTION = {
  /** Reader LED control. */
  LED: 4,
  /** Audible output. */
  BUZZER: 5,
  /** Text output (compliance 1, 2, 3: 1, 2 or 4 rows of 16 characters; count: displays). */
  TEXT: 6,
  /** Communication security (compliance 1 = AES-128; count bit 0 = the default key is in use). */
  SECURITY: 9,
  /** Receive buffer size (compliance LSB, count MSB). */
  RECEIVE_BUFFER: 10,
} as const;

/** LED colours of osdp_LED. */
export const LED_COLOR = {
  BLACK: 0,
  RED: 1,
  GREEN: 2,
  AMBER: 3,
  BLUE: 4,
} as const;

/** Baud rates the serial transport accepts. */
export const BAUD_RATES = [9600, 19200, 38400, 57600, 115200] as const;
/** A supported baud rate. */
export type BaudRate = typeof BAUD_RATES[number];

/** The next sequence number after `sequence` (1, 2, 3, 1, …; 0 is used only to reset). */
export function nextSequence(sequence: number): number {
  return sequence >= 3 ? 1 : sequence + 1;
}
