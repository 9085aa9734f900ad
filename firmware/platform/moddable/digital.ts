import type { DigitalIn, DigitalOut } from "../../hal/digital";
import type { DigitalClass, DigitalIo } from "./ecma419";

/**
 * A DigitalIn port on an ECMA-419 Digital input with both edges. The IO instance is created once
 * (a pin can belong to one IO instance only); `onChange` swaps the handler it forwards to.
 */
/** The callback of every input: ECMA-419 calls it with the IO instance, whose `target` is the port (no closure per pin). */
function inputReadable(this: DigitalIo & { readonly target: Ecma419DigitalIn }): void {
  this.target.changed(this.read());
}

export class Ecma419DigitalIn implements DigitalIn {
  private handler: ((level: number) => void) | null = null;
  private readonly io: DigitalIo;

  constructor(Digital: DigitalClass, pin: number, pullUp = true) {
    this.io = new Digital({
      pin,
      mode: pullUp ? Digital.InputPullUp : Digital.Input,
      edge: Digital.Rising | Digital.Falling,
      target: this,
      onReadable: inputReadable,
    });
  }

  /** An edge: the level goes to the handler. */
  changed(level: number): void {
    this.handler?.(level);
  }

  read(): number {
    return this.io.read();
  }

  onChange(handler: ((level: number) => void) | null): void {
    this.handler = handler;
  }
}

export class Ecma419DigitalOut implements DigitalOut {
  private readonly io: DigitalIo;
  constructor(Digital: DigitalClass, pin: number, initial: 0 | 1 = 0) {
    this.io = new Digital({ pin, mode: Digital.Output });
    this.io.write(initial);
  }
  write(level: number): void {
    this.io.write(level ? 1 : 0);
  }
}
