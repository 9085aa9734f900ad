/** Digital input port (ECMA-419 `embedded:io/digital` in an input mode). */
export interface DigitalIn {
  /** Current level, 0 or 1. */
  read(): number;
  /**
   * Edge callback: called with the new level on every change (ECMA-419 `onReadable` with
   * `edge: Rising | Falling`). Pass null to stop. One handler per input.
   */
  onChange(handler: ((level: number) => void) | null): void;
}

/** Digital output port (ECMA-419 `embedded:io/digital` in Output mode). */
export interface DigitalOut {
  write(level: number): void;
}
