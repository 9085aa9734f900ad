import { DataType, type DlmsData } from "../axdr";
import type { ObjectDef } from "../object-model";
import { RESULT } from "../xdlms";
import type { MeterSecurity } from "./meter-security";

export const SECURITY_SETUP_OBIS = "0.0.43.0.0.255";
export const INVOCATION_COUNTER_OBIS = "0.0.43.1.0.255";

/**
 * Security setup (class 64 version 0) of the management association:
 *  2 security_policy enum (3 = all messages authenticated and encrypted), 3 security_suite enum (0),
 *  4 client_system_title, 5 server_system_title;
 *  method 1 security_activate(enum policy), method 2 global_key_transfer(array of {key_id enum, key_wrapped octet-string}).
 * No attribute exposes a key. Group "security": only the management association sees it.
 */
export function securitySetupObject(security: MeterSecurity): ObjectDef {
  return {
    classId: 64,
    version: 0,
    obis: SECURITY_SETUP_OBIS,
    name: "Security setup (management)",
    group: "security",
    attributes: [
      { get: (_c, w) => (w.enumValue(security.keyStore.policy), 0) },
      { get: (_c, w) => (w.enumValue(0), 0) },
      { get: (_c, w) => (w.octetString(security.clientSystemTitle), 0) },
      { get: (_c, w) => (w.octetString(security.serverSystemTitle), 0) },
    ],
    methods: [
      {
        invoke: (p) => {
          if (!p || p.type !== DataType.enum) return RESULT.typeUnmatched;
          return security.activate(p.value) ? RESULT.success : RESULT.otherReason;
        },
      },
      {
        invoke: (p) => {
          const entries = keyTransferEntries(p);
          if (!entries) return RESULT.typeUnmatched;
          // Staged: the association installs them once this response went out under the old keys.
          return security.stageKeyTransfer(entries) ? RESULT.success : RESULT.otherReason;
        },
      },
    ],
  };
}

function keyTransferEntries(p: DlmsData | null): { keyId: number; wrapped: Uint8Array }[] | null {
  if (!p || p.type !== DataType.array || p.items.length === 0) return null;
  const out: { keyId: number; wrapped: Uint8Array }[] = [];
  for (const item of p.items) {
    if (item.type !== DataType.structure || item.items.length !== 2) return null;
    const [id, wrapped] = item.items;
    if (id.type !== DataType.enum || wrapped.type !== DataType.octetString) return null;
    out.push({ keyId: id.value, wrapped: wrapped.bytes });
  }
  return out;
}

/**
 * Invocation counter (class 1) 0.0.43.1.0.255: the last counter accepted from the management
 * client, so a client that lost its counter resumes at value + 1 (the Gurux and IDIS practice of
 * reading it through the public client first). Not secret, so grouped with identity objects.
 */
export function invocationCounterObject(security: MeterSecurity): ObjectDef {
  return {
    classId: 1,
    version: 0,
    obis: INVOCATION_COUNTER_OBIS,
    name: "Invocation counter (management client)",
    group: "identity",
    attributes: [{ get: (_c, w) => (w.doubleLongUnsigned(security.clientCounter.lastAccepted), 0) }],
  };
}
