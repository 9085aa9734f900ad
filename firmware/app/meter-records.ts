/**
 * The energy and demand records of the meter's persisted states (split from meter-persistence.ts):
 * both write themselves in place into the emergency save's final record (BytesState.encodeInto).
 */
import { decodeNumberRecord, encodeNumberRecord, encodeNumberRecordInto, isNumberRecord } from "../storage/number-record";
import { decodeValue, encodeValue } from "../storage/value-codec";
import type { BytesState } from "../storage/persistence-types";
import type { EnergyRegisters, EnergySnapshot } from "../metrology/energy-registers";
import type { MeterClock } from "../time/clock";
import type { TariffMetering } from "../metrology/tariff-metering";
import { DEMAND_RECORD_MAGIC, DEMAND_RECORD_VERSION } from "./state-codecs";

/** An energy record of the generic value codec (older firmware). */
function decodeLegacyEnergy(bytes: Uint8Array): EnergySnapshot {
  return decodeValue(bytes) as EnergySnapshot;
}

/** The energy registers' record (energy-registers.ts, numbers only): the emergency save's largest. */
export class EnergyRecord implements BytesState {
  readonly id = "energy";
  readonly essential = true;
  readonly save = "periodic";
  constructor(private readonly energy: EnergyRegisters) {}
  encode(): Uint8Array {
    return this.energy.encode();
  }
  encodeInto(out: Uint8Array, view: DataView, start: number): number {
    return this.energy.encodeInto(out, view, start);
  }
  decode(bytes: Uint8Array): void {
    // Older value-codec records still restore.
    this.energy.decode(bytes, decodeLegacyEnergy);
  }
}

/** The demand period in progress: a sub-period that ended during the outage is closed at its end. */
export class DemandRecord implements BytesState {
  readonly id = "demand";
  readonly essential = false;
  readonly save = "periodic";
  constructor(private readonly tariffs: TariffMetering, private readonly clock: MeterClock) {}
  encode(): Uint8Array {
    const s = this.tariffs.demand.snapshotPeriod();
    return encodeNumberRecord(DEMAND_RECORD_MAGIC, DEMAND_RECORD_VERSION, s) ?? encodeValue(s);
  }
  encodeInto(out: Uint8Array, view: DataView, start: number): number {
    return encodeNumberRecordInto(out, start, DEMAND_RECORD_MAGIC, DEMAND_RECORD_VERSION, this.tariffs.demand.snapshotPeriod());
  }
  decode(b: Uint8Array): void {
    const s = isNumberRecord(b, DEMAND_RECORD_MAGIC) ? decodeNumberRecord(b, DEMAND_RECORD_MAGIC, DEMAND_RECORD_VERSION, "demand") : (decodeValue(b) as number[]);
    const tou = this.tariffs.tou;
    this.tariffs.demand.restorePeriod(s, this.clock.nowUtcMs(), (utc) => tou.tariffAt(utc));
  }
}
