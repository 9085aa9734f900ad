/**
 * The harness bundled with the firmware and the emulators into one script for XS (xsnap-worker).
 * It also runs unchanged in Node, which is how the tests compare the two engines.
 *
 * Computrons: xsnap meters every instruction. Around each metrology tick the harness zeroes the
 * meter and, while the emulated chip (which on a board is silicon, not firmware) handles SPI
 * bytes, it sets the firmware's count aside, so the figure is the firmware's own work.
 *
 * Setting the count aside costs instructions of its own: each wrapped port call adds the
 * wrapper's prologue and epilogue (two meter swaps) to the firmware's count. `calibrate()` times
 * that overhead inside XS (N wrapped no-op calls against N direct ones) and the tick figures
 * subtract calls x overhead; both the raw and the corrected figures are reported.
 */
import { parseScenario } from "../event-types";
import { buildReport } from "../report";
import { Simulation } from "../simulation";
import { Meter } from "../../firmware/app/meter";
import { type AnyFunction, metered, PortExclusion, swapMeter, timeCalls } from "./metering";

let currentHarness: XsHarness | undefined;

export interface TickFigures {
  ticks: number;
  /** Firmware computrons per tick, the wrapper overhead subtracted (the figure the budgets use). */
  meanComputrons: number;
  maxComputrons: number;
  /** As measured, the wrappers' own instructions included. */
  rawMeanComputrons: number;
  rawMaxComputrons: number;
  /** Computrons one wrapped port call adds to the firmware's count (calibrated in this engine). */
  wrapperOverhead: number;
  /** Wrapped (set-aside) port calls per tick. */
  meanExcludedCalls: number;
  /** Work of the SPI peripheral and the emulated chip, excluded from the firmware figures. */
  meanEmulatorComputrons: number;
}

/** One profiled piece of firmware: computrons per call (overhead subtracted), calls, max. */
export interface ComponentFigures {
  name: string;
  calls: number;
  /** Mean computrons per tick (total / ticks), so components of a tick add up. */
  perTick: number;
  /** Mean computrons per call. */
  perCall: number;
  max: number;
}

export interface ProfileFigures {
  ticks: number;
  seconds: number;
  components: ComponentFigures[];
  /** Overheads subtracted: per excluded port call, and per profiled call (own, and leaked to the caller). */
  overhead: { excludedCall: number; profiledOwn: number; profiledLeak: number };
}

interface Component {
  name: string;
  calls: number;
  total: number;
  max: number;
}

export class XsHarness {
  sim: Simulation | undefined;
  readonly tickCosts: number[] = [];
  readonly tickCalls: number[] = [];
  /** The port calls set aside (SPI, flash, LCD pins) and their calibrated wrapper overhead. */
  readonly ports = new PortExclusion();
  emulatorTotal = 0;
  private profiledOwn = 0;
  private profiledLeak = 0;
  private readonly components = new Map<string, Component>();
  /** Profiled component calls so far. */
  profiledCalls = 0;

  /** Computrons per wrapped port call (calibrated at boot; 0 in Node). */
  get overhead(): number {
    return this.ports.overhead;
  }

  boot(scenarioJson: string): void {
    this.calibrate();
    this.sim = new Simulation(parseScenario(JSON.parse(scenarioJson)));
    this.instrument(this.sim);
  }

  /**
   * A simulation without any instrumentation (no meter swaps): for measuring xsnap's raw rate
   * (all computrons of a run over its wall time) on the host. Do not mix with boot().
   */
  bootPlain(scenarioJson: string): void {
    currentHarness = undefined;
    this.sim = new Simulation(parseScenario(JSON.parse(scenarioJson)));
  }

  /**
   * Times the exclusion wrapper itself: N calls of a wrapped no-op port method against N direct
   * calls of the same no-op; the difference per call is what every wrapped port call adds to the
   * firmware's count. Likewise for the profiler's component wrapper.
   */
  calibrate(n = 2000): number {
    if (!metered) return 0;
    this.ports.calibrate(n);
    const buffer = new Uint8Array(4);
    const direct = { transfer(b?: unknown): unknown { return b; } };
    const baseline = timeCalls(direct, buffer, n);
    // The component wrapper: what it adds inside the component's own count, and to its caller's.
    const profiled = { transfer(b?: unknown): unknown { return b; } };
    this.profile(profiled as unknown as Record<string, AnyFunction>, "transfer", "calibration");
    const leak = timeCalls(profiled, buffer, n);
    const c = this.components.get("calibration")!;
    this.profiledOwn = c.total / c.calls;
    this.profiledLeak = Math.max(0, (leak - baseline) / n);
    this.components.delete("calibration");
    this.profiledCalls = 0;
    return this.ports.overhead;
  }

  /** Wraps the meter tick and the chip emulator so that only firmware work is counted. */
  private instrument(sim: Simulation): void {
    // Every Meter the simulation boots (a power cut reboots the firmware) shares the prototype.
    const prototype = Meter.prototype as unknown as { tick(): void; __metered?: boolean };
    if (!prototype.__metered) {
      const tick = prototype.tick;
      prototype.tick = function (this: Meter) {
        const self = currentHarness;
        if (!self) return tick.call(this);
        self.ports.cost = 0;
        const calls = self.ports.calls;
        const profiled = self.profiledCalls;
        swapMeter(0);
        tick.call(this);
        const cost = swapMeter(0);
        // A profiled component leaks its wrapper's epilogue into the tick: taken out here.
        self.tickCosts.push(cost - (self.profiledCalls - profiled) * self.profiledLeak);
        self.tickCalls.push(self.ports.calls - calls);
        self.emulatorTotal += self.ports.cost;
      };
      prototype.__metered = true;
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the prototype wrapper reports to the live harness
    currentHarness = this;
    // The Spi port stands for the SPI peripheral and the chip beyond it: not firmware work. So do
    // the flash port (the ESP32's SPI flash driver in ROM and the NOR chip: a profile capture or
    // an event writes there inside the tick) and the LCD pins (GPIO writes, the HT1621 beyond).
    const board = sim.board as unknown as Record<string, Record<string, AnyFunction> | undefined>;
    for (const name of ["transfer", "write", "read", "flush", "transaction"]) this.ports.exclude(board.meteringSpi!, name);
    // Each boot hands the firmware new flash handles (a power cut closes the old ones): set aside too.
    const excludeFlash = (): void => {
      for (const partition of ["flash", "profileFlash"]) {
        const port = board[partition];
        if (port) for (const name of ["read", "write", "eraseSector"]) this.ports.exclude(port, name);
      }
    };
    excludeFlash();
    sim.bootListeners.push(excludeFlash);
    for (const pin of ["lcdCs", "lcdWr", "lcdData"]) if (board[pin]) this.ports.exclude(board[pin]!, "write");
    // Setting a timer is the Clock port: the SDK's native Timer on the device, the simulator's
    // timer heap here (~300 computrons of host JS a call, counted as firmware before). The
    // deferred profile append and the display's frame slices set one.
    for (const name of ["schedule", "repeat", "oneShot", "arm", "clearTimer"]) this.ports.exclude(board.clock!, name);
  }

  /** Runs `seconds` of virtual time; returns the tick figures for that span. */
  run(seconds: number): TickFigures {
    const sim = this.sim!;
    this.tickCosts.length = 0;
    this.tickCalls.length = 0;
    this.emulatorTotal = 0;
    sim.runFor(seconds * 1000);
    const n = this.tickCosts.length;
    let sum = 0;
    let max = 0;
    let rawMax = 0;
    let calls = 0;
    for (let i = 0; i < n; i++) {
      const raw = this.tickCosts[i];
      const corrected = raw - this.tickCalls[i] * this.overhead;
      sum += raw;
      calls += this.tickCalls[i];
      if (raw > rawMax) rawMax = raw;
      if (corrected > max) max = corrected;
    }
    const rawMean = n ? sum / n : 0;
    const meanCalls = n ? calls / n : 0;
    return {
      ticks: n,
      meanComputrons: rawMean - meanCalls * this.overhead,
      maxComputrons: Math.round(max),
      rawMeanComputrons: rawMean,
      rawMaxComputrons: rawMax,
      wrapperOverhead: this.overhead,
      meanExcludedCalls: meanCalls,
      meanEmulatorComputrons: n ? this.emulatorTotal / n : 0,
    };
  }

  /**
   * Counts a method's own computrons under `name` (nested SPI/port calls and nested profiled
   * calls corrected for their wrappers). The caller's count keeps the method's work.
   */
  profile(target: Record<string, AnyFunction>, method: string, name: string): void {
    const original = target[method];
    let c = this.components.get(name);
    if (!c) this.components.set(name, (c = { name, calls: 0, total: 0, max: 0 }));
    const component = c;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the wrapper reports here
    const self = this;
    target[method] = function (this: unknown, ...args: unknown[]): unknown {
      const outer = swapMeter(0);
      const excluded = self.ports.calls;
      const profiled = self.profiledCalls;
      const result = original.apply(this, args);
      const own = swapMeter(0);
      const nestedProfiled = self.profiledCalls - profiled;
      const cost = own - (self.ports.calls - excluded) * self.ports.overhead - nestedProfiled * self.profiledLeak - self.profiledOwn;
      self.profiledCalls++;
      component.calls++;
      component.total += cost;
      if (cost > component.max) component.max = cost;
      swapMeter(outer + own);
      return result;
    };
  }

  /**
   * Per-component profile of `seconds` of the running scenario: the tick's parts, the display
   * refresh and the periodic save (their own timers). Call after boot; the wrappers stay in place.
   */
  profileRun(seconds: number): ProfileFigures {
    const sim = this.sim!;
    const asTarget = (o: unknown): Record<string, AnyFunction> => o as Record<string, AnyFunction>;
    const meter = sim.meter;
    this.profile(asTarget(meter.ic), "sample", "driver sample()");
    this.profile(asTarget(meter.icSupervisor), "after", "IC supervisor");
    this.profile(asTarget(meter.tamper), "update", "tamper update");
    this.profile(asTarget(meter.tamper), "billedActiveEnergyLsb", "tamper bill-the-larger");
    this.profile(asTarget(meter.tariffs), "tick", "tariffs (clock, TOU, energy, demand, billing)");
    this.profile(asTarget(meter.clock), "tick", "  clock tick");
    this.profile(asTarget(meter.tariffs.tou), "advance", "  TOU advance");
    this.profile(asTarget(meter.energy), "addTick", "  energy registers addTick");
    this.profile(asTarget(meter.tariffs.demand), "tick", "  demand tick");
    this.profile(asTarget(meter.tariffs.billing), "tick", "  billing tick");
    this.profile(asTarget(meter.limiter), "evaluate", "limiter evaluate");
    this.profile(asTarget(meter.powerQuality), "update", "power quality update");
    this.profile(asTarget(meter.profiles), "update", "profiles update (capture check)");
    this.profile(asTarget(meter.board.clock), "wallClockMs", "clock port wallClockMs");
    this.profile(asTarget(meter.board.clock), "nowMs", "clock port nowMs");
    this.profile(asTarget(meter.profiles.load), "flush", "load profile row append (after the tick)");
    this.profile(asTarget(meter.profiles.daily), "flush", "daily profile row append (after the tick)");
    // One call per slice: the 1 s refresh and each zero-delay slice that sends a frame.
    this.profile(asTarget(meter.display), "timedRefresh", "display refresh (own timer, per slice)");
    this.profile(asTarget(meter.persistence), "savePeriodic", "periodic save (own timer)");
    for (const c of this.components.values()) {
      c.calls = 0;
      c.total = 0;
      c.max = 0;
    }
    const before = this.tickCosts.length;
    sim.runFor(seconds * 1000);
    const ticks = this.tickCosts.length - before;
    let total = 0;
    let max = 0;
    for (let i = before; i < this.tickCosts.length; i++) {
      const cost = this.tickCosts[i] - this.tickCalls[i] * this.overhead;
      total += cost;
      if (cost > max) max = cost;
    }
    const whole: ComponentFigures = { name: "whole tick", calls: ticks, perTick: ticks ? total / ticks : 0, perCall: ticks ? total / ticks : 0, max: Math.round(max) };
    return {
      ticks,
      seconds,
      components: [whole, ...[...this.components.values()].map((c) => ({
        name: c.name, calls: c.calls, perTick: ticks ? c.total / ticks : 0, perCall: c.calls ? c.total / c.calls : 0, max: Math.round(c.max),
      }))],
      overhead: { excludedCall: this.overhead, profiledOwn: this.profiledOwn, profiledLeak: this.profiledLeak },
    };
  }

  /** A second, unstarted Meter on the running board: what one meter instance holds in RAM. */
  newMeter(): Meter {
    return new Meter(this.sim!.board, this.sim!.config);
  }

  registers(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [obis, r] of Object.entries(buildReport(this.sim!).registers)) out[obis] = r.value;
    return out;
  }
}

(globalThis as unknown as { xsHarness: XsHarness }).xsHarness = new XsHarness();
