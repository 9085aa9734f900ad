/**
 * SNTP (RFC 4330) client packets: the 48-byte request and the checks on a server's reply.
 * Pure byte work, no I/O: the transport is a port (firmware/comms/time-sync.ts).
 */
export const SNTP_PACKET_BYTES = 48;
export const SNTP_PORT = 123;

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_32 = 4_294_967_296;

/** Fills `out` (48 bytes) with a client request: LI 0, version 4, mode 3, everything else zero. */
export function writeSntpRequest(out: Uint8Array): void {
  if (out.length < SNTP_PACKET_BYTES) throw new RangeError(`SNTP request needs ${SNTP_PACKET_BYTES} bytes`);
  out.fill(0, 0, SNTP_PACKET_BYTES);
  out[0] = (0 << 6) | (4 << 3) | 3;
}

/**
 * The server's transmit time as UTC ms, or a reason why the reply cannot be used: too short,
 * not a server reply (mode 4) of version 3 or 4, an unsynchronised server (leap indicator 3 or
 * stratum 0, the "kiss-o'-death"), or a zero transmit timestamp. Timestamps from 2036 on (NTP
 * era 1) are read as such: seconds below 2^31 belong to the next era.
 */
export function readSntpReply(reply: Uint8Array): { utcMs: number } | { error: string } {
  if (reply.length < SNTP_PACKET_BYTES) return { error: `reply of ${reply.length} bytes (48 needed)` };
  const leap = reply[0] >> 6;
  const version = (reply[0] >> 3) & 7;
  const mode = reply[0] & 7;
  if (mode !== 4) return { error: `mode ${mode} is not a server reply` };
  if (version < 3 || version > 4) return { error: `version ${version}` };
  const stratum = reply[1];
  if (leap === 3 || stratum === 0 || stratum > 15) return { error: `server not synchronised (leap ${leap}, stratum ${stratum})` };
  const view = new DataView(reply.buffer, reply.byteOffset, SNTP_PACKET_BYTES);
  const seconds = view.getUint32(40);
  const fraction = view.getUint32(44);
  if (seconds === 0 && fraction === 0) return { error: "zero transmit timestamp" };
  const eraSeconds = seconds < 0x80000000 ? seconds + TWO_32 : seconds;
  return { utcMs: (eraSeconds - NTP_UNIX_OFFSET_S) * 1000 + Math.floor((fraction * 1000) / TWO_32) };
}
