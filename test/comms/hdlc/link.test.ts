/** The link's answers to frames a well-behaved client does not send: FRMR, DM, UI, other addresses. */
import { decodeFrame, encodeFrame, HdlcFrameFields } from "../../../firmware/comms/hdlc/frame";
import { meterSim, toHex } from "../dlms/helpers";
import { opticalRig } from "./rig";

const METER = { upper: 1, lower: 0, size: 1 };

function frame(control: number, info: number[] | null = null, client = 17, destination = METER): Uint8Array {
  const i = info ? Uint8Array.from(info) : null;
  const out = new Uint8Array((info?.length ?? 0) + 16);
  return out.slice(0, encodeFrame(out, destination, { upper: client, lower: 0, size: 1 }, control, false, i, 0, i?.length ?? 0));
}

/** Control field and information of the meter's last frame. */
function last(toClient: Uint8Array[]): { control: number; info: string; to: number } {
  const b = toClient[toClient.length - 1];
  const f = new HdlcFrameFields();
  if (!decodeFrame(b, 1, b.length - 1, f)) throw new Error(`malformed ${toHex(b)}`);
  return { control: f.control, info: toHex(b.subarray(f.infoStart, f.infoEnd)), to: f.destination.upper };
}

describe("HDLC link: rejects and refusals", () => {
  const sim = meterSim(0);

  it("FRMR for an unknown command (W), an information field above the negotiated size (Y) and a wrong N(R) (Z), until SNRM", async () => {
    const r = opticalRig(sim, { maxInfo: 32 });
    await r.hdlc.connect();
    r.serial.deliver(frame(0x73), null); // UA is no command
    expect(last(r.toClient)).toEqual({ control: 0x97, info: "73 00 01", to: 17 });
    r.serial.deliver(frame(0x11), null); // RR: the link stays in the frame-reject condition
    expect(last(r.toClient)).toEqual({ control: 0x97, info: "73 00 01", to: 17 });
    await r.hdlc.connect();
    r.serial.deliver(frame(0x10, new Array(40).fill(0xe6)), null);
    expect(last(r.toClient)).toEqual({ control: 0x97, info: "10 00 04", to: 17 });
    await r.hdlc.connect();
    r.serial.deliver(frame(0xb1), null); // RR N(R)=5, nothing sent yet
    expect(last(r.toClient)).toEqual({ control: 0x97, info: "B1 00 08", to: 17 });
    // DISC leaves the condition; the link is then disconnected.
    r.serial.deliver(frame(0x53), null);
    expect(last(r.toClient).control).toBe(0x73);
    expect(r.port.link.connected).toBe(false);
    expect(r.port.link.stats.frmr).toBe(4);
  });

  it("DM to commands while disconnected and to another client while connected; UI and other addresses ignored", async () => {
    const r = opticalRig(sim);
    r.serial.deliver(frame(0x53), null);
    expect(last(r.toClient)).toEqual({ control: 0x1f, info: "", to: 17 });
    await r.hdlc.connect();
    r.serial.deliver(frame(0x11, null, 16), null); // client 16 polls while 17 holds the link
    expect(last(r.toClient)).toEqual({ control: 0x1f, info: "", to: 16 });
    const n = r.toClient.length;
    r.serial.deliver(frame(0x13, [1, 2, 3]), null); // UI
    r.serial.deliver(frame(0x11, null, 17, { upper: 2, lower: 0, size: 1 }), null); // logical device 2
    r.serial.deliver(frame(0x11, null, 17, { upper: 1, lower: 9, size: 2 }), null); // physical address 9
    expect(r.toClient.length).toBe(n);
    r.serial.deliver(frame(0x11, null, 17, { upper: 1, lower: 1, size: 4 }), null); // the 4-byte form of our address
    expect(last(r.toClient).control).toBe(0x11);
    expect(r.port.link.connected).toBe(true);
  });

  it("a frame cut by a gap longer than the inter-octet timeout is discarded; the next whole frame is served", async () => {
    const r = opticalRig(sim);
    await r.hdlc.connect();
    const rr = frame(0x11);
    const n = r.toClient.length;
    r.serial.deliver(rr.subarray(0, 5), null);
    sim.clock.runUntil(sim.clock.nowMs() + 30);
    r.serial.deliver(rr.subarray(5), null);
    expect(r.toClient.length).toBe(n);
    r.serial.deliver(rr.subarray(0, 5), null);
    sim.clock.runUntil(sim.clock.nowMs() + 10);
    r.serial.deliver(rr.subarray(5), null);
    expect(last(r.toClient).control).toBe(0x11);
  });
});
