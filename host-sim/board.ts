import type { Board, DigitalIn, DigitalOut, Log, Random, Spi } from "../firmware/hal";
import type { SpiSlave } from "../emulation/line";
import type { VirtualClock } from "../emulation/virtual-clock";

/** The Spi port on an emulated chip: chip select falls with the first byte, rises on flush(true). */
export class SimSpi implements Spi {
  private selected = false;
  transactions = 0;
  constructor(private readonly slave: SpiSlave) {}

  transfer(buffer: Uint8Array): void {
    this.exchangeFrame(buffer);
  }

  /**
   * transfer + flush(true) through private helpers, not through the public methods: the XS
   * harness wraps those on the instance to set their work aside, and a wrapped call inside
   * another would be corrected twice.
   */
  transaction(buffer: Uint8Array): void {
    const slave = this.slave;
    if (!this.selected && slave.transaction !== undefined) {
      slave.transaction(buffer);
      this.transactions++;
      return;
    }
    this.exchangeFrame(buffer);
    this.deselect();
  }

  private exchangeFrame(buffer: Uint8Array): void {
    this.begin();
    const slave = this.slave;
    if (slave.transferFrame !== undefined) {
      slave.transferFrame(buffer);
      return;
    }
    const n = buffer.length;
    for (let i = 0; i < n; i++) buffer[i] = slave.exchange(buffer[i]);
  }

  write(buffer: Uint8Array): void {
    this.begin();
    const slave = this.slave;
    const n = buffer.length;
    for (let i = 0; i < n; i++) slave.exchange(buffer[i]);
  }

  read(buffer: Uint8Array): void {
    this.begin();
    const slave = this.slave;
    const n = buffer.length;
    for (let i = 0; i < n; i++) buffer[i] = slave.exchange(0);
  }

  flush(deselect?: boolean): void {
    if (deselect) this.deselect();
  }

  private deselect(): void {
    if (this.selected) {
      this.slave.deselect();
      this.selected = false;
      this.transactions++;
    }
  }

  private begin(): void {
    if (!this.selected) {
      this.slave.select();
      this.selected = true;
    }
  }
}

/** A wire the simulator drives: a scenario or an emulator sets its level, the firmware reads it. */
export class SimInput implements DigitalIn {
  private handler: ((level: number) => void) | null = null;
  constructor(private level = 1) {}
  read(): number {
    return this.level;
  }
  onChange(handler: ((level: number) => void) | null): void {
    this.handler = handler;
  }
  /** Drives the line; calls the firmware's edge handler on a change. */
  set(level: number): void {
    if (level === this.level) return;
    this.level = level;
    this.handler?.(level);
  }
}

/** An output the firmware drives; the simulator (an emulator) observes it. */
export class SimOutput implements DigitalOut {
  level = 0;
  /** Observers, e.g. the HT1621 or relay emulator. */
  readonly listeners: ((level: number) => void)[] = [];
  write(level: number): void {
    this.level = level ? 1 : 0;
    for (const l of this.listeners) l(this.level);
  }
}

/** Deterministic xorshift32 so simulated runs repeat exactly. */
export class SeededRandom implements Random {
  constructor(private state = 0x2545f491) {}
  fill(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      let x = this.state;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.state = x >>> 0;
      bytes[i] = this.state & 0xff;
    }
  }
}

/** Collects log lines (optionally forwarding them), with virtual timestamps. */
export class SimLog implements Log {
  readonly lines: string[] = [];
  constructor(private readonly clock: VirtualClock, private readonly sink?: (line: string) => void) {}
  info(message: string): void {
    this.add("info", message);
  }
  warn(message: string): void {
    this.add("warn", message);
  }
  error(message: string): void {
    this.add("error", message);
  }
  private add(level: string, message: string): void {
    const line = `${new Date(this.clock.wallClockMs()).toISOString()} ${level} ${message}`;
    if (this.lines.length >= 1000) this.lines.shift();
    this.lines.push(line);
    this.sink?.(line);
  }
}


/** Switch and pulse inputs the scenario drives (idle level 1: covers closed, no field, reed open). */
export interface SimInputs {
  terminalCover: SimInput;
  meterCover: SimInput;
  magnet: SimInput;
  gasPulse: SimInput;
  waterPulse: SimInput;
}

export function createSimInputs(): SimInputs {
  return { terminalCover: new SimInput(1), meterCover: new SimInput(1), magnet: new SimInput(1), gasPulse: new SimInput(1), waterPulse: new SimInput(1) };
}

export function createSimBoard(clock: VirtualClock, chip: SpiSlave, log: Log, inputs: SimInputs = createSimInputs()): Board {
  return {
    clock,
    log,
    random: new SeededRandom(),
    meteringSpi: new SimSpi(chip),
    ...inputs,
  };
}

/** Relay, LCD and button pins (issue 5): the firmware drives the outputs, the emulators watch them. */
export interface SimFrontPanel {
  relaySetCoil: SimOutput;
  relayResetCoil: SimOutput;
  /** Monostable relay drive (used instead of the coils when the meter is configured so). */
  relayOutput: SimOutput;
  /** Auxiliary contact: 1 closed. */
  relayContact: SimInput;
  lcdCs: SimOutput;
  lcdWr: SimOutput;
  lcdData: SimOutput;
  /** Push button to ground with a pull-up: 1 released, 0 pressed. */
  button: SimInput;
}

export function createSimFrontPanel(): SimFrontPanel {
  return {
    relaySetCoil: new SimOutput(), relayResetCoil: new SimOutput(), relayOutput: new SimOutput(), relayContact: new SimInput(1),
    lcdCs: new SimOutput(), lcdWr: new SimOutput(), lcdData: new SimOutput(), button: new SimInput(1),
  };
}
