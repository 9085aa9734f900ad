import { DataType, type DlmsData } from "../axdr";
import { defineClass, type ObjectClass, type RequestContext } from "../object-model";
import { RESULT } from "../xdlms";
import type { MeterSecurity } from "./meter-security";

export const SECURITY_SETUP_OBIS = "0.0.43.0.0.255";
export const INVOCATION_COUNTER_OBIS = "0.0.43.1.0.255";

function securityOf(ctx: RequestContext): MeterSecurity {
  return ctx.object.target as MeterSecurity;
}

/**
 * Security setup (class 64 version 0) of the management association, over the MeterSecurity:
 *  2 security_policy enum (3 = all messages authenticated and encrypted), 3 security_suite enum (0),
 *  4 client_system_title, 5 server_system_title;
 *  method 1 security_activate(enum policy), method 2 global_key_transfer(array of {key_id enum, key_wrapped octet-string}).
 * No attribute exposes a key. Group "security": only the management association sees it.
 */
export const SECURITY_SETUP_CLASS: ObjectClass = defineClass({
  classId: 64,
  version: 0,
  name: "Security setup (management)",
  group: "security",
  attributes: [
    { get: (ctx, w) => (w.enumValue(securityOf(ctx).keyStore.policy), 0) },
    { get: (_c, w) => (w.enumValue(0), 0) },
    { get: (ctx, w) => (w.octetString(securityOf(ctx).clientSystemTitle), 0) },
    { get: (ctx, w) => (w.octetString(securityOf(ctx).serverSystemTitle), 0) },
  ],
  methods: [
    {
      invoke: (p, ctx) => {
        if (!p || p.type !== DataType.enum) return RESULT.typeUnmatched;
        return securityOf(ctx).activate(p.value) ? RESULT.success : RESULT.otherReason;
      },
    },
    {
      invoke: (p, ctx) => {
        const entries = keyTransferEntries(p);
        if (!entries) return RESULT.typeUnmatched;
        // Staged: the association installs them once this response went out under the old keys.
        return securityOf(ctx).stageKeyTransfer(entries) ? RESULT.success : RESULT.otherReason;
      },
    },
  ],
});

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
 * Invocation counter (class 1) 0.0.43.1.0.255 over the MeterSecurity: the last counter accepted
 * from the management client, so a client that lost its counter resumes at value + 1 (the Gurux
 * and IDIS practice of reading it through the public client first). Not secret, so grouped with
 * identity objects.
 */
export const INVOCATION_COUNTER_CLASS: ObjectClass = defineClass({
  classId: 1,
  version: 0,
  name: "Invocation counter (management client)",
  group: "identity",
  attributes: [{ get: (ctx, w) => (w.doubleLongUnsigned(securityOf(ctx).clientCounter.lastAccepted), 0) }],
});
