import type { Board } from "../../hal";
import { LatchingRelay } from "./latching";
import { MonostableRelay } from "./monostable";
import { DEFAULT_RELAY_OPTIONS, type RelayDriver, type RelayOptions } from "./relay";

export { DEFAULT_RELAY_OPTIONS, type RelayDriver, type RelayOptions } from "./relay";
export { LatchingRelay } from "./latching";
export { MonostableRelay } from "./monostable";

export interface RelayConfig extends RelayOptions {
  kind: "latching" | "monostable";
  /** Use the board's auxiliary contact input when it has one. */
  useContact: boolean;
  /** Monostable output level that closes the contacts. */
  monostableClosedLevel: number;
}

export function defaultRelayConfig(): RelayConfig {
  return { kind: "latching", useContact: true, monostableClosedLevel: 1, ...DEFAULT_RELAY_OPTIONS };
}

/** The relay the board wires for `config.kind`, or null when its pins are absent. */
export function createRelayDriver(board: Board, config: RelayConfig): RelayDriver | null {
  const contact = config.useContact ? board.relayContact : undefined;
  if (config.kind === "latching") {
    if (!board.relaySetCoil || !board.relayResetCoil) return null;
    return new LatchingRelay(board.relaySetCoil, board.relayResetCoil, board.clock, contact, config);
  }
  if (!board.relayOutput) return null;
  return new MonostableRelay(board.relayOutput, board.clock, contact, config, config.monostableClosedLevel);
}
