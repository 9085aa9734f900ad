export { CompactingChain, type CompactionPolicy } from "./compacting-chain";
export { crc32 } from "./crc32";
export { FlashProfile } from "./flash-profile";
export { FlashJournal, type JournalStats, type RecordRef } from "./journal";
export {
  defaultPersistenceConfig, type EmergencySaveCost, Persistence, type PersistenceConfig, type PersistentBytes, type PersistentHandle,
  type PersistentState, type RestoreReport, STORE_EVENT,
} from "./persistence";
export { decodeValue, encodeValue, ValueCodecError } from "./value-codec";
