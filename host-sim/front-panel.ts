import type { MeterConfig } from "../firmware/app/config";
import type { Board } from "../firmware/hal";
import { createSimFrontPanel, type SimFrontPanel } from "./board";
import { Ht1621Emulator } from "../emulation/ht1621/emulator";
import { lcdText } from "../emulation/ht1621/render";
import { DEFAULT_RELAY_EMULATOR, RelayEmulator } from "../emulation/relay/emulator";
import type { ScenarioLine } from "../emulation/scenario/line-source";
import type { VirtualClock } from "../emulation/virtual-clock";

/** The relay, LCD and button of the simulated board, with the pins they sit on. */
export interface FrontPanel {
  pins: SimFrontPanel;
  relay: RelayEmulator;
  lcd: Ht1621Emulator;
  /** The glass as a person reads it, decoded from the emulator's segment RAM. */
  lcdText(): string;
}

/**
 * Puts the relay, LCD and button pins on the board and wires the emulators to them. The relay
 * sits between the line and the load: with its contacts open the load draws no current.
 * Runs in Node and in XS (no Node APIs).
 */
export function attachFrontPanel(board: Board, clock: VirtualClock, line: ScenarioLine, config: MeterConfig, display = true): FrontPanel {
  const pins = createSimFrontPanel();
  Object.assign(board, pins);
  if (!display) {
    // A board without the LCD (a batch run nobody watches): the firmware's display keeps its
    // timer and state but clocks nothing out (no HT1621 driver); the glass stays blank.
    delete board.lcdCs;
    delete board.lcdWr;
    delete board.lcdData;
  }
  const relay = new RelayEmulator(() => clock.nowMs(), (cb, ms) => clock.schedule(cb, ms), {
    ...DEFAULT_RELAY_EMULATOR,
    kind: config.relay.kind,
    monostableClosedLevel: config.relay.monostableClosedLevel,
  });
  pins.relaySetCoil.listeners.push((level) => relay.setCoilChanged(level));
  pins.relayResetCoil.listeners.push((level) => relay.resetCoilChanged(level));
  pins.relayOutput.listeners.push((level) => relay.outputChanged(level));
  relay.onContact = (level) => pins.relayContact.set(level);
  pins.relayContact.set(relay.contactLevel);
  line.filters.push(relay);

  const lcd = new Ht1621Emulator();
  pins.lcdCs.listeners.push((level) => lcd.csChanged(level));
  pins.lcdWr.listeners.push((level) => lcd.wrChanged(level));
  pins.lcdData.listeners.push((level) => lcd.dataChanged(level));
  return { pins, relay, lcd, lcdText: () => lcdText(lcd.ram, lcd.visible) };
}
