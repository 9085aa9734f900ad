/**
 * Bundled into xsnap by xs.test.ts: the portable crypto and the DLMS security primitives on the
 * XS engine, computing the same values the Node tests check (GCM spec case 4, RFC 3394 4.1, the
 * part E proof).
 */
import { PortableCrypto, aesKeyWrap, gcmDecrypt, gcmEncrypt } from "../../../firmware/comms/crypto";
import { hlsGmacProof } from "../../../firmware/comms/dlms/security/hls-gmac";

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => (x < 16 ? "0" : "") + x.toString(16)).join("");

export function runCryptoInXs(): Record<string, string | boolean> {
  const c = new PortableCrypto();
  const k = hex("feffe9928665731c6d6a8f9467308308");
  const iv = hex("cafebabefacedbaddecaf888");
  const aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const plain = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const sealed = gcmEncrypt(c, k, iv, aad, plain, 16);
  const opened = gcmDecrypt(c, k, iv, aad, sealed, 16);
  const tampered = sealed.slice();
  tampered[3] ^= 1;
  const keys = { encryptionKey: hex("000102030405060708090a0b0c0d0e0f"), authenticationKey: hex("d0d1d2d3d4d5d6d7d8d9dadbdcdddedf") };
  return {
    gcm: toHex(sealed),
    roundTrip: opened !== null && toHex(opened) === toHex(plain),
    tamperedRejected: gcmDecrypt(c, k, iv, aad, tampered, 16) === null,
    wrap: toHex(aesKeyWrap(c, hex("000102030405060708090a0b0c0d0e0f"), hex("00112233445566778899aabbccddeeff"))),
    proof: toHex(hlsGmacProof(c, keys, hex("4775727578313233"), 2, hex("70389cce67b359ac56ab552a158a4522"))),
  };
}

(globalThis as unknown as { runCryptoInXs: typeof runCryptoInXs }).runCryptoInXs = runCryptoInXs;
