/**
 * DAVE's external sender: the role the voice gateway plays in every group (research/dave.md 1, 2.2).
 * It publishes an ExternalSender (op 25) and signs Add/Remove proposals as PublicMessages (op 27).
 * Exported for the emulator and for tests; a client never needs it. Pure node:crypto, no MLS state:
 * the gateway never joins the group, it only needs the group id, the epoch and the leaf to remove.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { concatBytes, encodeVector, ProposalsOperationType } from './mlsWire.js';
import { groupIdFor, snowflake } from './mlsParameters.js';

const MLS_VERSION_10 = Uint8Array.of(0x00, 0x01);
const WIRE_FORMAT_PUBLIC_MESSAGE = Uint8Array.of(0x00, 0x01);
const SENDER_EXTERNAL = 2;
const CONTENT_TYPE_PROPOSAL = 2;
const PROPOSAL_ADD = 1;
const PROPOSAL_REMOVE = 3;
const CREDENTIAL_BASIC = Uint8Array.of(0x00, 0x01);
const utf8 = (s: string) => new TextEncoder().encode(s);

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}
function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
function u64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, false);
  return out;
}

/** RFC 9420 5.2 RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent). */
export function proposalRef(proposalMessage: Uint8Array): Uint8Array {
  // An external PublicMessage has no membership tag, so AuthenticatedContent is the MLSMessage minus its version.
  const authenticatedContent = proposalMessage.subarray(2);
  const hash = createHash('sha256');
  hash.update(encodeVector(utf8('MLS 1.0 Proposal Reference')));
  hash.update(encodeVector(authenticatedContent));
  return new Uint8Array(hash.digest());
}

export class ExternalSender {
  readonly #privateKey: KeyObject;
  /** Uncompressed P-256 public point. */
  readonly signaturePublicKey: Uint8Array;
  /** The op 25 payload: `ExternalSender { signature_key<V>; Credential credential; }`. */
  readonly package: Uint8Array;

  /**
   * @param identity the basic credential identity; Discord's gateway uses the single byte 0x00.
   * @param privateKey an existing P-256 private key (a fresh one by default).
   */
  constructor(options: { identity?: Uint8Array; privateKey?: KeyObject } = {}) {
    this.#privateKey = options.privateKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const spki = createPublicKey(this.#privateKey).export({ format: 'der', type: 'spki' });
    this.signaturePublicKey = new Uint8Array(spki.subarray(spki.length - 65));
    this.package = concatBytes(
      encodeVector(this.signaturePublicKey),
      CREDENTIAL_BASIC,
      encodeVector(options.identity ?? Uint8Array.of(0)),
    );
  }

  /** An Add proposal for a raw KeyPackage (the op 26 payload a client sent), as an MLSMessage. */
  proposeAdd(channelId: string | bigint, epoch: bigint | number, keyPackage: Uint8Array): Uint8Array {
    return this.#propose(channelId, epoch, concatBytes(u16(PROPOSAL_ADD), keyPackage));
  }

  /** A Remove proposal for a leaf index, as an MLSMessage. */
  proposeRemove(channelId: string | bigint, epoch: bigint | number, leafIndex: number): Uint8Array {
    return this.#propose(channelId, epoch, concatBytes(u16(PROPOSAL_REMOVE), u32(leafIndex)));
  }

  #propose(channelId: string | bigint, epoch: bigint | number, proposal: Uint8Array): Uint8Array {
    const framedContent = concatBytes(
      encodeVector(groupIdFor(snowflake(channelId, 'channel id'))),
      u64(BigInt(epoch)),
      Uint8Array.of(SENDER_EXTERNAL),
      u32(0),
      encodeVector(), // authenticated_data
      Uint8Array.of(CONTENT_TYPE_PROPOSAL),
      proposal,
    );
    // FramedContentTBS for an external sender carries no GroupContext (RFC 9420 6.1).
    const tbs = concatBytes(MLS_VERSION_10, WIRE_FORMAT_PUBLIC_MESSAGE, framedContent);
    const signContent = concatBytes(encodeVector(utf8('MLS 1.0 FramedContentTBS')), encodeVector(tbs));
    const signature = new Uint8Array(
      sign('sha256', signContent, { key: this.#privateKey, dsaEncoding: 'der' }),
    );
    return concatBytes(MLS_VERSION_10, WIRE_FORMAT_PUBLIC_MESSAGE, framedContent, encodeVector(signature));
  }

  /** Op 27 append payload (operation byte included): `MLSMessage proposal_messages<V>`. */
  static appendPayload(proposalMessages: Uint8Array[]): Uint8Array {
    return concatBytes(Uint8Array.of(ProposalsOperationType.APPEND), encodeVector(...proposalMessages));
  }

  /** Op 27 revoke payload (operation byte included): `ProposalRef proposal_refs<V>`. */
  static revokePayload(refs: Uint8Array[]): Uint8Array {
    return concatBytes(
      Uint8Array.of(ProposalsOperationType.REVOKE),
      encodeVector(...refs.map((r) => encodeVector(r))),
    );
  }
}
