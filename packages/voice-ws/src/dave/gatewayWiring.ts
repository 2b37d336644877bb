/**
 * Feeds one voice gateway's events to the DAVE controller. A fresh READY is a new voice session on
 * the server, so it resets the controller; op 11 and op 13 are tracked from the first message on,
 * because MLS Adds are checked against them (Discord.Net#3281).
 */
import { VoiceOpcodes } from '@cordwire/opcodes';
import type { VoiceGateway } from '../voiceGateway.js';
import type { DaveController } from './daveController.js';

export interface DaveIdentity {
  readonly userId: string;
  readonly channelId: () => string;
}

export function wireDaveToGateway(
  gateway: VoiceGateway,
  dave: DaveController,
  identity: DaveIdentity,
  isCurrent: () => boolean,
): void {
  gateway.on('ready', () => isCurrent() && dave.reset(identity.userId, identity.channelId()));
  gateway.on('clientsConnect', (d) => isCurrent() && dave.clientsConnect(d.user_ids));
  gateway.on('clientDisconnect', (d) => isCurrent() && dave.clientDisconnect(d.user_id));
  gateway.on('sessionDescription', (d) => isCurrent() && dave.sessionDescription(d.dave_protocol_version));
  gateway.on('davePrepareTransition', (d) => {
    if (isCurrent()) dave.prepareTransition(d.transition_id, d.protocol_version);
  });
  gateway.on('daveExecuteTransition', (d) => isCurrent() && dave.executeTransition(d.transition_id));
  gateway.on('davePrepareEpoch', (d) => {
    // research/dave.md 2.2: every field of op 24 is optional on the wire; a missing epoch is not 1.
    if (isCurrent()) dave.prepareEpoch(d.epoch ?? 0, d.protocol_version ?? 1);
  });
  for (const name of [
    'daveMlsExternalSender',
    'daveMlsProposals',
    'daveMlsAnnounceCommitTransition',
    'daveMlsWelcome',
  ] as const) {
    const op = opOf[name];
    gateway.on(name, (payload: Uint8Array) => isCurrent() && dave.binary(op, payload));
  }
}

const opOf = {
  daveMlsExternalSender: VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER,
  daveMlsProposals: VoiceOpcodes.DAVE_MLS_PROPOSALS,
  daveMlsAnnounceCommitTransition: VoiceOpcodes.DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION,
  daveMlsWelcome: VoiceOpcodes.DAVE_MLS_WELCOME,
} as const;
