import { BlockCipher, Digest, GHASH, Mode } from "crypt";
import type { Crypto, Sha256Hash } from "../../hal/crypto";
import { DigestSha256 } from "./digest-sha256";

/**
 * The crypto port on the Moddable SDK: native AES (`crypt` BlockCipher, mbedTLS/ESP32 hardware
 * where the port has it), its CTR mode and its GHASH, put together into GCM here (SP 800-38D)
 * so that a message is ciphered in place with buffers made once per key: the SDK's own
 * `gcm.js` builds a new CTR mode, a BigInt and four to six ArrayBuffer copies of the message for
 * every call, which the ESP32's fixed heap cannot spare during a management association.
 *
 * Per message: GHASH restarts from its stored post-AAD state when the AAD is the key's last one
 * (SC || AK, the same for every APDU), CTR runs through a 256-byte buffer (the native mode
 * writes only to the start of an ArrayBuffer), and GHASH reads that aligned buffer, never an
 * arbitrary offset of the caller's bytes (the native GHASH loads 64-bit words).
 */
const PIECE = 256;
/** Keys kept set up: the unicast key for GCM; the master key for key wrap. */
const CACHE_SIZE = 2;

interface NativeKey {
  key: Uint8Array;
  cipher: BlockCipher;
  ctr: Mode;
  /** H = E(K, 0^128). */
  h: ArrayBuffer;
  ghash: GHASH | null;
  /** The AAD the GHASH was set up with (its post-AAD state is what `reset()` returns to). */
  aad: Uint8Array;
}

/**
 * The working buffers, made at the first use (a meter that never sees a management association
 * never holds them): two ArrayBuffers, since the native calls read and write whole buffers from
 * their start. `counter` holds J0 (= IV || 0^31 || 1, then inc32(J0) for the CTR mode); `piece`
 * takes the CTR output, then E(K, J0) and single AES blocks.
 */
class Buffers {
  readonly counter = new ArrayBuffer(16);
  readonly counterBytes = new Uint8Array(this.counter);
  readonly piece = new ArrayBuffer(PIECE);
  readonly pieceBytes = new Uint8Array(this.piece);
}

export class ModdableCrypto implements Crypto {
  private readonly keys: NativeKey[] = [];
  private buffers: Buffers | null = null;

  gcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, bytes: Uint8Array, start: number, end: number, tagLength: number): void {
    checkRange(bytes, start, end, tagLength);
    const b = this.working();
    const k = this.start(key, iv, aad, b);
    const ghash = k.ghash!;
    const piece = b.pieceBytes;
    for (let p = start; p < end; p += PIECE) {
      const n = end - p < PIECE ? end - p : PIECE;
      const text = n === PIECE ? piece : piece.subarray(0, n);
      k.ctr.encrypt(bytes.subarray(p, p + n), b.piece);
      bytes.set(text, p);
      ghash.write(text);
    }
    this.tag(k, b, bytes, end, tagLength);
  }

  gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, bytes: Uint8Array, start: number, end: number, tagLength: number): boolean {
    checkRange(bytes, start, end, tagLength);
    const b = this.working();
    const k = this.start(key, iv, aad, b);
    const ghash = k.ghash!;
    const piece = b.pieceBytes;
    for (let p = start; p < end; p += PIECE) {
      const n = end - p < PIECE ? end - p : PIECE;
      piece.set(bytes.subarray(p, p + n));
      ghash.write(n === PIECE ? piece : piece.subarray(0, n));
    }
    // The expected tag goes to the piece's last 16 bytes (the mask takes its first 16).
    this.tag(k, b, piece, PIECE - 16, tagLength);
    let diff = 0;
    for (let i = 0; i < tagLength; i++) diff |= piece[PIECE - 16 + i] ^ bytes[end + i];
    if (diff !== 0) return false;
    for (let p = start; p < end; p += PIECE) {
      const n = end - p < PIECE ? end - p : PIECE;
      k.ctr.decrypt(bytes.subarray(p, p + n), b.piece);
      bytes.set(n === PIECE ? piece : piece.subarray(0, n), p);
    }
    return true;
  }

  aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    return this.blockOp(key, block, true);
  }

  aesDecryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    return this.blockOp(key, block, false);
  }

  createSha256(): Sha256Hash {
    return new DigestSha256(new Digest("SHA256"));
  }

  private blockOp(key: Uint8Array, block: Uint8Array, encrypt: boolean): Uint8Array {
    if (block.length !== 16) throw new RangeError(`AES block must be 16 bytes, not ${block.length}`);
    const k = this.key(key);
    const b = this.working();
    const out = new ArrayBuffer(16);
    b.counterBytes.set(block);
    if (encrypt) k.cipher.encrypt(b.counter, out);
    else k.cipher.decrypt(b.counter, out);
    return new Uint8Array(out);
  }

  private working(): Buffers {
    return this.buffers ?? (this.buffers = new Buffers());
  }

  /** Sets up J0, the CTR mode at inc32(J0) and GHASH after the AAD. */
  private start(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, b: Buffers): NativeKey {
    if (iv.length !== 12) throw new RangeError(`GCM IV must be 12 bytes here, not ${iv.length}`);
    const k = this.key(key);
    if (k.ghash === null || !sameBytes(k.aad, aad)) {
      // The native GHASH takes its AAD as a whole ArrayBuffer: one exact copy, kept with the key.
      const copy = aad.slice();
      if (k.ghash === null) k.ghash = new GHASH(k.h, copy.buffer);
      else k.ghash._init(k.h, copy.buffer);
      k.aad = copy;
    } else {
      k.ghash.reset();
    }
    const c = b.counterBytes;
    c.set(iv);
    c[12] = 0;
    c[13] = 0;
    c[14] = 0;
    c[15] = 2;
    k.ctr.setIV(b.counter);
    c[15] = 1;
    return k;
  }

  /** MSB_t(E(K, J0) xor GHASH) into out[offset..] (not the piece's first 16 bytes); the counter holds J0. */
  private tag(k: NativeKey, b: Buffers, out: Uint8Array, offset: number, tagLength: number): void {
    const s = new Uint8Array(k.ghash!.close());
    k.cipher.encrypt(b.counter, b.piece);
    const m = b.pieceBytes;
    for (let i = 0; i < tagLength; i++) out[offset + i] = s[i] ^ m[i];
  }

  private key(key: Uint8Array): NativeKey {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (sameBytes(k.key, key)) {
        if (i !== 0) {
          keys.splice(i, 1);
          keys.unshift(k);
        }
        return k;
      }
    }
    const copy = key.slice();
    const cipher = new BlockCipher("AES", copy.buffer);
    const h = new ArrayBuffer(16);
    cipher.encrypt(new ArrayBuffer(16), h);
    const k: NativeKey = { key: copy, cipher, ctr: new Mode("CTR", cipher), h, ghash: null, aad: copy.subarray(0, 0) };
    keys.unshift(k);
    if (keys.length > CACHE_SIZE) keys.pop();
    return k;
  }
}

function checkRange(bytes: Uint8Array, start: number, end: number, tagLength: number): void {
  if (!(start >= 0 && start <= end && end + tagLength <= bytes.length)) throw new RangeError(`GCM range ${start}..${end} + tag ${tagLength} is outside ${bytes.length} bytes`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
