import { type Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

/**
 * Cursor pagination, one way for every list: the cursor is the id (UUIDv7) of the last item of
 * the previous page, and a list reads one row more than the page holds to know whether another
 * follows (no count query). `/api/v1` names the field `nextCursor`; the seed-compatible chat API
 * (`/api/v2/chat`) keeps `next_cursor`.
 */
export interface CursorQueryFields {
  cursor?: string;
  limit?: number;
}

/** The base of a list's query DTO: `cursor` and a `limit` of 1…`max` (default `default`). */
export function CursorQuery(options: {
  default: number;
  max: number;
  cursorField?: string;
}): ClassType<CursorQueryFields> {
  class CursorQueryDto implements CursorQueryFields {
    @ApiPropertyOptional({ description: `${options.cursorField ?? 'nextCursor'} of the previous page` })
    @IsOptional()
    @IsUUID()
    cursor?: string;

    @ApiPropertyOptional({ minimum: 1, maximum: options.max, default: options.default })
    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(options.max)
    limit?: number;
  }
  return CursorQueryDto;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The base of a list's page DTO in `/api/v1`: `{ items, nextCursor }`. */
export function PageOf<T>(item: ClassType<T>): ClassType<Page<T>> {
  class PageDto implements Page<T> {
    @ApiProperty({ type: [item] })
    items!: T[];

    @ApiPropertyOptional({
      type: String,
      nullable: true,
      description: 'Pass as `cursor` for the next page; null at the end',
    })
    nextCursor!: string | null;
  }
  return PageDto;
}

/**
 * Reads a page: `fetch` gets how many rows to read (`limit + 1`), rows come back in the list's
 * order, and the cursor is the last item's id (or what `cursorOf` says).
 */
export async function readPage<R, T>(
  limit: number,
  fetch: (take: number) => Promise<R[]>,
  toItem: (row: R) => T,
  cursorOf: (item: T) => string = (item) => (item as { id: string }).id,
): Promise<Page<T>> {
  const rows = await fetch(limit + 1);
  const items = rows.slice(0, limit).map(toItem);
  return { items, nextCursor: rows.length > limit ? cursorOf(items[items.length - 1]) : null };
}
