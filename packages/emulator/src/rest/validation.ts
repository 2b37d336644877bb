/**
 * Validation of what bots send, with Discord's limits and its field-error tree (docs
 * resources/message "Create Message" and "Embed Limits", components/reference, interactions/
 * application-commands "Naming" and limits; research rest-surface §6). discord.js checks almost
 * none of this itself, so the emulator is where a bot finds out before production does.
 */
import type { ApplicationCommandInput } from '../world/applicationCommands.js';
import { isSnowflake } from '../world/snowflake.js';
import type { MessageInput } from '../world/world.js';
import { WorldError, WorldErrorCode } from '../world/worldError.js';
import { FormErrors } from './restError.js';
import type { UploadedFile } from './router.js';

type Path = Array<string | number>;

const COMPONENTS_V2 = 1 << 15;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Plain-object JSON body, or a 50035 on the whole body. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (isObject(body)) return body;
  const errors = new FormErrors();
  errors.add([], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  errors.throwIfAny();
  return {};
}

export function maxLength(errors: FormErrors, path: Path, v: unknown, max: number): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'string') {
    errors.add(
      path,
      'BASE_TYPE_STRING',
      `Could not interpret "${String(JSON.stringify(v)).slice(0, 32)}" as string.`,
    );
    return;
  }
  if ([...v].length > max) errors.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
}

function between(
  errors: FormErrors,
  path: Path,
  v: unknown,
  min: number,
  max: number,
  required: boolean,
): void {
  if (v === undefined || v === null) {
    if (required) errors.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (typeof v !== 'string') {
    errors.add(
      path,
      'BASE_TYPE_STRING',
      `Could not interpret "${String(JSON.stringify(v)).slice(0, 32)}" as string.`,
    );
    return;
  }
  const n = [...v].length;
  if (n < min || n > max)
    errors.add(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
}

function arrayOf(errors: FormErrors, path: Path, v: unknown, max: number): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    errors.add(path, 'BASE_TYPE_LIST', 'Must be a list.');
    return undefined;
  }
  if (v.length > max) errors.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  return v;
}

export function snowflakeField(errors: FormErrors, path: Path, v: unknown): void {
  if (v === undefined || v === null) return;
  if (!isSnowflake(typeof v === 'number' ? String(v) : v)) {
    errors.add(path, 'NUMBER_TYPE_COERCE', `Value "${String(v).slice(0, 64)}" is not snowflake.`);
  }
}

function textLength(v: unknown): number {
  return typeof v === 'string' ? [...v.trim()].length : 0;
}

function validateEmbeds(errors: FormErrors, path: Path, embeds: unknown[]): void {
  let total = 0;
  embeds.forEach((e, i) => {
    const p = [...path, i];
    if (!isObject(e)) {
      errors.add(p, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
      return;
    }
    maxLength(errors, [...p, 'title'], e.title, 256);
    maxLength(errors, [...p, 'description'], e.description, 4096);
    maxLength(errors, [...p, 'url'], e.url, 2048);
    total += textLength(e.title) + textLength(e.description);
    if (isObject(e.footer)) {
      maxLength(errors, [...p, 'footer', 'text'], e.footer.text, 2048);
      total += textLength(e.footer.text);
    }
    if (isObject(e.author)) {
      maxLength(errors, [...p, 'author', 'name'], e.author.name, 256);
      total += textLength(e.author.name);
    }
    const fields = arrayOf(errors, [...p, 'fields'], e.fields, 25) ?? [];
    fields.forEach((f, fi) => {
      const fp = [...p, 'fields', fi];
      if (!isObject(f)) {
        errors.add(fp, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
        return;
      }
      between(errors, [...fp, 'name'], f.name, 1, 256, true);
      between(errors, [...fp, 'value'], f.value, 1, 1024, true);
      total += textLength(f.name) + textLength(f.value);
    });
  });
  if (total > 6000) errors.add(path, 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
}

function validateButton(errors: FormErrors, p: Path, c: Record<string, unknown>, ids: Set<string>): void {
  maxLength(errors, [...p, 'label'], c.label, 80);
  if (c.style === 5) {
    between(errors, [...p, 'url'], c.url, 1, 512, true);
    return;
  }
  if (c.style === 6) return;
  between(errors, [...p, 'custom_id'], c.custom_id, 1, 100, true);
  if (typeof c.custom_id === 'string') {
    if (ids.has(c.custom_id)) {
      errors.add(
        [...p, 'custom_id'],
        'COMPONENT_CUSTOM_ID_DUPLICATED',
        'Component custom id cannot be duplicated',
      );
    }
    ids.add(c.custom_id);
  }
}

function validateSelect(errors: FormErrors, p: Path, c: Record<string, unknown>): void {
  between(errors, [...p, 'custom_id'], c.custom_id, 1, 100, true);
  maxLength(errors, [...p, 'placeholder'], c.placeholder, 150);
  if (c.type === 3) {
    const options = arrayOf(errors, [...p, 'options'], c.options, 25);
    if (!options || options.length === 0) {
      errors.add([...p, 'options'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 25 in length.');
    }
    options?.forEach((o, oi) => {
      if (!isObject(o)) return;
      between(errors, [...p, 'options', oi, 'label'], o.label, 1, 100, true);
      between(errors, [...p, 'options', oi, 'value'], o.value, 1, 100, true);
      maxLength(errors, [...p, 'options', oi, 'description'], o.description, 100);
    });
  }
}

/** Legacy components: up to 5 action rows of up to 5 buttons or exactly one select. */
function validateComponents(errors: FormErrors, path: Path, components: unknown[], flags: number): void {
  if (flags & COMPONENTS_V2) {
    let count = 0;
    const walk = (list: unknown[]) => {
      for (const c of list) {
        count += 1;
        if (isObject(c) && Array.isArray(c.components)) walk(c.components);
        if (isObject(c) && isObject(c.accessory)) count += 1;
      }
    };
    walk(components);
    if (count > 40) errors.add(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 40 or fewer in length.');
    return;
  }
  if (components.length > 5) errors.add(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  const ids = new Set<string>();
  components.forEach((row, ri) => {
    const rp = [...path, ri];
    if (!isObject(row) || row.type !== 1) {
      errors.add([...rp, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1}.');
      return;
    }
    const children = Array.isArray(row.components) ? row.components : [];
    const selects = children.filter((c) => isObject(c) && c.type !== 2).length;
    if (children.length < 1 || children.length > 5 || (selects > 0 && children.length !== 1)) {
      errors.add([...rp, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
    }
    children.forEach((c, ci) => {
      if (!isObject(c)) return;
      const cp = [...rp, 'components', ci];
      if (c.type === 2) validateButton(errors, cp, c, ids);
      else if ([3, 5, 6, 7, 8].includes(c.type as number)) validateSelect(errors, cp, c);
      else errors.add([...cp, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {2, 3, 5, 6, 7, 8}.');
    });
  });
}

/**
 * A message body (create, edit, interaction reply, follow-up). `prefix` nests the errors
 * (callbacks put them under `data`). Creates (not edits) must carry something to show: 50006.
 */
export function validateMessage(
  body: Record<string, unknown>,
  files: UploadedFile[],
  opts: { prefix?: Path; create: boolean; channelId: string; mintId: () => string },
): MessageInput {
  const errors = new FormErrors();
  const at = (...p: Path): Path => [...(opts.prefix ?? []), ...p];
  maxLength(errors, at('content'), body.content, 2000);
  const embeds = arrayOf(errors, at('embeds'), body.embeds, 10);
  if (embeds) validateEmbeds(errors, at('embeds'), embeds);
  const flags = typeof body.flags === 'number' && Number.isInteger(body.flags) ? body.flags : 0;
  if (body.flags !== undefined && body.flags !== null && typeof body.flags !== 'number') {
    errors.add(at('flags'), 'NUMBER_TYPE_COERCE', `Value "${String(body.flags).slice(0, 32)}" is not int.`);
  }
  const components = arrayOf(errors, at('components'), body.components, 40);
  if (components) validateComponents(errors, at('components'), components, flags);
  if (body.nonce !== undefined && body.nonce !== null) {
    if (typeof body.nonce === 'string') maxLength(errors, at('nonce'), body.nonce, 25);
    else if (typeof body.nonce !== 'number')
      errors.add(at('nonce'), 'BASE_TYPE_STRING', 'Must be a string or an integer.');
  }
  arrayOf(errors, at('sticker_ids'), body.sticker_ids, 3);
  const attachmentsIn = arrayOf(errors, at('attachments'), body.attachments, 10);
  if (files.length > 10) errors.add(at('files'), 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  if (isObject(body.allowed_mentions)) {
    arrayOf(errors, at('allowed_mentions', 'users'), body.allowed_mentions.users, 100);
    arrayOf(errors, at('allowed_mentions', 'roles'), body.allowed_mentions.roles, 100);
  }
  let reference: MessageInput['message_reference'];
  if (isObject(body.message_reference)) {
    snowflakeField(errors, at('message_reference', 'message_id'), body.message_reference.message_id);
    snowflakeField(errors, at('message_reference', 'channel_id'), body.message_reference.channel_id);
    if (typeof body.message_reference.message_id === 'string') {
      reference = { message_id: body.message_reference.message_id };
      if (typeof body.message_reference.channel_id === 'string')
        reference.channel_id = body.message_reference.channel_id;
      if (body.message_reference.fail_if_not_exists === false) reference.fail_if_not_exists = false;
    }
  }
  errors.throwIfAny();

  const attachments = attachmentMetadata(files, attachmentsIn ?? [], opts.channelId, opts.mintId);
  const hasSomething =
    (typeof body.content === 'string' && body.content.length > 0) ||
    (embeds?.length ?? 0) > 0 ||
    (components?.length ?? 0) > 0 ||
    attachments.length > 0 ||
    (Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0) ||
    isObject(body.poll);
  if (opts.create && !hasSomething) throw new WorldError(WorldErrorCode.EMPTY_MESSAGE);

  const input: MessageInput = {};
  if (typeof body.content === 'string') input.content = body.content;
  else if (body.content === null && !opts.create) input.content = '';
  if (embeds) input.embeds = embeds;
  else if (body.embeds === null && !opts.create) input.embeds = [];
  if (components) input.components = components;
  else if (body.components === null && !opts.create) input.components = [];
  if (attachments.length > 0 || body.attachments !== undefined) input.attachments = attachments;
  if (body.tts === true) input.tts = true;
  if (body.flags !== undefined) input.flags = flags;
  if (typeof body.nonce === 'string' || typeof body.nonce === 'number') input.nonce = body.nonce;
  if (reference) input.message_reference = reference;
  if (isObject(body.allowed_mentions))
    input.allowed_mentions = body.allowed_mentions as MessageInput['allowed_mentions'];
  if (isObject(body.poll)) input.poll = body.poll;
  return input;
}

/** Attachment objects for uploaded files (docs resources/message "Attachment Object"). */
function attachmentMetadata(
  files: UploadedFile[],
  declared: unknown[],
  channelId: string,
  mintId: () => string,
) {
  return files.map((f) => {
    const meta = declared.find((a) => isObject(a) && String(a.id) === String(f.index));
    const filename = isObject(meta) && typeof meta.filename === 'string' ? meta.filename : f.filename;
    const id = mintId();
    const url = `https://cdn.discordapp.com/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
    return {
      id,
      filename,
      size: f.size,
      url,
      proxy_url: url,
      content_type: f.contentType,
      ...(isObject(meta) && typeof meta.description === 'string' ? { description: meta.description } : {}),
    };
  });
}

// ---- application commands ----------------------------------------------------------------------

const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function commandName(errors: FormErrors, path: Path, name: unknown, chatInput: boolean): void {
  if (typeof name !== 'string') {
    errors.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (!chatInput) {
    between(errors, path, name, 1, 32, true);
    return;
  }
  if (!CHAT_INPUT_NAME.test(name) || name !== name.toLowerCase()) {
    errors.add(path, 'STRING_TYPE_REGEX', 'String value did not match validation regex.');
    errors.add(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
}

function commandSize(c: Record<string, unknown>): number {
  let n = textLength(c.name) + textLength(c.description);
  const walk = (options: unknown) => {
    if (!Array.isArray(options)) return;
    for (const o of options) {
      if (!isObject(o)) continue;
      n += textLength(o.name) + textLength(o.description);
      if (Array.isArray(o.choices)) {
        for (const ch of o.choices)
          if (isObject(ch)) n += textLength(ch.name) + textLength(String(ch.value ?? ''));
      }
      walk(o.options);
    }
  };
  walk(c.options);
  return n;
}

function validateOptions(errors: FormErrors, path: Path, options: unknown): void {
  const list = arrayOf(errors, path, options, 25);
  if (!list) return;
  const names = new Set<string>();
  list.forEach((o, i) => {
    const p = [...path, i];
    if (!isObject(o)) {
      errors.add(p, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
      return;
    }
    if (typeof o.type !== 'number' || !Number.isInteger(o.type) || o.type < 1 || o.type > 11) {
      errors.add(
        [...p, 'type'],
        'BASE_TYPE_CHOICES',
        'Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.',
      );
    }
    commandName(errors, [...p, 'name'], o.name, true);
    if (typeof o.name === 'string') {
      if (names.has(o.name))
        errors.add(
          [...p, 'name'],
          'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS',
          'Option names must be unique',
        );
      names.add(o.name);
    }
    between(errors, [...p, 'description'], o.description, 1, 100, true);
    const choices = arrayOf(errors, [...p, 'choices'], o.choices, 25);
    choices?.forEach((ch, ci) => {
      if (!isObject(ch)) return;
      between(errors, [...p, 'choices', ci, 'name'], ch.name, 1, 100, true);
      if (typeof ch.value === 'string') maxLength(errors, [...p, 'choices', ci, 'value'], ch.value, 100);
    });
    if (o.options !== undefined) validateOptions(errors, [...p, 'options'], o.options);
  });
}

/** One command (create, edit with `partial`, or an element of a bulk overwrite under `prefix`). */
export function validateCommand(
  body: unknown,
  errors: FormErrors,
  prefix: Path = [],
  partial = false,
): ApplicationCommandInput | undefined {
  if (!isObject(body)) {
    errors.add(prefix, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    return undefined;
  }
  const type = body.type === undefined ? 1 : body.type;
  if (typeof type !== 'number' || ![1, 2, 3, 4].includes(type)) {
    errors.add([...prefix, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4}.');
  }
  const chatInput = type === 1;
  if (!partial || body.name !== undefined) commandName(errors, [...prefix, 'name'], body.name, chatInput);
  if (chatInput && (!partial || body.description !== undefined)) {
    between(errors, [...prefix, 'description'], body.description, 1, 100, true);
  }
  if (body.options !== undefined) validateOptions(errors, [...prefix, 'options'], body.options);
  if (commandSize(body) > 8000) {
    errors.add(prefix, 'APPLICATION_COMMAND_TOO_LARGE', 'Command exceeds maximum size (8000)');
  }
  const input: ApplicationCommandInput = { name: typeof body.name === 'string' ? body.name : '' };
  if (typeof type === 'number') input.type = type;
  if (typeof body.description === 'string') input.description = body.description;
  if (Array.isArray(body.options)) input.options = body.options;
  if (typeof body.default_member_permissions === 'string' || body.default_member_permissions === null)
    input.default_member_permissions = body.default_member_permissions;
  if (typeof body.dm_permission === 'boolean') input.dm_permission = body.dm_permission;
  if (typeof body.nsfw === 'boolean') input.nsfw = body.nsfw;
  if (Array.isArray(body.contexts) || body.contexts === null)
    input.contexts = body.contexts as number[] | null;
  if (Array.isArray(body.integration_types)) input.integration_types = body.integration_types as number[];
  if (isObject(body.name_localizations))
    input.name_localizations = body.name_localizations as Record<string, string>;
  if (isObject(body.description_localizations))
    input.description_localizations = body.description_localizations as Record<string, string>;
  return input;
}

/** A bulk overwrite: each command validated under its index, names unique per type. */
export function validateCommandList(body: unknown): ApplicationCommandInput[] {
  const errors = new FormErrors();
  if (!Array.isArray(body)) {
    errors.add([], 'BASE_TYPE_LIST', 'Must be a list.');
    errors.throwIfAny();
    return [];
  }
  if (body.length > 200) errors.add([], 'BASE_TYPE_MAX_LENGTH', 'Must be 200 or fewer in length.');
  const seen = new Set<string>();
  const out: ApplicationCommandInput[] = [];
  body.forEach((c, i) => {
    const input = validateCommand(c, errors, [i]);
    if (!input) return;
    const key = `${input.type ?? 1}:${input.name}`;
    if (seen.has(key)) {
      errors.add([i], 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`);
    }
    seen.add(key);
    out.push(input);
  });
  errors.throwIfAny();
  return out;
}

/** Interaction callback bodies beyond the message: autocomplete choices and modals. */
export function validateCallbackData(type: number, data: Record<string, unknown>, errors: FormErrors): void {
  if (type === 8) {
    const choices = arrayOf(errors, ['data', 'choices'], data.choices, 25);
    choices?.forEach((ch, i) => {
      if (isObject(ch)) between(errors, ['data', 'choices', i, 'name'], ch.name, 1, 100, true);
    });
  }
  if (type === 9) {
    between(errors, ['data', 'custom_id'], data.custom_id, 1, 100, true);
    between(errors, ['data', 'title'], data.title, 1, 45, true);
    const components = Array.isArray(data.components) ? data.components : [];
    if (components.length < 1 || components.length > 5) {
      errors.add(['data', 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
    }
  }
}
