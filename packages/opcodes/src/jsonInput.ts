/**
 * Turns what came off a socket (text, UTF-8 bytes, or an already-parsed value such as ETF output)
 * into a JSON value, with a size cap checked before parsing. Internal.
 */
import { PayloadDecodeError, type PayloadProtocol } from './payloadDecodeError.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type ParsedInput = { ok: true; value: unknown } | { ok: false; error: PayloadDecodeError };

export function parseJsonInput(input: unknown, protocol: PayloadProtocol, maxLength: number): ParsedInput {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.length > maxLength) return tooLarge(protocol, input.length, maxLength);
    try {
      text = utf8.decode(input);
    } catch {
      return {
        ok: false,
        error: new PayloadDecodeError('INVALID_JSON', protocol, undefined, '', 'UTF-8 text'),
      };
    }
  } else {
    return { ok: true, value: input };
  }
  if (text.length > maxLength) return tooLarge(protocol, text.length, maxLength);
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // The parser's message can quote the input, which may hold a token: do not pass it on.
    return { ok: false, error: new PayloadDecodeError('INVALID_JSON', protocol, undefined, '', 'JSON text') };
  }
}

function tooLarge(protocol: PayloadProtocol, length: number, max: number): ParsedInput {
  return {
    ok: false,
    error: new PayloadDecodeError(
      'TOO_LARGE',
      protocol,
      undefined,
      '',
      `at most ${max} characters (got ${length})`,
    ),
  };
}
