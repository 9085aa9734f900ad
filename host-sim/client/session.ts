import { createConnection, type Socket } from "node:net";
import {
  aarq, actionNormal, type AssociationResponse, type Data, decodeAll, FrameSplitter, getNext, getNormal, getWithList, parseAare, parseResponse,
  ProtocolError, type Response, rlrq, type Selection, setBlock, setFirstBlock, setNormal, wrap, encode, Cursor, decode,
} from "./codec";

export interface Frame {
  source: number;
  destination: number;
  apdu: Uint8Array;
}

/** Moves WRAPPER frames to and from a meter. */
export interface Transport {
  send(frame: Uint8Array): void;
  receive(timeoutMs?: number): Promise<Frame>;
  close(): void;
}

/** Frames over a byte stream (TCP, or a test's fake socket). */
export class StreamTransport implements Transport {
  private readonly splitter = new FrameSplitter();
  private readonly queue: Frame[] = [];
  private waiter: { resolve: (f: Frame) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(private readonly write: (bytes: Uint8Array) => void, private readonly end: () => void) {}

  /** Feed bytes received from the meter. */
  deliver(chunk: Uint8Array): void {
    try {
      for (const f of this.splitter.push(chunk)) this.queue.push(f);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.pump();
  }

  fail(e: Error): void {
    this.failure = e;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(e);
    }
  }

  send(frame: Uint8Array): void {
    this.write(frame);
  }

  receive(timeoutMs = 10_000): Promise<Frame> {
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new ProtocolError(`no answer from the meter within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  close(): void {
    this.end();
  }

  private pump(): void {
    if (this.waiter && this.queue.length > 0) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(this.queue.shift()!);
    }
  }
}

/** Connects over TCP. */
export function connectTcp(host: string, port: number, timeoutMs = 5000): Promise<StreamTransport & { socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    socket.setNoDelay(true);
    const transport = new StreamTransport((b) => socket.write(b), () => socket.destroy()) as StreamTransport & { socket: Socket };
    transport.socket = socket;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ProtocolError(`cannot connect to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(transport);
    });
    socket.on("data", (chunk) => transport.deliver(new Uint8Array(chunk)));
    socket.on("error", (e) => {
      clearTimeout(timer);
      transport.fail(e);
      reject(new ProtocolError(`cannot connect to ${host}:${port}: ${e.message}`));
    });
    socket.on("close", () => transport.fail(new ProtocolError("the meter closed the connection")));
  });
}

export const DATA_ACCESS_RESULT: Record<number, string> = {
  0: "success", 1: "hardware-fault", 2: "temporary-failure", 3: "read-write-denied", 4: "object-undefined",
  9: "object-class-inconsistent", 11: "object-unavailable", 12: "type-unmatched", 13: "scope-of-access-violated",
  14: "data-block-unavailable", 15: "long-get-aborted", 16: "no-long-get-in-progress", 250: "other-reason",
};

export class DataAccessError extends Error {
  constructor(readonly code: number) {
    super(`data-access-result ${code} (${DATA_ACCESS_RESULT[code] ?? "unknown"})`);
  }
}

export interface ClientOptions {
  clientSap: 16 | 17 | number;
  password?: string;
  maxReceivePdu?: number;
  conformance?: number;
  serverWPort?: number;
}

export interface ObjectListEntry {
  classId: number;
  version: number;
  obis: string;
  attributes: { id: number; access: number; selectors: number[] | null }[];
  methods: { id: number; access: number }[];
}

export class DlmsClient {
  readonly clientSap: number;
  private invoke = 0x41;
  association: AssociationResponse | null = null;
  blocksReceived = 0;

  constructor(readonly transport: Transport, readonly options: ClientOptions) {
    this.clientSap = options.clientSap;
  }

  /** Sends raw APDU bytes and returns the next answer's APDU. */
  async exchange(apdu: ArrayLike<number>): Promise<Uint8Array> {
    this.transport.send(wrap(this.clientSap, this.options.serverWPort ?? 1, apdu));
    const f = await this.transport.receive();
    return f.apdu;
  }

  async request(apdu: number[]): Promise<Response> {
    return parseResponse(await this.exchange(apdu));
  }

  async associate(): Promise<AssociationResponse> {
    const password = this.options.password !== undefined ? new Uint8Array(Buffer.from(this.options.password, "latin1")) : undefined;
    const apdu = aarq({ mechanism: password !== undefined ? 1 : 0, password, conformance: this.options.conformance ?? 0x401e5d, maxReceivePdu: this.options.maxReceivePdu ?? 0xffff });
    const aare = parseAare(await this.exchange(apdu));
    if (aare.result !== 0) throw new ProtocolError(`association rejected (result ${aare.result}, diagnostic ${aare.diagnostic}${DIAGNOSTICS[aare.diagnostic] ? ` ${DIAGNOSTICS[aare.diagnostic]}` : ""})`);
    this.association = aare;
    return aare;
  }

  async release(): Promise<void> {
    const apdu = await this.exchange(rlrq());
    if (apdu[0] !== 0x63) throw new ProtocolError("expected an RLRE");
    this.association = null;
  }

  private nextInvoke(): number {
    this.invoke = ((this.invoke + 1) & 0x0f) | 0xc0;
    return this.invoke;
  }

  /** Reads an attribute, following block transfer; returns the value or throws DataAccessError. */
  async get(classId: number, obis: string, attr: number, sel?: Selection): Promise<Data> {
    const r = await this.getResult(classId, obis, attr, sel);
    if (r.error !== undefined) throw new DataAccessError(r.error);
    return r.data!;
  }

  async getResult(classId: number, obis: string, attr: number, sel?: Selection): Promise<{ data?: Data; error?: number }> {
    const invoke = this.nextInvoke();
    const first = await this.request(getNormal(invoke, classId, obis, attr, sel));
    return this.collect(first);
  }

  async getList(items: { classId: number; obis: string; attr: number; sel?: Selection }[]): Promise<{ data?: Data; error?: number }[]> {
    const invoke = this.nextInvoke();
    const first = await this.request(getWithList(invoke, items));
    if (first.type === "get-list") return first.results;
    if (first.type !== "get-block") throw new ProtocolError(`unexpected ${first.type}`);
    const raw = await this.blocks(first);
    const c = new Cursor(raw);
    const n = c.length();
    const out: { data?: Data; error?: number }[] = [];
    for (let i = 0; i < n; i++) out.push(c.byte() === 0 ? { data: decode(c) } : { error: c.byte() });
    return out;
  }

  private async collect(first: Response): Promise<{ data?: Data; error?: number }> {
    if (first.type === "exception") throw new ProtocolError(`exception-response state ${first.state} service ${first.service}`);
    if (first.type === "get-normal") return first.error !== undefined ? { error: first.error } : { data: first.data };
    if (first.type !== "get-block") throw new ProtocolError(`unexpected ${first.type}`);
    if (first.error !== undefined) return { error: first.error };
    return { data: decodeAll(await this.blocks(first)) };
  }

  private async blocks(first: Response & { type: "get-block" }): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let r: Response = first;
    let expected = 1;
    for (;;) {
      if (r.type !== "get-block") throw new ProtocolError(`unexpected ${r.type} during block transfer`);
      if (r.error !== undefined) throw new DataAccessError(r.error);
      if (r.block !== expected) throw new ProtocolError(`block ${r.block} received, ${expected} expected`);
      parts.push(r.raw!);
      this.blocksReceived++;
      if (r.last) break;
      r = await this.request(getNext(r.invoke, r.block));
      expected++;
    }
    return Buffer.concat(parts);
  }

  async set(classId: number, obis: string, attr: number, value: Data): Promise<number> {
    const r = await this.request(setNormal(this.nextInvoke(), classId, obis, attr, value));
    if (r.type === "exception") throw new ProtocolError(`exception-response state ${r.state} service ${r.service}`);
    if (r.type !== "set") throw new ProtocolError(`unexpected ${r.type}`);
    return r.result;
  }

  /** SET with datablocks of `blockSize` bytes of the encoded value. */
  async setInBlocks(classId: number, obis: string, attr: number, value: Data, blockSize: number): Promise<number> {
    const bytes = encode(value);
    const invoke = this.nextInvoke();
    let block = 1;
    let offset = Math.min(blockSize, bytes.length);
    let r = await this.request(setFirstBlock(invoke, classId, obis, attr, offset >= bytes.length, bytes.slice(0, offset)));
    while (r.type === "set" && !r.last) {
      block++;
      const end = Math.min(offset + blockSize, bytes.length);
      r = await this.request(setBlock(invoke, block, end >= bytes.length, bytes.slice(offset, end)));
      offset = end;
    }
    if (r.type !== "set") throw new ProtocolError(`unexpected ${r.type}`);
    return r.result;
  }

  async action(classId: number, obis: string, method: number, parameter?: Data): Promise<{ result: number; data?: Data }> {
    const r = await this.request(actionNormal(this.nextInvoke(), classId, obis, method, parameter));
    if (r.type === "exception") throw new ProtocolError(`exception-response state ${r.state} service ${r.service}`);
    if (r.type !== "action") throw new ProtocolError(`unexpected ${r.type}`);
    return { result: r.result, data: r.data };
  }

  async objectList(): Promise<ObjectListEntry[]> {
    const list = await this.get(15, "0.0.40.0.0.255", 2);
    if (list.kind !== "array") throw new ProtocolError("object_list is not an array");
    return list.items.map((e) => {
      if (e.kind !== "structure") throw new ProtocolError("bad object_list element");
      const [cls, ver, ln, rights] = e.items;
      const num = (d: Data) => (d.kind === "int" ? Number(d.value) : d.kind === "enum" ? d.value : d.kind === "boolean" ? Number(d.value) : NaN);
      const [attrs, methods] = rights.kind === "structure" ? rights.items : [];
      return {
        classId: num(cls),
        version: num(ver),
        obis: ln.kind === "octet-string" ? ln.bytes.join(".") : "?",
        attributes: (attrs?.kind === "array" ? attrs.items : []).map((a) => {
          const [id, access, sels] = a.kind === "structure" ? a.items : [];
          return { id: num(id), access: num(access), selectors: sels?.kind === "array" ? sels.items.map(num) : null };
        }),
        methods: (methods?.kind === "array" ? methods.items : []).map((m) => {
          const [id, access] = m.kind === "structure" ? m.items : [];
          return { id: num(id), access: num(access) };
        }),
      };
    });
  }
}

export const DIAGNOSTICS: Record<number, string> = {
  1: "no-reason-given", 2: "application-context-name-not-supported", 11: "mechanism-name-not-recognised",
  12: "mechanism-name-required", 13: "authentication-failure", 14: "authentication-required",
};
