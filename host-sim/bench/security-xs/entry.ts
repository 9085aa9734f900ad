/**
 * Bundled into xsnap by host-sim/bench/security.ts: the meter's DLMS server with the management
 * association, fed WRAPPER frames through a fake socket. Only the server's handling of a frame is
 * metered (deciphering, HLS checks, the service, ciphering the answer, persisting the counters);
 * the client side (built here with the same primitives) and the flash emulator are not.
 */
import { MeterApp } from "../../../firmware/app/meter-app";
import { defaultDlmsConfig } from "../../../firmware/comms/dlms";
import { createMeterDlmsServer } from "../../../firmware/app/meter-server";
import { hlsGmacProof, parseCipheredApdu, protectContent, unprotectContent, wrapGlo, type CipherKeys } from "../../../firmware/comms/dlms/security";
import { PortableCrypto, gcmEncrypt } from "../../../firmware/comms/crypto";
import { parseScenario } from "../../event-types";
import { Simulation } from "../../simulation";
import { BenchSocket } from "../../xs/bench-socket";
import { swapMeter } from "../../xs/metering";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const KEYS: CipherKeys = { encryptionKey: hex("000102030405060708090A0B0C0D0E0F"), authenticationKey: hex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF") };
const CLIENT_TITLE = hex("4D4D4D0000000001");

function frame(apdu: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(8 + apdu.length);
  out.set([0, 1, 0, 1, 0, 1, apdu.length >> 8, apdu.length & 0xff]);
  out.set(Array.from(apdu), 8);
  return out;
}

function ber(tag: number, content: number[]): number[] {
  return [tag, content.length, ...content];
}

export class SecurityXsBench {
  sim!: Simulation;
  socket = new BenchSocket();
  private readonly crypto = new PortableCrypto();
  private ic = 1;
  private serverTitle: Uint8Array = new Uint8Array(8);

  boot(scenarioJson: string): void {
    this.sim = new Simulation(parseScenario(JSON.parse(scenarioJson)), { config: { tickMs: 10_000, dlms: { ...defaultDlmsConfig(), refuseDefaultSecrets: false } }, firmware: (board, config) => new MeterApp(board, config) });
    this.sim.runFor(3_600_000);
    // The flash stands for silicon: its emulation is not firmware work.
    const flash = this.sim.board.flash as unknown as Record<string, (...a: unknown[]) => unknown> | undefined;
    if (flash) {
      for (const name of ["read", "write", "eraseSector"]) {
        const original = flash[name].bind(flash);
        flash[name] = (...a: unknown[]) => {
          const firmware = swapMeter(0);
          const r = original(...a);
          swapMeter(firmware);
          return r;
        };
      }
    }
    const security = this.sim.app.security!;
    this.serverTitle = security.security.serverSystemTitle;
    const server = createMeterDlmsServer(this.sim.meter, this.sim.config.dlms, { security });
    server.attach(this.socket);
  }

  /** Computrons of the server handling one frame. */
  private feed(bytes: Uint8Array): number {
    swapMeter(0);
    this.socket.handler!(bytes);
    return swapMeter(0);
  }

  private cipher(plain: number[]): Uint8Array {
    const p = Uint8Array.from(plain);
    return wrapGlo(p[0], protectContent(this.crypto, KEYS, CLIENT_TITLE, 0x30, this.ic++, p));
  }

  private open(apdu: Uint8Array): Uint8Array {
    const parsed = parseCipheredApdu(apdu);
    if (!parsed) throw new Error(`not a ciphered answer: ${Array.from(apdu.subarray(0, 4)).join(" ")}`);
    const opened = unprotectContent(this.crypto, KEYS, this.serverTitle, parsed.content);
    if (typeof opened === "string") throw new Error(`answer does not open: ${opened}`);
    return opened.apdu;
  }

  /** One HLS-GMAC association (AARQ + pass 3/4): server computrons of each part. */
  handshake(): { aarq: number; pass3: number; total: number } {
    const ctos = hex("0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20");
    const initiate = [0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f, 0x04, 0x00, 0x40, 0x1e, 0x5d, 0x04, 0x00];
    const oid = [0x60, 0x85, 0x74, 0x05, 0x08];
    const body = [
      ...ber(0xa1, ber(0x06, [...oid, 1, 3])), ...ber(0xa6, ber(0x04, Array.from(CLIENT_TITLE))), ...ber(0x8a, [0x07, 0x80]),
      ...ber(0x8b, [...oid, 2, 5]), ...ber(0xac, ber(0x80, Array.from(ctos))), ...ber(0xbe, ber(0x04, Array.from(this.cipher(initiate)))),
    ];
    const aarq = this.feed(frame(ber(0x60, body)));
    const aare = this.socket.last.subarray(8);
    // StoC: the AA element (80 len challenge).
    let stoc: Uint8Array | null = null;
    for (let i = 0; i < aare.length - 2; i++) if (aare[i] === 0xaa && aare[i + 2] === 0x80) stoc = aare.slice(i + 4, i + 4 + aare[i + 3]);
    if (!stoc || aare[0] !== 0x61) throw new Error("no HLS AARE");
    const proof = hlsGmacProof(this.crypto, KEYS, CLIENT_TITLE, this.ic++, stoc);
    const action = [0xc3, 0x01, 0xc1, 0x00, 0x0f, 0, 0, 40, 0, 0, 255, 0x01, 0x01, 0x09, proof.length, ...proof];
    const pass3 = this.feed(frame(this.cipher(action)));
    const reply = this.open(this.socket.last.subarray(8));
    if (reply[0] !== 0xc7 || reply[3] !== 0) throw new Error(`pass 3 refused: ${Array.from(reply).join(" ")}`);
    return { aarq, pass3, total: aarq + pass3 };
  }

  /** Server computrons of one glo-ciphered GET of 1.0.1.8.0.255 attribute 2 (mean over n). */
  cipheredGet(n: number): { mean: number; max: number; reply: number[] } {
    let sum = 0;
    let max = 0;
    let reply: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < n; i++) {
      const c = this.feed(frame(this.cipher([0xc0, 0x01, 0xc1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 2, 0])));
      sum += c;
      if (c > max) max = c;
      reply = this.open(this.socket.last.subarray(8));
    }
    return { mean: sum / n, max, reply: Array.from(reply) };
  }

  release(): number {
    return this.feed(frame([0x62, 0x03, 0x80, 0x01, 0x00]));
  }

  /** Primitive costs: one AES-128 block, and a 12-byte-tag GCM seal of `bytes` bytes (key already expanded). */
  primitives(bytes: number): { aesBlock: number; gcm: number; keyExpansion: number } {
    const block = new Uint8Array(16);
    const c = new PortableCrypto();
    swapMeter(0);
    c.aesEncryptBlock(KEYS.encryptionKey, block);
    const keyExpansion = swapMeter(0);
    c.aesEncryptBlock(KEYS.encryptionKey, block);
    const aesBlock = swapMeter(0);
    const iv = new Uint8Array(12);
    const plain = new Uint8Array(bytes);
    const aad = new Uint8Array(17);
    swapMeter(0);
    gcmEncrypt(c, KEYS.encryptionKey, iv, aad, plain, 12);
    const gcm = swapMeter(0);
    return { aesBlock, gcm, keyExpansion: keyExpansion - aesBlock };
  }
}

(globalThis as unknown as { securityBench: SecurityXsBench }).securityBench = new SecurityXsBench();
