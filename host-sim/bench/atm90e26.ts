import { Atm90e26Driver } from "../../firmware/drivers/atm90e26/driver";
import { newMeteringSample } from "../../firmware/kernel/metering-ic";
import { SimSpi } from "../board";
import { Atm90e26Bench } from "../calibration/atm90e26";
import { spiPerTick, xsDriverComputrons } from "./chips";

/**
 * ATM90E26 figures: SPI transactions and bytes per tick in the meter (default scenario, IRQ pin
 * wired), the same driver without the IRQ pin (SysStatus read and verified every tick), a tick
 * whose energy read needs the LastData retry, and XS computrons of the driver's sample().
 */
export async function bench(): Promise<string[]> {
  const lines: string[] = [];
  const inMeter = spiPerTick("atm90e26");
  lines.push(`atm90e26 in the meter (IRQ wired): ${inMeter.transactions.toFixed(2)} SPI transactions, ${inMeter.bytes.toFixed(1)} bytes per tick; init ${inMeter.initTransactions} transactions, ${inMeter.initBytes} bytes (24-clock frames, 3 bytes each)`);

  const b = new Atm90e26Bench();
  b.set({ voltage: 230, current: 5, neutralCurrent: 5, angle: 20 });
  const noIrq = new Atm90e26Driver(new SimSpi(b.chip), b.driver.calibration.current);
  noIrq.init();
  const s = newMeteringSample();
  const t0 = noIrq.spiTransactions;
  const ticks = 600;
  for (let i = 0; i < ticks; i++) {
    b.nowMs += 1000;
    noIrq.sample(s);
  }
  const perTick = (noIrq.spiTransactions - t0) / ticks;
  lines.push(`atm90e26 without IRQ pin: ${perTick.toFixed(2)} SPI transactions, ${(perTick * 3).toFixed(1)} bytes per tick`);
  const before = noIrq.spiTransactions;
  b.nowMs += 1000;
  b.chip.injectFault("corrupt-read");
  noIrq.sample(s);
  lines.push(`atm90e26 tick with one corrupted read (LastData retry): ${noIrq.spiTransactions - before} transactions`);
  try {
    lines.push(`atm90e26 XS computrons of the driver's sample() alone: ${(await xsDriverComputrons("atm90e26")).toFixed(0)} per tick`);
  } catch (e) {
    lines.push(`atm90e26 XS computrons not measured (${(e as Error).message})`);
  }
  return lines;
}

if (require.main === module) {
  bench().then((lines) => process.stdout.write(lines.join("\n") + "\n"));
}
