/**
 * Registers every feature's scenario event types, event handlers, report sections and live
 * hooks. Import this once before parsing a scenario (the CLI, the tests and the XS harness do).
 */
import "./scenario-events/tamper-pulses";
import "./scenario-events/chip";
import "./report-sections/profiles-events";

import "./scenario-events/disconnector-display";
import "./report-sections/disconnector-display";
import "./scenario-events/tariffs-clock";
import "./report-sections/tariffs-billing";
export {};
