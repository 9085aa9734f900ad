import { readU32BE, writeU32BE } from "../../../kernel/bytes";
import type { Crypto } from "../../../hal/crypto";
import { gcmDecrypt, gcmEncrypt } from "../../crypto/gcm-messages";
import type { CipherKeys } from "./ciphering";
import { GCM_TAG_LENGTH, SC_AUTHENTICATED, SECURITY_HEADER_LENGTH, buildIv } from "./security-header";

/**
 * HLS mechanism 5 (GMAC) proofs, Green Book: f(challenge) = SC || IC || GMAC(SC || AK || challenge),
 * SC = 0x10 (authentication only, suite 0), key EK, IV = the prover's system title || IC.
 * The client proves f(StoC) in pass 3 with its own title and counter; the meter answers f(CtoS)
 * in pass 4 with its title and counter.
 */
const HLS_PROOF_LENGTH = SECURITY_HEADER_LENGTH + GCM_TAG_LENGTH;
/** Challenge lengths the meter accepts from a client, and may send (spec: 8..64; meter sends 16..64). */
export const MIN_CHALLENGE = 8;
export const MAX_CHALLENGE = 64;

function aad(authenticationKey: Uint8Array, challenge: Uint8Array): Uint8Array {
  const data = new Uint8Array(1 + authenticationKey.length + challenge.length);
  data[0] = SC_AUTHENTICATED;
  data.set(authenticationKey, 1);
  data.set(challenge, 1 + authenticationKey.length);
  return data;
}

export function hlsGmacProof(crypto: Crypto, keys: CipherKeys, proverTitle: Uint8Array, ic: number, challenge: Uint8Array): Uint8Array {
  const tag = gcmEncrypt(crypto, keys.encryptionKey, buildIv(proverTitle, ic), aad(keys.authenticationKey, challenge), new Uint8Array(0), GCM_TAG_LENGTH);
  const proof = new Uint8Array(HLS_PROOF_LENGTH);
  proof[0] = SC_AUTHENTICATED;
  writeU32BE(proof, 1, ic);
  proof.set(tag, SECURITY_HEADER_LENGTH);
  return proof;
}

/** Verifies a proof of `challenge` by the holder of `proverTitle`; returns its IC, or null when it is wrong. */
export function verifyHlsGmacProof(crypto: Crypto, keys: CipherKeys, proverTitle: Uint8Array, challenge: Uint8Array, proof: Uint8Array): number | null {
  if (proof.length !== HLS_PROOF_LENGTH || proof[0] !== SC_AUTHENTICATED) return null;
  const ic = readU32BE(proof, 1);
  const ok = gcmDecrypt(crypto, keys.encryptionKey, buildIv(proverTitle, ic), aad(keys.authenticationKey, challenge), proof.subarray(SECURITY_HEADER_LENGTH), GCM_TAG_LENGTH);
  return ok ? ic : null;
}
