/**
 * The simulator's control port on lin (mcconfig ... simControlPort=<port>): one command per line,
 * one reply line each, so a test or a person (`nc 127.0.0.1 <port>`) can drive simulated time:
 *   speed <n>|max|0   free-running speed from now on (virtual ms per real ms); 0 pauses
 *   run <seconds>     runs that much simulated time as fast as the firmware keeps up, then answers
 *                     (the free-running speed resumes)
 *   status            the simulated time, speed and whether the firmware is powered
 *   heap              the firmware machine's heap after a full garbage collection: the slots and
 *                     chunk bytes the running meter keeps alive (debug and instrumented builds)
 * Anything else answers "error: ..." (one line) and changes nothing.
 */
import type { Network, TcpSocket } from "../../hal/tcp";

export interface SimulationControl {
  setSpeed(value: number): void;
  readonly speed: number;
  run(ms: number, done: (nowMs: number) => void): void;
  readonly powered: boolean;
  /** After a full collection: "slots=<n> chunk=<bytes>" (undefined where the build cannot measure). */
  readonly heap?: () => string;
}

const MAX_LINE = 80;

export function serveControl(network: Network, port: number, simulation: SimulationControl, nowMs: () => number, trace: (text: string) => void): void {
  const listener = network.listen(port, "127.0.0.1");
  listener.onConnection((socket) => attach(socket, simulation, nowMs));
  trace(`mcsim: control port ${port} (speed <n>|max, run <seconds>, status, heap)\n`);
}

function reply(socket: TcpSocket, text: string): void {
  const bytes = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0x7f;
  bytes[text.length] = 10;
  socket.write(bytes);
}

function attach(socket: TcpSocket, simulation: SimulationControl, nowMs: () => number): void {
  let line = "";
  socket.onData((data) => {
    for (let i = 0; i < data.length; i++) {
      const c = data[i];
      if (c === 10) {
        command(socket, line.trim(), simulation, nowMs);
        line = "";
      } else if (c !== 13) {
        if (line.length >= MAX_LINE) {
          reply(socket, "error: line too long");
          line = "";
          continue;
        }
        line += String.fromCharCode(c);
      }
    }
  });
  socket.onClose(() => socket.close());
}

function status(simulation: SimulationControl, nowMs: () => number): string {
  return `t=${nowMs()} speed=${simulation.speed === Infinity ? "max" : simulation.speed} powered=${simulation.powered ? 1 : 0}`;
}

function command(socket: TcpSocket, text: string, simulation: SimulationControl, nowMs: () => number): void {
  const words = text.split(" ").filter((w) => w !== "");
  const verb = words[0] ?? "";
  const arg = words[1] ?? "";
  if (verb === "status" && words.length === 1) return reply(socket, status(simulation, nowMs));
  if (verb === "heap" && words.length === 1) return reply(socket, simulation.heap ? simulation.heap() : "error: this build cannot measure its heap");
  if (verb === "speed" && words.length === 2) {
    const value = arg === "max" ? Infinity : Number(arg);
    if (value !== Infinity && !(Number.isFinite(value) && value >= 0)) return reply(socket, `error: speed must be a number >= 0 or max, got "${arg}"`);
    simulation.setSpeed(value);
    return reply(socket, status(simulation, nowMs));
  }
  if (verb === "run" && words.length === 2) {
    const seconds = Number(arg);
    if (!(Number.isFinite(seconds) && seconds > 0)) return reply(socket, `error: run needs a number of seconds > 0, got "${arg}"`);
    simulation.run(seconds * 1000, () => reply(socket, status(simulation, nowMs)));
    return;
  }
  reply(socket, `error: unknown command "${text.slice(0, 40)}" (speed <n>|max, run <seconds>, status, heap)`);
}
