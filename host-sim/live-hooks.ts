import type { CliOptions } from "./cli";
import type { Simulation } from "./simulation";

/** Hooks features use to attach to a running simulator (DLMS server, LCD drawing). */
export interface LiveHooks {
  started: ((sim: Simulation, options: CliOptions) => void)[];
  status: ((sim: Simulation) => string)[];
  stopping: ((sim: Simulation) => void)[];
}
export const liveHooks: LiveHooks = { started: [], status: [], stopping: [] };
