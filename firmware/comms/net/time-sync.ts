import type { Clock, TimerId } from "../../hal/clock";
import type { Log } from "../../hal/log";
import { readSntpReply, SNTP_PACKET_BYTES, writeSntpRequest } from "./sntp";
import { deepFreeze } from "../../kernel/freeze";

/**
 * The small port SNTP goes through: one UDP exchange with the server. The Moddable
 * implementation is firmware/platform/moddable/sntp-udp.ts on `embedded:io/socket/udp`.
 */
export interface SntpTransport {
  /** Sends `request` to `server`:123; each datagram that comes back is handed to `onReply`. */
  send(server: string, request: Uint8Array, onReply: (reply: Uint8Array) => void): void;
  /** Drops the pending exchange (a late reply is then ignored). */
  cancel(): void;
}

/** What the sync needs from the meter's DLMS clock (firmware/metrology/clock.ts MeterClock). */
interface SettableClock {
  nowUtcMs(): number;
  readonly invalid: boolean;
  setTime(utcMs: number): void;
}

interface TimeSyncOptions {
  /** Next sync after a good one. */
  resyncMs: number;
  /** Next try after a failure (no reply, bad reply). */
  retryMs: number;
  /** How long to wait for a reply. */
  timeoutMs: number;
  /** A valid clock is set only when it is off by at least this much (each set logs events 4/5). */
  minCorrectionMs: number;
}

const DEFAULT_TIME_SYNC: TimeSyncOptions = deepFreeze({ resyncMs: 6 * 3_600_000, retryMs: 60_000, timeoutMs: 5_000, minCorrectionMs: 1_000 });

/**
 * Sets the meter's clock from SNTP while the network is up: once at once when it comes up, then
 * every `resyncMs`; after a failure again in `retryMs`. The server's time is corrected by half the
 * round trip. An invalid clock is always set; a valid one only when it is off by
 * `minCorrectionMs` or more, so routine syncs do not fill the standard event log with clock-set
 * pairs. While offline nothing runs; a DLMS clock write sets the clock meanwhile.
 */
export class TimeSync {
  readonly options: TimeSyncOptions;
  syncs = 0;
  corrections = 0;
  failures = 0;
  lastError = "";
  private online = false;
  private timer: TimerId | undefined;
  private pending = false;
  private sentAtMs = 0;
  private readonly request = new Uint8Array(SNTP_PACKET_BYTES);

  constructor(
    private readonly transport: SntpTransport,
    private readonly server: string,
    private readonly target: SettableClock,
    private readonly clock: Clock,
    private readonly log: Log,
    options: Partial<TimeSyncOptions> = {},
  ) {
    this.options = { ...DEFAULT_TIME_SYNC, ...options };
  }

  /** The network came up (true) or went down (false). */
  setOnline(up: boolean): void {
    if (up === this.online) return;
    this.online = up;
    this.stop();
    if (up && this.server) this.query();
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.pending) this.transport.cancel();
    this.pending = false;
  }

  private query(): void {
    writeSntpRequest(this.request);
    this.pending = true;
    this.sentAtMs = this.clock.nowMs();
    this.transport.send(this.server, this.request, (reply) => this.answer(reply));
    this.schedule(this.options.timeoutMs, true);
  }

  private answer(reply: Uint8Array): void {
    if (!this.pending) return;
    const result = readSntpReply(reply);
    if ("error" in result) {
      // A bad datagram is not the answer; keep waiting until the timeout.
      this.lastError = result.error;
      return;
    }
    this.pending = false;
    this.transport.cancel();
    const utcMs = result.utcMs + Math.floor((this.clock.nowMs() - this.sentAtMs) / 2);
    this.syncs++;
    const off = utcMs - this.target.nowUtcMs();
    if (this.target.invalid || Math.abs(off) >= this.options.minCorrectionMs) {
      this.target.setTime(utcMs);
      this.corrections++;
      this.log.info(`clock set from SNTP ${this.server} (was off by ${off} ms)`);
    }
    this.schedule(this.options.resyncMs, false);
  }

  private schedule(delayMs: number, isTimeout: boolean): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = this.clock.schedule(() => {
      this.timer = undefined;
      if (!this.online) return;
      if (isTimeout) {
        this.pending = false;
        this.transport.cancel();
        this.failures++;
        this.log.warn(`SNTP ${this.server}: ${this.lastError || "no reply"}`);
        this.lastError = "";
        this.schedule(this.options.retryMs, false);
        return;
      }
      this.query();
    }, delayMs);
  }
}
