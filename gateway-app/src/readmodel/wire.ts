/**
 * Protobuf wire format read field by field, without building message objects. What the read model
 * takes from a transaction (blocks.ts) is a few fields deep inside nested byte strings; the
 * generated classes of @hyperledger/fabric-protos decode and allocate every field on the way
 * (signatures, endorsements, proposals), which made decoding most of the cost of catching up.
 *
 * Like those classes, a field that occurs twice takes its last value. Varints are read as numbers:
 * exact up to 2^53, which every field read here (types, times, flags) stays below.
 */

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

export class WireFormatError extends Error {
  constructor(message: string) {
    super(`malformed protobuf: ${message}`);
    this.name = 'WireFormatError';
  }
}

/** A cursor over one message's fields: `while (r.next()) switch (r.field) { case 1: x = r.bytes(); break; default: r.skip(); }`. */
export class WireReader {
  readonly #bytes: Uint8Array;
  #pos = 0;
  #wireType = 0;
  /** The number of the field at the cursor (after next() answered true). */
  field = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** Moves to the next field; false at the end of the message. */
  next(): boolean {
    if (this.#pos >= this.#bytes.length) return false;
    const tag = this.#varint();
    this.field = Math.floor(tag / 8);
    this.#wireType = tag % 8;
    if (this.field === 0) throw new WireFormatError('field number 0');
    return true;
  }

  varint(): number {
    this.#expect(VARINT);
    return this.#varint();
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  /** A length-delimited field's bytes: a view into the message, not a copy. */
  bytes(): Uint8Array {
    this.#expect(LENGTH_DELIMITED);
    const length = this.#varint();
    const end = this.#pos + length;
    if (end > this.#bytes.length) throw new WireFormatError(`field ${this.field} runs past the end of its message`);
    const view = this.#bytes.subarray(this.#pos, end);
    this.#pos = end;
    return view;
  }

  string(): string {
    const view = this.bytes();
    return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('utf8');
  }

  /** Steps over the field at the cursor. */
  skip(): void {
    switch (this.#wireType) {
      case VARINT:
        this.#varint();
        return;
      case FIXED64:
        this.#advance(8);
        return;
      case LENGTH_DELIMITED:
        this.#advance(this.#varint());
        return;
      case FIXED32:
        this.#advance(4);
        return;
      default:
        throw new WireFormatError(`wire type ${this.#wireType} (field ${this.field})`);
    }
  }

  #expect(wireType: number): void {
    if (this.#wireType !== wireType) throw new WireFormatError(`field ${this.field} has wire type ${this.#wireType}, not ${wireType}`);
  }

  #advance(n: number): void {
    if (this.#pos + n > this.#bytes.length) throw new WireFormatError(`field ${this.field} runs past the end of its message`);
    this.#pos += n;
  }

  #varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i += 1) {
      if (this.#pos >= this.#bytes.length) throw new WireFormatError('a varint runs past the end of its message');
      const byte = this.#bytes[this.#pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new WireFormatError('a varint longer than 10 bytes');
  }
}
