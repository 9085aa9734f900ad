/**
 * The consumer interface (issue 18) built for a Meter: its readings are the meter's register table,
 * relay, clock and alarm register; its events come from the event logs. Built only when the
 * configuration switches it on and the board has a network. The management client's switch and
 * interval (mqtt-objects.ts) are saved in the state journal.
 */
import type { Meter } from "./meter";
import { DISCONNECTOR_EVENT } from "../control/disconnector";
import { ALARM } from "../kernel/event-codes";
import { STORE_EVENT } from "./persistence";
import { RATE_COUNT } from "../metrology/energy-registers";
import { eventNameTable, MqttTelemetry } from "../comms/mqtt/index";

/** Built once at load: preloaded, so in flash on the ESP32. */
const EVENT_NAMES = eventNameTable(DISCONNECTOR_EVENT, STORE_EVENT);

/** The meter's readings for the consumer interface: methods on a prototype (flash), one small object in RAM. */
class MeterReadings {
  constructor(private readonly meter: Meter) {}
  register(obis: string): { read(): number } | undefined {
    return this.meter.register(obis);
  }
  relayConnected(): boolean {
    return this.meter.disconnector.outputState;
  }
  nowUtcMs(): number {
    return this.meter.clock.nowUtcMs();
  }
  offsetMinutesAt(utcMs: number): number {
    return this.meter.clock.offsetMinutesAt(utcMs);
  }
  alarmRegister(): number {
    return this.meter.events.alarmRegister;
  }
}

/** The switch and the interval in the state journal: methods on a prototype (flash), no closures in RAM. */
class MqttSettingsState {
  readonly id = "mqtt";
  readonly essential = false;
  readonly save = "immediate";
  constructor(private readonly telemetry: MqttTelemetry) {}
  snapshot(): number[] {
    return [this.telemetry.config.enabled ? 1 : 0, this.telemetry.config.intervalS];
  }
  restore(s: number[]): void {
    this.telemetry.restoreSettings(s[0] === 1, s[1]);
  }
}

export function createMeterMqtt(meter: Meter): MqttTelemetry | null {
  const config = meter.config;
  const board = meter.board;
  if (!config.mqtt.enabled || !board.network) return null;
  let telemetry: MqttTelemetry;
  try {
    telemetry = new MqttTelemetry({ ...config.mqtt }, {
      clock: board.clock,
      network: board.network,
      log: board.log,
      readings: new MeterReadings(meter),
      events: meter.events,
      eventNames: EVENT_NAMES,
      alarmBits: ALARM,
      serialNumber: config.serialNumber,
      firmwareId: config.firmwareId,
      model: `DLMS-lite ESP32 meter (${config.chip.toUpperCase()})`,
      rates: RATE_COUNT,
    });
  } catch (e) {
    board.log.error((e as Error).message);
    return null;
  }
  const handle = meter.persistence.register(new MqttSettingsState(telemetry));
  telemetry.settingsRecord = handle;
  return telemetry;
}
