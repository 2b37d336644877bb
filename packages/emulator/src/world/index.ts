export { World } from './world.js';
export type {
  BanState,
  ChannelState,
  DmChannel,
  GuildState,
  MemberState,
  MessageInput,
  MessageOptions,
  MessageState,
  ReactionEmoji,
  RoleState,
  WorldDispatch,
  WorldEvents,
} from './world.js';
export { ApplicationCommands } from './applicationCommands.js';
export type {
  ApplicationCommand,
  ApplicationCommandInput,
  CommandPermission,
  GuildCommandPermissions,
} from './applicationCommands.js';
export {
  INTERACTION_ACK_MS,
  INTERACTION_TOKEN_MS,
  InteractionCallbackType,
  Interactions,
  InteractionType,
} from './interactions.js';
export type {
  CreateInteraction,
  InteractionResponse,
  InteractionResponseKind,
  InteractionState,
} from './interactions.js';
export {
  ALL_PERMISSIONS,
  DEFAULT_BOT_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
  Permission,
} from './permissions.js';
export type { PermissionName, PermissionOverwrite } from './permissions.js';
export { isSnowflake, SnowflakeGenerator, snowflakeTime } from './snowflake.js';
export { WorldError, WorldErrorCode } from './worldError.js';
export type { ErrorTree } from './worldError.js';
export {
  channelPayload,
  guildPayload,
  memberPayload,
  messagePayload,
  rolePayload,
  userPayload,
} from './payloads.js';
