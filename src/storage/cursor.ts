/**
 * The job list's paging cursor, the same on every store: the last listed job's creation time and id
 * (the list is ordered newest first by both), opaque to clients.
 */
import { BadRequestError } from '../errors.js';

export interface CursorPosition {
  created_at: number;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.created_at, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') {
      return { created_at: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through: a cursor we did not make
  }
  throw new BadRequestError(`invalid cursor "${cursor}": pass the next_cursor of a previous page`, undefined, 'INVALID_CURSOR');
}
