/**
 * The client side of the management association (client SAP 1): HLS-GMAC (mechanism 5), security
 * suite 0, glo- or general-glo-ciphered requests. Written from the Green Book on Node's crypto,
 * independently of the meter's security code, so the system tests check one against the other.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { Cursor, ProtocolError } from "./codec";
import { type ClientOptions, connectTcp, DIAGNOSTICS, DlmsClient, type Transport } from "./session";
import type { AssociationResponse } from "./codec";

export const DEFAULT_CLIENT_SYSTEM_TITLE = "4D4D4D0000000001"; // "MMM" + 1
export const SIMULATOR_KEYS = { key: "000102030405060708090A0B0C0D0E0F", authKey: "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF" };

export interface SecureOptions {
  /** Global unicast encryption key (16 bytes). */
  key: Uint8Array;
  authKey: Uint8Array;
  systemTitle: Uint8Array;
  /** First invocation counter to use (the meter's frame counter object + 1 after a restart). */
  invocationCounter?: number;
  /** Send requests as general-glo-ciphering (0xDB) instead of glo (C8/C9/CB). */
  generalGlo?: boolean;
  /** Length of the client-to-server challenge (8..64). */
  challengeLength?: number;
}

const SC = 0x30;
const TAG = 12;
const GLO_OF: Record<number, number> = { 0xc0: 0xc8, 0xc1: 0xc9, 0xc3: 0xcb, 0x01: 0x21 };

function ber(tag: number, content: number[]): number[] {
  return [tag, ...(content.length < 0x80 ? [content.length] : [0x81, content.length]), ...content];
}

function axdrLength(n: number): number[] {
  return n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 255];
}

function u32(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

export class SecureDlmsClient extends DlmsClient {
  /** Next invocation counter this client will use. */
  invocationCounter: number;
  serverSystemTitle: Uint8Array | null = null;
  /** The server's invocation counter seen last (responses must grow). */
  serverInvocationCounter = -1;
  /** Set by the last exchange: the raw (still ciphered) request and response, for replay tests. */
  lastCipheredRequest: Uint8Array | null = null;
  private readonly secure: SecureOptions;

  constructor(transport: Transport, options: ClientOptions, secure: SecureOptions) {
    super(transport, { ...options, clientSap: 1 });
    this.secure = secure;
    this.invocationCounter = secure.invocationCounter ?? 1;
  }

  /** GCM with the EK; AAD = SC || AK (|| data when only authenticating). */
  private seal(title: Uint8Array, ic: number, sc: number, plain: Uint8Array): Uint8Array {
    const iv = Buffer.concat([title, Buffer.from(u32(ic))]);
    const cipher = createCipheriv("aes-128-gcm", this.secure.key, iv, { authTagLength: TAG });
    const authOnly = sc === 0x10;
    cipher.setAAD(Buffer.concat([Buffer.from([sc]), this.secure.authKey, authOnly ? plain : Buffer.alloc(0)]));
    const body = authOnly ? Buffer.alloc(0) : Buffer.concat([cipher.update(plain), cipher.final()]);
    if (authOnly) cipher.final();
    return Buffer.concat([body, cipher.getAuthTag()]);
  }

  private open(title: Uint8Array, content: Uint8Array): { ic: number; apdu: Uint8Array } {
    if (content.length < 5 + TAG || content[0] !== SC) throw new ProtocolError(`unexpected security control 0x${content[0]?.toString(16)}`);
    const ic = ((content[1] << 24) >>> 0) + (content[2] << 16) + (content[3] << 8) + content[4];
    const iv = Buffer.concat([title, content.subarray(1, 5)]);
    const decipher = createDecipheriv("aes-128-gcm", this.secure.key, iv, { authTagLength: TAG });
    decipher.setAAD(Buffer.concat([Buffer.from([SC]), this.secure.authKey]));
    decipher.setAuthTag(content.subarray(content.length - TAG));
    const plain = decipher.update(content.subarray(5, content.length - TAG));
    try {
      decipher.final();
    } catch {
      throw new ProtocolError("the meter's response does not authenticate (wrong keys?)");
    }
    return { ic, apdu: new Uint8Array(plain) };
  }

  /** f(challenge) = SC 0x10 || IC || GMAC(0x10 || AK || challenge) under `title`. */
  hlsProof(title: Uint8Array, ic: number, challenge: Uint8Array): Uint8Array {
    return Buffer.concat([Buffer.from([0x10, ...u32(ic)]), this.seal(title, ic, 0x10, challenge)]);
  }

  /** Ciphers a plain xDLMS APDU with the next invocation counter. */
  cipher(plain: Uint8Array, generalGlo = this.secure.generalGlo ?? false): Uint8Array {
    const ic = this.invocationCounter++;
    const content = [SC, ...u32(ic), ...this.seal(this.secure.systemTitle, ic, SC, plain)];
    if (generalGlo) return new Uint8Array([0xdb, 0x08, ...this.secure.systemTitle, ...axdrLength(content.length), ...content]);
    const tag = GLO_OF[plain[0]];
    if (tag === undefined) throw new ProtocolError(`no glo form for APDU 0x${plain[0].toString(16)}`);
    return new Uint8Array([tag, ...axdrLength(content.length), ...content]);
  }

  /** Opens a glo (CC/CD/CF/28) or general-glo (DB) response; other APDUs pass through. */
  decipher(apdu: Uint8Array): Uint8Array {
    const tag = apdu[0];
    if (tag !== 0xcc && tag !== 0xcd && tag !== 0xcf && tag !== 0x28 && tag !== 0xdb) return apdu;
    const c = new Cursor(apdu, 1);
    let title = this.serverSystemTitle;
    if (tag === 0xdb) {
      title = c.take(c.length());
      if (this.serverSystemTitle && Buffer.compare(title, this.serverSystemTitle) !== 0) throw new ProtocolError("general-glo from another system title");
    }
    if (!title) throw new ProtocolError("no server system title yet");
    const content = c.take(c.length());
    const { ic, apdu: plain } = this.open(title, content);
    if (ic <= this.serverInvocationCounter) throw new ProtocolError(`the meter's invocation counter went from ${this.serverInvocationCounter} to ${ic}`);
    this.serverInvocationCounter = ic;
    return plain;
  }

  /** Ciphered GET/SET/ACTION; RLRQ and everything else plain. */
  override async exchange(apdu: ArrayLike<number>): Promise<Uint8Array> {
    const plain = Uint8Array.from(apdu as ArrayLike<number>);
    const ciphered = plain[0] === 0xc0 || plain[0] === 0xc1 || plain[0] === 0xc3;
    const out = ciphered ? this.cipher(plain) : plain;
    if (ciphered) this.lastCipheredRequest = out;
    return this.decipher(await super.exchange(out));
  }

  /** Sends raw bytes (an old captured frame) and returns the raw answer. */
  async exchangeRaw(apdu: Uint8Array): Promise<Uint8Array> {
    return super.exchange(apdu);
  }

  /** AARQ with HLS-GMAC and a glo-initiateRequest, then passes 3 and 4. */
  override async associate(): Promise<AssociationResponse> {
    const { systemTitle } = this.secure;
    const ctos = randomBytes(this.secure.challengeLength ?? 32);
    const conformance = this.options.conformance ?? 0x401e5d;
    const maxPdu = this.options.maxReceivePdu ?? 0xffff;
    const initiate = new Uint8Array([0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f, 0x04, 0x00, (conformance >> 16) & 0xff, (conformance >> 8) & 0xff, conformance & 0xff, (maxPdu >> 8) & 0xff, maxPdu & 0xff]);
    const gloInitiate = Array.from(this.cipher(initiate, false));
    const oid = [0x60, 0x85, 0x74, 0x05, 0x08];
    const body = [
      ...ber(0xa1, ber(0x06, [...oid, 1, 3])),
      ...ber(0xa6, ber(0x04, Array.from(systemTitle))),
      ...ber(0x8a, [0x07, 0x80]),
      ...ber(0x8b, [...oid, 2, 5]),
      ...ber(0xac, ber(0x80, Array.from(ctos))),
      ...ber(0xbe, ber(0x04, gloInitiate)),
    ];
    const aare = await super.exchange(ber(0x60, body));
    const parsed = parseSecureAare(aare);
    if (parsed.result !== 0) {
      throw new ProtocolError(`association rejected (result ${parsed.result}, diagnostic ${parsed.diagnostic}${DIAGNOSTICS[parsed.diagnostic] ? ` ${DIAGNOSTICS[parsed.diagnostic]}` : ""})`);
    }
    if (parsed.diagnostic !== 14 || !parsed.respondingApTitle || !parsed.stoc) throw new ProtocolError("the AARE lacks the HLS fields (diagnostic 14, responding-AP-title, challenge)");
    this.serverSystemTitle = parsed.respondingApTitle;
    const init = parsed.userInformation ? this.decipher(parsed.userInformation) : null;
    if (!init || init[0] !== 0x08) throw new ProtocolError("no InitiateResponse in the AARE");
    const response: AssociationResponse = { result: 0, diagnostic: 14, conformance: (init[7] << 16) | (init[8] << 8) | init[9], serverMaxReceivePdu: (init[10] << 8) | init[11] };
    this.association = response;
    // Pass 3: f(StoC) through ACTION 0.0.40.0.0.255 method 1; pass 4: the meter's f(CtoS).
    const proof = this.hlsProof(systemTitle, this.invocationCounter++, parsed.stoc);
    const r = await this.action(15, "0.0.40.0.0.255", 1, { kind: "octet-string", bytes: Array.from(proof) });
    if (r.result !== 0 || !r.data || r.data.kind !== "octet-string") {
      this.association = null;
      throw new ProtocolError(`HLS pass 3 refused (action-result ${r.result}): wrong keys or system title?`);
    }
    const answer = Uint8Array.from(r.data.bytes);
    const serverIc = ((answer[1] << 24) >>> 0) + (answer[2] << 16) + (answer[3] << 8) + answer[4];
    const expected = this.hlsProof(this.serverSystemTitle, serverIc, ctos);
    if (answer[0] !== 0x10 || Buffer.compare(answer, expected) !== 0) {
      this.association = null;
      throw new ProtocolError("HLS pass 4: the meter's proof is wrong (it does not hold our keys)");
    }
    return response;
  }
}

interface SecureAare {
  result: number;
  diagnostic: number;
  respondingApTitle: Uint8Array | null;
  stoc: Uint8Array | null;
  userInformation: Uint8Array | null;
}

export function parseSecureAare(apdu: Uint8Array): SecureAare {
  const c = new Cursor(apdu);
  if (c.byte() !== 0x61) throw new ProtocolError(apdu[0] === 0xd8 ? "the meter answered the AARQ with an exception" : "expected an AARE");
  const end = c.length() + c.pos;
  const out: SecureAare = { result: -1, diagnostic: -1, respondingApTitle: null, stoc: null, userInformation: null };
  while (c.pos < end) {
    const tag = c.byte();
    const content = new Cursor(c.take(c.length()));
    const inner = () => {
      content.byte();
      return content.take(content.length());
    };
    if (tag === 0xa2) out.result = inner()[0];
    else if (tag === 0xa3) {
      content.take(2);
      out.diagnostic = inner()[0];
    } else if (tag === 0xa4) out.respondingApTitle = Uint8Array.from(inner());
    else if (tag === 0xaa) out.stoc = Uint8Array.from(inner());
    else if (tag === 0xbe) out.userInformation = Uint8Array.from(inner());
  }
  return out;
}

export function parseHexKey(text: string, what: string, length = 16): Uint8Array {
  const clean = text.replace(/[\s:]/g, "");
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length !== 2 * length) throw new ProtocolError(`${what} must be ${length} bytes of hex (${2 * length} digits), got "${text}"`);
  return new Uint8Array(Buffer.from(clean, "hex"));
}

/**
 * Reads the meter's frame counter object (0.0.43.1.0.255, the last counter it accepted from the
 * management client) through the public client, so a new session continues above it.
 */
export async function readManagementInvocationCounter(host: string, port: number): Promise<number> {
  const transport = await connectTcp(host, port);
  try {
    const pub = new DlmsClient(transport, { clientSap: 16 });
    await pub.associate();
    const value = await pub.get(1, "0.0.43.1.0.255", 2);
    await pub.release();
    if (value.kind !== "int") throw new ProtocolError("0.0.43.1.0.255 does not hold a number");
    return Number(value.value);
  } finally {
    transport.close();
  }
}

export interface SecureCliOptions {
  key?: string;
  authKey?: string;
  systemTitle?: string;
  generalGlo?: boolean;
}

/** The management client for `npm run client -- --client 1`: simulator keys unless given. */
export async function secureClientFor(host: string, port: number, transport: Transport, options: ClientOptions, cli: SecureCliOptions): Promise<SecureDlmsClient> {
  const last = await readManagementInvocationCounter(host, port);
  return new SecureDlmsClient(transport, options, {
    key: parseHexKey(cli.key ?? SIMULATOR_KEYS.key, "--key"),
    authKey: parseHexKey(cli.authKey ?? SIMULATOR_KEYS.authKey, "--auth-key"),
    systemTitle: parseHexKey(cli.systemTitle ?? DEFAULT_CLIENT_SYSTEM_TITLE, "--system-title", 8),
    invocationCounter: last + 1,
    generalGlo: cli.generalGlo,
  });
}
