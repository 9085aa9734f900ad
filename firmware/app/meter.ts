import type { Board, TimerId } from "../hal";
import type { MeterConfig } from "./config";
import { Ade7953Driver } from "../drivers/ade7953/driver";
import { Atm90e26Driver } from "../drivers/atm90e26/driver";
import { IcSupervisor } from "../metrology/ic-supervisor";
import { OverRange } from "../monitoring/over-range";
import { Button, type ButtonActions } from "../drivers/button/button";
import { Ht1621 } from "../drivers/ht1621/driver";
import { createRelayDriver } from "../drivers/relay/index";
import { Display } from "../display/display";
import { Disconnector } from "../control/disconnector";
import { Limiter } from "../control/limiter";
import { IC_OK, type IcStatus, type MeteringIc, type MeteringSample, newMeteringSample, SAMPLE_FLAG_NEUTRAL_METERED } from "../kernel/metering-ic";
import { MeterClock, euDstSettings, noDstSettings } from "../time/clock";
import { EnergyRegisters } from "../metrology/energy-registers";
import { EventLogs } from "../records/event-log";
import { checkMonitoringConfig } from "../monitoring/monitoring-config";
import { SUB_METER_OBIS } from "../monitoring/monitoring-registers";
import { METER_REGISTERS, meterRegister, meterRegisterIndex, readMeterRegister } from "./meter-registers";
import { PowerFailures } from "../monitoring/power-failures";
import { PowerQuality } from "../monitoring/power-quality";
import { Profiles } from "../records/profiles";
import { PulseCounter } from "../monitoring/pulse-counter";
import { LINE_SELECTING_CHIP, METERING_LINE, TamperDetector } from "../monitoring/tamper";
import type { Rational } from "../kernel/rational";
import type { RegisterDescriptor } from "../kernel/register-table";
import { TariffMetering } from "../metrology/tariff-metering";
import { Persistence } from "./persistence";
import { POWER_FAILURE_LOG_COLUMNS, POWER_FAILURE_OBIS } from "../monitoring/power-failures";
import { registerMeterState } from "./meter-persistence";
import type { IcCalibration } from "../kernel/calibration";
import { createMeterMqtt } from "./meter-mqtt";
import type { MqttTelemetry } from "../comms/mqtt/telemetry";

/**
 * The metering core of the composition root (app/meter-app.ts adds security, push and DLMS):
 * builds the drivers and the metrology on a Board by constructor arguments, owns the tick schedule.
 * Data flows one way per tick: IC -> driver -> metrology -> (store, display, comms).
 */
export class Meter {
  readonly ic: MeteringIc;
  /** The chip's calibration, saved to flash after every change (use this, not `ic.calibration`). */
  readonly calibration: IcCalibration;
  readonly energy: EnergyRegisters;
  /** DLMS clock: local time, DST, status, set/shift (events 3-6). */
  readonly clock: MeterClock;
  /** Tariff calendar, demand and billing driven by the tick. */
  readonly tariffs: TariffMetering;
  /** Event logs and the alarm register: every feature records events here. */
  readonly events: EventLogs;
  /**
   * Flash journal registry: every feature registers its state here in the constructor
   * (`persistence.register({ id, essential, save, snapshot, restore })`), see docs/readme/persistence.md.
   */
  readonly persistence: Persistence;
  /** Class 70 disconnect control: the only owner of the relay. Comms calls its methods. */
  readonly disconnector: Disconnector;
  /** Class 71 limiter, evaluated every tick. */
  readonly limiter: Limiter;
  /** The LCD (HT1621) with its auto-scroll and manual lists. */
  readonly display: Display;
  readonly button: Button | null;
  /** Sag, swell, missing voltage and frequency detection with counters (PQ log). */
  readonly powerQuality: PowerQuality;
  /** Covers, magnet, reverse energy, phase/neutral mismatch; `tamper.tamperFlag` is the display icon. */
  readonly tamper: TamperDetector;
  /** Gas and water pulse inputs (7.0.3.0.0.255, 8.0.1.0.0.255). */
  readonly gas: PulseCounter;
  readonly water: PulseCounter;
  /** Power failure counters and log; the persistence layer calls `powerFailures.recordPowerFailure` at power up. */
  readonly powerFailures: PowerFailures;
  /** Load profile 1.0.99.1.0.255 and daily profile 1.0.99.2.0.255. */
  readonly profiles: Profiles;
  /** The latest instantaneous values, refreshed every tick. */
  readonly instant: MeteringSample = newMeteringSample();
  /** Ticks completed since start. */
  ticks = 0;
  lastIcStatus: IcStatus = "ok";
  /** Current above Imax and voltage outside the measuring range: events and the alarm. */
  readonly overRange: OverRange;
  /** Turns IC faults and resets into event 16 and the measurement-system alarm. */
  readonly icSupervisor: IcSupervisor;
  /** MQTT telemetry and Home Assistant discovery (issue 18); null when not configured. */
  readonly mqtt: MqttTelemetry | null;
  private tickTimer: TimerId | undefined;

  constructor(readonly board: Board, readonly config: MeterConfig) {
    const { ic, energyScale } = createMeteringIc(board, config);
    this.ic = ic;
    this.energy = new EnergyRegisters(energyScale);
    this.events = new EventLogs(board.clock);
    this.persistence = new Persistence(board, this.events, config.persistence, this);
    const createBuffer = this.persistence.profile.bind(this.persistence);
    const lookup = this.register.bind(this);
    this.icSupervisor = new IcSupervisor(this.events, board.log, energyScale);
    this.clock = new MeterClock(board.clock, this.events, config.utcOffsetMinutes, config.dst === "eu" ? euDstSettings(config.utcOffsetMinutes) : noDstSettings());
    this.tariffs = new TariffMetering(this.clock, this.energy, this.events, { createBuffer });
    this.disconnector = new Disconnector(createRelayDriver(board, config.relay), this.events, config.disconnector);
    this.limiter = new Limiter(lookup, this.disconnector, this.events, board.clock, config.limiter);
    const lcd = board.lcdCs && board.lcdWr && board.lcdData ? new Ht1621({ cs: board.lcdCs, wr: board.lcdWr, data: board.lcdData }) : null;
    this.display = new Display(this, board.clock, lcd, config.display);
    this.button = board.button
      ? new Button(board.button, board.clock, config.button, new MeterButtonActions(this.display, this.disconnector))
      : null;
    this.disconnector.addTransitionListener(() => this.display.refresh());
    const mc = config.monitoring;
    checkMonitoringConfig(mc);
    this.powerQuality = new PowerQuality(this.events, mc);
    this.overRange = new OverRange(this.events, mc);
    this.tamper = new TamperDetector(this.events, board.clock, board, mc);
    this.gas = new PulseCounter(SUB_METER_OBIS.gas, board.gasPulse, board.clock, mc.pulseDebounceMs, mc.gasMilliLitresPerPulse);
    this.water = new PulseCounter(SUB_METER_OBIS.water, board.waterPulse, board.clock, mc.pulseDebounceMs, mc.waterMilliLitresPerPulse);
    this.powerFailures = new PowerFailures(mc.longPowerFailureS, 100, this.persistence.profile(POWER_FAILURE_OBIS.log, POWER_FAILURE_LOG_COLUMNS, 0, 100));
    const clock = this.clock;
    this.profiles = new Profiles({
      rules: clock,
      registers: this,
      loadPeriodS: mc.loadProfilePeriodS,
      loadEntries: mc.loadProfileEntries,
      dailyEntries: mc.dailyProfileEntries,
      createBuffer,
      // The flash append of a captured row runs right after the tick, not in it (docs/readme/performance.md).
      scheduler: board.clock,
    });
    this.clock.onTimeChange(this.profiles);
    // Every state (energy first: the emergency save's largest; clock, calendars, billing, demand, relay, limiter, calibration, counters)
    // and the power-up bookkeeping (power failure log, clock validity): meter-persistence.ts.
    this.calibration = registerMeterState(this);
    this.mqtt = createMeterMqtt(this);
  }

  /** Initialises the IC and starts the metrology tick. */
  start(): void {
    // Power up: state back from flash (events 1/2 for the outage), then the IC is re-initialised.
    this.persistence.restore();
    // The first look-ups (tariff in force, limiter register, profile schedules) from the restored
    // state, here rather than in the first tick (which must stay within the tick budget).
    this.tariffs.prepare();
    this.limiter.prepare();
    this.profiles.prepare(this.board.clock.wallClockMs(), this.board.clock.nowMs());
    this.lastIcStatus = this.ic.init();
    if (this.lastIcStatus !== "ok") this.board.log.error(`metering IC init: ${this.lastIcStatus}`);
    // An arrow, not a bound method: the tick is looked up at each call (the bench wraps it).
    this.tickTimer = this.board.clock.repeat(() => this.tick(), this.config.tickMs);
    this.disconnector.powerUp();
    this.display.start();
    this.button?.start();
    this.persistence.start();
    this.mqtt?.start();
  }

  stop(): void {
    if (this.tickTimer !== undefined) this.board.clock.clearTimer(this.tickTimer);
    this.tickTimer = undefined;
    this.profiles.flush();
    this.persistence.stop();
    this.disconnector.stop();
    this.display.stop();
    this.button?.stop();
    this.mqtt?.stop();
  }

  /**
   * The emergency save at power fail drains the IC through one extra tick first. A profile row
   * captured by that tick is appended at once (its append is otherwise deferred).
   */
  /** PowerFailDrain (persistence.ts). */
  drainForPowerFail(): void {
    this.tick();
    this.icSupervisor.powerFailing(this.lastIcStatus, this.ic, this.instant, this.board.clock.nowMs());
    this.profiles.flush();
  }

  /** One metrology step: read the IC, accumulate. No allocation. */
  tick(): void {
    const monoMs = this.board.clock.nowMs();
    const status = this.ic.sample(this.instant, monoMs);
    this.lastIcStatus = status;
    // The driver re-initialises a reset chip itself; the supervisor logs event 16 / the alarm.
    const supervisor = this.icSupervisor;
    if (status !== IC_OK || this.instant.energyMayBeLost || supervisor.badTicks !== 0 || supervisor.episodeLogged) supervisor.after(status, this.instant);
    const utcMs = this.board.clock.wallClockMs();
    // Detectors judge only verified instantaneous values; a bad read keeps their state.
    const measured = status === IC_OK;
    if (measured) {
      // meteringLineOf(instant, chip), written out (a call fewer in the tick).
      const line = this.config.chip !== LINE_SELECTING_CHIP ? -1 : (this.instant.flags & SAMPLE_FLAG_NEUTRAL_METERED) !== 0 ? METERING_LINE.neutral : METERING_LINE.phase;
      this.tamper.update(this.instant, monoMs, utcMs, line);
    }
    // The billed active energy is decided here, in one place: the phase channel, or while a
    // phase/neutral mismatch is confirmed the larger of phase and neutral (tamper).
    // (Only a confirmed mismatch can bill the neutral: otherwise the phase, without the call.)
    const billedActiveLsb = this.tamper.mismatch.active ? this.tamper.billedActiveEnergyLsb(this.instant) : this.instant.activeEnergyLsb;
    // The tick's wall time is the tariffs' and the limiter's too (one clock read, not three).
    this.tariffs.tick(billedActiveLsb, this.instant.reactiveEnergyLsb, this.instant.apparentEnergyLsb, utcMs);
    this.limiter.evaluate(utcMs);
    if (measured) {
      this.powerQuality.update(this.instant.voltageMilliV, this.instant.frequencyMilliHz, monoMs, utcMs);
      this.overRange.update(this.instant);
    }
    this.profiles.update(utcMs, monoMs, status !== IC_OK || this.instant.energyDeferred);
    this.ticks++;
  }

  /**
   * Every register the meter exposes (METER_REGISTERS less those the chip does not measure), as
   * descriptors made for this call: keep only those you need.
   */
  registers(): readonly RegisterDescriptor[] {
    const out: RegisterDescriptor[] = [];
    for (let i = 0; i < METER_REGISTERS.length; i++) if (!this.ic.unmeasured.includes(METER_REGISTERS[i].obis)) out.push(meterRegister(this, i));
    return out;
  }

  /** The register with this OBIS code (a descriptor made for this call), undefined if the meter has none. */
  register(obis: string): RegisterDescriptor | undefined {
    const i = this.registerIndex(obis);
    return i < 0 ? undefined : meterRegister(this, i);
  }

  /** Row of `obis` in METER_REGISTERS, -1 if the meter has no such register (or does not measure it). */
  registerIndex(obis: string): number {
    const i = meterRegisterIndex(obis);
    return i >= 0 && !this.ic.unmeasured.includes(obis) ? i : -1;
  }

  /** The value of METER_REGISTERS[index] now (see registerIndex). No allocation. */
  readRegister(index: number): number {
    return readMeterRegister(this, index);
  }
}

/** The button's actions: a short press steps the display, a long press reconnects (when allowed). */
class MeterButtonActions implements ButtonActions {
  constructor(private readonly display: Display, private readonly disconnector: Disconnector) {}
  shortPress(): void {
    this.display.step();
  }
  longPress(): void {
    this.disconnector.manualReconnect();
  }
}

/** The metering IC driver the configuration names, with its stored calibration. */
export function createMeteringIc(board: Board, config: MeterConfig): { ic: MeteringIc; energyScale: Rational } {
  switch (config.chip) {
    case "ade7953": {
      const driver = new Ade7953Driver(board.meteringSpi, config.ade7953, { irq: board.meteringIrq, rating: config.rating, clock: board.clock });
      return { ic: driver, energyScale: driver.energyScale };
    }
    case "atm90e26": {
      const driver = new Atm90e26Driver(board.meteringSpi, config.atm90e26, { irq: board.meteringIrq, rating: config.rating, clock: board.clock });
      return { ic: driver, energyScale: driver.energyScale };
    }
    default:
      throw new Error(`metering IC "${config.chip}" is not supported by this build`);
  }
}
