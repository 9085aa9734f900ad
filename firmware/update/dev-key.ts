/**
 * The development image-signing public key (uncompressed P-256). Its private half is
 * host-sim/keys/dev-image-key.pem, published in this repository: anyone can sign an image for it.
 * The simulator uses it by default; a device build refuses to open DLMS while the meter still
 * holds it (docs/readme/firmware-update.md), like the other shipped default secrets.
 */
const DEV_IMAGE_PUBLIC_KEY_HEX =
  "0496a39ed638dfc07131ec84737759aa7017a10b6d1b8b15846daa7496952b0d9b0afae1d2d709eec7a13673b3d0e5a7125f9df529615b57ead55be6cc91880f24";

function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RangeError("hex string expected");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function devImagePublicKey(): Uint8Array {
  return hexToBytes(DEV_IMAGE_PUBLIC_KEY_HEX);
}
