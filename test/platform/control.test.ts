/**
 * The lin simulator's control port (firmware/platform/lin/control.ts): one command a line, one
 * reply line each. Driven here through a fake Network; in mcsim it is a TCP port on 127.0.0.1.
 */
import { serveControl, type SimulationControl } from "../../firmware/platform/lin/control";
import type { Network, TcpListener, TcpSocket } from "../../firmware/hal/tcp";

class LineSocket implements TcpSocket {
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 5000;
  readonly replies: string[] = [];
  private data: ((d: Uint8Array) => void) | null = null;
  write(b: Uint8Array): number {
    this.replies.push(String.fromCharCode(...b).replace(/\n$/, ""));
    return b.length;
  }
  onData(h: (d: Uint8Array) => void): void {
    this.data = h;
  }
  onClose(): void {}
  close(): void {}
  send(text: string): void {
    this.data!(Uint8Array.from(text, (c) => c.charCodeAt(0)));
  }
}

function open(simulation: SimulationControl): LineSocket {
  let accept: ((s: TcpSocket) => void) | null = null;
  const listener: TcpListener = { onConnection: (h) => (accept = h), close: () => undefined };
  const network: Network = { listen: () => listener, connect: () => { throw new Error("no"); } };
  serveControl(network, 4000, simulation, () => 1234, () => undefined);
  const socket = new LineSocket();
  accept!(socket);
  return socket;
}

const base = { speed: 1, powered: true, setSpeed: () => undefined, run: () => undefined };

describe("lin control port", () => {
  it("answers heap with the firmware machine's figures where the build can measure them", () => {
    let collections = 0;
    const socket = open({ ...base, heap: () => `slots=${4344 + collections++} chunk=47368` });
    socket.send("heap\nheap\n");
    expect(socket.replies).toEqual(["slots=4344 chunk=47368", "slots=4345 chunk=47368"]);
  });

  it("says heap cannot be measured without a heap source, and lists heap among the commands", () => {
    const socket = open(base);
    socket.send("heap\nheap now\nstatus\n");
    expect(socket.replies).toEqual([
      "error: this build cannot measure its heap",
      'error: unknown command "heap now" (speed <n>|max, run <seconds>, status, heap)',
      "t=1234 speed=1 powered=1",
    ]);
  });
});
