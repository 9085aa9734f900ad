/**
 * A serial line (the optical port's UART), after ECMA-419 `embedded:io/serial`: a line format
 * (baud, data bits, parity, stop bits), bytes in through `onReadable`, bytes out with `write`.
 * The format can change while open (IEC 62056-21 mode E starts at 300 baud 7E1 and switches to
 * the agreed speed at 8N1); bytes in flight at the change may be lost. In 7-bit formats a
 * received byte carries the character in bits 0..6; bytes with a parity or framing error are
 * dropped by the port.
 */
type SerialParity = "none" | "even" | "odd";

export interface SerialFormat {
  baud: number;
  dataBits: 7 | 8;
  parity: SerialParity;
  stopBits: 1 | 2;
}

export interface SerialPort {
  /** The line format in use. */
  readonly format: SerialFormat;
  /** Applies a new line format. */
  configure(format: SerialFormat): void;
  /** Queues bytes for sending; returns the number accepted. The caller may reuse `data` afterwards. */
  write(data: Uint8Array): number;
  /** Received bytes; valid only during the call. */
  onReadable(handler: (data: Uint8Array) => void): void;
}

/** IEC 62056-21 opening format: 300 baud 7E1. */
export function serial7E1(baud = 300): SerialFormat {
  return { baud, dataBits: 7, parity: "even", stopBits: 1 };
}

/** 8N1 at `baud` (HDLC after the mode E switch). */
export function serial8N1(baud: number): SerialFormat {
  return { baud, dataBits: 8, parity: "none", stopBits: 1 };
}

/** Bits on the line per character (start + data + parity + stop), for transfer times. */
export function bitsPerCharacter(format: SerialFormat): number {
  return 1 + format.dataBits + (format.parity === "none" ? 0 : 1) + format.stopBits;
}
