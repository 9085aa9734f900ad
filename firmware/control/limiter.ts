import type { Clock } from "../hal";
import { DISCONNECTOR_EVENT, type Disconnector } from "./disconnector";
import type { EventLogs } from "../records/event-log";
import type { RegisterDescriptor } from "../kernel/register-table";
import type { ChangeSaver } from "../kernel/change-saver";

/**
 * DLMS class 71 (limiter, 0.0.17.0.0.255). Watches one register value (attribute 2,
 * monitored_value); when it stays above the active threshold for min_over_threshold_duration it
 * logs 65 and asks the disconnector for a local disconnect (g); when it stays at or below for
 * min_under_threshold_duration it logs 66 and asks for a local reconnect (h), which only modes
 * 5 and 6 accept. The emergency threshold replaces the normal one while the emergency profile
 * is active: its id is in the group id list and the wall clock is inside
 * [activation, activation + duration).
 *
 * Thresholds are in the monitored register's own integer units (value * 10^scaler in its unit,
 * like DLMS), e.g. mW for the instantaneous P+ register 1.0.1.7.0.255 (scaler -3).
 * A threshold of 0 or below means "no limit".
 */
interface EmergencyProfile {
  id: number;
  /** UTC ms; the comms layer converts the DLMS date-time. */
  activationUtcMs: number;
  durationS: number;
}

export interface LimiterConfig {
  /** OBIS of the monitored register (attribute 2 names class 3/5 attribute 2 of it). */
  monitoredObis: string;
  thresholdNormal: number;
  thresholdEmergency: number;
  minOverThresholdDurationS: number;
  minUnderThresholdDurationS: number;
  emergencyProfile: EmergencyProfile;
  emergencyProfileGroupIds: number[];
}

/** Instantaneous active import power (P+). */
export const LIMITER_MONITOR_POWER = "1.0.1.7.0.255";
/** Current average demand A+ (when the demand feature provides it). */
export const LIMITER_MONITOR_DEMAND = "1.0.1.4.0.255";

export function defaultLimiterConfig(): LimiterConfig {
  return {
    monitoredObis: LIMITER_MONITOR_POWER,
    thresholdNormal: 0,
    thresholdEmergency: 0,
    minOverThresholdDurationS: 60,
    minUnderThresholdDurationS: 60,
    emergencyProfile: { id: 0, activationUtcMs: 0, durationS: 0 },
    emergencyProfileGroupIds: [],
  };
}

type LimiterRefusal = "unknown-register" | "invalid-value";

interface LimiterResult {
  ok: boolean;
  reason: LimiterRefusal | null;
  /** The field that was refused. */
  field: string | null;
}

export interface LimiterSnapshot {
  config: LimiterConfig;
  /** The confirmed over-threshold condition (a tripped limiter still knows it after a power cut). */
  over?: boolean;
}

export class Limiter {
  private config: LimiterConfig;
  private monitored: RegisterDescriptor | undefined;
  private resolved = false;
  /** Confirmed limiter condition: true after a confirmed over-threshold crossing. */
  over = false;
  /** Monotonic ms at which the value first disagreed with `over`, or -1. */
  private pendingSinceMs = -1;
  /** Last value read (attribute 2's value), in the monitored register's units. */
  lastValue = 0;
  private wasConnected = true;
  /** Told after a settings change and after `over` changed (the meter saves the limiter then: `saver.saveIfRestored(kind)`, set by `saveChangesTo`: no closure kept). */
  private saver: ChangeSaver | null = null;
  private saverKind = 0;

  /** From now on every such change is told to `saver` as state `kind` (the meter's persistence). */
  saveChangesTo(saver: ChangeSaver | null, kind: number): void {
    this.saver = saver;
    this.saverKind = kind;
  }

  constructor(
    private readonly lookup: (obis: string) => RegisterDescriptor | undefined,
    private readonly disconnector: Disconnector,
    private readonly events: EventLogs,
    private readonly clock: Clock,
    config: LimiterConfig = defaultLimiterConfig(),
  ) {
    this.config = cloneConfig(config);
  }

  get settings(): Readonly<LimiterConfig> {
    return this.config;
  }

  /** The register watched, or undefined when its OBIS is not (yet) in the meter's table. */
  get monitoredRegister(): RegisterDescriptor | undefined {
    this.resolve();
    return this.monitored;
  }

  /** Attribute 10. */
  emergencyProfileActive(utcMs = this.clock.wallClockMs()): boolean {
    const c = this.config;
    const p = c.emergencyProfile;
    if (!c.emergencyProfileGroupIds.includes(p.id)) return false;
    return utcMs >= p.activationUtcMs && utcMs < p.activationUtcMs + p.durationS * 1000;
  }

  /** Attribute 3, threshold_active. */
  thresholdActive(utcMs = this.clock.wallClockMs()): number {
    return this.emergencyProfileActive(utcMs) ? this.config.thresholdEmergency : this.config.thresholdNormal;
  }

  /**
   * Changes some settings (attributes 2..9). Everything is checked first; a refused call
   * changes nothing. A threshold change logs 67.
   */
  configure(changes: Partial<LimiterConfig>): LimiterResult {
    const check = validateLimiterChanges(changes, this.lookup);
    if (!check.ok) return check;
    const thresholdChanged =
      (changes.thresholdNormal !== undefined && changes.thresholdNormal !== this.config.thresholdNormal) ||
      (changes.thresholdEmergency !== undefined && changes.thresholdEmergency !== this.config.thresholdEmergency);
    this.apply(changes);
    if (thresholdChanged) this.events.record("disconnector", DISCONNECTOR_EVENT.limiterThresholdChanged);
    this.saver?.saveIfRestored(this.saverKind);
    return check;
  }

  snapshot(): LimiterSnapshot {
    return { config: cloneConfig(this.config), over: this.over };
  }

  /** Brings back stored settings (no event 67: nothing changed from the head end's view). */
  restore(snapshot: LimiterSnapshot): LimiterResult {
    if (!snapshot || typeof snapshot.config !== "object" || snapshot.config === null) return refused("invalid-value", "config");
    const check = validateLimiterChanges(snapshot.config, this.lookup);
    if (!check.ok) return check;
    if (snapshot.over !== undefined && typeof snapshot.over !== "boolean") return refused("invalid-value", "over");
    this.apply(snapshot.config);
    if (snapshot.over !== undefined) this.over = snapshot.over;
    this.pendingSinceMs = -1;
    this.wasConnected = this.disconnector.controlState === 1;
    return check;
  }

  private apply(changes: Partial<LimiterConfig>): void {
    const next = cloneConfig({ ...this.config, ...changes });
    if (next.monitoredObis !== this.config.monitoredObis) {
      this.resolved = false;
      this.pendingSinceMs = -1;
    }
    this.config = next;
  }

  /** Power up, after the restore: finds the monitored register (a table search) outside the tick. */
  prepare(): void {
    this.resolve();
  }

  /**
   * One limiter step (called from the meter's tick with the tick's wall time; by default the
   * clock is read). No allocation.
   */
  evaluate(utcMs?: number): void {
    if (!this.resolved) this.resolve();
    const register = this.monitored;
    if (!register) return;
    const value = register.read();
    this.lastValue = value;
    const connected = this.disconnector.controlState === 1;
    if (connected && !this.wasConnected && this.over) {
      // A reconnect (button, head end) re-arms the limiter: the next trip needs a full over-duration.
      this.over = false;
      this.pendingSinceMs = -1;
    }
    this.wasConnected = connected;
    // With neither threshold set there is no limit whatever the emergency profile says: no clock read.
    const c = this.config;
    const threshold = c.thresholdNormal <= 0 && c.thresholdEmergency <= 0 ? 0 : this.thresholdActive(utcMs);
    const isOver = threshold > 0 && value > threshold;
    if (isOver === this.over) {
      this.pendingSinceMs = -1;
      return;
    }
    const now = this.clock.nowMs();
    if (this.pendingSinceMs < 0) this.pendingSinceMs = now;
    const neededMs = (isOver ? this.config.minOverThresholdDurationS : this.config.minUnderThresholdDurationS) * 1000;
    if (now - this.pendingSinceMs < neededMs) return;
    this.pendingSinceMs = -1;
    this.over = isOver;
    this.saver?.saveIfRestored(this.saverKind);
    if (isOver) {
      this.events.record("disconnector", DISCONNECTOR_EVENT.limiterThresholdExceeded);
      this.disconnector.localDisconnect();
    } else {
      this.events.record("disconnector", DISCONNECTOR_EVENT.limiterThresholdOk);
      this.disconnector.localReconnect();
    }
    this.wasConnected = this.disconnector.controlState === 1;
  }

  private resolve(): void {
    if (this.resolved) return;
    this.monitored = this.lookup(this.config.monitoredObis);
    // Registers appear as features build their table; keep looking until found.
    this.resolved = this.monitored !== undefined;
  }
}

/** Checks every field of a change set; the first bad field is named in the result. */
function validateLimiterChanges(changes: Partial<LimiterConfig>, lookup: (obis: string) => RegisterDescriptor | undefined): LimiterResult {
  for (const key of ["thresholdNormal", "thresholdEmergency", "minOverThresholdDurationS", "minUnderThresholdDurationS"] as const) {
    const v = changes[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v)) return refused("invalid-value", key);
    if (key.startsWith("min") && (v < 0 || v > 0xffffffff)) return refused("invalid-value", key);
  }
  if (changes.monitoredObis !== undefined && (typeof changes.monitoredObis !== "string" || !lookup(changes.monitoredObis))) {
    return refused("unknown-register", "monitoredObis");
  }
  const p = changes.emergencyProfile;
  if (p !== undefined) {
    if (typeof p !== "object" || p === null || !isUint(p.id, 0xffff) || !isUint(p.durationS, 0xffffffff) || typeof p.activationUtcMs !== "number" || !Number.isFinite(p.activationUtcMs)) {
      return refused("invalid-value", "emergencyProfile");
    }
  }
  const g = changes.emergencyProfileGroupIds;
  if (g !== undefined && (!Array.isArray(g) || !g.every((id) => isUint(id, 0xffff)))) return refused("invalid-value", "emergencyProfileGroupIds");
  return { ok: true, reason: null, field: null };
}

function refused(reason: LimiterRefusal, field: string): LimiterResult {
  return { ok: false, reason, field };
}

function isUint(v: unknown, max: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
}

function cloneConfig(c: LimiterConfig): LimiterConfig {
  return { ...c, emergencyProfile: { ...c.emergencyProfile }, emergencyProfileGroupIds: [...c.emergencyProfileGroupIds] };
}
