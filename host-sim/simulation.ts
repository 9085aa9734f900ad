import type { Board, Network } from "../firmware/hal";
import { defaultMeterConfig, type MeterConfig } from "../firmware/app/config";
import { Meter } from "../firmware/app/meter";
import { createSimBoard, createSimInputs, SimInput, type SimInputs, SimLog } from "./board";
import { Ade7953Emulator } from "../emulation/ade7953/emulator";
import { Atm90e26Emulator } from "../emulation/atm90e26/emulator";
import type { EmulatedMeteringIc } from "../emulation/faults";
import type { LineSource, SpiSlave } from "../emulation/line";
import { ScenarioLine } from "../emulation/scenario/line-source";
import { attachFrontPanel, type FrontPanel } from "./front-panel";
import type { Scenario, ScenarioEvent } from "../emulation/scenario/scenario";
import { VirtualClock } from "../emulation/virtual-clock";
import { attachPowerSupply, type PowerOptions, type PowerSupply, scheduledPowerCut } from "./power";

export interface SimulationOptions {
  /** Changes to the default meter configuration. */
  config?: Partial<MeterConfig>;
  /** Where log lines go besides the in-memory log. */
  logSink?: (line: string) => void;
  /** Flash partitions of the simulated board (default: 64 KiB journal + 256 KiB profiles). */
  power?: PowerOptions;
  /** The board's network (the MQTT tests give one before the meter is built). */
  network?: Network;
}

/** How a scenario event acts on the running simulation. Features add theirs with `onEvent`. */
export type EventHandler = (sim: Simulation, event: ScenarioEvent) => void;
const handlers = new Map<string, EventHandler>();
export function onEvent(type: string, handler: EventHandler): void {
  handlers.set(type, handler);
}

// The meter really loses power (host-sim/power.ts): emergency save when "signal" (default true),
// timers and RAM gone, chip reset, and a new Meter restores from flash after the duration.
onEvent("power-cut", (sim, event) => {
  scheduledPowerCut(sim, event.atMs, event.fields.duration as number, event.fields.signal !== false);
});

/** The emulator of the chip a scenario (or the calibration bench) names. Each chip adds its case. */
export function createChipEmulator(chip: "ade7953" | "atm90e26", line: LineSource, now: () => number): EmulatedMeteringIc {
  switch (chip) {
    case "ade7953":
      return new Ade7953Emulator(line, now);
    case "atm90e26":
      return new Atm90e26Emulator(line, now);
    default:
      throw new Error(`no emulator for metering IC "${chip}" in this build`);
  }
}

/** The chip's IRQ output drives the board's metering IRQ input (an edge-capable DigitalIn). */
export function wireMeteringIrq(board: Board, chip: EmulatedMeteringIc): void {
  const irq = new SimInput(chip.irqLevel);
  chip.onIrqChange = (level) => irq.set(level);
  board.meteringIrq = irq;
}

/**
 * A meter on the simulated board, driven by a scenario in virtual time. The same class runs in
 * Node (tests, `npm start`) and inside XS (the harness), so it uses no Node APIs.
 */
export class Simulation {
  readonly clock: VirtualClock;
  readonly line: ScenarioLine;
  /** The emulated metering IC named by `scenario.chip` (fault injection, IRQ pin). */
  readonly chip: EmulatedMeteringIc;
  readonly log: SimLog;
  readonly board: Board;
  /** Relay with contacts, HT1621 LCD and button on the board's pins (issue 5). */
  readonly panel: FrontPanel;
  /** Cover, magnet and pulse inputs (scenario handlers drive them). */
  readonly inputs: SimInputs = createSimInputs();
  readonly config: MeterConfig;
  meter: Meter;

  constructor(readonly scenario: Scenario, options: SimulationOptions = {}) {
    this.clock = new VirtualClock(scenario.startUtcMs);
    this.line = new ScenarioLine(scenario);
    this.log = new SimLog(this.clock, options.logSink);
    this.config = { ...defaultMeterConfig(), chip: scenario.chip, utcOffsetMinutes: scenario.utcOffsetMinutes, dst: scenario.dst, ...options.config };
    this.chip = createChipEmulator(scenario.chip, this.line, () => this.clock.nowMs());
    this.board = createSimBoard(this.clock, this.chip as SpiSlave, this.log, this.inputs);
    wireMeteringIrq(this.board, this.chip);
    this.power = attachPowerSupply(this.board, this.clock, options.power);
    this.panel = attachFrontPanel(this.board, this.clock, this.line, this.config);
    // Events are scheduled before the meter's own timers so that at equal times they act first.
    for (const event of scenario.events) {
      const handler = handlers.get(event.type);
      if (!handler) throw new Error(`no simulator handler for event type "${event.type}"`);
      this.clock.schedule(() => handler(this, event), event.atMs);
    }
    if (options.network) this.board.network = options.network;
    this.meter = new Meter(this.board, this.config);
    this.meter.start();
  }

  /** Flash partition, power-fail input and the firmware's clock (host-sim/power.ts). */
  readonly power: PowerSupply;

  /** Virtual ms since the scenario start. */
  get elapsedMs(): number {
    return this.clock.nowMs();
  }

  runFor(ms: number): void {
    this.clock.runUntil(this.clock.nowMs() + ms);
  }

  runUntil(elapsedMs: number): void {
    this.clock.runUntil(elapsedMs);
  }
}
