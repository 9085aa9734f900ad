/**
 * Bundled into xsnap by xs.test.ts: the image check in the XS engine. A signed image (made by the
 * test with Node) is received block by block, out of order, into an emulated OTA slot and verified
 * with the firmware's SHA-256 and ECDSA P-256; the same with a flipped signature bit.
 */
import { ImageTransfer, IMAGE_STATUS } from "../../firmware/update/image-transfer";
import { Sha256 } from "../../firmware/comms/crypto/sha256";
import { EmulatedOtaSlots } from "../../emulation/flash/ota-slots";
import { VirtualClock } from "../../emulation/virtual-clock";

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => (x < 16 ? "0" : "") + x.toString(16)).join("");

function check(image: Uint8Array, key: Uint8Array): { status: number; failure: string | null } {
  const slots = new EmulatedOtaSlots(8);
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const t = new ImageTransfer(slots.slots[1], clock, {
    blockSize: 200,
    target: { board: "host-sim", chip: "emulated" },
    publicKey: () => key,
    runningVersion: () => 0x000100,
    verifyChunkBytes: 1 << 20,
  });
  t.initiate(Uint8Array.of(0x41), image.length);
  const blocks = Math.ceil(image.length / 200);
  for (let n = blocks - 1; n >= 0; n--) t.block(n, image, n * 200, Math.min(image.length, n * 200 + 200));
  t.block(0, image, 0, 200);
  return { status: t.verify(), failure: t.lastFailure };
}

export function runUpdateInXs(imageHex: string, keyHex: string): Record<string, string | number | null> {
  const image = hex(imageHex);
  const good = check(image, hex(keyHex));
  const tampered = image.slice();
  tampered[tampered.length - 3] ^= 1;
  const bad = check(tampered, hex(keyHex));
  return {
    sha: toHex(new Sha256().update(image).digest()),
    goodStatus: good.status,
    badStatus: bad.status,
    badFailure: bad.failure,
    verified: IMAGE_STATUS.verificationSuccessful,
  };
}

(globalThis as unknown as { runUpdateInXs: typeof runUpdateInXs }).runUpdateInXs = runUpdateInXs;
