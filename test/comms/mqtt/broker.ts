/**
 * A real Mosquitto broker for the tests (Debian package `mosquitto`; .ci/deps installs it): on a
 * free loopback port, anonymous access off, a password file made with mosquitto_passwd and, when
 * asked, a TLS listener with a certificate for 127.0.0.1 made here with openssl.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, createConnection } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export const MOSQUITTO = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].find((p) => existsSync(p)) ?? "mosquitto";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: "127.0.0.1", port });
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

export interface BrokerOptions {
  users: Record<string, string>;
  tls?: boolean;
}

export class Mosquitto {
  readonly dir: string;
  port = 0;
  tlsPort = 0;
  /** The test CA that signed the server certificate, PEM. */
  caPem = "";
  private child: ChildProcess | null = null;

  private constructor(readonly options: BrokerOptions) {
    this.dir = mkdtempSync(join(tmpdir(), "mqtt-broker-"));
  }

  static async start(options: BrokerOptions): Promise<Mosquitto> {
    const b = new Mosquitto(options);
    b.port = await freePort();
    const passwd = join(b.dir, "passwd");
    writeFileSync(passwd, "");
    for (const [user, password] of Object.entries(options.users)) execFileSync("mosquitto_passwd", ["-b", passwd, user, password], { stdio: "ignore" });
    // As root, mosquitto would drop to user "mosquitto", who cannot read this private directory.
    let conf = `user ${userInfo().username}\nper_listener_settings false\nallow_anonymous false\npassword_file ${passwd}\npersistence false\nlog_dest stderr\nlog_type error\nlistener ${b.port} 127.0.0.1\n`;
    if (options.tls) {
      b.tlsPort = await freePort();
      // A test CA and a server certificate it signs (subjectAltName 127.0.0.1); the broker sends
      // the chain (leaf, CA), which the SDK's TLS needs to match the name against the leaf.
      const file = (name: string) => join(b.dir, name);
      const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
      execFileSync("openssl", ["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "2", "-subj", "/CN=meter test CA"], { stdio: "ignore" });
      execFileSync("openssl", ["req", ...ec, "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=127.0.0.1"], { stdio: "ignore" });
      writeFileSync(file("san.cnf"), "subjectAltName=IP:127.0.0.1\n");
      execFileSync("openssl", ["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial", "-out", file("server.pem"), "-days", "2", "-extfile", file("san.cnf")], { stdio: "ignore" });
      b.caPem = readFileSync(file("ca.pem"), "utf8");
      writeFileSync(file("chain.pem"), readFileSync(file("server.pem"), "utf8") + b.caPem);
      conf += `listener ${b.tlsPort} 127.0.0.1\ncertfile ${file("chain.pem")}\nkeyfile ${file("server.key")}\n`;
    }
    writeFileSync(join(b.dir, "mosquitto.conf"), conf);
    await b.launch();
    return b;
  }

  private async launch(): Promise<void> {
    this.child = spawn(MOSQUITTO, ["-c", join(this.dir, "mosquitto.conf")], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    this.child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 200; i++) {
      if (this.child.exitCode !== null) throw new Error(`mosquitto exited: ${stderr.trim()}`);
      if ((await portOpen(this.port)) && (!this.tlsPort || (await portOpen(this.tlsPort)))) return;
      await sleep(25);
    }
    throw new Error(`mosquitto did not open port ${this.port}: ${stderr.trim()}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGCONT");
    child.kill("SIGTERM");
    await exited;
  }

  /** Same ports, same users; retained messages gone (no persistence), like a broker reinstalled. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** The broker stops reading (the process is frozen; the kernel still holds its sockets). */
  freeze(): void {
    this.child?.kill("SIGSTOP");
  }

  thaw(): void {
    this.child?.kill("SIGCONT");
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
