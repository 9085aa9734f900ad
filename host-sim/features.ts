/**
 * Registers every feature's scenario event types, event handlers, report sections and live
 * hooks. Import this once before parsing a scenario (the CLI, the tests and the XS harness do).
 */
import "./grid/event-types/tamper-pulses";
import "./grid/event-types/chip";
import "./report-sections/profiles-events";

import "./grid/event-types/disconnector-display";
import "./report-sections/disconnector-display";
import "./grid/event-types/tariffs-clock";
import "./report-sections/tariffs-billing";
export {};
