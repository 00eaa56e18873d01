/**
 * Minimal protobuf wire-format writer/reader.
 *
 * @grpc/proto-loader is not a dependency of this repo, so the handful of
 * tfplugin6 / go-plugin messages we need are encoded by hand. Only the wire
 * types protobuf actually uses for those messages are supported: varint (0)
 * and length-delimited (2). Fixed32/64 are skipped on read for robustness.
 */

/** Appends protobuf fields to a growing list of chunks; `finish()` concatenates once. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    while (v > 0x7fn) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.chunks.push(Uint8Array.from(bytes));
  }

  private tag(field: number, wireType: 0 | 2): void {
    this.varint((field << 3) | wireType);
  }

  /** Varint field (int64, enum); proto3 omits defaults, so 0 is skipped. */
  uint(field: number, value: number | bigint | undefined): this {
    if (value === undefined || value === 0 || value === 0n) return this;
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  bool(field: number, value: boolean | undefined): this {
    return value ? this.uint(field, 1) : this;
  }

  bytes(field: number, value: Uint8Array | undefined, keepEmpty = false): this {
    if (value === undefined || (value.length === 0 && !keepEmpty)) return this;
    this.tag(field, 2);
    this.varint(value.length);
    this.chunks.push(value);
    return this;
  }

  string(field: number, value: string | undefined): this {
    return value ? this.bytes(field, Buffer.from(value, "utf8")) : this;
  }

  /** Embedded message: always written (an empty sub-message is still "present"). */
  message(field: number, value: Uint8Array): this {
    return this.bytes(field, value, true);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Decoded fields: field number -> every occurrence (repeated fields keep order). */
export type ProtoFields = Map<number, Array<bigint | Buffer>>;

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error("protobuf: truncated varint");
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

export function decodeFields(buf: Buffer | Uint8Array): ProtoFields {
  const data = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const fields: ProtoFields = new Map();
  let pos = 0;
  while (pos < data.length) {
    const [key, afterKey] = readVarint(data, pos);
    pos = afterKey;
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    let value: bigint | Buffer;
    if (wireType === 0) {
      [value, pos] = readVarint(data, pos);
    } else if (wireType === 2) {
      const [len, afterLen] = readVarint(data, pos);
      value = data.subarray(afterLen, afterLen + Number(len));
      pos = afterLen + Number(len);
    } else if (wireType === 1) {
      value = data.subarray(pos, pos + 8);
      pos += 8;
    } else if (wireType === 5) {
      value = data.subarray(pos, pos + 4);
      pos += 4;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wireType}`);
    }
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

export function fieldBytes(fields: ProtoFields, field: number): Buffer | undefined {
  const v = fields.get(field)?.[0];
  return Buffer.isBuffer(v) ? v : undefined;
}

export function fieldString(fields: ProtoFields, field: number): string {
  return fieldBytes(fields, field)?.toString("utf8") ?? "";
}

export function fieldNumber(fields: ProtoFields, field: number): number {
  const v = fields.get(field)?.[0];
  return typeof v === "bigint" ? Number(BigInt.asIntN(64, v)) : 0;
}
