export { Cache, type CachedGuild, type CachedVoiceState, type CacheOptions } from './cache.js';
export {
  Client,
  type ClientEvents,
  type ClientOptions,
  type ComponentHandler,
  createClient,
  type ModalHandler,
  type ShutdownHook,
} from './client.js';
export {
  type CommandDefinition,
  commandJSON,
  defineCommand,
  type OptionDefinition,
  type OptionTypeName,
  type OptionValue,
  type OptionValues,
  sameCommands,
} from './commands.js';
export { BotError, type BotErrorCode } from './errors.js';
export { type DispatchEventName, type DispatchEvents, dispatchEventName } from './events.js';
export {
  AutocompleteInteraction,
  CommandInteraction,
  ComponentInteraction,
  ModalSubmitInteraction,
  type ReplyPayload,
} from './interaction.js';
export {
  BotVoiceConnection,
  type BotVoiceConnectionOptions,
  type BotVoiceEvents,
  type RecordOptions,
  VoiceRecording,
} from './botVoiceConnection.js';
export { BotVoice, type JoinOptions, type VoiceSignalling } from './voice.js';
