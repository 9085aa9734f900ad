/**
 * Registers every feature's scenario event types, event handlers, report sections and live
 * hooks. Import this once before parsing a scenario (the CLI, the tests and the XS harness do).
 */
export {};
