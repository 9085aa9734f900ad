export * from "./image-format";
export { IMAGE_STATUS, ImageTransfer, type ImageTransferOptions, type VerifiedImage, type VerifyFailure } from "./image-transfer";
export { StagedImage } from "./staged-image";
export { DEV_IMAGE_PUBLIC_KEY_HEX, devImagePublicKey } from "./dev-key";
