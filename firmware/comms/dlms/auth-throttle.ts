/**
 * Authentication throttle (issue 14): one per meter, shared by every association that checks a
 * credential (LLS password, HLS-GMAC keys and proof), whatever address or connection it comes
 * from. The first `freeFailures` consecutive failures are checked at once; after that each
 * failure opens a back-off window (1 s, doubling to 5 min) during which no credential is even
 * evaluated: the attempt gets the refusal without a check. So a brute force gets at most
 * `freeFailures` quick guesses and then at most one guess a second, sustained whatever it does
 * (after 9 more failures the window is 256 s, then 300 s).
 *
 * The failure count lives in a persisted record, so a reboot does not reset the back-off: it is
 * written when the window first opens and then at most once a minute (unauthenticated traffic
 * must not wear the flash), so a reboot forgets at most one minute of escalation. A success
 * clears it. Repeated failures are reported once per burst (failures less than `burstGapMs`
 * apart): the owner logs fraud event 46 once and the count goes to the text log when the burst
 * ends, so a flood of wrong passwords cannot push older evidence out of the fraud log.
 */
import type { Log } from "../../hal/log";
import type { PersistentRecord } from "./security/persistence";
import { deepFreeze } from "../../kernel/freeze";

export interface AuthThrottleOptions {
  /** Consecutive failures checked without a back-off (3). */
  freeFailures: number;
  /** First back-off window (1 s) and its ceiling (5 min); each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures further apart than this start a new burst (24 h). */
  burstGapMs: number;
  /** Least time between two writes of the persisted count (60 s). */
  persistIntervalMs: number;
}

const DEFAULT_AUTH_THROTTLE_OPTIONS: AuthThrottleOptions = deepFreeze({
  freeFailures: 3,
  baseDelayMs: 1000,
  maxDelayMs: 300_000,
  burstGapMs: 24 * 3_600_000,
  persistIntervalMs: 60_000,
});

/** In-memory record for builds and tests without a store. */
class VolatileRecord implements PersistentRecord {
  private data: Uint8Array | null = null;
  read(): Uint8Array | null {
    return this.data;
  }
  write(data: Uint8Array): void {
    this.data = data.slice();
  }
}

/** A monotonic millisecond source (the board clock): an object, so no closure sits in the heap. */
export interface NowSource {
  nowMs(): number;
}

/** Who hears of a burst of failures. */
export interface BurstSink {
  authenticationBurst(): void;
}

export class AuthThrottle {
  readonly options: AuthThrottleOptions;
  /** Consecutive failures since the last success. */
  private count = 0;
  private blockedUntilMs = 0;
  private lastFailureMs = -Infinity;
  /** Failures in the current burst, and whether the burst has been reported. */
  private burst = 0;
  private burstReported = false;
  /** Attempts refused without a check (diagnostics). */
  refused = 0;
  /** Credentials evaluated and found wrong (diagnostics). */
  checkedFailures = 0;
  private lastWriteMs = -Infinity;
  private dirty = false;
  private readonly scratch = new Uint8Array(4);

  constructor(
    private readonly clock: NowSource,
    private readonly record: PersistentRecord = new VolatileRecord(),
    /** Told once per burst, when it reaches `freeFailures` (the owner logs event 46 and the alarm). */
    private readonly onBurst: BurstSink | null = null,
    private readonly log: Log | null = null,
    options: Partial<AuthThrottleOptions> = {},
  ) {
    this.options = { ...DEFAULT_AUTH_THROTTLE_OPTIONS, ...options };
    const saved = record.read();
    if (saved && saved.length >= 4) {
      this.count = ((saved[0] << 24) | (saved[1] << 16) | (saved[2] << 8) | saved[3]) >>> 0;
      // After a reboot the whole window of the saved count runs again from power-up.
      if (this.count >= this.options.freeFailures) {
        this.blockedUntilMs = clock.nowMs() + this.windowMs(this.count);
        this.burstReported = true;
      }
    }
  }

  /** Consecutive failures since the last success. */
  get failures(): number {
    return this.count;
  }

  /** Failures in the current burst. */
  get burstFailures(): number {
    return this.burst;
  }

  /** False during a back-off window: the caller refuses the attempt without checking it. */
  mayCheck(): boolean {
    if (this.clock.nowMs() >= this.blockedUntilMs) return true;
    this.refused++;
    return false;
  }

  /** Milliseconds left in the current back-off window (0 = a credential may be checked). */
  remainingMs(): number {
    return Math.max(0, this.blockedUntilMs - this.clock.nowMs());
  }

  /** A checked credential was wrong. */
  recordFailure(): void {
    const now = this.clock.nowMs();
    if (now - this.lastFailureMs > this.options.burstGapMs) this.endBurst();
    this.lastFailureMs = now;
    this.count++;
    this.burst++;
    this.checkedFailures++;
    if (this.count < this.options.freeFailures) return;
    this.blockedUntilMs = now + this.windowMs(this.count);
    if (!this.burstReported) {
      this.burstReported = true;
      this.log?.warn(`DLMS: ${this.count} authentication failures in a row; credentials are not checked for ${this.windowMs(this.count) / 1000} s`);
      this.onBurst?.authenticationBurst();
    }
    this.dirty = true;
    this.persist(now, false);
  }

  /** A checked credential was right: the count and the back-off are cleared. */
  recordSuccess(): void {
    this.endBurst();
    if (this.count === 0) return;
    this.count = 0;
    this.blockedUntilMs = 0;
    this.dirty = true;
    this.persist(this.clock.nowMs(), true);
  }

  private windowMs(count: number): number {
    const doublings = Math.min(30, count - this.options.freeFailures);
    return Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** doublings);
  }

  private endBurst(): void {
    if (this.burst > 0 && this.burstReported) this.log?.warn(`DLMS: authentication failure burst ended: ${this.burst} failed attempts`);
    this.burst = 0;
    this.burstReported = false;
  }

  /** Writes the count when it changed, at most once per `persistIntervalMs` unless `force`. */
  private persist(now: number, force: boolean): void {
    if (!this.dirty || (!force && now - this.lastWriteMs < this.options.persistIntervalMs)) return;
    const b = this.scratch;
    const c = this.count;
    b[0] = (c >>> 24) & 0xff;
    b[1] = (c >>> 16) & 0xff;
    b[2] = (c >>> 8) & 0xff;
    b[3] = c & 0xff;
    try {
      this.record.write(b);
      this.dirty = false;
      this.lastWriteMs = now;
    } catch (e) {
      this.log?.error(`DLMS: authentication back-off not stored: ${(e as Error).message}`);
    }
  }
}
