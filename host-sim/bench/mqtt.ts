/**
 * MQTT consumer interface figures for `npm run bench` (issue 18): XS computrons per state
 * publish (budget 6,000 with the JSON building), bytes per publish, the discovery burst, and the
 * metering tick with MQTT on against the same meter without it (budget: 0 added).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCENARIO } from "../cli";
import { bundleForXs } from "../xs/bundle";
import { XsWorker } from "../xs/worker";

export interface XsMqttRun {
  boot: { discovery: number; configs: number; discoveryBytes: number };
  publish: { mean: number; max: number; bytes: number; published: number };
  ticks: { on: number; off: number; onMax: number; offMax: number; count: number };
  changeCheck: number;
  worst: { mean: number; bytes: number };
}

export async function runMqttInXs(): Promise<XsMqttRun> {
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs(join(__dirname, "mqtt-xs", "entry.ts")));
    const boot = (await worker.call<XsMqttRun["boot"]>(`mqttBench.boot(${JSON.stringify(readFileSync(DEFAULT_SCENARIO, "utf8"))})`)).value;
    const publish = (await worker.call<XsMqttRun["publish"]>("mqttBench.publish(100)")).value;
    const ticks = (await worker.call<XsMqttRun["ticks"]>("mqttBench.ticks(600)")).value;
    const changeCheck = (await worker.call<number>("mqttBench.changeCheck(100)")).value;
    const worst = (await worker.call<XsMqttRun["worst"]>("mqttBench.worstCase(50)")).value;
    return { boot, publish, ticks, changeCheck, worst };
  } finally {
    worker.close();
  }
}

export async function bench(): Promise<string[]> {
  const r = await runMqttInXs();
  return [
    `XS computrons per MQTT state publish (state JSON built, encoded into the packet buffer, PUBLISH header, socket write; default scenario): mean ${r.publish.mean.toFixed(0)}, max ${r.publish.max} (budget 6,000)`,
    `  worst case (every value non-zero, 10 digits, every alarm set): mean ${r.worst.mean.toFixed(0)} computrons, ${r.worst.bytes} bytes`,
    `bytes per state publish (QoS 0 PUBLISH, topic dlmslite/00000001/state): ${r.publish.bytes}`,
    `Home Assistant discovery at connect: ${r.boot.configs - 1} retained configs + "online", ${r.boot.discoveryBytes} bytes with the CONNECT, ${r.boot.discovery} computrons (${(r.boot.discovery / r.boot.configs).toFixed(0)} per QoS 1 message)`,
    `XS computrons per metering tick (${r.ticks.count} ticks, the emulated chip's SPI work included in both) with MQTT connected and idle: mean ${r.ticks.on.toFixed(0)}, max ${r.ticks.onMax}; the same meter without MQTT: mean ${r.ticks.off.toFixed(0)}, max ${r.ticks.offMax} — added by MQTT: ${(r.ticks.on - r.ticks.off).toFixed(0)}`,
    `  MQTT's own once-a-second change check (its timer, outside the tick): ${r.changeCheck.toFixed(0)} computrons`,
  ];
}

if (require.main === module) {
  bench().then((lines) => process.stdout.write(lines.join("\n") + "\n"), (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
