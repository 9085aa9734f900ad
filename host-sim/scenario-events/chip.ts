/**
 * Scenario events for the metering IC, whichever chip the scenario uses (both emulators
 * implement FaultInjectable, host-sim/emulators/faults.ts):
 *   { "at": "2h", "type": "chip-reset" }                                 brown-out / reset pin
 *   { "at": "3h", "type": "spi-fault", "kind": "dead-low", "duration": "10s" }
 * kinds: shifted (wrong SPI mode), dead-low (MISO stuck at 0), dead-high (0xFF), drop-write
 * (writes lost), corrupt-read (one corrupted read; with a duration, one per second of it).
 */
import { SPI_FAULT_KINDS, type SpiFaultKind } from "../../emulation/faults";
import type { EventTypeDefiner } from "../event-types";
import { ScenarioError } from "../../emulation/scenario/duration";

/** Adds this file's scenario event types (their fields and what they do) to the simulator's table (host-sim/event-types.ts). */
export function defineChipEvents({ registerEventType, onEvent }: EventTypeDefiner): void {
  registerEventType("chip-reset", { fields: {}, physical: true });

  registerEventType("spi-fault", {
    fields: { kind: "string", duration: "duration" },
    required: ["kind"],
    physical: true,
    validate(fields) {
      const kind = fields.kind as string;
      if (!(SPI_FAULT_KINDS as readonly string[]).includes(kind)) throw new ScenarioError(`spi-fault "kind" must be one of ${SPI_FAULT_KINDS.join(", ")}, got ${JSON.stringify(kind)}`);
      if (kind !== "corrupt-read" && fields.duration === undefined) throw new ScenarioError(`spi-fault of kind "${kind}" needs a "duration"`);
    },
  });

  onEvent("chip-reset", (sim) => {
    sim.chip.injectReset();
  });

  onEvent("spi-fault", (sim, event) => {
    const kind = event.fields.kind as SpiFaultKind;
    const duration = (event.fields.duration as number | undefined) ?? 0;
    sim.chip.injectFault(kind);
    if (kind === "corrupt-read") {
      for (let t = 1000; t < duration; t += 1000) sim.clock.schedule(() => sim.chip.injectFault("corrupt-read"), t);
      return;
    }
    sim.clock.schedule(() => sim.chip.clearFault(kind), duration);
  });
}
