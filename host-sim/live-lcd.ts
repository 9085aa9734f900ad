import { liveHooks } from "./live-hooks";

/** `npm start` status line: the LCD as decoded from the HT1621 emulator's RAM, and the relay. */
liveHooks.status.push((sim) => {
  const t = new Date(sim.clock.wallClockMs()).toISOString().slice(11, 19);
  return `${t}Z LCD [ ${sim.panel.lcdText()} ] relay ${sim.panel.relay.closed ? "closed" : "OPEN"}`;
});
