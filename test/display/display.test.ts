import { formatFixed, formatText, shortCode } from "../../firmware/display/format";
import { DISPLAY_DATE, DISPLAY_FIRMWARE, DISPLAY_TIME } from "../../firmware/display/display";
import { ALARM } from "../../firmware/kernel/event-codes";
import { readGlyph } from "../../firmware/display/glass";
import { readLcd } from "../../emulation/ht1621/render";
import { DisplayRig } from "./rig";

function cellsText(cells: Uint8Array): string {
  // Put the cells in the main digit field of an empty RAM image (glass.ts layout) and read it back.
  const ram = new Uint8Array(32);
  for (let i = 0; i < cells.length; i++) {
    const g = cells[i];
    const left = (g & 1) | (((g >> 5) & 1) << 1) | (((g >> 4) & 1) << 2) | (((g >> 3) & 1) << 3);
    const right = ((g >> 1) & 1) | (((g >> 6) & 1) << 1) | (((g >> 2) & 1) << 2) | (((g >> 7) & 1) << 3);
    ram[2 * i] = left;
    ram[2 * i + 1] = right;
  }
  expect(readGlyph(ram, 0, 0)).toBe(cells[0]);
  return readLcd(ram).main;
}

describe("number formatting on 8 digits", () => {
  const cells = new Uint8Array(8);
  test.each([
    [123_456_789, -6, 2, "   123.45"], // mWh -> kWh, truncated
    [0, -6, 2, "     0.00"],
    [5, -6, 3, "    0.000"],
    [230_456, -3, 1, "    230.4"],
    [99_999_999_999, -6, 2, " 99999.99"],
    [999_999_999_999, -6, 2, "999999.99"], // exactly 8 digits
    [9_999_999_999_999, -6, 2, "9999999.9"], // one decimal dropped
    [99_999_999_000_000, -6, 2, "99999999"], // integers only
    [-1_234, -3, 3, "   -1.234"],
  ])("%d x 10^%d with %d decimals -> %s", (raw, exponent, decimals, text) => {
    formatFixed(cells, raw, exponent, decimals);
    expect(cellsText(cells)).toBe(text);
  });

  test("too large for 8 digits: dashes", () => {
    expect(formatFixed(cells, 100_000_000_000_000, -6, 2)).toBe(-1);
    expect(cellsText(cells)).toBe("--------");
  });

  test("short codes C.D.E, shortened when longer than 4 digits", () => {
    expect(shortCode("1.0.1.8.1.255")).toBe("1.8.1");
    expect(shortCode("1.0.32.7.0.255")).toBe("32.7.0");
    expect(shortCode("0.0.96.14.0.255")).toBe("96.14");
    expect(shortCode("not-obis")).toBe("");
    formatText(cells, "Err");
    expect(cellsText(cells)).toBe("Err     ");
  });
});

describe("the glass shows every annunciator (decoded from the emulator's RAM)", () => {
  function screen(setup: (rig: DisplayRig) => void, list = ["1.0.1.8.1.255"]): string {
    const rig = new DisplayRig({ autoList: list });
    rig.values["1.0.1.8.1.255"] = 1_500_000;
    setup(rig);
    rig.display.start();
    return rig.text();
  }
  const base = "1.8.1   |      1.50 kWh";
  test.each([1, 2, 3, 4])("tariff T%d", (rate) => {
    expect(screen((r) => (r.values["0.0.96.14.0.255"] = rate))).toBe(`${base} | T${rate}`);
  });
  test("no tariff register value outside 1..4: no rate shown", () => {
    expect(screen((r) => (r.values["0.0.96.14.0.255"] = 0))).toBe(base);
  });
  test("import and export arrows follow the sign of instantaneous power", () => {
    expect(screen((r) => (r.source.instant.activePowerMilliW = 1))).toBe(`${base} | IMPORT`);
    expect(screen((r) => (r.source.instant.activePowerMilliW = -1))).toBe(`${base} | EXPORT`);
  });
  test("relay open, tamper (flag or fraud alarm), communication, clock invalid", () => {
    expect(screen((r) => (r.source.disconnector.outputState = false))).toBe(`${base} | RELAY-OPEN`);
    expect(screen((r) => (r.source.tamper = { tamperFlag: true }))).toBe(`${base} | TAMPER`);
    expect(screen((r) => (r.source.events.alarmRegister = 2 ** ALARM.fraudAttempt))).toBe(`${base} | TAMPER`);
    expect(screen((r) => (r.source.tamper = { tamperFlag: false }))).toBe(base);
    expect(screen((r) => (r.display.communicationActive = true))).toBe(`${base} | COMM`);
    expect(screen((r) => (r.source.clock.invalid = true))).toBe(`${base} | CLOCK-INVALID`);
  });
  test.each([0, 1, 2, 3])("signal with %d bars", (bars) => {
    expect(screen((r) => (r.display.signalBars = bars))).toBe(`${base} | SIGNAL:${bars}`);
  });
  test("all at once, in glass order", () => {
    const text = screen((r) => {
      r.values["0.0.96.14.0.255"] = 3;
      r.source.instant.activePowerMilliW = -5;
      r.source.disconnector.outputState = false;
      r.source.tamper = { tamperFlag: true };
      r.display.communicationActive = true;
      r.source.clock.invalid = true;
      r.display.signalBars = 2;
    });
    expect(text).toBe(`${base} | T3 EXPORT RELAY-OPEN TAMPER COMM CLOCK-INVALID SIGNAL:2`);
  });
  test.each([
    ["1.0.1.7.0.255", 2_345_678, "1.7.0   |     2.345 kW"],
    ["1.0.32.7.0.255", 230_456, "32.7.0  |     230.4 V"],
    ["1.0.31.7.0.255", 5_678, "31.7.0  |      5.67 A"],
    ["7.0.3.0.0.255", 12_345, "3.0.0   |    12.345 m3"],
    ["1.0.14.7.0.255", 49_987, "14.7.0  |     49.98"],
  ])("units: %s", (obis, value, text) => {
    expect(screen((r) => (r.values[obis] = value), [obis])).toBe(text);
  });
  test("time, date and firmware screens", () => {
    // 11:34:56 UTC = 12:34:56 CET on 2 March 2026.
    expect(screen(() => {}, [DISPLAY_TIME])).toBe("0.9.1   |   12:34:56");
    expect(screen(() => {}, [DISPLAY_DATE])).toBe("0.9.2   |   02.03.26");
    expect(screen(() => {}, [DISPLAY_FIRMWARE])).toBe("0.2.0   |      0.1.0");
  });
  test("measurement fault: Err 16 first, then the list; relay failure: Err 68", () => {
    const rig = new DisplayRig({ autoList: ["1.0.1.8.1.255", "1.0.1.8.0.255"] });
    rig.display.start();
    expect(rig.text()).toBe("1.8.1   |      0.00 kWh");
    rig.source.lastIcStatus = "not-responding";
    rig.clock.runUntil(1000);
    expect(rig.text()).toBe("        | Err   16");
    rig.clock.runUntil(9000);
    expect(rig.text()).toBe("1.8.1   |      0.00 kWh");
    rig.source.disconnector.contactMismatch = true;
    rig.clock.runUntil(10_000);
    expect(rig.text()).toBe("        | Err   16");
    rig.clock.runUntil(18_000);
    expect(rig.text()).toBe("        | Err   68");
    rig.source.lastIcStatus = "ok";
    rig.source.disconnector.contactMismatch = false;
    rig.clock.runUntil(19_000);
    expect(rig.text()).toBe("1.8.1   |      0.00 kWh");
  });
  test("list entries the meter does not have are skipped", () => {
    const rig = new DisplayRig({ autoList: ["1.0.99.99.0.255", "1.0.1.8.0.255"], manualList: ["1.0.1.8.1.255", "9.9.9.9.9.9"] });
    rig.display.start();
    expect(rig.display.lists()).toEqual({ auto: ["1.0.1.8.0.255"], manual: ["1.0.1.8.1.255"] });
  });
});
