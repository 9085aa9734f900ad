/**
 * IEC 62056-21 mode E opening (docs/readme/optical-port.md). At 300 baud 7E1 the client sends
 * the sign-on request `/?!<CR><LF>` (or `/?<device address>!<CR><LF>`); the meter answers
 * `/XXXZ\2<identification><CR><LF>`: manufacturer flag, the highest baud rate code Z, the
 * escape `\2` saying the meter speaks HDLC (mode E), and its identification. The client then
 * sends `<ACK>2Z2<CR><LF>` (protocol control 2 = HDLC, Z the chosen speed) and both switch to
 * Z at 8N1 and to HDLC. Anything else (another option, a bad character, a timeout) returns
 * the parser to waiting for a sign-on.
 */
import { deepFreeze } from "../../kernel/freeze";

/** Baud rates of the codes 0..6. */
export const MODE_E_BAUD = deepFreeze([300, 600, 1200, 2400, 4800, 9600, 19200] as const);

export const ACK = 0x06;
const CR = 0x0d;
const LF = 0x0a;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const BANG = 0x21;

export interface ModeEIdentity {
  /** Three-letter manufacturer flag. */
  manufacturer: string;
  /** Up to 16 printable characters. */
  identification: string;
  /** Device address a sign-on may name (empty: only `/?!`). */
  deviceAddress: string;
  /** Highest baud rate code offered (5 = 9600). */
  maxBaudCode: number;
}

/** What a complete line meant. */
type ModeEEvent = { kind: "none" } | { kind: "sign-on" } | { kind: "switch"; baud: number } | { kind: "reset" };

/** Bytes of the identification message. */
export function identificationMessage(id: ModeEIdentity): Uint8Array {
  const text = `/${id.manufacturer}${id.maxBaudCode}\\2${id.identification}\r\n`;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f;
  return out;
}

/** Collects 7-bit characters into lines and says what each meant. */
export class ModeEParser {
  private readonly line = new Uint8Array(48);
  private length = 0;
  /** True once the identification was sent: the next line must be the acknowledgement. */
  awaitingAck = false;
  private readonly none: ModeEEvent = { kind: "none" };
  private readonly signOn: ModeEEvent = { kind: "sign-on" };
  private readonly reset: ModeEEvent = { kind: "reset" };

  constructor(private readonly id: ModeEIdentity) {}

  clear(): void {
    this.length = 0;
    this.awaitingAck = false;
  }

  /** One received character (parity bit already removed). */
  push(c: number): ModeEEvent {
    c &= 0x7f;
    if (this.length === 0 && c !== SLASH && c !== ACK) return this.none; // noise between messages
    if (this.length >= this.line.length) {
      this.length = 0;
      return this.reset;
    }
    this.line[this.length++] = c;
    if (c !== LF) return this.none;
    const n = this.length;
    this.length = 0;
    const l = this.line;
    if (n >= 5 && l[0] === SLASH && l[1] === QUESTION && l[n - 3] === BANG && l[n - 2] === CR && this.addressMatches(l, 2, n - 3)) {
      this.awaitingAck = true;
      return this.signOn;
    }
    if (this.awaitingAck && n === 6 && l[0] === ACK && l[1] === 0x32 && l[3] === 0x32 && l[4] === CR) {
      const z = l[2] - 0x30;
      this.awaitingAck = false;
      if (z >= 0 && z <= this.id.maxBaudCode) return { kind: "switch", baud: MODE_E_BAUD[z] };
      return this.reset;
    }
    this.awaitingAck = false;
    return this.reset;
  }

  private addressMatches(l: Uint8Array, from: number, to: number): boolean {
    if (to === from) return true;
    const a = this.id.deviceAddress;
    if (a.length !== to - from) return false;
    for (let i = 0; i < a.length; i++) if (l[from + i] !== a.charCodeAt(i)) return false;
    return true;
  }
}

/** The meter's mode E identity: manufacturer flag "DLM", identification "LITE" + serial number (16 characters at most), 9600 baud. */
export function meterIdentity(serialNumber: string, manufacturer = "DLM"): ModeEIdentity {
  return { manufacturer, identification: `LITE${serialNumber}`.slice(0, 16), deviceAddress: serialNumber, maxBaudCode: 5 };
}
