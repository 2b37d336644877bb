/**
 * A minimal DAVE external sender (the voice gateway's role in MLS), enough to drive any number of
 * members of one group through Add and Remove: it signs external proposals the way the voice
 * server does for op 27 (daveprotocol.com "dave_mls_proposals"; RFC 9420 sections 6, 6.1, 12.1).
 *
 *   ExternalSender   = signature_key<V> ‖ Credential{credential_type u16 = 1 basic, identity<V>}
 *   MLSMessage       = version u16 = 1 (mls10) ‖ wire_format u16 = 1 (public) ‖ PublicMessage
 *   PublicMessage    = FramedContent ‖ FramedContentAuthData{signature<V>}   (no membership tag
 *                      for an external sender, section 6.2)
 *   FramedContent    = group_id<V> ‖ epoch u64 ‖ Sender{type u8 = 2 external, index u32}
 *                      ‖ authenticated_data<V> ‖ content_type u8 = 2 proposal ‖ Proposal
 *   FramedContentTBS = version ‖ wire_format ‖ FramedContent (no GroupContext for external senders)
 *   SignWithLabel    = ECDSA-P256-SHA256 over SignContent{"MLS 1.0 " + label <V>, content<V>}
 *   Add = u16 1 ‖ KeyPackage; Remove = u16 3 ‖ leaf_index u32
 * DAVE's group id is the channel id as a big-endian u64 (research/interop-check.md section 2).
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/** QUIC-style variable-length integer prefix of an MLS `<V>` vector (RFC 9420 section 2.1.2). */
function varint(n: number): Buffer {
  if (n < 0x40) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((0x8000_0000 | n) >>> 0);
  return b;
}

const vec = (bytes: Uint8Array): Buffer => Buffer.concat([varint(bytes.length), bytes]);
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};

export class ExternalSender {
  /** The op 25 payload (serialized ExternalSender) every member must be given. */
  readonly serialized: Buffer;
  readonly groupId: Buffer;
  readonly #privateKey: KeyObject;

  constructor(channelId: string) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#privateKey = privateKey;
    // The last 65 bytes of a P-256 SPKI are the uncompressed point, MLS's signature key form.
    const point = publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
    this.serialized = Buffer.concat([vec(point), u16(1), vec(Buffer.from([0]))]);
    this.groupId = u64(BigInt(channelId));
  }

  #proposal(epoch: bigint, proposal: Buffer): Buffer {
    const framed = Buffer.concat([
      vec(this.groupId),
      u64(epoch),
      Buffer.from([2]),
      u32(0),
      vec(Buffer.alloc(0)),
      Buffer.from([2]),
      proposal,
    ]);
    const header = Buffer.concat([u16(1), u16(1)]);
    const tbs = Buffer.concat([header, framed]);
    const content = Buffer.concat([vec(Buffer.from('MLS 1.0 FramedContentTBS')), vec(tbs)]);
    const signature = sign('sha256', content, this.#privateKey);
    return Buffer.concat([header, framed, vec(signature)]);
  }

  /** op 27 proposals vector (without the operation-type byte) adding these key packages. */
  add(epoch: bigint, keyPackages: readonly Uint8Array[]): Buffer {
    return vec(Buffer.concat(keyPackages.map((kp) => this.#proposal(epoch, Buffer.concat([u16(1), kp])))));
  }

  /** op 27 proposals vector removing these leaves. */
  remove(epoch: bigint, leaves: readonly number[]): Buffer {
    return vec(
      Buffer.concat(leaves.map((leaf) => this.#proposal(epoch, Buffer.concat([u16(3), u32(leaf)])))),
    );
  }
}
