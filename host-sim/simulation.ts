import type { Board } from "../firmware/hal";
import type { Network } from "../firmware/hal/tcp";
import type { PoweredNetwork } from "./powered-network";
import { defaultMeterConfig, type MeterConfig } from "../firmware/app/config";
import { Meter } from "../firmware/app/meter";
import type { SecurityAndPush } from "../firmware/app/security-push";
import type { DlmsConfig } from "../firmware/comms/dlms/dlms-config";
import type { DlmsServer } from "../firmware/comms/dlms/server";
import { createSimBoard, createSimInputs, SimInput, type SimInputs, SimLog } from "./board";
import { Ade7953Emulator } from "../emulation/ade7953/emulator";
import { Atm90e26Emulator } from "../emulation/atm90e26/emulator";
import type { EmulatedMeteringIc } from "../emulation/faults";
import type { LineSource, SpiSlave } from "../emulation/line";
import { ScenarioLine } from "../emulation/scenario/line-source";
import { attachFrontPanel, type FrontPanel } from "./front-panel";
import type { Scenario } from "../emulation/scenario/scenario";
import type { CommandRecord } from "./scenario-events/disconnector-display";
import { SIM_EVENT_TYPES } from "./event-types";
import { VirtualClock } from "../emulation/virtual-clock";
import { attachPowerSupply, restartFirmware, type PowerOptions, type PowerSupply } from "./power";

export interface SimulationOptions {
  /** Changes to the default meter configuration. */
  config?: Partial<MeterConfig>;
  /** Where log lines go besides the in-memory log. */
  logSink?: (line: string) => void;
  /** Flash partitions of the simulated board (default: 64 KiB journal + 256 KiB profiles). */
  power?: PowerOptions;
  /**
   * What boots at each power up (default: the metering core alone, `MeteringFirmware`). The live
   * simulator and the DLMS security tests boot the whole app: `(board, config) => new MeterApp(board, config)`.
   */
  firmware?: (board: Board, config: MeterConfig) => SimFirmware;
  /** The network the firmware gets: a power cut closes its sockets (`new PoweredNetwork(new NodeNetwork())`). */
  network?: PoweredNetwork;
  /** Open the DLMS port with this configuration at every boot (needs `network`; the live simulator). */
  dlms?: DlmsConfig;
  /**
   * false: the board has no LCD, so nothing is clocked out to the HT1621, and the display's
   * refresh timer is stopped after each boot (the display only reads the meter; a button press
   * or a relay transition still refreshes it). About a tenth of a simulated day's CPU. For a run
   * whose glass nobody reads (`npm start -- --speed max` without `--report`): registers,
   * profiles, events and flash stay those of a run with the LCD (test/host-sim/skip-runs.test.ts).
   * Default true.
   */
  display?: boolean;
}

/** The firmware a simulation runs: `MeterApp` (firmware/app/meter-app.ts) or the metering core alone. */
export interface SimFirmware {
  readonly meter: Meter;
  readonly security: SecurityAndPush | null;
  readonly dlms: DlmsServer | null;
  start(): void;
  stop(): void;
  openDlms?(network: Network, config: DlmsConfig): DlmsServer | null;
}

/**
 * The metering core without security, push or DLMS: what most tests, the benches and the XS
 * harness run (their bundles then hold no DLMS code).
 */
export class MeteringFirmware implements SimFirmware {
  readonly meter: Meter;
  readonly security = null;
  readonly dlms = null;
  constructor(board: Board, config: MeterConfig) {
    this.meter = new Meter(board, config);
  }
  start(): void {
    this.meter.start();
  }
  stop(): void {
    this.meter.stop();
  }
}

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
  /** The running firmware (replaced at each power up) and its metering core. */
  app!: SimFirmware;
  meter!: Meter;
  /** The scenario's commands and what the meter answered (report `relay.commands`). */
  readonly commandLog: CommandRecord[] = [];
  /** Called after each boot with the new firmware (the XS harness re-wraps the ports it sets aside). */
  readonly bootListeners: ((app: SimFirmware) => void)[] = [];
  private readonly firmware: (board: Board, config: MeterConfig) => SimFirmware;
  private readonly dlmsConfig: DlmsConfig | undefined;
  /** SimulationOptions.display. */
  private readonly display: boolean;

  constructor(readonly scenario: Scenario, options: SimulationOptions = {}) {
    this.clock = new VirtualClock(scenario.startUtcMs);
    this.line = new ScenarioLine(scenario);
    this.log = new SimLog(this.clock, options.logSink);
    this.config = { ...defaultMeterConfig(), chip: scenario.chip, utcOffsetMinutes: scenario.utcOffsetMinutes, dst: scenario.dst, ...options.config };
    this.chip = createChipEmulator(scenario.chip, this.line, () => this.clock.nowMs());
    this.board = createSimBoard(this.clock, this.chip as SpiSlave, this.log, this.inputs);
    wireMeteringIrq(this.board, this.chip);
    this.power = attachPowerSupply(this.board, this.clock, options.power, options.network);
    // A restart asked by the firmware happens after the timer or request that asked for it.
    if (this.power.ota) this.power.ota.onRestart = () => void this.clock.schedule(() => restartFirmware(this), 0);
    this.firmware = options.firmware ?? ((board, config) => new MeteringFirmware(board, config));
    this.dlmsConfig = options.dlms;
    this.display = options.display ?? true;
    this.panel = attachFrontPanel(this.board, this.clock, this.line, this.config, this.display);
    // Events are scheduled before the meter's own timers so that at equal times they act first.
    for (const event of scenario.events) {
      const type = Object.hasOwn(SIM_EVENT_TYPES, event.type) ? SIM_EVENT_TYPES[event.type] : undefined;
      if (!type) throw new Error(`no simulator handler for event type "${event.type}"`);
      this.clock.schedule(() => type.run(this, event), event.atMs);
    }
    this.boot();
  }

  /**
   * Power up: the firmware is built anew by its composition root on this board (fresh flash
   * handles, the same flash), restores from flash and starts; the DLMS port opens when configured.
   */
  boot(): SimFirmware {
    this.power.newLife();
    const app = this.firmware(this.board, this.config);
    this.app = app;
    this.meter = app.meter;
    app.start();
    if (!this.display) app.meter.display.stop();
    if (this.dlmsConfig && this.board.network && app.openDlms) {
      try {
        app.openDlms(this.board.network, this.dlmsConfig);
      } catch (e) {
        this.log.error(`DLMS port not opened: ${(e as Error).message}`);
      }
    }
    for (const listener of this.bootListeners) listener(app);
    return app;
  }

  /** The DLMS server of the running firmware (null while the power is off or without one). */
  get dlms(): DlmsServer | null {
    return this.power.on ? this.app.dlms : null;
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
