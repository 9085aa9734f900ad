/*
 * Declarations for the Moddable build (manifest.json typescript.tsconfig.compilerOptions.types):
 * only the modules the SDK's own typings leave out. The SDK typings already declare embedded:io/*,
 * embedded:network/*, embedded:storage/*, timer, time, mc/config, trace and device; declaring them
 * again would clash with those. types/moddable/embedded-io.d.ts stands in for them in the Node
 * type check only. The crypt extras are the other entry of that `types` list (types/moddable/crypt).
 */

/** modules/crypt/etc/rng (native xs_rng_get): get(n) returns n random bytes. */
declare module "rng" {
  const RNG: {
    get(n: number): ArrayBuffer;
    init(seed?: unknown): void;
  };
  export default RNG;
}
