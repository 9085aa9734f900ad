export { Aes } from "./aes";
export { Gcm } from "./gcm";
export { PortableCrypto } from "./portable";
export { aesKeyWrap, aesKeyUnwrap } from "./key-wrap";
export { gcmDecrypt, gcmEncrypt } from "./gcm-messages";
