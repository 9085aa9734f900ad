export * from "./image-format";
export { IMAGE_STATUS, ImageTransfer, type VerifyFailure } from "./image-transfer";
export { StagedImage } from "./staged-image";
export { devImagePublicKey } from "./dev-key";
