/**
 * Host tools for signed firmware images (docs/readme/firmware-update.md): build and sign an image
 * with Node's crypto, make a development key pair. `npm run sign-image` and `npm run keygen` are
 * the command lines over these; tests sign their images here too.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { encodeImageHeader, IMAGE_FLAG_ALLOW_OLDER, type ImageTarget, versionNumberOf } from "../firmware/update/image-format";
import { SIMULATOR_TARGET } from "../firmware/update/update-config";

export interface SignOptions {
  /** PEM of the P-256 private key. */
  keyPem: string;
  /** "MAJOR.MINOR.PATCH"; the identifier becomes `${prefix}${version}`. */
  version: string;
  payload: Uint8Array;
  target?: ImageTarget;
  /** Identifier prefix (default "DLMSLITE-"). */
  prefix?: string;
  /** Sets the signed anti-rollback override (an older version may be installed). */
  allowOlder?: boolean;
}

export function signImage(o: SignOptions): Uint8Array {
  const key = createPrivateKey(o.keyPem);
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error("the key must be an EC P-256 (prime256v1) private key");
  const number = versionNumberOf(o.version);
  if (!/^\d+\.\d+\.\d+$/.test(o.version) || !Number.isFinite(number)) throw new Error(`--version must be MAJOR.MINOR.PATCH with each part 0..255, got "${o.version}"`);
  if (o.payload.length === 0) throw new Error("the payload is empty");
  const header = encodeImageHeader({
    flags: o.allowOlder ? IMAGE_FLAG_ALLOW_OLDER : 0,
    target: o.target ?? SIMULATOR_TARGET,
    versionId: `${o.prefix ?? "DLMSLITE-"}${o.version}`,
    versionNumber: number,
    payloadLength: o.payload.length,
    payloadHash: new Uint8Array(createHash("sha256").update(o.payload).digest()),
  });
  const signed = Buffer.concat([header, o.payload]);
  const signature = sign("sha256", signed, { key, dsaEncoding: "ieee-p1363" });
  return new Uint8Array(Buffer.concat([signed, signature]));
}

/** The uncompressed public key (65 bytes) of a PEM private or public key. */
export function publicKeyBytes(pem: string): Uint8Array {
  const key: KeyObject = pem.includes("PRIVATE") ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  const jwk = key.export({ format: "jwk" });
  if (jwk.crv !== "P-256" || !jwk.x || !jwk.y) throw new Error("not a P-256 key");
  return new Uint8Array(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")]));
}

/** A new P-256 key pair: the private key as PEM, the public key as the meter holds it. */
export function generateImageKey(): { privatePem: string; publicKey: Uint8Array } {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const privatePem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  return { privatePem, publicKey: publicKeyBytes(privatePem) };
}
