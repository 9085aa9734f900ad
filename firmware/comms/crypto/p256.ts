/**
 * ECDSA signature verification on the NIST P-256 curve (FIPS 186-5 section 6.4.2, SEC 1 v2
 * section 4.1.4) over a SHA-256 digest: the Green Book's suite-1 signature, used to check
 * firmware images (firmware/update). Verification only: no secret is ever handled here, so
 * plain BigInt arithmetic (not constant time) is acceptable. Points are kept in Jacobian
 * coordinates (X/Z^2, Y/Z^3) so that the only inversion is the final one.
 */

/** Curve y^2 = x^3 - 3x + b over GF(p); G of prime order n (FIPS 186-5 / SP 800-186 section 3.2.1.3). */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const GX = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n;
const GY = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n;

/** Length of an uncompressed public key (0x04 || X || Y) and of a raw signature (r || s). */
const P256_PUBLIC_KEY_LENGTH = 65;
const P256_SIGNATURE_LENGTH = 64;

interface Jacobian {
  x: bigint;
  y: bigint;
  /** 0 = the point at infinity. */
  z: bigint;
}

function modP(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

/** a^-1 mod m by the extended Euclidean algorithm (a in 1..m-1, m prime). */
function invert(a: bigint, m: bigint): bigint {
  let r0 = m;
  let r1 = a % m;
  if (r1 < 0n) r1 += m;
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    const r2 = r0 - q * r1;
    r0 = r1;
    r1 = r2;
    const t2 = t0 - q * t1;
    t0 = t1;
    t1 = t2;
  }
  return t0 < 0n ? t0 + m : t0;
}

/** Big-endian bytes to an integer. */
function bytesToBigInt(bytes: Uint8Array, start = 0, end = bytes.length): bigint {
  let v = 0n;
  for (let i = start; i < end; i++) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** 2P for a = -3 ("dbl-2001-b" formulas). */
function double(p: Jacobian): Jacobian {
  if (p.z === 0n || p.y === 0n) return { x: 0n, y: 1n, z: 0n };
  const delta = modP(p.z * p.z);
  const gamma = modP(p.y * p.y);
  const beta = modP(p.x * gamma);
  const alpha = modP(3n * (p.x - delta) * (p.x + delta));
  const x3 = modP(alpha * alpha - 8n * beta);
  const z3 = modP((p.y + p.z) * (p.y + p.z) - gamma - delta);
  const y3 = modP(alpha * (4n * beta - x3) - 8n * gamma * gamma);
  return { x: x3, y: y3, z: z3 };
}

/** P + Q ("add-2007-bl" formulas), handling equal points and the point at infinity. */
function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p.z === 0n) return q;
  if (q.z === 0n) return p;
  const z1z1 = modP(p.z * p.z);
  const z2z2 = modP(q.z * q.z);
  const u1 = modP(p.x * z2z2);
  const u2 = modP(q.x * z1z1);
  const s1 = modP(p.y * q.z * z2z2);
  const s2 = modP(q.y * p.z * z1z1);
  const h = modP(u2 - u1);
  const r = modP(2n * (s2 - s1));
  if (h === 0n) return r === 0n ? double(p) : { x: 0n, y: 1n, z: 0n };
  const i = modP(4n * h * h);
  const j = modP(h * i);
  const v = modP(u1 * i);
  const x3 = modP(r * r - j - 2n * v);
  const y3 = modP(r * (v - x3) - 2n * s1 * j);
  const z3 = modP(((p.z + q.z) * (p.z + q.z) - z1z1 - z2z2) * h);
  return { x: x3, y: y3, z: z3 };
}

/** True when (x, y) satisfies the curve equation (coordinates already below p). */
function onCurve(x: bigint, y: bigint): boolean {
  return modP(y * y) === modP(x * x * x - 3n * x + B);
}

/**
 * Checks an uncompressed public key (0x04 || X || Y, SEC 1 section 2.3.3): the right length and
 * prefix, coordinates below p, on the curve. (P-256 has cofactor 1: on the curve is in the group.)
 */
export function isValidP256PublicKey(key: Uint8Array): boolean {
  if (key.length !== P256_PUBLIC_KEY_LENGTH || key[0] !== 0x04) return false;
  const x = bytesToBigInt(key, 1, 33);
  const y = bytesToBigInt(key, 33, 65);
  return x < P && y < P && onCurve(x, y);
}

/**
 * Verifies a raw signature r || s (32 bytes each) of a 32-byte SHA-256 `digest` with the
 * uncompressed public key. False for anything malformed (never throws on input).
 */
export function verifyP256(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  if (digest.length !== 32 || signature.length !== P256_SIGNATURE_LENGTH || !isValidP256PublicKey(publicKey)) return false;
  const r = bytesToBigInt(signature, 0, 32);
  const s = bytesToBigInt(signature, 32, 64);
  if (r <= 0n || r >= N || s <= 0n || s >= N) return false;
  // The digest is as long as n, so it is the integer e without truncation (SEC 1 4.1.4 step 4).
  const e = bytesToBigInt(digest) % N;
  const w = invert(s, N);
  const u1 = (e * w) % N;
  const u2 = (r * w) % N;
  const g: Jacobian = { x: GX, y: GY, z: 1n };
  const q: Jacobian = { x: bytesToBigInt(publicKey, 1, 33), y: bytesToBigInt(publicKey, 33, 65), z: 1n };
  const gq = add(g, q);
  // Shamir's trick: u1*G + u2*Q in one pass over the bits.
  let acc: Jacobian = { x: 0n, y: 1n, z: 0n };
  for (let bit = 255; bit >= 0; bit--) {
    acc = double(acc);
    const b1 = (u1 >> BigInt(bit)) & 1n;
    const b2 = (u2 >> BigInt(bit)) & 1n;
    if (b1 === 1n && b2 === 1n) acc = add(acc, gq);
    else if (b1 === 1n) acc = add(acc, g);
    else if (b2 === 1n) acc = add(acc, q);
  }
  if (acc.z === 0n) return false;
  const zInv = invert(acc.z, P);
  const x = modP(acc.x * modP(zInv * zInv));
  return x % N === r;
}
