/** A scripted gateway on 127.0.0.1, port 0, that records what it was sent; and an in-memory terminal. */
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Device, FirmwareRelease } from '@iotreg/common';
import type { Io } from '../context';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Answer {
  status: number;
  body?: unknown;
}

export type Handler = (request: ReceivedRequest) => Answer | Promise<Answer>;

export class FakeGateway {
  readonly requests: ReceivedRequest[] = [];
  handler: Handler = () => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no handler' } } });
  #server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.#server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
      };
      this.requests.push(request);
      const answer = await this.handler(request);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
    await new Promise<void>((ready) => this.#server?.listen(0, '127.0.0.1', ready));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.#server?.close(done));
  }
}

export function errorAnswer(status: number, code: string, message = code.toLowerCase()): Answer {
  return { status, body: { error: { code, message } } };
}

export interface CapturedIo extends Io {
  out: string;
  err: string;
}

export function captureIo(env: Record<string, string | undefined> = {}): CapturedIo {
  const io: CapturedIo = {
    out: '',
    err: '',
    env,
    interactive: false,
    stdout: (text) => {
      io.out += text;
    },
    stderr: (text) => {
      io.err += text;
    },
  };
  return io;
}

/** A transaction ID (64 hex digits) made from a label, so fixtures stay readable. */
export function txIdOf(label: string): string {
  return Buffer.from(label).toString('hex').padEnd(64, '0').slice(0, 64);
}

/** A device record as the gateway answers it (the client checks answers against the contract). */
export function deviceRecord(fields: Partial<Device> & { deviceId: string }): Device {
  return {
    family: 'f',
    ownerMsp: 'Org1MSP',
    status: 'active',
    publicKeyPem: 'PEM',
    keyId: 'a'.repeat(64),
    attributes: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    seq: 0,
    ...fields,
  };
}

/** A firmware release as the gateway answers it. */
export function releaseRecord(fields: Partial<FirmwareRelease> = {}): FirmwareRelease {
  return {
    family: 'fam',
    version: '1.2.3',
    sha256: 'b'.repeat(64),
    uri: '',
    status: 'pending',
    approvals: [],
    publishedAt: '2026-01-01T00:00:00.000Z',
    publisherMsp: 'Org1MSP',
    ...fields,
  };
}
