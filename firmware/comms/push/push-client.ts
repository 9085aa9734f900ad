import { readU32BE } from "../../kernel/bytes";
import type { Clock, Log, Random, TimerId } from "../../hal";
import type { Network, TcpSocket } from "../../hal/tcp";
import { AxdrWriter } from "../dlms/axdr";
import { wrapFrame } from "../dlms/wrapper";
import { encodeDataNotification, LONG_INVOKE_ID_MASK } from "./data-notification";
import { type PushObjectRef, type PushSetupConfig, parseDestination, windowContains } from "./push-setup";
import { EVENT } from "../../kernel/event-codes";
import { deepFreeze } from "../../kernel/freeze";

/** Communication log codes (manufacturer-specific range 240..249, docs/metering.md section 4). */
export const PUSH_EVENT = deepFreeze({
  delivered: EVENT.communication.pushDelivered,
  failed: EVENT.communication.pushFailed,
  dropped: EVENT.communication.pushDropped,
} as const);

type PushReason = "alarm" | "interval" | "method";

export interface PushDeps {
  /** Timers and monotonic time (board.clock). */
  clock: Clock;
  network: Network | undefined;
  random: Random;
  log: Log;
  events: { record(log: "communication", code: number): void };
  nowUtcMs(): number;
  /** Local wall-clock ms "as if UTC" (for windows and the interval alignment). */
  localMs(utcMs: number): number;
  /** Writes the 12-byte DLMS date-time of `utcMs` into `out`. */
  dateTime(utcMs: number, out: Uint8Array): void;
  /** Writes the current value of one push_object_list entry as one A-XDR Data. */
  readValue(ref: PushObjectRef, w: AxdrWriter): void;
}

interface PushClientOptions {
  /**
   * Notifications kept while the head-end is unreachable; beyond it the oldest is dropped (logged).
   * Each one kept holds its frame and about 9 XS slots: the default keeps a meter without a
   * head-end inside the ESP32's heap (64 grew the live set by ~600 slots within two months).
   */
  maxQueued: number;
  /** After the retries of one round are spent, the next round starts this much later. */
  roundRetryMs: number;
  /** How long a connection may take to open before it counts as failed. */
  connectTimeoutMs: number;
  /** Time the connection stays open after the frames are written (so the stack flushes them). */
  lingerMs: number;
  /** How often a closed communication window is re-checked. */
  windowPollMs: number;
}

const DEFAULT_PUSH_OPTIONS: PushClientOptions = deepFreeze({
  maxQueued: 8,
  roundRetryMs: 15 * 60_000,
  connectTimeoutMs: 20_000,
  lingerMs: 1_000,
  windowPollMs: 60_000,
});

interface Pending {
  invokeId: number;
  reason: PushReason;
  frame: Uint8Array;
}

/**
 * Push (class 40 behaviour): builds a Data-Notification when triggered (alarm, interval, the push
 * method) with the object list's values at that moment, queues it, and delivers the queue over a
 * WRAPPER/TCP connection to the destination inside the communication window, after a random
 * start delay, retrying `numberOfRetries` times `repetitionDelayS` apart. A notification leaves
 * the queue only once it was written to an established connection that was then closed by the
 * meter (or by the head-end after the write): a head-end outage delays notifications, it never
 * loses them, and a delivered one is never sent again. Each carries a new long-invoke-id, so a
 * head-end can tell them apart.
 */
export class PushClient {
  readonly options: PushClientOptions;
  private readonly queue: Pending[] = [];
  private nextInvokeId = 1;
  private timer: TimerId | undefined;
  private intervalTimer: TimerId | undefined;
  private socket: TcpSocket | null = null;
  private attempts = 0;
  /** The last "cannot even try" reason logged: said once, not at every retry (until it changes). */
  private complaint = "";
  /** Delivered notifications since start, and connection attempts that failed. */
  delivered = 0;
  failedAttempts = 0;
  dropped = 0;
  private readonly scratchDate = new Uint8Array(12);

  constructor(public setup: PushSetupConfig, private readonly deps: PushDeps, options: Partial<PushClientOptions> = {}) {
    this.options = { ...DEFAULT_PUSH_OPTIONS, ...options };
  }

  get queued(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.socket !== null;
  }

  /** Arms the interval push. */
  start(): void {
    this.armInterval();
  }

  stop(): void {
    this.clear("timer");
    this.clear("interval");
    if (this.socket) {
      const s = this.socket;
      this.socket = null;
      safeClose(s);
    }
  }

  /** Re-aligns the interval push after its period or the clock changed. */
  armInterval(): void {
    this.clear("interval");
    const period = this.setup.intervalS * 1000;
    if (!(period > 0)) return;
    const local = this.deps.localMs(this.deps.nowUtcMs());
    const next = Math.floor(local / period) * period + period;
    this.intervalTimer = this.deps.clock.schedule(() => {
      this.intervalTimer = undefined;
      this.trigger("interval");
      this.armInterval();
    }, Math.max(1, next - local));
  }

  /** Captures the object list now and queues the notification; returns its invoke id. */
  trigger(reason: PushReason): number {
    const invokeId = this.nextInvokeId;
    this.nextInvokeId = (this.nextInvokeId % LONG_INVOKE_ID_MASK) + 1;
    const utc = this.deps.nowUtcMs();
    this.deps.dateTime(utc, this.scratchDate);
    const refs = this.setup.objectList;
    const apdu = encodeDataNotification(invokeId, this.scratchDate, (w) => {
      w.structure(refs.length);
      for (const ref of refs) this.deps.readValue(ref, w);
    });
    if (this.queue.length >= this.options.maxQueued) {
      const lost = this.queue.shift()!;
      this.dropped++;
      this.deps.events.record("communication", PUSH_EVENT.dropped);
      this.deps.log.warn(`push: queue full, dropped notification ${lost.invokeId} (${lost.reason})`);
    }
    this.queue.push({ invokeId, reason, frame: wrapFrame(this.setup.sourceWPort, this.setup.destinationWPort, apdu) });
    if (!this.socket && this.timer === undefined) {
      const spread = Math.max(0, this.setup.randomisationStartIntervalS) * 1000;
      this.schedule(spread > 0 ? this.randomBelow(spread + 1) : 0);
    }
    return invokeId;
  }

  private schedule(delayMs: number): void {
    this.clear("timer");
    this.timer = this.deps.clock.schedule(() => {
      this.timer = undefined;
      this.attempt();
    }, Math.max(0, delayMs));
  }

  private attempt(): void {
    if (this.queue.length === 0 || this.socket) return;
    const local = this.deps.localMs(this.deps.nowUtcMs());
    const windows = this.setup.windows;
    if (windows.length > 0 && !windows.some((w) => windowContains(w, local))) {
      this.schedule(this.options.windowPollMs);
      return;
    }
    const destination = parseDestination(this.setup.destination);
    const network = this.deps.network;
    if (!destination || !network) {
      const complaint = network ? `bad destination "${this.setup.destination}"` : "no network";
      if (complaint !== this.complaint) this.deps.log.error(`push: ${complaint}; notifications stay queued`);
      this.complaint = complaint;
      this.schedule(this.options.roundRetryMs);
      return;
    }
    this.complaint = "";
    let socket: TcpSocket;
    try {
      socket = network.connect(destination.host, destination.port);
    } catch (e) {
      this.deps.log.warn(`push: connect to ${this.setup.destination} failed: ${(e as Error).message}`);
      this.failed();
      return;
    }
    this.socket = socket;
    const batch = this.queue.length;
    let connected = false;
    let written = false;
    let finished = false;
    const finish = (ok: boolean) => {
      if (finished) return;
      finished = true;
      this.clear("timer");
      if (this.socket === socket) this.socket = null;
      safeClose(socket);
      if (ok) this.succeeded(batch);
      else this.failed();
    };
    // Without onConnect a refused connection and a delivered one look alike until the linger
    // ends: then only surviving the linger counts as delivery.
    const confirmsConnect = typeof socket.onConnect === "function";
    const send = () => {
      if (finished || written) return;
      connected = confirmsConnect;
      for (let i = 0; i < batch; i++) {
        const frame = this.queue[i].frame;
        if (socket.write(frame) < frame.length) {
          finish(false);
          return;
        }
      }
      written = true;
      this.clear("timer");
      this.timer = this.deps.clock.schedule(() => {
        this.timer = undefined;
        finish(true);
      }, this.options.lingerMs);
    };
    socket.onData(() => undefined); // a head-end may answer; Data-Notification is unconfirmed
    socket.onClose(() => finish(written && connected));
    this.timer = this.deps.clock.schedule(() => {
      this.timer = undefined;
      finish(false);
    }, this.options.connectTimeoutMs);
    if (socket.onConnect) socket.onConnect(send);
    else send();
  }

  private succeeded(count: number): void {
    const sent = this.queue.splice(0, count);
    this.delivered += sent.length;
    this.attempts = 0;
    for (let i = 0; i < sent.length; i++) this.deps.events.record("communication", PUSH_EVENT.delivered);
    this.deps.log.info(`push: delivered ${sent.length} notification(s) to ${this.setup.destination}`);
    if (this.queue.length > 0) this.schedule(0);
  }

  private failed(): void {
    this.failedAttempts++;
    this.attempts++;
    if (this.attempts <= this.setup.numberOfRetries) {
      this.schedule(this.setup.repetitionDelayS * 1000);
      return;
    }
    this.attempts = 0;
    this.deps.events.record("communication", PUSH_EVENT.failed);
    this.deps.log.warn(`push: ${this.setup.destination} unreachable after ${this.setup.numberOfRetries} retries; ${this.queue.length} notification(s) kept for the next round`);
    this.schedule(this.options.roundRetryMs);
  }

  private randomBelow(limit: number): number {
    const b = new Uint8Array(4);
    this.deps.random.fill(b);
    return readU32BE(b, 0) % limit;
  }

  private clear(which: "timer" | "interval"): void {
    const id = which === "timer" ? this.timer : this.intervalTimer;
    if (id !== undefined) this.deps.clock.clearTimer(id);
    if (which === "timer") this.timer = undefined;
    else this.intervalTimer = undefined;
  }
}

function safeClose(socket: TcpSocket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}
