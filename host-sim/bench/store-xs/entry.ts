/**
 * Bundled into xsnap by host-sim/bench/store.ts: the persistence layer's own work in computrons.
 * The metering IC (SPI peripheral + emulated chip) and the flash (ESP32 SPI flash driver +
 * emulated NOR chip) are silicon and ROM on the board: their emulators' work is set aside, the
 * firmware's (draining the IC through a tick, encoding, CRC, journal bookkeeping) is counted.
 */
import { parseScenario } from "../../event-types";
import { restorePower, losePower } from "../../power";
import { Simulation } from "../../simulation";
import { FlashPartition } from "../../../emulation/flash/partition";
import { type AnyFunction, PortExclusion, swapMeter } from "../../xs/metering";
import { FlashJournal } from "../../../firmware/storage/journal";
import { CompactingChain } from "../../../firmware/storage/compacting-chain";
import { StateIndex } from "../../../firmware/storage/state-index";
import { FlashProfile } from "../../../firmware/storage/flash-profile";
import { OutageTally } from "../../../firmware/storage/outage-tally";
import { PersistentStore } from "../../../firmware/storage/persistent-store";
import { Persistence } from "../../../firmware/app/persistence";
import { Meter } from "../../../firmware/app/meter";
import { Profiles } from "../../../firmware/records/profiles";
import { TariffMetering } from "../../../firmware/metrology/tariff-metering";
import { Limiter } from "../../../firmware/control/limiter";
import { Display } from "../../../firmware/display/display";
import { EventLogs } from "../../../firmware/records/event-log";

export interface StoreCost {
  /** Firmware computrons, the calibrated cost of the port wrappers subtracted. */
  computrons: number;
  /** As measured (wrappers included). */
  rawComputrons: number;
  /** Port calls set aside (IC SPI, flash). */
  portCalls: number;
  /** Work of the emulated IC and flash, excluded above. */
  emulatorComputrons: number;
  flashBytes: number;
  records: number;
  erases: number;
}

/** One profiled part: inclusive computrons (nested parts included), calls. */
export interface PartFigures {
  name: string;
  calls: number;
  computrons: number;
}

/**
 * Inclusive per-part profile (restore, saves): each wrapped method's computrons, nested parts and
 * firmware work included, the emulators' work and the port wrappers' calibrated cost taken out.
 * A part's figure keeps the small cost of wrappers nested in it (~60 computrons each).
 */
export class PartProfiler {
  private readonly parts = new Map<string, PartFigures>();
  private readonly undo: (() => void)[] = [];
  constructor(private readonly ports: PortExclusion) {}

  wrap(target: object, method: string, name: string): void {
    const t = target as Record<string, AnyFunction>;
    const original = t[method];
    if (typeof original !== "function") return;
    const own = Object.prototype.hasOwnProperty.call(t, method);
    const parts = this.parts;
    const ports = this.ports;
    t[method] = function (this: unknown, ...args: unknown[]): unknown {
      const outer = swapMeter(0);
      const excluded = ports.calls;
      const result = original.apply(this, args);
      const inner = swapMeter(0);
      let p = parts.get(name);
      if (!p) parts.set(name, (p = { name, calls: 0, computrons: 0 }));
      p.calls++;
      p.computrons += Math.round(inner - (ports.calls - excluded) * ports.overhead);
      swapMeter(outer + inner);
      return result;
    };
    this.undo.push(() => {
      if (own) t[method] = original;
      else delete t[method];
    });
  }

  /** The figures so far, in order of first call; the wrappers are removed. */
  finish(): PartFigures[] {
    for (const u of this.undo.reverse()) u();
    this.undo.length = 0;
    const list = [...this.parts.values()];
    this.parts.clear();
    return list;
  }
}

export class StoreXsBench {
  sim!: Simulation;
  /** IC SPI and flash calls set aside, with their wrapper cost calibrated in this engine. */
  readonly ports = new PortExclusion();

  boot(scenarioJson: string): void {
    this.ports.calibrate();
    this.sim = new Simulation(parseScenario(JSON.parse(scenarioJson)));
    this.exclude(this.sim.board.meteringSpi as unknown as Record<string, AnyFunction>, ["transfer", "write", "read", "flush", "transaction"]);
    // The flash port: the ESP32's partition API and SPI flash driver (ROM) and the NOR chip. Set
    // aside on the partition class, so the handles of every power-on life are covered (the tick
    // harness does the same on board.flash and board.profileFlash).
    for (const name of ["read", "write", "eraseSector"]) this.excludeOnPrototype(FlashPartition.prototype as unknown as Record<string, AnyFunction>, name);
    // The LCD's pins (the HT1621 beyond them is silicon), as the tick harness sets them aside.
    const board = this.sim.board as unknown as Record<string, Record<string, AnyFunction> | undefined>;
    for (const pin of ["lcdCs", "lcdWr", "lcdData"]) if (board[pin]) this.ports.exclude(board[pin]!, "write");
    this.sim.runFor(7_200_000);
  }

  private excludeOnPrototype(proto: Record<string, AnyFunction>, name: string): void {
    const original = proto[name];
    const ports = this.ports;
    proto[name] = function (this: unknown, a?: unknown, b?: unknown): unknown {
      const firmwareSoFar = swapMeter(0);
      const result = original.call(this, a, b);
      ports.cost += swapMeter(firmwareSoFar);
      ports.calls++;
      return result;
    };
  }

  private exclude(target: Record<string, AnyFunction>, names: string[]): void {
    for (const name of names) this.ports.exclude(target, name);
  }

  private measure(action: () => void): StoreCost {
    const stats = this.sim.meter.persistence.journal!.stats;
    const bytes = stats.bytesWritten;
    const records = stats.recordsWritten;
    const erases = stats.erases;
    this.ports.cost = 0;
    const calls = this.ports.calls;
    swapMeter(0);
    action();
    const raw = swapMeter(0);
    const portCalls = this.ports.calls - calls;
    const j = this.sim.meter.persistence.journal!.stats;
    return {
      computrons: Math.round(raw - portCalls * this.ports.overhead), rawComputrons: raw, portCalls,
      emulatorComputrons: this.ports.cost, flashBytes: j.bytesWritten - bytes, records: j.recordsWritten - records, erases: j.erases - erases,
    };
  }

  /** One periodic save (mean over `n`, run a minute apart). */
  periodicSave(n: number): StoreCost {
    const total: StoreCost = { computrons: 0, rawComputrons: 0, portCalls: 0, emulatorComputrons: 0, flashBytes: 0, records: 0, erases: 0 };
    for (let i = 0; i < n; i++) {
      this.sim.runFor(60_000);
      const c = this.measure(() => this.sim.meter.persistence.savePeriodic());
      total.computrons += c.computrons / n;
      total.rawComputrons += c.rawComputrons / n;
      total.portCalls += c.portCalls / n;
      total.emulatorComputrons += c.emulatorComputrons / n;
      total.flashBytes += c.flashBytes / n;
      total.records += c.records / n;
      total.erases += c.erases / n;
    }
    return total;
  }

  /** The power-fail edge: drain the IC (one tick) and the emergency save. */
  emergencySave(): StoreCost {
    this.sim.runFor(30_000);
    return this.measure(() => this.sim.power.powerFail.set(0));
  }

  declare saveProfile: (n: number) => { periodic: PartFigures[]; emergency: PartFigures[] };
  declare restoreProfile: () => { total: StoreCost; parts: PartFigures[] };

  /** Power up after the cut: the persistence restore alone (mount is in the Meter constructor). */
  restore(): StoreCost & { bootComputrons: number } {
    losePower(this.sim, false);
    const calls = this.ports.calls;
    this.ports.cost = 0;
    swapMeter(0);
    restorePower(this.sim);
    const raw = swapMeter(0);
    const portCalls = this.ports.calls - calls;
    const boot = Math.round(raw - portCalls * this.ports.overhead);
    return { computrons: boot, rawComputrons: raw, portCalls, emulatorComputrons: this.ports.cost, flashBytes: 0, records: 0, erases: 0, bootComputrons: boot };
  }
}

/** Wraps the parts of a save: each state's encode, the journal's append and record write, the power stamp. */
function wrapSaveParts(p: PartProfiler, sim: Simulation): void {
  const persistence = sim.meter.persistence as unknown as { entries: { id: string }[]; stateChain: object };
  for (const e of persistence.entries) p.wrap(e, "encode", `  encode ${e.id}`);
  for (const e of persistence.entries) p.wrap(e, "unchanged", `  unchanged? ${e.id}`);
  for (const e of persistence.entries) p.wrap(e, "encodeInto", `  encode in place ${e.id}`);
  const proto = (c: { prototype: object }): object => c.prototype;
  p.wrap(proto(PersistentStore), "saveEntry", " saveEntry (encode, compare, append)");
  p.wrap(proto(CompactingChain), "append", "  chain append (CRC, flash writes)");
  p.wrap(proto(FlashJournal), "writeRecord", "   record write (header, CRC-32, flash writes)");
  p.wrap(proto(PersistentStore), "writePowerStamp", " power stamp");
  p.wrap(proto(PersistentStore), "saveEmergency", " emergency final record (states + stamp in one record)");
  p.wrap(proto(PersistentStore), "reserve", " reserve room");
  p.wrap(proto(PersistentStore), "levelEventWear", " event wear levelling");
}

StoreXsBench.prototype.saveProfile = function (this: StoreXsBench, n: number): { periodic: PartFigures[]; emergency: PartFigures[] } {
  const p = new PartProfiler(this.ports);
  wrapSaveParts(p, this.sim);
  // The meter's own save timer (every minute); only save parts are wrapped, so the ticks add nothing.
  for (let i = 0; i < n; i++) this.sim.runFor(60_000);
  const periodic = p.finish().map((x) => ({ ...x, computrons: Math.round(x.computrons / n), calls: x.calls / n }));
  this.sim.runFor(30_000);
  const q = new PartProfiler(this.ports);
  wrapSaveParts(q, this.sim);
  q.wrap(this.sim.meter, "tick", " drain tick");
  this.sim.power.powerFail.set(0);
  return { periodic, emergency: q.finish() };
};

StoreXsBench.prototype.restoreProfile = function (this: StoreXsBench): { total: StoreCost; parts: PartFigures[] } {
  const p = new PartProfiler(this.ports);
  const sim = this.sim as unknown as Record<string, AnyFunction>;
  const proto = (c: { prototype: object }): object => c.prototype;
  p.wrap(sim, "firmware", "firmware construction (Meter)");
  p.wrap(proto(FlashJournal), "mount", "  journal mount (sector headers)");
  p.wrap(proto(StateIndex), "mount", "  state journal mount (head sector + index record)");
  p.wrap(proto(CompactingChain), "mount", "  chain mount (event logs; state journal without index)");
  p.wrap(proto(FlashProfile), "mount", "    flash profile mount (head sector)");
  p.wrap(proto(OutageTally), "mount", "  alive tally mount");
  p.wrap(proto(PersistentStore), "profile", "  profile buffers (flash profile mounts)");
  p.wrap(proto(Meter), "buildRegisterTable", "  register table");
  p.wrap(proto(Meter), "start", "Meter.start");
  p.wrap(proto(Persistence), "restore", "  persistence.restore");
  // Each state's decode, wrapped once the new meter has registered them (just before its restore).
  const restoreProto = proto(PersistentStore) as Record<string, AnyFunction>;
  const restoreStates = restoreProto.restoreStates;
  restoreProto.restoreStates = function (this: { entries: { id: string }[] }, ...args: unknown[]): unknown {
    for (const e of this.entries) p.wrap(e, "decode", `      decode ${e.id}`);
    for (const e of this.entries) p.wrap(e, "encode", `            encode ${e.id}`);
    return restoreStates.apply(this, args);
  };
  p.wrap(restoreProto, "restoreStates", "   restoreStates");
  p.wrap(proto(PersistentStore), "restoreEventLogs", "    event logs rebuilt");
  p.wrap(proto(PersistentStore), "restoreEntry", "    states restored (read + decode)");
  p.wrap(proto(PersistentStore), "readAt", "      record reads");
  p.wrap(proto(Persistence), "logOutage", "    outage events");
  p.wrap(proto(EventLogs), "recordAt", "      events recorded");
  p.wrap(proto(PersistentStore), "commitPowerUp", "    power-up commit (periodic states + stamp)");
  p.wrap(proto(PersistentStore), "saveEntry", "      saveEntry (encode, compare, append)");
  p.wrap(proto(CompactingChain), "append", "        chain append (CRC, flash writes)");
  p.wrap(proto(PersistentStore), "writePowerStamp", "      power stamp");
  p.wrap(proto(PersistentStore), "reserve", "      reserve room (a rotation: reclamation + index record)");
  p.wrap(proto(TariffMetering), "prepare", "  tariffs.prepare");
  p.wrap(proto(Limiter), "prepare", "  limiter.prepare");
  p.wrap(proto(Profiles), "prepare", "  profiles.prepare");
  p.wrap(proto(Display), "start", "  display.start");
  p.wrap(proto(Display), "configure", "    display configure (lists resolved)");
  p.wrap(proto(Display), "resolve", "      display list resolve");
  p.wrap(proto(Display), "refresh", "    display first refresh (draw)");
  p.wrap(proto(Meter), "register", "        meter.register (look-up by OBIS)");
  losePower(this.sim, false);
  const calls = this.ports.calls;
  this.ports.cost = 0;
  swapMeter(0);
  restorePower(this.sim);
  const raw = swapMeter(0);
  const portCalls = this.ports.calls - calls;
  const boot = Math.round(raw - portCalls * this.ports.overhead);
  restoreProto.restoreStates = restoreStates;
  // The IC init is the driver's: its SPI work is set aside; what is left is counted in Meter.start.
  return { total: { computrons: boot, rawComputrons: raw, portCalls, emulatorComputrons: this.ports.cost, flashBytes: 0, records: 0, erases: 0 }, parts: p.finish() };
};

(globalThis as unknown as { storeBench: StoreXsBench }).storeBench = new StoreXsBench();
