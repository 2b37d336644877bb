/**
 * The default DAVE implementation: @cordwire/dave-mls (TypeScript MLS on ts-mls). Its DaveSession
 * already has the DaveSessionLike shape, so no adapter sits in between.
 */
import { DaveSession } from '@cordwire/dave-mls';
import type { DaveSessionFactory } from './daveSession.js';

export const cordwireDaveSessionFactory: DaveSessionFactory = (protocolVersion, userId, channelId) =>
  new DaveSession(protocolVersion, userId, channelId);
