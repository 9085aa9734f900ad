/**
 * The meter's register table: one frozen module table of every register (OBIS, name, unit,
 * scaler, and the owner and property its value is read from; preloaded into flash, no RAM on the
 * device), and readers that take a row index. A descriptor with `.read()` is made only when asked
 * for (MeterRegister: the owner object, the property, the row; behaviour on the prototype), so
 * the table keeps nothing alive per register, and a kept descriptor reads in one call.
 */
import type { MeteringSample } from "../kernel/metering-ic";
import { DERIVED_REGISTER, frozenRows, type RegisterDescriptor, REGISTER_SOURCE, type SourcedRow, type Unit } from "../kernel/register-table";
import { type EnergyRegisters, ENERGY_REGISTERS } from "../metrology/energy-registers";
import { type TariffMetering, TARIFF_REGISTERS } from "../metrology/tariff-metering";
import { MONITORING_REGISTERS, type MonitoringParts } from "../monitoring/monitoring-registers";

function instantRows(): SourcedRow[] {
  const S = REGISTER_SOURCE;
  const row = (obis: string, name: string, unit: Unit, source: number, field: string): SourcedRow => ({ obis, name, unit, scaler: -3, source, field, at: -1 });
  return [
    row("1.0.32.7.0.255", "Voltage", "V", S.instant, "voltageMilliV"),
    row("1.0.31.7.0.255", "Current", "A", S.instant, "currentMilliA"),
    row("1.0.91.7.0.255", "Neutral current", "A", S.instant, "neutralCurrentMilliA"),
    row("1.0.1.7.0.255", "Active power import (P+)", "W", S.instantPositive, "activePowerMilliW"),
    row("1.0.2.7.0.255", "Active power export (P-)", "W", S.instantNegative, "activePowerMilliW"),
    row("1.0.14.7.0.255", "Frequency", "Hz", S.instant, "frequencyMilliHz"),
    row("1.0.3.7.0.255", "Reactive power import (Q+)", "var", S.instantPositive, "reactivePowerMilliVar"),
    row("1.0.4.7.0.255", "Reactive power export (Q-)", "var", S.instantNegative, "reactivePowerMilliVar"),
    row("1.0.9.7.0.255", "Apparent power (S)", "VA", S.instant, "apparentPowerMilliVA"),
    row("1.0.13.7.0.255", "Power factor", "", S.instant, "powerFactorMilli"),
  ];
}

/** Instantaneous values of the latest tick. */
const INSTANT_REGISTERS: readonly SourcedRow[] = frozenRows(instantRows());

/** Every register of the meter, in table order: energy, tariff and demand, instantaneous, monitoring. */
export const METER_REGISTERS: readonly SourcedRow[] = Object.freeze([...ENERGY_REGISTERS, ...TARIFF_REGISTERS, ...INSTANT_REGISTERS, ...MONITORING_REGISTERS]);

/** What the registers are read from (the Meter). */
interface RegisterOwner extends MonitoringParts {
  readonly energy: EnergyRegisters;
  readonly tariffs: TariffMetering;
  readonly instant: MeteringSample;
  readonly board: { readonly clock: { wallClockMs(): number } };
}

type Fields = Record<string, number | Float64Array>;

/** The object a row's `source` names (undefined for derived rows). */
function sourceObject(m: RegisterOwner, source: number): Fields | undefined {
  const S = REGISTER_SOURCE;
  let o: object | undefined;
  switch (source) {
    case S.energy: o = m.energy; break;
    case S.tou: o = m.tariffs.tou; break;
    case S.demand: o = m.tariffs.demand; break;
    case S.billing: o = m.tariffs.billing; break;
    case S.instant:
    case S.instantPositive:
    case S.instantNegative:
      o = m.instant;
      break;
    case S.events: o = m.events; break;
    case S.powerFailures: o = m.powerFailures; break;
    case S.powerQuality: o = m.powerQuality; break;
    case S.gas: o = m.gas; break;
    case S.water: o = m.water; break;
    case S.standardLog: o = m.events.standard; break;
    case S.fraudLog: o = m.events.fraud; break;
    case S.disconnectorLog: o = m.events.disconnector; break;
    case S.powerQualityLog: o = m.events.powerQuality; break;
    case S.communicationLog: o = m.events.communication; break;
    default: o = undefined;
  }
  return o as Fields | undefined;
}

/** A derived row's value now (`code`: DERIVED_REGISTER). */
function derivedValue(m: RegisterOwner, code: number): number {
  return code === DERIVED_REGISTER.profileStatusWord ? m.profiles.statusWord(m.board.clock.wallClockMs()) : NaN;
}

/** The value of METER_REGISTERS[index] now, from its owner (NaN outside the table). No allocation. */
export function readMeterRegister(m: RegisterOwner, index: number): number {
  const row = METER_REGISTERS[index];
  if (row === undefined) return NaN;
  const source = row.source;
  // Energy rows (every profile column) without the switch: the first case of sourceObject.
  const o = source === REGISTER_SOURCE.energy ? (m.energy as unknown as Fields) : sourceObject(m, source);
  if (o === undefined) return derivedValue(m, row.at);
  if (row.at >= 0) return (o[row.field] as Float64Array)[row.at];
  const v = o[row.field] as number;
  if (source === REGISTER_SOURCE.instantPositive) return v > 0 ? v : 0;
  if (source === REGISTER_SOURCE.instantNegative) return v < 0 ? -v : 0;
  return v;
}

/** Row index of `obis` in METER_REGISTERS, -1 if the table has none. */
export function meterRegisterIndex(obis: string): number {
  // One native indexOf over the codes (the same first match as a scan of the rows, which costs XS
  // ~15 computrons a row: ~800 a look-up, 22 of them at power up for the display alone).
  return METER_OBIS.indexOf(obis);
}

/** The OBIS code of each row of METER_REGISTERS, same order (frozen). */
const METER_OBIS: readonly string[] = Object.freeze(METER_REGISTERS.map((row) => row.obis));

/**
 * A register as the report, display, profiles, limiter and COSEM objects see it: the row's
 * constants through the prototype, and `read()` in one call from the object that holds the value
 * (owners and their arrays are created once, with the meter, so holding them is safe).
 */
abstract class MeterRegister implements RegisterDescriptor {
  constructor(readonly index: number) {}
  get obis(): string {
    return METER_REGISTERS[this.index].obis;
  }
  get name(): string {
    return METER_REGISTERS[this.index].name;
  }
  get unit(): Unit {
    return METER_REGISTERS[this.index].unit;
  }
  get scaler(): number {
    return METER_REGISTERS[this.index].scaler;
  }
  abstract read(): number;
}

/** A register held in a property of its owner. */
class FieldRegister extends MeterRegister {
  constructor(index: number, private readonly target: Fields, private readonly field: string) {
    super(index);
  }
  read(): number {
    return this.target[this.field] as number;
  }
}

/** The positive part of a signed property (P+, Q+). */
class PositivePartRegister extends MeterRegister {
  constructor(index: number, private readonly target: Fields, private readonly field: string) {
    super(index);
  }
  read(): number {
    const v = this.target[this.field] as number;
    return v > 0 ? v : 0;
  }
}

/**
 * P+ (the limiter's default register, read every tick): the positive part of the active power
 * without the computed property look-up of PositivePartRegister.
 */
class ActivePowerImportRegister extends MeterRegister {
  constructor(index: number, private readonly sample: MeteringSample) {
    super(index);
  }
  read(): number {
    const v = this.sample.activePowerMilliW;
    return v > 0 ? v : 0;
  }
}

/** The magnitude of the negative part of a signed property (P-, Q-). */
class NegativePartRegister extends MeterRegister {
  constructor(index: number, private readonly target: Fields, private readonly field: string) {
    super(index);
  }
  read(): number {
    const v = this.target[this.field] as number;
    return v < 0 ? -v : 0;
  }
}

/** A register held in an element of a typed array of its owner. */
class ElementRegister extends MeterRegister {
  constructor(index: number, private readonly array: Float64Array, private readonly at: number) {
    super(index);
  }
  read(): number {
    return this.array[this.at];
  }
}

/** A register computed from its owner's state when read. */
class DerivedRegister extends MeterRegister {
  constructor(index: number, private readonly owner: RegisterOwner, private readonly code: number) {
    super(index);
  }
  read(): number {
    return derivedValue(this.owner, this.code);
  }
}

/** The descriptor of METER_REGISTERS[index] of this meter (made for the caller: keep only what you use). */
export function meterRegister(m: RegisterOwner, index: number): MeterRegister {
  const row = METER_REGISTERS[index];
  const o = sourceObject(m, row.source);
  if (o === undefined) return new DerivedRegister(index, m, row.at);
  if (row.at >= 0) return new ElementRegister(index, o[row.field] as Float64Array, row.at);
  if (row.source === REGISTER_SOURCE.instantPositive) return row.field === "activePowerMilliW" ? new ActivePowerImportRegister(index, m.instant) : new PositivePartRegister(index, o, row.field);
  if (row.source === REGISTER_SOURCE.instantNegative) return new NegativePartRegister(index, o, row.field);
  return new FieldRegister(index, o, row.field);
}
