import { AxdrReader, AxdrWriter, DecodeError, type DlmsData } from "../dlms/axdr";

/**
 * Data-Notification APDU (tag 0x0F), the unconfirmed push of IEC 62056-5-3:
 *   0F | long-invoke-id-and-priority (u32) | date-time (octet string: 0x0C + 12 bytes, or 0x00) |
 *   notification-body (one Data value: the structure of the push object list's values).
 * long-invoke-id-and-priority: bits 0..23 invoke id, bit 28 self-descriptive, bit 29 processing
 * option, bit 30 service class (0 unconfirmed), bit 31 priority (0 normal).
 */
const DATA_NOTIFICATION = 0x0f;
export const LONG_INVOKE_ID_MASK = 0xffffff;

export function encodeDataNotification(invokeId: number, dateTime: Uint8Array | null, writeBody: (w: AxdrWriter) => void): Uint8Array {
  const w = new AxdrWriter(128);
  w.u8(DATA_NOTIFICATION);
  w.u32(invokeId & LONG_INVOKE_ID_MASK);
  if (dateTime) {
    if (dateTime.length !== 12) throw new RangeError("Data-Notification date-time must be 12 bytes");
    w.u8(12);
    w.raw(dateTime);
  } else {
    w.u8(0);
  }
  writeBody(w);
  return w.toBytes();
}

export interface DataNotification {
  invokeId: number;
  /** The whole long-invoke-id-and-priority word. */
  invokeIdAndPriority: number;
  dateTime: Uint8Array | null;
  body: DlmsData;
}

/** Decodes a Data-Notification that fills `apdu` exactly; throws DecodeError otherwise. */
export function decodeDataNotification(apdu: Uint8Array): DataNotification {
  const r = new AxdrReader(apdu);
  if (r.u8() !== DATA_NOTIFICATION) throw new DecodeError("not a Data-Notification");
  const invokeIdAndPriority = r.u32();
  const dateLength = r.u8();
  if (dateLength !== 0 && dateLength !== 12) throw new DecodeError(`date-time of ${dateLength} bytes`);
  const dateTime = dateLength ? r.bytesOf(12).slice() : null;
  const body = r.data();
  if (r.remaining !== 0) throw new DecodeError("bytes after the notification body");
  return { invokeId: invokeIdAndPriority & LONG_INVOKE_ID_MASK, invokeIdAndPriority, dateTime, body };
}
