export { CompactingChain, type CompactionPolicy } from "./compacting-chain";
export { crc32 } from "./crc32";
export { FlashProfile } from "./flash-profile";
export { FlashJournal, type RecordRef } from "./journal";
export {
  defaultPersistenceConfig, type EmergencySaveCost, type PersistenceConfig, type PersistentBytes, type PersistentHandle,
  type PersistentState, type RestoreReport,
} from "./persistence-types";
export { decodeStamp, OutageTally, type PowerStamp } from "./outage-tally";
export { PersistentStore } from "./persistent-store";
export { decodeValue, encodeValue, ValueCodecError } from "./value-codec";
